"""Email a request writes goes only once that request has committed: a rolled-back request emails nobody
(no link to a row that was never saved, no decision that was not kept), and in production the sending is a
background job (skillpass/jobs.py), so inviting a whole trust never holds the request. Sent to a real local
SMTP server."""
from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import select

from skillpass import clock, jobs
from skillpass.extensions import db
from skillpass.models import Message, MessageStatus, Person
from skillpass.services import mail
from tests.mailbox import Mailbox, mailbox, smtp_server  # noqa: F401 - fixtures


def _newcomer(email="nia@example.test") -> Person:
    person = Person(name="Nia Newcomer", email=email, job_role="Support Worker", start_date=dt.date(2026, 2, 1))
    db.session.add(person)
    db.session.commit()
    return person


def _queue_one(person: Person) -> Message:
    return mail.send(to=person.email, person=person, kind="invitation", template="invitation", secret=True,
                     queue=True, subject="You are invited to SkillPass",
                     context=dict(name=person.name, link="https://skillpass.example/invitation/x", days=7,
                                  invited_by="Ada Admin"))


def test_a_queued_message_waits_for_the_commit_and_then_goes(app, world, mailbox):
    nia = _newcomer()
    with app.test_request_context("/people/invite", method="POST"):
        message = _queue_one(nia)
        assert message.status is MessageStatus.QUEUED and mailbox.messages == []
        db.session.commit()
        mail.deliver_queued()
    assert len(mailbox.to(nia.email)) == 1
    assert db.session.get(Message, message.id).status is MessageStatus.SENT


def test_a_rolled_back_request_emails_nobody(app, world, mailbox):
    nia = _newcomer()
    with app.test_request_context("/people/invite", method="POST"):
        _queue_one(nia)
        db.session.rollback()            # the request failed after writing: its message was never saved
        mail.deliver_queued()
    assert mailbox.messages == []
    assert db.session.scalars(select(Message)).all() == []


def test_a_view_that_refuses_after_queueing_sends_nothing(app, world, as_admin, mailbox):
    """The one-transaction rule end to end: an invitation to a deactivated person is refused (discarded),
    and nothing goes; the next, accepted, goes once."""
    nia = _newcomer()
    nia.active = False
    db.session.commit()
    as_admin.post(f"/people/{nia.id}/invite", data={})
    assert mailbox.messages == []
    nia.active = True
    db.session.commit()
    as_admin.post(f"/people/{nia.id}/invite", data={})
    assert len(mailbox.to(nia.email)) == 1


def test_in_production_the_sending_is_a_job_a_worker_runs(app, world, as_admin, mailbox, tmp_path):
    app.config.update(MAIL_IN_BACKGROUND=True, JOBS_IMMEDIATE=False, JOBS_URL=f"sqlite:///{tmp_path / 'queue.db'}")
    queue = app.extensions[jobs.EXTENSION] = jobs.Jobs(app)     # a real queue: the job waits for a worker
    people = [_newcomer(f"new{n}@example.test") for n in range(3)]
    received = threading.Event()
    original = Mailbox.handle_DATA

    async def noting(self, server, session, envelope):
        answer = await original(self, server, session, envelope)
        received.set()
        return answer

    Mailbox.handle_DATA = noting
    worker = None
    try:
        response = as_admin.post("/people/invite", data={})
        assert response.status_code == 303
        written = db.session.scalars(select(Message).where(Message.kind == "invitation")).all()
        assert len(written) >= len(people)
        # The request only queued them, and handed one job to the queue: a worker thread sends them.
        assert {m.status for m in written} == {MessageStatus.QUEUED} and mailbox.messages == []
        assert queue.huey.pending_count() == 1
        worker = threading.Thread(target=lambda: queue.huey.execute(queue.huey.dequeue()), name="jobs-worker")
        worker.start()
        for _ in range(120):            # each arrival wakes the test; at most a minute in all
            if len(mailbox.messages) >= len(written):
                break
            received.wait(0.5)
            received.clear()
    finally:
        Mailbox.handle_DATA = original
        if worker is not None:
            worker.join(timeout=60)
    assert len(mailbox.messages) == len(written)
    assert {p.email for p in people} <= {m["To"] for m in mailbox.messages}
    # The job records each message as sent just after the server has taken it: wait for the last record.
    statuses = set()
    for _ in range(120):
        db.session.expire_all()
        statuses = {m.status for m in db.session.scalars(select(Message))}
        if statuses == {MessageStatus.SENT}:
            break
        received.wait(0.5)
    assert statuses == {MessageStatus.SENT}


def test_a_message_left_queued_by_a_stopped_worker_is_sent_by_the_next_reminders_run(app, world, mailbox):
    nia = _newcomer()
    with app.test_request_context("/people/invite", method="POST"):
        message = _queue_one(nia)
        db.session.commit()
        db.session.info.pop("skillpass.mail_queued", None)   # the worker stopped before sending
    message = db.session.get(Message, message.id)
    assert mail.retry_failed() == (0, 0), "a message only just queued is its worker's to send"
    message.created_at = clock.now() - mail.STRANDED_AFTER - dt.timedelta(minutes=1)
    db.session.commit()
    assert mail.retry_failed() == (1, 0)
    db.session.commit()
    assert len(mailbox.to(nia.email)) == 1
