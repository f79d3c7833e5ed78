"""Assignment rules: applied when made, when a person is added, and when a person
moves team or changes job role; the passport says why; entries are never lost."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import Assignment, AssignmentSource, AuditEvent, Entry, EntryMethod, EntryStatus, Person
from tests import factories


def _live(person, template):
    return db.session.scalar(select(Assignment).where(
        Assignment.person_id == person.id, Assignment.template_id == template.id, Assignment.removed_on.is_(None)))


def _core_skills():
    tpl = factories.template("Core Skills (CSTF)")
    section = factories.section(tpl, "Within 2 weeks", 2, "weeks")
    factories.item(section, "Fire Safety", frequency_months=24, code="CSTF-FIRE")
    db.session.commit()
    return tpl


def _person(client, world, **fields):
    data = {"name": "Nia Newstarter", "email": "nia@example.test", "employee_number": "E90001",
            "job_role": "Healthcare Assistant", "team_id": str(world.team_a.id), "start_date": "2026-03-09",
            "role": "learner"}
    data.update(fields)
    return client.post("/people/new", data=data)


def test_a_new_rule_applies_at_once_and_says_why(as_admin, as_learner, world):
    core = _core_skills()
    response = as_admin.post("/admin/rules", data={"template_id": str(core.id), "team": str(world.team_a.id)})
    assert response.status_code == 303
    page = as_admin.get("/admin/rules").get_data(as_text=True)
    # Team A holds the learner and the educator (the admin has no team).
    assert "Rule added: Core Skills (CSTF) for Physiotherapy team. 2 people given it now." in page
    assignment = _live(world.learner, core)
    assert assignment.source is AssignmentSource.RULE and assignment.assigned_on == dt.date(2026, 3, 2)
    assert _live(world.other_learner, core) is None
    passport = as_learner.get("/passport").get_data(as_text=True)
    assert "Core Skills (CSTF)" in passport and "assigned by rule: Physiotherapy team" in passport


def test_a_rule_needs_a_passport_and_a_team_or_job_role(as_admin, world):
    response = as_admin.post("/admin/rules", data={})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose a published passport." in html and "Choose at least one team or one job role." in html


def test_teams_and_job_roles_together_must_both_match(as_admin, world):
    core = _core_skills()
    as_admin.post("/admin/rules", data={"template_id": str(core.id), "team": str(world.team_a.id),
                                        "job_role": "Practice Educator"})
    assert _live(world.educator, core) is not None
    assert _live(world.learner, core) is None            # Physiotherapy, but a Support Worker


def test_a_person_added_or_moved_gets_and_loses_rule_passports_keeping_entries(as_admin, world):
    core = _core_skills()
    as_admin.post("/admin/rules", data={"template_id": str(core.id), "team": str(world.team_b.id)})
    _person(as_admin, world, team_id=str(world.team_b.id))
    nia = db.session.scalar(select(Person).where(Person.email == "nia@example.test"))
    assert _live(nia, core) is not None
    # Nia records fire safety, then moves to team A: the rule no longer gives Core Skills.
    fire = core_item = db.session.scalar(select(type(world.fire)).where(type(world.fire).template_id == core.id))
    db.session.add(Entry(person_id=nia.id, item_id=core_item.id, completed_on=dt.date(2026, 3, 1),
                         method=EntryMethod.EQUIVALENT, equivalent_source="Leeds", status=EntryStatus.ACCEPTED,
                         recorded_by_id=nia.id))
    db.session.commit()
    response = as_admin.post(f"/people/{nia.id}/edit", data={
        "name": nia.name, "email": nia.email, "employee_number": nia.employee_number, "job_role": nia.job_role,
        "team_id": str(world.team_a.id), "start_date": "2026-03-09", "role": "learner"})
    assert response.status_code == 303
    assert _live(nia, core) is None
    assert db.session.scalars(select(Entry).where(Entry.person_id == nia.id)).all() != []
    admin_view = as_admin.get(f"/people/{nia.id}/passport").get_data(as_text=True)
    assert "This passport is no longer assigned" in admin_view and fire.title in admin_view
    actions = [e.action for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.person_id == nia.id).order_by(AuditEvent.id))]
    assert actions[:2] == ["person.created", "assignment.added"] and "assignment.removed" in actions


def test_an_archived_rule_gives_nothing_new_and_takes_nothing_away(as_admin, world):
    core = _core_skills()
    as_admin.post("/admin/rules", data={"template_id": str(core.id), "team": str(world.team_a.id)})
    rule_id = _live(world.learner, core).rule_id
    assert as_admin.post(f"/admin/rules/{rule_id}/archive").status_code == 303
    assert _live(world.learner, core) is not None
    _person(as_admin, world)
    nia = db.session.scalar(select(Person).where(Person.email == "nia@example.test"))
    assert _live(nia, core) is None


def test_the_same_rule_twice_is_refused_as_already_there(as_admin, world):
    """A second identical rule would do nothing but clutter the list (the probe made twenty)."""
    from skillpass.models import AssignmentRule

    core = _core_skills()
    form = {"template_id": str(core.id), "team": str(world.team_a.id), "job_role": "Support Worker"}
    assert as_admin.post("/admin/rules", data=form).status_code == 303
    again = as_admin.post("/admin/rules", data=form)
    assert again.status_code == 422
    assert "A rule already gives Core Skills (CSTF) to Physiotherapy team, Support Worker." in again.get_data(
        as_text=True)
    assert len(db.session.scalars(select(AssignmentRule)).all()) == 1
    # A rule that differs (another team) is a rule of its own.
    assert as_admin.post("/admin/rules", data={**form, "team": str(world.team_b.id)}).status_code == 303


def test_a_job_role_with_a_control_character_is_refused(as_admin, world):
    core = _core_skills()
    response = as_admin.post("/admin/rules", data={"template_id": str(core.id), "job_role": "Porter\x01"})
    assert response.status_code == 422 and "hidden control characters" in response.get_data(as_text=True)
