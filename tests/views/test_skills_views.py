"""My skills (issue 16, part B): the learner's own self-assessment through the pages, full page and htmx.

The level rule of PRODUCT.md §6.5 is decided here through the forms: answer patterns posted as the page
posts them (every answer of an area at once, and one statement at a time as htmx does) give the level the
page shows and the level the submitted snapshot keeps."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import (
    AuditEvent, SelfAssessedLevel, SelfAssessment, SelfAssessmentAnswer, SkillRoute, SkillStanding, SkillTarget,
)
from skillpass.services.skills import standing
from tests import factories
from tests.conftest import HTMX, TODAY, sign_in
from tests.querycount import count_queries


def _areas(fw):
    return {a.name: a for a in standing.live_areas(fw.id)}


def _statements(area):
    from skillpass.services.skills.assessments import live_statements

    return live_statements([area.id])[area.id]


def _start(client, fw):
    response = client.post(f"/skills/{fw.id}/assess/start", data={})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response


def _pattern(area, pattern: dict[int, list]) -> dict[str, str]:
    """Form fields for *pattern*: level -> answers in statement order ("yes", "no" or None: not answered)."""
    by_level: dict[int, list] = {}
    for s in _statements(area):
        by_level.setdefault(s.level, []).append(s)
    form = {}
    for level, answers in pattern.items():
        for s, a in zip(by_level[level], answers):
            if a is not None:
                form[f"s{s.id}"] = a
    return form


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


Y, N, _ = "yes", "no", None
# Answer patterns (two statements a level) and the level §6.5 gives: the highest level whose statements, and all
# statements of every lower level, are answered yes; Inexperienced if none; unanswered is not yes.
PATTERNS = [
    ("none answered", {}, "Inexperienced", "0 of 2 Foundation statements answered yes"),
    ("all no", {1: [N, N], 2: [N, N], 3: [N, N], 4: [N, N]}, "Inexperienced", "0 of 2 Foundation"),
    ("all yes", {1: [Y, Y], 2: [Y, Y], 3: [Y, Y], 4: [Y, Y]}, "Super-user", "every statement answered yes"),
    ("foundation only", {1: [Y, Y]}, "Foundation", "all Foundation statements answered yes; 0 of 2 Intermediate"),
    ("gap in foundation, yes above", {1: [Y, N], 2: [Y, Y], 3: [Y, Y], 4: [Y, Y]}, "Inexperienced",
     "1 of 2 Foundation statements answered yes"),
    ("gap in intermediate", {1: [Y, Y], 2: [Y, N], 3: [Y, Y]}, "Foundation",
     "all Foundation statements answered yes; 1 of 2 Intermediate"),
    ("unanswered in foundation", {1: [Y, _], 2: [Y, Y]}, "Inexperienced", "1 of 2 Foundation"),
    ("intermediate, half advanced", {1: [Y, Y], 2: [Y, Y], 3: [Y, N]}, "Intermediate",
     "all Foundation and Intermediate statements answered yes; 1 of 2 Advanced"),
    ("advanced, no super-user", {1: [Y, Y], 2: [Y, Y], 3: [Y, Y], 4: [N, _]}, "Advanced",
     "all Foundation, Intermediate and Advanced statements answered yes; 0 of 2 Super-user"),
]


@pytest.mark.parametrize("name,pattern,level,why", PATTERNS, ids=[p[0] for p in PATTERNS])
def test_answer_patterns_give_the_levels_of_the_rule_through_the_page_and_the_snapshot(app, world, name, pattern,
                                                                                         level, why):
    fw = factories.skills_framework(areas=("Email", "Spreadsheets"))
    db.session.commit()
    email, sheets = _areas(fw)["Email"], _areas(fw)["Spreadsheets"]
    page = sign_in(app.test_client(), world.learner)
    _start(page, fw)
    hx = sign_in(app.test_client(), world.other_learner)
    _start(hx, fw)

    # Without JavaScript: the whole area at once, then the page shows the level and why.
    response = page.post(f"/skills/{fw.id}/assess/{email.id}", data={**_pattern(email, pattern), "action": "next"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/assess/{sheets.id}")
    shown = _text(page.get(f"/skills/{fw.id}/assess/{email.id}"))
    assert f"Your level in Email: {level}" in shown and why in shown

    # With htmx: one statement at a time, each answer swapping the level panel.
    last = None
    for field, value in _pattern(email, pattern).items():
        last = hx.post(f"/skills/{fw.id}/assess/{email.id}", data={field: value}, headers=HTMX)
        assert last.status_code == 200
        assert last.get_data(as_text=True).lstrip().startswith('<div id="area-level-panel"')
    if last is not None:
        assert f"Your level in Email: {level}" in _text(last) and why in _text(last)

    for client, person in ((page, world.learner), (hx, world.other_learner)):
        check = _text(client.get(f"/skills/{fw.id}/assess/check"))
        assert f"Email {level} {level}:" in check
        assert client.post(f"/skills/{fw.id}/assess/submit", data={}).status_code == 303
        db.session.expire_all()
        kept = db.session.scalars(select(SelfAssessedLevel).join(SelfAssessment).where(
            SelfAssessment.person_id == person.id, SelfAssessedLevel.area_id == email.id)).one()
        assert kept.reason.startswith(f"{level}:") and why in kept.reason
        # The person's page shows the submitted level as their self-assessed one.
        mine = _text(client.get("/skills"))
        assert f"Email Self-assessed {level}" in mine


def test_the_area_page_and_the_level_panel_full_page_and_htmx(app, world):
    fw = factories.skills_framework(areas=("Email",))
    db.session.commit()
    email = _areas(fw)["Email"]
    client = sign_in(app.test_client(), world.learner)
    # No draft yet: the area page sends the person to start one.
    assert client.get(f"/skills/{fw.id}/assess/{email.id}").status_code == 302
    _start(client, fw)
    page = client.get(f"/skills/{fw.id}/assess/{email.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for label in ("Foundation", "Intermediate", "Advanced", "Super-user"):
        assert f'fieldset__legend--m">{label}</legend>' in html
    assert 'aria-live="polite"' in html and 'id="area-level-panel"' in html
    assert "Save and check your answers" in html      # the last area leads to the check page
    # A bad answer: 422, said in place, nothing saved.
    s = _statements(email)[0]
    bad = client.post(f"/skills/{fw.id}/assess/{email.id}", data={f"s{s.id}": "maybe"})
    assert bad.status_code == 422 and "Choose Yes or No." in bad.get_data(as_text=True)
    bad = client.post(f"/skills/{fw.id}/assess/{email.id}", data={f"s{s.id}": "maybe"}, headers=HTMX)
    assert bad.status_code == 422 and "Not saved: Choose Yes or No." in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SelfAssessmentAnswer)) == 0
    # Stop and come back: the overview says how far they got.
    stop = client.post(f"/skills/{fw.id}/assess/{email.id}", data={f"s{s.id}": "yes", "action": "stop"})
    assert stop.status_code == 303 and stop.headers["Location"].endswith(f"/skills/{fw.id}/assess")
    overview = _text(client.get(f"/skills/{fw.id}/assess"))
    assert "0 of 1 areas answered" in overview and "1 of 8" in overview
    assert "Continue your assessment" in _text(client.get("/skills"))


def test_a_new_assessment_starts_from_the_last_submitted_answers_which_stay_as_they_were(app, world):
    fw = factories.skills_framework(areas=("Email",))
    db.session.commit()
    email = _areas(fw)["Email"]
    client = sign_in(app.test_client(), world.learner)
    _start(client, fw)
    client.post(f"/skills/{fw.id}/assess/{email.id}", data=_pattern(email, {1: [Y, Y]}))
    client.post(f"/skills/{fw.id}/assess/submit", data={})
    assert "Assess again" in _text(client.get("/skills"))
    response = client.post(f"/skills/{fw.id}/assess/start", data={})
    assert response.status_code == 303
    assert "starts from your last submitted answers" in _text(client.get(response.headers["Location"]))
    client.post(f"/skills/{fw.id}/assess/{email.id}", data=_pattern(email, {2: [Y, Y]}))
    assert "Your level in Email: Intermediate" in _text(client.get(f"/skills/{fw.id}/assess/{email.id}"))
    client.post(f"/skills/{fw.id}/assess/submit", data={})
    db.session.expire_all()
    first, second = db.session.scalars(select(SelfAssessment).order_by(SelfAssessment.id)).all()
    assert [lv.level for lv in db.session.scalars(select(SelfAssessedLevel).order_by(
        SelfAssessedLevel.assessment_id))] == [1, 2]
    assert db.session.scalar(select(func.count()).select_from(SelfAssessmentAnswer).where(
        SelfAssessmentAnswer.assessment_id == first.id)) == 2      # the first one's answers never changed
    standing_row = db.session.get(SkillStanding, (world.learner.id, email.id))
    assert standing_row.self_level == 2 and standing_row.self_assessed_on == TODAY
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.person_id == world.learner.id)))
    assert {Action.SELF_ASSESSMENT_STARTED, Action.SELF_ASSESSMENT_SUBMITTED} <= actions

    improvement = client.get(f"/skills/{fw.id}/improvement")
    html = improvement.get_data(as_text=True)
    assert 'role="img"' in html and "<title" in html and "Foundation to Intermediate" in html
    assert "Email Foundation Intermediate" in _text(improvement)
    snapshot = _text(client.get(f"/skills/assessments/{first.id}"))
    assert "Email Foundation Foundation: all Foundation statements answered yes" in snapshot
    # Someone else's assessment is not theirs to see.
    other = sign_in(app.test_client(), world.other_learner)
    assert other.get(f"/skills/assessments/{first.id}").status_code == 403
    # Submitting again (the same page sent twice, or an old tab) changes nothing.
    again = client.post(f"/skills/{fw.id}/assess/submit", data={})
    assert again.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(SelfAssessment)) == 2


def test_my_skills_shows_gaps_and_what_would_close_them(app, world):
    fw = factories.skills_framework(areas=("Email", "Spreadsheets"))
    a = _areas(fw)
    world.learner.job_role = "Healthcare assistant"
    db.session.add_all([
        SkillTarget(area_id=a["Spreadsheets"].id, job_role="Healthcare assistant", minimum=2),
        SkillRoute(area_id=a["Spreadsheets"].id, level=2, course_title="Spreadsheets for beginners",
                   course_url="https://example.test/sheets"),
        SkillRoute(area_id=a["Spreadsheets"].id, level=1, item_id=world.fire.id),
    ])
    db.session.commit()
    client = sign_in(app.test_client(), world.learner)
    _start(client, fw)
    client.post(f"/skills/{fw.id}/assess/{a['Spreadsheets'].id}", data=_pattern(a["Spreadsheets"], {1: [Y, Y]}))
    client.post(f"/skills/{fw.id}/assess/submit", data={})
    text = _text(client.get("/skills"))
    assert "Spreadsheets: Foundation now, target Intermediate" in text
    assert "Spreadsheets for beginners" in text
    assert "Fire" not in text.split("Spreadsheets: Foundation now")[1].split("Where you stand")[0]   # below now


def test_a_draft_or_archived_framework_cannot_be_assessed(app, world):
    from skillpass.models import TemplateStatus

    draft = factories.skills_framework(name="Draft one", status=TemplateStatus.DRAFT)
    archived = factories.skills_framework(name="Old one", status=TemplateStatus.ARCHIVED)
    db.session.commit()
    client = sign_in(app.test_client(), world.learner)
    assert client.get(f"/skills/{draft.id}/assess").status_code == 404
    assert client.get(f"/skills/{archived.id}/assess").status_code == 404
    assert client.get(f"/skills/{archived.id}/improvement").status_code == 200
    other_area = _areas(archived)["Email"]
    live = factories.skills_framework(name="Live one")
    db.session.commit()
    assert client.get(f"/skills/{live.id}/assess/{other_area.id}").status_code == 404


def _world_of(size: int):
    """A framework of *size* areas, *size* statements a level, the only published one."""
    from skillpass.models import SkillsFramework, TemplateStatus

    for old in db.session.scalars(select(SkillsFramework)):
        old.status = TemplateStatus.ARCHIVED
    areas = tuple(f"Area {n}" for n in range(size))
    fw = factories.skills_framework(name=f"Framework {size}", areas=areas, per_level=size)
    db.session.commit()
    return fw


@pytest.mark.parametrize("page", ["index", "area", "assess", "check"])
def test_my_skills_and_the_area_page_take_the_same_queries_whatever_the_numbers(app, world, page):
    counts = []
    for size in (2, 6):
        fw = _world_of(size)
        areas = standing.live_areas(fw.id)
        db.session.add(SkillTarget(area_id=areas[0].id, job_role=world.learner.job_role, minimum=3))
        db.session.add_all([SkillRoute(area_id=a.id, level=2, course_title=f"Course {a.name}") for a in areas])
        db.session.commit()
        client = sign_in(app.test_client(), world.learner)
        _start(client, fw)
        client.post(f"/skills/{fw.id}/assess/{areas[0].id}", data=_pattern(areas[0], {1: [Y] * size}))
        url = {"index": "/skills", "area": f"/skills/{fw.id}/assess/{areas[0].id}",
               "assess": f"/skills/{fw.id}/assess", "check": f"/skills/{fw.id}/assess/check"}[page]
        client.get(url)
        with count_queries() as log:
            assert client.get(url).status_code == 200
        counts.append(log.count)
    assert counts[0] == counts[1], counts
