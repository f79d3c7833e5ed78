"""A real `flask jobs-worker` process on a SQLite queue (Huey's SqliteHuey; in the PostgreSQL run, on a
PostgreSQL queue too: PostgresHuey on psycopg 3, in a database of its own), killed (SIGKILL) in the middle of a
bulk print and started again: the print is finished, once (one file, every passport, done == total).

Huey removes a job from the queue as it hands it to a worker, so the killed worker's job is gone from the
queue; the print's row brings it back: the new worker finds it held by a process of this host that has ended,
hands it on again at its start, claims it and makes it from the start."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time

import uuid

import pytest
from pypdf import PdfReader
from sqlalchemy import select, text

from skillpass import jobs
from skillpass.config import ROOT
from skillpass.extensions import db
from skillpass.models import PrintJob, PrintJobStatus
from skillpass.print import bulk
from tests import factories
from tests.conftest import PG_URL, _pg_admin_engine, _pg_url_for

PEOPLE = 12


def _worker(app, queue_url: str, log) -> subprocess.Popen:
    env = dict(os.environ, SKILLPASS_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               SKILLPASS_JOBS_URL=queue_url, SKILLPASS_UPLOAD_FOLDER=app.config["UPLOAD_FOLDER"],
               SKILLPASS_TODAY=app.config["FIXED_TODAY"].isoformat(), SKILLPASS_SECRET_KEY=app.config["SECRET_KEY"],
               SKILLPASS_ORGANISATION_NAME=app.config["ORGANISATION_NAME"], SKILLPASS_JOBS_IMMEDIATE="false",
               SKILLPASS_REMINDERS_AT="off", SKILLPASS_ENV="development")
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "jobs-worker", "--workers", "1"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _state(job_id: int):
    db.session.expire_all()
    row = db.session.execute(select(PrintJob.status, PrintJob.done, PrintJob.attempts)
                             .where(PrintJob.id == job_id)).one()
    db.session.rollback()           # hold no read open on the worker's database
    return row


def _wait_for(condition, *, what: str, process: subprocess.Popen, log_path, deadline_s: float = 240):
    """Poll until *condition()* holds (a deadline against a worker that never gets there, not a timing)."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        if process.poll() is not None:
            pytest.fail(f"the worker ended ({process.returncode}) before {what}:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.05)
    pytest.fail(f"the worker did not get to {what}:\n{log_path.read_text()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)          # Huey's graceful stop
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(params=["sqlite"] + (["postgresql"] if PG_URL else []))
def queue_url(request, tmp_path):
    """Where the queue is kept: a SQLite file, or a PostgreSQL database of its own (as in production)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'queue.db'}"
        return
    name = f"sp_jobs_{uuid.uuid4().hex[:10]}"
    engine = _pg_admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield _pg_url_for(name)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def test_a_print_whose_worker_is_killed_part_way_is_finished_once_by_the_next_worker(app, world, tmp_path,
                                                                                      queue_url):
    people = [world.learner, world.other_learner]
    for n in range(PEOPLE - len(people)):
        person = factories.person(name=f"Learner {n:02d}", team=world.team_a)
        factories.assign(person, world.template)
        people.append(person)
    db.session.commit()
    job_id = bulk.create(actor=world.admin, people=people, title="Physiotherapy", base_url="http://localhost/").id
    db.session.commit()
    # The web side: the app's jobs on the queue file the worker reads, the print handed to it.
    app.config.update(JOBS_IMMEDIATE=False, JOBS_URL=queue_url)
    app.extensions[jobs.EXTENSION] = jobs.Jobs(app)
    bulk.launch(job_id, base_url="http://localhost/")
    assert app.extensions[jobs.EXTENSION].huey.pending_count() == 1

    log_path = tmp_path / "worker.log"
    with log_path.open("ab") as log:
        first = _worker(app, queue_url, log)
        try:
            _wait_for(lambda: _state(job_id).done >= 2, what="the second passport", process=first,
                      log_path=log_path)
            first.send_signal(signal.SIGKILL)
            first.wait()
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
        status, done, attempts = _state(job_id)
        assert status is PrintJobStatus.RUNNING and 2 <= done < PEOPLE and attempts == 1, (status, done)
        assert list(bulk.folder(app).glob(f"p{job_id}-*.pdf")) == []
        # Its job was handed out and went with it: the queue is empty; the row is what brings it back.
        assert "print_passports" not in {task.name for task in app.extensions[jobs.EXTENSION].huey.pending()}

        second = _worker(app, queue_url, log)
        try:
            _wait_for(lambda: _state(job_id).status in (PrintJobStatus.READY, PrintJobStatus.FAILED),
                      what="the finished print", process=second, log_path=log_path)
        finally:
            _stop(second)

    db.session.expire_all()
    job = db.session.get(PrintJob, job_id)
    assert job.status is PrintJobStatus.READY, (job.error, log_path.read_text()[-3000:])
    assert job.done == job.total == PEOPLE and job.attempts == 2
    files = [p.name for p in bulk.folder(app).glob(f"p{job_id}-*.pdf")]
    assert files == [job.stored_name]
    pages = [page.extract_text() for page in PdfReader(io.BytesIO((bulk.folder(app) / job.stored_name)
                                                                  .read_bytes())).pages]
    assert sum("Page 1 of" in page for page in pages) == PEOPLE
    assert "handed on" in log_path.read_text()
