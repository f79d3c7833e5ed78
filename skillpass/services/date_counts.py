"""The kept dates added up (issue 19, item 1), so that the admin home reads a few tens of thousands of rows, not
the hundreds of thousands of kept dates before today and the warning window's end.

What is kept (models/item_dates.py): ItemDates' rows by team and item, PassportDates' rows by team and passport,
each counted against a cutoff day C (DateCountsBuilt): how many rows, how many not done, and how many fall in
the ranges the admin home counts *before C* (done and expiring before C; not done and due before C; a passport
with an item not done, or a first expiry before C). None of that turns on today or the warning window, so a
count stays right across midnight and a change of the window: for any today on or after C, the admin home adds
the rows from C up to today (or the window's end) read from the kept dates through their indexes
(figures/admin_overview.py), a few days' worth. Before C (a clock set back) or unbuilt, it counts the kept
dates themselves, as it did before.

Kept as the kept dates are: services/item_dates.refresh hands every difference it writes to add_difference, in
the same transaction (an upsert in the order of the keys, as the trend's sums). ensure_built builds them again
against today once a day (the job worker's every-minute job), and item_dates.rebuild whenever the kept dates
are rebuilt. On PostgreSQL a writer reads the cutoff FOR SHARE and a build takes it FOR UPDATE, so a write's
difference is counted against the cutoff of the counts it lands in, and a build counts what was committed
before it. differences() compares the counts with the kept dates (tests/conftest.py, after every test).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import case, func, select

from skillpass import clock
from skillpass.extensions import db
from skillpass.models import DateCountsBuilt, ItemDateCount, PassportDateCount

ITEMS = ItemDateCount.__table__
PASSPORTS = PassportDateCount.__table__
BUILT = DateCountsBuilt.__table__
ITEM_COUNTS = ("held", "not_done", "expired_before", "overdue_before")
PASSPORT_COUNTS = ("held", "done", "missing", "optional", "stopped_before")


def cutoff() -> dt.date | None:
    """The day the counts are counted against, or None when they are not built."""
    return db.session.scalar(select(BUILT.c.cutoff).where(BUILT.c.id == 1))


def cutoff_column():
    """The cutoff as a scalar subquery: a statement that reads it with the counts sees one build of them."""
    return select(BUILT.c.cutoff).where(BUILT.c.id == 1).scalar_subquery()


# ---------------------------------------------------------------- one row's part in the counts

def item_part(row: tuple, cut: dt.date) -> tuple[int, ...]:
    """What one kept item row (team id, completed on, expires on, due on) adds to its count (ITEM_COUNTS)."""
    _, completed_on, expires_on, due_on = row
    if completed_on is not None:
        return 1, 0, int(expires_on is not None and expires_on < cut), 0
    return 1, 1, 0, int(due_on is not None and due_on < cut)


def passport_part(row: tuple, cut: dt.date) -> tuple[int, ...]:
    """What one kept passport row (team id, done, missing, optional, first expiry) adds (PASSPORT_COUNTS)."""
    _, done, missing, optional, first_expiry = row
    return 1, done, missing, optional, int(missing > 0 or (first_expiry is not None and first_expiry < cut))


def add_difference(fresh, kept) -> None:
    """Add to the counts what changes from the kept rows *kept* to *fresh* (item_dates.Derived, by (person id,
    item or template id)): one upsert a table, whatever the number of rows; nothing when not built."""
    query = select(BUILT.c.cutoff).where(BUILT.c.id == 1)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    cut = db.session.scalar(query)
    if cut is None:
        return
    for table, names, part, new_rows, old_rows in ((ITEMS, ITEM_COUNTS, item_part, fresh.items, kept.items),
                                                   (PASSPORTS, PASSPORT_COUNTS, passport_part, fresh.passports,
                                                    kept.passports)):
        deltas: dict[tuple[int, int], list[int]] = {}
        for key in old_rows.keys() | new_rows.keys():
            old, new = old_rows.get(key), new_rows.get(key)
            if old == new:
                continue
            for row, sign in ((old, -1), (new, 1)):
                if row is not None:
                    delta = deltas.setdefault((row[0] or 0, key[1]), [0] * len(names))
                    for index, n in enumerate(part(row, cut)):
                        delta[index] += sign * n
        _upsert(table, names, deltas)


def _upsert(table, names, deltas: dict) -> None:
    """Add *deltas* to *table*'s counts: one statement, in the order of the keys (two writers on PostgreSQL
    take the rows' locks in one order)."""
    other = table.c.keys()[1]
    rows = [{"team_id": team_id, other: key, **dict(zip(names, delta))}
            for (team_id, key), delta in sorted(deltas.items()) if any(delta)]
    if not rows:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.team_id, table.c[other]],
        set_={name: table.c[name] + statement.excluded[name] for name in names})
    db.session.connection().execute(statement, rows)


# ---------------------------------------------------------------- building

def _counted(cut: dt.date):
    """The counts the kept dates give against *cut*: (item counts select, passport counts select)."""
    from skillpass.services import item_dates

    dates, held = item_dates.TABLE.c, item_dates.PASSPORTS.c
    team = func.coalesce(dates.team_id, 0)
    items = select(team.label("team_id"), dates.item_id, func.count(),
                   func.sum(case((dates.completed_on.is_(None), 1), else_=0)),
                   func.sum(case((dates.completed_on.is_not(None) & (dates.expires_on < cut), 1), else_=0)),
                   func.sum(case((dates.completed_on.is_(None) & (dates.due_on < cut), 1), else_=0))
                   ).group_by(team, dates.item_id)
    team = func.coalesce(held.team_id, 0)
    passports = select(team.label("team_id"), held.template_id, func.count(), func.sum(held.done),
                       func.sum(held.missing), func.sum(held.optional),
                       func.sum(case(((held.missing > 0) | (held.first_expiry < cut), 1), else_=0))
                       ).group_by(team, held.template_id)
    return items, passports


def build(today: dt.date) -> None:
    """Count the kept dates again against *today* (a few seconds at 30,000 people); the caller commits."""
    connection = db.session.connection()
    if db.session.get_bind().dialect.name == "postgresql":
        # Writers hold the cutoff FOR SHARE until they commit: wait for them, and make later ones wait.
        connection.execute(select(BUILT.c.id).where(BUILT.c.id == 1).with_for_update()).all()
    items, passports = _counted(today)
    for table, names, counted in ((ITEMS, ITEM_COUNTS, items), (PASSPORTS, PASSPORT_COUNTS, passports)):
        connection.execute(table.delete())
        connection.execute(table.insert().from_select(list(table.c.keys()), counted))
    if connection.execute(BUILT.update().where(BUILT.c.id == 1).values(cutoff=today, built_at=clock.now())).rowcount == 0:
        connection.execute(BUILT.insert().values(id=1, cutoff=today, built_at=clock.now()))


def ensure_built(today: dt.date) -> bool:
    """Build the counts against *today* unless they are already (the job worker, every minute: once a day, so the
    admin home reads at most a day's rows past the cutoff besides the warning window); the caller commits."""
    if cutoff() == today:
        return False
    build(today)
    return True


def differences(*, limit: int = 20) -> list[str]:
    """Where the kept counts differ from what the kept dates add up to against their cutoff (none when kept
    right, or not built)."""
    cut = cutoff()
    if cut is None:
        return []
    out = []
    for table, counted in zip((ITEMS, PASSPORTS), _counted(cut)):
        summed = {tuple(row[:2]): tuple(row[2:]) for row in db.session.execute(counted)}
        kept = {tuple(row[:2]): tuple(row[2:]) for row in db.session.execute(select(*table.c))
                if any(row[2:])}
        for key in sorted(summed.keys() | kept.keys()):
            if summed.get(key) != kept.get(key):
                out.append(f"{table.name} {key}: kept {kept.get(key)}, the kept dates add up to {summed.get(key)}")
                if len(out) >= limit:
                    return out
    return out
