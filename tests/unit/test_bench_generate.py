"""The benchmark's synthetic trust (bench/generate.py): its entries go in through the driver (executemany on
SQLite, COPY on PostgreSQL), so the test checks they are stored exactly as the ORM stores the same entries, and
that the generation reports its progress."""
from __future__ import annotations

import io

from sqlalchemy import func, insert, select, text

from bench.generate import generate
from skillpass.models import Entry, EntryMethod, EntryStatus, Person, Team
from tests.conftest import TODAY

COLUMNS = [c.name for c in Entry.__table__.columns if c.name != "id"]


def _raw(db, ids):
    # Every stored column as the database holds it (no ORM types in between), in id order.
    rows = db.session.execute(text(f"SELECT {', '.join(COLUMNS)} FROM entry WHERE id IN ({', '.join(map(str, ids))}) "
                                   "ORDER BY id")).all()
    return [tuple(row) for row in rows]


def test_entries_written_by_the_driver_are_stored_as_the_orm_stores_them(app, db):
    progress = io.StringIO()
    trust = generate(people=40, today=TODAY, progress=progress)

    assert trust.people == 40 and trust.teams == 3
    assert db.session.scalar(select(func.count()).select_from(Person)) >= 40
    assert db.session.scalar(select(func.count()).select_from(Team)) >= 3
    stored = list(db.session.scalars(select(Entry).where(Entry.person_id.in_(
        select(Person.id).where(Person.email.like("%@bench.example")))).order_by(Entry.id)))
    assert len(stored) == trust.entries > 1000
    # Read back through the ORM: the values the benchmark means.
    first = stored[0]
    assert first.method is EntryMethod.HERE and first.version == 1 and first.recorded_by_id == first.person_id
    assert first.note == first.decision_reason == first.equivalent_source == "" and first.decided_at is None
    assert first.recorded_at.hour == 12 and first.recorded_at.utcoffset().total_seconds() == 0
    assert first.recorded_at.date() == first.completed_on
    assert {e.status for e in stored} == {EntryStatus.ACCEPTED, EntryStatus.AWAITING}

    # The same entries again through the ORM's own insert, for copies of the same people (an entry is one a
    # person, item and day): byte for byte the same rows but for the person.
    people = [c.name for c in Person.__table__.columns if c.name != "id"]
    copied = [f"'c' || {c}" if c in ("email", "employee_number", "session_token") else c for c in people]
    db.session.execute(text(f"INSERT INTO person ({', '.join(people)}) SELECT {', '.join(copied)} FROM person "
                            "WHERE email LIKE '%@bench.example' ORDER BY id"))
    by_email = dict(db.session.execute(select(Person.email, Person.id)).all())
    twin = {pid: by_email["c" + email] for email, pid in by_email.items() if "c" + email in by_email}
    copies = [{c: getattr(e, c) for c in COLUMNS} | {"person_id": twin[e.person_id], "recorded_by_id": twin[e.person_id]}
              for e in stored]
    db.session.execute(insert(Entry), copies)
    db.session.flush()
    copy_ids = list(db.session.scalars(select(Entry.id).where(Entry.id > stored[-1].id).order_by(Entry.id)))
    assert len(copy_ids) == len(stored)
    def but_people(rows):
        return [tuple(v for c, v in zip(COLUMNS, row) if c not in ("person_id", "recorded_by_id")) for row in rows]
    assert but_people(_raw(db, copy_ids)) == but_people(_raw(db, [e.id for e in stored]))
    db.session.rollback()

    lines = progress.getvalue().splitlines()
    assert lines and lines[-1].startswith("  generated 40 of 40 people") and "people/s" in lines[-1]
