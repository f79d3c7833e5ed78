"""The monthly trend's past month ends, kept as writes happen (issue 19, item 1), so the 12-month trend of a
whole trust is a few SQL aggregates rather than a walk of every entry.

What is kept (models/item_dates.py TrendMonth): for each month end TrendMonthBuilt lists, each active person and
each passport they held that day, how its mandatory items stood as of that day (complete, expiring, overdue,
expired, to do), worked out by the trend's own walk (figures/monthly_trend.walk_months), so there is one
source of what "as of a month's end" means. The person's team now is beside it, as the trend groups them.

Whose rows change: exactly the people whose kept dates change (services/item_dates.py notes them at each
flush), and they are worked out again at the same commit, in the same transaction. A write that touches more
than DEFER_OVER people (a credit mapping, an item of a passport thousands hold) does not work out every month
of every one of them inside the request: it marks the month ends unbuilt, and the job worker's every-minute job
builds them again (ensure_built); the trend walks a month end not built while few people are in scope, and
says it is being counted otherwise.

Which month ends: the months before the current one that the trend shows (ensure_built(today) adds the month
that has just ended and lets go of those older than a year), each built with the warning window of the day
(Complete and Expiring are told apart by it): a month end built with another window is not read.

The current month, as of today, is not kept here: it moves with today, and is counted over the kept dates
(today_counts), by the same ranges as the admin home.
"""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import func, select

from skillpass import clock
from skillpass.extensions import db
from skillpass.models import Item, Person, TrendMonth, TrendMonthBuilt, TrendMonthCount
from skillpass.rules import TALLY_INDEX, TALLY_SIZE, Status

TABLE = TrendMonth.__table__
BUILT = TrendMonthBuilt.__table__
SUMS = TrendMonthCount.__table__
COUNTS = ("complete", "expiring", "overdue", "expired", "todo")     # rules.TALLIED's order
DEFER_OVER = 2000
CHUNK = 2000            # people worked out at a time when a month end is built whole
logger = logging.getLogger(__name__)


def built(month_ends, warning_days: int) -> set[dt.date]:
    """Which of *month_ends* are kept, built with this warning window."""
    if not month_ends:
        return set()
    return set(db.session.scalars(select(BUILT.c.month_end).where(
        BUILT.c.month_end.in_(list(month_ends)), BUILT.c.warning_days == warning_days)))


def _built_ends() -> dict[dt.date, int]:
    return dict(db.session.execute(select(BUILT.c.month_end, BUILT.c.warning_days)).all())


# ---------------------------------------------------------------- deriving and writing

def derive(ids, ends: list[dt.date], warning_days: int) -> dict[tuple[int, int, dt.date], tuple]:
    """The rows the trend's walk gives for the active people *ids* selects (None: everyone) at *ends*:
    (person id, template id, month end) → (team id, job role, complete, expiring, overdue, expired, todo). A
    passport with nothing counted that day (held later, or nothing yet due or done) has no row."""
    from skillpass.services.figures.monthly_trend import walk_months

    people = select(Person.id).where(Person.active.is_(True), *([] if ids is None else [Person.id.in_(ids)]))
    found: dict[tuple[int, int, dt.date], tuple] = {}
    listed, by_person = walk_months(people, ends, warning_days=warning_days)
    about = {person_id: (team_id, job_role) for person_id, _, team_id, job_role in listed}
    for (person_id, template_id), counts in by_person.items():
        for month_end, tally in zip(ends, counts):
            if any(tally):
                found[(person_id, template_id, month_end)] = (*about[person_id], *tally[:TALLY_SIZE - 1])
    return found


ROW_VALUES = ("team_id", "job_role") + COUNTS


def stored(ids, ends: list[dt.date]) -> dict[tuple[int, int, dt.date], tuple]:
    c = TABLE.c
    where = [c.month_end.in_(ends)] + ([] if ids is None else [c.person_id.in_(ids)])
    return {(row[0], row[1], row[2]): tuple(row[3:]) for row in db.session.connection().execute(
        select(c.person_id, c.template_id, c.month_end, *(c[name] for name in ROW_VALUES)).where(*where))}


def _write(new_rows: dict, old_rows: dict, *, counts: bool = True) -> int:
    """Write what differs, at most three statements, whatever the number of rows; and add the difference to the
    sums the trend reads (one more)."""
    from skillpass.services.item_dates import write_difference

    written = write_difference(TABLE, ("person_id", "template_id", "month_end"), ROW_VALUES, new_rows, old_rows)
    if counts:
        _add_to_sums(new_rows, old_rows)
    return written.total


def _group(key, row) -> tuple:
    """The sum a person's row is part of: (month end, template id, team id or 0, job role)."""
    return key[2], key[1], row[0] or 0, row[1]


def _add_to_sums(new_rows: dict, old_rows: dict) -> None:
    """Add what changed to the sums by month end, passport, team and job role: one upsert of every difference,
    in the order of their keys (two writers on PostgreSQL take the rows' locks in one order)."""
    deltas: dict[tuple, list[int]] = {}
    for key in old_rows.keys() | new_rows.keys():
        old, new = old_rows.get(key), new_rows.get(key)
        if old == new:
            continue
        for row, sign in ((old, -1), (new, 1)):
            if row is not None:
                delta = deltas.setdefault(_group(key, row), [0] * len(COUNTS))
                for index, n in enumerate(row[2:]):
                    delta[index] += sign * n
    rows = [{"month_end": g[0], "template_id": g[1], "team_id": g[2], "job_role": g[3],
             **dict(zip(COUNTS, delta))} for g, delta in sorted(deltas.items()) if any(delta)]
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(SUMS)
    statement = statement.on_conflict_do_update(
        index_elements=[SUMS.c.month_end, SUMS.c.template_id, SUMS.c.team_id, SUMS.c.job_role],
        set_={name: SUMS.c[name] + statement.excluded[name] for name in COUNTS})
    db.session.connection().execute(statement, rows)


def _sum_again(ends: list[dt.date]) -> None:
    """The sums of these month ends made again from the people's rows (a month end built whole)."""
    connection = db.session.connection()
    connection.execute(SUMS.delete().where(SUMS.c.month_end.in_(ends)))
    c = TABLE.c
    team = func.coalesce(c.team_id, 0)
    connection.execute(SUMS.insert().from_select(
        ["month_end", "template_id", "team_id", "job_role", *COUNTS],
        select(c.month_end, c.template_id, team, c.job_role, *(func.sum(c[name]) for name in COUNTS))
        .where(c.month_end.in_(ends)).group_by(c.month_end, c.template_id, team, c.job_role)))


def refresh(ids) -> int:
    """At commit (services/item_dates._keep, after the kept dates): work out again the rows of the people *ids*
    selects (None: everyone) at every month end built, and write what differs. Over DEFER_OVER people, the month
    ends are marked unbuilt instead, for the job worker to build again."""
    ends_built = _built_ends()
    if not ends_built:
        return 0
    people = select(func.count()).select_from(Person).where(
        Person.active.is_(True), *([] if ids is None else [Person.id.in_(ids)]))
    if db.session.scalar(people) > DEFER_OVER:
        db.session.connection().execute(BUILT.delete())
        logger.info("trend months: more than %s people changed; the job worker builds them again", DEFER_OVER)
        return 0
    written = 0
    for warning_days in set(ends_built.values()):
        ends = sorted(m for m, days in ends_built.items() if days == warning_days)
        written += _write(derive(ids, ends, warning_days), stored(ids, ends))
    return written


def wanted(today: dt.date, months: int = 12) -> list[dt.date]:
    """The past month ends the trend shows on *today*."""
    from skillpass.services.figures.monthly_trend import month_ends

    return month_ends(today, months)[:-1]


def ensure_built(today: dt.date, *, warning_days: int | None = None) -> list[dt.date]:
    """Build everyone's rows at each month end the trend shows that is missing or was built with another
    warning window, and let go of month ends older than those; the caller commits. Returns the month ends
    built (none: nothing to do). The job worker runs it every minute; `flask rebuild-item-dates` too."""
    from skillpass.services.settings import get_settings

    if warning_days is None:
        warning_days = get_settings().warning_days
    ends = wanted(today)
    have = _built_ends()
    missing = [m for m in ends if have.get(m) != warning_days]
    connection = db.session.connection()
    old = [m for m in have if m < ends[0]]
    if old:
        for table in (BUILT, TABLE, SUMS):
            connection.execute(table.delete().where(table.c.month_end.in_(old)))
    if not missing:
        return []
    started = clock.now()
    connection.execute(BUILT.delete().where(BUILT.c.month_end.in_(missing)))
    # A few thousand people at a time, so that memory stays bounded whatever the size of the trust.
    ids = list(db.session.scalars(select(Person.id).order_by(Person.id)))
    for start in range(0, len(ids), CHUNK):
        chunk = select(Person.id).where(Person.id.between(ids[start], ids[min(start + CHUNK, len(ids)) - 1]))
        _write(derive(chunk, missing, warning_days), stored(chunk, missing), counts=False)
    # Rows of people no longer active (or gone) at these month ends: none are derived for them.
    active = select(Person.id).where(Person.active.is_(True))
    connection.execute(TABLE.delete().where(TABLE.c.month_end.in_(missing), TABLE.c.person_id.not_in(active)))
    _sum_again(missing)
    connection.execute(BUILT.insert(), [{"month_end": m, "warning_days": warning_days, "built_at": started}
                                        for m in missing])
    return missing


def differences(*, limit: int = 20) -> list[str]:
    """Where the kept rows of the month ends built differ from what the walk gives now (none when kept right)."""
    out = []
    for warning_days in set(_built_ends().values()):
        ends = sorted(m for m, days in _built_ends().items() if days == warning_days)
        fresh, kept = derive(None, ends, warning_days), stored(None, ends)
        for key in sorted(fresh.keys() | kept.keys()):
            if fresh.get(key) != kept.get(key):
                out.append(f"person {key[0]}, passport {key[1]}, {key[2]}: kept {kept.get(key)}, "
                           f"the walk gives {fresh.get(key)}")
                if len(out) >= limit:
                    return out
        c, t = SUMS.c, TABLE.c
        team = func.coalesce(t.team_id, 0)
        summed = {tuple(row[:4]): tuple(row[4:]) for row in db.session.execute(
            select(t.month_end, t.template_id, team, t.job_role, *(func.sum(t[name]) for name in COUNTS))
            .where(t.month_end.in_(ends)).group_by(t.month_end, t.template_id, team, t.job_role))}
        sums = {tuple(row[:4]): tuple(row[4:]) for row in db.session.execute(
            select(c.month_end, c.template_id, c.team_id, c.job_role, *(c[name] for name in COUNTS))
            .where(c.month_end.in_(ends))) if any(row[4:])}
        summed = {key: value for key, value in summed.items() if any(value)}
        for key in sorted(summed.keys() | sums.keys(), key=repr):
            if summed.get(key) != sums.get(key):
                out.append(f"sums of {key}: kept {sums.get(key)}, the people's rows add up to {summed.get(key)}")
                if len(out) >= limit:
                    return out
    return out


# ---------------------------------------------------------------- counting with SQL

def _in_scope(scope, person_column, team_column):
    where = []
    if scope.team_ids is not None:
        where.append(team_column.in_(scope.team_ids))
    if scope.job_role:
        where.append(person_column.in_(select(Person.id).where(Person.job_role == scope.job_role)))
    return where


def counted(scope, ends: list[dt.date]):
    """(month end, team id, tally) for the people in *scope* at the kept month ends *ends*, from the sums by
    team and job role: one query over a few thousand rows."""
    if not ends:
        return []
    c = SUMS.c
    where = [c.month_end.in_(ends)]
    if scope.team_ids is not None:
        where.append(c.team_id.in_(scope.team_ids))
    if scope.job_role:
        where.append(c.job_role == scope.job_role)
    if scope.template_id:
        where.append(c.template_id == scope.template_id)
    return [(month_end, team_id or None, [*counts, 0]) for month_end, team_id, *counts in db.session.execute(
        select(c.month_end, c.team_id, *(func.sum(c[name]) for name in COUNTS)).where(*where)
        .group_by(c.month_end, c.team_id))]


def today_counts(scope, *, today: dt.date, warning_days: int):
    """(team id, tally) as of today for the people in *scope*, over the kept dates (services/item_dates.py), by
    the ranges the admin home reads (figures/admin_overview.py): done less those expiring or expired, not done
    less those overdue. As the trend's walk, nobody is counted before they start, nor an item before it was
    added: their rows are counted apart (through the people's and the items' own keys, a few rows) and taken
    away, so the ranges are read through their indexes alone. Eight queries."""
    tallies: dict[int | None, list[int]] = {}
    _tally_today(tallies, scope, today=today, warning_days=warning_days, sign=1)
    # Not counted yet: people who start after today; items added after today (none, in practice).
    _tally_today(tallies, scope, today=today, warning_days=warning_days, sign=-1, later=True)
    return list(tallies.items())


def _tally_today(tallies, scope, *, today: dt.date, warning_days: int, sign: int, later: bool = False) -> None:
    from sqlalchemy import or_

    from skillpass.services import item_dates

    dates, held = item_dates.TABLE.c, item_dates.PASSPORTS.c
    soon = today + dt.timedelta(days=warning_days)
    not_started = select(Person.id).where(Person.start_date > today)
    later_items = select(Item.id).where(Item.added_on > today)
    item_where = _in_scope(scope, dates.person_id, dates.team_id)
    held_where = _in_scope(scope, held.person_id, held.team_id)
    if scope.template_id:
        item_where.append(dates.item_id.in_(select(Item.id).where(Item.template_id == scope.template_id)))
        held_where.append(held.template_id == scope.template_id)
    if later:
        # The rows of people not started, and of items added after today: taken away below.
        item_where.append(or_(dates.person_id.in_(not_started), dates.item_id.in_(later_items)))
        held_where.append(held.person_id.in_(not_started))

    def tally(team_id):
        return tallies.setdefault(team_id, [0] * TALLY_SIZE)

    for team_id, done, missing in db.session.execute(
            select(held.team_id, func.sum(held.done), func.sum(held.missing)).where(*held_where)
            .group_by(held.team_id)):
        t = tally(team_id)
        t[COMPLETE] += sign * (done or 0)
        t[TODO] += sign * (missing or 0)
    if later:
        # An item added after today, of a person who has started: in no passport row above, so each row counts.
        is_done = dates.completed_on.is_not(None).label("is_done")
        for team_id, done, count in db.session.execute(
                select(dates.team_id, is_done, func.count()).where(
                    dates.item_id.in_(later_items), dates.person_id.not_in(not_started),
                    *_in_scope(scope, dates.person_id, dates.team_id),
                    *([dates.item_id.in_(select(Item.id).where(Item.template_id == scope.template_id))]
                      if scope.template_id else []))
                .group_by(dates.team_id, is_done)):
            tally(team_id)[COMPLETE if done else TODO] += sign * count
    expired = (dates.expires_on <= today).label("expired")
    for team_id, is_expired, count in db.session.execute(
            select(dates.team_id, expired, func.count())
            .where(dates.completed_on.is_not(None), dates.expires_on.is_not(None), dates.expires_on <= soon,
                   *item_where).group_by(dates.team_id, expired)):
        t = tally(team_id)
        t[EXPIRED if is_expired else EXPIRING] += sign * count
        t[COMPLETE] -= sign * count
    for team_id, count in db.session.execute(
            select(dates.team_id, func.count()).where(dates.completed_on.is_(None), dates.due_on < today, *item_where)
            .group_by(dates.team_id)):
        t = tally(team_id)
        t[OVERDUE] += sign * count
        t[TODO] -= sign * count


COMPLETE, EXPIRING, OVERDUE, EXPIRED, TODO = (TALLY_INDEX[status] for status in (
    Status.COMPLETE, Status.EXPIRING, Status.OVERDUE, Status.EXPIRED, Status.TODO))
