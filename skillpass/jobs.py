"""Background work, on the Huey job library: bulk prints, imports, email after a commit, the daily digests.

Huey keeps its queue in a store every process that needs it can reach (``SKILLPASS_JOBS_URL``):

* ``sqlite:///<file>`` (the default, ``instance/jobs.db``): nothing to set up; ``make run`` and the tests'
  real-worker test use it. One host: the web servers and the worker share the file.
* ``postgresql://…`` (Huey's ``PostgresHuey``, on psycopg 3 as SkillPass is): the trust's PostgreSQL, in a
  database of its own beside SkillPass's, so every host's web servers and workers share one queue. A task
  goes to one worker (``FOR UPDATE SKIP LOCKED``), and an idle worker is woken by ``LISTEN``/``NOTIFY``.

``flask jobs-worker`` (cli.py) runs the consumer: ``SKILLPASS_JOBS_WORKERS`` threads (2 by default) that take
jobs from the store, and a scheduler that queues the periodic ones. Any number of workers, on any hosts, may
run at once. A worker that dies loses the job it had taken (Huey removes a job from the queue as it hands it
out), so the job's own database row is the truth, not the queue: a bulk print is claimed with a conditional
UPDATE and handed on again when stranded (print/bulk.py), an import likewise, going on where it stopped
(services/import_runs.py), a queued message is claimed the same way and sent
by the periodic job when stranded (services/mail.py), and the digests are sent once per person and period
whatever runs them (services/reminders.py). Each job runs in an application context of its own: its own
session and transaction, committed when it returns, rolled back when it raises, and removed after.

In the tests (``SKILLPASS_JOBS_IMMEDIATE``, set by tests/conftest.py) Huey's immediate mode runs a job at once,
in the process that queued it; tests/unit/test_jobs_worker.py runs a real worker process.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask
from huey import Huey, PostgresHuey, SqliteHuey, crontab
from huey.exceptions import TaskLockedException

from skillpass.config import ROOT
from skillpass.extensions import db

EXTENSION = "skillpass.jobs"
QUEUE_NAME = "skillpass"


def make_huey(config: dict) -> Huey:
    """The Huey instance the configuration names (no results are kept: every job's outcome is in its row)."""
    url = str(config["JOBS_URL"])
    immediate = bool(config.get("JOBS_IMMEDIATE"))
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        path = path if path.is_absolute() else ROOT / path
        if not immediate:
            path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(QUEUE_NAME, filename=str(path), results=False, immediate=immediate, timeout=30)
    dsn = "postgresql://" + url.split("://", 1)[1]      # libpq's form (never postgresql+psycopg)
    return PostgresHuey(QUEUE_NAME, dsn=dsn, results=False, immediate=immediate)


def _daily_at(config: dict):
    """Huey's periodic test for "this minute is REMINDERS_AT, in the organisation's time zone"."""
    at = dt.time.fromisoformat(config["REMINDERS_AT"])
    zone = ZoneInfo(config["TIMEZONE"])

    def due(moment: dt.datetime) -> bool:     # Huey passes UTC, without a zone
        local = moment.replace(tzinfo=dt.timezone.utc).astimezone(zone)
        return (local.hour, local.minute) == (at.hour, at.minute)

    return due


class Jobs:
    """The app's job queue: ``enqueue(name, *args)`` from a request; ``run_worker()`` in ``flask jobs-worker``."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._huey: Huey | None = None
        self._lock = threading.Lock()
        self.tasks: dict = {}

    @property
    def huey(self) -> Huey:
        """Made at first use, not with the app: a web server starts (and answers) while the queue's store is
        unreachable, and what it queues meanwhile waits in its rows."""
        if self._huey is None:
            with self._lock:
                if self._huey is None:
                    huey = make_huey(self.app.config)
                    tasks = {
                        "print_passports": huey.task(name="print_passports")(self._in_app(self._print_passports)),
                        "send_mail": huey.task(name="send_mail")(self._in_app(self._send_mail)),
                        "import_run": huey.task(name="import_run")(self._in_app(self._import_run)),
                        "every_minute": huey.periodic_task(crontab(), name="every_minute")(
                            self._in_app(self._every_minute)),
                    }
                    if self.app.config["REMINDERS_AT"] != "off":
                        tasks["daily_digests"] = huey.periodic_task(_daily_at(self.app.config),
                                                                    name="daily_digests")(
                            self._in_app(self._daily_digests))
                    self.tasks, self._huey = tasks, huey
        return self._huey

    # ------------------------------------------------------------ running a job

    def _in_app(self, work):
        app = self.app

        def job(*args):
            with app.app_context():
                try:
                    work(*args)
                    db.session.commit()
                except BaseException:
                    db.session.rollback()
                    raise
                finally:
                    db.session.remove()

        job.__name__ = work.__name__.lstrip("_")
        return job

    def enqueue(self, name: str, *args) -> None:
        """Queue a job (in immediate mode: run it now, here)."""
        self.huey     # noqa: B018 - made at first use
        self.tasks[name](*args)

    # ------------------------------------------------------------ the jobs

    def _print_passports(self, job_id: int, base_url: str) -> None:
        from skillpass.print import bulk

        bulk.run(self.app, job_id, base_url)

    def _import_run(self, run_id: int) -> None:
        from skillpass.services import import_runs

        import_runs.run(self.app, run_id)

    def _send_mail(self, ids: list[int]) -> None:
        from skillpass.services import mail

        mail.send_queued(ids)

    def _every_minute(self) -> None:
        """Hand stranded prints to the queue again; send messages a stopped worker left queued; build the trend's
        month ends not yet built."""
        from skillpass.print import bulk
        from skillpass.services import mail

        bulk.requeue_stranded()
        mail.send_stranded()
        self._requeue_imports()
        self._build_trend_months()
        self._build_date_counts()

    def _build_trend_months(self) -> None:
        """The trend's past month ends (services/trend_months.py): the month just ended, and any marked unbuilt
        by a write that touched thousands of people or a new warning window. One worker at a time builds them."""
        from skillpass import clock
        from skillpass.services import trend_months

        try:
            with self.huey.lock_task("trend_months"):
                built = trend_months.ensure_built(clock.today())
                db.session.commit()
        except TaskLockedException:
            return
        if built:
            self.app.logger.info("trend months built: %s", ", ".join(m.isoformat() for m in built))

    def _build_date_counts(self) -> None:
        """The admin home's counts of the kept dates (services/date_counts.py), against today: once a day."""
        from skillpass import clock
        from skillpass.services import date_counts

        try:
            with self.huey.lock_task("date_counts"):
                if date_counts.ensure_built(clock.today()):
                    db.session.commit()
                    self.app.logger.info("the admin home's counts built against %s", clock.today().isoformat())
        except TaskLockedException:
            return

    def _requeue_imports(self) -> int:
        """Hand stranded imports to the queue again (services/import_runs.py): they go on where they stopped."""
        from skillpass.services import import_runs

        return import_runs.requeue_stranded()

    def _daily_digests(self) -> None:
        """``flask send-reminders``, at REMINDERS_AT. Every worker's scheduler queues it: the first to run it
        that day sends; a lock keeps two from running at once, and each message's dedupe key keeps any from
        going twice (a worker that stops part way leaves the rest to ``flask send-reminders`` or tomorrow's run,
        which sends what the week's or month's period still owes)."""
        from skillpass import clock
        from skillpass.services import reminders

        today = clock.today()
        try:
            with self.huey.lock_task("daily_digests"):
                marker = f"daily_digests:{today.isoformat()}"
                if not self.huey.put_if_empty(marker, "sent"):
                    return
                report = reminders.run(today=today, after_each=db.session.commit)
        except TaskLockedException:
            return
        self.app.logger.info("digests for %s: %s sent, %s failed", today, report.sent, report.failed)

    # ------------------------------------------------------------ the worker

    def run_worker(self, workers: int | None = None) -> None:
        """Run the consumer until stopped (SIGINT: finish the jobs in hand; SIGTERM: at once, and their
        rows bring them back). First hand on whatever earlier workers left."""
        if self.huey.immediate:
            raise RuntimeError("SKILLPASS_JOBS_IMMEDIATE is on: jobs run where they are queued, not in a worker")
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
        with self.app.app_context():
            from skillpass.print import bulk

            handed = bulk.requeue_stranded()
            imports = self._requeue_imports()
            db.session.remove()
        self.app.logger.info("jobs worker: %s stranded print(s) handed on", handed)
        self.app.logger.info("jobs worker: %s stranded import(s) handed on", imports)
        # An idle thread asks the store for work at most a second apart (Huey's default backs off to ten: a
        # bulk print would wait that long to start); a second's poll is one small query.
        consumer = self.huey.create_consumer(workers=workers or self.app.config["JOBS_WORKERS"],
                                             worker_type="thread", periodic=True, check_worker_health=True,
                                             max_delay=1.0)
        consumer.run()


def register(app: Flask) -> None:
    """The factory: the app's job queue, reached as ``app.extensions["skillpass.jobs"]``."""
    app.extensions[EXTENSION] = Jobs(app)
