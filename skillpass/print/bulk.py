"""Bulk printing: many passports as one PDF, each starting on a new page.

A job is recorded in the database (so any web server can report its progress), then handed to the job
queue (skillpass/jobs.py): a worker, on any host, claims it and makes it: each passport's page is made there and
laid out by WeasyPrint on its own in a pool of worker processes (its page numbers count its own pages), the files
are put together in order as they arrive (print/processes.py), and the whole is stored beside the evidence files
(a path every host shares) for whoever asked for it.

The row is the truth, not the queue. A worker claims a print with a conditional UPDATE that raises its
``attempts`` (two workers never make one print at once), and every later write of the job is checked against
that number (``PrintJob``'s version column): a worker that lost its claim writes nothing more. A print whose
worker stopped (killed, restarted, its host gone) is handed to the queue again by ``requeue_stranded`` (every
minute, and when a worker starts) once it has gone a lease without a step or a heartbeat (its worker beats
every third of a lease while it makes it), or at once when the worker that held it was on this host and is
gone; it is made again from the start, and stored once.
"""
from __future__ import annotations

import datetime as dt
import secrets
from contextlib import nullcontext
from pathlib import Path

from flask import Flask, current_app, has_app_context
from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from skillpass import claims, clock
from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import Person, PrintJob, PrintJobStatus
from skillpass.print import processes, render
from skillpass.services import audit
from skillpass.services.credentials import verify_links
from skillpass.services.settings import get_settings
from skillpass.services.skills import reports as skill_reports

MAX_PEOPLE = 500


def create(*, actor: Person, people: list[Person], title: str, base_url: str = "") -> PrintJob:
    """Record a print (the caller commits, then ``launch``es it). *base_url*: the address the passports' links
    resolve against, as the page that asked saw it (kept, for a print handed to the queue again)."""
    job = PrintJob(requested_by_id=actor.id, title=title[:200], person_ids=[p.id for p in people],
                   total=len(people), done=0, status=PrintJobStatus.QUEUED, base_url=base_url[:500],
                   enqueued_at=clock.now())
    db.session.add(job)
    db.session.flush()
    audit.log(actor=actor, action=Action.PRINT_REQUESTED, subject=job, person_id=None,
              summary=f"Bulk print requested: {title} ({len(people)} passports)",
              after={"people": len(people)})
    return job


RECENT_FOR = dt.timedelta(days=14)


def recent(actor: Person, *, limit: int = 5) -> list[PrintJob]:
    """This person's bulk prints of the last two weeks, newest first: one they left to be made can be found again.
    One no worker is moving says so (``PrintJob.waiting_for_worker``); it is not failed for that."""
    return list(db.session.scalars(
        select(PrintJob).where(PrintJob.requested_by_id == actor.id, PrintJob.created_at >= clock.now() - RECENT_FOR)
        .order_by(PrintJob.created_at.desc(), PrintJob.id.desc()).limit(limit)))


def folder(app: Flask | None = None) -> Path:
    path = Path((app or current_app).config["UPLOAD_FOLDER"]) / "prints"
    path.mkdir(parents=True, exist_ok=True)
    return path


def launch(job_id: int, *, base_url: str) -> None:
    """Hand the print (committed by the caller) to the job queue; the request that asked returns at once. A
    queue that cannot be reached loses nothing: the print waits, and ``requeue_stranded`` hands it on later."""
    try:
        current_app.extensions["skillpass.jobs"].enqueue("print_passports", job_id, base_url)
    except Exception:  # noqa: BLE001 - the row is the truth; the page says it is waiting for a worker
        current_app.logger.exception("print job %s could not be queued: it is queued again later", job_id)


worker_name = claims.worker_name     # (the tests name the print's claims by it)


def _claimable(job: PrintJob, now: dt.datetime) -> bool:
    """Free to claim: queued, or running with a worker that has gone (skillpass/claims.py)."""
    return claims.claimable(job, now, queued=PrintJobStatus.QUEUED, running=PrintJobStatus.RUNNING)


def claim(job_id: int) -> int | None:
    """Claim the print for this process (committed): its new attempt number, or None when it is finished or
    another worker holds it. Two workers that read the same row race on one conditional UPDATE: one wins."""
    held = _claim(job_id)
    return held[0] if held else None


def _claim(job_id: int) -> tuple[int, str] | None:
    """``claim``, with the claim's name (this process's, and a token): the process holds it while it makes the
    print (``run`` lets it go)."""
    job = db.session.get(PrintJob, job_id, populate_existing=True)
    if job is None or not _claimable(job, clock.now()):
        db.session.rollback()
        return None
    held = claims.take(PrintJob.__table__, job_id, seen=job.attempts, status=job.status,
                       running=PrintJobStatus.RUNNING, done=0, error="", stored_name=None)
    if held is None:
        return None
    # A file an earlier attempt stored without recording it (stopped between the two) goes: one file a print.
    for left in folder().glob(f"p{job_id}-*.pdf"):
        left.unlink(missing_ok=True)
    return held


def requeue_stranded() -> int:
    """Hand every print no worker is making to the queue again (committed): queued ones that have waited a
    lease since they were last handed on (their task was lost with the worker that took it), and running
    ones whose worker has gone. How many. Run every minute and when a worker starts (skillpass/jobs.py)."""
    now = clock.now()
    jobs = db.session.scalars(select(PrintJob).where(
        PrintJob.status.in_((PrintJobStatus.QUEUED, PrintJobStatus.RUNNING)),
        PrintJob.created_at >= now - RECENT_FOR).order_by(PrintJob.id)).all()
    stranded = [job for job in jobs if _claimable(job, now) and (
        job.status is PrintJobStatus.RUNNING or now - (job.enqueued_at or job.created_at) > claims.lease())]
    base = (current_app.config.get("BASE_URL") or "") + "/"
    for job in stranded:
        db.session.execute(update(PrintJob.__table__).where(PrintJob.__table__.c.id == job.id)
                           .values(enqueued_at=now))
    db.session.commit()
    for job in stranded:
        launch(job.id, base_url=job.base_url or base)
    return len(stranded)


def run(app: Flask, job_id: int, base_url: str) -> None:
    """Make the job's PDF, if this process can claim it (else it is finished, or another worker is making it).
    No request is needed (none is faked): *base_url* is the address the passports' links resolve against
    (WeasyPrint's base URL), as the page that asked saw it. Run by a worker (skillpass/jobs.py) in an
    application context of its own; called where one is already active (the benchmark), it uses that one."""
    in_app = has_app_context() and current_app._get_current_object() is app
    with nullcontext() if in_app else app.app_context():
        held = _claim(job_id)
        if held is None:
            db.session.remove()
            return
        mine, name = held
        job = db.session.get(PrintJob, job_id)
        stored = None
        beating = claims.beat(app, PrintJob.__table__, job_id, mine, running=PrintJobStatus.RUNNING,
                              what="print job")
        try:
            job.status = PrintJobStatus.RUNNING
            job.progressed_at = clock.now()
            db.session.commit()
            settings = get_settings()
            people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(job.person_ids)))}
            # Everyone's self-assessment and gaps in one load (issue 16, part D), not a load per passport.
            skills = skill_reports.print_sections(list(job.person_ids))
            # Everyone's verify link in one load, the missing ones made in one go (issue 18, part B); their
            # addresses built from SKILLPASS_BASE_URL, else the address of the request that started the print.
            links = verify_links.live_links([people[i] for i in job.person_ids],
                                            db.session.get(Person, job.requested_by_id))
            db.session.commit()
            # Each passport's HTML made here, a few ahead; laid out in worker processes; put together in order as
            # they arrive, the job's progress moving passport by passport (print/processes.py, issue 19, part C).
            def passports():
                for person_id in job.person_ids:
                    verify = verify_links.printed(links[person_id].token, base_url=base_url)
                    yield render.passport_html(people[person_id], settings=settings, for_pdf=True,
                                               skills=skills.get(person_id, []), verify=verify)

            def done(pages: int) -> None:
                job.done += 1
                job.progressed_at = clock.now()
                db.session.commit()

            file_name = f"p{job_id}-{secrets.token_hex(16)}.pdf"
            stored = folder(app) / file_name
            processes.print_in_order(app, passports(), base_url=base_url, target=stored,
                                     title=f"Skills passports: {job.title}",   # not the first person's name
                                     on_done=done)
            job.stored_name = file_name
            job.status = PrintJobStatus.READY
            job.finished_at = clock.now()
            db.session.commit()
        except StaleDataError:      # another worker took the print over (this one went a lease without a step)
            app.logger.warning("print job %s: another worker took it over; this attempt (%s) stops", job_id, mine)
            db.session.rollback()
            if stored is not None:
                stored.unlink(missing_ok=True)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:  # noqa: BLE001 - the page shows the failure (WeasyPrint's fatal fetch error is
            # a BaseException, not an Exception); the log keeps the detail
            app.logger.exception("print job %s failed", job_id)
            db.session.rollback()
            if stored is not None:
                stored.unlink(missing_ok=True)
            job = db.session.get(PrintJob, job_id)
            if job.attempts != mine or job.finished:
                return      # (finally: the session goes) another worker holds it now: not this one's to fail
            job.status = PrintJobStatus.FAILED
            job.error = f"{type(error).__name__}: the passports could not be printed. Try again, or print them one by one."
            job.finished_at = clock.now()
            db.session.commit()
        finally:
            beating.set()
            claims.release(name)
            db.session.remove()
