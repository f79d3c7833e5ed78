"""Several web servers, one database (issue 19, item 3): two real gunicorn servers of the same trust, on their own
ports, with the same database, SECRET_KEY and UPLOAD_FOLDER, as behind a load balancer. Nothing one process keeps may
change what a person sees on the other:

- a kept passport page, a kept team matrix and the admin home's figures, each looked at on server B first (so B keeps
  them), then changed by a write through server A, show the change on B at once;
- the sign-in throttle counts wrong passwords sent to both servers together;
- a form's one-time token taken on one server is refused on the other;
- signing out on one server signs that session out on the other.

Waits are on what the servers answer, never on time."""
from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

from tests.conftest import PG_URL, TODAY, _pg_admin_engine, _pg_url_for, base_config

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60
SECRET = "several-servers-secret-" + "k3y" * 12


class Server:
    """One gunicorn server of the trust (one worker, a few threads: its own process, its own memory)."""

    def __init__(self, name: str, url: str, uploads: Path):
        from tests.views.test_two_instances import _free_port

        self.name = name
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ, SKILLPASS_DATABASE_URL=url, SKILLPASS_SECRET_KEY=SECRET,
                        SKILLPASS_TODAY=TODAY.isoformat(), SKILLPASS_UPLOAD_FOLDER=str(uploads),
                        SKILLPASS_SIGN_IN_IP_LIMIT="1000000", SKILLPASS_SIGN_IN_EMAIL_LIMIT="5",
                        SKILLPASS_ENV="development", SKILLPASS_CACHE_PAGES="1")
        self.env.pop("SKILLPASS_TEST_DATABASE_URL", None)
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--no-control-socket", "--workers", "1", "--threads", "4",
             "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", "app:app"], cwd=ROOT, env=self.env)

    def wait(self, tries: int = 1500):
        for _ in range(tries):
            if self.process.poll() is not None:
                raise AssertionError(f"server {self.name} stopped: exit {self.process.returncode}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                try:
                    self.process.wait(timeout=0.2)     # not listening yet: wait on the process, not a clock
                except subprocess.TimeoutExpired:
                    pass
        raise AssertionError(f"server {self.name} never became healthy")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def trust(migrated_template, tmp_path_factory):
    """One migrated database with a small trust in it, and two servers A and B over it."""
    from skillpass import create_app
    from skillpass.extensions import db
    from tests import factories

    folder = tmp_path_factory.mktemp("several")
    uploads = folder / "uploads"
    uploads.mkdir()
    pg_name = None
    if PG_URL:
        pg_name = f"sp_s_{uuid.uuid4().hex[:10]}"
        with _pg_admin_engine().connect() as conn:
            conn.execute(__import__("sqlalchemy").text(
                f'CREATE DATABASE "{pg_name}" TEMPLATE "{migrated_template}" STRATEGY FILE_COPY'))
        url = _pg_url_for(pg_name)
    else:
        shutil.copy(migrated_template, folder / "trust.db")
        url = f"sqlite:///{folder / 'trust.db'}"
    app = create_app(base_config(url, folder))
    with app.app_context():
        world = factories.world()
        ids = {"learner": world.learner.id, "other": world.other_learner.id, "fire": world.fire.id,
               "stress": world.stress.id, "team_a": world.team_a.id}
        db.session.remove()
        db.engine.dispose()
    servers = [Server("A", url, uploads), Server("B", url, uploads)]
    try:
        for server in servers:
            server.wait()
        yield servers[0], servers[1], ids
    finally:
        for server in servers:
            server.stop()
        if pg_name:
            with _pg_admin_engine().connect() as conn:
                conn.execute(__import__("sqlalchemy").text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


def _signed_in(server: Server, email: str, session: requests.Session | None = None) -> requests.Session:
    from tests import factories
    from tests.views.test_two_instances import _hidden

    session = session or requests.Session()
    page = session.get(f"{server.url}/sign-in", timeout=TIMEOUT).text
    response = session.post(f"{server.url}/sign-in", timeout=TIMEOUT, allow_redirects=False,
                            data={**_hidden(page, "/sign-in"), "email": email, "password": factories.PASSWORD})
    assert response.status_code == 303, response.text[:500]
    return session


def _csrf(page: str) -> str:
    match = (re.search(r'name="csrf_token" value="([^"]+)"', page)
             or re.search(r"X-CSRFToken&#34;: &#34;([^&]+)&#34;", page))
    assert match, "no CSRF token on the page"
    return match.group(1)


def _record_form(session: requests.Session, server: Server, person_id: int, item_id: int) -> tuple[str, dict]:
    """The Record form as the passport page fetches it (htmx), and what sending it takes (CSRF, one-time token)."""
    url = f"/people/{person_id}/passport/items/{item_id}/record"
    passport = session.get(f"{server.url}/passport", timeout=TIMEOUT).text
    form = session.get(server.url + url, headers={"HX-Request": "true"}, timeout=TIMEOUT)
    assert form.status_code == 200, form.text[:500]
    token = re.search(r'name="submission" value="([^"]+)"', form.text).group(1)
    return url, {"completed_on": "2026-02-20", "method": "here", "note": "several servers",
                 "csrf_token": _csrf(passport), "submission": token}


def _text(response: requests.Response) -> str:
    assert response.status_code == 200, (response.status_code, response.text[:500])
    return html.unescape(response.text)


def _met(home: str) -> int:
    """The admin home's count of due items in date."""
    return int(re.search(r"compliant: (\d+) of \d+ due items in date", home).group(1))


def _row(page: str, item_id: int) -> str:
    """The passport's row of one item."""
    at = page.index(f'<tr id="item-{item_id}"')
    return page[at:page.index("</tr>", at)]


def test_a_write_on_one_server_shows_at_once_on_the_other_kept_pages_and_figures(trust):
    a, b, ids = trust
    learner_a = _signed_in(a, "lee@example.test")
    learner_b = _signed_in(b, "lee@example.test")
    educator_b = _signed_in(b, "eve@example.test")
    admin_b = _signed_in(b, "ada@example.test")
    team = f"/team/?team={ids['team_a']}"

    # Server B looks first (twice: the second look is served from what B keeps).
    for _ in range(2):
        before = _text(learner_b.get(f"{b.url}/passport", timeout=TIMEOUT))
        matrix_before = _text(educator_b.get(b.url + team, timeout=TIMEOUT))
        home_before = _text(admin_b.get(f"{b.url}/admin/", timeout=TIMEOUT))
    assert "20 Feb 2026" not in _row(before, ids["fire"])
    met_before = _met(home_before)

    # The learner records Fire safety through server A.
    url, form = _record_form(learner_a, a, ids["learner"], ids["fire"])
    saved = learner_a.post(a.url + url, data=form, timeout=TIMEOUT, allow_redirects=False)
    assert saved.status_code in (200, 303), saved.text[:500]

    # Server B shows it at once: the passport page it kept, and the team matrix it kept.
    after = _text(learner_b.get(f"{b.url}/passport", timeout=TIMEOUT))
    assert "Completed here, 20 Feb 2026" in _row(after, ids["fire"]), _row(after, ids["fire"])
    matrix_after = _text(educator_b.get(b.url + team, timeout=TIMEOUT))
    assert "Lee Learner, Fire safety: </span>Overdue" in matrix_before
    assert "Lee Learner, Fire safety: </span>Complete<span class=\"app-cell__date\">Expires 20 Feb 2028" in matrix_after
    # The admin home on B: the new count at once (counted afresh over the kept dates after any write, never stale).
    home = _text(admin_b.get(f"{b.url}/admin/", timeout=TIMEOUT))
    assert _met(home) == met_before + 1, "old figures shown on server B"


def test_the_sign_in_throttle_counts_both_servers_together(trust):
    from tests.views.test_two_instances import _hidden

    a, b, _ = trust
    email = "olu@example.test"      # a real account: the right password is refused once the limit is reached
    for attempt in range(5):        # SIGN_IN_EMAIL_LIMIT=5 wrong passwords, sent to A and B in turn
        server = (a, b)[attempt % 2]
        session = requests.Session()
        page = session.get(f"{server.url}/sign-in", timeout=TIMEOUT).text
        wrong = session.post(f"{server.url}/sign-in", timeout=TIMEOUT, allow_redirects=False,
                             data={**_hidden(page, "/sign-in"), "email": email, "password": "not the password"})
        assert wrong.status_code == 422, (attempt, wrong.status_code)
    for server in (a, b):           # each server saw two or three: together they reached the limit
        session = requests.Session()
        page = session.get(f"{server.url}/sign-in", timeout=TIMEOUT).text
        from tests import factories

        right = session.post(f"{server.url}/sign-in", timeout=TIMEOUT, allow_redirects=False,
                             data={**_hidden(page, "/sign-in"), "email": email, "password": factories.PASSWORD})
        assert right.status_code == 429, (server.name, right.status_code)


def test_a_one_time_form_token_taken_on_one_server_is_refused_on_the_other(trust):
    a, b, ids = trust
    learner = _signed_in(a, "lee@example.test")
    url, form = _record_form(learner, a, ids["learner"], ids["stress"])
    first = learner.post(b.url + url, data=form, timeout=TIMEOUT, allow_redirects=False)
    assert first.status_code in (200, 303), first.text[:500]
    again = learner.post(a.url + url, data=form, timeout=TIMEOUT, allow_redirects=False)
    assert again.status_code == 422, (again.status_code, again.text[:500])
    assert "This form was sent twice" in html.unescape(again.text)


def test_signing_out_on_one_server_signs_the_session_out_on_the_other(trust):
    a, b, ids = trust
    session = _signed_in(a, "oscar@example.test")
    copy = requests.Session()
    copy.cookies.update(session.cookies)          # the same browser's cookie, as a load balancer passes it on
    assert copy.get(f"{b.url}/sign-off/", timeout=TIMEOUT, allow_redirects=False).status_code == 200
    page = session.get(f"{a.url}/sign-off/", timeout=TIMEOUT).text
    out = session.post(f"{a.url}/sign-out", data={"csrf_token": _csrf(page)}, timeout=TIMEOUT, allow_redirects=False)
    assert out.status_code == 303
    refused = copy.get(f"{b.url}/sign-off/", timeout=TIMEOUT, allow_redirects=False)
    assert refused.status_code in (302, 303) and "/sign-in" in refused.headers["Location"], refused.status_code
