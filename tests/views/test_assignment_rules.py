"""Assignment rules: applied when made, when a person is added, and when a person
moves team or changes job role; the passport says why; entries are never lost."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import Assignment, AssignmentSource, AuditEvent, Entry, EntryMethod, EntryStatus, Person
from skillpass.services.assignment_rules import rule_fingerprint
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


def _confirmed(form: dict) -> dict:
    """The form as saved from its preview: with the fingerprint of the choice it showed."""
    teams = form.get("team", [])
    roles = form.get("job_role", [])
    teams = [teams] if isinstance(teams, str) else teams
    roles = [roles] if isinstance(roles, str) else roles
    return {**form, "confirmed": rule_fingerprint(int(form["template_id"]), [int(t) for t in teams], roles)}


def _person(client, world, **fields):
    data = {"name": "Nia Newstarter", "email": "nia@example.test", "employee_number": "E90001",
            "job_role": "Healthcare Assistant", "team_id": str(world.team_a.id), "start_date": "2026-03-09",
            "role": "learner"}
    data.update(fields)
    return client.post("/people/new", data=data)


def test_a_new_rule_applies_at_once_and_says_why(as_admin, as_learner, world):
    core = _core_skills()
    form = {"template_id": str(core.id), "team": str(world.team_a.id)}
    response = as_admin.post("/admin/rules", data=_confirmed(form))
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
    as_admin.post("/admin/rules", data=_confirmed({"template_id": str(core.id), "team": str(world.team_a.id),
                                                   "job_role": "Practice Educator"}))
    assert _live(world.educator, core) is not None
    assert _live(world.learner, core) is None            # Physiotherapy, but a Support Worker


def test_a_person_added_or_moved_gets_and_loses_rule_passports_keeping_entries(as_admin, world):
    core = _core_skills()
    as_admin.post("/admin/rules", data=_confirmed({"template_id": str(core.id), "team": str(world.team_b.id)}))
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
    as_admin.post("/admin/rules", data=_confirmed({"template_id": str(core.id), "team": str(world.team_a.id)}))
    rule_id = _live(world.learner, core).rule_id
    assert as_admin.post(f"/admin/rules/{rule_id}/archive", data={"passports": "keep"}).status_code == 303
    assert _live(world.learner, core) is not None
    _person(as_admin, world)
    nia = db.session.scalar(select(Person).where(Person.email == "nia@example.test"))
    assert _live(nia, core) is None


def test_the_same_rule_twice_is_refused_as_already_there(as_admin, world):
    """A second identical rule would do nothing but clutter the list (the probe made twenty)."""
    from skillpass.models import AssignmentRule

    core = _core_skills()
    form = {"template_id": str(core.id), "team": str(world.team_a.id), "job_role": "Support Worker"}
    assert as_admin.post("/admin/rules", data=_confirmed(form)).status_code == 303
    again = as_admin.post("/admin/rules", data=_confirmed(form))
    assert again.status_code == 422
    assert "A rule already gives Core Skills (CSTF) to Physiotherapy team, if Support Worker." in again.get_data(
        as_text=True)
    assert len(db.session.scalars(select(AssignmentRule)).all()) == 1
    # A rule that differs (another team) is a rule of its own.
    other_team = _confirmed({**form, "team": str(world.team_b.id)})
    assert as_admin.post("/admin/rules", data=other_team).status_code == 303


def test_a_job_role_with_a_control_character_is_refused(as_admin, world):
    core = _core_skills()
    response = as_admin.post("/admin/rules", data={"template_id": str(core.id), "job_role": "Porter\x01"})
    assert response.status_code == 422 and "hidden control characters" in response.get_data(as_text=True)


# ------------------------------------------------------------------ who gains it, shown first


def test_a_new_rule_shows_who_gains_the_passport_and_is_saved_only_when_confirmed(as_admin, world):
    from skillpass.models import AssignmentRule

    core = _core_skills()
    form = {"template_id": str(core.id), "team": [str(world.team_a.id), str(world.team_b.id)]}
    for headers in ({}, {"HX-Request": "true"}):
        preview = as_admin.post("/admin/rules", data=form, headers=headers)
        body = preview.get_data(as_text=True)
        assert preview.status_code == 200 and "4 people gain Core Skills (CSTF) now." in body
        assert "Occupational Therapy: 2" in body and "Physiotherapy: 2" in body
        assert "Lee Learner (Physiotherapy" in body and "Olu Other (Occupational Therapy" in body
        assert f'name="confirmed" value="{_confirmed(form)["confirmed"]}"' in body
        assert (body.startswith('<div id="rule-form">') if headers else "<h1>Assignment rules</h1>" in body)
    assert db.session.scalars(select(AssignmentRule)).all() == [] and _live(world.learner, core) is None
    # A confirmation of another choice than the one shown previews again.
    changed = as_admin.post("/admin/rules", data={**_confirmed(form), "team": str(world.team_b.id)})
    assert "2 people gain Core Skills (CSTF) now." in changed.get_data(as_text=True)
    assert db.session.scalars(select(AssignmentRule)).all() == []
    saved = as_admin.post("/admin/rules", data=_confirmed(form), headers={"HX-Request": "true"})
    assert saved.headers["HX-Redirect"] == "/admin/rules"
    assert _live(world.learner, core) is not None and _live(world.other_learner, core) is not None


def _ruled(as_admin, world, core, team):
    as_admin.post("/admin/rules", data=_confirmed({"template_id": str(core.id), "team": str(team.id)}))
    return _live(world.learner, core).rule_id


def test_archiving_a_rule_asks_whether_the_passports_it_gave_are_kept(as_admin, as_learner, world):
    core = _core_skills()
    rule_id = _ruled(as_admin, world, core, world.team_a)
    url = f"/admin/rules/{rule_id}/archive"
    page = as_admin.get(url).get_data(as_text=True)
    assert "<h1>Archive a rule</h1>" in page and "2 people hold it by this rule" in page
    assert "Lee Learner (since 2 Mar 2026)" in page
    inline = as_admin.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert inline.lstrip().startswith('<form class="app-rule-archive"') and "<h1>" not in inline
    refused = as_admin.post(url, data={})
    assert refused.status_code == 422 and "Choose whether the people given the passport" in refused.get_data(
        as_text=True)

    kept = as_admin.post(url, data={"passports": "keep"})
    assert kept.status_code == 303 and _live(world.learner, core) is not None
    passport = as_learner.get("/passport").get_data(as_text=True)
    assert "assigned by a rule since archived (Physiotherapy team)" in passport
    assert "assigned by rule:" not in passport
    person_page = as_admin.get(f"/people/{world.learner.id}/edit").get_data(as_text=True)
    assert "assigned by a rule since archived (Physiotherapy team)" in person_page


def test_archiving_a_rule_can_remove_the_passports_it_gave_keeping_entries(as_admin, world):
    core = _core_skills()
    rule_id = _ruled(as_admin, world, core, world.team_a)
    fire = db.session.scalar(select(type(world.fire)).where(type(world.fire).template_id == core.id))
    db.session.add(Entry(person_id=world.learner.id, item_id=fire.id, completed_on=dt.date(2026, 3, 1),
                         method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id))
    db.session.commit()
    done = as_admin.post(f"/admin/rules/{rule_id}/archive", data={"passports": "remove"},
                         headers={"HX-Request": "true"})
    assert done.headers["HX-Redirect"] == "/admin/rules"
    assert _live(world.learner, core) is None and _live(world.educator, core) is None
    assert db.session.scalars(select(Entry).where(Entry.item_id == fire.id)).all() != []
    removed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "assignment.removed")).all()
    assert sorted(e.person_id for e in removed) == sorted([world.learner.id, world.educator.id])
    assert "the rule that gave it (Physiotherapy team) was archived" in removed[0].summary
    page = as_admin.get("/admin/rules").get_data(as_text=True)
    assert "2 passports it gave removed (records kept)" in page
    admin_view = as_admin.get(f"/people/{world.learner.id}/passport").get_data(as_text=True)
    assert "This passport is no longer assigned" in admin_view


def test_a_passport_another_rule_also_gives_stays_and_names_that_rule(as_admin, world):
    core = _core_skills()
    first = _ruled(as_admin, world, core, world.team_a)
    as_admin.post("/admin/rules", data=_confirmed({"template_id": str(core.id), "job_role": "Practice Educator"}))
    page = as_admin.get(f"/admin/rules/{first}/archive").get_data(as_text=True)
    assert "1 of them keep it whatever you choose" in page
    as_admin.post(f"/admin/rules/{first}/archive", data={"passports": "remove"})
    assert _live(world.learner, core) is None
    educator = _live(world.educator, core)
    assert educator is not None and educator.rule_id != first and educator.source_detail == "Practice Educator"


def test_a_rule_of_teams_and_job_roles_reads_as_both_conditions():
    from skillpass.models import AssignmentRule, Team

    rule = AssignmentRule(template_id=1, teams=[Team(name="Physiotherapy")], job_roles=["Therapy Support Worker"])
    assert rule.describe() == "Physiotherapy team, if Therapy Support Worker"
    assert AssignmentRule(template_id=1, teams=[Team(name="A"), Team(name="B")], job_roles=[]).describe() == "A or B teams"
    assert AssignmentRule(template_id=1, teams=[], job_roles=["Porter", "Cleaner"]).describe() == "Porter or Cleaner"
