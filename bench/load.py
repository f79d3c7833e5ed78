"""make load: 50 simulated people against two gunicorn web servers (behind a round-robin proxy,
bench/proxy.py) and the job worker, all on one PostgreSQL; one web server and the worker restarted
under them, then PostgreSQL; afterwards every entry and every bulk print is checked against what they did.

    scripts/with-postgres.sh python -m bench.load [--users 50] [--seconds 60] [--fault-seconds 20]
        [--web 2] [--restart-web] [--restart-worker] [--printers 2] [--lost-prints-fail]

Phase 1, steady: learners sign in, open their passport and record items;
educators open the sign-off queue and approve what waits; a few educators ask for
bulk prints through the team page's print form and follow each until it is ready.
Any 5xx or dropped connection is an error; a refusal the app explains (a second
entry while one waits, a decision someone else made first) is not. With
--restart-web, one web server is stopped (SIGTERM, waited for) and started again
on its port a third of the way in: the proxy sends new requests to the other, and
a request in flight on the stopped one when it ended (a 502 naming it, from the
proxy) is counted "interrupted by the restart", like the fault phase's uncertain
saves, not as an error. With --restart-worker, the job worker (`flask jobs-worker`,
when the app has it) is killed (SIGKILL) and started again two thirds of the way in.
Without a job worker, prints are made on a thread of the web server that was asked:
one in flight on the restarted server is lost; it is counted and reported, and a
failure (LOST_PRINTS_FAIL: on, since the job worker makes them).
Phase 2, fault: the same load while PostgreSQL restarts. Requests during the
outage must get the friendly 503 page, and requests must succeed again
afterwards with no restart of the app.
Then the database must hold exactly one entry for every record that was
answered as saved, none that was not, and one decision for every approval; every
bulk print asked for must be one job, READY, with its PDF file present, made once.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import random
import re
import shlex
import signal
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
# Prints made on a web server's thread (versions before the job worker) are lost with it when it restarts: a
# failure while this is on, as it is now that bulk prints run on the job worker (issue 19, item 2).
LOST_PRINTS_FAIL = True


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
    # 502s from the proxy for a request in flight on the web server being restarted (not errors).
    interrupted: int = 0
    # Bulk prints answered as started: (job id, the web server's port that took the request, when).
    prints: list[tuple[int, int, float]] = field(default_factory=list)
    prints_uncertain: int = 0     # print requests interrupted by the restart: a job may or may not have been made
    prints_seen_ready: int = 0    # prints the person followed until their page said Ready
    on_worker: bool = False       # a job worker makes the prints (not the web servers' threads)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Restarts:
    """When each web server was down for a restart: a 502 in flight naming it then was the restart's doing."""

    def __init__(self):
        self.windows: list[list] = []     # [port, started, ended or None]
        self.lock = threading.Lock()

    def begin(self, port: int) -> list:
        with self.lock:
            window = [port, time.time(), None]
            self.windows.append(window)
            return window

    def end(self, window: list) -> None:
        with self.lock:
            window[2] = time.time()

    def covers(self, port: int, at: float) -> bool:
        with self.lock:
            return any(p == port and start <= at and (end is None or at <= end + 1) for p, start, end in self.windows)

    def restarted_after(self, port: int, at: float) -> bool:
        with self.lock:
            return any(p == port and start >= at for p, start, _ in self.windows)


RESTARTS = Restarts()


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
            body = urlencode(form, doseq=True)
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
            status, html, headers = browser.request("GET", "/passport")
            if not _count(tally, status, html, phase_label, headers):
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
            status, form_html, headers = browser.request("GET", url, htmx=True)
            if not _count(tally, status, form_html, phase_label, headers):
                continue
            form = {"completed_on": completed.isoformat(), "method": "here", "note": f"load {phase_label}",
                    "csrf_token": csrf_of(html), "submission": submission_of(form_html)}
            status, html, headers = browser.request("POST", url, form)
            if _count(tally, status, html, phase_label, headers) and status in (200, 303):
                with tally.lock:
                    tally.recorded.append((person_id, item_id, completed))
            elif status == 503 or _interrupted(status, headers):   # it may have landed just before
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
            status, html, headers = browser.request("GET", "/sign-off/")
            if not _count(tally, status, html, phase_label, headers):
                time.sleep(0.2)
                continue
            waiting = re.findall(r'action="/sign-off/entries/(\d+)/decision"', html)
            if not waiting:
                time.sleep(0.1)
                continue
            entry_id = int(random.choice(waiting))
            # As the queue does it (htmx): a decision someone else made first comes back as a "gone" row.
            status, body, headers = browser.request("POST", f"/sign-off/entries/{entry_id}/decision",
                                                    {"decision": "approve", "csrf_token": csrf_of(html)}, htmx=True)
            if _count(tally, status, body, phase_label, headers) and status == 200 and "app-row--gone" not in body:
                with tally.lock:
                    tally.approved.append(entry_id)
        except (OSError, http.client.HTTPException) as error:
            with tally.lock:
                tally.errors.append(f"{phase_label}: connection: {error}")


def _print_form(html: str) -> tuple[dict, list[str]]:
    """The team page's print form: its hidden fields (CSRF, one-time token, the page's filters) and the people
    that can be ticked."""
    form = re.search(r'<form id="print-form"[^>]*>(.*?)</form>', html, re.S)
    if not form:
        raise RuntimeError("no print form on the team page")
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(1)))
    people = re.findall(r'name="person" value="(\d+)" form="print-form"', html)
    return fields, people


def printer_loop(port, email, password, stop, tally, phase_label):
    """An educator who prints a few passports from the team page (the people ticked), as the page does, then
    follows the print's page until it is ready (every second, as the page polls), and prints again."""
    browser = Browser(port)
    rng = random.Random(email)
    _retrying(lambda: sign_in(browser, email, password), stop)
    while time.time() < stop[0]:
        try:
            status, html, headers = browser.request("GET", "/team/")
            if not _count(tally, status, html, phase_label, headers):
                time.sleep(0.2)
                continue
            fields, people = _print_form(html)
            if not people:
                return
            chosen = rng.sample(people, min(3, len(people)))
            asked = time.time()
            status, body, headers = browser.request("POST", "/team/print",
                                                    {**fields, "scope": "selected", "person": chosen})
            if _interrupted(status, headers):
                with tally.lock:
                    tally.interrupted += 1
                    tally.prints_uncertain += 1
                continue
            if not _count(tally, status, body, phase_label, headers):
                continue
            found = re.search(r"/team/print/(\d+)$", headers.get("Location", ""))
            if status != 303 or not found:
                with tally.lock:
                    tally.errors.append(f"{phase_label}: print not started: {status} {headers.get('Location')}")
                continue
            job_id = int(found.group(1))
            with tally.lock:
                tally.prints.append((job_id, int(headers.get("X-Proxy-Backend", port)), asked))
            while time.time() < stop[0]:
                status, page, headers = browser.request("GET", f"/team/print/{job_id}", htmx=True)
                if not _count(tally, status, page, phase_label, headers):
                    time.sleep(0.2)
                    continue
                if "Ready:" in page:
                    with tally.lock:
                        tally.prints_seen_ready += 1
                    break
                if "could not be printed" in page:
                    break       # the final check names it
                time.sleep(1)   # the print page polls once a second
        except (OSError, http.client.HTTPException, RuntimeError) as error:
            with tally.lock:
                tally.errors.append(f"{phase_label}: printing: {error}")


def _retrying(action, stop):
    while time.time() < stop[0]:
        try:
            action()
            return
        except (RuntimeError, OSError, http.client.HTTPException):
            time.sleep(0.5)


def _interrupted(status: int, headers: dict | None) -> bool:
    """A 502 from the proxy for a request in flight on a web server while it was being restarted."""
    headers = headers or {}
    return (status == 502 and headers.get("X-Proxy-Error") == "in flight"
            and RESTARTS.covers(int(headers.get("X-Proxy-Backend", 0)), time.time()))


def _count(tally: Tally, status: int, body: str, phase_label: str, headers: dict | None = None) -> bool:
    with tally.lock:
        if _interrupted(status, headers):
            tally.interrupted += 1
            return False
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


def run_phase(port, learners, educators, password, seconds, tally, label, *, during=None, printers=()):
    stop = [time.time() + seconds]
    counter = [0, threading.Lock()]
    threads = [threading.Thread(target=learner_loop, args=(port, email, password, pid, stop, tally, label, counter))
               for email, pid in learners]
    threads += [threading.Thread(target=educator_loop, args=(port, email, password, stop, tally, label))
                for email in educators]
    threads += [threading.Thread(target=printer_loop, args=(port, email, password, stop, tally, label))
                for email in printers]
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


class WebServer:
    """One gunicorn instance of the app, on its own port; stopped as systemd stops it (SIGTERM: the requests in
    hand are finished, then it exits) and started again on the same port."""

    def __init__(self, env: dict, workers: int):
        from bench.run import _free_port

        self.env, self.workers, self.port = env, workers, _free_port()
        self.process: subprocess.Popen | None = None

    def start(self):
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--no-control-socket", "--workers", str(self.workers),
             "--threads", "8", "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", "app:app"],
            cwd=ROOT, env=self.env)

    def stop(self, timeout: float = 60):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def restart(self, wait):
        window = RESTARTS.begin(self.port)
        started = time.time()
        self.stop()
        stopped = time.time()
        self.start()
        wait(self.port)
        RESTARTS.end(window)
        print(f"   web server on port {self.port} stopped (SIGTERM, {stopped - started:.1f} s to finish what it had) "
              f"and started again ({time.time() - started:.1f} s in all)", flush=True)


def jobs_worker_command(env: dict) -> list[str] | None:
    """`flask --app app jobs-worker`, if this version of the app has it (background work on the job library)."""
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "app"]
    listed = subprocess.run(flask + ["--help"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    return flask + ["jobs-worker"] if re.search(r"^\s+jobs-worker\b", listed.stdout, re.M) else None


class JobsWorker:
    def __init__(self, command: list[str], env: dict):
        self.command, self.env = command, env
        self.process: subprocess.Popen | None = None

    def start(self):
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env)

    def kill_and_start(self):
        """As a crash or a lost host leaves it: killed at once (SIGKILL), whatever it was doing; then started."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)
        self.start()
        print("   job worker killed (SIGKILL) and started again", flush=True)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


class Proxy:
    """bench/proxy.py in a process of its own, in front of the web servers."""

    def __init__(self, backends: list[int]):
        from bench.run import _free_port

        self.port = _free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.proxy", "--port", str(self.port)]
            + [arg for p in backends for arg in ("--backend", f"127.0.0.1:{p}")], cwd=ROOT)

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


def _print_jobs(engine, printers: list[int]) -> dict[int, tuple]:
    """Every print job of the people who print (the trust is made afresh for the run: all of them are the run's)."""
    with engine.connect() as conn:
        return {row[0]: row[1:] for row in conn.execute(text(
            "SELECT id, status, stored_name, done, total FROM print_job WHERE requested_by_id IN (%s)"
            % ",".join(str(int(p)) for p in printers or [0]))).all()}


def _orphans(tally: Tally, jobs) -> set[int]:
    """Prints whose web server was restarted after it took the request: made on its thread, they may be lost with
    it. A job whose request was interrupted by the restart (its answer never came) is one of them. None when a job
    worker makes the prints: then a web server's restart must lose nothing, and a print left unfinished is a failure."""
    if tally.on_worker:
        return set()
    answered = {job: (port, asked) for job, port, asked in tally.prints}
    return {job for job in jobs if job not in answered or RESTARTS.restarted_after(*answered[job])}


def wait_for_prints(engine, tally: Tally, printers: list[int], timeout: float = 300) -> None:
    """Until every print has finished, or only prints made on a restarted web server's thread are left and they have
    not moved for 20 s: polled in the database, with a deadline."""
    deadline = time.time() + timeout
    last_seen: dict[int, tuple] = {}
    still_since = time.time()
    while time.time() < deadline:
        pending = {job: row for job, row in _print_jobs(engine, printers).items() if row[0] not in ("ready", "failed")}
        if not pending:
            return
        if pending != last_seen:
            last_seen, still_since = pending, time.time()
        if set(pending) <= _orphans(tally, pending) and time.time() - still_since > 20:
            return
        time.sleep(0.5)


def verify_prints(engine, tally: Tally, upload: str, printers: list[int]) -> tuple[list, list, int, int]:
    """Every print answered as started is a job, and every job is READY with its PDF file present, made once.
    Returns (problems, lost, ready and whole, jobs): a print lost with the web server restarted under it (made on its
    thread) is in *lost*, not *problems*."""
    problems, lost, whole = [], [], 0
    jobs = _print_jobs(engine, printers)
    orphans = _orphans(tally, jobs)
    folder = Path(upload) / "prints"
    for job, _, _ in tally.prints:
        if job not in jobs:
            problems.append(f"print {job}: answered as started, but there is no such job")
    unanswered = set(jobs) - {job for job, _, _ in tally.prints}
    if len(unanswered) > tally.prints_uncertain:
        problems.append(f"{len(unanswered)} print jobs nobody was told of, for {tally.prints_uncertain} print "
                        f"requests interrupted: a print was made twice")
    for job, (status, stored, done, total) in sorted(jobs.items()):
        if status == "ready":
            path = folder / (stored or "")
            if not stored or not path.is_file() or path.read_bytes()[:5] != b"%PDF-":
                problems.append(f"print {job}: READY but its PDF file is not there")
            else:
                whole += 1
        elif status != "failed" and job in orphans:
            lost.append(f"print {job} ({done} of {total} passports made{', its answer interrupted' if job in unanswered else ''}): "
                        f"made on the thread of a web server restarted under it; left {status}")
        else:
            problems.append(f"print {job}: {status}, not READY ({done} of {total})")
    with engine.connect() as conn:
        requested = conn.scalar(text(
            "SELECT count(*) FROM audit_event WHERE action = 'print.requested' AND actor_id IN (%s)"
            % ",".join(str(int(p)) for p in printers or [0])))
    if requested != len(jobs):
        problems.append(f"{requested} prints audited as requested, {len(jobs)} jobs")
    ready = sum(1 for status, *_ in jobs.values() if status == "ready")
    files = len(list(folder.glob("*.pdf"))) if folder.is_dir() else 0
    if files != ready:
        problems.append(f"{files} PDF files for {ready} prints ready: a print was made twice, or lost its file")
    return problems, lost, whole, len(jobs)


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


def _jobs_database(url: str) -> str:
    """A new, empty database on the same server for this run's job queue (Huey makes its tables in it)."""
    from sqlalchemy.engine import make_url

    name = f"skillpass_load_jobs_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--fault-seconds", type=float, default=20)
    parser.add_argument("--web", type=int, default=2, help="web servers (gunicorn), behind bench/proxy.py when 2 or more")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers in each web server")
    parser.add_argument("--restart-web", action="store_true", help="restart one web server a third of the way in")
    parser.add_argument("--restart-worker", action="store_true",
                        help="kill and start the job worker two thirds of the way in (when the app has one)")
    parser.add_argument("--printers", type=int, default=2, help="educators asking for bulk prints in phase 1")
    parser.add_argument("--lost-prints-fail", action="store_true", default=LOST_PRINTS_FAIL,
                        help="a print lost with a restarted web server fails the run")
    args = parser.parse_args(argv)
    url = os.environ.get("SKILLPASS_TEST_DATABASE_URL")
    if not url:
        print("Run through scripts/with-postgres.sh (make load does).", file=sys.stderr)
        return 2

    from bench.generate import PASSWORD, generate
    from bench.run import _app, _migrate, _wait
    from skillpass.extensions import db
    from skillpass.models import Person, Role
    from skillpass.services import item_dates
    from sqlalchemy import select

    upload = tempfile.mkdtemp(prefix="skillpass-load-")
    app = _app(url, upload)
    _migrate(app)
    with app.app_context():
        generate(people=100, today=TODAY)
        item_dates.rebuild()        # rows written through the driver: the kept dates built whole, as bench.run does
        db.session.commit()
        educators = [(p.email, p.id) for p in db.session.scalars(select(Person).where(Person.role == Role.EDUCATOR)
                                                                 .order_by(Person.id))]
        admins = [(p.email, p.id) for p in db.session.scalars(select(Person).where(Person.role == Role.ADMIN)
                                                              .order_by(Person.id))]
        learners = [(p.email, p.id) for p in db.session.scalars(select(Person).where(Person.role == Role.LEARNER)
                                                                .order_by(Person.id))]
    n_educators = min(len(educators), max(1, args.users // 10))
    learners = learners[: args.users - n_educators]
    # Those who print: educators the sign-off load does not use, then admins (the whole organisation's team page).
    printers = (educators[n_educators:] + admins)[: args.printers]
    educators = [email for email, _ in educators[:n_educators]]

    # Every web server and the worker: one database, one SECRET_KEY, one UPLOAD_FOLDER (README: several web servers),
    # and one jobs store: a PostgreSQL database of this run's own beside the app's, as in production.
    env = dict(os.environ, SKILLPASS_DATABASE_URL=url, SKILLPASS_TODAY=TODAY.isoformat(),
               SKILLPASS_SECRET_KEY="load-" + "s3cret" * 8, SKILLPASS_UPLOAD_FOLDER=upload,
               SKILLPASS_SIGN_IN_IP_LIMIT="1000000", SKILLPASS_ENV="development",
               SKILLPASS_JOBS_URL=_jobs_database(url))
    servers = [WebServer(env, args.workers) for _ in range(max(1, args.web))]
    worker_command = jobs_worker_command(env)
    worker = JobsWorker(worker_command, env) if worker_command else None
    proxy = None
    engine = create_engine(url, pool_pre_ping=True)   # it outlives the PostgreSQL restart
    failures = []
    try:
        for server in servers:
            server.start()
        for server in servers:
            _wait(server.port, timeout=120)
        if worker:
            worker.start()
        if len(servers) > 1:
            proxy = Proxy([server.port for server in servers])
            _wait(proxy.port)
        port = proxy.port if proxy else servers[0].port
        started_at = dt.datetime.now(dt.timezone.utc)
        print(f"== {len(servers)} web server{'s' if len(servers) > 1 else ''} (ports "
              f"{', '.join(str(s.port) for s in servers)}){' behind the round-robin proxy' if proxy else ''}, one "
              f"PostgreSQL; " + ("a job worker (flask jobs-worker)" if worker else
                                 "no job worker in this version: bulk prints run on the web servers' threads"),
              flush=True)
        print(f"== Phase 1: {len(learners)} learners, {len(educators)} educators and {len(printers)} printing "
              f"for {args.seconds:.0f} s" + (", one web server restarted" if args.restart_web and len(servers) > 1
                                             else "") + (", the job worker killed and started again"
                                                         if args.restart_worker and worker else ""), flush=True)

        def restarts():
            begun = time.time()
            if args.restart_web and len(servers) > 1:
                time.sleep(max(0.0, begun + args.seconds / 3 - time.time()))
                servers[0].restart(lambda p: _wait(p, timeout=120))
            if args.restart_worker:
                if worker is None:
                    print("   (no job worker to restart: `flask jobs-worker` is not in this version)", flush=True)
                else:
                    time.sleep(max(0.0, begun + 2 * args.seconds / 3 - time.time()))
                    worker.kill_and_start()

        steady = Tally(on_worker=worker is not None)
        run_phase(port, learners, educators, PASSWORD, args.seconds, steady, "steady", during=restarts,
                  printers=[email for email, _ in printers])
        print(f"   {steady.ok} requests answered ({steady.ok / args.seconds:.0f}/s), {steady.refused} refusals "
              f"explained, {steady.interrupted} interrupted by the web server's restart, {len(steady.recorded)} "
              f"entries recorded, {len(steady.approved)} approvals, {len(steady.prints)} bulk prints started "
              f"({steady.prints_seen_ready} followed to Ready), {len(steady.errors)} errors", flush=True)
        failures += [f"steady: {e}" for e in steady.errors[:20]]
        if steady.unavailable:
            failures.append(f"steady: {steady.unavailable} '503 unavailable' answers with the database up")

        # Phase 1's prints finish before PostgreSQL is restarted (one running across a database restart is another
        # question: the job's own retry, item 2).
        wait_for_prints(engine, steady, [pid for _, pid in printers])

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
              f"answered 'unavailable' or interrupted ({landed} of them had landed: kept once, whole), "
              f"{len(set(combined.approved))} approvals: {len(problems)} problems", flush=True)
        failures += problems[:20]

        print_problems, lost, whole, jobs = verify_prints(engine, steady, upload, [pid for _, pid in printers])
        print(f"== Prints: {len(steady.prints)} answered as started and {steady.prints_uncertain} interrupted by the "
              f"restart; {jobs} jobs, {whole} READY with their PDF, made once; {len(lost)} lost with the restarted web "
              f"server; {len(print_problems)} problems", flush=True)
        for line in lost:
            print(f"   lost: {line}", flush=True)
        failures += print_problems[:20]
        if lost and args.lost_prints_fail:
            failures += [f"lost: {line}" for line in lost]
    finally:
        if proxy:
            proxy.stop()
        for server in servers:
            server.stop(10)
        if worker:
            worker.stop()
        engine.dispose()
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    print("PASSED: no errors, nothing lost, nothing duplicated; the app rode out the restarts.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
