"""Editing passport templates without HTTP: skillpass/services/templates_admin.py.

PRODUCT.md §2 and §5: admins create, rename, publish, copy, archive and restore
templates; add, rename, reorder and remove sections and items. Nothing anyone
recorded is lost: a used item is archived, never deleted; a section goes only
while it holds no items at all; archiving a template ends its assignments
(items then show Not required) and stops its rules. Every change writes one
audit event with before and after.

Tests marked "Regression:" keep defects that were found and fixed from coming back.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from skillpass.models import (
    Confirmation,
    Assignment,
    AssignmentRule,
    AuditEvent,
    Entry,
    EntryMethod,
    EntryStatus,
    EvidenceRule,
    Item,
    ItemKind,
    OffsetUnit,
    PassportTemplate,
    Section,
    TemplateStatus,
)
from skillpass.rules import Offset, Status
from skillpass.services import templates_admin as service
from skillpass.services.errors import Conflict, ValidationFailed
from skillpass.services.passport import build_passport
from tests import factories
from tests.conftest import TODAY

UTC = dt.timezone.utc


# --------------------------------------------------------------------------- helpers


def _events(db, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _entry(db, person, item, *, status=EntryStatus.ACCEPTED, completed_on=dt.date(2026, 1, 15)) -> Entry:
    entry = Entry(person_id=person.id, item_id=item.id, completed_on=completed_on, method=EntryMethod.HERE,
                  status=status, recorded_by_id=person.id,
                  recorded_at=dt.datetime(2026, 1, 15, 9, 0, tzinfo=UTC))
    db.session.add(entry)
    db.session.flush()
    return entry


def _form(section, **overrides) -> dict:
    """An item form as posted: plain strings, checkboxes present ("on") or absent."""
    form = {"title": "Fire safety", "description": "Evacuation and extinguishers.", "corporate_lead": "Estates",
            "code": "CSTF-HSW", "frequency_months": "24", "kind": "learning", "evidence": "optional",
            "prior_learning_accepted": "on", "mandatory": "on", "section_id": str(section.id)}
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def _field_error(excinfo) -> dict:
    return excinfo.value.errors


def _reloaded(db, model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def _positions(db, section) -> list[tuple[str, int]]:
    db.session.expire_all()
    items = db.session.scalars(select(Item).where(Item.section_id == section.id)
                               .order_by(Item.position, Item.id)).all()
    return [(i.title, i.position) for i in items]


# --------------------------------------------------------------------------- create_template


def test_create_template_makes_a_draft_and_audits_it(db, world):
    template = service.create_template(actor=world.admin, name="  Core   Skills (CSTF) ", description=" Ten topics. ")
    db.session.commit()

    assert template.status is TemplateStatus.DRAFT
    assert template.name == "Core Skills (CSTF)"          # whitespace collapsed
    assert template.description == "Ten topics."
    [event] = _events(db, "template.created")
    assert event.actor_id == world.admin.id
    assert event.subject_type == "PassportTemplate" and event.subject_id == template.id
    assert event.person_id is None
    assert event.before is None
    assert event.after == {"name": "Core Skills (CSTF)", "description": "Ten topics.", "status": "draft"}


@pytest.mark.parametrize("name", ["", "   ", None])
def test_create_template_without_a_name_is_a_field_error_and_saves_nothing(db, world, name):
    templates, events = _count(db, PassportTemplate), _count(db, AuditEvent)
    with pytest.raises(ValidationFailed) as excinfo:
        service.create_template(actor=world.admin, name=name)
    assert "Enter the passport's name" in _field_error(excinfo)["name"]
    assert (_count(db, PassportTemplate), _count(db, AuditEvent)) == (templates, events)


def test_create_template_with_a_name_over_200_characters_is_refused(db, world):
    with pytest.raises(ValidationFailed) as excinfo:
        service.create_template(actor=world.admin, name="x" * 201)
    assert _field_error(excinfo)["name"] == "Use 200 characters or fewer."


def test_create_template_accepts_a_name_of_exactly_200_characters(db, world):
    template = service.create_template(actor=world.admin, name="x" * 200)
    assert len(template.name) == 200


def test_create_template_with_a_name_already_used_in_another_case_is_refused(db, world):
    with pytest.raises(ValidationFailed) as excinfo:
        service.create_template(actor=world.admin, name="ahp support worker SKILLS passport")
    assert excinfo.value.errors["name"] == (
        "A passport called ahp support worker SKILLS passport already exists: choose another name.")


def test_create_template_with_a_description_over_2000_characters_is_refused(db, world):
    with pytest.raises(ValidationFailed) as excinfo:
        service.create_template(actor=world.admin, name="Core Skills", description="d" * 2001)
    assert excinfo.value.errors == {"description": "Use 2,000 characters or fewer."}


def test_create_template_reports_name_and_description_problems_together(db, world):
    with pytest.raises(ValidationFailed) as excinfo:
        service.create_template(actor=world.admin, name="", description="d" * 2001)
    assert set(excinfo.value.errors) == {"name", "description"}


def test_create_template_with_starter_sections_adds_the_four_time_bands_in_order(db, world):
    template = service.create_template(actor=world.admin, name="Core Skills", starter_sections=True)
    db.session.commit()

    sections = db.session.scalars(select(Section).where(Section.template_id == template.id)
                                  .order_by(Section.position)).all()
    assert [(s.name, s.offset_amount, s.offset_unit, s.position) for s in sections] == [
        ("Onboarding (day one)", 0, OffsetUnit.DAYS, 0),
        ("Within 2 weeks", 2, OffsetUnit.WEEKS, 1),
        ("Within 6 months", 6, OffsetUnit.MONTHS, 2),
        ("Annual refreshers", 12, OffsetUnit.MONTHS, 3),
    ]
    assert [e.action for e in _events(db)] == ["template.created"] + ["section.added"] * 4


def test_create_template_without_starter_sections_has_no_sections(db, world):
    template = service.create_template(actor=world.admin, name="Core Skills")
    assert db.session.scalar(select(func.count(Section.id)).where(Section.template_id == template.id)) == 0


# --------------------------------------------------------------------------- update_template


def test_update_template_audits_only_the_fields_that_changed(db, world):
    template = world.template
    changed = service.update_template(actor=world.admin, template=template, name="AHP Support Worker Passport",
                                      description=template.description)
    db.session.commit()

    assert changed == ["name"]
    [event] = _events(db, "template.changed")
    assert event.before == {"name": "AHP Support Worker Skills Passport"}
    assert event.after == {"name": "AHP Support Worker Passport"}
    assert event.summary == ("Passport template AHP Support Worker Passport: "
                             "name “AHP Support Worker Skills Passport” → “AHP Support Worker Passport”")


def test_update_template_with_nothing_changed_writes_no_audit_event(db, world):
    events = _count(db, AuditEvent)
    changed = service.update_template(actor=world.admin, template=world.template, name=world.template.name,
                                      description=world.template.description)
    assert changed == []
    assert _count(db, AuditEvent) == events


def test_update_template_may_change_the_case_of_its_own_name(db, world):
    changed = service.update_template(actor=world.admin, template=world.template,
                                      name="AHP SUPPORT WORKER SKILLS PASSPORT", description="")
    assert "name" in changed


def test_update_template_to_another_templates_name_is_refused_and_changes_nothing(db, world):
    factories.template("Core Skills (CSTF)")
    with pytest.raises(ValidationFailed) as excinfo:
        service.update_template(actor=world.admin, template=world.template, name="core skills (cstf)",
                                description="New words")
    assert "already exists" in excinfo.value.errors["name"]
    assert _reloaded(db, PassportTemplate, world.template.id).name == "AHP Support Worker Skills Passport"


def test_update_template_with_an_empty_name_is_refused(db, world):
    with pytest.raises(ValidationFailed) as excinfo:
        service.update_template(actor=world.admin, template=world.template, name=" ", description="")
    assert "name" in excinfo.value.errors


# --------------------------------------------------------------------------- publish


def _draft_with_item(db, world, *, archived: bool = False) -> tuple[PassportTemplate, Item]:
    template = service.create_template(actor=world.admin, name="Core Skills", starter_sections=True)
    section = db.session.scalars(select(Section).where(Section.template_id == template.id)).first()
    item = factories.item(section, "Information governance")
    if archived:
        item.archived_at = dt.datetime(2026, 2, 1, tzinfo=UTC)
    db.session.flush()
    return template, item


def test_publish_makes_a_draft_with_a_live_item_assignable_and_audits_it(db, world):
    template, _item = _draft_with_item(db, world)
    service.publish(actor=world.admin, template=template)
    db.session.commit()

    assert _reloaded(db, PassportTemplate, template.id).status is TemplateStatus.PUBLISHED
    [event] = _events(db, "template.published")
    assert (event.before, event.after) == ({"status": "draft"}, {"status": "published"})


def test_publish_a_draft_with_sections_but_no_items_is_refused(db, world):
    template = service.create_template(actor=world.admin, name="Core Skills", starter_sections=True)
    with pytest.raises(ValidationFailed) as excinfo:
        service.publish(actor=world.admin, template=template)
    assert "Add at least one item before publishing" in str(excinfo.value)
    assert template.status is TemplateStatus.DRAFT
    assert _events(db, "template.published") == []


def test_publish_a_draft_whose_only_item_is_archived_is_refused(db, world):
    template, _item = _draft_with_item(db, world, archived=True)
    with pytest.raises(ValidationFailed):
        service.publish(actor=world.admin, template=template)
    assert template.status is TemplateStatus.DRAFT


def test_publish_an_archived_template_is_refused_with_a_conflict(db, world):
    world.template.status = TemplateStatus.ARCHIVED
    with pytest.raises(Conflict) as excinfo:
        service.publish(actor=world.admin, template=world.template)
    assert "archived" in str(excinfo.value)
    assert world.template.status is TemplateStatus.ARCHIVED


def test_publish_an_already_published_template_does_nothing(db, world):
    events = _count(db, AuditEvent)
    service.publish(actor=world.admin, template=world.template)
    assert world.template.status is TemplateStatus.PUBLISHED
    assert _count(db, AuditEvent) == events


# --------------------------------------------------------------------------- archive


def _rule(db, template, job_role="Support Worker", archived_at=None) -> AssignmentRule:
    rule = AssignmentRule(template_id=template.id, teams=[], job_roles=[job_role], archived_at=archived_at)
    db.session.add(rule)
    db.session.flush()
    return rule


def test_archive_plan_lists_live_assignments_by_name_and_active_rules(db, world):
    removed = factories.person(name="Aaron Gone", team=world.team_a)
    old = factories.assign(removed, world.template)
    old.removed_on = dt.date(2026, 2, 1)
    rule = _rule(db, world.template)
    _rule(db, world.template, "Healthcare Assistant", archived_at=dt.datetime(2026, 1, 1, tzinfo=UTC))
    _rule(db, factories.template("Other"))
    db.session.commit()

    plan = service.archive_plan(world.template)

    assert [p.name for _a, p in plan.assignments] == ["Eve Educator", "Lee Learner", "Olu Other"]
    assert [r.id for r in plan.rules] == [rule.id]


def test_archive_template_ends_live_assignments_today_and_archives_its_active_rules(db, world):
    rule = _rule(db, world.template)
    earlier = dt.datetime(2026, 1, 1, tzinfo=UTC)
    old_rule = _rule(db, world.template, "Healthcare Assistant", archived_at=earlier)
    other_rule = _rule(db, factories.template("Other"))
    db.session.commit()

    plan = service.archive_template(actor=world.admin, template=world.template, today=TODAY)
    db.session.commit()
    db.session.expire_all()

    assert len(plan.assignments) == 3 and [r.id for r in plan.rules] == [rule.id]
    assert world.template.status is TemplateStatus.ARCHIVED
    assignments = db.session.scalars(select(Assignment).where(Assignment.template_id == world.template.id)).all()
    assert {(a.removed_on, a.removed_by_id) for a in assignments} == {(TODAY, world.admin.id)}
    assert db.session.get(AssignmentRule, rule.id).archived_at.date() == TODAY
    assert db.session.get(AssignmentRule, old_rule.id).archived_at == earlier   # left as it was
    assert db.session.get(AssignmentRule, other_rule.id).archived_at is None


def test_archive_template_audits_each_assignment_each_rule_and_the_template(db, world):
    _rule(db, world.template)
    db.session.commit()

    service.archive_template(actor=world.admin, template=world.template, today=TODAY)
    db.session.commit()

    removed = _events(db, "assignment.removed")
    assert sorted(e.person_id for e in removed) == sorted(
        [world.learner.id, world.other_learner.id, world.educator.id])
    assert all((e.before, e.after) == ({"removed_on": None}, {"removed_on": "2026-03-02"}) for e in removed)
    assert len(_events(db, "rule.archived")) == 1
    [event] = _events(db, "template.archived")
    assert (event.before, event.after) == ({"status": "published"}, {"status": "archived"})
    assert "3 assignments ended, 1 rules archived" in event.summary


def test_archive_template_keeps_entries_and_their_items_show_not_required(db, world):
    entry = _entry(db, world.learner, world.fire)
    db.session.commit()
    before = build_passport(world.learner, today=TODAY, warning_days=60)
    assert before.row(world.fire.id).state.status is Status.COMPLETE
    entries = _count(db, Entry)

    service.archive_template(actor=world.admin, template=world.template, today=TODAY)
    db.session.commit()
    db.session.expire_all()

    assert _count(db, Entry) == entries
    assert db.session.get(Entry, entry.id).status is EntryStatus.ACCEPTED
    passport = build_passport(world.learner, today=TODAY, warning_days=60)
    [view] = passport.templates
    assert not view.live
    row = passport.row(world.fire.id)
    assert row.state.status is Status.NOT_REQUIRED
    assert row.state.label == "Not required"
    assert row.accepted.id == entry.id                   # history kept
    assert passport.compliance.due == 0                  # counts nowhere


def test_archive_an_archived_template_does_nothing(db, world):
    service.archive_template(actor=world.admin, template=world.template, today=TODAY)
    db.session.commit()
    events = _count(db, AuditEvent)

    plan = service.archive_template(actor=world.admin, template=world.template, today=TODAY)
    assert (plan.assignments, plan.rules) == ([], [])
    assert _count(db, AuditEvent) == events


def test_archive_a_template_nobody_holds_ends_nothing(db, world):
    template, _item = _draft_with_item(db, world)
    plan = service.archive_template(actor=world.admin, template=template, today=TODAY)
    assert template.status is TemplateStatus.ARCHIVED
    assert (plan.assignments, plan.rules) == ([], [])
    [event] = _events(db, "template.archived")
    assert event.before == {"status": "draft"}


# --------------------------------------------------------------------------- restore_template


def test_restore_template_publishes_it_again_without_giving_it_back_to_anyone(db, world):
    service.archive_template(actor=world.admin, template=world.template, today=TODAY)
    db.session.commit()

    service.restore_template(actor=world.admin, template=world.template)
    db.session.commit()

    assert _reloaded(db, PassportTemplate, world.template.id).status is TemplateStatus.PUBLISHED
    live = db.session.scalar(select(func.count(Assignment.id)).where(
        Assignment.template_id == world.template.id, Assignment.removed_on.is_(None)))
    assert live == 0
    [event] = _events(db, "template.restored")
    assert (event.before, event.after) == ({"status": "archived"}, {"status": "published"})


@pytest.mark.parametrize("status", [TemplateStatus.DRAFT, TemplateStatus.PUBLISHED])
def test_restore_a_template_that_is_not_archived_does_nothing(db, world, status):
    world.template.status = status
    events = _count(db, AuditEvent)
    service.restore_template(actor=world.admin, template=world.template)
    assert world.template.status is status
    assert _count(db, AuditEvent) == events


# --------------------------------------------------------------------------- copy


def test_copy_name_adds_copy_then_the_first_free_number(db, world):
    assert service.copy_name(world.template) == "AHP Support Worker Skills Passport (copy)"
    factories.template("AHP Support Worker Skills Passport (COPY)")
    assert service.copy_name(world.template) == "AHP Support Worker Skills Passport (copy 2)"
    factories.template("AHP Support Worker Skills Passport (copy 2)")
    assert service.copy_name(world.template) == "AHP Support Worker Skills Passport (copy 3)"


def test_copy_name_of_a_200_character_name_is_never_the_originals_own_name(db, world):
    """Regression: copy_name cut the name to 200 characters *after* checking it was free, so
    for a 200-character name "<name> (copy)"[:200] was the original's own name."""
    long = factories.template("L" * 200)
    name = service.copy_name(long)
    assert len(name) <= 200
    its_own_name = name == long.name
    assert not its_own_name, f"copy_name returned the original template's own name ({len(name)} characters)"


def test_a_template_with_a_long_name_can_be_copied_again_and_again(db, world):
    """Regression (same cause): a 195-character name copied once as "<name> (cop"; the second
    copy got that same name again and was refused as "already exists"."""
    long = factories.template("L" * 195)
    service.copy_template(actor=world.admin, template=long, name="", today=TODAY)
    try:
        service.copy_template(actor=world.admin, template=long, name="", today=TODAY)
    except ValidationFailed as error:
        pytest.fail(f"the second copy was refused: {error.errors}")


def test_copy_template_copies_sections_and_live_items_into_a_new_draft(db, world):
    world.optional.archived_at = dt.datetime(2026, 2, 1, tzinfo=UTC)
    factories.section(world.template, "Annual refreshers", 12, "months", position=3)   # empty: copied too
    db.session.commit()

    copy = service.copy_template(actor=world.admin, template=world.template, name="", today=TODAY)
    db.session.commit()

    assert copy.id != world.template.id
    assert copy.name == "AHP Support Worker Skills Passport (copy)"
    assert copy.status is TemplateStatus.DRAFT
    sections = db.session.scalars(select(Section).where(Section.template_id == copy.id)
                                  .order_by(Section.position)).all()
    assert [(s.name, s.offset_amount, s.offset_unit, s.position) for s in sections] == [
        ("Within 2 weeks", 2, OffsetUnit.WEEKS, 0),
        ("Within 6 months", 6, OffsetUnit.MONTHS, 1),
        ("Annual refreshers", 12, OffsetUnit.MONTHS, 2),
    ]
    items = db.session.scalars(select(Item).where(Item.template_id == copy.id)
                               .order_by(Item.section_id, Item.position)).all()
    assert [(i.title, i.section_id, i.position) for i in items] == [
        ("Fire safety", sections[0].id, 0),
        ("Managing work and life stress", sections[1].id, 0),
        ("Moving a patient with a hoist", sections[1].id, 1),
    ]                                                        # Reflective practice (archived) stayed behind
    fire = items[0]
    assert (fire.frequency_months, fire.code, fire.corporate_lead, fire.kind) == (24, "CSTF-FIRE", "Estates",
                                                                                  ItemKind.LEARNING)
    assert items[2].kind is ItemKind.COMPETENCY and items[2].prior_learning_accepted is False
    assert {i.added_on for i in items} == {TODAY}
    assert all(i.archived_at is None for i in items)


def test_copy_template_leaves_the_original_and_its_assignments_alone(db, world):
    copy = service.copy_template(actor=world.admin, template=world.template, name="Passport v2", today=TODAY)
    db.session.commit()

    assert copy.name == "Passport v2"
    assert db.session.scalar(select(func.count(Item.id)).where(Item.template_id == world.template.id)) == 4
    assert db.session.scalar(select(func.count(Assignment.id)).where(Assignment.template_id == copy.id)) == 0
    assert world.template.status is TemplateStatus.PUBLISHED


def test_copy_template_audits_the_new_draft_and_where_it_came_from(db, world):
    copy = service.copy_template(actor=world.admin, template=world.template, name="Passport v2", today=TODAY)
    db.session.commit()

    assert [e.action for e in _events(db)] == ["template.created", "template.copied"]
    event = _events(db, "template.copied")[0]
    assert event.subject_id == copy.id
    assert event.after == {"copied_from": "AHP Support Worker Skills Passport"}
    assert "2 sections, 4 items" in event.summary


def test_copy_template_under_a_taken_name_is_refused(db, world):
    with pytest.raises(ValidationFailed) as excinfo:
        service.copy_template(actor=world.admin, template=world.template,
                              name="ahp support worker skills passport", today=TODAY)
    assert "already exists" in excinfo.value.errors["name"]


# --------------------------------------------------------------------------- check_section


def test_check_section_returns_a_clean_name_and_an_offset(db):
    values = service.check_section(name="  Within   2 weeks ", offset_amount=" 2 ", offset_unit="weeks")
    assert values == service.SectionValues(name="Within 2 weeks", offset=Offset(2, "weeks"))


def test_check_section_accepts_zero_for_day_one(db):
    assert service.check_section(name="Onboarding", offset_amount="0", offset_unit="days").offset == Offset(0, "days")


@pytest.mark.parametrize("unit, limit", [("days", 3650), ("weeks", 520), ("months", 120)])
def test_check_section_accepts_the_limit_of_each_unit_and_refuses_one_more(db, unit, limit):
    assert service.check_section(name="Band", offset_amount=str(limit), offset_unit=unit).offset.amount == limit
    with pytest.raises(ValidationFailed) as excinfo:
        service.check_section(name="Band", offset_amount=str(limit + 1), offset_unit=unit)
    assert excinfo.value.errors == {"offset_amount": f"Enter a number from 0 to {limit}."}


@pytest.mark.parametrize("fields, field, message", [
    ({"name": ""}, "name", "Enter the section's name"),
    ({"name": "   "}, "name", "Enter the section's name"),
    ({"name": "s" * 201}, "name", "Use 200 characters or fewer."),
    ({"offset_unit": "years"}, "offset_unit", "Choose days, weeks or months."),
    ({"offset_unit": ""}, "offset_unit", "Choose days, weeks or months."),
    ({"offset_amount": ""}, "offset_amount", "Enter how long after the start date"),
    ({"offset_amount": "-1"}, "offset_amount", "whole number"),
    ({"offset_amount": "1.5"}, "offset_amount", "whole number"),
    ({"offset_amount": "two"}, "offset_amount", "whole number"),
])
def test_check_section_refuses_each_bad_field_with_a_message_next_to_it(db, fields, field, message):
    values = {"name": "Within 2 weeks", "offset_amount": "2", "offset_unit": "weeks", **fields}
    with pytest.raises(ValidationFailed) as excinfo:
        service.check_section(**values)
    assert set(excinfo.value.errors) == {field}
    assert message in excinfo.value.errors[field]


def test_check_section_reports_every_bad_field_together(db):
    with pytest.raises(ValidationFailed) as excinfo:
        service.check_section(name="", offset_amount="x", offset_unit="fortnights")
    assert set(excinfo.value.errors) == {"name", "offset_amount", "offset_unit"}


def test_check_section_refuses_a_superscript_digit_with_a_field_error(db):
    """Regression: "²".isdigit() is True but int("²") raises ValueError, which escaped as a 500
    page instead of a field error; numbers are now checked with isdecimal()."""
    with pytest.raises(ValidationFailed) as excinfo:
        service.check_section(name="Band", offset_amount="²", offset_unit="weeks")
    assert "offset_amount" in excinfo.value.errors


# --------------------------------------------------------------------------- sections


def test_add_section_goes_at_the_end_and_is_audited(db, world):
    section = service.add_section(actor=world.admin, template=world.template, name="Annual refreshers",
                                  offset_amount="12", offset_unit="months")
    db.session.commit()

    assert section.position == 3                       # after positions 1 and 2
    assert (section.offset_amount, section.offset_unit) == (12, OffsetUnit.MONTHS)
    [event] = _events(db, "section.added")
    assert event.subject_id == section.id
    assert event.after == {"name": "Annual refreshers", "offset_amount": 12, "offset_unit": "months"}
    assert "due 12 months" in event.summary


def test_add_section_to_an_empty_template_starts_at_position_zero(db, world):
    template = service.create_template(actor=world.admin, name="Core Skills")
    section = service.add_section(actor=world.admin, template=template, name="Onboarding", offset_amount="0",
                                  offset_unit="days")
    assert section.position == 0


def test_add_section_with_bad_values_saves_nothing(db, world):
    sections, events = _count(db, Section), _count(db, AuditEvent)
    with pytest.raises(ValidationFailed):
        service.add_section(actor=world.admin, template=world.template, name="", offset_amount="2",
                            offset_unit="weeks")
    assert (_count(db, Section), _count(db, AuditEvent)) == (sections, events)


def test_update_section_audits_the_changed_fields_before_and_after(db, world):
    values = service.check_section(name="Within 3 weeks", offset_amount="3", offset_unit="weeks")
    changed = service.update_section(actor=world.admin, section=world.week2, values=values)
    db.session.commit()

    assert changed == ["name", "offset_amount"]
    assert (world.week2.name, world.week2.offset_amount) == ("Within 3 weeks", 3)
    [event] = _events(db, "section.changed")
    assert event.before == {"name": "Within 2 weeks", "offset_amount": 2}
    assert event.after == {"name": "Within 3 weeks", "offset_amount": 3}


def test_update_section_unit_change_is_recorded(db, world):
    values = service.check_section(name="Within 2 weeks", offset_amount="2", offset_unit="months")
    assert service.update_section(actor=world.admin, section=world.week2, values=values) == ["offset_unit"]
    [event] = _events(db, "section.changed")
    assert (event.before, event.after) == ({"offset_unit": "weeks"}, {"offset_unit": "months"})


def test_update_section_with_nothing_changed_writes_no_audit_event(db, world):
    values = service.check_section(name="Within 2 weeks", offset_amount="2", offset_unit="weeks")
    assert service.update_section(actor=world.admin, section=world.week2, values=values) == []
    assert _events(db, "section.changed") == []


def test_offset_of_reads_a_sections_offset(db, world):
    assert service.offset_of(world.month6) == Offset(6, "months")


def _three_sections(db, world):
    annual = factories.section(world.template, "Annual refreshers", 12, "months", position=3)
    db.session.commit()
    return [world.week2, world.month6, annual]


def _section_order(db, template) -> list[tuple[str, int]]:
    db.session.expire_all()
    return [(s.name, s.position) for s in db.session.scalars(
        select(Section).where(Section.template_id == template.id).order_by(Section.position, Section.id))]


def test_move_section_up_swaps_it_with_the_one_above_and_renumbers_positions(db, world):
    _week2, month6, annual = _three_sections(db, world)
    assert service.move_section(actor=world.admin, section=annual, direction="up") is True
    db.session.commit()

    assert _section_order(db, world.template) == [
        ("Within 2 weeks", 0), ("Annual refreshers", 1), ("Within 6 months", 2)]
    [event] = _events(db, "section.moved")
    assert (event.before, event.after) == ({"position": 3}, {"position": 2})
    assert event.summary == "Section moved up: Annual refreshers is now 2 of 3"


def test_move_section_down_swaps_it_with_the_one_below(db, world):
    week2, _month6, _annual = _three_sections(db, world)
    assert service.move_section(actor=world.admin, section=week2, direction="down") is True
    assert _section_order(db, world.template) == [
        ("Within 6 months", 0), ("Within 2 weeks", 1), ("Annual refreshers", 2)]


@pytest.mark.parametrize("which, direction", [(0, "up"), (2, "down"), (1, "sideways")])
def test_move_section_past_an_end_or_in_no_direction_returns_false_and_changes_nothing(db, world, which,
                                                                                        direction):
    sections = _three_sections(db, world)
    before = _section_order(db, world.template)
    assert service.move_section(actor=world.admin, section=sections[which], direction=direction) is False
    assert _section_order(db, world.template) == before
    assert _events(db, "section.moved") == []


def test_remove_section_deletes_an_empty_section_and_audits_it(db, world):
    empty = factories.section(world.template, "Annual refreshers", 12, "months", position=3)
    db.session.commit()
    section_id = empty.id

    service.remove_section(actor=world.admin, section=empty)
    db.session.commit()

    assert db.session.get(Section, section_id) is None
    [event] = _events(db, "section.removed")
    assert event.subject_id == section_id
    assert event.before == {"name": "Annual refreshers", "offset_amount": 12, "offset_unit": "months"}
    assert event.after is None


def test_remove_section_holding_items_is_a_conflict(db, world):
    with pytest.raises(Conflict) as excinfo:
        service.remove_section(actor=world.admin, section=world.month6)
    assert str(excinfo.value) == "Within 6 months still holds 3 items: move or remove them first."
    assert _reloaded(db, Section, world.month6.id) is not None
    assert _events(db, "section.removed") == []


def test_remove_section_holding_only_an_archived_item_is_still_a_conflict(db, world):
    world.fire.archived_at = dt.datetime(2026, 2, 1, tzinfo=UTC)
    db.session.commit()
    with pytest.raises(Conflict) as excinfo:
        service.remove_section(actor=world.admin, section=world.week2)
    assert "still holds 1 item:" in str(excinfo.value)


# --------------------------------------------------------------------------- check_item


def test_check_item_returns_clean_values(db, world):
    values = service.check_item(_form(world.week2, title="  Fire   safety ", code="  ", corporate_lead=" Estates "),
                                template=world.template)
    assert values == service.ItemValues(
        title="Fire safety", description="Evacuation and extinguishers.", corporate_lead="Estates", code=None,
        frequency_months=24, kind=ItemKind.LEARNING, evidence=EvidenceRule.OPTIONAL,
        confirmation=Confirmation.AT_ONCE, prior_learning_accepted=True, mandatory=True, section_id=world.week2.id)


@pytest.mark.parametrize("raw, expected", [("", None), ("   ", None), (None, None), ("1", 1), (" 12 ", 12),
                                           ("120", 120)])
def test_check_item_frequency_blank_is_once_and_whole_months_are_kept(db, world, raw, expected):
    values = service.check_item(_form(world.week2, frequency_months=raw), template=world.template)
    assert values.frequency_months == expected


@pytest.mark.parametrize("raw, message", [
    ("0", "Enter how many months until it must be renewed"),
    ("00", "Enter how many months until it must be renewed"),
    ("-12", "Enter how many months until it must be renewed"),
    ("1.5", "Enter how many months until it must be renewed"),
    ("twelve", "Enter how many months until it must be renewed"),
    ("121", "Enter a number of months from 1 to 120."),
    ("9999", "Enter a number of months from 1 to 120."),
])
def test_check_item_refuses_a_frequency_that_is_not_1_to_120_months(db, world, raw, message):
    with pytest.raises(ValidationFailed) as excinfo:
        service.check_item(_form(world.week2, frequency_months=raw), template=world.template)
    assert set(excinfo.value.errors) == {"frequency_months"}
    assert excinfo.value.errors["frequency_months"].startswith(message)


@pytest.mark.parametrize("field", ["frequency_months", "section_id"])
def test_check_item_refuses_a_superscript_digit_with_a_field_error(db, world, field):
    """Regression: as for sections, "²" escaped as a ValueError (a 500 page), for the frequency
    and for the section id alike."""
    with pytest.raises(ValidationFailed) as excinfo:
        service.check_item(_form(world.week2, **{field: "²"}), template=world.template)
    assert field in excinfo.value.errors


@pytest.mark.parametrize("fields, field, message", [
    ({"title": ""}, "title", "Enter the item's title"),
    ({"title": None}, "title", "Enter the item's title"),
    ({"title": "t" * 201}, "title", "Use 200 characters or fewer."),
    ({"description": "d" * 2001}, "description", "Use 2,000 characters or fewer."),
    ({"corporate_lead": "c" * 201}, "corporate_lead", "Use 200 characters or fewer."),
    ({"code": "C" * 61}, "code", "Use 60 characters or fewer."),
    ({"kind": ""}, "kind", "Choose whether the learner's own tick counts"),
    ({"kind": "LEARNING"}, "kind", "Choose whether the learner's own tick counts"),
    ({"kind": "quiz"}, "kind", "Choose whether the learner's own tick counts"),
    ({"evidence": None}, "evidence", "Choose whether evidence is not asked for"),
    ({"evidence": "sometimes"}, "evidence", "Choose whether evidence is not asked for"),
    ({"section_id": ""}, "section_id", "Choose the section"),
    ({"section_id": "abc"}, "section_id", "Choose the section"),
    ({"section_id": "999999"}, "section_id", "Choose the section"),
])
def test_check_item_refuses_each_bad_field_with_a_message_next_to_it(db, world, fields, field, message):
    with pytest.raises(ValidationFailed) as excinfo:
        service.check_item(_form(world.week2, **fields), template=world.template)
    assert set(excinfo.value.errors) == {field}
    assert excinfo.value.errors[field].startswith(message)


@pytest.mark.parametrize("fields", [
    {"title": "t" * 200}, {"description": "d" * 2000}, {"corporate_lead": "c" * 200}, {"code": "C" * 60},
    {"corporate_lead": ""}, {"description": ""},
])
def test_check_item_accepts_each_field_at_its_limit_or_left_empty(db, world, fields):
    service.check_item(_form(world.week2, **fields), template=world.template)


def test_check_item_refuses_a_section_of_another_template(db, world):
    other = factories.template("Core Skills")
    foreign = factories.section(other, "Onboarding", 0)
    with pytest.raises(ValidationFailed) as excinfo:
        service.check_item(_form(foreign), template=world.template)
    assert set(excinfo.value.errors) == {"section_id"}


@pytest.mark.parametrize("kind, evidence", [("competency", "required"), ("learning", "none")])
def test_check_item_reads_kind_and_evidence_choices(db, world, kind, evidence):
    values = service.check_item(_form(world.week2, kind=kind, evidence=evidence), template=world.template)
    assert (values.kind.value, values.evidence.value) == (kind, evidence)


def test_check_item_checkboxes_absent_are_false(db, world):
    values = service.check_item(_form(world.week2, prior_learning_accepted=None, mandatory=None),
                                template=world.template)
    assert (values.prior_learning_accepted, values.mandatory) == (False, False)


def test_check_item_checkboxes_present_are_true(db, world):
    values = service.check_item(_form(world.week2, prior_learning_accepted="on", mandatory="y"),
                                template=world.template)
    assert (values.prior_learning_accepted, values.mandatory) == (True, True)


def test_check_item_reports_every_bad_field_together(db, world):
    form = {"title": "", "frequency_months": "0", "kind": "", "evidence": "", "section_id": ""}
    with pytest.raises(ValidationFailed) as excinfo:
        service.check_item(form, template=world.template)
    assert set(excinfo.value.errors) == {"title", "frequency_months", "kind", "evidence", "section_id"}


# --------------------------------------------------------------------------- add_item / update_item


def test_add_item_goes_at_the_end_of_its_section_dated_today_and_is_audited(db, world):
    values = service.check_item(_form(world.month6, title="Infection prevention", frequency_months="12",
                                      code=""), template=world.template)
    item = service.add_item(actor=world.admin, template=world.template, values=values, today=TODAY)
    db.session.commit()

    assert item.position == 4                        # after positions 1, 2, 3
    assert item.section_id == world.month6.id and item.template_id == world.template.id
    assert item.added_on == TODAY
    assert item.archived_at is None
    [event] = _events(db, "item.added")
    assert event.subject_id == item.id
    assert event.after == {
        "title": "Infection prevention", "description": "Evacuation and extinguishers.",
        "corporate_lead": "Estates", "code": None, "frequency_months": 12, "kind": "learning",
        "evidence": "optional", "confirmation": "at_once", "prior_learning_accepted": True, "mandatory": True,
        "section_id": world.month6.id, "national_names": [],
        "refresher_title": "", "refresher_description": "", "grace_months": 0}


def test_add_item_to_an_empty_section_starts_at_position_zero(db, world):
    empty = factories.section(world.template, "Annual refreshers", 12, "months", position=3)
    values = service.check_item(_form(empty), template=world.template)
    assert service.add_item(actor=world.admin, template=world.template, values=values, today=TODAY).position == 0


def test_update_item_audits_only_the_changed_fields(db, world):
    values = service.check_item(_form(world.week2, frequency_months="12", mandatory=None), template=world.template)
    changed = service.update_item(actor=world.admin, item=world.fire, values=values)
    db.session.commit()

    assert "frequency_months" in changed and "mandatory" in changed and "section_id" not in changed
    [event] = _events(db, "item.changed")
    assert event.before["frequency_months"] == 24 and event.after["frequency_months"] == 12
    assert event.before["mandatory"] is True and event.after["mandatory"] is False
    assert set(event.before) == set(event.after) == set(changed)


def test_update_item_with_the_same_values_changes_nothing_and_writes_no_audit_event(db, world):
    fire = world.fire
    form = _form(world.week2, title=fire.title, description=fire.description, corporate_lead=fire.corporate_lead,
                 code=fire.code, frequency_months="24", kind="learning", evidence="optional")
    values = service.check_item(form, template=world.template, item=fire)
    assert service.update_item(actor=world.admin, item=fire, values=values) == []
    assert _events(db, "item.changed") == []


def test_update_item_moving_to_another_section_puts_it_at_the_end_of_that_section(db, world):
    values = service.check_item(_form(world.month6, title="Fire safety", description="", code="CSTF-FIRE"), item=world.fire,
                                template=world.template)
    changed = service.update_item(actor=world.admin, item=world.fire, values=values)
    db.session.commit()

    assert "section_id" in changed
    assert world.fire.section_id == world.month6.id
    assert _positions(db, world.month6)[-1] == ("Fire safety", 4)
    [event] = _events(db, "item.changed")
    assert (event.before["section_id"], event.after["section_id"]) == (world.week2.id, world.month6.id)


def test_update_item_moving_to_an_empty_section_puts_it_first(db, world):
    empty = factories.section(world.template, "Annual refreshers", 12, "months", position=3)
    values = service.check_item(_form(empty, title="Fire safety"), template=world.template)
    service.update_item(actor=world.admin, item=world.stress, values=values)
    assert (world.stress.section_id, world.stress.position) == (empty.id, 0)


# --------------------------------------------------------------------------- move_item


def test_move_item_up_swaps_it_with_the_one_above(db, world):
    assert service.move_item(actor=world.admin, item=world.optional, direction="up") is True
    db.session.commit()

    assert _positions(db, world.month6) == [("Managing work and life stress", 0),
                                            ("Reflective practice", 1),
                                            ("Moving a patient with a hoist", 2)]
    [event] = _events(db, "item.moved")
    assert event.subject_id == world.optional.id
    assert (event.before, event.after) == ({"position": 3}, {"position": 2})


def test_move_item_down_swaps_it_with_the_one_below(db, world):
    assert service.move_item(actor=world.admin, item=world.stress, direction="down") is True
    assert _positions(db, world.month6) == [("Moving a patient with a hoist", 0),
                                            ("Managing work and life stress", 1),
                                            ("Reflective practice", 2)]


@pytest.mark.parametrize("which, direction", [("stress", "up"), ("optional", "down"), ("fire", "up"),
                                              ("fire", "down"), ("stress", "")])
def test_move_item_at_an_end_returns_false_and_writes_nothing(db, world, which, direction):
    item = getattr(world, which)
    section = world.week2 if which == "fire" else world.month6
    before = _positions(db, section)
    assert service.move_item(actor=world.admin, item=item, direction=direction) is False
    assert _positions(db, section) == before
    assert _events(db, "item.moved") == []


def test_move_item_renumbers_gapped_and_duplicate_positions(db, world):
    annual = factories.section(world.template, "Annual refreshers", 12, "months", position=3)
    a = factories.item(annual, "A", position=5)
    factories.item(annual, "B", position=9)
    factories.item(annual, "C", position=9)
    db.session.commit()

    assert service.move_item(actor=world.admin, item=a, direction="down") is True
    assert _positions(db, annual) == [("B", 0), ("A", 1), ("C", 2)]


# --------------------------------------------------------------------------- remove_item / restore_item


def test_remove_item_nobody_recorded_deletes_it_and_audits_what_it_was(db, world):
    item_id = world.stress.id
    assert service.remove_item(actor=world.admin, item=world.stress) == "deleted"
    db.session.commit()

    assert db.session.get(Item, item_id) is None
    [event] = _events(db, "item.removed")
    assert event.subject_id == item_id
    assert event.before["title"] == "Managing work and life stress"
    assert event.after is None


@pytest.mark.parametrize("status", [EntryStatus.ACCEPTED, EntryStatus.AWAITING, EntryStatus.REJECTED,
                                    EntryStatus.WITHDRAWN])
def test_remove_item_with_any_entry_archives_it_and_keeps_the_entry(db, world, status):
    entry = _entry(db, world.learner, world.fire, status=status)
    db.session.commit()

    assert service.remove_item(actor=world.admin, item=world.fire) == "archived"
    db.session.commit()
    db.session.expire_all()

    fire = db.session.get(Item, world.fire.id)
    assert fire is not None and fire.archived_at.date() == TODAY
    assert db.session.get(Entry, entry.id).status is status
    [event] = _events(db, "item.archived")
    assert event.before == {"archived_at": None}
    assert event.after["archived_at"].startswith("2026-03-02")


def test_an_archived_item_shows_not_required_and_its_history_stays(db, world):
    _entry(db, world.learner, world.fire)
    db.session.commit()
    service.remove_item(actor=world.admin, item=world.fire)
    db.session.commit()

    row = build_passport(world.learner, today=TODAY, warning_days=60).row(world.fire.id)
    assert row.state.status is Status.NOT_REQUIRED
    assert row.accepted is not None


def test_remove_an_already_archived_item_writes_no_second_audit_event(db, world):
    _entry(db, world.learner, world.fire)
    service.remove_item(actor=world.admin, item=world.fire)
    db.session.commit()
    archived_at = world.fire.archived_at

    assert service.remove_item(actor=world.admin, item=world.fire) == "archived"
    assert world.fire.archived_at == archived_at
    assert len(_events(db, "item.archived")) == 1


def test_restore_item_brings_an_archived_item_back_and_audits_it(db, world):
    _entry(db, world.learner, world.fire)
    service.remove_item(actor=world.admin, item=world.fire)
    db.session.commit()

    service.restore_item(actor=world.admin, item=world.fire)
    db.session.commit()

    assert _reloaded(db, Item, world.fire.id).archived_at is None
    [event] = _events(db, "item.restored")
    assert event.before["archived_at"].startswith("2026-03-02")
    assert event.after == {"archived_at": None}
    row = build_passport(world.learner, today=TODAY, warning_days=60).row(world.fire.id)
    assert row.state.status is Status.COMPLETE


def test_restore_a_live_item_does_nothing(db, world):
    service.restore_item(actor=world.admin, item=world.fire)
    assert world.fire.archived_at is None
    assert _events(db, "item.restored") == []


# --------------------------------------------------------------------------- the audit trail as a whole


def test_every_change_names_its_actor_and_no_person(db, world):
    template = service.create_template(actor=world.admin, name="Core Skills", starter_sections=True)
    section = db.session.scalars(select(Section).where(Section.template_id == template.id)).first()
    values = service.check_item(_form(section), template=template)
    item = service.add_item(actor=world.admin, template=template, values=values, today=TODAY)
    service.publish(actor=world.admin, template=template)
    service.move_section(actor=world.admin, section=section, direction="down")
    service.remove_item(actor=world.admin, item=item)
    db.session.commit()

    events = _events(db)
    assert [e.action for e in events] == (["template.created"] + ["section.added"] * 4
                                          + ["item.added", "template.published", "section.moved", "item.removed"])
    assert {e.actor_id for e in events} == {world.admin.id}
    assert {e.person_id for e in events} == {None}
    assert all(e.at.date() == TODAY for e in events)


def test_restoring_an_archived_template_with_no_live_item_makes_it_a_draft(db, world):
    """Restore may not publish what publish itself would refuse: with no item to complete, a draft."""
    empty = service.create_template(actor=world.admin, name="Nothing in it yet")
    service.archive_template(actor=world.admin, template=empty, today=TODAY)
    service.restore_template(actor=world.admin, template=empty)
    assert empty.status is TemplateStatus.DRAFT
