"""The skills framework editor's services without HTTP: the publish rule, copy, retire against remove, and
the checks on exemptions and routes (issue 16, part A)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.models import AuditEvent, TemplateStatus
from skillpass.models.skills import (
    SelfAssessment,
    SelfAssessmentAnswer,
    SkillArea,
    SkillExemption,
    SkillRoute,
    SkillsFramework,
    SkillStatement,
    SkillTarget,
)
from skillpass.services.errors import ValidationFailed
from skillpass.services.skills import framework_links as links
from skillpass.services.skills import framework_parts as parts
from skillpass.services.skills import frameworks
from tests import factories


def _answer(person, statement):
    assessment = SelfAssessment(person_id=person.id, framework_id=db.session.get(
        SkillArea, statement.area_id).framework_id)
    db.session.add(assessment)
    db.session.flush()
    db.session.add(SelfAssessmentAnswer(assessment_id=assessment.id, statement_id=statement.id, answer=True))
    db.session.flush()


def _actions():
    return [a for (a,) in db.session.execute(select(AuditEvent.action).order_by(AuditEvent.id))]


def test_a_draft_publishes_only_when_every_live_area_has_a_statement_at_every_level(app, world):
    fw = frameworks.create_framework(actor=world.admin, name="  IT   user skills ", description="The 15 techniques")
    assert fw.name == "IT user skills" and fw.status is TemplateStatus.DRAFT
    with pytest.raises(ValidationFailed) as empty:
        frameworks.publish(actor=world.admin, framework=fw)
    assert "Add an area" in str(empty.value)
    email = parts.add_area(actor=world.admin, framework=fw, name="Email")
    sheets = parts.add_area(actor=world.admin, framework=fw, name="Spreadsheets")
    parts.add_statement(actor=world.admin, area=email, wording="I can attach a file to an email", level="1")
    with pytest.raises(ValidationFailed) as missing:
        frameworks.publish(actor=world.admin, framework=fw)
    assert missing.value.errors == {
        f"area-{email.id}": "Email has no statement at Intermediate, Advanced and Super-user.",
        f"area-{sheets.id}": "Spreadsheets has no statement at Foundation, Intermediate, Advanced and Super-user."}
    for level in "234":
        parts.add_statement(actor=world.admin, area=email, wording=f"Email {level}", level=level)
    retired_sheets = parts.remove_area(actor=world.admin, area=sheets)
    assert retired_sheets == "removed"        # nobody answered it: gone, statements and all
    frameworks.publish(actor=world.admin, framework=fw)
    assert fw.status is TemplateStatus.PUBLISHED
    assert "framework.published" in _actions()


def test_names_are_checked_in_place(app, world):
    frameworks.create_framework(actor=world.admin, name="IT user skills")
    with pytest.raises(ValidationFailed) as taken:
        frameworks.create_framework(actor=world.admin, name="it USER skills", description="x" * 2001)
    assert set(taken.value.errors) == {"name", "description"}
    fw = factories.skills_framework(name="Digital", status=TemplateStatus.DRAFT)
    with pytest.raises(ValidationFailed) as statement:
        parts.add_statement(actor=world.admin, area=standing_area(fw), wording=" ", level="5")
    assert set(statement.value.errors) == {"wording", "level"}
    with pytest.raises(ValidationFailed) as same:
        parts.add_area(actor=world.admin, framework=fw, name="email")
    assert "already has an area called email" in same.value.errors["name"]


def standing_area(fw, name="Email") -> SkillArea:
    return db.session.scalar(select(SkillArea).where(SkillArea.framework_id == fw.id, SkillArea.name == name))


def test_what_anyone_answered_is_retired_never_deleted_and_what_nobody_did_is_removed(app, world):
    fw = factories.skills_framework()
    email = standing_area(fw)
    answered, untouched = db.session.scalars(select(SkillStatement).where(
        SkillStatement.area_id == email.id, SkillStatement.level == 1).order_by(SkillStatement.position)).all()
    _answer(world.learner, answered)
    assert parts.remove_statement(actor=world.admin, statement=answered, area=email) == "retired"
    assert answered.retired_at is not None
    assert parts.remove_statement(actor=world.admin, statement=untouched, area=email) == "removed"
    assert db.session.get(SkillStatement, untouched.id) is None
    assert parts.remove_area(actor=world.admin, area=email) == "retired"
    assert db.session.get(SkillArea, email.id).retired_at is not None
    parts.restore_area(actor=world.admin, area=email)
    assert email.retired_at is None
    # An area a target names is retired too (the target is part C's, kept).
    sheets = standing_area(fw, "Spreadsheets")
    db.session.add(SkillTarget(area_id=sheets.id, job_role="Porter", minimum=1))
    db.session.flush()
    assert parts.remove_area(actor=world.admin, area=sheets) == "retired"


def test_moves_stay_within_a_level_and_say_where(app, world):
    fw = factories.skills_framework(per_level=3)
    email = standing_area(fw)
    first, second, third = db.session.scalars(select(SkillStatement).where(
        SkillStatement.area_id == email.id, SkillStatement.level == 2).order_by(SkillStatement.position)).all()
    assert parts.move_statement(actor=world.admin, statement=third, area=email, direction="up")
    assert [s.id for s in parts._level_siblings(email.id, 2)] == [first.id, third.id, second.id]
    assert not parts.move_statement(actor=world.admin, statement=first, area=email, direction="up")
    assert parts.move_area(actor=world.admin, area=email, direction="down")
    assert [a.name for a in db.session.scalars(select(SkillArea).where(SkillArea.framework_id == fw.id)
                                               .order_by(SkillArea.position))] == [
        "Spreadsheets", "Email", "Word processing"]


def test_a_copy_is_a_draft_with_areas_statements_exemptions_and_routes_but_no_targets(app, world):
    fw = factories.skills_framework()
    email = standing_area(fw)
    parts.remove_area(actor=world.admin, area=standing_area(fw, "Word processing"))   # removed: not copied
    links.add_exemption(actor=world.admin, framework=fw, area_id=str(email.id), level="2",
                        qualification="ECDL module 7")
    links.add_route(actor=world.admin, framework=fw, area_id=str(email.id), level="1", item_id=str(world.fire.id))
    db.session.add(SkillTarget(area_id=email.id, job_role="Porter", minimum=2))
    db.session.flush()
    copy = frameworks.copy_framework(actor=world.admin, framework=fw)
    assert copy.name == "IT user skills (copy)" and copy.status is TemplateStatus.DRAFT
    areas = db.session.scalars(select(SkillArea).where(SkillArea.framework_id == copy.id)
                               .order_by(SkillArea.position)).all()
    assert [a.name for a in areas] == ["Email", "Spreadsheets"]
    assert db.session.scalar(select(func.count()).select_from(SkillStatement).where(
        SkillStatement.area_id.in_([a.id for a in areas]))) == 16
    [exemption] = db.session.scalars(select(SkillExemption).where(SkillExemption.framework_id == copy.id)).all()
    assert (exemption.area_id, exemption.normalised, exemption.level) == (areas[0].id, "ecdl module 7", 2)
    assert db.session.scalar(select(SkillRoute.item_id).where(SkillRoute.area_id == areas[0].id)) == world.fire.id
    assert db.session.scalar(select(func.count()).select_from(SkillTarget).where(
        SkillTarget.area_id.in_([a.id for a in areas]))) == 0
    assert frameworks.copy_framework(actor=world.admin, framework=fw).name == "IT user skills (copy 2)"


def test_an_exemption_names_a_published_item_or_a_qualification_of_a_live_area(app, world):
    fw = factories.skills_framework()
    email = standing_area(fw)
    other = factories.skills_framework(name="Other")
    with pytest.raises(ValidationFailed) as neither:
        links.add_exemption(actor=world.admin, framework=fw, area_id=str(standing_area(other).id), level="0")
    assert set(neither.value.errors) == {"area_id", "level", "item_id"}
    with pytest.raises(ValidationFailed) as both:
        links.add_exemption(actor=world.admin, framework=fw, area_id=str(email.id), level="2",
                            item_id=str(world.fire.id), qualification="CLAIT")
    assert set(both.value.errors) == {"qualification"}
    draft = factories.template("Draft passport")
    draft.status = TemplateStatus.DRAFT
    item = factories.item(factories.section(draft, "Week 1", 1, "weeks"), "Draft item")
    with pytest.raises(ValidationFailed) as unpublished:
        links.add_exemption(actor=world.admin, framework=fw, area_id=str(email.id), level="2", item_id=str(item.id))
    assert "published passport" in unpublished.value.errors["item_id"]
    held = links.add_exemption(actor=world.admin, framework=fw, area_id=str(email.id), level="3",
                               qualification="  ECDL   Module 7 ")
    assert (held.qualification, held.normalised) == ("ECDL Module 7", "ecdl module 7")
    with pytest.raises(ValidationFailed) as twice:
        links.add_exemption(actor=world.admin, framework=fw, area_id=str(email.id), level="2",
                            qualification="ecdl module 7")
    assert "already has an exemption" in twice.value.errors["qualification"]
    links.retire_exemption(actor=world.admin, exemption=held)
    assert held.retired_at is not None
    assert _actions()[-2:] == ["skill_exemption.added", "skill_exemption.retired"]


@pytest.mark.parametrize("url, ok", [
    ("https://www.e-lfh.org.uk/programmes/", True),
    ("", True),
    ("http://example.org/course", False),
    ("javascript:alert(1)", False),
    ("https://", False),
    ("https://exa mple.org", False),
])
def test_a_course_route_has_a_title_and_an_optional_https_address(app, world, url, ok):
    fw = factories.skills_framework()
    email = standing_area(fw)
    if ok:
        route = links.add_route(actor=world.admin, framework=fw, area_id=str(email.id), level="2",
                                course_title="Excel basics", course_url=url)
        assert (route.course_title, route.course_url, route.item_id) == ("Excel basics", url, None)
        links.retire_route(actor=world.admin, route=route)
        assert route.retired_at is not None
    else:
        with pytest.raises(ValidationFailed) as refused:
            links.add_route(actor=world.admin, framework=fw, area_id=str(email.id), level="2",
                            course_title="Excel basics", course_url=url)
        assert set(refused.value.errors) == {"course_url"}


def test_archive_and_restore(app, world):
    fw = factories.skills_framework()
    frameworks.archive(actor=world.admin, framework=fw)
    assert fw.status is TemplateStatus.ARCHIVED
    frameworks.restore(actor=world.admin, framework=fw)
    assert fw.status is TemplateStatus.PUBLISHED
    assert _actions()[-2:] == ["framework.archived", "framework.changed"]


def test_the_editor_reads_any_framework_in_the_same_queries(app, world):
    from tests.querycount import count_queries

    small = factories.skills_framework(name="Small", areas=("A",), per_level=1)
    big = factories.skills_framework(name="Big", areas=tuple(f"Area {n}" for n in range(15)), per_level=4)
    for fw in (small, big):
        area = db.session.scalar(select(SkillArea).where(SkillArea.framework_id == fw.id))
        links.add_route(actor=world.admin, framework=fw, area_id=str(area.id), level="1", course_title="Course")
    db.session.commit()
    counts = []
    for fw in (small, big):
        with count_queries() as queries:
            frameworks.editor(fw).context()
        counts.append(len(queries.statements))
    assert counts[0] == counts[1]
