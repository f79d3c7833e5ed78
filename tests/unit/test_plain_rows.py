"""A passport reads its entries and items as plain rows (EntryRecord, ItemRecord: services/passport.py), not
mapped objects. They must carry every column and say the same words as Entry and Item, whatever the entry is
(each method, a session's, a verified credential, a refresher, decided or not); and the row addresses built once
a page (passport/views.py) must be the addresses url_for gives."""
from __future__ import annotations

import datetime as dt

import pytest
from flask import url_for
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import Entry, EntryActivity, EntryMethod, EntryStatus, Item
from skillpass.models.entries import ENTRY_RECORD_FIELDS, EntryRecord, entry_record_columns
from skillpass.models.templates import ITEM_RECORD_FIELDS, ItemRecord, item_record_columns
from skillpass.passport.views import _RowUrls
from skillpass.services.passport import build_passport
from tests.conftest import TODAY

ENTRY_WORDS = ("is_refresher", "is_live", "self_declared", "how", "description")
ITEM_WORDS = ("has_refresher", "counts_how")


def _entries(world, item):
    """Entries of every shape the words depend on."""
    learner, educator = world.learner, world.educator
    made = [
        dict(method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=learner.id),
        dict(method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.admin.id),
        dict(method=EntryMethod.EQUIVALENT, equivalent_source="Leeds Teaching Hospitals",
             status=EntryStatus.REJECTED, recorded_by_id=learner.id, decided_by_id=educator.id,
             decided_by_name=educator.name, decided_by_job_title="Educator", decision_reason="Wrong course",
             decided_at=dt.datetime(2026, 2, 3, 9, 30, tzinfo=dt.timezone.utc)),
        dict(method=EntryMethod.EQUIVALENT, equivalent_source="Northgate NHS Trust", verified_credential=True,
             status=EntryStatus.AWAITING, recorded_by_id=learner.id),
        dict(method=EntryMethod.OBSERVED, status=EntryStatus.ACCEPTED, recorded_by_id=educator.id,
             decided_by_id=educator.id, decided_by_name=educator.name,
             decided_at=dt.datetime(2026, 2, 4, 10, 0, tzinfo=dt.timezone.utc),
             certificate_expires_on=dt.date(2027, 1, 1)),
        dict(method=EntryMethod.IMPORTED, status=EntryStatus.REVOKED, recorded_by_id=world.admin.id,
             activity=EntryActivity.REFRESHER),
    ]
    for n, values in enumerate(made):
        db.session.add(Entry(person_id=learner.id, item_id=item.id, completed_on=dt.date(2026, 1, 1 + n), **values))
    db.session.flush()


def test_an_entry_record_carries_every_column_and_says_what_the_entry_says(app, world):
    item = world.fire
    _entries(world, item)
    records = {r.id: EntryRecord._make(r) for r in db.session.execute(select(*entry_record_columns()))}
    mapped = db.session.scalars(select(Entry)).all()
    assert len(mapped) >= 6 and records.keys() == {e.id for e in mapped}
    # Every column but the optimistic lock, which only a write needs.
    assert set(ENTRY_RECORD_FIELDS) == {c.key for c in Entry.__table__.columns} - {"version"}
    for entry in mapped:
        record = records[entry.id]
        assert [getattr(record, f) for f in ENTRY_RECORD_FIELDS] == [getattr(entry, f) for f in ENTRY_RECORD_FIELDS]
        assert [getattr(record, w) for w in ENTRY_WORDS] == [getattr(entry, w) for w in ENTRY_WORDS], entry.method
    assert {r.how for r in records.values()} >= {"Completed here", "Completed here, recorded by an admin",
                                                "Observed practice", "Imported record",
                                                "Equivalent training demonstrated at Leeds Teaching Hospitals"}


def test_an_item_record_carries_every_column_and_says_what_the_item_says(app, world):
    world.fire.refresher_title, world.fire.grace_months = "Fire safety update", 2
    db.session.flush()
    records = {r.id: ItemRecord._make(r) for r in db.session.execute(select(*item_record_columns()))}
    assert set(ITEM_RECORD_FIELDS) == {c.key for c in Item.__table__.columns}
    for item in db.session.scalars(select(Item)):
        record = records[item.id]
        assert [getattr(record, f) for f in ITEM_RECORD_FIELDS] == [getattr(item, f) for f in ITEM_RECORD_FIELDS]
        assert [getattr(record, w) for w in ITEM_WORDS] == [getattr(item, w) for w in ITEM_WORDS]
    assert records[world.fire.id].has_refresher and records[world.competency.id].counts_how == \
        "After an educator's sign-off"


def test_the_passport_reads_plain_rows_with_the_same_history_as_the_database(app, world):
    item = world.fire
    _entries(world, item)
    passport = build_passport(world.learner, today=TODAY, warning_days=60)
    row = passport.row(item.id)
    assert isinstance(row.item, ItemRecord) and row.item.title == item.title
    assert all(isinstance(e, EntryRecord) for e in row.history)
    # Its own history, in the order the page reads it; what counts and what awaits, from the same rows.
    assert [e.id for e in row.history] == db.session.scalars(
        select(Entry.id).where(Entry.person_id == world.learner.id, Entry.item_id == item.id)
        .order_by(Entry.completed_on, Entry.recorded_at, Entry.id)).all()
    assert row.pending.verified_credential and row.pending.status is EntryStatus.AWAITING
    assert row.accepted.method is EntryMethod.OBSERVED    # the latest accepted completion counts


@pytest.mark.parametrize("person_id, item_id", [(1, 1), (7, 1234), (31415, 9), (12, 987654321)])
def test_row_addresses_are_the_addresses_url_for_gives(app, person_id, item_id):
    with app.test_request_context():
        urls = _RowUrls(person_id)
        assert urls.record(item_id) == url_for("passport.record", person_id=person_id, item_id=item_id)
        assert urls.history(item_id) == url_for("audit_log.item_history", person_id=person_id, item_id=item_id)
        assert urls.observed(item_id) == url_for("passport.observed", person_id=person_id, item_id=item_id)
        # An entry's decisions, by the entry's id.
        assert urls.decide(item_id) == url_for("passport.decide", person_id=person_id, entry_id=item_id)
        assert urls.revoke(item_id) == url_for("passport.revoke", person_id=person_id, entry_id=item_id)
