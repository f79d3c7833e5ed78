"""Large imports as jobs (issue 19, part E): a confirmed import of people or historic completions is made by the
job worker (skillpass/jobs.py), batch by batch, not inside the web request that confirmed it.

Every import goes this way, whatever its size: one path, the same for 3 rows and 30,000, so what the tests
check is what a large import does. The confirming request checks the file again, claims the preview's token
(a double click imports once), records the run (its file, what it will do) and hands it to the queue; the
admin watches its progress page, which moves them on to what the request showed before (the words, the people
to invite, the import's entries) once it is done.

The row is the truth, not the queue, as with a bulk print (print/bulk.py): a worker claims the run with a
conditional UPDATE that raises ``attempts``, and every later write of the run is checked against that number
(a worker that lost its claim writes nothing more: its batch is rolled back with it). Each batch is committed
together with the run's progress; the last one with the run marked ready. A run whose worker stopped is
handed to the queue again (``requeue_stranded``, every minute and when a worker starts) and goes on where it
stopped: the file is checked again against what is now in the database, so people already added are matched
(not added twice) and completions already on record are skipped, into the same ``import_batch``. A batch that
loses a race with someone's change (``IntegrityError``) ends the run as stopped: what came before is kept, the
preview's token is given back, and confirming it again imports only the rest.
"""
from __future__ import annotations

import datetime as dt
import time
from contextlib import nullcontext
from pathlib import Path

from flask import Flask, current_app, has_app_context
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from skillpass import claims, clock
from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import ImportBatch, ImportKind, ImportRun, ImportRunStatus, Person
from skillpass.services import audit, completions_import, import_batches, invitations, people_import, submissions

# Between two batches, SQLite's one writer steps aside this long, so that a request waiting to write (its busy
# handler retries at most every 100 ms) gets in. PostgreSQL locks rows, not the database: it needs no pause.
BATCH_PAUSE = 0.11
RECENT_FOR = dt.timedelta(days=14)      # a run older than this is never handed on again


def folder(app: Flask | None = None) -> Path:
    """Where checked files wait (a path every host shares: under UPLOAD_FOLDER)."""
    path = Path((app or current_app).config["UPLOAD_FOLDER"]) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_of(run: ImportRun, app: Flask | None = None) -> Path:
    return folder(app) / f"{run.token}.csv"


def for_token(token: str) -> ImportRun | None:
    """The run this preview's confirmation made, unless it stopped (a stopped import is confirmed again)."""
    return db.session.scalar(select(ImportRun).where(ImportRun.token == token,
                                                     ImportRun.status != ImportRunStatus.STOPPED)
                             .order_by(ImportRun.id.desc()).limit(1))


def create(*, actor: Person, kind: ImportKind, token: str, filename: str, counts: dict, total: int) -> ImportRun:
    """Record a confirmed import (the caller has claimed its token; it commits, then ``launch``es it). A
    completions import's batch is made now: every run of it adds to that one."""
    batch_id = None
    if kind is ImportKind.COMPLETIONS:
        batch_id = import_batches.start(actor=actor, filename=filename).id
    run = ImportRun(requested_by_id=actor.id, kind=kind, token=token, filename=filename[:120], counts=counts,
                    total=total, done=0, status=ImportRunStatus.QUEUED, outcome="", batch_id=batch_id,
                    enqueued_at=clock.now())
    db.session.add(run)
    db.session.flush()
    return run


def launch(run_id: int) -> None:
    """Hand the run (committed by the caller) to the job queue. A queue that cannot be reached loses nothing:
    the run waits, and ``requeue_stranded`` hands it on later."""
    try:
        current_app.extensions["skillpass.jobs"].enqueue("import_run", run_id)
    except Exception:  # noqa: BLE001 - the row is the truth; the page says it is waiting for a worker
        current_app.logger.exception("import run %s could not be queued: it is queued again later", run_id)


# ---------------------------------------------------------------- claims (skillpass/claims.py, as a bulk print's)

def _claimable(run: ImportRun, now: dt.datetime) -> bool:
    return claims.claimable(run, now, queued=ImportRunStatus.QUEUED, running=ImportRunStatus.RUNNING)


def _claim(run_id: int) -> tuple[int, str] | None:
    """Claim the run for this process (committed): (its attempt number, the claim's name), or None when it is
    finished or another worker holds it. Two workers that read the same row race on one conditional UPDATE."""
    run = db.session.get(ImportRun, run_id, populate_existing=True)
    if run is None or not _claimable(run, clock.now()):
        db.session.rollback()
        return None
    return claims.take(ImportRun.__table__, run_id, seen=run.attempts, status=run.status,
                       running=ImportRunStatus.RUNNING)


def requeue_stranded() -> int:
    """Hand every run no worker is making to the queue again (committed): queued ones that have waited a lease
    since they were last handed on, and running ones whose worker has gone. How many."""
    now = clock.now()
    runs = db.session.scalars(select(ImportRun).where(
        ImportRun.status.in_((ImportRunStatus.QUEUED, ImportRunStatus.RUNNING)),
        ImportRun.created_at >= now - RECENT_FOR).order_by(ImportRun.id)).all()
    stranded = [run.id for run in runs if _claimable(run, now) and (
        run.status is ImportRunStatus.RUNNING or now - (run.enqueued_at or run.created_at) > claims.lease())]
    if stranded:
        db.session.execute(update(ImportRun.__table__).where(ImportRun.__table__.c.id.in_(stranded))
                           .values(enqueued_at=now))
    db.session.commit()
    for run_id in stranded:
        launch(run_id)
    return len(stranded)


# ---------------------------------------------------------------- the words

def ready_words(run: ImportRun) -> str:
    counts = run.counts or {}
    if run.kind is ImportKind.PEOPLE:
        return (f"Imported {run.filename}: {counts.get('added', 0)} added, {counts.get('updated', 0)} updated, "
                f"{counts.get('unchanged', 0)} unchanged.")
    return (f"Imported {run.filename}: {counts.get('added', 0)} completions added, {counts.get('already', 0)} "
            f"already on record. They are listed below: should the file prove wrong, revoke them together here.")


def stopped_words(run: ImportRun) -> str:
    return (f"The import of {run.filename} stopped after {run.done} of {run.total} {run.what}: someone changed "
            f"the same {run.what} at the same moment. What was imported is kept. Upload the file again: its "
            f"preview shows only what is still to import, and nothing is added twice.")


def failed_words(run: ImportRun) -> str:
    return (f"The import of {run.filename} failed after {run.done} of {run.total} {run.what}. What was imported "
            f"is kept. Upload the file again: its preview shows only what is still to import, and nothing is "
            f"added twice.")


# ---------------------------------------------------------------- the job

class _Changed(Exception):
    """Checked again by the worker, the file has problems it had not at its preview."""


def _batch_size(app: Flask) -> int | None:
    return max(app.config.get("IMPORT_BATCH_ROWS") or 0, 0) or None      # None: each importer's own BATCH


def run(app: Flask, run_id: int) -> None:
    """Make the import, if this process can claim it (else it is finished, or another worker is making it),
    going on from where an earlier worker stopped. Run by a worker (skillpass/jobs.py) in an application
    context of its own; called where one is already active, it uses that one."""
    in_app = has_app_context() and current_app._get_current_object() is app
    with nullcontext() if in_app else app.app_context():
        held = _claim(run_id)
        if held is None:
            db.session.remove()
            return
        mine, name = held
        beating = claims.beat(app, ImportRun.__table__, run_id, mine, running=ImportRunStatus.RUNNING,
                              what="import run")
        try:
            _make(app, run_id)
        except StaleDataError:      # another worker took the run over (this one went a lease without a batch)
            app.logger.warning("import run %s: another worker took it over; this attempt (%s) stops", run_id, mine)
            db.session.rollback()
        except (IntegrityError, _Changed):  # a batch lost a race with someone's change: what came before is kept
            db.session.rollback()
            _end(app, run_id, mine, ImportRunStatus.STOPPED)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception:  # noqa: BLE001 - the page says so; the log keeps the detail
            app.logger.exception("import run %s failed", run_id)
            db.session.rollback()
            _end(app, run_id, mine, ImportRunStatus.FAILED)
        finally:
            beating.set()
            claims.release(name)
            db.session.remove()


def _make(app: Flask, run_id: int) -> None:
    job = db.session.get(ImportRun, run_id)
    actor = db.session.get(Person, job.requested_by_id)
    text = file_of(job, app).read_text(encoding="utf-8")
    today = clock.today()
    size = _batch_size(app)
    if job.kind is ImportKind.PEOPLE:
        checked = people_import.plan(text, today=today, actor=actor)
        remaining = checked.changes
        batches = people_import.apply_batches(checked, actor=actor, today=today, filename=job.filename, size=size,
                                              reported=job.counts)
    else:
        checked = completions_import.plan(text, today=today)
        remaining = len(checked.rows)
        kept = db.session.get(ImportBatch, job.batch_id)
        batches = completions_import.apply_batches(checked, actor=actor, filename=job.filename, size=size,
                                                   kept=kept, reported=job.counts)
    if checked.problems:    # someone changed the same people since: the file no longer checks cleanly
        raise _Changed()
    before = max(job.total - remaining, 0)      # done by earlier runs of it
    job.done = before
    job.progressed_at = clock.now()
    db.session.commit()
    pause = BATCH_PAUSE if db.engine.dialect.name == "sqlite" else 0
    for done in batches:
        job.done = min(before + done, job.total)
        job.progressed_at = clock.now()
        if done >= remaining:      # the last batch: the run is ready in the same commit
            job.done = job.total
            job.status = ImportRunStatus.READY
            job.finished_at = clock.now()
            job.outcome = ready_words(job)
            if job.kind is ImportKind.PEOPLE and (job.counts or {}).get("added"):
                db.session.flush()
                event = invitations.last_people_import(actor)
                job.event_id = event.id if event is not None else None
        db.session.commit()         # the batch and the run's progress together (checked against the claim)
        if job.status is ImportRunStatus.READY:
            break
        if pause:
            time.sleep(pause)
    file_of(job, app).unlink(missing_ok=True)


def _end(app: Flask, run_id: int, mine: int, status: ImportRunStatus) -> None:
    """The run stopped (a lost race) or failed: say how far it went, in the run and the audit log, and give the
    preview's token back, so that it can be confirmed again (importing only what is still missing)."""
    job = db.session.get(ImportRun, run_id, populate_existing=True)
    if job is None or job.attempts != mine or job.finished:
        return      # another worker holds it now: not this one's to end
    app.logger.warning("import of %s %s after %s of %s", job.filename, status.value, job.done, job.total)
    submissions.release(job.token)
    actor = db.session.get(Person, job.requested_by_id)
    action = Action.IMPORT_PEOPLE if job.kind is ImportKind.PEOPLE else Action.IMPORT_COMPLETIONS
    why = "someone changed the same " + job.what + " at the same moment" if status is ImportRunStatus.STOPPED \
        else "an error"
    audit.log(actor=actor, action=action, subject=None, subject_type="Import", person_id=None,
              summary=f"Import of {job.filename} stopped after {job.done} of {job.total} {job.what}: {why}",
              after={"file": job.filename, "done": job.done, "total": job.total, "stopped": True})
    job.status = status
    job.finished_at = clock.now()
    job.outcome = stopped_words(job) if status is ImportRunStatus.STOPPED else failed_words(job)
    db.session.commit()
