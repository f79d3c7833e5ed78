"""A request whose address and form give one name two different values is refused (400) with nothing
done, on every POST route: a check made on one of them (the team guard reads both) can never be
outwitted by a view that reads the other.

Each POST route is sent what it needs to do its work, plus ``team``, ``person``, ``template_id``,
``entry`` and ``scope`` in both its address and its form with different values; then the same request
with the same values in both places, which goes through (and, where the route writes, writes): so the
refusal is the conflict's doing, not a form that was wrong anyway.

The case this is all for: an educator of team A bulk-printing team B's passports with
``/team/print?team=<A>`` and ``team=<B>`` in the form.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from sqlalchemy import select, text

from skillpass import clock
from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus, ItemKind, Person, PrintJob, Question, import_batch_entry
from skillpass.print import bulk as bulk_print
from skillpass.services.assignment_rules import rule_fingerprint
from tests import factories
from tests.conftest import HTMX, TODAY, sign_in
from tests.views.test_route_permissions import EXPECTED, OK, _params, _rules, _url

# What is counted before and after: nothing of it may change when a request is refused.
TABLES = ("audit_event", "entry", "person", "print_job", "form_submission", "informal_entry", "passport_template",
          "team", "assignment_rule", "section", "item", "assignment", "evidence", "setting", "sign_in_failure")


def snapshot() -> dict:
    """Row counts, the data version (raised by every write of data) and everyone's sign-in state."""
    db.session.commit()
    state = {table: db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in TABLES}
    state["data_version"] = db.session.execute(text("SELECT n FROM data_version WHERE id = 1")).scalar()
    state["people"] = [tuple(row) for row in db.session.execute(text(
        "SELECT id, name, email, active, role, team_id, password_hash, session_token, must_change_password "
        "FROM person ORDER BY id"))]
    db.session.commit()
    return state


def _changes(before: dict, after: dict) -> dict:
    return {key: (before[key], after[key]) for key in before if before[key] != after[key]}


@pytest.fixture
def launched(monkeypatch) -> list[int]:
    """Bulk prints asked for (the PDF itself is not made: these tests are about who may ask)."""
    jobs: list[int] = []
    monkeypatch.setattr(bulk_print, "launch", lambda job_id, *, base_url: jobs.append(job_id))
    return jobs


# ---------------------------------------------------------------- the objects the requests name

def _setting(world) -> SimpleNamespace:
    """The world, the ids of the route permission walk, and a second of each thing named in a form.

    Where the walk's object cannot take the work (the walk's competency already awaits sign-off, so no
    observed practice can be recorded for it; fire safety is alone in its section, so it cannot move),
    the URL names another that can."""
    params = _params(world)
    hoist = factories.item(world.month6, "Using a standing hoist", kind=ItemKind.COMPETENCY, position=4)
    factories.item(world.week2, "Hand hygiene", position=1)
    params["competency_id"] = hoist.id
    accepted = Entry(person_id=world.learner.id, item_id=world.stress.id, completed_on=TODAY.replace(day=1),
                     method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id,
                     decided_by_id=world.educator.id, decided_by_name=world.educator.name,
                     decided_at=dt.datetime(2026, 3, 1, 12, tzinfo=dt.timezone.utc))
    empty = factories.section(world.template, "Within 1 year", 12, "months", position=3)
    db.session.add(accepted)
    db.session.flush()
    # The walk's import made one accepted entry, which its revocation takes back.
    imported = Entry(person_id=world.other_learner.id, item_id=world.stress.id, completed_on=TODAY.replace(day=1),
                     method=EntryMethod.IMPORTED, status=EntryStatus.ACCEPTED, recorded_by_id=world.admin.id)
    db.session.add(imported)
    db.session.flush()
    db.session.execute(import_batch_entry.insert().values(entry_id=imported.id, import_batch_id=params["batch_id"]))
    # Approved by the admin a moment ago: only that approval can be undone (by them, for two minutes).
    approved = Entry(person_id=world.learner.id, item_id=hoist.id, completed_on=TODAY.replace(day=1),
                     method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id,
                     decided_by_id=world.admin.id, decided_by_name=world.admin.name, decided_at=clock.now())
    db.session.add(approved)
    db.session.flush()
    url_params = {"passport.revoke": {**params, "entry_id": accepted.id},         # only an accepted one is revoked
                  "passport.undo": {**params, "entry_id": approved.id},
                  "signoff.undo": {**params, "entry_id": approved.id},
                  "editor.section_remove": {**params, "section_id": empty.id}}     # only an empty one is removed
    porter = factories.template("Porter Passport")
    factories.item(factories.section(porter, "Within 1 month", 1, "months"), "Manual handling")
    other_entry = Entry(person_id=world.other_learner.id, item_id=world.fire.id, completed_on=TODAY.replace(day=1),
                        method=EntryMethod.HERE, status=EntryStatus.AWAITING, recorded_by_id=world.other_learner.id)
    db.session.add(other_entry)
    db.session.commit()
    return SimpleNamespace(world=world, params=params, porter=porter, other_entry=other_entry, url_params=url_params)


def address_values(s) -> dict:
    """What the address says."""
    return {"team": s.world.team_a.id, "person": s.world.learner.id, "template_id": s.world.template.id,
            "entry": s.params["entry_id"], "scope": "all"}


def form_values(s) -> dict:
    """What the form says instead."""
    return {"team": s.world.team_b.id, "person": s.world.other_learner.id, "template_id": s.porter.id,
            "entry": s.other_entry.id, "scope": "selected"}


def _preview_token(client, url: str, content: str, name: str) -> dict:
    response = client.post(url, data={"file": (io.BytesIO(content.encode()), name)}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html)
    assert token, html[:1000]
    return {"token": token.group(1), "filename": name}


def _people_preview(client, s) -> dict:
    """A checked file waiting to be confirmed (checked once: its token lasts until it is taken)."""
    if not hasattr(s, "preview"):
        s.preview = _preview_token(client, "/admin/import/people",
                                   "employee_number,name,email,job_role,team,start_date,role\r\n"
                                   "E70001,Ann Import,ann@example.test,Porter,Physiotherapy,2026-01-05,\r\n",
                                   "people.csv")
    return s.preview


def _completions_preview(client, s) -> dict:
    if not hasattr(s, "preview"):
        s.preview = _preview_token(client, "/admin/import/completions",
                                   "employee_number,item,completed_on,expires_on\r\n"
                                   f"{s.world.learner.employee_number},CSTF-FIRE,2025-03-14,\r\n", "esr.csv")
    return s.preview


def _csv_upload(content: str, name: str):
    return lambda client, s: {"file": (io.BytesIO(content.encode()), name)}   # a new file each time: it is read once


def _person_form(email: str):
    return lambda client, s: {"name": "Pat Person", "email": email, "employee_number": "E80001",
                              "job_role": "Porter", "team_id": str(s.world.team_a.id), "start_date": "2026-01-05",
                              "role": "learner"}


# A passport template as a file (issue 18, part D): the smallest a SkillPass exports.
TEMPLATE_FILE = ('{"schema": "https://skillpass.nhs.example/schemas/passport-template/1", "schema_version": 1, '
                 '"exported_at": "2026-03-01T09:00:00Z", "exported_from": "Northgate NHS Trust", "template": '
                 '{"name": "Ward passport", "description": "", "sections": [{"name": "Day one", "position": 0, '
                 '"offset": {"amount": 0, "unit": "days"}, "items": []}]}}')


ITEM = {"title": "Infection control", "description": "", "corporate_lead": "Infection Prevention", "code": "",
        "frequency_months": "12", "kind": "learning", "evidence": "optional", "prior_learning_accepted": "y",
        "mandatory": "y"}

# Every POST route: what its form holds besides the five names (a function of the client and the
# setting, or a dict), so that without the conflict it would do its work.
NEEDS: dict[str, object] = {
    "admin.archive_rule": {"passports": "keep"},
    "admin.completions_import_confirm": _completions_preview,
    "admin.completions_import_start": _csv_upload("employee_number,item,completed_on,expires_on\r\n", "esr.csv"),
    "admin.people_import_confirm": _people_preview,
    "admin.people_import_start": _csv_upload("employee_number,name,email,job_role,team,start_date,role\r\n",
                                             "people.csv"),
    "admin.revoke_import": {"reason": "The file was for another trust"},
    "admin.rules": lambda client, s: {                          # template_id and team are among the five
        "confirmed": rule_fingerprint(s.porter.id, [s.world.team_b.id], [])},
    "admin.settings": {"organisation_name": "Renamed Trust", "warning_days": "60", "max_upload_mb": "10"},
    "admin.sso_settings": {"sso_password_off": "yes"},
    "admin.team": {"action": "rename", "name": "Physiotherapy North"},
    "admin.teams": {"name": "Podiatry"},
    "auth.change_password": {"current_password": factories.PASSWORD, "new_password": "a-much-longer-passphrase-9",
                             "confirm": "a-much-longer-passphrase-9"},
    "auth.sign_in": lambda client, s: {"email": s.world.learner.email, "password": factories.PASSWORD},
    "auth.sign_out": {},
    "editor.add_item": ITEM,
    "editor.import_file": _csv_upload(TEMPLATE_FILE, "ward.json"),
    "editor.import_confirm": {"content": TEMPLATE_FILE, "filename": "ward.json"},
    "editor.add_section": {"name": "Within 1 year", "offset_amount": "12", "offset_unit": "months"},
    "editor.copy": {"name": "AHP Support Worker Skills Passport (copy)"},
    "editor.index": {"name": "Domestic Services Passport", "description": ""},
    "editor.item_edit": lambda client, s: {**ITEM, "title": "Fire safety and evacuation",
                                           "frequency_months": "24", "section_id": str(s.world.week2.id)},
    "editor.item_move": {"direction": "down"},
    "editor.item_remove": {"action": "remove", "confirmed": "archive"},
    "editor.section_edit": {"name": "Within the first 2 weeks", "offset_amount": "2", "offset_unit": "weeks"},
    "editor.section_move": {"direction": "down"},
    "editor.section_remove": {},
    "editor.status": {"action": "archive", "confirm": "yes"},
    "editor.template": {"name": "AHP Support Worker Passport", "description": "For support workers"},
    "passport.informal_add": {"title": "Read the falls policy", "completed_on": "2026-02-27", "hours": "1",
                              "reflection": ""},
    "passport.informal_update": {"title": "Read the falls policy again", "completed_on": "2026-02-27", "hours": "1",
                                 "reflection": ""},
    "passport.informal_remove": {},
    "passport.decide": {"decision": "approve", "reason": ""},
    "passport.observed": {"completed_on": "2026-02-27", "note": ""},
    "passport.record": {"completed_on": "2026-02-27", "method": "here", "note": ""},
    "passport.revoke": {"reason": "Certificate was for another course"},
    "passport.withdraw": {},
    "passport.undo": {},
    "passport.correct": {"completed_on": "2026-02-27", "method": "here", "note": ""},
    "people.assignments": {"action": "add"},                    # template_id is among the five
    "people.edit": _person_form("lee.learner@example.test"),
    "people.new": _person_form("pat@example.test"),
    "people.reset_password": {},
    "people.set_active": {"active": "0"},
    "people.supported_teams": {},                               # team is among the five
    "signoff.approve_selected": {},                             # entry is among the five
    "signoff.decide": {"decision": "approve", "reason": ""},
    "signoff.undo": {},
    "sessions.new": lambda client, s: {"item": str(s.world.fire.id), "held_on": "2026-02-20", "trainer": "Sam Trainer",
                                       "employee_numbers": s.world.learner.employee_number, "action": "save"},
    "team.print_start": {},                                     # team, scope and person are among the five
    "calendar.account": {},                                     # the calendar feed (issue 15, part B)
    "calendar.reset": {},
    "credentials.rotate_key": {},                               # the signing key (issue 18, part A)
    "notifications.account": {"choice": "decisions"},           # notifications and digests (issue 15, part D)
    "notifications.unsubscribe": {},
    # Skills frameworks: the editor (issue 16, part A), on the walk's framework, its first area and statement.
    "skills_editor.index": {"name": "Word skills", "description": ""},
    "skills_editor.framework": {"name": "Walked framework, renamed", "description": ""},
    "skills_editor.status": {"action": "archive"},
    "skills_editor.copy": {"name": ""},
    "skills_editor.add_exemption": lambda client, s: {"area_id": str(s.params["area_id"]), "level": "3",
                                                      "qualification": "ECDL module 4", "item_id": ""},
    "skills_editor.add_route": lambda client, s: {"area_id": str(s.params["area_id"]), "level": "2",
                                                  "course_title": "Excel basics", "item_id": ""},
    "skills_editor.exemption_retire": {},
    "skills_editor.route_retire": {},
    "skills_editor.add_area": {"name": "Presentations", "description": ""},
    "skills_editor.area_edit": {"name": "Email and calendars", "description": ""},
    "skills_editor.area_move": {"direction": "down"},
    "skills_editor.area_remove": {"action": "remove"},
    "skills_editor.add_statement": {"wording": "I can reply to an email", "level": "1"},
    "skills_editor.statement_edit": {"wording": "I can reply to everyone on an email"},
    "skills_editor.statement_move": {"direction": "down"},
    "skills_editor.statement_remove": {"action": "remove"},
    "auth.forgotten_password": lambda client, s: {"email": s.world.learner.email},
    "auth.accept_invitation": {"new_password": "tangerine-lighthouse-orbit", "confirm": "tangerine-lighthouse-orbit"},
    "auth.reset_password": {"new_password": "tangerine-lighthouse-orbit", "confirm": "tangerine-lighthouse-orbit"},
    "people.invite": {},
    "people.invite_many": {},
    # Confirmed levels and targets (issue 16, part C)
    "skill_targets.confirm": {"level": "2", "note": "Seen using it every day"},
    "skill_targets.target": {"action": "set", "minimum": "2", "maximum": "3"},
    "skill_targets.role": lambda client, s: {"job_role": "Ward clerk", f"area-{s.params['area_id']}-minimum": "1"},
    # My skills (issue 16, part B): starting an assessment; answering (which starts one if need be); submitting
    # the draft started before counting.
    "skills.start": {},
    "skills.area": lambda client, s: {f"s{_first_statement(s)}": "yes"},
    "skills.submit": lambda client, s: _skills_draft(client, s),
    # Credit across passports (issue 17, part C): a new mapping saved as its preview showed it; the walk's ended.
    "credit.new": lambda client, s: _credit_mapping(s),
    "credit.end": {},
    # Trusted issuers and imports (issue 18, part C): a new issuer with pasted keys; a check of a pasted file
    # (its refusal is audited).
    "credentials.trusted_issuer_new": {"name": "Westbay NHS Trust", "issuer_id": "https://westbay.test/issuer",
                                       "jwks": '{"keys": [{"x": "hRP69Ww17K5Cb3_qOdYGiWdOY2OL1r6v46gjZzBk42U", '
                                               '"kty": "OKP", "crv": "Ed25519"}]}', "action": "save"},
    "credentials.trusted_issuer_edit": {"name": "Northgate NHS Trust, renamed", "note": "Renamed", "action": "save"},
    "credentials.trusted_issuer_end": {},
    "credentials.import_for": {"pasted": "not a credential"},
    "credentials.import_own": {"pasted": "not a credential"},
    # The questionnaire (issue 17, part D), on the walk's question (the learner answered Yes) and recommendation.
    "questionnaire.index": lambda client, s: {f"question-{s.params['question_id']}": str(_option(s, "Yes"))},
    "questionnaire.person": lambda client, s: {f"question-{s.params['question_id']}": str(_option(s, "No"))},
    "questionnaire.editor": {"text": "Do you work night shifts?", "hint": "", "kind": "yes_no", "options": ""},
    "questionnaire.question_edit": {"text": "Do you drive a pool car?", "hint": ""},
    "questionnaire.question_move": lambda client, s: _second_question(s),
    "questionnaire.question_remove": {"action": "remove"},
    "questionnaire.ask_setting": {"ask": "1"},
    "questionnaire.decide": {"decision": "approve", "note": ""},
    "credentials.verify_link": {"action": "new"},   # the verify link (issue 18, part B)
}


def _credit_mapping(s) -> dict:
    from skillpass.services.credit_mappings import check

    name, target = "Care Certificate standard 9", s.world.stress.id
    return {"source_kind": "qualification", "source_qualification": name, "target": str(target), "note": "",
            "confirmed": check(source_kind="qualification", qualification=name, target_ids=[target]).fingerprint}


def _option(s, label: str) -> int:
    from skillpass.services.questionnaire.questions import question_view

    return next(o.option.id for o in question_view(db.session.get(Question, s.params["question_id"])).options
                if o.option.label == label)


def _second_question(s) -> dict:
    """A question after the walk's, made once before counting: moving the walk's down is the work."""
    if not hasattr(s, "second_question"):
        from skillpass.services.questionnaire.questions import add_question

        s.second_question = add_question(actor=s.world.admin, text="Do you work alone?", kind="yes_no")
        db.session.commit()
    return {"direction": "down"}


def _first_statement(s) -> int:
    from skillpass.services.skills.assessments import live_statements

    return live_statements([s.params["area_id"]])[s.params["area_id"]][0].id


def _skills_draft(client, s) -> dict:
    """The actor's draft, started once, before counting: submitting it is the work."""
    if not hasattr(s, "skills_draft"):
        response = client.post(f"/skills/{s.params['framework_id']}/assess/start", data={})
        assert response.status_code == 303, response.status_code
        s.skills_draft = True
    return {}

# The routes whose work writes data or sign-in state (an import's first step only shows a preview).
WRITES = set(NEEDS) - {"admin.completions_import_start", "admin.people_import_start", "editor.import_file"}

PREFERRED_ACTORS = ("admin", "learner", "educator", "other_learner", "other_educator")


def actor_for(endpoint: str) -> str:
    """Anonymous on a public route (signing in is what it does); else as test_malformed_input walks."""
    row = EXPECTED[endpoint]
    if row["anonymous"] == OK:
        return "anonymous"
    return next(actor for actor in PREFERRED_ACTORS if row[actor] == OK)


def _needs(endpoint: str, client, s) -> dict:
    needs = NEEDS[endpoint]
    return dict(needs(client, s)) if callable(needs) else dict(needs)


def _client(app, world, actor: str):
    client = app.test_client()
    return client if actor == "anonymous" else sign_in(client, getattr(world, actor))


def _signed_in(client) -> bool:
    return client.get("/passport").status_code == 200


def test_every_post_route_is_tried(app):
    posts = {rule.endpoint for rule in _rules(app) if "POST" in rule.methods}
    assert posts == set(NEEDS), "say in NEEDS what a new POST route's form holds"


@pytest.mark.parametrize("endpoint", sorted(NEEDS))
def test_different_values_in_the_address_and_the_form_are_refused_with_nothing_written(app, world, endpoint,
                                                                                       launched):
    s = _setting(world)
    actor = actor_for(endpoint)
    client = _client(app, world, actor)
    [rule] = [r for r in _rules(app) if r.endpoint == endpoint]
    url = _url(app, rule, s.url_params.get(endpoint, s.params))
    _needs(endpoint, client, s)   # an import's preview is made before counting

    before = snapshot()
    for headers in ({}, HTMX):
        form = {**_needs(endpoint, client, s), **form_values(s)}
        response = client.post(f"{url}?{urlencode(address_values(s))}", data=form, headers=headers)
        kind = "htmx" if headers else "page"
        assert response.status_code == 400, (kind, response.status_code, response.get_data(as_text=True)[:600])
        message = response.get_data(as_text=True).replace("&#8220;", "“").replace("&#8221;", "”")
        assert "two different values for" in message, (kind, message[:600])
        if headers:
            assert response.headers.get("HX-Retarget") == "#flash"
    # Each name on its own: one conflict is enough.
    for name, value in address_values(s).items():
        address = {**form_values(s), name: value}
        response = client.post(f"{url}?{urlencode(address)}", data={**_needs(endpoint, client, s), **form_values(s)})
        assert response.status_code == 400, (name, response.status_code)
        assert f"two different values for “{name}”" in response.get_data(as_text=True).replace(
            "&#8220;", "“").replace("&#8221;", "”"), name
    assert _changes(before, snapshot()) == {}, "a refused request wrote"
    assert launched == []
    assert _signed_in(client) == (actor != "anonymous")

    # The same values in both places: the request goes through, so the refusal was the conflict's.
    form = {**_needs(endpoint, client, s), **form_values(s)}
    same = f"{url}?{urlencode(form_values(s))}"
    response = client.post(same, data=form)
    assert response.status_code not in (400, 403) and response.status_code < 500, (
        response.status_code, response.get_data(as_text=True)[:600])
    if endpoint in WRITES:
        assert _changes(before, snapshot()) != {}, f"{endpoint}: the same request without the conflict wrote nothing"


# ---------------------------------------------------------------- the bulk print, by hand

def _jobs() -> list[PrintJob]:
    db.session.commit()
    return db.session.scalars(select(PrintJob).order_by(PrintJob.id)).all()


def test_an_educator_cannot_print_another_team_by_naming_their_own_in_the_address(app, world, launched):
    """Eve supports team A only. However the two places are filled, team B is never printed."""
    educator = sign_in(app.test_client(), world.educator)
    a, b = world.team_a.id, world.team_b.id
    before = _jobs()
    tries = [
        (f"/team/print?team={a}", {"team": str(b), "scope": "all"}, {}),
        (f"/team/print?team={a}", {"team": str(b), "scope": "all"}, HTMX),
        (f"/team/print?team={a}", {"team": str(b), "scope": "selected", "person": str(world.other_learner.id)}, HTMX),
        (f"/team/print?team={a}", {"team": str(b), "scope": "selected", "person": str(world.other_learner.id)}, {}),
        ("/team/print?team=", {"team": str(b), "scope": "all"}, {}),
        ("/team/print?team=", {"team": str(b), "scope": "all"}, HTMX),
        (f"/team/print?team={a}&team={b}", {"team": [str(a), str(b)], "scope": "all"}, {}),
    ]
    for url, form, headers in tries:
        response = educator.post(url, data=form, headers=headers)
        assert response.status_code in (400, 403), (url, form, headers, response.status_code)
        assert "HX-Redirect" not in response.headers and "Location" not in response.headers
        assert _jobs() == before, (url, form, headers)
    # The conflicting ones are refused for the conflict itself, before any guard.
    for url, form, headers in tries[:6]:
        assert educator.post(url, data=form, headers=headers).status_code == 400, (url, form)
    # Team B in the form only: the team guard refuses it.
    for headers in ({}, HTMX):
        response = educator.post("/team/print", data={"team": str(b), "scope": "all"}, headers=headers)
        assert response.status_code == 403
    assert _jobs() == before and launched == []


def test_the_same_team_in_both_places_prints_that_team_only(app, world, launched):
    educator = sign_in(app.test_client(), world.educator)
    a = world.team_a.id
    response = educator.post(f"/team/print?team={a}", data={"team": str(a), "scope": "all"})
    assert response.status_code == 303
    [job] = _jobs()
    assert response.headers["Location"].endswith(f"/team/print/{job.id}")
    assert launched == [job.id]
    team_a = set(db.session.scalars(select(Person.id).where(Person.team_id == a)))
    assert set(job.person_ids) <= team_a and world.learner.id in job.person_ids
    assert world.other_learner.id not in job.person_ids
    # And by htmx, with a person of team A ticked.
    response = educator.post(f"/team/print?team={a}&scope=selected", data={
        "team": str(a), "scope": "selected", "person": str(world.learner.id)}, headers=HTMX)
    assert response.status_code == 204 and "HX-Redirect" in response.headers
    assert _jobs()[-1].person_ids == [world.learner.id]
