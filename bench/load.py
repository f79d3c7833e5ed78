"""make load: 50 simulated people against gunicorn + PostgreSQL, then PostgreSQL
restarted under them; afterwards every entry is checked against what they did.

    scripts/with-postgres.sh python -m bench.load [--users 50] [--seconds 60] [--fault-seconds 20]

Phase 1, steady: learners sign in, open their passport and record items;
educators open the sign-off queue and approve what waits. Any 5xx or dropped
connection is an error; a refusal the app explains (a second entry while one
waits, a decision someone else made first) is not.
Phase 2, fault: the same load while PostgreSQL restarts. Requests during the
outage must get the friendly 503 page, and requests must succeed again
afterwards with no restart of the app.
Then the database must hold exactly one entry for every record that was
answered as saved, none that was not, and one decision for every approval.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import random
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 3, 2)
FRIENDLY = "Sorry, SkillPass is not available just now"


@dataclass
class Tally:
    ok: int = 0
    refused: int = 0          # 4xx the app explains (409, 422): not errors
    unavailable: int = 0      # the friendly 503 (phase 2 only)
    errors: list[str] = field(default_factory=list)
    recorded: list[tuple[int, int, dt.date]] = field(default_factory=list)
    # Saves answered "unavailable": the commit may have landed just before the database went away.
    uncertain: list[tuple[int, int, dt.date]] = field(default_factory=list)
    approved: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Browser:
    """One person's connection and cookies, as a browser would keep them."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, form: dict | None = None, htmx: bool = False) -> tuple[int, str, dict]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if htmx:
            headers["HX-Request"] = "true"
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";")[0]
        return response.status, data, dict(response.getheaders())


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(r"X-CSRFToken&#34;: &#34;([^&]+)&#34;", html)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


def submission_of(html: str) -> str:
    match = re.search(r'name="submission" value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no one-time submission token in the form")
    return match.group(1)


def sign_in(browser: Browser, email: str, password: str) -> None:
    status, html, _ = browser.request("GET", "/sign-in")
    status, html, headers = browser.request("POST", "/sign-in", {"email": email, "password": password,
                                                                 "csrf_token": csrf_of(html)})
    if status != 303:
        raise RuntimeError(f"sign-in failed for {email}: {status}")


def learner_loop(port, email, password, person_id, stop, tally, phase_label, counter):
    browser = Browser(port)
    rng = random.Random(person_id)
    _retrying(lambda: sign_in(browser, email, password), stop)
    while time.time() < stop[0]:
        try:
            status, html, _ = browser.request("GET", "/passport")
            if not _count(tally, status, html, phase_label):
                time.sleep(0.2)
                continue
            links = re.findall(rf'href="/people/{person_id}/passport/items/(\d+)/record"', html)
            if not links:
                continue
            item_id = int(rng.choice(links))
            with counter[1]:
                counter[0] += 1
                completed = TODAY - dt.timedelta(days=counter[0] % 700 + 1)
            # As the page does it: the Record form is fetched (it carries its one-time token), then sent.
            url = f"/people/{person_id}/passport/items/{item_id}/record"
            status, form_html, _ = browser.request("GET", url, htmx=True)
            if not _count(tally, status, form_html, phase_label):
                continue
            form = {"completed_on": completed.isoformat(), "method": "here", "note": f"load {phase_label}",
                    "csrf_token": csrf_of(html), "submission": submission_of(form_html)}
            status, html, _ = browser.request("POST", url, form)
            if _count(tally, status, html, phase_label) and status in (200, 303):
                with tally.lock:
                    tally.recorded.append((person_id, item_id, completed))
            elif status == 503:
                with tally.lock:
                    tally.uncertain.append((person_id, item_id, completed))
        except (OSError, http.client.HTTPException) as error:
            with tally.lock:
                tally.errors.append(f"{phase_label}: connection: {error}")


def educator_loop(port, email, password, stop, tally, phase_label):
    browser = Browser(port)
    _retrying(lambda: sign_in(browser, email, password), stop)
    while time.time() < stop[0]:
        try:
            status, html, _ = browser.request("GET", "/sign-off/")
            if not _count(tally, status, html, phase_label):
                time.sleep(0.2)
                continue
            waiting = re.findall(r'action="/sign-off/entries/(\d+)/decision"', html)
            if not waiting:
                time.sleep(0.1)
                continue
            entry_id = int(random.choice(waiting))
            # As the queue does it (htmx): a decision someone else made first comes back as a "gone" row.
            status, body, _ = browser.request("POST", f"/sign-off/entries/{entry_id}/decision",
                                              {"decision": "approve", "csrf_token": csrf_of(html)}, htmx=True)
            if _count(tally, status, body, phase_label) and status == 200 and "app-row--gone" not in body:
                with tally.lock:
                    tally.approved.append(entry_id)
        except (OSError, http.client.HTTPException) as error:
            with tally.lock:
                tally.errors.append(f"{phase_label}: connection: {error}")


def _retrying(action, stop):
    while time.time() < stop[0]:
        try:
            action()
            return
        except (RuntimeError, OSError, http.client.HTTPException):
            time.sleep(0.5)


def _count(tally: Tally, status: int, body: str, phase_label: str) -> bool:
    with tally.lock:
        if status < 400:
            tally.ok += 1
            return True
        if status in (409, 422):
            tally.refused += 1
            return False
        if status == 503 and FRIENDLY in body or status == 503 and "cannot reach its database" in body:
            tally.unavailable += 1
            return False
        tally.errors.append(f"{phase_label}: HTTP {status}: {body[:120]!r}")
        return False


def run_phase(port, learners, educators, password, seconds, tally, label, *, during=None):
    stop = [time.time() + seconds]
    counter = [0, threading.Lock()]
    threads = [threading.Thread(target=learner_loop, args=(port, email, password, pid, stop, tally, label, counter))
               for email, pid in learners]
    threads += [threading.Thread(target=educator_loop, args=(port, email, password, stop, tally, label))
                for email in educators]
    for t in threads:
        t.start()
    if during:
        during()
    for t in threads:
        t.join()


def restart_postgres(after: float):
    """pg_ctl restart under the running app (scripts/with-postgres.sh says where the cluster is)."""
    time.sleep(after)
    bindir, datadir = os.environ["SKILLPASS_PG_BINDIR"], os.environ["SKILLPASS_PG_DATADIR"]
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    # Started again with the options it was started with (port, socket folder), as `pg_ctl restart` would.
    words = shlex.split(Path(datadir, "postmaster.opts").read_text())[1:]
    options = []
    while words:
        word = words.pop(0)
        if word == "-D":
            words.pop(0)
        else:
            options.append(word)
    started = time.time()
    subprocess.run(run_as + [f"{bindir}/pg_ctl", "-D", datadir, "-m", "immediate", "stop"], check=True,
                   capture_output=True)
    time.sleep(3)   # down for a few seconds, as a failover or a crash would leave it
    subprocess.run(run_as + [f"{bindir}/pg_ctl", "-D", datadir, "-w", "-o", shlex.join(options), "-l",
                             f"{datadir}/../restart.log", "start"], check=True, capture_output=True)
    print(f"   PostgreSQL stopped and started again ({time.time() - started:.1f} s down)", flush=True)


def verify(engine, tally: Tally, started_at: dt.datetime) -> list[str]:
    """Every record answered as saved is in the database once; nothing else; every approval decided once."""
    problems = []
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT person_id, item_id, completed_on FROM entry WHERE note LIKE 'load %' AND method = 'here'"
        )).all()
        stored = Counter((p, i, d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d))) for p, i, d in rows)
        done = Counter(tally.recorded)
        maybe = Counter(tally.uncertain)
        for key, n in done.items():   # nothing lost, nothing doubled
            if not n <= stored.get(key, 0) <= n + maybe.get(key, 0):
                problems.append(f"recorded {n}× but stored {stored.get(key, 0)}×: {key}")
        for key, n in stored.items():  # nothing stored that nobody asked for
            if n > done.get(key, 0) + maybe.get(key, 0):
                problems.append(f"stored {n}× but answered as saved {done.get(key, 0)}× "
                                f"(and {maybe.get(key, 0)}× unavailable): {key}")
        approved = set(tally.approved)
        if approved:
            decided = dict(conn.execute(text(
                "SELECT id, status FROM entry WHERE id IN (%s)" % ",".join(str(i) for i in approved))).all())
            for entry_id in approved:
                if decided.get(entry_id) != "accepted":
                    problems.append(f"approved entry {entry_id} is {decided.get(entry_id)}")
        doubles = conn.execute(text(
            "SELECT subject_id, count(*) FROM audit_event WHERE subject_type = 'Entry' AND action IN "
            "('entry.signed_off', 'entry.approved', 'entry.rejected') GROUP BY subject_id HAVING count(*) > 1")).all()
        problems += [f"entry {s} decided {n} times" for s, n in doubles]
        if len(tally.approved) != len(approved):
            problems.append(f"{len(tally.approved) - len(approved)} approvals answered twice for one entry")
    return problems


def _landed(engine, keys) -> int:
    with engine.connect() as conn:
        rows = {(p, i, d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d))) for p, i, d in conn.execute(text(
            "SELECT person_id, item_id, completed_on FROM entry WHERE note LIKE 'load %'")).all()}
    return sum(1 for key in set(keys) if key in rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--fault-seconds", type=float, default=20)
    args = parser.parse_args(argv)
    url = os.environ.get("SKILLPASS_TEST_DATABASE_URL")
    if not url:
        print("Run through scripts/with-postgres.sh (make load does).", file=sys.stderr)
        return 2

    from bench.generate import PASSWORD, generate
    from bench.run import _app, _free_port, _migrate, _wait
    from skillpass.extensions import db
    from skillpass.models import Person, Role
    from sqlalchemy import select

    upload = tempfile.mkdtemp(prefix="skillpass-load-")
    app = _app(url, upload)
    _migrate(app)
    with app.app_context():
        generate(scale=0.02, today=TODAY)
        educators = [p.email for p in db.session.scalars(select(Person).where(Person.role == Role.EDUCATOR))]
        learners = [(p.email, p.id) for p in db.session.scalars(select(Person).where(Person.role == Role.LEARNER)
                                                                .order_by(Person.id))]
    n_educators = min(len(educators), max(1, args.users // 10))
    learners = learners[: args.users - n_educators]
    educators = educators[:n_educators]

    port = _free_port()
    env = dict(os.environ, SKILLPASS_DATABASE_URL=url, SKILLPASS_TODAY=TODAY.isoformat(), SKILLPASS_SECRET_KEY="load",
               SKILLPASS_UPLOAD_FOLDER=upload, SKILLPASS_SIGN_IN_IP_LIMIT="1000000", SKILLPASS_ENV="development")
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--no-control-socket", "--workers", "2",
                               "--threads", "8", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "app:app"],
                              cwd=ROOT, env=env)
    engine = create_engine(url)
    failures = []
    try:
        _wait(port)
        started_at = dt.datetime.now(dt.timezone.utc)
        print(f"== Phase 1: {len(learners)} learners and {len(educators)} educators for {args.seconds:.0f} s", flush=True)
        steady = Tally()
        run_phase(port, learners, educators, PASSWORD, args.seconds, steady, "steady")
        print(f"   {steady.ok} requests answered, {steady.refused} refusals explained, {len(steady.recorded)} entries "
              f"recorded, {len(steady.approved)} approvals, {len(steady.errors)} errors", flush=True)
        failures += [f"steady: {e}" for e in steady.errors[:20]]
        if steady.unavailable:
            failures.append(f"steady: {steady.unavailable} '503 unavailable' answers with the database up")

        print(f"== Phase 2: the same load for {args.fault_seconds:.0f} s, PostgreSQL restarted in the middle", flush=True)
        fault = Tally()
        run_phase(port, learners, educators, PASSWORD, args.fault_seconds, fault, "fault",
                  during=lambda: restart_postgres(args.fault_seconds / 3))
        print(f"   {fault.ok} requests answered, {fault.unavailable} friendly 503 pages during the outage, "
              f"{fault.refused} refusals explained, {len(fault.recorded)} entries recorded, {len(fault.errors)} errors",
              flush=True)
        failures += [f"fault: {e}" for e in fault.errors[:20]]
        # Recovered without a restart of the app: a fresh request now succeeds.
        _wait(port, timeout=10)
        from bench.run import _sign_in, _fetch

        cookie = _sign_in(port, learners[0][0], PASSWORD)
        _fetch(port, "/passport", cookie)
        print("   after the restart: a new sign-in and a passport page answer normally", flush=True)

        combined = Tally()
        combined.recorded = steady.recorded + fault.recorded
        combined.approved = steady.approved + fault.approved
        combined.uncertain = steady.uncertain + fault.uncertain
        problems = verify(engine, combined, started_at)
        landed = _landed(engine, combined.uncertain)
        print(f"== Checked: {len(combined.recorded)} entries answered as saved, {len(combined.uncertain)} saves "
              f"answered 'unavailable' ({landed} of them had landed just before the outage: kept once, whole), "
              f"{len(set(combined.approved))} approvals: {len(problems)} problems", flush=True)
        failures += problems[:20]
    finally:
        server.terminate()
        server.wait(10)
        engine.dispose()
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    print("PASSED: no errors, nothing lost, nothing duplicated; the app rode out the database restart.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
