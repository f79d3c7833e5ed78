"""Admins manage people and teams: create with a temporary password, edit, deactivate
and reactivate (never delete), passports assigned and removed by hand, teams."""
from __future__ import annotations

import re

import pytest

from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.models import Assignment, AuditEvent, Person, Team
from tests import factories
from tests.conftest import sign_in

NEW = {"name": "Nia Newstarter", "email": "Nia.Newstarter@Example.test", "employee_number": "E90001",
       "job_role": "Healthcare Assistant", "team_id": "", "start_date": "2026-03-09", "role": "learner"}


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_an_admin_adds_a_person_who_must_choose_a_password(app, as_admin, world):
    response = as_admin.post("/people/new", data={**NEW, "team_id": str(world.team_a.id)})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Nia Newstarter added" in html
    password = re.search(r"<code>([0-9a-f-]+)</code>", html).group(1)
    person = db.session.scalar(select(Person).where(Person.employee_number == "E90001"))
    assert person.email == "nia.newstarter@example.test" and person.team_id == world.team_a.id
    assert person.must_change_password and len(_events("person.created")) == 1
    # The temporary password works once, then they must choose their own.
    client = app.test_client()
    assert client.post("/sign-in", data={"email": "nia.newstarter@example.test", "password": password}).status_code == 303
    assert client.get("/passport").headers["Location"].endswith("/account/password")


def test_bad_input_is_refused_in_place_with_the_input_kept(as_admin, world):
    response = as_admin.post("/people/new", data={**NEW, "name": "", "email": world.learner.email.upper(),
                                                  "employee_number": world.learner.employee_number,
                                                  "start_date": "not a date", "role": "boss"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("Enter the person", "Lee Learner already has this email address.",
                    "Lee Learner already has this employee number.", "Start date must be a real date.",
                    "Choose learner, educator or admin."):
        assert message in html or message.replace("'", "&#39;") in html, message
    assert 'value="Healthcare Assistant"' in html
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.name == "")) == 0


def test_editing_a_person_is_audited_field_by_field(as_admin, world):
    form = as_admin.get(f"/people/{world.learner.id}/edit").get_data(as_text=True)
    assert 'value="Lee Learner"' in form
    response = as_admin.post(f"/people/{world.learner.id}/edit", data={
        "name": "Lee Learner", "email": world.learner.email, "employee_number": world.learner.employee_number,
        "job_role": "Senior Support Worker", "team_id": str(world.team_b.id), "start_date": "2026-01-05",
        "role": "learner"})
    assert response.status_code == 303
    db.session.refresh(world.learner)
    assert world.learner.job_role == "Senior Support Worker" and world.learner.team_id == world.team_b.id
    [event] = _events("person.changed")
    assert set(event.after) == {"job_role", "team_id"}


def test_deactivated_people_cannot_sign_in_and_keep_their_records(app, as_admin, world):
    learner = sign_in(app.test_client(), world.learner)
    assert as_admin.post(f"/people/{world.learner.id}/active", data={"active": "0"}).status_code == 303
    assert learner.get("/passport").status_code == 302          # their session ended
    assert app.test_client().post("/sign-in", data={"email": world.learner.email,
                                                    "password": "correct-horse-battery"}).status_code == 422
    assert db.session.get(Person, world.learner.id) is not None
    assert "Deactivated" in as_admin.get("/people/?q=lee").get_data(as_text=True)
    as_admin.post(f"/people/{world.learner.id}/active", data={"active": "1"})
    assert sign_in(app.test_client(), world.learner).get("/passport").status_code == 200
    assert [e.action for e in _events("person.deactivated") + _events("person.reactivated")] == [
        "person.deactivated", "person.reactivated"]


def test_an_admin_cannot_deactivate_or_demote_themself(as_admin, world):
    as_admin.post(f"/people/{world.admin.id}/active", data={"active": "0"})
    assert db.session.get(Person, world.admin.id).active
    response = as_admin.post(f"/people/{world.admin.id}/edit", data={
        "name": "Ada Admin", "email": world.admin.email, "employee_number": world.admin.employee_number,
        "job_role": "L&D Lead", "team_id": "", "start_date": "2026-01-05", "role": "learner"})
    assert response.status_code == 422 and "You cannot take away your own admin role" in response.get_data(as_text=True)


def test_a_temporary_password_ends_their_sessions(app, as_admin, world):
    learner = sign_in(app.test_client(), world.learner)
    html = as_admin.post(f"/people/{world.learner.id}/password").get_data(as_text=True)
    assert "temporary password set" in html
    assert learner.get("/passport").status_code == 302
    assert db.session.get(Person, world.learner.id).must_change_password


def test_passports_assigned_and_removed_by_hand_keep_every_entry(as_admin, as_learner, world):
    response = as_admin.post(f"/people/{world.learner.id}/assignments",
                             data={"action": "remove", "template_id": str(world.template.id)})
    assert response.status_code == 303
    html = as_learner.get("/passport").get_data(as_text=True)
    assert "This passport is no longer assigned" in html or "No passport has been assigned" in html
    as_admin.post(f"/people/{world.learner.id}/assignments", data={"action": "add", "template_id": str(world.template.id)})
    rows = db.session.scalars(select(Assignment).where(Assignment.person_id == world.learner.id)).all()
    assert len(rows) == 2 and sum(1 for a in rows if a.removed_on is None) == 1
    again = as_admin.post(f"/people/{world.learner.id}/assignments",
                          data={"action": "add", "template_id": str(world.template.id)})
    assert "already has" in as_admin.get(again.headers["Location"]).get_data(as_text=True)
    assert [e.action for e in _events("assignment.removed") + _events("assignment.added")] == [
        "assignment.removed", "assignment.added"]


def test_teams_are_created_renamed_and_archived_never_deleted(as_admin, world):
    assert as_admin.post("/admin/teams", data={"name": "  Podiatry "}).status_code == 303
    team = db.session.scalar(select(Team).where(Team.name == "Podiatry"))
    duplicate = as_admin.post("/admin/teams", data={"name": "podiatry"})
    assert duplicate.status_code == 422 and "There is already a team called Podiatry." in duplicate.get_data(as_text=True)
    assert as_admin.post(f"/admin/teams/{team.id}", data={"action": "rename", "name": "Foot Health"}).status_code == 303
    empty = as_admin.post(f"/admin/teams/{team.id}", data={"action": "rename", "name": ""})
    assert empty.status_code == 422 and "Enter the team" in empty.get_data(as_text=True)
    as_admin.post(f"/admin/teams/{team.id}", data={"action": "archive"})
    db.session.refresh(team)
    assert team.name == "Foot Health" and team.archived_at is not None
    # An archived team is no longer offered for new people.
    assert ">Foot Health" not in as_admin.get("/people/new").get_data(as_text=True).split("<h1>")[1]
    as_admin.post(f"/admin/teams/{team.id}", data={"action": "restore"})
    db.session.refresh(team)
    assert team.archived_at is None
    assert [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("team.%"))
                                                 .order_by(AuditEvent.id))] == [
        "team.created", "team.renamed", "team.archived", "team.restored"]


def test_the_people_list_filters_and_pages(as_admin, world):
    from tests import factories

    for n in range(55):
        factories.person(name=f"Zed Person {n:02d}", team=world.team_b, job_role="Porter")
    world.other_learner.active = False
    db.session.commit()
    html = as_admin.get("/people/?team=%d&job_role=Porter" % world.team_b.id).get_data(as_text=True)
    assert "55 people: page 1 of 2." in html and "Zed Person 00" in html and "Zed Person 54" not in html
    second = as_admin.get(f"/people/?team={world.team_b.id}&job_role=Porter&page=2", headers={"HX-Request": "true"})
    text = second.get_data(as_text=True)
    assert text.lstrip().startswith('<div id="people-results"') and "Zed Person 54" in text
    assert "Olu Other" not in as_admin.get("/people/?q=olu").get_data(as_text=True)       # active only, by default
    assert "Olu Other" in as_admin.get("/people/?q=olu&status=deactivated").get_data(as_text=True)
    educators = as_admin.get("/people/?role=educator").get_data(as_text=True)
    assert "Eve Educator" in educators and "Lee Learner" not in educators


@pytest.mark.parametrize("path", ["/people/", "/admin/teams", "/admin/rules", "/admin/import/people",
                                  "/admin/import/completions", "/people/{learner}/passport"])
def test_pages_reached_from_people_keep_people_current_in_the_menu(as_admin, world, path):
    html = as_admin.get(path.format(learner=world.learner.id)).get_data(as_text=True)
    current = re.findall(r'<li class="nhsuk-header__navigation-item[^"]*nhsuk-header__navigation-item--current"[^>]*>'
                         r'\s*<a[^>]*aria-current="(page|true)"[^>]*>\s*<strong[^>]*>([^<]+)</strong>', html)
    assert current == [("page" if path == "/people/" else "true", "People")], current


def test_the_teams_page_says_who_supports_each_team_and_which_have_nobody(as_admin, world):
    factories.team("Podiatry")
    db.session.commit()
    html = as_admin.get("/admin/teams").get_data(as_text=True)
    physio = html[html.index("<strong>Physiotherapy</strong>"):]
    assert "Eve Educator" in physio[:physio.index("</tr>")]
    podiatry = html[html.index("<strong>Podiatry</strong>"):]
    assert "No educator</strong>" in podiatry[:podiatry.index("</tr>")]
