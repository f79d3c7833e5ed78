"""make bench: build a synthetic trust, then measure SkillPass on it.

For SQLite and (when its server binaries are installed) PostgreSQL, per page:
median and 95th-percentile server time and the number of SQL queries. Then,
under gunicorn with 2 workers, the passport page's throughput beside a bare
Flask page that renders a template of the same size, and each worker's peak
memory. Prints a Markdown table and writes it to bench/RESULTS.md.

    python -m bench.run [--scale 1.0] [--repeat 15] [--load-seconds 10] [--databases sqlite,postgresql]

Server time is measured around the WSGI call with Flask's test client, in the
process: no network, no browser. Budgets (2 cores) are printed beside the figures.
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
BUDGETS = {
    "My passport": ("median", 25),
    "Team matrix (300 people)": ("median", 250),
    "Admin home": ("median", 400),
    "One passport PDF": ("median", 1000),
    "CSV export of every record": ("median", 15000),
    "Skills snapshot (whole organisation)": ("median", 250),
}


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


def _app(url: str, upload: str):
    from skillpass import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "FIXED_TODAY": TODAY, "UPLOAD_FOLDER": upload,
                       "WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench", "SIGN_IN_EMAIL_LIMIT": 10 ** 6,
                       "SIGN_IN_IP_LIMIT": 10 ** 6})


def _migrate(app):
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))


def _client(app, email, password):
    client = app.test_client()
    response = client.post("/sign-in", data={"email": email, "password": password})
    assert response.status_code == 303, f"bench sign-in failed for {email}: {response.status_code}"
    return client


def measure(name, fn, counter, repeat):
    """Run fn repeat times (after one warm-up, whose time is kept as "first"); median, p95, queries of the last run."""
    start = time.perf_counter()
    fn()
    first = (time.perf_counter() - start) * 1000
    times = []
    queries = 0
    for _ in range(repeat):
        before = counter.count
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
        queries = counter.count - before
    return {"name": name, "median": statistics.median(times), "p95": _percentile(times, 95), "queries": queries,
            "runs": repeat, "first": first}


def run_database(label: str, url: str, *, scale: float, repeat: int) -> tuple[list[dict], dict]:
    from bench.generate import PASSWORD, generate
    from skillpass.extensions import db
    from skillpass.gc_tuning import tune
    from skillpass.models import DataVersion
    from skillpass.models import Person
    from skillpass.services import item_dates

    upload = tempfile.mkdtemp(prefix="skillpass-bench-uploads-")
    app = _app(url, upload)
    _migrate(app)
    results = []
    with app.app_context():
        started = time.perf_counter()
        trust = generate(scale=scale, today=TODAY)
        # The generator writes rows directly (no ORM session): the kept dates are built whole after it,
        # as `flask rebuild-item-dates` would (its time is part of the generation's).
        item_dates.rebuild()
        db.session.commit()
        built = time.perf_counter() - started
        counter = QueryCounter(db.engine)
        someone = db.session.scalar(select(Person.id).where(Person.team_id == trust.big_team_id).offset(5).limit(1))
        self_id = _self(db, trust)
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

    results.append(measure("My passport", get(learner, "/passport"), counter, repeat))
    results.append(measure("A person's passport", get(admin, f"/people/{someone}/passport"), counter, repeat))
    results.append(measure("Sign-off queue", get(educator, "/sign-off/"), counter, repeat))
    results.append(measure(f"Team matrix ({trust.big_team_size} people)",
                           get(admin, f"/team/?team={trust.big_team_id}"), counter, repeat))
    results.append(measure("Admin home", get(admin, "/admin/"), counter, repeat))

    # The admin home just after someone somewhere wrote something: counted afresh over the kept dates.
    def write_then_home():
        with app.app_context():
            db.session.execute(update(DataVersion).values(n=DataVersion.n + 1))
            db.session.commit()
        get(admin, "/admin/")()
    results.append(measure("Admin home, the look after a write", write_then_home, counter, repeat))
    results.append(measure("One passport PDF", get(learner, f"/people/{self_id}/passport.pdf"),
                           counter, max(3, repeat // 3)))
    # The pages above that are kept between requests (services/kept.py), worked out afresh each time:
    # what the first look after any write costs.
    app.config["CACHE_PAGES"] = False
    results.append(measure(f"My passport {AFRESH}", get(learner, "/passport"), counter, repeat))
    results.append(measure(f"Team matrix ({trust.big_team_size} people) {AFRESH}",
                           get(admin, f"/team/?team={trust.big_team_id}"), counter, repeat))
    results.append(measure(f"Admin home {AFRESH}", get(admin, "/admin/"), counter, max(3, repeat // 3)))
    app.config["CACHE_PAGES"] = True
    _floors(app, db, results, learner=learner, admin=admin, someone=someone, self_id=self_id,
            matrix=f"/team/?team={trust.big_team_id}", repeat=repeat)

    # Skills and gaps (issue 16, part D): the whole organisation's snapshot, its trend and its Excel export.
    results.extend(_skills(app, db, admin, counter, repeat))

    # Every record as CSV, streamed: time and the most Python memory held at once.
    def export():
        response = admin.get("/team/export/records?format=csv", buffered=False)
        size = 0
        for chunk in response.response:
            size += len(chunk)
        response.close()
        export.size = size
    export.size = 0
    row = measure("CSV export of every record", export, counter, 1)
    # Memory on a second run, traced (tracing slows it, so the time above is untraced).
    tracemalloc.start()
    export()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    row["note"] = f"{export.size / 1e6:.0f} MB of CSV; the most Python memory held at once: {peak / 1e6:.0f} MB"
    from bench import floors

    with app.app_context():
        floor = floors.csv_floor(db.engine)
    row.update(floor=floor["median"], floor_note=f"a plain cursor and csv.writer: {floor['note']}")
    results.append(row)

    with app.app_context():
        results.append(_bulk_print(app, db, trust, counter, count=max(3, min(50, int(50 * scale * 4)))))
    with app.app_context():
        results.append(_import_people(app, db, trust, counter, scale))
    # A large import through the pages, while a learner keeps saving: batched as the app does it, then
    # (for comparison) as one transaction.
    results.append(_import_beside_writes(app, admin, learner, trust, scale, batched=True))
    results.append(_import_beside_writes(app, admin, learner, trust, scale, batched=False))
    summary = {"people": trust.people, "teams": trust.teams, "entries": trust.entries, "generated_seconds": built}
    return results, summary


# What each page is measured against (bench/floors.py), and the most it should cost as a multiple of it
# (issue 19, item 5): pages worked out afresh within 2× their floor, a PDF within 1.2×.
AIMS = {"afresh": 2.0, "One passport PDF": 1.2}


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
        home = floors.admin_home_floor(db.engine, repeat, today=TODAY)
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
    limit = AIMS.get(row["name"]) or (AIMS["afresh"] if AFRESH in row["name"] else None)
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
    return {"name": f"Bulk PDF of {len(ids)} passports", "median": elapsed, "p95": elapsed,
            "queries": queries, "runs": 1, "note": note}


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
    """Plan and apply a CSV of new people (5,000 at scale 1), then roll back."""
    from skillpass.models import Person
    from skillpass.services import people_import

    n = max(50, int(5000 * scale))
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


def _import_beside_writes(app, admin, learner, trust, scale, *, batched: bool) -> dict:
    """Import 20,000 people (at scale 1) through the import pages while a learner adds informal learning
    every 50 ms: how long the import takes, and how long each of the learner's saves waits meanwhile."""
    import io
    import re

    from skillpass.services import people_import
    from skillpass.services.submissions import new_token

    n = max(200, int(20000 * scale))
    tag = "b" if batched else "u"
    lines = ["employee_number,name,email,job_role,team,start_date,role"]
    lines += [f"{tag.upper()}{i:06d},Imported Person {i},{tag}{i}@import.bench,Healthcare Assistant,Ward 03,2026-03-09,"
              for i in range(n)]
    preview = admin.post("/admin/import/people", content_type="multipart/form-data",
                         data={"file": (io.BytesIO(("\n".join(lines) + "\n").encode()), f"bench-{tag}.csv")})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html[:500]
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)
    me = learner.get("/passport").get_data(as_text=True)
    informal_url = re.search(r'action="(/people/\d+/passport/informal)"', me).group(1)
    saved_batch = people_import.BATCH
    if not batched:
        people_import.BATCH = n + 1
    outcome: dict = {}

    def confirm():
        started = time.perf_counter()
        response = admin.post("/admin/import/people/confirm", data={"token": token, "filename": f"bench-{tag}.csv",
                                                                     "submission": new_token()})
        outcome["status"] = response.status_code
        outcome["seconds"] = time.perf_counter() - started

    thread = threading.Thread(target=confirm)
    waits, refused = [], 0
    try:
        thread.start()
        time.sleep(0.3)     # the import under way (its preview is read again first)
        i = 0
        while thread.is_alive():
            i += 1
            started = time.perf_counter()
            response = learner.post(informal_url, data={"title": f"Bench reading {tag}{i}", "completed_on": "2026-03-01",
                                                        "hours": "1", "reflection": "", "submission": new_token()})
            waits.append((time.perf_counter() - started) * 1000)
            if response.status_code != 303:
                refused += 1
            time.sleep(0.05)
        thread.join()
    finally:
        people_import.BATCH = saved_batch
    assert outcome.get("status") == 303, outcome
    how = f"in batches of {saved_batch}" if batched else "as one transaction (for comparison)"
    note = (f"{n:,} people {how} in {outcome['seconds']:.1f} s; meanwhile {len(waits)} saves by a learner: "
            f"median {statistics.median(waits) if waits else 0:.0f} ms, slowest {max(waits, default=0):.0f} ms, "
            f"{refused} refused (database busy)")
    return {"name": f"People import beside a learner's saves ({'batched' if batched else 'one transaction'})",
            "median": outcome["seconds"] * 1000, "p95": outcome["seconds"] * 1000, "queries": 0, "runs": 1,
            "note": note}


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


def throughput(url: str, trust_emails: tuple[str, str], *, seconds: float, upload: str) -> dict:
    """Requests a second for the passport page and for a bare page of the same size, under gunicorn (2 workers)."""
    from bench.generate import PASSWORD

    env = dict(os.environ, SKILLPASS_DATABASE_URL=url, SKILLPASS_TODAY=TODAY.isoformat(), SKILLPASS_SECRET_KEY="bench",
               SKILLPASS_UPLOAD_FOLDER=upload, SKILLPASS_SIGN_IN_EMAIL_LIMIT="1000000",
               SKILLPASS_SIGN_IN_IP_LIMIT="1000000", SKILLPASS_IDLE_MINUTES="600")
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
           f"(generated in {summary['generated_seconds']:.0f} s)", "",
           "| page | first ms | median ms | p95 ms | SQL queries | budget | floor ms | × floor | note |",
           "|---|---:|---:|---:|---:|---|---:|---|---|"]
    for row in rows:
        budget = ""
        for key, (_, limit) in BUDGETS.items():
            if row["name"].startswith(key.split(" (")[0]):
                verdict = "met" if row["median"] <= limit else "**missed**"
                budget = f"≤ {limit:,} ms: {verdict}"
        first = f"{row['first']:.1f}" if "first" in row else ""
        floor = f"{row['floor']:.1f}" if row.get("floor") else ""
        note = "; ".join(n for n in (row.get("note", ""), row.get("floor_note", "")) if n)
        out.append(f"| {row['name']} | {first} | {row['median']:.1f} | {row['p95']:.1f} | {row['queries']} | {budget} | "
                   f"{floor} | {_aim(row)} | {note} |")
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
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--load-seconds", type=float, default=10)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--output", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args(argv)

    sections = [f"## Benchmark, {dt.date.today().isoformat()}: scale {args.scale} on {platform.machine()}, "
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
        rows, summary = run_database(label, url, scale=args.scale, repeat=args.repeat)
        load = None
        if args.load_seconds > 0:
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
