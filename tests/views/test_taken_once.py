"""Each form that creates something is taken once, however many times it is sent at once.

An outside probe sent the same form twenty times in parallel: twenty accepted entries, twenty
informal-learning posts, twenty identical rules; unique-constraint 500s from "Add a person", the
people import and "Create a template"; a completions import added each row several times. Every
creating form now carries a one-time token (``submission``) claimed in the same transaction as what
it creates (services/submissions.py), and an import's confirmation claims its preview's ``token``.

Here each form is drawn as its page draws it (GET, as the person who uses it), and that one form,
its token included, is sent 20 times at once, from 20 threads that start together (a barrier), each
a signed-in client of its own (the test client gives each request its own app context and database
session, as a worker would). Exactly one thing is made; nobody gets a 500; the others are told that
the form was sent twice. Different forms racing for one unique value (an email, a template or team
name) make one thing and answer the rest 422 or 409. A form without a token is refused in place;
a form refused for what it holds keeps its token, so the corrected form can be sent.

The tests pass ``submission`` explicitly: tests/conftest.py's IsolatedClient adds a new token to
any dict form lacking one, which would make every parallel sending a different form.

SQLite runs with the app's default busy timeout (pysqlite's 5 seconds, nothing set here): the
losers of a race wait for the winner's write lock and then find the token taken. Runs on
PostgreSQL too (scripts/with-postgres.sh), where the losers wait on the token's primary key.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Callable

import pytest
from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.models import (
    AssignmentRule,
    Entry,
    EntryMethod,
    InformalEntry,
    Item,
    PassportTemplate,
    Person,
    PrintJob,
    Section,
    Team,
)
from skillpass.print import bulk as bulk_print
from skillpass.services.assignment_rules import rule_fingerprint
from skillpass.services.submissions import ALREADY, OUT_OF_DATE, new_token
from tests.conftest import sign_in
from tests.views.date_boxes import shows_date

N = 20                  # copies of one form sent at once
CLASH = 10              # different forms racing for one unique value
TOKEN = re.compile(r"[A-Za-z0-9_-]{22,64}")

SENT_TWICE = "This form was sent twice"
PERSON_ADDED_TWICE = ("This form was sent twice: the person was added the first time, and not again. Find them "
                      "under People; if you did not see their temporary password, set a new one from their page.")
PRINT_TWICE = "This print was asked for twice"
IMPORT_TWICE = "This import has already been confirmed"
EXPIRED = "That preview has expired"
RACE_409 = "Someone else saved the same thing at the same moment"


# --------------------------------------------------------------------------- helpers


class _Forms(HTMLParser):
    """The forms of a page: each one's action and hidden inputs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._open = {"action": a.get("action") or "", "hidden": {}}
            self.forms.append(self._open)
        elif tag == "input" and self._open is not None and a.get("type") == "hidden" and a.get("name"):
            self._open["hidden"][a["name"]] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def _form(html: str, action: str) -> dict[str, str]:
    """The hidden fields of the page's form that posts to *action* (its #anchor ignored)."""
    parser = _Forms()
    parser.feed(html)
    found = [f["hidden"] for f in parser.forms if f["action"].split("#")[0] == action]
    assert len(found) == 1, f"{len(found)} forms post to {action}: {[f['action'] for f in parser.forms]}"
    return found[0]


def _token_of(html: str, action: str) -> str:
    hidden = _form(html, action)
    assert "submission" in hidden, f"the form posting to {action} carries no one-time token"
    token = hidden["submission"]
    assert TOKEN.fullmatch(token), token
    return token


def _clients(app, person, n: int) -> list:
    return [sign_in(app.test_client(), person) for _ in range(n)]


@dataclass
class Sent:
    status: int
    body: str
    location: str
    client: object


def _at_once(app, clients, send: Callable) -> list[Sent]:
    """send(client) from one thread per client, all released together; every answer, read in its thread."""
    db.session.commit()     # the test's own work is in, and its session holds no transaction open
    barrier = threading.Barrier(len(clients), timeout=30)
    results: list = [None] * len(clients)

    def run(i: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                response = send(clients[i])
                results[i] = Sent(response.status_code, response.get_data(as_text=True),
                                  response.headers.get("Location", ""), clients[i])
        except BaseException as error:   # anything else fails the test below
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,), name=f"sending-{i}") for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    assert not any(t.is_alive() for t in threads), "a request hung"
    failed = [r for r in results if not isinstance(r, Sent)]
    assert not failed, failed
    db.session.expire_all()
    return results


def _flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _, message in session.get("_flashes", [])]


def _no_500(results: list[Sent]) -> None:
    errors = [(r.status, r.body[:300]) for r in results if r.status >= 500]
    assert not errors, f"{len(errors)} of {len(results)} answered 5xx: {errors[:3]}"


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --------------------------------------------------------------------------- the forms


@dataclass
class Case:
    actor: str                          # who uses the form: an attribute of the world
    page: str                           # the page that draws it
    action: str                         # where it posts
    data: dict
    made: Callable[[], int]             # how many of the thing it makes there are
    won: int = 303                      # the winner's answer
    flashed: str | None = None          # losers are told by a flash after a 303 (else in place, 422)
    extra: dict = field(default_factory=dict)


def _item_form(section) -> dict:
    return {"title": "Hand hygiene", "description": "", "corporate_lead": "Infection Control", "code": "HH",
            "frequency_months": "12", "kind": "learning", "evidence": "optional", "mandatory": "yes",
            "prior_learning_accepted": "yes", "section_id": str(section.id)}


def _record(w):
    url = f"/people/{w.learner.id}/passport/items/{w.stress.id}/record"
    return Case("learner", url, url, {"completed_on": "2026-02-20", "method": "here"},
                lambda: _count(Entry, Entry.person_id == w.learner.id, Entry.item_id == w.stress.id))


def _observed(w):
    url = f"/people/{w.learner.id}/passport/items/{w.competency.id}/observed"
    return Case("educator", url, url, {"completed_on": "2026-02-20"},
                lambda: _count(Entry, Entry.person_id == w.learner.id, Entry.item_id == w.competency.id))


def _informal(w):
    return Case("learner", "/passport", f"/people/{w.learner.id}/passport/informal",
                {"title": "Shadowed the ward manager", "completed_on": "2026-02-20", "hours": "2",
                 "reflection": "How a handover is run."},
                lambda: _count(InformalEntry, InformalEntry.person_id == w.learner.id))


def _rule(w):
    return Case("admin", "/admin/rules", "/admin/rules",
                {"template_id": str(w.template.id), "team": str(w.team_b.id),
                 "confirmed": rule_fingerprint(w.template.id, [w.team_b.id], [])},
                lambda: _count(AssignmentRule))


def _person(w):
    return Case("admin", "/people/new", "/people/new",
                {"name": "Nia New", "email": "nia@example.test", "employee_number": "E90001",
                 "job_role": "Porter", "team_id": str(w.team_a.id), "start_date": "2026-03-02", "role": "learner"},
                lambda: _count(Person, Person.email == "nia@example.test"), won=200)


def _team(w):
    return Case("admin", "/admin/teams", "/admin/teams", {"name": "Radiography"},
                lambda: _count(Team, Team.name == "Radiography"))


def _template(w):
    return Case("admin", "/admin/templates/", "/admin/templates/",
                {"name": "Ward passport", "description": "For the wards", "starter_sections": "yes"},
                lambda: _count(PassportTemplate, PassportTemplate.name == "Ward passport"))


def _copy(w):
    return Case("admin", f"/admin/templates/{w.template.id}", f"/admin/templates/{w.template.id}/copy",
                {"name": "AHP passport, second copy"},
                lambda: _count(PassportTemplate, PassportTemplate.name == "AHP passport, second copy"))


def _section(w):
    return Case("admin", f"/admin/templates/{w.template.id}", f"/admin/templates/{w.template.id}/sections",
                {"name": "Within a year", "offset_amount": "12", "offset_unit": "months"},
                lambda: _count(Section, Section.template_id == w.template.id, Section.name == "Within a year"))


def _item(w):
    return Case("admin", f"/admin/templates/{w.template.id}", f"/admin/templates/sections/{w.week2.id}/items",
                _item_form(w.week2), lambda: _count(Item, Item.title == "Hand hygiene"))


def _print(w):
    return Case("educator", "/team/", "/team/print", {"scope": "all"}, lambda: _count(PrintJob),
                flashed=PRINT_TWICE)


FORMS = {
    "passport.record": _record,
    "passport.observed": _observed,
    "passport.informal_add": _informal,
    "admin.rules": _rule,
    "people.new": _person,
    "admin.teams": _team,
    "editor.index": _template,
    "editor.copy": _copy,
    "editor.add_section": _section,
    "editor.add_item": _item,
    "team.print_start": _print,
}


@pytest.fixture
def no_pdf(monkeypatch):
    """A bulk print's PDF is made by a thread of its own after the request: not this test's business."""
    monkeypatch.setattr(bulk_print, "launch", lambda job_id, *, base_url: None)


# --------------------------------------------------------------------------- one form, sent 20 times at once


@pytest.mark.parametrize("endpoint", list(FORMS))
def test_one_form_sent_twenty_times_at_once_is_taken_once(app, world, no_pdf, endpoint):
    case = FORMS[endpoint](world)
    actor = getattr(world, case.actor)
    clients = _clients(app, actor, N)
    page = clients[0].get(case.page)
    assert page.status_code == 200, page.status_code
    hidden = _form(page.get_data(as_text=True), case.action)
    token = _token_of(page.get_data(as_text=True), case.action)
    data = {**{k: v for k, v in hidden.items() if k != "csrf_token"}, **case.data, "submission": token}
    before = case.made()

    results = _at_once(app, clients, lambda client: client.post(case.action, data=data))

    _no_500(results)
    assert case.made() == before + 1, f"{case.made() - before} made by {N} sendings of one form"
    winners = [r for r in results if r.status == case.won and (case.flashed or SENT_TWICE not in r.body)]
    if case.flashed:
        told = [r for r in results if r.status == 303 and case.flashed in " ".join(_flashes(r.client))]
        assert len(told) == N - 1, [(r.status, _flashes(r.client)) for r in results]
        [winner] = [r for r in results if r not in told]
        assert winner.status == case.won and re.search(r"/team/print/\d+$", winner.location), winner.location
    else:
        told = [r for r in results if r.status == 422 and SENT_TWICE in r.body]
        assert len(told) == N - 1, sorted((r.status, r.body[:200]) for r in results if r not in told)
        assert len(winners) == 1, [r.status for r in results]
        # The whole message, in place, as drawn (adding a person says where to find them and their password).
        expected = PERSON_ADDED_TWICE if case.action == "/people/new" else ALREADY
        assert expected in told[0].body
    # The token is spent: one more sending, later, is told the same and makes nothing.
    again = clients[0].post(case.action, data=data)
    assert again.status_code == (303 if case.flashed else 422)
    assert case.made() == before + 1


def test_each_creating_page_draws_each_form_with_a_token_of_its_own(app, world):
    """Two drawings of one page (two tabs) are two forms: their tokens differ."""
    for endpoint, make in FORMS.items():
        case = make(world)
        client = _clients(app, getattr(world, case.actor), 1)[0]
        first = _token_of(client.get(case.page).get_data(as_text=True), case.action)
        second = _token_of(client.get(case.page).get_data(as_text=True), case.action)
        assert first != second, endpoint


# --------------------------------------------------------------------------- different forms, one unique value


@pytest.mark.parametrize("what", ["person email", "template name", "team name"])
def test_different_forms_racing_for_one_unique_value_make_one_thing(app, world, what):
    if what == "person email":
        url, made = "/people/new", lambda: _count(Person, func.lower(Person.email) == "sam@example.test")

        def data(i):
            return {"name": f"Sam Same {i}", "email": "sam@example.test", "employee_number": f"E8{i:04d}",
                    "job_role": "", "team_id": "", "start_date": "2026-03-02", "role": "learner"}
    elif what == "template name":
        url, made = "/admin/templates/", lambda: _count(PassportTemplate, PassportTemplate.name == "Theatre passport")

        def data(i):
            return {"name": "Theatre passport", "description": f"Copy {i}", "starter_sections": "yes"}
    else:
        url, made = "/admin/teams", lambda: _count(Team, Team.name == "Radiology")

        def data(i):
            return {"name": "Radiology"}

    clients = _clients(app, world.admin, CLASH)
    forms = {id(c): {**data(i), "submission": new_token()} for i, c in enumerate(clients)}

    results = _at_once(app, clients, lambda client: client.post(url, data=forms[id(client)]))

    _no_500(results)
    assert made() == 1
    won = [r for r in results if r.status in (200, 303)]
    lost = [r for r in results if r.status in (409, 422)]
    assert len(won) == 1 and len(lost) == CLASH - 1, sorted(r.status for r in results)
    for r in lost:
        assert RACE_409 in r.body or "already" in r.body, r.body[:500]


# --------------------------------------------------------------------------- a form without a token


NO_TOKEN = {
    # form, what was typed (and must be shown again), what it makes
    "people.new": ("/people/new", "/people/new",
                   {"name": "Tomasz Token", "email": "tomasz@example.test", "employee_number": "E91001",
                    "job_role": "Porter", "team_id": "", "start_date": "2026-03-02", "role": "learner"},
                   ("Tomasz Token", "tomasz@example.test"),
                   lambda w: _count(Person, Person.email == "tomasz@example.test")),
    "admin.teams": ("/admin/teams", "/admin/teams", {"name": "Dietetics"}, ('value="Dietetics"',),
                    lambda w: _count(Team, Team.name == "Dietetics")),
    "editor.index": ("/admin/templates/", "/admin/templates/",
                     {"name": "Porter passport", "description": "Kept as typed"},
                     ('value="Porter passport"', ">Kept as typed</textarea>"),
                     lambda w: _count(PassportTemplate, PassportTemplate.name == "Porter passport")),
}


@pytest.mark.parametrize("token", ["", "not a token", "x" * 10])
@pytest.mark.parametrize("endpoint", list(NO_TOKEN))
def test_a_form_without_a_token_is_refused_in_place_then_sent_again(as_admin, world, endpoint, token):
    page, action, data, kept, made = NO_TOKEN[endpoint]
    refused = as_admin.post(action, data={**data, "submission": token})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert OUT_OF_DATE in html
    for typed in kept:
        assert typed in html, typed
    assert made(world) == 0
    # The form drawn again carries a token: sent as it stands, it is taken.
    fresh = _token_of(html, action)
    assert fresh != token
    sent = as_admin.post(action, data={**data, "submission": fresh})
    assert sent.status_code in (200, 303), sent.get_data(as_text=True)[:500]
    assert made(world) == 1


def test_the_record_and_informal_forms_without_a_token_are_refused_in_place(as_learner, world):
    record = f"/people/{world.learner.id}/passport/items/{world.stress.id}/record"
    refused = as_learner.post(record, data={"completed_on": "2026-02-19", "method": "here", "note": "Kept note",
                                            "submission": ""})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and OUT_OF_DATE in html and "Kept note" in html and shows_date(html, "2026-02-19")
    assert _count(Entry, Entry.item_id == world.stress.id) == 0
    sent = as_learner.post(record, data={"completed_on": "2026-02-19", "method": "here",
                                         "submission": _token_of(html, record)})
    assert sent.status_code == 303 and _count(Entry, Entry.item_id == world.stress.id) == 1

    informal = f"/people/{world.learner.id}/passport/informal"
    refused = as_learner.post(informal, data={"title": "Read the falls policy", "completed_on": "2026-02-19",
                                              "submission": ""})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and OUT_OF_DATE in html and 'value="Read the falls policy"' in html
    assert _count(InformalEntry) == 0
    sent = as_learner.post(informal, data={"title": "Read the falls policy", "completed_on": "2026-02-19",
                                           "submission": _token_of(html, informal)})
    assert sent.status_code == 303 and _count(InformalEntry) == 1


# --------------------------------------------------------------------------- refused for its content: the token is kept


def test_a_form_refused_for_what_it_holds_can_be_sent_again_with_its_token(app, world):
    learner = _clients(app, world.learner, 1)[0]
    admin = _clients(app, world.admin, 1)[0]
    informal = f"/people/{world.learner.id}/passport/informal"
    token = _token_of(learner.get("/passport").get_data(as_text=True), informal)

    refused = learner.post(informal, data={"title": "", "completed_on": "2026-02-19", "submission": token})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and OUT_OF_DATE not in html and SENT_TWICE not in html
    assert _count(InformalEntry) == 0
    # Drawn again with a new token; the one it was sent with was rolled back with everything else, unused.
    assert _token_of(html, informal) != token
    sent = learner.post(informal, data={"title": "Ward round", "completed_on": "2026-02-19", "submission": token})
    assert sent.status_code == 303 and _count(InformalEntry) == 1
    twice = learner.post(informal, data={"title": "Ward round", "completed_on": "2026-02-19", "submission": token})
    assert twice.status_code == 422 and SENT_TWICE in twice.get_data(as_text=True) and _count(InformalEntry) == 1

    # A refusal the service makes (after the token was claimed in its transaction) rolls the token back too.
    token = _token_of(admin.get("/admin/teams").get_data(as_text=True), "/admin/teams")
    clash = admin.post("/admin/teams", data={"name": world.team_a.name.upper(), "submission": token})
    assert clash.status_code == 422 and "There is already a team called" in clash.get_data(as_text=True)
    assert SENT_TWICE not in clash.get_data(as_text=True)
    assert _token_of(clash.get_data(as_text=True), "/admin/teams") != token     # drawn again with a new one
    assert admin.post("/admin/teams", data={"name": "Podiatry", "submission": token}).status_code == 303
    assert _count(Team, Team.name == "Podiatry") == 1

    section = f"/admin/templates/sections/{world.week2.id}/items"
    token = _token_of(admin.get(f"/admin/templates/{world.template.id}").get_data(as_text=True), section)
    bad = admin.post(section, data={**_item_form(world.week2), "title": "", "submission": token})
    assert bad.status_code == 422 and _count(Item, Item.title == "Hand hygiene") == 0
    assert _token_of(bad.get_data(as_text=True), section) != token
    good = admin.post(section, data={**_item_form(world.week2), "submission": token})
    assert good.status_code == 303 and _count(Item, Item.title == "Hand hygiene") == 1


# --------------------------------------------------------------------------- imports confirmed 20 times at once


ROWS = 30


def _upload(client, url: str, content: str, name: str):
    return client.post(url, data={"file": (io.BytesIO(content.encode("utf-8")), name)},
                       content_type="multipart/form-data")


def _confirm_at_once(app, world, start: str, confirm: str, content: str, name: str) -> list[Sent]:
    clients = _clients(app, world.admin, N)
    preview = _upload(clients[0], start, content, name)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html[:1000]
    hidden = _form(html, confirm)
    assert re.fullmatch(r"[0-9a-f]{32}", hidden["token"]), hidden
    data = {"token": hidden["token"], "filename": hidden["filename"]}
    return _at_once(app, clients, lambda client: client.post(confirm, data=data))


def _import_answers(results: list[Sent], *, done: str) -> None:
    """One import; every other confirmation is told, by a flash after a 303, that nothing more was imported."""
    _no_500(results)
    assert all(r.status == 303 for r in results), sorted(r.status for r in results)
    # The one that imports answers with the import's progress page (the import is a job: made at once in the
    # tests), which says the words as it moves on; the others are told at once.
    flashes = [" ".join(_flashes(r.client)) for r in results]
    winners = [r for r, f in zip(results, flashes) if not f]
    assert len(winners) == 1 and "/admin/import/runs/" in winners[0].location, flashes
    assert winners[0].client.get(winners[0].location).status_code == 303
    flashes = [" ".join(_flashes(r.client)) for r in results]
    assert sum(done in f for f in flashes) == 1, flashes
    losers = [f for f in flashes if done not in f]
    # Whether it raced the winner for the token or came after the winner had finished (and removed the
    # preview's file), every other confirmation is told the import was confirmed twice, not that it expired.
    assert losers and all(IMPORT_TWICE in f and EXPIRED not in f for f in losers), losers


def test_a_completions_import_confirmed_twenty_times_at_once_adds_each_row_once(app, world):
    number = world.learner.employee_number
    first = dt.date(2025, 1, 1)
    rows = [f"{number},CSTF-FIRE,{(first + dt.timedelta(days=n)).isoformat()}," for n in range(ROWS)]
    content = "employee_number,item,completed_on,expires_on\n" + "\n".join(rows) + "\n"

    results = _confirm_at_once(app, world, "/admin/import/completions", "/admin/import/completions/confirm",
                               content, "esr.csv")

    assert _count(Entry, Entry.method == EntryMethod.IMPORTED) == ROWS
    dates = db.session.scalars(select(Entry.completed_on).where(Entry.method == EntryMethod.IMPORTED)).all()
    assert len(set(dates)) == ROWS
    _import_answers(results, done=f"Imported esr.csv: {ROWS} completions added")


def test_a_people_import_confirmed_twenty_times_at_once_adds_each_person_once(app, world):
    before = _count(Person)
    rows = [f"E7{n:04d},Imported Person {n},imported{n}@example.test,Porter,Physiotherapy,2026-01-05,learner"
            for n in range(ROWS)]
    content = "employee_number,name,email,job_role,team,start_date,role\n" + "\n".join(rows) + "\n"

    results = _confirm_at_once(app, world, "/admin/import/people", "/admin/import/people/confirm",
                               content, "people.csv")

    assert _count(Person) == before + ROWS
    assert _count(Person, Person.email.like("imported%@example.test")) == ROWS
    _import_answers(results, done=f"Imported people.csv: {ROWS} added")


def test_no_two_forms_drawn_in_one_answer_share_a_token(app, world):
    """A section refused in place redraws the whole editor body, several creating forms in it: each has its
    own token, so adding an item there and then sending the corrected section are two sendings, both taken."""
    from tests.conftest import HTMX

    admin = _clients(app, world.admin, 1)[0]
    url = f"/admin/templates/{world.template.id}/sections"
    refused = admin.post(url, data={"name": "", "offset_amount": "2", "offset_unit": "weeks",
                                    "submission": new_token()}, headers=HTMX)
    assert refused.status_code == 422
    tokens = re.findall(r'name="submission" value="([^"]+)"', refused.get_data(as_text=True))
    assert len(tokens) >= 2 and len(set(tokens)) == len(tokens)
    item_token = _token_of(refused.get_data(as_text=True), f"/admin/templates/sections/{world.week2.id}/items")
    section_token = _token_of(refused.get_data(as_text=True), url)
    added = admin.post(f"/admin/templates/sections/{world.week2.id}/items",
                       data={**_item_form(world.week2), "submission": item_token}, headers=HTMX)
    assert added.status_code == 200
    section = admin.post(url, data={"name": "Within 3 months", "offset_amount": "3", "offset_unit": "months",
                                    "submission": section_token}, headers=HTMX)
    assert section.status_code == 200 and SENT_TWICE not in section.get_data(as_text=True)


def test_tokens_no_form_can_carry_are_forgotten_once_an_hour(app, db, world, monkeypatch):
    """A claim forgets the tokens older than KEPT_FOR, at most once an hour in each process (never on the
    requests whose queries are counted); the others are kept."""
    import datetime as dt
    import time

    from sqlalchemy import select

    from skillpass import clock
    from skillpass.models import FormSubmission
    from skillpass.services import submissions

    old, recent = submissions.new_token(), submissions.new_token()
    now = clock.now()
    db.session.add_all([FormSubmission(token=old, person_id=world.admin.id, endpoint="t", at=now - dt.timedelta(days=3)),
                        FormSubmission(token=recent, person_id=world.admin.id, endpoint="t", at=now)])
    db.session.commit()
    with app.test_request_context():
        submissions.claim(submissions.new_token(), actor=world.admin, endpoint="t")     # within the hour
        assert db.session.get(FormSubmission, old) is not None
        monkeypatch.setattr(submissions, "_last_forgotten", time.monotonic() - submissions.FORGET_EVERY - 1)
        submissions.claim(submissions.new_token(), actor=world.admin, endpoint="t")
        db.session.commit()
        kept = set(db.session.scalars(select(FormSubmission.token)))
    assert old not in kept and recent in kept
