"""Background work on Huey (skillpass/jobs.py): bulk prints and email run as jobs; a print is claimed by one
worker only, however many race for it; a print or a message a stopped worker left behind is taken up by the
periodic job; the daily digests go once a day whatever runs them.

The tests' app runs jobs in Huey's immediate mode (at once, in-process: tests/conftest.py); where a test needs
the queue itself it builds the app's jobs on a real SQLite queue and runs what it holds as a worker thread does
(``huey.execute(huey.dequeue())``). tests/unit/test_jobs_worker.py runs a real worker process."""
from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from skillpass import clock, jobs
from skillpass.extensions import db
from skillpass.models import Message, MessageStatus, Person, PrintJob, PrintJobStatus
from skillpass.print import bulk
from skillpass.services import mail
from tests.mailbox import mailbox, smtp_server  # noqa: F401 - fixtures


def _print_job(world, *, status=PrintJobStatus.QUEUED, **values) -> PrintJob:
    job = bulk.create(actor=world.admin, people=[world.learner, world.other_learner], title="Two passports",
                      base_url="http://localhost/")
    job.status = status
    for name, value in values.items():
        setattr(job, name, value)
    db.session.commit()
    return job


def _made_once(app, job_id: int) -> PrintJob:
    db.session.expire_all()
    job = db.session.get(PrintJob, job_id)
    assert job.status is PrintJobStatus.READY, job.error
    assert job.done == job.total == 2
    files = sorted(p.name for p in bulk.folder(app).glob(f"p{job_id}-*.pdf"))
    assert files == [job.stored_name]
    pages = [page.extract_text() for page in PdfReader(io.BytesIO((bulk.folder(app) / job.stored_name)
                                                                  .read_bytes())).pages]
    assert sum("Page 1 of" in page for page in pages) == 2
    return job


@pytest.fixture
def queued_jobs(app, tmp_path):
    """The app's jobs on a real SQLite queue (not immediate): what is queued waits there for a worker."""
    app.config["JOBS_IMMEDIATE"] = False
    app.config["JOBS_URL"] = f"sqlite:///{tmp_path / 'queue.db'}"
    app.extensions[jobs.EXTENSION] = jobs.Jobs(app)
    return app.extensions[jobs.EXTENSION]


def _work_through(queue: jobs.Jobs) -> int:
    """Run every queued job as a worker thread does; how many ran."""
    ran = 0
    while (task := queue.huey.dequeue()) is not None:
        queue.huey.execute(task)
        ran += 1
    return ran


# ---------------------------------------------------------------- prints

def test_a_bulk_print_asked_for_on_the_team_page_is_made_by_a_job(app, as_admin, world, queued_jobs):
    response = as_admin.post("/team/print", data={"team": str(world.team_a.id), "scope": "all"})
    assert response.status_code == 303
    job = db.session.scalar(select(PrintJob).order_by(PrintJob.id.desc()))
    assert job.status is PrintJobStatus.QUEUED and job.base_url == "http://localhost/"
    assert queued_jobs.huey.pending_count() == 1        # handed to the queue, not made by the web request
    assert _work_through(queued_jobs) == 1
    db.session.expire_all()
    job = db.session.get(PrintJob, job.id)
    assert job.status is PrintJobStatus.READY and job.done == job.total and job.attempts == 1
    assert as_admin.get(f"/team/print/{job.id}/download").mimetype == "application/pdf"


def test_two_workers_racing_for_one_print_make_it_once(app, world, monkeypatch):
    """Both read the print as free to claim before either claims it (a barrier holds them there): one
    conditional UPDATE wins, the other worker leaves the print alone."""
    job_id = _print_job(world).id
    both_read = threading.Barrier(2, timeout=60)
    readable = bulk._claimable

    def read_then_wait(job, now):
        free = readable(job, now)
        both_read.wait()
        return free

    monkeypatch.setattr(bulk, "_claimable", read_then_wait)
    claims = []
    original_claim = bulk._claim

    def noting_claim(job_id):
        held = original_claim(job_id)
        claims.append(held and held[0])
        return held

    monkeypatch.setattr(bulk, "_claim", noting_claim)
    workers = [threading.Thread(target=bulk.run, args=(app, job_id, "http://localhost/")) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert sorted(claims, key=str) == [1, None]
    assert _made_once(app, job_id).attempts == 1


def test_a_finished_print_handed_on_again_is_not_made_twice(app, world):
    job_id = _print_job(world).id
    bulk.run(app, job_id, "http://localhost/")
    first = _made_once(app, job_id).stored_name
    bulk.run(app, job_id, "http://localhost/")          # a duplicate in the queue: the row says it is done
    assert _made_once(app, job_id).stored_name == first


def test_the_periodic_job_takes_over_a_print_whose_worker_stopped_and_leaves_a_moving_one(app, world):
    lease = dt.timedelta(seconds=app.config["JOBS_LEASE_SECONDS"])
    now = clock.now()
    # Claimed on another host, half made, then nothing for longer than a lease: that worker has gone.
    stranded = _print_job(world, status=PrintJobStatus.RUNNING, attempts=1, claimed_by="web-2.trust:4242", done=1,
                          progressed_at=now - lease - dt.timedelta(seconds=5))
    # Handed to a worker that died before claiming it: queued, handed on longer than a lease ago.
    lost_task = _print_job(world, enqueued_at=now - lease - dt.timedelta(seconds=5))
    # Moving on another host, and just asked for: theirs, and the queue's.
    moving = _print_job(world, status=PrintJobStatus.RUNNING, attempts=1, claimed_by="web-2.trust:4242", done=1,
                        progressed_at=now - lease / 2)
    just_asked = _print_job(world)
    (bulk.folder(app) / f"p{stranded.id}-{'0' * 32}.pdf").write_bytes(b"%PDF-1.7 left by the stopped worker")
    ids = stranded.id, lost_task.id, moving.id, just_asked.id
    app.extensions[jobs.EXTENSION].enqueue("every_minute")
    assert _made_once(app, ids[0]).attempts == 2        # its stray file gone: one file
    assert _made_once(app, ids[1]).attempts == 1
    db.session.expire_all()
    moving, just_asked = db.session.get(PrintJob, ids[2]), db.session.get(PrintJob, ids[3])
    assert (moving.status, moving.attempts, moving.done) == (PrintJobStatus.RUNNING, 1, 1)
    assert (just_asked.status, just_asked.attempts) == (PrintJobStatus.QUEUED, 0)


def test_a_print_held_by_a_process_of_this_host_that_has_ended_is_taken_over_at_once(app, world):
    """A worker restarted on the same host (systemd) need not wait a lease for the print the old one held."""
    import socket
    import subprocess
    import sys

    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                           check=True)
    job_id = _print_job(world, status=PrintJobStatus.RUNNING, attempts=1, done=1, progressed_at=clock.now(),
                        claimed_by=f"{socket.gethostname()}:{ended.stdout.strip()}:1f2e3d4c").id
    assert bulk.requeue_stranded() == 1
    assert _made_once(app, job_id).attempts == 2


def test_a_print_claimed_in_this_process_name_by_an_earlier_process_is_taken_over(app, world):
    """A restarted container often runs its worker with the same host name and process id as before: a claim
    in that name that this process does not hold is the earlier process's, and it has gone."""
    job_id = _print_job(world, status=PrintJobStatus.RUNNING, attempts=1, done=1, progressed_at=clock.now(),
                        claimed_by=f"{bulk.worker_name()}:0badc0de").id
    assert bulk.requeue_stranded() == 1
    assert _made_once(app, job_id).attempts == 2


def test_a_worker_that_lost_its_claim_writes_nothing_more(app, world):
    """Taken over while it was still (slowly) making it: its next step finds the print claimed again, and it
    stops without touching the row or leaving a file."""
    job_id = _print_job(world).id
    assert bulk.claim(job_id) == 1
    job = db.session.get(PrintJob, job_id)
    with app.app_context():                              # another worker, after a lease without a step
        other = db.session.get(PrintJob, job_id)
        other.progressed_at = clock.now() - dt.timedelta(seconds=app.config["JOBS_LEASE_SECONDS"] + 5)
        db.session.commit()
        assert bulk.claim(job_id) == 2
        db.session.remove()
    job.done += 1
    with pytest.raises(Exception) as lost:
        db.session.commit()
    assert type(lost.value).__name__ == "StaleDataError"
    db.session.rollback()
    assert db.session.get(PrintJob, job_id).done == 0


def test_a_worker_slower_than_a_lease_keeps_its_print_by_its_heartbeat(app, world, monkeypatch):
    """Laying out one passport (or the whole PDF at the end) may take longer than a lease without a step: the
    worker's heartbeat keeps the print its own, so nobody takes it over and its page does not call it waiting."""
    import time

    app.config["JOBS_LEASE_SECONDS"] = 1
    lease = dt.timedelta(seconds=1)
    job_id = _print_job(world).id
    release = threading.Event()
    real = bulk.render.passport_html

    def slow(*args, **kwargs):
        release.wait(120)
        return real(*args, **kwargs)

    monkeypatch.setattr(bulk.render, "passport_html", slow)     # making the first passport's page takes long
    worker = threading.Thread(target=bulk.run, args=(app, job_id, "http://localhost/"))
    worker.start()
    try:
        first = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:       # until it has beaten for longer than two leases
            db.session.expire_all()
            job = db.session.get(PrintJob, job_id)
            if job.status is PrintJobStatus.RUNNING:
                first = first or job.progressed_at
                if job.progressed_at - first > 2 * lease:
                    break
            db.session.rollback()
            time.sleep(0.05)
        else:
            pytest.fail("the worker's heartbeat did not move the print on")
        assert job.done == 0                     # still on the first passport
        assert not bulk._claimable(job, clock.now()) and not job.waiting_for_worker
        db.session.rollback()
    finally:
        release.set()
        worker.join(timeout=300)
    assert _made_once(app, job_id).attempts == 1


# ---------------------------------------------------------------- email

def _invitation(person: Person) -> Message:
    return mail.send(to=person.email, person=person, kind="invitation", template="invitation", secret=True,
                     queue=True, subject="You are invited to SkillPass",
                     context=dict(name=person.name, link="https://skillpass.example/invitation/x", days=7,
                                  invited_by="Ada Admin"))


def test_email_a_request_queued_goes_by_a_job_after_the_commit(app, world, as_admin, mailbox, queued_jobs):
    app.config["MAIL_IN_BACKGROUND"] = True
    response = as_admin.post(f"/people/{world.learner.id}/invite", data={})
    assert response.status_code == 303
    [message] = db.session.scalars(select(Message).where(Message.kind == "invitation")).all()
    assert message.status is MessageStatus.QUEUED and mailbox.messages == []
    assert queued_jobs.huey.pending_count() == 1
    assert _work_through(queued_jobs) == 1
    db.session.expire_all()
    assert db.session.get(Message, message.id).status is MessageStatus.SENT
    assert len(mailbox.to(world.learner.email)) == 1


def test_email_runs_as_a_job_in_immediate_mode_too(app, world, as_admin, mailbox):
    app.config["MAIL_IN_BACKGROUND"] = True
    as_admin.post(f"/people/{world.learner.id}/invite", data={})
    assert len(mailbox.to(world.learner.email)) == 1
    [message] = db.session.scalars(select(Message).where(Message.kind == "invitation")).all()
    assert message.status is MessageStatus.SENT and message.attempts == 1


def test_a_message_two_senders_hold_is_sent_once(app, world, mailbox):
    with app.test_request_context("/people/invite", method="POST"):
        message = _invitation(world.learner)
        db.session.commit()
        db.session.info.pop("skillpass.mail_queued", None)
    message = db.session.get(Message, message.id)
    assert message.attempts == 0                         # this sender has read it ...
    with app.app_context():                              # ... and another sends it first
        mail.send_queued([message.id])
        db.session.remove()
    assert mail._claim(message) is False                 # the claim this sender read is gone
    assert len(mailbox.to(world.learner.email)) == 1


def test_the_periodic_job_sends_a_message_a_stopped_worker_left_queued(app, world, mailbox):
    with app.test_request_context("/people/invite", method="POST"):
        message = _invitation(world.learner)
        db.session.commit()
        db.session.info.pop("skillpass.mail_queued", None)   # the worker stopped before sending
    app.extensions[jobs.EXTENSION].enqueue("every_minute")
    assert mailbox.messages == [], "a message only just queued is its job's to send"
    message = db.session.get(Message, message.id)
    message.created_at = clock.now() - mail.STRANDED_AFTER - dt.timedelta(minutes=1)
    db.session.commit()
    app.extensions[jobs.EXTENSION].enqueue("every_minute")
    db.session.expire_all()
    assert db.session.get(Message, message.id).status is MessageStatus.SENT
    assert len(mailbox.to(world.learner.email)) == 1


# ---------------------------------------------------------------- the digests

def test_the_daily_digests_go_at_the_configured_minute_once_a_day(app, world, mailbox):
    app.config["BASE_URL"] = "https://skillpass.example"
    queue = app.extensions[jobs.EXTENSION]

    def due(moment):        # what the worker's scheduler queues at that minute (Huey hands it UTC)
        return "daily_digests" in {task.name for task in queue.huey.read_periodic(moment)}

    # 07:00 in London: 07:00 UTC in winter, 06:00 UTC in summer.
    assert due(dt.datetime(2026, 3, 2, 7, 0)) and not due(dt.datetime(2026, 3, 2, 7, 1))
    assert due(dt.datetime(2026, 7, 6, 6, 0)) and not due(dt.datetime(2026, 7, 6, 7, 0))
    queue.enqueue("daily_digests")          # Monday 2 March 2026: the learners' weekly digests
    sent = len(mailbox.messages)
    assert sent >= 1 and len(mailbox.to(world.learner.email)) == 1
    queue.enqueue("daily_digests")          # a second worker's scheduler: nothing twice
    assert len(mailbox.messages) == sent


def test_the_jobs_configuration_is_checked():
    from skillpass.config import ConfigError, load

    with pytest.raises(ConfigError, match="SKILLPASS_JOBS_URL"):
        load({"JOBS_URL": "redis://localhost"})
    with pytest.raises(ConfigError, match="SKILLPASS_REMINDERS_AT"):
        load({"REMINDERS_AT": "7am"})
    assert load({"REMINDERS_AT": "off"})["REMINDERS_AT"] == "off"
