"""The kept dates added up (issue 19, item 1), so that the admin home reads a few tens of thousands of rows, not
the half million kept dates before today and the warning window's end.

What is kept (models/item_dates.py): for each build (DateCountsBuilt: a cutoff day C and a window's end E, the
day it was built and that day's warning window), ItemDates' rows by team and item and PassportDates' rows by
team and passport: how many rows, how many not done, and how many fall in the ranges the admin home counts as
of C: done and expiring before C; done and expiring from C to E; not done and due before C; a passport with an
item not done or a first expiry before C; every item done and the first expiry from C to E.

Nothing there turns on today, so a build stays right across midnight and a change of the window. For a today T
on or after C, with the window's end S = T + the window now (figures/admin_overview.Counted):
  expired   = expired before C + the rows expiring from C to T
  expiring  = expiring from C to E − the rows expiring from C to T + the rows expiring after E up to S
              (or − those after S up to E, for a shorter window)
  overdue   = overdue before C + the rows not done due from C to before T
and the same for the passports' first expiries. On the day of a build with the day's window, that is one day's
rows (T = C, S = E), read from the kept dates through their indexes; a day later, two days'. Before any build's
cutoff (a clock set back), or with none, the admin home counts the kept dates themselves, as before.

Kept as the kept dates are: services/item_dates.refresh hands every difference it writes to add_difference, in
the same transaction, which adds it to every build kept (an upsert in the order of the keys, as the trend's
sums). ensure_built makes a new build once a day and when the window changes (the job worker's every-minute
job), and item_dates.rebuild whenever the kept dates are rebuilt; the build before it is kept until the next,
so a request that read one build keeps reading it whatever a build commits meanwhile. On PostgreSQL a writer
holds a shared advisory lock from reading the builds to its commit and a build an exclusive one, so a build
counts what was committed before it and every later write adds its difference to it. differences() compares
every build with what the kept dates add up to (tests/conftest.py, after every test).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, literal, select

from skillpass import clock
from skillpass.extensions import db
from skillpass.models import DateCountsBuilt, ItemDateCount, PassportDateCount

ITEMS = ItemDateCount.__table__
PASSPORTS = PassportDateCount.__table__
BUILT = DateCountsBuilt.__table__
ITEM_COUNTS = ("held", "not_done", "expired_before", "expiring", "overdue_before")
PASSPORT_COUNTS = ("held", "done", "missing", "optional", "stopped_before", "expiring")
LOCK = 0x5EC0_0019      # the advisory lock (PostgreSQL) between writers and a build


@dataclass(frozen=True)
class Build:
    generation: int
    cutoff: dt.date
    window_end: dt.date


def builds() -> list[Build]:
    return [Build(*row) for row in db.session.execute(
        select(BUILT.c.generation, BUILT.c.cutoff, BUILT.c.window_end).order_by(BUILT.c.generation))]


def current(today: dt.date) -> Build | None:
    """The newest build counted against a cutoff on or before *today*, or None (count the kept dates)."""
    row = db.session.execute(
        select(BUILT.c.generation, BUILT.c.cutoff, BUILT.c.window_end).where(BUILT.c.cutoff <= today)
        .order_by(BUILT.c.generation.desc()).limit(1)).first()
    return None if row is None else Build(*row)


def _lock(*, exclusive: bool) -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        name = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        db.session.execute(select(getattr(func, name)(LOCK)))


# ---------------------------------------------------------------- one row's part in the counts

def item_part(row: tuple, build: Build) -> tuple[int, ...]:
    """What one kept item row (team id, completed on, expires on, due on) adds to its count (ITEM_COUNTS)."""
    _, completed_on, expires_on, due_on = row
    if completed_on is not None:
        if expires_on is None:
            return 1, 0, 0, 0, 0
        return 1, 0, int(expires_on < build.cutoff), int(build.cutoff <= expires_on <= build.window_end), 0
    return 1, 1, 0, 0, int(due_on is not None and due_on < build.cutoff)


def passport_part(row: tuple, build: Build) -> tuple[int, ...]:
    """What one kept passport row (team id, done, missing, optional, first expiry) adds (PASSPORT_COUNTS)."""
    _, done, missing, optional, first_expiry = row
    stopped = missing > 0 or (first_expiry is not None and first_expiry < build.cutoff)
    expiring = not stopped and first_expiry is not None and first_expiry <= build.window_end
    return 1, done, missing, optional, int(stopped), int(expiring)


def add_difference(fresh, kept) -> None:
    """Add to every build what changes from the kept rows *kept* to *fresh* (item_dates.Derived, by (person id,
    item or template id)): one upsert a table, whatever the number of rows; nothing when none is built."""
    tables = []
    for table, names, part, new_rows, old_rows in ((ITEMS, ITEM_COUNTS, item_part, fresh.items, kept.items),
                                                   (PASSPORTS, PASSPORT_COUNTS, passport_part, fresh.passports,
                                                    kept.passports)):
        changed = [(old_rows.get(key), new_rows.get(key), key) for key in old_rows.keys() | new_rows.keys()
                   if old_rows.get(key) != new_rows.get(key)]
        if changed:
            tables.append((table, names, part, changed))
    if not tables:
        return
    _lock(exclusive=False)
    kept_builds = builds()
    for table, names, part, changed in tables:
        deltas: dict[tuple[int, int, int], list[int]] = {}
        for build in kept_builds:
            for old, new, key in changed:
                for row, sign in ((old, -1), (new, 1)):
                    if row is not None:
                        delta = deltas.setdefault((build.generation, row[0] or 0, key[1]), [0] * len(names))
                        for index, n in enumerate(part(row, build)):
                            delta[index] += sign * n
        _upsert(table, names, deltas)


def _upsert(table, names, deltas: dict) -> None:
    """Add *deltas* to *table*'s counts: one statement, in the order of the keys (two writers on PostgreSQL
    take the rows' locks in one order)."""
    other = table.c.keys()[2]
    rows = [{"generation": generation, "team_id": team_id, other: key, **dict(zip(names, delta))}
            for (generation, team_id, key), delta in sorted(deltas.items()) if any(delta)]
    if not rows:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.generation, table.c.team_id, table.c[other]],
        set_={name: table.c[name] + statement.excluded[name] for name in names})
    db.session.connection().execute(statement, rows)


# ---------------------------------------------------------------- building

def _counted(build: Build):
    """The counts the kept dates give for *build*: (item counts select, passport counts select)."""
    from skillpass.services import item_dates

    dates, held = item_dates.TABLE.c, item_dates.PASSPORTS.c
    cut, end = build.cutoff, build.window_end

    def n(condition):
        return func.sum(case((condition, 1), else_=0))

    done = dates.completed_on.is_not(None)
    team = func.coalesce(dates.team_id, 0)
    items = select(team.label("team_id"), dates.item_id, func.count(), n(dates.completed_on.is_(None)),
                   n(done & (dates.expires_on < cut)),
                   n(done & (dates.expires_on >= cut) & (dates.expires_on <= end)),
                   n(dates.completed_on.is_(None) & (dates.due_on < cut))
                   ).group_by(team, dates.item_id)
    team = func.coalesce(held.team_id, 0)
    stopped = (held.missing > 0) | (held.first_expiry < cut)
    passports = select(team.label("team_id"), held.template_id, func.count(), func.sum(held.done),
                       func.sum(held.missing), func.sum(held.optional), n(stopped),
                       n((held.missing == 0) & (held.first_expiry >= cut) & (held.first_expiry <= end))
                       ).group_by(team, held.template_id)
    return items, passports


def build(today: dt.date, warning_days: int | None = None, *, alone: bool = False) -> Build:
    """A new build against *today* and this warning window (None: the setting's), a few seconds at 30,000
    people, letting go of all but the one before it (*alone*: of every other, when the kept dates may have
    been wrong: `flask rebuild-item-dates`); the caller commits."""
    if warning_days is None:
        warning_days = _warning_days()
    _lock(exclusive=True)
    connection = db.session.connection()
    made = Build(generation=(db.session.scalar(select(func.max(BUILT.c.generation))) or 0) + 1, cutoff=today,
                 window_end=today + dt.timedelta(days=warning_days))
    connection.execute(BUILT.insert().values(generation=made.generation, cutoff=made.cutoff,
                                             window_end=made.window_end, built_at=clock.now()))
    for table, counted in zip((ITEMS, PASSPORTS), _counted(made)):
        inner = counted.subquery()
        connection.execute(table.insert().from_select(list(table.c.keys()),
                                                      select(literal(made.generation), *inner.c)))
    old = [b.generation for b in builds()][:-1 if alone else -2]
    if old:
        for table in (ITEMS, PASSPORTS, BUILT):
            connection.execute(table.delete().where(table.c.generation.in_(old)))
    return made


def ensure_built(today: dt.date, warning_days: int | None = None) -> Build | None:
    """A new build unless the newest is against *today* and this window (the job worker, every minute: so once
    a day, and when the window changes); the caller commits. Returns the build made, if any."""
    if warning_days is None:
        warning_days = _warning_days()
    newest = builds()[-1:]
    if newest and newest[0].cutoff == today and newest[0].window_end == today + dt.timedelta(days=warning_days):
        return None
    return build(today, warning_days)


def _warning_days() -> int:
    from skillpass.services.settings import get_settings

    return get_settings().warning_days


def differences(*, limit: int = 20) -> list[str]:
    """Where a build's counts differ from what the kept dates add up to for it (none when kept right)."""
    out = []
    for made in builds():
        for table, counted in zip((ITEMS, PASSPORTS), _counted(made)):
            summed = {tuple(row[:2]): tuple(row[2:]) for row in db.session.execute(counted)}
            kept = {tuple(row[1:3]): tuple(row[3:]) for row in db.session.execute(
                select(*table.c).where(table.c.generation == made.generation)) if any(row[3:])}
            for key in sorted(summed.keys() | kept.keys()):
                if summed.get(key) != kept.get(key):
                    out.append(f"{table.name} {made} {key}: kept {kept.get(key)}, the kept dates add up to "
                               f"{summed.get(key)}")
                    if len(out) >= limit:
                        return out
    return out
