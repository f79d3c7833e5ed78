"""Undoing one's own approval of a moment ago ("Approved — Undo"), without HTTP: the entry awaits a
decision again exactly as before, nothing deleted, the undoing audited; only the approver, only within
the window, and never once the learner has recorded the item again. The database's triggers (migration
0015) allow that one move back, and only with the decision emptied."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from skillpass import clock
from skillpass.models import AuditEvent, Entry, EntryMethod, EntryStatus, Item
from skillpass.services.decisions import UNDO_WINDOW, can_undo, decide, undo_approval
from skillpass.services.errors import Conflict, NotAllowed

UTC = dt.timezone.utc


def _awaiting(db, world, *, item=None) -> Entry:
    item = item or world.competency
    entry = Entry(person_id=world.learner.id, item_id=item.id, completed_on=dt.date(2026, 2, 1),
                  method=EntryMethod.EQUIVALENT, equivalent_source="Previous trust", note="Did it there",
                  status=EntryStatus.AWAITING, recorded_by_id=world.learner.id,
                  recorded_at=dt.datetime(2026, 2, 1, 9, 0, tzinfo=UTC))
    db.session.add(entry)
    db.session.commit()
    return entry


def _recorded(entry: Entry) -> tuple:
    return (entry.person_id, entry.item_id, entry.completed_on, entry.method, entry.equivalent_source,
            entry.note, entry.evidence_id, entry.recorded_by_id, entry.recorded_at)


def _approve(db, world, entry, actor=None):
    result = decide(actor=actor or world.educator, entry=entry, person=world.learner,
                    item=db.session.get(Item, entry.item_id), approve=True)
    db.session.commit()
    return result


def test_the_approver_undoes_it_and_the_entry_awaits_as_before(db, world):
    entry = _awaiting(db, world)
    before = _recorded(entry)
    _approve(db, world, entry)
    assert can_undo(world.educator, entry)
    result = undo_approval(actor=world.educator, entry=entry, person=world.learner,
                           item=db.session.get(Item, entry.item_id))
    db.session.commit()
    db.session.expire_all()
    entry = db.session.get(Entry, entry.id)
    assert entry.status is EntryStatus.AWAITING
    assert (entry.decided_by_id, entry.decided_by_name, entry.decided_at, entry.decision_reason) == (None, "", None, "")
    assert _recorded(entry) == before
    assert "awaiting sign-off again" in result.message
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.subject_id == entry.id)
                                     .order_by(AuditEvent.id)))
    assert [e.action for e in events][-2:] == ["entry.approved", "entry.approval_undone"]
    assert "approval undone" in events[-1].summary


def test_the_approval_message_names_who_and_what(db, world):
    entry = _awaiting(db, world)
    assert _approve(db, world, entry).message == f"Approved {world.competency.title} for {world.learner.name}."


def test_only_the_approver_may_undo(db, world):
    entry = _awaiting(db, world)
    _approve(db, world, entry)
    assert not can_undo(world.admin, entry)
    with pytest.raises(Conflict):
        undo_approval(actor=world.admin, entry=entry, person=world.learner, item=db.session.get(Item, entry.item_id))


def test_the_learner_may_not_undo_it(db, world):
    entry = _awaiting(db, world)
    _approve(db, world, entry)
    with pytest.raises(NotAllowed):
        undo_approval(actor=world.learner, entry=entry, person=world.learner, item=db.session.get(Item, entry.item_id))


def test_not_after_the_window(db, world, monkeypatch):
    entry = _awaiting(db, world)
    _approve(db, world, entry)
    later = entry.decided_at + UNDO_WINDOW + dt.timedelta(seconds=5)
    assert can_undo(world.educator, entry, now=later - dt.timedelta(seconds=10))
    monkeypatch.setattr(clock, "now", lambda: later)
    assert not can_undo(world.educator, entry)
    with pytest.raises(Conflict, match="revoke it with a reason"):
        undo_approval(actor=world.educator, entry=entry, person=world.learner, item=db.session.get(Item, entry.item_id))


def test_not_once_the_learner_has_recorded_it_again(db, world):
    entry = _awaiting(db, world)
    _approve(db, world, entry)
    _awaiting(db, world)      # a new record of the same item, awaiting
    with pytest.raises(Conflict, match="recorded .* again"):
        undo_approval(actor=world.educator, entry=entry, person=world.learner, item=db.session.get(Item, entry.item_id))


def test_a_rejection_is_not_undone(db, world):
    entry = _awaiting(db, world)
    decide(actor=world.educator, entry=entry, person=world.learner, item=db.session.get(Item, entry.item_id),
           approve=False, reason="Unreadable")
    db.session.commit()
    assert not can_undo(world.educator, entry)


@pytest.mark.kept_dates_unchecked   # raw SQL, as the database's own rule is what is tested
def test_the_database_allows_back_to_awaiting_only_with_the_decision_emptied(db, world):
    entry = _awaiting(db, world)
    _approve(db, world, entry)
    with pytest.raises(DBAPIError, match="entries are never edited or deleted"):
        db.session.execute(text("UPDATE entry SET status = 'awaiting' WHERE id = :id"), {"id": entry.id})
    db.session.rollback()
    db.session.execute(text("UPDATE entry SET status = 'awaiting', decided_by_id = NULL, decided_at = NULL "
                            "WHERE id = :id"), {"id": entry.id})
    db.session.commit()
