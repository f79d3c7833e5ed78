"""Notifications and digests (issue 15, part D), without HTTP, sent to a real local SMTP server: a decision is
told to the learner (approved, rejected with the reason, revoked with the reason) unless they chose not to;
`flask send-reminders` sends each digest once a period however often it runs; the learner's digest lists
exactly the passport rows due or expiring within 30 days; a failed send is sent by the next run."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus, Message, MessageStatus
from skillpass.services import notifications, reminders
from skillpass.services.decisions import decide, revoke
from skillpass.services.entries import record_entry
from skillpass.services.passport import build_passport
from tests.conftest import TODAY
from tests.mailbox import Mailbox, mailbox, smtp_server  # noqa: F401 - fixtures

BASE = "https://skillpass.trust.example"
MONDAY = TODAY                      # 2 March 2026
assert MONDAY.weekday() == 0


def _awaiting(world, item=None):
    return record_entry(actor=world.learner, person=world.learner, item=item or world.competency,
                        completed_on=TODAY - dt.timedelta(days=3), method=EntryMethod.HERE, today=TODAY)


def _run(app, day=MONDAY):
    result = app.test_cli_runner().invoke(args=["send-reminders", "--today", day.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


# ---------------------------------------------------------------- decisions

def test_approval_rejection_and_revocation_each_reach_the_learner(app, world, mailbox):
    app.config["BASE_URL"] = BASE
    entry = _awaiting(world)
    decide(actor=world.educator, entry=entry, person=world.learner, item=world.competency, approve=True)
    revoke(actor=world.educator, entry=entry, person=world.learner, item=world.competency,
           reason="Signed off on the wrong ward's hoist")
    again = _awaiting(world)
    decide(actor=world.educator, entry=again, person=world.learner, item=world.competency, approve=False,
           reason="Please upload the observation form")
    db.session.commit()
    signed, revoked, rejected = mailbox.to("lee@example.test")
    assert signed["Subject"] == "Moving a patient with a hoist: signed off"
    assert revoked["Subject"] == "Moving a patient with a hoist: revoked"
    assert "The reason given: Signed off on the wrong ward's hoist" in Mailbox.text(revoked)
    assert rejected["Subject"] == "Moving a patient with a hoist: rejected"
    assert "The reason given: Please upload the observation form" in Mailbox.text(rejected)
    assert f"{BASE}/passport#item-{world.competency.id}" in Mailbox.links(rejected)
    assert "Eve Educator" in Mailbox.text(signed)


def test_an_approval_taken_back_is_told_too(app, world, mailbox):
    """The learner heard "approved"; if the educator undoes it a moment later, they hear that it waits again."""
    from skillpass.services.decisions import undo_approval

    app.config["BASE_URL"] = BASE
    entry = Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=TODAY - dt.timedelta(days=3),
                  method=EntryMethod.EQUIVALENT, equivalent_source="Previous trust", status=EntryStatus.AWAITING,
                  recorded_by_id=world.learner.id)
    db.session.add(entry)
    db.session.commit()
    decide(actor=world.educator, entry=entry, person=world.learner, item=world.fire, approve=True)
    db.session.commit()
    undo_approval(actor=world.educator, entry=entry, person=world.learner, item=world.fire)
    db.session.commit()
    approved, undone = mailbox.to("lee@example.test")
    assert approved["Subject"] == f"{world.fire.title}: approved"
    assert undone["Subject"] == f"{world.fire.title}: put back to awaiting sign-off"
    assert "it waits for sign-off again and does not count yet" in Mailbox.text(undone)
    assert "It now counts" not in Mailbox.text(undone)


def test_no_decision_email_when_the_learner_chose_none(app, world, mailbox):
    app.config["BASE_URL"] = BASE
    notifications.save_choices(world.learner, ["learner_digest"])
    entry = _awaiting(world)
    decide(actor=world.educator, entry=entry, person=world.learner, item=world.competency, approve=True)
    db.session.commit()
    assert mailbox.messages == []


def test_a_failed_smtp_never_fails_the_decision(app, world, smtp_server):
    app.config.update(BASE_URL=BASE, SMTP_HOST="127.0.0.1", SMTP_PORT=1, SMTP_SECURITY="none", SMTP_TIMEOUT=2)
    entry = _awaiting(world)
    result = decide(actor=world.educator, entry=entry, person=world.learner, item=world.competency, approve=True)
    assert result.entry.status.value == "accepted"
    [message] = db.session.scalars(select(Message)).all()
    assert message.status is MessageStatus.FAILED and message.kind == "entry_decided"


# ---------------------------------------------------------------- digests

def test_running_twice_on_one_day_sends_each_digest_once(app, world, mailbox):
    app.config["BASE_URL"] = BASE
    _awaiting(world)                # the educator's queue is not empty
    db.session.commit()
    first = _run(app)
    assert "1 queue digests" in first
    kinds = sorted((m["To"], m["Subject"].split(":")[0]) for m in mailbox.messages)
    count = len(mailbox.messages)
    assert ("eve@example.test", "1 entry awaiting sign-off") in kinds                 # the queue, daily
    assert any(to == "eve@example.test" and s == "Lapses in your teams" for to, s in kinds)  # the 1st: monthly
    assert any(to == "lee@example.test" and s == "Your skills passport" for to, s in kinds)  # Monday: weekly
    assert not any(to == "oscar@example.test" and "awaiting" in s for to, s in kinds)  # nothing in his queue
    _run(app)
    assert len(mailbox.messages) == count
    # The next day: the queue again, no second weekly or monthly digest.
    _run(app, MONDAY + dt.timedelta(days=1))
    new = [m["To"] for m in mailbox.messages[count:]]
    assert new == ["eve@example.test"]


def test_the_queue_digest_names_the_oldest_and_counts_the_rest_without_reading_the_whole_queue(
        app, world, mailbox, monkeypatch):
    """An educator's digest names the oldest entries (50; 2 here) and says how many more wait: the count comes
    from the queue's own count and the rows from its first page, never from loading every awaiting entry."""
    app.config["BASE_URL"] = BASE
    monkeypatch.setattr(reminders, "DIGEST_QUEUE_ROWS", 2)
    then = dt.datetime(2026, 2, 20, 9, 0, tzinfo=dt.timezone.utc)
    for days, source, item in ((2, "Second oldest course", world.stress), (0, "Oldest course", world.fire),
                               (5, "Newest course", world.optional)):
        db.session.add(Entry(person_id=world.learner.id, item_id=item.id, completed_on=TODAY - dt.timedelta(days=9),
                             method=EntryMethod.EQUIVALENT, equivalent_source=source, status=EntryStatus.AWAITING,
                             recorded_by_id=world.learner.id, recorded_at=then + dt.timedelta(days=days)))
    db.session.commit()
    loaded = []
    real = reminders.decisions.awaiting_for
    monkeypatch.setattr(reminders.decisions, "awaiting_for", lambda *a, **k: loaded.append(a) or real(*a, **k))
    _run(app)
    [digest] = [m for m in mailbox.to("eve@example.test") if "awaiting" in m["Subject"]]
    assert digest["Subject"] == "3 entries awaiting sign-off"
    text = Mailbox.text(digest)
    assert text.index("Oldest course") < text.index("Second oldest course")
    assert "Newest course" not in text and "… and 1 more." in text
    assert loaded == []


def test_every_digest_carries_one_click_unsubscribe(app, world, mailbox):
    app.config["BASE_URL"] = BASE
    _run(app)
    [digest] = [m for m in mailbox.to("lee@example.test")]
    link = digest["List-Unsubscribe"].strip("<>")
    assert link.startswith(f"{BASE}/unsubscribe/digest/")
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in Mailbox.links(digest) and f"{BASE}/account/email" in Mailbox.links(digest)


def test_the_learner_digest_lists_exactly_the_rows_due_or_expiring_in_30_days(app, world, mailbox):
    app.config["BASE_URL"] = BASE
    from skillpass.models import Assignment
    fire = record_entry(actor=world.learner, person=world.learner, item=world.fire, completed_on=dt.date(2024, 3, 20),
                        method=EntryMethod.EQUIVALENT, equivalent_source="St Elsewhere", today=TODAY)
    decide(actor=world.educator, entry=fire, person=world.learner, item=world.fire, approve=True)  # expires 20 Mar
    world.learner.start_date = dt.date(2025, 9, 10)     # the 6-month items fall due on 10 March: within 30 days
    for assignment in db.session.scalars(select(Assignment).where(Assignment.person_id == world.learner.id)):
        assignment.assigned_on = world.learner.start_date
    db.session.commit()
    mailbox.messages.clear()
    passport = build_passport(world.learner, today=MONDAY, warning_days=60, with_informal=False)
    expected = []
    for row in passport.rows:
        state = row.state
        on = state.expires_on if state.completed_on else (state.due.on if state.due else None)
        if on is not None and state.status.value != "not_required" and MONDAY <= on <= MONDAY + dt.timedelta(30):
            expected.append(row)
    assert {r.item.title for r in expected} >= {"Fire safety", "Managing work and life stress"}
    assert {r.item.id for r in reminders.coming_up(passport, today=MONDAY, days=30)} == {r.item.id for r in expected}
    _run(app)
    [digest] = mailbox.to("lee@example.test")
    text = Mailbox.text(digest)
    soon = text.split("Due or expiring in the next 30 days:")[1].split("See your passport")[0]
    soon = soon.split("Already overdue or expired:")[0]
    listed = [line[2:].split(":")[0] for line in soon.splitlines() if line.startswith("- ")]
    assert sorted(listed) == sorted(r.item.title for r in expected)
    for row in expected:
        assert f"{row.item.title}: {row.state.label}. {row.state.date_line}" in text


def test_choices_off_means_no_digest(app, world, mailbox):
    app.config["BASE_URL"] = BASE
    _awaiting(world)
    notifications.save_choices(world.learner, [])
    notifications.save_choices(world.educator, ["decisions"])
    db.session.commit()
    _run(app)
    assert mailbox.to("lee@example.test") == [] and mailbox.to("eve@example.test") == []


def test_a_failed_digest_is_recorded_and_sent_by_the_next_run(app, world, smtp_server):
    app.config.update(BASE_URL=BASE, SMTP_HOST="127.0.0.1", SMTP_PORT=1, SMTP_SECURITY="none", SMTP_TIMEOUT=2,
                      MAIL_FROM="skillpass@trust.example")
    output = _run(app)
    failed = db.session.scalars(select(Message).where(Message.status == MessageStatus.FAILED)).all()
    assert failed and all(m.kind.startswith("digest_") for m in failed)
    assert "failed" in output
    app.config.update(SMTP_PORT=smtp_server.port)        # the server is back
    _run(app)
    db.session.expire_all()
    assert db.session.scalars(select(Message).where(Message.status == MessageStatus.FAILED)).all() == []
    assert len(smtp_server.messages) == len(failed)       # each sent once, none doubled


def test_without_a_base_url_the_command_says_what_to_set(app, world):
    app.config["BASE_URL"] = ""
    result = app.test_cli_runner().invoke(args=["send-reminders", "--today", MONDAY.isoformat()])
    assert result.exit_code != 0 and "SKILLPASS_BASE_URL" in result.output
