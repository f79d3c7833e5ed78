"""Bulk printing: many passports as one PDF, each starting on a new page.

A job is recorded in the database (so any worker can report its progress),
then made on a background thread: each passport's page is made here and laid
out by WeasyPrint on its own in a pool of worker processes (its page numbers
count its own pages), the files are put together in order as they arrive
(print/processes.py), and the whole is stored beside the evidence files for
whoever asked for it.
"""
from __future__ import annotations

import datetime as dt
import secrets
import threading
from contextlib import nullcontext
from pathlib import Path

from flask import Flask, current_app, has_app_context
from sqlalchemy import select

from skillpass import clock
from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import Person, PrintJob, PrintJobStatus
from skillpass.print import processes, render
from skillpass.services import audit
from skillpass.services.credentials import verify_links
from skillpass.services.settings import get_settings
from skillpass.services.skills import reports as skill_reports

MAX_PEOPLE = 500


def create(*, actor: Person, people: list[Person], title: str) -> PrintJob:
    job = PrintJob(requested_by_id=actor.id, title=title[:200], person_ids=[p.id for p in people],
                   total=len(people), done=0, status=PrintJobStatus.QUEUED)
    db.session.add(job)
    db.session.flush()
    audit.log(actor=actor, action=Action.PRINT_REQUESTED, subject=job, person_id=None,
              summary=f"Bulk print requested: {title} ({len(people)} passports)",
              after={"people": len(people)})
    return job


# A passport takes about a second to lay out; this long without a step means the job's worker is gone
# (restarted, or stopped): the page says so instead of waiting for ever.
STALLED_AFTER = dt.timedelta(minutes=3)


def fail_if_stalled(job: PrintJob) -> bool:
    """Mark a job that has stopped moving as failed, with what to do; True if it was."""
    if job.finished:
        return False
    last = job.progressed_at or job.created_at
    if clock.now() - last < STALLED_AFTER:
        return False
    job.status = PrintJobStatus.FAILED
    job.error = ("The print stopped part way (the server was restarted while making it). "
                 "Start it again from the team page.")
    job.finished_at = clock.now()
    return True


RECENT_FOR = dt.timedelta(days=14)


def recent(actor: Person, *, limit: int = 5) -> list[PrintJob]:
    """This person's bulk prints of the last two weeks, newest first: one they left to be made can be found again.
    One whose worker has stopped is marked so (the caller commits), rather than listed as being made."""
    jobs = list(db.session.scalars(
        select(PrintJob).where(PrintJob.requested_by_id == actor.id, PrintJob.created_at >= clock.now() - RECENT_FOR)
        .order_by(PrintJob.created_at.desc(), PrintJob.id.desc()).limit(limit)))
    for job in jobs:
        if not job.finished:
            fail_if_stalled(job)
    return jobs


def folder(app: Flask | None = None) -> Path:
    path = Path((app or current_app).config["UPLOAD_FOLDER"]) / "prints"
    path.mkdir(parents=True, exist_ok=True)
    return path


def launch(job_id: int, *, base_url: str) -> threading.Thread:
    """Start making the PDF in the background; the request that asked returns at once."""
    app = current_app._get_current_object()
    thread = threading.Thread(target=run, args=(app, job_id, base_url), name=f"print-job-{job_id}", daemon=True)
    thread.start()
    return thread


def run(app: Flask, job_id: int, base_url: str) -> None:
    """Make the job's PDF. No request is needed (none is faked): *base_url* is the address the passports' links
    resolve against (WeasyPrint's base URL), as the page that asked saw it. On its thread the job has an application
    context of its own; called where one is already active (the benchmark), it uses that one, as it always has."""
    in_app = has_app_context() and current_app._get_current_object() is app
    with nullcontext() if in_app else app.app_context():
        job = db.session.get(PrintJob, job_id)
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

            name = secrets.token_hex(16) + ".pdf"
            processes.print_in_order(app, passports(), base_url=base_url, target=folder(app) / name,
                                     title=f"Skills passports: {job.title}",   # not the first person's name
                                     on_done=done)
            job.stored_name = name
            job.status = PrintJobStatus.READY
            job.finished_at = clock.now()
            db.session.commit()
        except Exception as error:  # the page shows the failure; the log keeps the detail
            app.logger.exception("print job %s failed", job_id)
            db.session.rollback()
            job = db.session.get(PrintJob, job_id)
            job.status = PrintJobStatus.FAILED
            job.error = f"{type(error).__name__}: the passports could not be printed. Try again, or print them one by one."
            job.finished_at = clock.now()
            db.session.commit()
        finally:
            db.session.remove()
