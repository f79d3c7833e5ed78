"""A malformed-input test walks every route with overflowing ids, NUL bytes, control characters, huge
fields and impossible dates, and sees no 500.

Each route is walked by an actor the access table (test_route_permissions.EXPECTED) lets in: an admin
where admins may go, the learner on the learner's own forms, the educator on their own bulk print;
public routes are walked signed out too. Every parameter name the app reads is set to one hostile value
at a time (all the names at once), as the query string of a GET and the form body of a POST, as a page
and as an htmx request. Every id in the URL is also replaced in turn by numbers no database id can be.

Each route gets its own database (the test is parametrized by endpoint), so a request that removes or
signs out cannot hide a later route's answer.
"""
from __future__ import annotations

import io
import re
import traceback

import pytest
import werkzeug.test
from flask import url_for
from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.inputs import CONTROL_MESSAGE
from skillpass.models import Entry, InformalEntry, Person
from tests import factories
from tests.conftest import HTMX, sign_in
from tests.views.test_route_permissions import ENDS_SESSION, EXPECTED, METHODS, OK, OVERRIDES, _params, _rules

# Every name a form or a filter of the app reads (and a few it might).
PARAMETER_NAMES = (
    "team", "person", "entry", "template", "template_id", "section_id", "page", "q", "job_role", "role", "status",
    "from", "to", "kind", "days", "format", "scope", "action", "decision", "reason", "note", "title", "name",
    "email", "employee_number", "description", "corporate_lead", "code", "organisation_name", "warning_days",
    "max_upload_mb", "completed_on", "hours", "reflection", "equivalent_source", "method", "offset_amount",
    "offset_unit", "frequency_months", "direction", "token", "filename", "confirmed", "active", "start_date",
    "password",
    # Also read somewhere in the app.
    "next", "actor", "confirm", "current_password", "new_password", "mandatory", "prior_learning_accepted",
    "starter_sections", "evidence", "expires_on", "item", "team_id", "out", "file",
    # Credit across passports (issue 17, part C)
    "source_kind", "source_item", "source_qualification", "target",
    "standing", "no_team",      # the people behind a qualification count (issue 17, part B)
)

HOSTILE = {
    "NUL": "\x00",
    "NUL inside": "a\x00b",
    "controls": "\x01\x0b\x1b",
    "40 nines": "9" * 40,
    "5,000 nines": "9" * 5000,          # past Python's int() digit limit
    "1e-999999": "1e-999999",          # a number with an exponent no database column holds
    "2**63": str(2**63),
    "-1": "-1",
    "NaN": "NaN",
    "Infinity": "Infinity",
    "9999-12-31": "9999-12-31",
    "0001-01-01": "0001-01-01",
    "2026-02-30": "2026-02-30",
    "200,000 characters": "x" * 200_000,
    "noncharacter": "\ud7ff\uffff",
}

OVERFLOWING_IDS = (2**31, 2**63, 10**30)

# Where the route's guard reads "team" before the view does, a hostile team is refused there (403): the
# walk is done once more without it, so the view itself meets the other values.
TEAM_GUARDED = {"team.index", "team.trend", "team.export_matrix", "team.export_records", "team.print_start",
                "team.standing", "team.export_standing"}

# The order in which actors are preferred for a route: the one with most reach first.
PREFERRED_ACTORS = ("admin", "learner", "educator", "other_learner", "other_educator")

def actors_for(endpoint: str) -> list[str]:
    """Who walks a route: the first actor the table allows, and anonymous as well on a public route."""
    row = EXPECTED[endpoint]
    actors = [next(actor for actor in PREFERRED_ACTORS if row[actor] == OK)]
    if row["anonymous"] == OK:
        actors.append("anonymous")
    return actors


def _url_for(app, rule, params: dict, **replace) -> str:
    override = OVERRIDES.get(rule.endpoint, {})
    values = {name: params[override.get(name, name)] for name in rule.arguments}
    values.update(replace)
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def _where(error: BaseException) -> str:
    """The innermost line of the app's own code in the traceback, and the error."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "/skillpass/" in f.filename]
    frame = frames[-1] if frames else traceback.extract_tb(error.__traceback__)[-1]
    return f"{type(error).__name__}: {str(error)[:200]} at {frame.filename}:{frame.lineno} ({frame.line})"


class Walk:
    """Sends requests as one actor; collects what went wrong."""

    def __init__(self, app, world, actor: str, endpoint: str):
        self.app, self.world, self.actor, self.endpoint = app, world, actor, endpoint
        self.failures: list[str] = []
        self.sent = 0
        self.client = self._new_client()

    def _new_client(self):
        client = self.app.test_client()
        return client if self.actor == "anonymous" else sign_in(client, getattr(self.world, self.actor))

    def send(self, method: str, url: str, *, what: str, data: dict | None = None, htmx: bool = False,
             expect: set[int] | None = None) -> int | None:
        headers = HTMX if htmx else {}
        kind = "htmx" if htmx else "page"
        shown = url if len(url) < 160 else url[:160] + "…"
        self.sent += 1
        try:
            if method == "GET":
                response = self.client.get(url, query_string=data, headers=headers)
            else:
                extra = {}
                if data and any(len(v) > 100_000 for v in data.values()):
                    # A body this large is refused whole (413) when form-encoded; as multipart each field is
                    # read on its own, so the views meet it.
                    extra["content_type"] = "multipart/form-data"
                response = self.client.post(url, data=data or {}, headers=headers, **extra)
        except Exception as error:   # the test client re-raises what would be a 500
            self.failures.append(f"{self.actor} {method} {shown} [{self.endpoint}, {kind}, {what}]: raised "
                                 f"{_where(error)}")
            status = None
        else:
            status = response.status_code
            response.close()   # a streamed export holds its request context until closed
            if status >= 500 or (expect is not None and status not in expect):
                wanted = f"expected {' or '.join(map(str, sorted(expect)))}" if expect else "expected < 500"
                self.failures.append(f"{self.actor} {method} {shown} [{self.endpoint}, {kind}, {what}]: "
                                     f"{wanted}, got {status}")
        if self.endpoint in ENDS_SESSION and self.actor != "anonymous":
            self.client = self._new_client()
        return status


def _walk(app, world, endpoint: str, params: dict) -> tuple[list[str], int]:
    """What went wrong walking one route, and how many requests were sent."""
    failures: list[str] = []
    sent = 0
    [rule] = [r for r in _rules(app) if r.endpoint == endpoint]
    methods = [m for m in METHODS if m in rule.methods]
    # Where another route has the same address with other methods (the informal log: GET to read, POST to
    # add), Werkzeug's matcher checks the method before the converter: an id too large for any route is
    # then answered 405 (with Allow naming the other route's methods) rather than 404. Either says "no".
    shares_its_address = any(r.rule == rule.rule and r.endpoint != endpoint for r in app.url_map.iter_rules())
    not_found = {404, 405} if shares_its_address else {404}
    for actor in actors_for(endpoint):
        walk = Walk(app, world, actor, endpoint)
        # Ids no database holds: "not found", never an overflow.
        for name in rule.arguments:
            for big in OVERFLOWING_IDS:
                url = _url_for(app, rule, params, **{name: big})
                for method in methods:
                    walk.send(method, url, what=f"{name}={big}", expect=not_found)
        url = _url_for(app, rule, params)
        names_sets = [("every name", PARAMETER_NAMES)]
        if endpoint in TEAM_GUARDED:
            names_sets.append(("every name but team", tuple(n for n in PARAMETER_NAMES if n != "team")))
        for label, value in HOSTILE.items():
            for names_label, names in names_sets:
                data = dict.fromkeys(names, value)
                for method in methods:
                    for htmx in (False, True):
                        walk.send(method, url, what=f"{label}, {names_label}", data=data, htmx=htmx)
        # A walk that passed because its actor was signed out part way would prove little.
        if actor != "anonymous" and walk.client.get("/passport").status_code != 200:
            failures.append(f"{actor} was signed out by the walk of {endpoint}")
        failures += walk.failures
        sent += walk.sent
        expected = len(methods) * (len(rule.arguments) * len(OVERFLOWING_IDS) + len(HOSTILE) * len(names_sets) * 2)
        assert walk.sent == expected, (endpoint, actor, walk.sent, expected)
    return failures, sent


@pytest.fixture
def quick_cookie_matching(monkeypatch):
    """The test client works out each request's whole address, query string included, twice, only to
    match cookies by host and path: with every name set to 200,000 characters (a 12 MB query string)
    that was most of the walk's time. It is given the address without its query."""
    whole_url = werkzeug.test.get_current_url

    def without_a_long_query(environ, *args, **kwargs):
        if len(environ.get("QUERY_STRING", "")) > 10_000:
            environ = {**environ, "QUERY_STRING": ""}
        return whole_url(environ, *args, **kwargs)

    monkeypatch.setattr(werkzeug.test, "get_current_url", without_a_long_query)


def test_the_walk_covers_every_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints == set(EXPECTED), "test_route_permissions.EXPECTED must name every route"
    for endpoint in EXPECTED:
        assert actors_for(endpoint), endpoint


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_no_route_answers_500_to_malformed_input(app, world, endpoint, quick_cookie_matching):
    params = _params(world)
    failures, sent = _walk(app, world, endpoint, params)
    assert sent >= 2 * len(HOSTILE)
    assert failures == [], f"\n{len(failures)} failures:\n" + "\n".join(failures)


# ---------------------------------------------------------------- focused cases

def test_a_nul_byte_in_the_sign_in_email_is_refused_not_a_crash(app, world):
    for headers in ({}, HTMX):
        client = app.test_client()
        response = client.post("/sign-in", data={"email": "lee\x00@example.test", "password": factories.PASSWORD},
                               headers=headers)
        assert response.status_code in (400, 422), response.status_code
        assert client.get("/passport").status_code == 302   # still signed out
    # The same on the address's "next", which is read too.
    response = app.test_client().post("/sign-in?next=/passport%00", data={
        "email": world.learner.email, "password": factories.PASSWORD})
    assert response.status_code in (303, 400)


@pytest.mark.parametrize("hours", ["NaN", "sNaN", "Infinity", "-Infinity", "1e999999", "-1"])
def test_informal_hours_that_are_no_number_of_hours_are_refused_next_to_the_field(app, world, hours):
    learner = sign_in(app.test_client(), world.learner)
    url = f"/people/{world.learner.id}/passport/informal"
    form = {"title": "Read the falls policy", "completed_on": "2026-02-27", "hours": hours, "reflection": ""}
    for headers in ({}, HTMX):
        response = learner.post(url, data=form, headers=headers)
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        error = re.search(r'<span class="nhsuk-error-message" id="informal-hours-error">.*?</span> (.*?)</span>',
                          html, re.S)
        assert error, "no message next to the hours field"
        assert error.group(1).startswith("Enter hours"), error.group(1)
        # The input is kept as typed.
        assert re.search(rf'id="informal-hours" name="hours" type="text"\s+value="{re.escape(hours)}"', html)
    assert db.session.scalar(select(func.count()).select_from(InformalEntry)) == 0


def test_informal_hours_too_small_to_store_are_kept_as_what_they_are(app, world):
    """1e-999999 hours is a number, but no database column holds its exponent (PostgreSQL refused it): it is
    kept as stored, to the hundredth of an hour."""
    from decimal import Decimal

    learner = sign_in(app.test_client(), world.learner)
    response = learner.post(f"/people/{world.learner.id}/passport/informal", data={
        "title": "Read the falls policy", "completed_on": "2026-02-27", "hours": "1e-999999", "reflection": ""})
    assert response.status_code == 303
    [entry] = db.session.scalars(select(InformalEntry)).all()
    assert entry.hours == Decimal("0.00")


@pytest.mark.parametrize("query", ["to=9999-12-31", "from=0001-01-01", "to=2026-02-30", "from=9999-12-31&to=2026-01-01",
                                   "from=-1&to=NaN"])
def test_audit_dates_at_the_ends_of_the_calendar_are_a_message_not_a_crash(app, world, query):
    admin = sign_in(app.test_client(), world.admin)
    for headers in ({}, HTMX):
        response = admin.get(f"/admin/audit?{query}", headers=headers)
        assert response.status_code in (200, 422)
        html = response.get_data(as_text=True)
        assert "Enter a real date" in html or "Enter a date between" in html or "on or after the start date" in html


PEOPLE_HEADER = "employee_number,name,email,job_role,team,start_date,role"
COMPLETIONS_HEADER = "employee_number,item,completed_on,expires_on"


def _upload(client, url: str, content: str, name: str):
    return client.post(url, data={"file": (io.BytesIO(content.encode("utf-8")), name)},
                       content_type="multipart/form-data")


def _problems(html: str) -> list[tuple[str, str, str]]:
    """(row, column, reason) of the problems table of an import page."""
    cells = re.findall(r'<tr class="nhsuk-table__row"><td class="nhsuk-table__cell">(\d+)</td>'
                       r'<td class="nhsuk-table__cell">([^<]*)</td><td class="nhsuk-table__cell">([^<]*)</td>', html)
    return [(r, c, t.replace("&#39;", "'")) for r, c, t in cells]


@pytest.mark.parametrize("kind", ["people", "completions"])
@pytest.mark.parametrize("case", ["long cell", "NUL"])
def test_an_import_file_the_csv_reader_cannot_read_is_a_422_page_that_says_why(app, world, kind, case):
    admin = sign_in(app.test_client(), world.admin)
    number = world.learner.employee_number
    long = "x" * 131_073
    if kind == "people":
        url, header = "/admin/import/people", PEOPLE_HEADER
        good = "E1,Ann,ann@example.test,,,2026-01-05,"
        bad = (f"E2,{long},bea@example.test,,,2026-01-05," if case == "long cell"
               else "E2,Be\x00a,bea@example.test,,,2026-01-05,")
    else:
        url, header = "/admin/import/completions", COMPLETIONS_HEADER
        good = f"{number},CSTF-FIRE,2025-03-14,"
        bad = f"{number},{long},2025-03-14," if case == "long cell" else f"{number},CSTF-FI\x00RE,2025-03-14,"
    content = f"{header}\r\n{good}\r\n{bad}\r\n"
    before = (db.session.scalar(select(func.count()).select_from(Person)),
              db.session.scalar(select(func.count()).select_from(Entry)))
    response = _upload(admin, url, content, f"{kind}.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html[:500]
    assert "Nothing was imported" in html
    problems = _problems(html)
    if case == "long cell":
        assert any(r == "3" and "a cell is longer than 131,072 characters" in t for r, _, t in problems), problems
    else:
        assert any("NUL characters" in t for _, _, t in problems), problems
    assert 'name="token"' not in html
    assert (db.session.scalar(select(func.count()).select_from(Person)),
            db.session.scalar(select(func.count()).select_from(Entry))) == before


def test_a_control_character_in_a_record_note_is_refused_next_to_the_note_with_the_input_kept(app, world):
    learner = sign_in(app.test_client(), world.learner)
    fire = world.fire.id
    url = f"/people/{world.learner.id}/passport/items/{fire}/record"
    form = {"completed_on": "2026-02-20", "method": "here", "note": "Done on the ward\x01 with Sam"}
    for headers in ({}, HTMX):
        response = learner.post(url, data=form, headers=headers)
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        error = re.search(rf'<span class="nhsuk-error-message" id="record-{fire}-note-error">.*?</span> (.*?)</span>',
                          html, re.S)
        assert error, "no message next to the note"
        assert error.group(1).startswith("This held hidden control characters")
        assert error.group(1) == CONTROL_MESSAGE
        note = re.search(rf'<textarea[^>]*id="record-{fire}-note"[^>]*>(.*?)</textarea>', html, re.S)
        assert note and note.group(1) == "Done on the ward with Sam"   # kept, without what cannot be shown
        # The date and the method typed are kept too.
        assert all(f'name="completed_on-{part}"' in html for part in ("day", "month", "year"))
        assert 'value="20"' in html and 'value="2"' in html and 'value="2026"' in html
    assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.person_id == world.learner.id)) == 0
