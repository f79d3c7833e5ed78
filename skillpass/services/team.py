"""Team-wide figures: the compliance matrix, the expiry forecast, the monthly trend,
the admin home. Everything is derived from the entries with the date rules of
rules.py, never stored, from a constant number of queries whatever the number
of people or items: people, their live assignments, the items and sections of
those templates, the latest accepted completion and any awaiting entry of each
(person, item), computed in Python.
"""
from __future__ import annotations

import bisect
import calendar
import datetime as dt
import threading
from collections import defaultdict
from dataclasses import dataclass, field, replace

from markupsafe import escape
from sqlalchemy import Select, func, or_, select

from skillpass import clock, rules
from skillpass.services import kept
from skillpass.extensions import db
from skillpass.inputs import printable
from skillpass.models import (
    Assignment,
    Entry,
    EntryStatus,
    Item,
    PassportTemplate,
    Person,
    Section,
    Team,
)
from skillpass.rules import Status

SHORT = {
    Status.COMPLETE: "Complete",
    Status.EXPIRING: "Expiring",
    Status.EXPIRED: "Expired",
    Status.OVERDUE: "Overdue",
    Status.TODO: "To do",
}


# ---------------------------------------------------------------- who is in scope

@dataclass(frozen=True)
class Scope:
    """Which people: a team (or all the teams an educator supports, or everyone), a job role."""

    team_ids: tuple[int, ...] | None     # None: every team (admins), and people without a team
    job_role: str = ""
    template_id: int | None = None


def people_query(scope: Scope) -> Select:
    stmt = select(Person.id).where(Person.active.is_(True))
    if scope.team_ids is not None:
        stmt = stmt.where(Person.team_id.in_(scope.team_ids))
    if scope.job_role:
        stmt = stmt.where(Person.job_role == scope.job_role)
    if scope.template_id:
        # A passport chosen: the people who hold it, not everyone with its columns left blank.
        stmt = stmt.where(Person.id.in_(select(Assignment.person_id).where(
            Assignment.template_id == scope.template_id, Assignment.removed_on.is_(None))))
    return stmt


# ---------------------------------------------------------------- cells

@dataclass(slots=True)
class Cell:
    status: Status
    due_on: dt.date | None          # no accepted entry: when it is (was) due
    expires_on: dt.date | None      # accepted and recurring: when it expires
    completed_on: dt.date | None
    awaiting: bool
    mandatory: bool

    @property
    def label(self) -> str:
        return SHORT[self.status]

    @property
    def date_line(self) -> str:
        if self.completed_on is not None:
            if self.expires_on is None:
                return f"Completed {rules.format_date(self.completed_on)}, does not expire"
            verb = "Expired" if self.status is Status.EXPIRED else "Expires"
            return f"{verb} {rules.format_date(self.expires_on)} (completed {rules.format_date(self.completed_on)})"
        return f"Due {rules.format_date(self.due_on)}"

    @property
    def counts(self) -> bool:
        return self.mandatory

    @property
    def lapse_on(self) -> dt.date | None:
        """The day it stops counting as met, or becomes overdue: the date a forecast is about."""
        if self.completed_on is not None:
            return self.expires_on
        return self.due_on


@dataclass(frozen=True, slots=True)
class Member:
    """A person as the team page shows them: plain values, safe to keep between requests."""
    id: int
    name: str
    job_role: str
    employee_number: str | None
    start_date: dt.date


@dataclass(frozen=True, slots=True)
class ItemInfo:
    id: int
    title: str
    code: str | None
    mandatory: bool
    template_id: int
    added_on: dt.date
    frequency_months: int | None


@dataclass(frozen=True, slots=True)
class TemplateInfo:
    id: int
    name: str


@dataclass
class Column:
    item: ItemInfo
    template: TemplateInfo
    offset: rules.Offset
    escaped_title: str = ""     # the title escaped once, for the cells drawn in Python
    compliance: rules.Compliance = field(default_factory=rules.Compliance)


@dataclass
class Row:
    person: Member
    team_name: str
    cells: dict[int, Cell]
    compliance: rules.Compliance = field(default_factory=rules.Compliance)

    @property
    def out_of_compliance(self) -> bool:
        return self.compliance.overdue + self.compliance.expired > 0

    def has(self, status: Status) -> bool:
        return any(c.status is status for c in self.cells.values())


@dataclass
class Matrix:
    columns: list[Column]
    rows: list[Row]
    today: dt.date
    overall: rules.Compliance = field(default_factory=rules.Compliance)
    awaiting: int = 0

    @property
    def templates(self) -> list[tuple[PassportTemplate, int]]:
        """(template, number of its columns), in column order: the header's first row."""
        out: list[tuple[PassportTemplate, int]] = []
        for column in self.columns:
            if out and out[-1][0].id == column.template.id:
                out[-1] = (out[-1][0], out[-1][1] + 1)
            else:
                out.append((column.template, 1))
        return out



# Where each status is counted in a tally list: the order of Compliance's fields.
TALLY = {Status.COMPLETE: 0, Status.EXPIRING: 1, Status.OVERDUE: 2, Status.EXPIRED: 3, Status.TODO: 4}
OPTIONAL = 5


def _count(compliance: rules.Compliance, status: Status) -> None:
    if status is Status.COMPLETE:
        compliance.complete += 1
    elif status is Status.EXPIRING:
        compliance.expiring += 1
    elif status is Status.OVERDUE:
        compliance.overdue += 1
    elif status is Status.EXPIRED:
        compliance.expired += 1
    else:
        compliance.todo += 1


def build_matrix(scope: Scope, *, today: dt.date, warning_days: int, keep: bool = False) -> Matrix:
    """Every active person in scope × every live item of the templates they hold.

    With keep, the matrix is kept per worker until the data changes (like the admin home's figures):
    the team page asks for the same matrix again as its filters, pages and forecast window change.
    A kept matrix holds plain values only, and nobody changes it after it is built."""
    key = kept.key("matrix", scope, today, warning_days) if keep else None
    if key is not None and (cached := KEPT.get(key)) is not None:
        return cached
    matrix = _compute_matrix(scope, today=today, warning_days=warning_days)
    if key is not None and len(matrix.rows) * max(1, len(matrix.columns)) <= KEEP_MATRIX_CELLS:
        KEPT.put(key, matrix)
    return matrix


def _compute_matrix(scope: Scope, *, today: dt.date, warning_days: int) -> Matrix:
    ids = people_query(scope)
    people = db.session.execute(
        select(Person.id, Person.name, Person.job_role, Person.employee_number, Person.start_date, Team.name)
        .outerjoin(Team, Team.id == Person.team_id)
        .where(Person.id.in_(ids)).order_by(Person.name, Person.id)).all()
    assignment_q = select(Assignment).where(Assignment.person_id.in_(ids), Assignment.removed_on.is_(None))
    if scope.template_id:
        assignment_q = assignment_q.where(Assignment.template_id == scope.template_id)
    assignments = db.session.scalars(assignment_q).all()
    template_ids = {a.template_id for a in assignments}
    columns = _columns(template_ids)
    latest, awaiting = _latest(ids, template_ids), _awaiting(ids, template_ids)

    held: dict[int, list[tuple[int, dt.date]]] = defaultdict(list)
    for a in assignments:
        held[a.person_id].append((a.template_id, a.assigned_on))
    # Plain values read once per column, not once per cell; counts kept as lists indexed by status
    # (TALLY) and made into Compliance figures at the end: this loop runs for every cell.
    tallies = [[0] * 6 for _ in columns]
    shared: dict = {}
    by_template: dict[int, list[tuple]] = defaultdict(list)
    for column, tally in zip(columns, tallies):
        item = column.item
        by_template[item.template_id].append((item.id, item.added_on, item.mandatory, tally,
                                              _ColumnRules(item.frequency_months, column.offset, today, warning_days,
                                                           shared)))

    matrix = Matrix(columns=columns, rows=[], today=today)
    overall = [0] * 6
    awaiting_total = 0
    for person_id, name, job_role, employee_number, start_date, team_name in people:
        person = Member(person_id, name, job_role or "", employee_number, start_date)
        row = Row(person=person, team_name=team_name or "", cells={})
        cells, row_tally = row.cells, [0] * 6
        mine = latest.get(person_id, _NOTHING)
        waiting_items = awaiting.get(person_id, _NOTHING)
        for template_id, assigned_on in held.get(person_id, ()):
            base = start_date if start_date >= assigned_on else assigned_on
            for item_id, added_on, mandatory, column_tally, column_rules in by_template.get(template_id, ()):
                anchor = base if base >= added_on else added_on
                due, status, at = column_rules.due.get(anchor) or column_rules.before(anchor)
                completed = mine.get(item_id)
                if completed is None:
                    expires = None
                else:
                    expires, status, at = column_rules.done.get(completed) or column_rules.after(completed)
                waiting = item_id in waiting_items
                cells[item_id] = Cell(status, due, expires, completed, waiting, mandatory)
                if not mandatory:
                    at = OPTIONAL
                row_tally[at] += 1
                column_tally[at] += 1
                overall[at] += 1
                awaiting_total += waiting
        row.compliance = rules.Compliance(*row_tally)
        matrix.rows.append(row)
    for column, tally in zip(columns, tallies):
        column.compliance = rules.Compliance(*tally)
    matrix.overall = rules.Compliance(*overall)
    matrix.awaiting = awaiting_total
    return matrix


def _columns(template_ids: set[int]) -> list[Column]:
    if not template_ids:
        return []
    found = db.session.execute(
        select(Item.id, Item.title, Item.code, Item.mandatory, Item.template_id, Item.added_on, Item.frequency_months,
               Section.offset_amount, Section.offset_unit, PassportTemplate.id, PassportTemplate.name)
        .join(Section, Section.id == Item.section_id)
        .join(PassportTemplate, PassportTemplate.id == Item.template_id)
        .where(Item.template_id.in_(template_ids), Item.archived_at.is_(None))
        .order_by(PassportTemplate.name, Section.position, Section.id, Item.position, Item.id)).all()
    templates: dict[int, TemplateInfo] = {}
    columns = []
    for (item_id, title, code, mandatory, template_id, added_on, frequency, amount, unit, _, template_name) in found:
        template = templates.setdefault(template_id, TemplateInfo(template_id, template_name))
        columns.append(Column(item=ItemInfo(item_id, title, code, mandatory, template_id, added_on, frequency),
                              template=template, offset=rules.Offset(amount, unit.value), escaped_title=escape(printable(title))))
    return columns


class _ColumnRules:
    """A column's date rules, worked out once per distinct date rather than once per cell: a
    completion date gives an expiry and a status (they depend only on the frequency, so columns of
    one frequency share them); an anchor date (the latest of start, assignment and the item's
    arrival) gives a due date and the status of an item not yet done (shared by one offset).
    Everything comes from rules.py, so the figures follow exactly the rules every passport follows.
    Each answer carries its place in a tally (TALLY)."""

    __slots__ = ("frequency", "offset", "today", "warning_days", "done", "due")

    def __init__(self, frequency: int | None, offset: rules.Offset, today: dt.date, warning_days: int,
                 shared: dict):
        self.frequency, self.offset, self.today, self.warning_days = frequency, offset, today, warning_days
        self.done: dict[dt.date, tuple] = shared.setdefault(("done", frequency), {})
        self.due: dict[dt.date, tuple] = shared.setdefault(("due", offset), {})

    def after(self, completed: dt.date) -> tuple[dt.date | None, Status, int]:
        expires = rules.expiry_date(completed, self.frequency)
        status = rules.status_of(today=self.today, due_on=self.today, expires_on=expires,
                                 latest_accepted_on=completed, warning_days=self.warning_days)
        found = self.done[completed] = (expires, status, TALLY[status])
        return found

    def before(self, anchor: dt.date) -> tuple[dt.date, Status, int]:
        due = rules.due_on(start_date=anchor, assigned_on=anchor, item_added_on=anchor, offset=self.offset)
        status = rules.status_of(today=self.today, due_on=due, expires_on=None, latest_accepted_on=None,
                                 warning_days=self.warning_days)
        found = self.due[anchor] = (due, status, TALLY[status])
        return found


_NOTHING: dict = {}


def _latest(ids: Select | None, template_ids: set[int]) -> dict[int, dict[int, dt.date]]:
    """The latest accepted completion of each item, by person: {person id: {item id: date}}.

    Run as plain SQL (no ORM rows): for a whole trust this is every person's every item. ids None
    means everyone: then nothing is filtered in SQL (SQLite groups every entry a third faster than
    it checks each against a list of 5,000 people), and the caller reads only the people it has."""
    if not template_ids:
        return {}
    where = [Entry.status == EntryStatus.ACCEPTED]
    if ids is not None:
        where += [Entry.person_id.in_(ids), Entry.item_id.in_(select(Item.id).where(Item.template_id.in_(template_ids)))]
    latest: dict[int, dict[int, dt.date]] = {}
    for person_id, item_id, on in db.session.connection().execute(
            select(Entry.person_id, Entry.item_id, func.max(Entry.completed_on))
            .where(*where).group_by(Entry.person_id, Entry.item_id)).all():
        mine = latest.get(person_id)
        if mine is None:
            mine = latest[person_id] = {}
        mine[item_id] = on
    return latest


def _awaiting(ids: Select, template_ids: set[int]) -> dict[int, set[int]]:
    """The items with an entry awaiting sign-off, by person."""
    if not template_ids:
        return {}
    item_ids = select(Item.id).where(Item.template_id.in_(template_ids))
    waiting: dict[int, set[int]] = defaultdict(set)
    for person_id, item_id in db.session.connection().execute(
            select(Entry.person_id, Entry.item_id)
            .where(Entry.person_id.in_(ids), Entry.item_id.in_(item_ids), Entry.status == EntryStatus.AWAITING)):
        waiting[person_id].add(item_id)
    return waiting


class _Awaiting:
    """The status filter's "awaiting sign-off": a flag on a cell, not a status, offered beside them."""
    value = "awaiting"
    label = "Awaiting sign-off"


AWAITING = _Awaiting()


def filter_rows(matrix: Matrix, *, status: Status | _Awaiting | None, out_only: bool) -> list[Row]:
    rows = matrix.rows
    if status is AWAITING:
        rows = [r for r in rows if any(c.awaiting for c in r.cells.values())]
    elif status is not None:
        rows = [r for r in rows if r.has(status)]
    if out_only:
        rows = [r for r in rows if r.out_of_compliance]
    return rows


# ---------------------------------------------------------------- about to lapse

@dataclass
class Lapse:
    person: Member
    team_name: str
    item: ItemInfo
    cell: Cell

    @property
    def kind(self) -> str:
        return "expires" if self.cell.completed_on is not None else "due"


@dataclass
class Forecast:
    days: int
    today: dt.date
    lapses: list[Lapse]

    @property
    def weeks(self) -> list[tuple[dt.date, int, int]]:
        """(Monday, expiries, due dates) for each week from this one to the end of the window."""
        start = self.today - dt.timedelta(days=self.today.weekday())
        end = self.today + dt.timedelta(days=self.days)
        weeks = []
        monday = start
        while monday <= end:
            weeks.append(monday)
            monday += dt.timedelta(days=7)
        expiring = defaultdict(int)
        due = defaultdict(int)
        for lapse in self.lapses:
            on = lapse.cell.lapse_on
            week = on - dt.timedelta(days=on.weekday())
            (expiring if lapse.kind == "expires" else due)[week] += 1
        return [(w, expiring[w], due[w]) for w in weeks]

    @property
    def by_person(self) -> list[tuple[Member, str, list[Lapse]]]:
        groups: dict[int, list[Lapse]] = defaultdict(list)
        people: dict[int, tuple[Member, str]] = {}
        for lapse in self.lapses:
            groups[lapse.person.id].append(lapse)
            people[lapse.person.id] = (lapse.person, lapse.team_name)
        out = [(people[pid][0], people[pid][1], sorted(ls, key=lambda x: (x.cell.lapse_on, x.item.title)))
               for pid, ls in groups.items()]
        return sorted(out, key=lambda g: (g[2][0].cell.lapse_on, g[0].name))

    @property
    def people(self) -> int:
        return len({lapse.person.id for lapse in self.lapses})


def forecast(matrix: Matrix, rows: list[Row], *, days: int) -> Forecast:
    """Mandatory items now in date that lapse within *days*: an expiry, or a due date not yet met."""
    today = matrix.today
    end = today + dt.timedelta(days=days)
    items = {c.item.id: c.item for c in matrix.columns}
    lapses = []
    for row in rows:
        for item_id, cell in row.cells.items():
            if not cell.mandatory or cell.status not in (Status.COMPLETE, Status.EXPIRING, Status.TODO):
                continue
            on = cell.lapse_on
            if on is None:
                continue
            # Expiring items lapse on their expiry day; a to-do item becomes overdue the day after it is due.
            if cell.completed_on is not None and today <= on <= end or cell.completed_on is None and today <= on < end:
                lapses.append(Lapse(person=row.person, team_name=row.team_name, item=items[item_id], cell=cell))
    return Forecast(days=days, today=today, lapses=lapses)


# ---------------------------------------------------------------- trend

def month_ends(today: dt.date, months: int = 12) -> list[dt.date]:
    """The last day of each of the last *months* months, the current month counting as of today."""
    out = [today]
    year, month = today.year, today.month
    for _ in range(months - 1):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        out.append(dt.date(year, month, calendar.monthrange(year, month)[1]))
    return list(reversed(out))


@dataclass
class TrendLine:
    name: str
    points: list[tuple[dt.date, rules.Compliance]]


def trend(scope: Scope, *, today: dt.date, warning_days: int, months: int = 12) -> list[TrendLine]:
    """Monthly compliance per team, each as of its month's end, from the entries themselves.

    As of a day M: people who had started and were active then, the assignments
    live then, items that existed then (added on or before M, not yet archived),
    and the entries completed on or before M that were accepted (revoked ones
    count until their revocation). Frequencies and offsets are today's.
    """
    ends = month_ends(today, months)
    first = ends[0]
    # Everyone in the teams: a passport chosen narrows the assignments below, held then or now.
    ids = people_query(replace(scope, template_id=None))
    people = db.session.execute(
        select(Person.id, Person.start_date, Person.team_id, Team.name).outerjoin(Team, Team.id == Person.team_id)
        .where(Person.id.in_(ids))).all()
    assignments = db.session.scalars(select(Assignment).where(
        Assignment.person_id.in_(ids), or_(Assignment.removed_on.is_(None), Assignment.removed_on > first),
        *( [Assignment.template_id == scope.template_id] if scope.template_id else []))).all()
    template_ids = {a.template_id for a in assignments}
    columns = _columns_all(template_ids)
    completions: dict[tuple[int, int], list[tuple[dt.date, dt.datetime | None]]] = defaultdict(list)
    if template_ids:
        item_ids = select(Item.id).where(Item.template_id.in_(template_ids))
        for person_id, item_id, completed_on, status, decided_at in db.session.execute(
                select(Entry.person_id, Entry.item_id, Entry.completed_on, Entry.status, Entry.decided_at)
                .where(Entry.person_id.in_(ids), Entry.item_id.in_(item_ids),
                       or_(Entry.status == EntryStatus.ACCEPTED, Entry.status == EntryStatus.REVOKED))):
            # A revoked entry counted from its completion until it was revoked.
            until = decided_at if status is EntryStatus.REVOKED else None
            completions[(person_id, item_id)].append((completed_on, until))
    for key in completions:
        completions[key].sort(key=lambda c: c[0])

    held: dict[int, list[Assignment]] = defaultdict(list)
    for a in assignments:
        held[a.person_id].append(a)
    by_template: dict[int, list[tuple[Item, rules.Offset, dt.date | None]]] = defaultdict(list)
    for item, section in columns:
        archived = item.archived_at.date() if item.archived_at else None
        by_template[item.template_id].append(
            (item, rules.Offset(section.offset_amount, section.offset_unit.value), archived))

    lines: dict[str, dict[dt.date, rules.Compliance]] = defaultdict(lambda: {m: rules.Compliance() for m in ends})
    for person_id, start_date, _team_id, team_name in people:
        points = lines[team_name or "No team"]
        for assignment in held.get(person_id, ()):
            removed = assignment.removed_on
            for item, offset, archived in by_template.get(assignment.template_id, ()):
                if not item.mandatory:
                    continue
                since = max(start_date, assignment.assigned_on, item.added_on)
                due = rules.due_on(start_date=start_date, assigned_on=assignment.assigned_on,
                                   item_added_on=item.added_on, offset=offset)
                done = completions.get((person_id, item.id), ())
                dates = [d for d, _ in done]
                frequency = item.frequency_months
                for m in ends:
                    if since > m or (removed is not None and removed <= m) or (archived is not None and archived <= m):
                        continue
                    latest = None
                    index = bisect.bisect_right(dates, m)
                    while index > 0:
                        completed_on, until = done[index - 1]
                        if until is None or until.date() > m:
                            latest = completed_on
                            break
                        index -= 1
                    expires = rules.expiry_date(latest, frequency) if latest is not None else None
                    status = rules.status_of(today=m, due_on=due, expires_on=expires, latest_accepted_on=latest,
                                             warning_days=warning_days)
                    _count(points[m], status)
    return [TrendLine(name=name, points=[(m, points[m]) for m in ends]) for name, points in sorted(lines.items())]


def _columns_all(template_ids: set[int]) -> list[tuple[Item, Section]]:
    """Items of these templates, archived ones included (they counted until archived)."""
    if not template_ids:
        return []
    return [(i, s) for i, s in db.session.execute(
        select(Item, Section).join(Section, Section.id == Item.section_id)
        .where(Item.template_id.in_(template_ids)))]


# ---------------------------------------------------------------- admin home

@dataclass
class TeamFigure:
    name: str
    team_id: int | None
    people: int
    compliance: rules.Compliance


@dataclass
class ItemFigure:
    item_id: int
    title: str
    template_name: str
    compliance: rules.Compliance

    @property
    def out(self) -> int:
        return self.compliance.overdue + self.compliance.expired


@dataclass
class Overview:
    overall: rules.Compliance
    awaiting: int
    people: int
    teams: list[TeamFigure]
    items: list[ItemFigure]
    worked_out_at: dt.datetime | None = None
    current: bool = True        # False: the last figures worked out, while newer ones are being counted


KEPT = kept.FIGURES
# A matrix bigger than this many cells (a whole trust) is not kept: its memory would outweigh the time saved.
KEEP_MATRIX_CELLS = 60_000


# The last figures worked out for each (database, day, window, teams), whatever the data version,
# and the background refreshes under way: what the admin home shows while newer figures are counted.
_LAST: dict[tuple, tuple[int, Overview]] = {}
_REFRESHING: dict[tuple, threading.Thread] = {}
_LAST_LOCK = threading.Lock()


def overview(*, today: dt.date, warning_days: int, team_ids: tuple[int, ...] | None = None,
             stale_ok: bool = False) -> Overview:
    """The organisation at a glance: compliance, counts, teams ranked worst first, items most often out.

    Kept per worker until the data changes (or the day, or the warning window): a trust of 5,000
    people means hundreds of thousands of statuses, about a second's work, not redone on every visit.
    With stale_ok, once anything has been written the last figures come back at once, marked not
    current, while a background thread counts again; the next look gets the new ones."""
    key = kept.key("overview", today, warning_days, team_ids)
    if key is None:
        return _compute_overview(today=today, warning_days=warning_days, team_ids=team_ids)
    if (cached := KEPT.get(key)) is not None:
        return cached
    scope_key, version = key[:-1], key[-1]
    if stale_ok:
        with _LAST_LOCK:
            last = _LAST.get(scope_key)
        if last is not None and last[0] < version:
            _refresh_in_background(scope_key, today=today, warning_days=warning_days, team_ids=team_ids)
            return replace(last[1], current=False)
    result = _compute_overview(today=today, warning_days=warning_days, team_ids=team_ids)
    _remember(key, result)
    return result


def _remember(key: tuple, result: Overview) -> None:
    KEPT.put(key, result)
    with _LAST_LOCK:
        last = _LAST.get(key[:-1])
        if last is None or last[0] <= key[-1]:
            _LAST[key[:-1]] = (key[-1], result)


def _refresh_in_background(scope_key: tuple, **kwargs) -> threading.Thread | None:
    """Count the figures again on a thread of this worker (one at a time for each scope)."""
    from flask import current_app

    app = current_app._get_current_object()
    with _LAST_LOCK:
        running = _REFRESHING.get(scope_key)
        if running is not None and running.is_alive():
            return running
        thread = threading.Thread(target=_refresh, args=(app, scope_key), kwargs=kwargs, daemon=True,
                                  name="overview-refresh")
        _REFRESHING[scope_key] = thread
    thread.start()
    return thread


def _refresh(app, scope_key: tuple, **kwargs) -> None:
    with app.app_context():
        try:
            key = kept.key("overview", kwargs["today"], kwargs["warning_days"], kwargs["team_ids"])
            if key is not None and KEPT.get(key) is None:
                _remember(key, _compute_overview(**kwargs))
        except Exception:  # a worker must not die of it: the next look counts again in the request
            app.logger.exception("refreshing the overview figures failed")
        finally:
            db.session.remove()


def refreshing(today: dt.date, warning_days: int, team_ids: tuple[int, ...] | None = None):
    """The background refresh of these figures, if one is under way (for tests and the benchmark)."""
    with _LAST_LOCK:
        for key, thread in _REFRESHING.items():
            if key[1:] == ("overview", today, warning_days, team_ids) and key[0] == str(db.engine.url):
                return thread if thread.is_alive() else None
    return None


def wait_for_refreshes(timeout: float = 60) -> None:
    """Wait for every background count of this process to end (the benchmark, before timing the next page)."""
    with _LAST_LOCK:
        threads = list(_REFRESHING.values())
    for thread in threads:
        thread.join(timeout)


def _compute_overview(*, today: dt.date, warning_days: int, team_ids: tuple[int, ...] | None) -> Overview:
    """The same statuses as the matrix, counted straight into team and item figures (no cells kept)."""
    ids = people_query(Scope(team_ids=team_ids))
    people = db.session.execute(
        select(Person.id, Person.start_date, Person.team_id, Team.name).outerjoin(Team, Team.id == Person.team_id)
        .where(Person.id.in_(ids))).all()
    assignments = db.session.execute(
        select(Assignment.person_id, Assignment.template_id, Assignment.assigned_on)
        .where(Assignment.person_id.in_(ids), Assignment.removed_on.is_(None))).all()
    template_ids = {a.template_id for a in assignments}
    columns = _columns(template_ids)
    latest = _latest(ids if team_ids is not None else None, template_ids)
    awaiting_total = db.session.scalar(
        select(func.count(Entry.id)).join(Person, Person.id == Entry.person_id)
        .where(Entry.status == EntryStatus.AWAITING, Person.active.is_(True),
               *([Person.team_id.in_(team_ids)] if team_ids is not None else [])))

    # As in the matrix: rules once per column and distinct date, counts as tallies by status.
    by_template: dict[int, list[tuple]] = defaultdict(list)
    optional_by_template: dict[int, list[list[int]]] = defaultdict(list)
    item_tallies: dict[int, list[int]] = {}
    shared: dict = {}
    for column in columns:
        item = column.item
        tally = item_tallies[item.id] = [0] * 6
        if item.mandatory:
            by_template[item.template_id].append(
                (item.id, item.added_on, tally,
                 _ColumnRules(item.frequency_months, column.offset, today, warning_days, shared)))
        else:
            optional_by_template[item.template_id].append(tally)
    held: dict[int, list[tuple[int, dt.date]]] = defaultdict(list)
    for person_id, template_id, assigned_on in assignments:
        held[person_id].append((template_id, assigned_on))

    overall = [0] * 6
    teams: dict[str, tuple[TeamFigure, list[int]]] = {}
    for person_id, start_date, team_id, team_name in people:
        name = team_name or "No team"
        found = teams.get(name)
        if found is None:
            found = teams[name] = (TeamFigure(name=name, team_id=team_id, people=0, compliance=rules.Compliance()),
                                   [0] * 6)
        found[0].people += 1
        team_tally = found[1]
        mine = latest.get(person_id, _NOTHING)
        for template_id, assigned_on in held.get(person_id, ()):
            for tally in optional_by_template.get(template_id, ()):
                tally[OPTIONAL] += 1
                team_tally[OPTIONAL] += 1
                overall[OPTIONAL] += 1
            base = start_date if start_date >= assigned_on else assigned_on
            for item_id, added_on, tally, column_rules in by_template.get(template_id, ()):
                completed = mine.get(item_id)
                if completed is None:
                    anchor = base if base >= added_on else added_on
                    at = (column_rules.due.get(anchor) or column_rules.before(anchor))[2]
                else:
                    at = (column_rules.done.get(completed) or column_rules.after(completed))[2]
                tally[at] += 1
                team_tally[at] += 1
                overall[at] += 1
    for figure, tally in teams.values():
        figure.compliance = rules.Compliance(*tally)
    item_figures = {column.item.id: ItemFigure(item_id=column.item.id, title=column.item.title,
                                               template_name=column.template.name,
                                               compliance=rules.Compliance(*item_tallies[column.item.id]))
                    for column in columns}
    overall = rules.Compliance(*overall)
    teams = {name: figure for name, (figure, _) in teams.items()}
    ranked = sorted(teams.values(), key=lambda t: (t.compliance.percent if t.compliance.percent is not None else 101,
                                                   t.name))
    worst = sorted((i for i in item_figures.values() if i.out), key=lambda i: (-i.out, i.title))[:10]
    return Overview(overall=overall, awaiting=awaiting_total, people=len(people), teams=ranked, items=worst,
                    worked_out_at=clock.now())


__all__ = ["Scope", "Cell", "Column", "Row", "Matrix", "build_matrix", "filter_rows", "forecast", "Forecast",
           "trend", "TrendLine", "overview", "Overview", "month_ends"]
