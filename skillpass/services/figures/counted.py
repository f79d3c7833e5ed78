"""The team page's counts of a whole scope, by the database over the kept dates (services/item_dates.py): who
lapses next (the lapse forecast) and who meets each passport (the standings), each a few aggregates whatever the
number of people, with the rules of rules.status_of read as date ranges (as the admin home counts them).

The walk (walk.py, lapse_forecast.forecast, standing.standing_figures) stays the reference: it works every cell
out from the entries, and tests/unit/test_counted_figures.py checks these counts equal its counts on varied
data. Only mandatory items are kept, which is all a forecast or a standing is about.

The team page uses them with figures/team_page.py, which builds matrix rows only for the people of the page shown
(given the whole matrix, the walk's forecast would cost less than these queries: at 30,000 people on SQLite about
2.4 s of CPU against 3.2 s; but the matrix itself costs 14 s)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, literal, select, union_all

from skillpass import rules
from skillpass.extensions import db
from skillpass.models import Entry, EntryStatus, Item, Person, Team
from skillpass.services import item_dates
from skillpass.services.figures.lapse_forecast import Lapse, week_counts
from skillpass.services.figures.scope import Member, ItemInfo, Scope, passports_named, people_query
from skillpass.services.figures.standing import STANDINGS, PassportFigure, Tally
from skillpass.services.figures.walk import Cell
from skillpass.subjects import subject_key

# The people the forecast names one by one (soonest first); the page says how many more there are.
NAMED = 100
EXPIRES, DUE = "expires", "due"


def _kept_rows(scope: Scope, people=None) -> list:
    """Conditions on item_dates for the people and passports of *scope* (its columns are live items only), and
    only the people *people* selects if given (the team page's status filters). Kept rows are of active people
    only, with their team beside them: the people are read only for a job role."""
    dates = item_dates.TABLE.c
    where = [] if people is None else [dates.person_id.in_(people)]
    if scope.team_ids is not None:
        where.append(dates.team_id.in_(scope.team_ids))
    if scope.job_role or scope.template_id:
        where.append(dates.person_id.in_(people_query(scope)))
    if scope.template_id:
        where.append(dates.item_id.in_(select(Item.id).where(Item.template_id == scope.template_id)))
    return where


def _lapsing(scope: Scope, *, today: dt.date, end: dt.date, people=None):
    """(person id, item id, day, kind) of each mandatory item now in date that lapses by *end*: a completion
    that is Complete or Expiring today (its expiry after today) and expires on or before *end*; an item not
    done that is To do today (due today or later) and falls due before *end* (it is overdue the day after)."""
    dates = item_dates.TABLE.c
    where = _kept_rows(scope, people)
    return union_all(
        select(dates.person_id, dates.item_id, dates.expires_on.label("day"), literal(EXPIRES).label("kind"))
        .where(dates.completed_on.is_not(None), dates.expires_on > today, dates.expires_on <= end, *where),
        select(dates.person_id, dates.item_id, dates.due_on.label("day"), literal(DUE).label("kind"))
        .where(dates.completed_on.is_(None), dates.due_on >= today, dates.due_on < end, *where)).subquery()


@dataclass
class CountedForecast:
    """The lapse forecast of lapse_forecast.Forecast, counted by the database: the same weeks, windows and
    people, with the people named one by one only for the first NAMED of them (by_person)."""
    days: int
    today: dt.date
    by_day: dict[tuple[dt.date, str], int]
    people: int
    windows: dict[int, tuple[int, int]]
    by_person: list[tuple[Member, str, list[Lapse]]] = field(default_factory=list)

    @property
    def weeks(self) -> list[tuple[dt.date, int, int]]:
        return week_counts(self.today, self.days, self.by_day)

    def within(self, days: int) -> tuple[int, int]:
        return self.windows[days]


def forecast(scope: Scope, *, today: dt.date, days: int, windows: tuple[int, ...], warning_days: int,
             people=None) -> CountedForecast:
    """Mandatory items of the people in *scope* (and *people*, a select of person ids, if given) now in date that
    lapse within *days* (lapse_forecast.forecast's rule), and (items, people) within each of *windows* (each at
    most *days*). Four queries."""
    end = today + dt.timedelta(days=days)
    lapsing = _lapsing(scope, today=today, end=end, people=people)
    dates = item_dates.TABLE.c
    where = _kept_rows(scope, people)
    # The two kinds apart, each a range of its own index (ix_item_dates_expiry, ix_item_dates_due), which holds
    # every column these read: a union of them, grouped, read each row of the table as well.
    expiring = [dates.completed_on.is_not(None), dates.expires_on > today, dates.expires_on <= end, *where]
    falling_due = [dates.completed_on.is_(None), dates.due_on >= today, dates.due_on < end, *where]
    by_day: dict[tuple[dt.date, str], int] = {}
    for kind, column, conditions in ((EXPIRES, dates.expires_on, expiring), (DUE, dates.due_on, falling_due)):
        for day, count in db.session.execute(select(column, func.count()).where(*conditions).group_by(column)):
            by_day[(day, kind)] = count

    # Each person's first expiry and first due date in the window: who lapses within each window, and who first
    # (soonest, then by name, as Forecast.by_person sorts: sorted here, so the order is Python's whatever the
    # database's collation). Grouped by person first, their names joined after.
    first: dict[int, list] = {}
    for place, column, conditions in ((0, dates.expires_on, expiring), (1, dates.due_on, falling_due)):
        each = select(dates.person_id, func.min(column).label("day")).where(*conditions) \
            .group_by(dates.person_id).subquery()
        for person_id, day, name in db.session.execute(
                select(each.c.person_id, each.c.day, Person.name).join(Person, Person.id == each.c.person_id)):
            first.setdefault(person_id, [person_id, None, None, name])[1 + place] = day
    firsts = list(first.values())
    found = {}
    for window in windows:
        edge = today + dt.timedelta(days=window)
        # An expiry lapses on its day, a due date the day after: both inside when before the window's end, an
        # expiry on its end day too (Forecast.within).
        items = sum(count for (day, kind), count in by_day.items() if day < edge or kind == EXPIRES and day == edge)
        people = sum(1 for _, expires, due, _ in firsts
                     if expires is not None and expires <= edge or due is not None and due < edge)
        found[window] = (items, people)
    firsts.sort(key=lambda row: (min(day for day in row[1:3] if day is not None), row[3]))
    named = [row[0] for row in firsts[:NAMED]]
    return CountedForecast(days=days, today=today, by_day=by_day, people=len(firsts), windows=found,
                           by_person=_named(scope, named, lapsing, today=today, warning_days=warning_days))


def _named(scope: Scope, person_ids: list[int], lapsing, *, today: dt.date, warning_days: int) -> list:
    """The lapses of these people, grouped as Forecast.by_person groups them (in the order given). Asked even for
    no one, so that a page costs the same queries whether anyone lapses or not."""
    dates = item_dates.TABLE.c
    rows = db.session.execute(
        select(Person.id, Person.name, Person.job_role, Person.employee_number, Person.start_date, Team.name,
               Item.id, Item.title, Item.code, Item.template_id, Item.added_on, Item.frequency_months,
               Item.grace_months, Item.refresher_title, dates.completed_on, dates.expires_on, dates.due_on)
        .join(lapsing, and_(lapsing.c.person_id == dates.person_id, lapsing.c.item_id == dates.item_id))
        .join(Person, Person.id == dates.person_id).outerjoin(Team, Team.id == Person.team_id)
        .join(Item, Item.id == dates.item_id).where(dates.person_id.in_(person_ids))).all()
    # Their entries awaiting sign-off, by subject (only the subjects of the items named are looked up).
    waiting: dict[int, set] = defaultdict(set)
    for person_id, item_id, code in db.session.execute(
            select(Entry.person_id, Entry.item_id, Item.code).join(Item, Item.id == Entry.item_id)
            .where(Entry.person_id.in_(person_ids), Entry.status == EntryStatus.AWAITING)):
        waiting[person_id].add(subject_key(item_id, code))
    groups: dict[int, list[Lapse]] = defaultdict(list)
    people: dict[int, tuple[Member, str]] = {}
    for (person_id, name, job_role, employee_number, start_date, team_name, item_id, title, code, template_id,
         added_on, frequency, grace, refresher, completed, expires, due) in rows:
        if person_id not in people:
            people[person_id] = (Member(person_id, name, job_role or "", employee_number, start_date),
                                 team_name or "")
        status = rules.status_of(today=today, due_on=due or today, expires_on=expires, latest_accepted_on=completed,
                                 warning_days=warning_days)
        # A cell as the matrix draws it, less its date line (the forecast shows its day, not the line).
        cell = Cell(status, due, expires, completed, subject_key(item_id, code) in waiting.get(person_id, ()),
                    True, "")
        item = ItemInfo(item_id, title, code, True, template_id, added_on, frequency, grace, bool(refresher))
        groups[person_id].append(Lapse(person=people[person_id][0], team_name=people[person_id][1], item=item,
                                       cell=cell))
    return [(people[person_id][0], people[person_id][1],
             sorted(groups[person_id], key=lambda lapse: (lapse.cell.lapse_on, lapse.item.title)))
            for person_id in person_ids]


def standing_figures(scope: Scope, *, today: dt.date, warning_days: int) -> list[PassportFigure]:
    """Who meets, is about to lose, does not meet each passport held in *scope* (standing.standing_figures'
    counts), from one row per passport held: a mandatory item not done, or the first expiry on or before today,
    stops it; the first expiry within the warning window makes it about to be lost; nothing mandatory meets it."""
    soon = today + dt.timedelta(days=warning_days)
    held = item_dates.PASSPORTS.c
    where = [held.person_id.in_(people_query(scope))]
    if scope.team_ids is not None:
        where.append(held.team_id.in_(scope.team_ids))
    if scope.template_id:
        where.append(held.template_id == scope.template_id)
    standing = case(((held.missing > 0) | (held.first_expiry <= today), 2), (held.first_expiry <= soon, 1),
                    else_=0).label("standing")
    tally = Tally()
    template_ids = set()
    for template_id, team_id, team_name, place, count in db.session.execute(
            select(held.template_id, held.team_id, Team.name, standing, func.count())
            .outerjoin(Team, Team.id == held.team_id).where(*where)
            .group_by(held.template_id, held.team_id, Team.name, standing)):
        template_ids.add(template_id)
        tally.add_count(template_id, team_id, team_name, STANDINGS[place], count)
    return tally.figures(passports_named(template_ids))
