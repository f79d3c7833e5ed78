"""The team page built for the rows it shows: who is in scope and holds a passport, in the page's order, the
page's people, the totals and counts the page prints, who holds no passport, the figures of each item and of
everyone, the lapse forecast and the standings, worked out by the database over the kept dates
(services/item_dates.py) and the person and passport rows, in a constant number of queries; matrix rows
(matrix.matrix_of, the walk) are built for the people of the page only.

The whole matrix (matrix.build_matrix, filter_rows, lapse_forecast.forecast, standing.standing_figures) stays
the reference, and what the page falls back on where the kept dates cannot answer a filter exactly: a status
filter when the scope's passports have optional items (an optional item's status is not kept, and any status
can be one). tests/unit/test_team_page.py checks both give the same page on varied data and every filter."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import bindparam, func, literal, select, union

from skillpass import rules
from skillpass.extensions import db
from skillpass.models import Assignment, Entry, EntryStatus, Person
from skillpass.rules import OPTIONAL_INDEX, TALLY_INDEX, TALLY_SIZE, Status
from skillpass.services import item_dates
from skillpass.services.figures import counted
from skillpass.services.figures.matrix import AWAITING, Awaiting, Matrix, Row, matrix_of
from skillpass.services.figures.scope import Member, Scope, awaiting_items, columns_of, passports_named, people_query
from skillpass.services.figures.standing import PassportFigure
from skillpass.subjects import subject_key

COMPLETE, EXPIRING, OVERDUE, EXPIRED, TODO = (TALLY_INDEX[status] for status in (
    Status.COMPLETE, Status.EXPIRING, Status.OVERDUE, Status.EXPIRED, Status.TODO))


@dataclass
class Page:
    """What the team page prints: the matrix (the scope's columns and figures, the rows of this page only)."""
    matrix: Matrix
    total: int                  # people shown (the filters applied) who hold a passport
    page: int
    pages: int
    holders: int                # everyone in scope who holds a passport
    out_count: int              # of those shown, out of compliance
    no_passport: list[Member]   # in scope, holding no passport with an item (none when filtered by status)
    forecast: counted.CountedForecast
    standings: list[PassportFigure] = field(default_factory=list)


# Up to this many people in scope, the page walks the whole matrix (kept per worker): for a team that costs less
# than counting over the kept dates, whose ranges span the whole trust (30,000 people on SQLite, a 300-person team:
# about 0.8 s walked afresh against 1.2 s counted).
WALK_UP_TO = 1000


def exact(scope: Scope, status: Status | Awaiting | None) -> bool:
    """Whether the page is counted (build) rather than walked: a scope of more than WALK_UP_TO people, and a
    filter the kept dates answer exactly: no status, awaiting sign-off, or a status when none of the scope's
    passports has an optional item (only mandatory items are kept; an optional item can have any status)."""
    if db.session.scalar(select(func.count()).select_from(people_query(scope).subquery())) <= WALK_UP_TO:
        return False
    if status is None or status is AWAITING:
        return True
    held = item_dates.PASSPORTS.c
    where = [held.person_id.in_(people_query(scope)), held.optional > 0]
    if scope.team_ids is not None:
        where.append(held.team_id.in_(scope.team_ids))
    if scope.template_id:
        where.append(held.template_id == scope.template_id)
    return db.session.scalar(select(literal(1)).where(*where).limit(1)) is None


def _holding(scope: Scope):
    """The people in scope whose passport (the scope's, if chosen) has an item: those with a row in the matrix."""
    held = item_dates.PASSPORTS.c
    where = [held.done + held.missing + held.optional > 0]
    if scope.template_id:
        where.append(held.template_id == scope.template_id)
    return select(held.person_id).where(*where)


def _with_status(scope: Scope, status: Status, *, today: dt.date, soon: dt.date):
    """The people with a mandatory item of *status* today (rules.status_of as date ranges over the kept dates)."""
    dates = item_dates.TABLE.c
    done, not_done = dates.completed_on.is_not(None), dates.completed_on.is_(None)
    ranges = {Status.COMPLETE: [done, (dates.expires_on.is_(None)) | (dates.expires_on > soon)],
              Status.EXPIRING: [done, dates.expires_on > today, dates.expires_on <= soon],
              Status.EXPIRED: [done, dates.expires_on <= today],
              Status.OVERDUE: [not_done, dates.due_on < today],
              Status.TODO: [not_done, dates.due_on >= today]}
    return select(dates.person_id).where(*ranges[status], *counted._kept_rows(scope))


def _out(scope: Scope, *, today: dt.date):
    """The people out of compliance: a mandatory item Overdue or Expired (Row.out_of_compliance)."""
    dates = item_dates.TABLE.c
    where = counted._kept_rows(scope)
    return union(select(dates.person_id).where(dates.completed_on.is_(None), dates.due_on < today, *where),
                 select(dates.person_id).where(dates.completed_on.is_not(None), dates.expires_on <= today, *where))


def build(scope: Scope, *, status: Status | Awaiting | None, out_only: bool, page: int, size: int,
          today: dt.date, warning_days: int, forecast_days: int, windows: tuple[int, ...]) -> Page:
    """The team page of *scope* with its filters (status, out of compliance only), at *page* (1 on, kept within
    the pages there are) of *size* people. Call only when exact(scope, status)."""
    soon = today + dt.timedelta(days=warning_days)
    in_scope = people_query(scope)
    holding = _holding(scope)
    held = item_dates.PASSPORTS.c
    passport_where = [held.person_id.in_(in_scope)]
    if scope.team_ids is not None:
        passport_where.append(held.team_id.in_(scope.team_ids))
    if scope.template_id:
        passport_where.append(held.template_id == scope.template_id)

    # The columns: the live items of every passport held in scope; each column's figures and everyone's.
    holders_of = dict(db.session.execute(
        select(held.template_id, func.count()).where(*passport_where).group_by(held.template_id)).all())
    columns = columns_of(set(holders_of))
    tallies = {column.item.id: [0] * TALLY_SIZE for column in columns}
    for column in columns:
        tally = tallies[column.item.id]
        tally[COMPLETE if column.item.mandatory else OPTIONAL_INDEX] = holders_of[column.template.id]
    dates = item_dates.TABLE.c
    kept_where = counted._kept_rows(scope)
    # Each holder of a passport has one kept row for each of its mandatory items: Complete until read otherwise.
    # Not done (Overdue, To do) and ending (Expired, Expiring): each a range of an index of the kept dates
    # (ix_item_dates_due, ix_item_dates_expiry). Grouped by item_id + 0, not item_id: by item_id itself SQLite
    # reads every row in the order of ix_item_dates_item instead (1.4 s against 0.2 s at 30,000 people).
    item = (dates.item_id + 0).label("item")
    for place, range_ in ((OVERDUE, [dates.completed_on.is_(None), dates.due_on < today]),
                          (TODO, [dates.completed_on.is_(None), dates.due_on >= today]),
                          (EXPIRED, [dates.completed_on.is_not(None), dates.expires_on <= today]),
                          (EXPIRING, [dates.completed_on.is_not(None), dates.expires_on > today,
                                      dates.expires_on <= soon])):
        for item_id, count in db.session.execute(
                select(item, func.count()).where(*range_, *kept_where).group_by(item)):
            if item_id in tallies:
                tallies[item_id][place] += count
                tallies[item_id][COMPLETE] -= count
    overall = [0] * TALLY_SIZE
    for column in columns:
        tally = tallies[column.item.id]
        column.compliance = rules.Compliance.of_tally(tally)
        for index in range(TALLY_SIZE):
            overall[index] += tally[index]

    # Awaiting sign-off: the subjects of each person's columns with an entry awaiting one (few, whatever the size).
    waiting = awaiting_items(in_scope, set(holders_of))
    subjects: dict[int, set] = defaultdict(set)
    for column in columns:
        subjects[column.template.id].add(subject_key(column.item.id, column.item.code))
    assignment_where = [Assignment.removed_on.is_(None), Assignment.person_id.in_(
        select(Entry.person_id).where(Entry.status == EntryStatus.AWAITING, Entry.person_id.in_(in_scope)))]
    if scope.template_id:
        assignment_where.append(Assignment.template_id == scope.template_id)
    theirs: dict[int, set] = defaultdict(set)
    for person_id, template_id in db.session.execute(
            select(Assignment.person_id, Assignment.template_id).where(*assignment_where)):
        theirs[person_id] |= subjects.get(template_id, set())
    awaiting_by_person = {person_id: len(found & theirs[person_id]) for person_id, found in waiting.items()}
    awaiting_total = sum(awaiting_by_person.values())

    # Who is shown: in scope, holding a passport, with the filters.
    shown_where = [Person.id.in_(in_scope), Person.id.in_(holding)]
    if status is AWAITING:
        # Written into the statement, not bound: a whole trust's people waiting would pass the drivers' limits on
        # bound values (32,766 on SQLite, 65,535 on PostgreSQL).
        shown_where.append(Person.id.in_(bindparam("waiting_people", [p for p, n in awaiting_by_person.items() if n],
                                                   expanding=True, literal_execute=True)))
    elif status is not None:
        shown_where.append(Person.id.in_(_with_status(scope, status, today=today, soon=soon)))
    filtered = bool(status or out_only)
    if out_only:
        shown_where.append(Person.id.in_(_out(scope, today=today)))
    total = db.session.scalar(select(func.count()).select_from(Person).where(*shown_where))
    holders = total if not filtered else db.session.scalar(
        select(func.count()).select_from(Person).where(Person.id.in_(in_scope), Person.id.in_(holding)))
    out_count = total if out_only else db.session.scalar(
        select(func.count()).select_from(Person).where(*shown_where, Person.id.in_(_out(scope, today=today))))
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    page_ids = list(db.session.scalars(select(Person.id).where(*shown_where).order_by(Person.name, Person.id)
                                      .offset((page - 1) * size).limit(size)))
    # Built even for no one (a filter nobody matches), so the page costs the same queries whatever it shows.
    rows: list[Row] = matrix_of(select(Person.id).where(Person.id.in_(page_ids)), template_id=scope.template_id,
                      today=today, warning_days=warning_days).rows

    no_passport: list[Member] = []
    if not filtered:
        no_passport = [Member(person_id, name, job_role or "", employee_number, start_date)
                       for person_id, name, job_role, employee_number, start_date in db.session.execute(
                           select(Person.id, Person.name, Person.job_role, Person.employee_number, Person.start_date)
                           .where(Person.id.in_(in_scope), Person.id.not_in(holding)).order_by(Person.name, Person.id))]

    forecast = counted.forecast(scope, today=today, days=forecast_days, windows=windows, warning_days=warning_days,
                                people=select(Person.id).where(*shown_where) if filtered else None)
    matrix = Matrix(columns=columns, rows=rows, today=today, overall=rules.Compliance.of_tally(overall),
                    awaiting=awaiting_total, passports=passports_named(set(holders_of)))
    return Page(matrix=matrix, total=total, page=page, pages=pages, holders=holders, out_count=out_count,
                no_passport=no_passport, forecast=forecast,
                standings=counted.standing_figures(scope, today=today, warning_days=warning_days))
