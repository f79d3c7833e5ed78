"""The job queue's own cost (issue 19, part A): what handing a job to the queue costs the request that does it,
and how long a job waits before a running `flask jobs-worker` has done it, on each store.

    python -m bench.jobs [--jobs 30] [--store sqlite|postgresql]     (postgresql: run through
                                                                     scripts/with-postgres.sh)

The job is the real one a request queues after its commit: sending a queued message (with no SMTP server,
"kept" in the outbox), so the wait is enqueue -> worker -> the message's row recorded. Prints median and 95th
percentile in milliseconds. The application's own database is SQLite (a throwaway file) either way; the queue
is a SQLite file, or a PostgreSQL database of its own (PostgresHuey, on psycopg 3).
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _percentile(values, pct):
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1)))))]


def _queue_url(store: str, folder: Path) -> tuple[str, callable]:
    if store == "sqlite":
        return f"sqlite:///{folder / 'queue.db'}", lambda: None
    from sqlalchemy import create_engine, make_url, text

    server = os.environ.get("SKILLPASS_TEST_DATABASE_URL")
    if not server:
        sys.exit("PostgreSQL: run through scripts/with-postgres.sh (it sets SKILLPASS_TEST_DATABASE_URL)")
    name = f"bench_jobs_{uuid.uuid4().hex[:8]}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    return make_url(server).set(database=name).render_as_string(hide_password=False), drop


def measure(store: str, count: int) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import select

    from skillpass import clock, create_app
    from skillpass.extensions import db
    from skillpass.models import Message, MessageStatus

    folder = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    queue_url, drop = _queue_url(store, folder)
    database = f"sqlite:///{folder / 'app.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "JOBS_URL": queue_url, "UPLOAD_FOLDER": str(folder),
                      "REMINDERS_AT": "off"})
    worker = None
    try:
        with app.app_context():
            upgrade()
            jobs = app.extensions["skillpass.jobs"]
            jobs.huey       # noqa: B018 - made now, not inside the first measurement
            env = dict(os.environ, SKILLPASS_DATABASE_URL=database, SKILLPASS_JOBS_URL=queue_url,
                       SKILLPASS_UPLOAD_FOLDER=str(folder), SKILLPASS_REMINDERS_AT="off")
            log = (folder / "worker.log").open("ab")
            worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "jobs-worker"], cwd=ROOT,
                                      env=env, stdout=log, stderr=subprocess.STDOUT)
            enqueue, done = [], []
            for n in range(count):
                message = Message(to=f"p{n}@bench.example", subject="Bench", kind="bench", status=MessageStatus.QUEUED,
                                  attempts=0, text_body="x", html_body="x", created_at=clock.now())
                db.session.add(message)
                db.session.commit()
                start = time.perf_counter()
                jobs.enqueue("send_mail", [message.id])
                queued = time.perf_counter()
                deadline = queued + 60
                while time.perf_counter() < deadline:
                    db.session.expire_all()
                    status = db.session.scalar(select(Message.status).where(Message.id == message.id))
                    db.session.rollback()
                    if status is not MessageStatus.QUEUED:
                        break
                    time.sleep(0.002)
                else:
                    raise RuntimeError(f"the worker did not send message {message.id}: {folder / 'worker.log'}")
                enqueue.append((queued - start) * 1000)
                done.append((time.perf_counter() - start) * 1000)
                print(f"\r   {store}: {n + 1} of {count} jobs", end="", file=sys.stderr, flush=True)
            print(file=sys.stderr)
            # The first few include the worker's start; the figures are of a worker that is running.
            steady = done[3:] if len(done) > 6 else done
            return {"store": store, "enqueue": (statistics.median(enqueue), _percentile(enqueue, 95)),
                    "done": (statistics.median(steady), _percentile(steady, 95))}
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGINT)
            worker.wait(timeout=60)
        drop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=30)
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args(argv)
    result = measure(args.store, args.jobs)
    print("| queue store | hand a job to the queue (median / p95) | queued to done by a running worker "
          "(median / p95) |")
    print("|---|---|---|")
    print(f"| {result['store']} | {result['enqueue'][0]:.1f} / {result['enqueue'][1]:.1f} ms | "
          f"{result['done'][0]:.0f} / {result['done'][1]:.0f} ms |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
