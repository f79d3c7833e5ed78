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

from sqlalchemy import bindparam, func, select

from skillpass import clock
from skillpass.extensions import db
from skillpass.models import Item, Person, TrendMonth, TrendMonthBuilt
from skillpass.rules import TALLY_INDEX, TALLY_SIZE, Status

TABLE = TrendMonth.__table__
BUILT = TrendMonthBuilt.__table__
COUNTS = ("complete", "expiring", "overdue", "expired", "todo")     # rules.TALLIED's order
DEFER_OVER = 2000
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
    (person id, template id, month end) → (team id, complete, expiring, overdue, expired, todo). A passport
    with nothing counted that day (held later, or nothing yet due or done) has no row."""
    from skillpass.services.figures.monthly_trend import walk_months

    people = select(Person.id).where(Person.active.is_(True), *([] if ids is None else [Person.id.in_(ids)]))
    found: dict[tuple[int, int, dt.date], tuple] = {}
    listed, by_person = walk_months(people, ends, warning_days=warning_days)
    team_of = {person_id: team_id for person_id, _, team_id in listed}
    for (person_id, template_id), counts in by_person.items():
        for month_end, tally in zip(ends, counts):
            if any(tally):
                found[(person_id, template_id, month_end)] = (team_of[person_id], *tally[:TALLY_SIZE - 1])
    return found


def stored(ids, ends: list[dt.date]) -> dict[tuple[int, int, dt.date], tuple]:
    c = TABLE.c
    where = [c.month_end.in_(ends)] + ([] if ids is None else [c.person_id.in_(ids)])
    return {(row[0], row[1], row[2]): tuple(row[3:]) for row in db.session.connection().execute(
        select(c.person_id, c.template_id, c.month_end, c.team_id, *(c[name] for name in COUNTS)).where(*where))}


def _write(new_rows: dict, old_rows: dict) -> int:
    """Write what differs: at most three statements, whatever the number of rows."""
    keys, values = ("person_id", "template_id", "month_end"), ("team_id",) + COUNTS
    match = [TABLE.c[k] == bindparam(f"k_{k}") for k in keys]

    def params(key, row=None):
        out = {f"k_{k}": v for k, v in zip(keys, key)}
        if row is not None:
            out.update({f"v_{v}": value for v, value in zip(values, row)})
        return out

    connection = db.session.connection()
    gone = [params(key) for key in old_rows.keys() - new_rows.keys()]
    added = [params(key, row) for key, row in new_rows.items() if key not in old_rows]
    changed = [params(key, row) for key, row in new_rows.items() if key in old_rows and old_rows[key] != row]
    if gone:
        connection.execute(TABLE.delete().where(*match), gone)
    if changed:
        connection.execute(TABLE.update().where(*match).values({v: bindparam(f"v_{v}") for v in values}), changed)
    if added:
        connection.execute(TABLE.insert().values({**{k: bindparam(f"k_{k}") for k in keys},
                                                  **{v: bindparam(f"v_{v}") for v in values}}), added)
    return len(gone) + len(added) + len(changed)


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
        connection.execute(BUILT.delete().where(BUILT.c.month_end.in_(old)))
        connection.execute(TABLE.delete().where(TABLE.c.month_end.in_(old)))
    if not missing:
        return []
    started = clock.now()
    connection.execute(BUILT.delete().where(BUILT.c.month_end.in_(missing)))
    _write(derive(None, missing, warning_days), stored(None, missing))
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
    """(month end, team id, tally) for the people in *scope* at the kept month ends *ends*: one query."""
    if not ends:
        return []
    c = TABLE.c
    where = [c.month_end.in_(ends), *_in_scope(scope, c.person_id, c.team_id)]
    if scope.template_id:
        where.append(c.template_id == scope.template_id)
    return [(month_end, team_id, [*counts, 0]) for month_end, team_id, *counts in db.session.execute(
        select(c.month_end, c.team_id, *(func.sum(c[name]) for name in COUNTS)).where(*where)
        .group_by(c.month_end, c.team_id))]


def today_counts(scope, *, today: dt.date, warning_days: int):
    """(team id, tally) as of today for the people in *scope*, over the kept dates (services/item_dates.py), by
    the ranges the admin home reads (figures/admin_overview.py): done less those expiring or expired, not done
    less those overdue. As the trend's walk, nobody is counted before they start, nor an item before it was
    added. Four queries."""
    from skillpass.services import item_dates

    dates, held = item_dates.TABLE.c, item_dates.PASSPORTS.c
    soon = today + dt.timedelta(days=warning_days)
    not_started = select(Person.id).where(Person.start_date > today)
    later_items = select(Item.id).where(Item.added_on > today)
    item_where = [dates.person_id.not_in(not_started), *_in_scope(scope, dates.person_id, dates.team_id)]
    if scope.template_id:
        item_where.append(dates.item_id.in_(select(Item.id).where(Item.template_id == scope.template_id)))
    tallies: dict[int | None, list[int]] = {}

    def tally(team_id):
        return tallies.setdefault(team_id, [0] * TALLY_SIZE)

    for team_id, done, missing in db.session.execute(
            select(held.team_id, func.sum(held.done), func.sum(held.missing))
            .where(held.person_id.not_in(not_started), *_in_scope(scope, held.person_id, held.team_id),
                   *([held.template_id == scope.template_id] if scope.template_id else []))
            .group_by(held.team_id)):
        t = tally(team_id)
        t[COMPLETE] += done or 0
        t[TODO] += missing or 0
    # Items added after today (none, in practice): not counted yet.
    is_done = dates.completed_on.is_not(None).label("is_done")
    for team_id, done, count in db.session.execute(
            select(dates.team_id, is_done, func.count()).where(dates.item_id.in_(later_items), *item_where)
            .group_by(dates.team_id, is_done)):
        tally(team_id)[COMPLETE if done else TODO] -= count
    item_where.append(dates.item_id.not_in(later_items))
    expired = (dates.expires_on <= today).label("expired")
    for team_id, is_expired, count in db.session.execute(
            select(dates.team_id, expired, func.count())
            .where(dates.completed_on.is_not(None), dates.expires_on.is_not(None), dates.expires_on <= soon,
                   *item_where).group_by(dates.team_id, expired)):
        t = tally(team_id)
        t[EXPIRED if is_expired else EXPIRING] += count
        t[COMPLETE] -= count
    for team_id, count in db.session.execute(
            select(dates.team_id, func.count()).where(dates.completed_on.is_(None), dates.due_on < today, *item_where)
            .group_by(dates.team_id)):
        t = tally(team_id)
        t[OVERDUE] += count
        t[TODO] -= count
    return list(tallies.items())


COMPLETE, EXPIRING, OVERDUE, EXPIRED, TODO = (TALLY_INDEX[status] for status in (
    Status.COMPLETE, Status.EXPIRING, Status.OVERDUE, Status.EXPIRED, Status.TODO))
