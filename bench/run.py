"""make bench: build a synthetic trust, then measure SkillPass on it.

For SQLite and (when its server binaries are installed) PostgreSQL, per page:
median and 95th-percentile server time and the number of SQL queries. Then,
under gunicorn with 2 workers, the passport page's throughput beside a bare
Flask page that renders a template of the same size, and each worker's peak
memory. Prints a Markdown table and writes it to bench/RESULTS.md.

    python -m bench.run [--people 30000] [--repeat 15] [--load-seconds 10] [--databases sqlite,postgresql]

--people 30000 (the default) is the largest trusts of issue 19: 360 teams, about
3.9 million entries; --people 5000 is the quick run (make bench-quick), and
--scale S is the same as --people 5000×S (make bench-smoke: --people 50).

Server time is measured around the WSGI call with Flask's test client, in the
process: no network, no browser. Every page is measured on a second look (kept
between requests, services/kept.py) and afresh (nothing kept: the first look after
any write). Budgets (2 cores, issue 19: afresh) are printed beside the figures, and
each long step says on stderr what it is doing.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

from sqlalchemy import event, select, update

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 3, 2)
AFRESH = "(worked out afresh, nothing kept)"
TREND = "12-month trend (whole organisation)"
FORECAST = "Lapse forecast (team page, whole organisation)"
# The budgets of issue 19 (2 cores, worked out afresh), matched to the start of a row's name; a row may set its
# own ("budget" in the row: milliseconds, or None for none).
BUDGETS = {
    "My passport": ("median", 25),
    "Team matrix (300 people)": ("median", 250),
    "Admin home": ("median", 400),
    "Sign-off queue": ("median", 100),
    TREND: ("median", 1000),
    "One passport PDF": ("median", 1000),
    "CSV export of every record": ("median", 90000),
    "Bulk PDF of 50 passports": ("median", 20000),
    "Skills snapshot (whole organisation)": ("median", 250),
}
# Other users' requests while a large import runs (issue 19): their 95th percentile under this.
IMPORT_NEIGHBOURS_P95 = 500


def progress(message: str) -> None:
    """A line on stderr for a step that takes a while (the table goes to stdout)."""
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class QueryCounter:
    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._on)

    def _on(self, *args, **kwargs):
        self.count += 1


def _percentile(values, pct):
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1)))))
    return ordered[k]


def _app(url: str, upload: str, **config):
    from skillpass import create_app

    # Jobs (an import once confirmed, email) run at once in the process that queued them, as a worker's thread
    # would run them: the time they take is measured where they are asked for. (The import beside other users is
    # also measured on a real job worker: *config* JOBS_IMMEDIATE=False and the queue's JOBS_URL.)
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "FIXED_TODAY": TODAY, "UPLOAD_FOLDER": upload,
                       "WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench", "SIGN_IN_EMAIL_LIMIT": 10 ** 6,
                       "SIGN_IN_IP_LIMIT": 10 ** 6, "JOBS_IMMEDIATE": True,
                       # A run at 30,000 people is long: its signed-in users must not be signed out for being idle.
                       "IDLE_MINUTES": 24 * 60, **config})


def _migrate(app):
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))


def _client(app, email, password):
    client = app.test_client()
    response = client.post("/sign-in", data={"email": email, "password": password})
    assert response.status_code == 303, f"bench sign-in failed for {email}: {response.status_code}"
    return client


class _Rows(list):
    """The rows of one database's table, each also said on stderr as soon as it is measured (a long run that
    fails late still leaves its figures)."""

    def append(self, row):
        pace = f"; the machine's pace: {row['pace']:.0f} ms for the fixed loop" if row.get("pace") else ""
        progress(f"measured {row['name']}: median {row['median']:.1f} ms, p95 {row['p95']:.1f} ms, "
                 f"{row.get('runs', 1)} runs{'; ' + row['note'] if row.get('note') else ''}{pace}")
        super().append(row)

    def extend(self, rows):
        for row in rows:
            self.append(row)


# A page quicker than this is measured again until this long has passed (at least `repeat` times), so that its
# median spans the machine's changes of pace (below) rather than falling inside one of them.
MIN_SECONDS = 2.0
MAX_RUNS = 200


def _pace_loop() -> None:
    counts = {}
    for i in range(200_000):
        counts[i % 1000] = str(i) + "x"


class _Pace:
    """How fast the machine is right now: the same fixed Python loop (no I/O, no allocation that grows), timed
    before each row is measured. On the 2-core machine the bench was written on, it took from 26 to 47 ms in
    rounds seconds apart with nothing else running, and the passport page's time afresh followed it round by round
    (measured): a figure in milliseconds is read beside the pace it was measured at."""

    samples: list[float] = []

    @classmethod
    def sample(cls) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            _pace_loop()
            times.append((time.perf_counter() - start) * 1000)
        pace = statistics.median(times)
        cls.samples.append(pace)
        return pace

    @classmethod
    def words(cls, pace: float) -> str:
        low, high = min(cls.samples), max(cls.samples)
        return (f"the machine's pace when measured: {pace:.0f} ms for the fixed loop (this run: {low:.0f}–"
                f"{high:.0f} ms)")


def measure(name, fn, counter, repeat):
    """Run fn repeat times (after one warm-up, whose time is kept as "first"); median, p95, queries of the last run.
    A page whose first look took over a second is measured fewer times (at least 3; once more past a minute),
    saying so on stderr; one quicker than MIN_SECONDS / repeat is measured more times, for MIN_SECONDS in all
    (at most MAX_RUNS). The machine's pace is sampled just before ("pace")."""
    pace = _Pace.sample()
    start = time.perf_counter()
    fn()
    first = (time.perf_counter() - start) * 1000
    if first > 1000:
        repeat = min(repeat, 1 if first > 60000 else max(3, int(20000 // first)))
        progress(f"{name}: first look {first / 1000:.1f} s; measuring it {repeat} time{'s' if repeat > 1 else ''} more")
    times = []
    queries = 0
    began = time.perf_counter()
    while len(times) < repeat or (first <= 1000 and len(times) < MAX_RUNS
                                  and time.perf_counter() - began < MIN_SECONDS):
        before = counter.count
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
        queries = counter.count - before
    return {"name": name, "median": statistics.median(times), "p95": _percentile(times, 95), "queries": queries,
            "runs": len(times), "first": first, "pace": pace}


def run_database(label: str, url: str, *, people: int, repeat: int) -> tuple[list[dict], dict]:
    from bench.generate import PASSWORD, generate
    from skillpass.extensions import db
    from skillpass.gc_tuning import tune
    from skillpass.models import DataVersion
    from skillpass.models import Person
    from skillpass.services import date_counts, item_dates, trend_months

    upload = tempfile.mkdtemp(prefix="skillpass-bench-uploads-")
    app = _app(url, upload)
    _migrate(app)
    results = _Rows()
    scale = people / 5000   # what the figures below were first sized for
    with app.app_context():
        progress(f"{label}: generating {people:,} people")
        started = time.perf_counter()
        trust = generate(people=people, today=TODAY)
        built = time.perf_counter() - started
        progress(f"{label}: generated {trust.entries:,} entries in {built:.0f} s; building the kept dates")
        # The generator writes rows directly (no ORM session): the kept dates are built whole after it, as
        # `flask rebuild-item-dates` does (timed apart from the generation).
        started = time.perf_counter()
        kept_rows = item_dates.rebuild().total
        db.session.commit()
        kept_built = time.perf_counter() - started
        progress(f"{label}: kept dates built ({kept_rows:,} rows written) in {kept_built:.0f} s; "
                 "building the trend's month ends")
        # The trend's past month ends, as the job worker builds them (services/trend_months.py).
        started = time.perf_counter()
        trend_months.ensure_built(TODAY)
        db.session.commit()
        months_built = time.perf_counter() - started
        progress(f"{label}: the trend's 11 past month ends built in {months_built:.0f} s")
        # The admin home's counts of the kept dates against today (services/date_counts.py), as the job worker
        # builds them once a day.
        started = time.perf_counter()
        date_counts.ensure_built(TODAY)
        db.session.commit()
        progress(f"{label}: the admin home's counts built in {time.perf_counter() - started:.1f} s")
        counter = QueryCounter(db.engine)
        someone = db.session.scalar(select(Person.id).where(Person.team_id == trust.big_team_id).offset(5).limit(1))
        self_id = _self(db, trust)
        # More people, for the users who keep working while a large import runs.
        neighbours = _neighbours(db, trust)
    # Requests run outside any app context of ours, as in production: each pushes its own.
    learner = _client(app, trust.learner_email, PASSWORD)
    educator = _client(app, trust.educator_email, PASSWORD)
    admin = _client(app, trust.admin_email, PASSWORD)
    tune()  # what app.py does in a serving worker once the application is loaded

    def get(client, path, expect=200):
        def call():
            response = client.get(path)
            assert response.status_code == expect, (path, response.status_code)
            response.get_data()
            response.close()
        return call

    # Every page on a second look (kept between requests where the app keeps it), then afresh below.
    pages = [("My passport", learner, "/passport"),
             ("A person's passport", admin, f"/people/{someone}/passport"),
             ("Sign-off queue", educator, "/sign-off/"),
             (f"Team matrix ({trust.big_team_size} people)", admin, f"/team/?team={trust.big_team_id}"),
             ("Admin home", admin, "/admin/"),
             # The team page's trend for an admin, over everyone (never kept: measured afresh only, below); and
             # the team page itself over everyone: its lapse forecast counts the whole organisation (the matrix
             # beside it shows 50 a page).
             (TREND, admin, "/team/trend"),
             (FORECAST, admin, "/team/")]
    for name, client, path in pages:
        if name == TREND:
            continue
        progress(f"{label}: {name}, second look")
        results.append(measure(name, get(client, path), counter, repeat))

    # The admin home just after someone somewhere wrote something: counted afresh over the kept dates.
    def write_then_home():
        with app.app_context():
            db.session.execute(update(DataVersion).values(n=DataVersion.n + 1))
            db.session.commit()
        get(admin, "/admin/")()
    progress(f"{label}: Admin home, the look after a write")
    results.append(measure("Admin home, the look after a write", write_then_home, counter, repeat))
    results.append(measure("One passport PDF", get(learner, f"/people/{self_id}/passport.pdf"),
                           counter, max(3, repeat // 3)))
    # The pages above that are kept between requests (services/kept.py), worked out afresh each time:
    # what the first look after any write costs.
    app.config["CACHE_PAGES"] = False
    for name, client, path in pages:
        progress(f"{label}: {name}, afresh")
        results.append(measure(f"{name} {AFRESH}", get(client, path), counter, repeat))
    app.config["CACHE_PAGES"] = True
    _floors(app, db, results, learner=learner, admin=admin, someone=someone, self_id=self_id,
            matrix=f"/team/?team={trust.big_team_id}", repeat=repeat)

    # Skills and gaps (issue 16, part D): the whole organisation's snapshot, its trend and its Excel export.
    progress(f"{label}: skills (generating, then measuring)")
    results.extend(_skills(app, db, admin, counter, repeat))

    # Every record as CSV, streamed, once: its time, and how far the process's resident memory rose above where
    # it stood before (sampled every 20 ms while it ran: bounded memory is a rise that does not grow with the data).
    def export():
        response = admin.get("/team/export/records?format=csv", buffered=False)
        size, shown = 0, 0
        for chunk in response.response:
            size += len(chunk)
            if size - shown >= 100e6:
                shown = size
                progress(f"{label}: CSV export, {size / 1e6:.0f} MB so far")
        response.close()
        export.size = size
    export.size = 0
    progress(f"{label}: CSV export of every record (twice: the first warms up)")
    with _ResidentPeak() as resident:
        row = measure("CSV export of every record", export, counter, 1)
    row["note"] = (f"{export.size / 1e6:.0f} MB of CSV; resident memory at most {resident.rise_mb:.0f} MB above "
                   f"where it stood before ({resident.before_mb:.0f} MB)")
    from bench import floors

    progress(f"{label}: CSV floor (a plain cursor through csv.writer)")
    with app.app_context():
        floor = floors.csv_floor(db.engine)
    row.update(floor=floor["median"], floor_note=f"a plain cursor and csv.writer: {floor['note']}")
    results.append(row)

    progress(f"{label}: bulk PDF")
    with app.app_context():
        results.append(_bulk_print(app, db, trust, counter, count=max(3, min(50, int(50 * scale * 4)))))
    progress(f"{label}: import of people (the service alone)")
    with app.app_context():
        results.append(_import_people(app, db, trust, counter, scale))
    # A large import through the pages while others keep working (a learner saving, others reading pages):
    # batched as the app does it, then (for comparison) as one transaction.
    users = {"learner": learner, "educator": educator,
             **{role: _client(app, email, PASSWORD) for role, email in neighbours.items()}}
    paths = {"matrix": f"/team/?team={trust.big_team_id}", "passport": f"/people/{someone}/passport"}
    # First as SkillPass runs it: confirmed by a request, made by the job worker (`flask jobs-worker`, its own
    # process) while the users' requests are answered here; then, for comparison, made inside the confirming
    # request, in the same process as the users' requests (one interpreter lock), batched and as one transaction.
    with _JobWorker(url, upload) as worker:
        progress(f"{label}: import of people through the pages beside other users (on the job worker)")
        results.append(_import_beside_writes(app, admin, users, paths, trust, scale, batched=True, worker=worker))
    for batched in (True, False):
        progress(f"{label}: import of people through the pages beside other users, in their process "
                 f"({'batched' if batched else 'one transaction'})")
        results.append(_import_beside_writes(app, admin, users, paths, trust, scale, batched=batched))
    summary = {"people": trust.people, "teams": trust.teams, "entries": trust.entries, "generated_seconds": built}
    return results, summary


def _neighbours(db, trust) -> dict[str, str]:
    """The emails of a second learner, a second admin and a second educator (for the users beside an import)."""
    from skillpass.models import Person, Role

    def other(role, than):
        return db.session.scalar(select(Person.email).where(Person.role == role, Person.email != than,
                                                            Person.active.is_(True)).order_by(Person.id).limit(1))
    return {"reader": other(Role.LEARNER, trust.learner_email), "admin reader": other(Role.ADMIN, trust.admin_email),
            "educator reader": other(Role.EDUCATOR, trust.educator_email)}


class _ResidentPeak:
    """The most this process's resident set (VmRSS) rose while the block ran, sampled by a thread every 20 ms."""

    def __enter__(self):
        self.before_mb = self.peak_mb = _resident_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.02):
            self.peak_mb = max(self.peak_mb, _resident_mb())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.rise_mb = max(0.0, self.peak_mb - self.before_mb)
        return False


def _resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# What each page is measured against (bench/floors.py), and the most it should cost as a multiple of it
# (issue 19, item 5): pages worked out afresh within 2× their floor, a PDF (one passport, or a bulk print of many)
# within 1.2×.
AIMS = {"afresh": 2.0, "One passport PDF": 1.2, "PDF": 1.2}


def _floors(app, db, results, *, learner, admin, someone, self_id, matrix, repeat) -> None:
    """Measure each page's floor in this run and put it beside the page's own figures."""
    from bench import floors
    from skillpass.models import Person
    from skillpass.print.render import passport_html
    from skillpass.services.settings import get_settings

    pages = {"My passport": floors.page_html(learner, "/passport"),
             "A person's passport": floors.page_html(admin, f"/people/{someone}/passport"),
             "Team matrix": floors.page_html(admin, matrix)}
    bare = {name: floors.bare_page(html, repeat) for name, html in pages.items()}
    with app.app_context():
        home = floors.admin_home_floor(db.engine, max(3, repeat // 3), today=TODAY)
    with app.test_request_context():
        person = db.session.get(Person, self_id)
        printed = passport_html(person, settings=get_settings(), for_pdf=True)
        db.session.rollback()
    pdf = floors.pdf_floor(printed, app.static_folder, max(3, repeat // 3))
    for row in results:
        name = row["name"]
        floor = next((bare[key] for key in bare if name.startswith(key)), None)
        floor = home if name.startswith("Admin home") else pdf if name == "One passport PDF" else floor
        if floor is not None:
            what = ("WeasyPrint alone on the same HTML" if floor is pdf else "one SQL aggregate" if floor is home
                    else "a bare Flask page of as many rows and bytes")
            row.update(floor=floor["median"], floor_note=f"{what}: {floor['note']}")


def _aim(row) -> str:
    if not row.get("floor"):
        return ""
    times = row["median"] / row["floor"]
    limit = (AIMS.get(row["name"]) or (AIMS["PDF"] if row["name"].startswith("Bulk PDF") else None)
             or (AIMS["afresh"] if AFRESH in row["name"] else None))
    if limit is None:
        return f"{times:.2f}×"
    return f"{times:.2f}× (aim ≤ {limit:g}×: {'met' if times <= limit else '**missed**'})"


def _skills(app, db, admin, counter, repeat) -> list[dict]:
    from bench.skills import generate_skills

    with app.app_context():
        made = generate_skills(today=TODAY)
    shape = f"{made['areas']} areas, {made['assessments']:,} assessments, {made['assessed_levels']:,} assessed levels"
    fw = made["framework_id"]

    def get(path):
        def call():
            response = admin.get(path)
            assert response.status_code == 200, (path, response.status_code)
            response.get_data()
            response.close()
        return call

    rows = [measure("Skills snapshot (whole organisation)", get(f"/team/skills?framework={fw}"), counter, repeat),
            measure("Skills trend of targets met (whole organisation)", get(f"/team/skills/trend?framework={fw}"),
                    counter, max(3, repeat // 3)),
            measure("Excel export of the skills snapshot (whole organisation)", get(f"/team/skills.xlsx?framework={fw}"),
                    counter, 1)]
    rows[0]["note"] = f"{shape}; 50 people a page, counts and the furthest over everyone"
    return rows


def _self(db, trust):
    from skillpass.models import Person

    return db.session.scalar(select(Person.id).where(Person.email == trust.learner_email))


def _bulk_print(app, db, trust, counter, *, count: int):
    """The bulk PDF (issue 19, part C: laid out in worker processes, put together as they arrive): time, pages a
    second, the most memory the whole process tree held at once (sampled from /proc while it runs), and, on a second
    run traced (tracing slows this process), the most Python memory this process held at once."""
    from pypdf import PdfReader

    from skillpass.models import Person, PrintJob
    from skillpass.print import bulk as bulk_print
    from skillpass.print.processes import processes

    admin_id = db.session.scalar(select(Person.id).where(Person.email == trust.admin_email))
    ids = list(db.session.scalars(select(Person.id).where(Person.team_id == trust.big_team_id)
                                  .order_by(Person.id).limit(count)))

    def job_run():   # each run ends the session (as the job's thread does): what it needs is loaded afresh
        people = list(db.session.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.id)))
        job = bulk_print.create(actor=db.session.get(Person, admin_id), people=people, title="Benchmark")
        db.session.commit()
        job_id = job.id
        bulk_print.run(app, job_id, "http://localhost/")
        db.session.expire_all()
        return db.session.get(PrintJob, job_id)

    before = counter.count
    sampler = _TreeMemory()
    start = time.perf_counter()
    with sampler:
        job = job_run()
    elapsed = (time.perf_counter() - start) * 1000
    queries = counter.count - before
    assert job.stored_name, job.error
    path = bulk_print.folder(app) / job.stored_name
    pages, size = len(PdfReader(path).pages), path.stat().st_size
    tracemalloc.start()
    job_run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    note = (f"{pages} pages, {pages / (elapsed / 1000):.1f} pages a second, {size / 1e6:.1f} MB; laid out in "
            f"{processes(app)} processes; the most memory held at once: the whole process tree "
            f"{sampler.peak / 1e6:.0f} MB (PSS, this process {sampler.parent / 1e6:.0f} MB of it), "
            f"this process's Python {peak / 1e6:.0f} MB")
    print(f"  Bulk PDF: {note}", flush=True)
    row = {"name": f"Bulk PDF of {len(ids)} passports", "median": elapsed, "p95": elapsed,
           "queries": queries, "runs": 1, "note": note}
    progress("bulk PDF floor (WeasyPrint alone on the same passports, in as many processes)")
    floor = _bulk_floor(app, db, ids, admin_id)
    row.update(floor=floor["median"], floor_note=f"WeasyPrint alone on the same HTML: {floor['note']}")
    return row


def _bulk_floor(app, db, ids: list[int], admin_id: int) -> dict:
    """The bulk print's floor: the passports' HTML made as the print job makes it (with their self-assessments and
    verify links, which the print made), then laid out by WeasyPrint alone in as many processes (bench/floors.py)."""
    from bench import floors
    from skillpass.models import Person
    from skillpass.print import render
    from skillpass.print.processes import processes
    from skillpass.services.credentials import verify_links
    from skillpass.services.settings import get_settings
    from skillpass.services.skills import reports as skill_reports

    settings = get_settings()
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))}
    skills = skill_reports.print_sections(ids)
    links = verify_links.live_links([people[i] for i in ids], db.session.get(Person, admin_id))
    htmls = [render.passport_html(people[i], settings=settings, for_pdf=True, skills=skills.get(i, []),
                                  verify=verify_links.printed(links[i].token, base_url="http://localhost/"))
             for i in ids]
    db.session.rollback()
    return floors.bulk_pdf_floor(htmls, app.static_folder, processes(app))


class _TreeMemory:
    """The most memory this process and all its descendants (a bulk print's fork server and workers) held at once:
    the sum of their proportional set sizes (shared pages counted once in all), read from /proc every 50 ms."""

    def __init__(self):
        self.peak = self.parent = 0
        self._stop = threading.Event()

    @staticmethod
    def _pss(pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    @staticmethod
    def _children(pid: int) -> list[int]:
        found = []
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
        return found

    def _sample(self):
        me = os.getpid()
        while not self._stop.wait(0.05):
            tree, todo = [], [me]
            while todo:
                pid = todo.pop()
                tree.append(pid)
                todo += self._children(pid)
            sizes = {pid: self._pss(pid) for pid in tree}
            total = sum(sizes.values())
            if total > self.peak:
                self.peak, self.parent = total, sizes[me]

    def __enter__(self):
        self._thread = threading.Thread(target=self._sample, name="tree-memory", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _import_people(app, db, trust, counter, scale):
    """Plan and apply a CSV of as many new people as the trust has (the service alone), then roll back."""
    from skillpass.models import Person
    from skillpass.services import people_import

    n = min(people_import.MAX_ROWS, max(50, int(5000 * scale)))   # one file holds at most 30,000
    lines = ["employee_number,name,email,job_role,team,start_date,role"]
    lines += [f"N{i:06d},New Person {i},new{i}@bench.example,Healthcare Assistant,Ward 02,2026-03-09,"
              for i in range(n)]
    text = "\n".join(lines) + "\n"
    admin = db.session.scalar(select(Person).where(Person.email == trust.admin_email))
    before = counter.count
    start = time.perf_counter()
    with app.test_request_context():
        plan = people_import.plan(text, today=TODAY)
        assert not plan.problems, plan.problems[:3]
        people_import.apply(plan, actor=admin, today=TODAY, filename="bench.csv")
        db.session.flush()
    elapsed = (time.perf_counter() - start) * 1000
    db.session.rollback()
    return {"name": f"Import of {n} people", "median": elapsed, "p95": elapsed, "queries": counter.count - before,
            "runs": 1, "note": f"{1000 * elapsed / n / 1000:.2f} ms a person"}


def _import_beside_writes(app, admin, users, paths, trust, scale, *, batched: bool,
                          worker: _JobWorker | None = None) -> dict:
    """Import 30,000 people (20,000 at the quick run's 5,000) through the import pages while others keep working:
    a learner adds informal learning, another learner reads their passport, an educator their sign-off queue, a
    second admin the big team's matrix and a person's passport, each about every 100 ms. How long the import
    takes, and every other request's time meanwhile (their 95th percentile is the budget: under 500 ms).

    With *worker*, as SkillPass runs it: the admin confirms through an app whose jobs go to the queue, and the job
    worker's process makes the import while the users' requests are answered in this one (the import's time runs
    from the first confirmation to the last run finished). Without, the import is made inside the confirming
    request, sharing this process with the users' requests (one interpreter lock), as if there were no worker."""
    import io
    import re

    from skillpass.services import people_import
    from skillpass.services.submissions import new_token

    admin_reader, learner = users["admin reader"], users["learner"]
    if worker is not None:
        admin = worker.client(trust.admin_email)
    n = max(200, min(30000, int(20000 * scale)))
    tag = "w" if worker is not None else "b" if batched else "u"
    # A file holds at most people_import.MAX_ROWS people (30,000): more would come as several files, one after another.
    files = -(-n // people_import.MAX_ROWS)
    size = -(-n // files)
    tokens = []
    for part in range(files):
        lines = ["employee_number,name,email,job_role,team,start_date,role"]
        # Employee numbers of their own ("IMPB…"): the generator's people are "B000000"…, and an import that
        # matched them would move the whole trust to Ward 03 rather than add 30,000 people.
        lines += [f"IMP{tag.upper()}{i:06d},Imported Person {i},{tag}{i}@import.bench,Healthcare Assistant,Ward 03,"
                  f"2026-03-09," for i in range(part * size, min(n, (part + 1) * size))]
        preview = admin.post("/admin/import/people", content_type="multipart/form-data",
                             data={"file": (io.BytesIO(("\n".join(lines) + "\n").encode()), f"bench-{tag}{part}.csv")})
        html = preview.get_data(as_text=True)
        assert preview.status_code == 200, html[:500]
        tokens.append((re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1), f"bench-{tag}{part}.csv"))
    me = learner.get("/passport").get_data(as_text=True)
    informal_url = re.search(r'action="(/people/\d+/passport/informal)"', me).group(1)
    saved_batch = people_import.BATCH
    if not batched:
        people_import.BATCH = size + 1
    outcome: dict = {}

    def confirm():
        started = time.perf_counter()
        for token, filename in tokens:
            response = admin.post("/admin/import/people/confirm", data={"token": token, "filename": filename,
                                                                         "submission": new_token()})
            outcome["status"] = response.status_code
            if response.status_code != 303:
                break
        if worker is not None and outcome["status"] == 303:
            outcome["runs"] = worker.wait_for_imports([token for token, _ in tokens])
        outcome["seconds"] = time.perf_counter() - started

    counter = iter(range(10 ** 9))

    def save():
        response = learner.post(informal_url, data={"title": f"Bench reading {tag}{next(counter)}",
                                                    "completed_on": "2026-03-01", "hours": "1", "reflection": "",
                                                    "submission": new_token()})
        return response.status_code == 303

    def read(client, path):
        def call():
            response = client.get(path)
            response.get_data()
            response.close()
            return response.status_code == 200
        return call

    kinds = {"saves": [save], "passport reads": [read(users["reader"], "/passport")],
             "sign-off queue reads": [read(users["educator reader"], "/sign-off/")],
             "matrix and passport reads": [read(admin_reader, paths["matrix"]), read(admin_reader, paths["passport"])]}
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    refused = [0]
    thread = threading.Thread(target=confirm)

    def user(kind, calls):
        i = 0
        while thread.is_alive():
            started = time.perf_counter()
            ok = calls[i % len(calls)]()
            elapsed = (time.perf_counter() - started) * 1000
            if thread.is_alive():   # only requests made while the import ran
                times[kind].append(elapsed)
                if not ok:
                    refused[0] += 1
            i += 1
            time.sleep(0.1)     # a person's pause between clicks, not the measurement's logic

    others = [threading.Thread(target=user, args=(kind, calls)) for kind, calls in kinds.items()]
    try:
        thread.start()
        for other in others:
            other.start()
        thread.join()
        for other in others:
            other.join()
    finally:
        people_import.BATCH = saved_batch
    assert outcome.get("status") == 303, outcome
    assert worker is None or outcome.get("runs") == ["ready"] * len(tokens), outcome
    everyone = [t for kind in times.values() for t in kind]
    p95 = _percentile(everyone, 95) if everyone else 0.0
    verdict = "met" if p95 < IMPORT_NEIGHBOURS_P95 else "**missed**"
    how = (f"in batches of {saved_batch}" if batched else "each file as one transaction")
    how += (" by the job worker (its own process)" if worker is not None
            else " inside the confirming request, in the users' process (for comparison)")
    how += f", as {files} files of {size:,} (a file holds at most {people_import.MAX_ROWS:,})" if files > 1 else ""
    each = ", ".join(f"{kind} {len(ts)}: median {statistics.median(ts) if ts else 0:.0f}, "
                     f"p95 {_percentile(ts, 95) if ts else 0:.0f}" for kind, ts in times.items())
    note = (f"{n:,} people {how} in {outcome['seconds']:.1f} s ({1000 * outcome['seconds'] / n:.2f} ms a person); "
            f"meanwhile {len(everyone)} requests by 4 other users: p95 **{p95:.0f} ms** (budget < "
            f"{IMPORT_NEIGHBOURS_P95} ms: {verdict}), slowest {max(everyone, default=0):.0f} ms, {refused[0]} refused "
            f"or failed; in ms, {each}")
    # The budget: 30,000 people within 60 s (2 ms a person), for the import as the app makes it (on the job worker).
    name = ("on the job worker" if worker is not None else
            f"in the users' process, {'batched' if batched else 'one transaction'}")
    return {"name": f"People import beside other users ({name})",
            "median": outcome["seconds"] * 1000, "p95": outcome["seconds"] * 1000, "queries": 0, "runs": 1,
            "note": note, "budget": 2 * n if worker is not None else None, "budget_words": f"{n:,} people"}


class _JobWorker:
    """A real job worker (`flask jobs-worker`) on the bench's database, with a queue of its own (a SQLite file),
    and an app whose requests hand their jobs to that queue: what SkillPass runs beside its web servers."""

    def __init__(self, url: str, upload: str):
        self.url, self.upload = url, upload
        self.folder = Path(tempfile.mkdtemp(prefix="skillpass-bench-jobs-"))
        self.queue = f"sqlite:///{self.folder / 'jobs.db'}"
        self.process: subprocess.Popen | None = None
        self.app = None

    def __enter__(self) -> _JobWorker:
        # Its every-minute job runs as in production; the daily digests are off, so that a run that happens to
        # cross their minute measures the import, not 30,000 digests.
        env = dict(_server_env(self.url, self.upload), SKILLPASS_JOBS_URL=self.queue, SKILLPASS_REMINDERS_AT="off")
        self.log = open(self.folder / "worker.log", "wb")
        self.process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "jobs-worker"], cwd=ROOT,
                                        env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.app = _app(self.url, self.upload, JOBS_IMMEDIATE=False, JOBS_URL=self.queue)
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def client(self, email: str):
        from bench.generate import PASSWORD

        return _client(self.app, email, PASSWORD)

    def wait_for_imports(self, tokens: list[str], timeout: float = 3600) -> list[str]:
        """Wait until the worker has finished the import runs of these previews; how each ended."""
        from skillpass.extensions import db
        from skillpass.models import ImportRun

        deadline = time.monotonic() + timeout
        with self.app.app_context():
            while True:
                ended = [status.value for status in db.session.scalars(
                    select(ImportRun.status).where(ImportRun.token.in_(tokens)).order_by(ImportRun.id))]
                db.session.rollback()
                if len(ended) == len(tokens) and not {"queued", "running"} & set(ended):
                    return ended
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.log.flush()
                    tail = (self.folder / "worker.log").read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"the job worker did not finish the import ({ended}):\n{tail}")
                time.sleep(0.05)    # polling the runs' rows, not timing anything


# ---------------------------------------------------------------- throughput under gunicorn

BARE_APP = '''
"""A bare Flask page: no database, no sign-in, no hooks; it renders a Jinja template with
as many rows as the passport page, each with a few escaped values, to the same size."""
from flask import Flask, render_template_string

app = Flask(__name__)
ROWS = [{{"id": i, "title": f"Item {{i}} <title>", "lead": "Learning & Development", "status": "Complete",
         "date": "Due 19 Jan 2026: start date 5 Jan 2026 + 2 weeks", "filler": "x" * {filler}}}
        for i in range({rows})]
TEMPLATE = """<!DOCTYPE html><html lang="en"><head><title>Bare</title></head><body><main><table>
{{% for r in rows %}}<tr id="item-{{{{ r.id }}}}" class="row"><td><strong>{{{{ r.title }}}}</strong> ({{{{ r.lead }}}})</td>
<td>{{{{ r.status }}}}</td><td>{{{{ r.date }}}}</td><td><a href="/items/{{{{ r.id }}}}/record">Record</a>{{{{ r.filler }}}}</td></tr>
{{% endfor %}}</table></main></body></html>"""


@app.get("/bare")
def bare():
    return render_template_string(TEMPLATE, rows=ROWS)
'''


def _server_env(url: str, upload: str) -> dict:
    """The environment of a process of the app on the bench's database (a web server, the job worker)."""
    return dict(os.environ, SKILLPASS_DATABASE_URL=url, SKILLPASS_TODAY=TODAY.isoformat(), SKILLPASS_SECRET_KEY="bench",
                SKILLPASS_UPLOAD_FOLDER=upload, SKILLPASS_SIGN_IN_EMAIL_LIMIT="1000000",
                SKILLPASS_SIGN_IN_IP_LIMIT="1000000", SKILLPASS_IDLE_MINUTES="600")


def throughput(url: str, trust_emails: tuple[str, str], *, seconds: float, upload: str) -> dict:
    """Requests a second for the passport page and for a bare page of the same size, under gunicorn (2 workers)."""
    from bench.generate import PASSWORD

    env = _server_env(url, upload)
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    port = _free_port()
    server = subprocess.Popen([gunicorn, "--no-control-socket", "--workers", "2", "--bind", f"127.0.0.1:{port}",
                               "--log-level", "warning", "app:app"], cwd=ROOT, env=env)
    try:
        _wait(port)
        cookie = _sign_in(port, trust_emails[0], PASSWORD)
        page = _fetch(port, "/passport", cookie)
        folder = Path(tempfile.mkdtemp(prefix="skillpass-bare-"))
        rows = max(1, page.count('class="nhsuk-table__row app-row'))
        per_row = 260   # the bare template's own bytes a row, before the filler
        filler = max(0, len(page.encode()) // rows - per_row)
        (folder / "bare_app.py").write_text(BARE_APP.format(rows=rows, filler=filler), encoding="utf-8")
        body_file = folder / "bare_app.py"
        bare_port = _free_port()
        bare = subprocess.Popen([gunicorn, "--no-control-socket", "--workers", "2", "--bind",
                                 f"127.0.0.1:{bare_port}", "--log-level", "warning", "bare_app:app"],
                                cwd=body_file.parent, env=env)
        try:
            _wait(bare_port)
            passport_rps, passport_errors = _load(port, "/passport", cookie, seconds)
            bare_rps, bare_errors = _load(bare_port, "/bare", "", seconds)
            bare_bytes = len(_fetch(bare_port, "/bare", "").encode())
            memory = _worker_peak_memory(server.pid)
        finally:
            bare.terminate()
            bare.wait(10)
    finally:
        server.terminate()
        server.wait(10)
    # The same page with nothing kept: every request builds the passport and draws it.
    port = _free_port()
    server = subprocess.Popen([gunicorn, "--no-control-socket", "--workers", "2", "--bind", f"127.0.0.1:{port}",
                               "--log-level", "warning", "app:app"], cwd=ROOT,
                              env=dict(env, SKILLPASS_CACHE_PAGES="false"))
    try:
        _wait(port)
        cookie = _sign_in(port, trust_emails[0], PASSWORD)
        afresh_rps, afresh_errors = _load(port, "/passport", cookie, seconds)
    finally:
        server.terminate()
        server.wait(10)
    return {"passport_rps": passport_rps, "bare_rps": bare_rps, "ratio": passport_rps / bare_rps if bare_rps else 0,
            "afresh_rps": afresh_rps, "afresh_ratio": afresh_rps / bare_rps if bare_rps else 0,
            "errors": passport_errors + bare_errors + afresh_errors, "page_bytes": len(page.encode()),
            "bare_bytes": bare_bytes, "worker_peak_mb": memory}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, timeout: float = 30):
    import http.client

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answered on port {port}")


def _sign_in(port: int, email: str, password: str) -> str:
    import http.client
    from urllib.parse import urlencode

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/sign-in")
    response = conn.getresponse()
    response.read()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    html = _fetch(port, "/sign-in", cookie)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html)
    csrf = next(g for g in token.groups() if g)
    body = urlencode({"email": email, "password": password, "csrf_token": csrf})
    conn.request("POST", "/sign-in", body=body, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                         "Cookie": cookie})
    response = conn.getresponse()
    response.read()
    assert response.status == 303, f"sign-in under gunicorn failed: {response.status}"
    return response.getheader("Set-Cookie", "").split(";")[0]


def _fetch(port: int, path: str, cookie: str) -> str:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = conn.getresponse()
    data = response.read().decode()
    assert response.status == 200, (path, response.status)
    return data


def _load(port: int, path: str, cookie: str, seconds: float, clients: int = 8) -> tuple[float, int]:
    """Closed-loop load: *clients* threads with keep-alive connections, each sending the next request at once."""
    import http.client

    done = [0] * clients
    errors = [0] * clients
    stop = time.time() + seconds

    def worker(i):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": cookie} if cookie else {}
        while time.time() < stop:
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    done[i] += 1
                else:
                    errors[i] += 1
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.time() - started), sum(errors)


def _worker_peak_memory(master_pid: int) -> float:
    """The largest peak resident set (VmHWM) among the master's worker processes, in MB."""
    peaks = []
    for child in Path("/proc").iterdir():
        if not child.name.isdigit():
            continue
        try:
            status = (child / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master_pid) and "VmHWM" in fields:
            peaks.append(int(fields["VmHWM"].split()[0]) / 1024)
    return max(peaks) if peaks else 0.0


# ---------------------------------------------------------------- report

def table(label: str, summary: dict, rows: list[dict], load: dict | None) -> str:
    out = [f"### {label}: {summary['people']:,} people, {summary['teams']} teams, {summary['entries']:,} entries "
           f"(generated in {summary['generated_seconds']:.0f} s, before the kept dates are rebuilt)", "",
           "| page | first ms | median ms | p95 ms | runs | SQL queries | budget | floor ms | × floor | note |",
           "|---|---:|---:|---:|---:|---:|---|---:|---|---|"]
    for row in rows:
        budget = ""
        limit = row.get("budget", next((limit for key, (_, limit) in BUDGETS.items()
                                        if row["name"].startswith(key.split(" (")[0])), None))
        if limit is not None:
            verdict = "met" if row["median"] <= limit else "**missed**"
            budget = f"≤ {limit:,} ms{' for ' + row['budget_words'] if row.get('budget_words') else ''}: {verdict}"
        first = f"{row['first']:.1f}" if "first" in row else ""
        floor = f"{row['floor']:.1f}" if row.get("floor") else ""
        missed = limit is not None and row["median"] > limit
        pace = _Pace.words(row["pace"]) if missed and row.get("pace") and _Pace.samples else ""
        note = "; ".join(n for n in (row.get("note", ""), row.get("floor_note", ""), pace) if n)
        out.append(f"| {row['name']} | {first} | {row['median']:.1f} | {row['p95']:.1f} | {row['runs']} | "
                   f"{row['queries']} | {budget} | "
                   f"{floor} | {_aim(row)} | {note} |")
    if _Pace.samples:
        low, high = min(_Pace.samples), max(_Pace.samples)
        out += ["", f"The machine's pace: a fixed Python loop, the same work each time, timed before each row took "
                    f"{low:.0f} to {high:.0f} ms in this run ({high / low:.2f}× apart); a page's time moves with it."]
        _Pace.samples.clear()
    if load:
        verdict = "met" if load["ratio"] >= 0.5 else "**missed**"
        out += ["", f"Under gunicorn (2 workers, 8 keep-alive clients): passport page {load['passport_rps']:.0f} "
                    f"requests/s; a bare Flask page rendering a template of as many rows and the same size "
                    f"({load['bare_bytes'] / 1000:.0f} kB against {load['page_bytes'] / 1000:.0f} kB) "
                    f"{load['bare_rps']:.0f} requests/s: ratio **{load['ratio']:.0%}** (budget ≥ 50 %: {verdict}). "
                    f"With nothing kept (every request builds and draws the passport): "
                    f"{load['afresh_rps']:.0f} requests/s, ratio {load['afresh_ratio']:.0%}. "
                    f"{load['errors']} errors; peak memory per worker {load['worker_peak_mb']:.0f} MB."]
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=30000,
                        help="people in the synthetic trust (30,000: the largest trusts; 5,000: the quick run)")
    parser.add_argument("--scale", type=float, default=None, help="the same as --people 5000×SCALE")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--load-seconds", type=float, default=10)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--output", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args(argv)
    people = max(20, round(5000 * args.scale)) if args.scale is not None else args.people

    sections = [f"## Benchmark, {dt.date.today().isoformat()}: {people:,} people on {platform.machine()}, "
                f"{os.cpu_count()} cores, Python {platform.python_version()}", ""]
    for label in args.databases.split(","):
        if label == "sqlite":
            folder = tempfile.mkdtemp(prefix="skillpass-bench-")
            url = f"sqlite:///{folder}/bench.db"
        elif label == "postgresql":
            url = os.environ.get("SKILLPASS_BENCH_PG_URL") or os.environ.get("SKILLPASS_TEST_DATABASE_URL")
            if not url:
                print("PostgreSQL: run through scripts/with-postgres.sh (make bench does)", file=sys.stderr)
                continue
        else:
            raise SystemExit(f"unknown database {label}")
        print(f"== {label}: generating the trust and measuring", flush=True)
        rows, summary = run_database(label, url, people=people, repeat=args.repeat)
        load = None
        if args.load_seconds > 0:
            progress(f"{label}: throughput under gunicorn")
            learner_email = _learner_email(url)
            load = throughput(url, (learner_email, ""), seconds=args.load_seconds,
                              upload=tempfile.mkdtemp(prefix="skillpass-bench-uploads-"))
        report = table("SQLite" if label == "sqlite" else "PostgreSQL", summary, rows, load)
        print(report + "\n", flush=True)
        sections += [report, ""]
    Path(args.output).write_text("\n".join(sections), encoding="utf-8")
    print(f"Written to {args.output}")
    return 0


def _learner_email(url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url if not url.startswith("postgresql://") else url.replace("postgresql://",
                                                                                        "postgresql+psycopg://"))
    with engine.connect() as conn:
        email = conn.execute(text("SELECT email FROM person WHERE role = 'learner' ORDER BY id LIMIT 1")).scalar()
    engine.dispose()
    return email


if __name__ == "__main__":
    raise SystemExit(main())
