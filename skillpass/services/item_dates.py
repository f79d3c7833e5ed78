"""The kept dates (issue 19, item 1): per person and item, the dates the rules derive, written in the same
transaction as every write that changes them, so that counting a whole trust is a few SQL aggregates.

What is kept (models/item_dates.py): for each mandatory item of each passport an active person holds, the
completion counted, its expiry, and, with nothing counted, the due date; for each passport they hold, how many
mandatory items are done and not done, how many optional ones, and the first expiry. They are worked out by
the one walk the matrix uses (figures/walk.py over figures/scope.latest_completions), so the golden date rules
stay the one source; this module only decides *whose* dates to work out again, and writes the difference.

Which writes change them, and whose:
  an entry (any change: recorded, decided, revoked, corrected, undone)   its person
  an assignment (given, moved, removed)                                 its person
  a person's start date, team, or leaving (made inactive)                that person
  an item, a section or a passport (frequency, offset, code, refresher,
  mandatory, added on, archived)                                        everyone holding that passport, and,
                                                                         for an item with a code, everyone
                                                                         holding a passport with that code
  a credit mapping (made, ended)                                        everyone
Settings change no date: the warning window changes statuses, which are worked out from the dates and today
when they are read. The session hooks (register()) note what each flush writes; at commit, in the same
transaction, the people noted are worked out again and only rows that differ are written. A write
made with a Core statement rather than the ORM says so itself (touch_everyone, touch_people).

`flask rebuild-item-dates` works everyone out again (after a restore, or a change of the rules); the
migration that made the table leaves it marked unbuilt and migrations/env.py builds it once the database is
at the newest revision. differences() compares the kept dates with a fresh derivation: the tests run it after
every test of the suite (tests/conftest.py).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable

from sqlalchemy import bindparam, event, func, inspect as sa_inspect, or_, select
from sqlalchemy.orm import Session

from skillpass import clock
from skillpass.extensions import db
from skillpass.models import Assignment, CreditMapping, CreditTarget, Entry, Item, ItemDates, PassportTemplate, Person, Section
from skillpass.models.item_dates import ItemDatesState, PassportDates
from skillpass.services import date_counts, trend_months

_KEY = "skillpass.item_dates"
TABLE = ItemDates.__table__
PASSPORTS = PassportDates.__table__


@dataclass
class Touched:
    """What this transaction wrote that changes kept dates, noted flush by flush."""
    people: set[int] = field(default_factory=set)
    objects: list = field(default_factory=list)        # new rows whose person id is known only after a flush
    templates: set[int] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)
    everyone: bool = False

    def __bool__(self) -> bool:
        return bool(self.people or self.objects or self.templates or self.codes or self.everyone)


def _touched(session: Session) -> Touched:
    found = session.info.get(_KEY)
    if found is None:
        found = session.info[_KEY] = Touched()
    return found


def touch_people(session: Session, person_ids: Iterable[int]) -> None:
    """These people's dates change in this transaction (a write made without the ORM)."""
    _touched(session).people.update(person_ids)


def touch_everyone(session: Session) -> None:
    """Everyone's dates may change in this transaction (a credit mapping ended with a Core statement)."""
    _touched(session).everyone = True


# ---------------------------------------------------------------- noting what a flush writes

def _changed(obj, *names: str) -> bool:
    state = sa_inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _code_of(value) -> str | None:
    return value.strip().upper() if isinstance(value, str) and value.strip() else None


def _note(session: Session, flush_context, instances) -> None:
    touched = None
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (Entry, Assignment)):
            touched = touched or _touched(session)
            if obj.person_id is not None:
                touched.people.add(obj.person_id)
            else:
                touched.objects.append(obj)
        elif isinstance(obj, Person):
            state = sa_inspect(obj)
            if state.pending or state.deleted or _changed(obj, "start_date", "team_id", "team", "active", "job_role"):
                touched = touched or _touched(session)
                touched.objects.append(obj)
        elif isinstance(obj, Item):
            touched = touched or _touched(session)
            state = sa_inspect(obj)
            history = state.attrs.code.history
            for code in (*history.added, *history.deleted, *history.unchanged):
                if (code := _code_of(code)) is not None:
                    touched.codes.add(code)
            if obj.template_id is not None:
                touched.templates.add(obj.template_id)
            else:
                touched.objects.append(obj)
        elif isinstance(obj, Section):
            if obj.template_id is not None:
                (touched := touched or _touched(session)).templates.add(obj.template_id)
        elif isinstance(obj, PassportTemplate):
            if not sa_inspect(obj).pending:
                (touched := touched or _touched(session)).templates.add(obj.id)
        elif isinstance(obj, (CreditMapping, CreditTarget)):
            (touched := touched or _touched(session)).everyone = True


def _keep(session: Session) -> None:
    """At commit (the outermost transaction only): work out again the dates of everyone noted, and write what
    differs."""
    if session.in_nested_transaction():
        return
    session.flush()
    touched = session.info.pop(_KEY, None)
    if not touched:
        return
    if touched.everyone:
        refresh(None)
        trend_months.refresh(None)
        return
    people = set(touched.people)
    for obj in touched.objects:
        if isinstance(obj, Person):
            if obj.id is not None:
                people.add(obj.id)
        elif isinstance(obj, Item):
            if obj.template_id is not None:
                touched.templates.add(obj.template_id)
        elif obj.person_id is not None:
            people.add(obj.person_id)
    holders = None
    if touched.templates or touched.codes:
        templates = set(touched.templates)
        if touched.codes:
            templates |= set(db.session.scalars(select(Item.template_id).where(
                func.upper(func.trim(Item.code)).in_(touched.codes)).distinct()))
        # Everyone who holds, or held, one of these passports: a removed assignment keeps its rows until worked out.
        holders = select(Assignment.person_id).where(Assignment.template_id.in_(templates))
    if not people and holders is None:
        return
    where = []
    if people:
        where.append(Person.id.in_(sorted(people)))
    if holders is not None:
        where.append(Person.id.in_(holders))
    ids = select(Person.id).where(or_(*where))
    refresh(ids)
    # The trend's past month ends turn on the same writes (services/trend_months.py).
    trend_months.refresh(ids)


def _forget_on_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_KEY, None)


def register() -> None:
    """The factory calls this (more than once is harmless)."""
    for name, hook in (("before_flush", _note), ("before_commit", _keep),
                       ("after_soft_rollback", _forget_on_rollback)):
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)


# ---------------------------------------------------------------- deriving and writing

@dataclass
class Derived:
    """The kept rows of some people: item rows by (person id, item id) → (team id, completed on, expires on,
    due on); passport rows by (person id, template id) → (team id, done, missing, optional, first expiry)."""
    items: dict[tuple[int, int], tuple] = field(default_factory=dict)
    passports: dict[tuple[int, int], tuple] = field(default_factory=dict)


def derive(ids) -> Derived:
    """The rows the rules give now, for the active people *ids* selects (a select of person ids; None: everyone)."""
    from skillpass.services.figures.scope import columns_of, held_by_person, latest_completions
    from skillpass.services.figures.walk import Plan, walk

    people = db.session.execute(select(Person.id, Person.start_date, Person.team_id).where(
        Person.active.is_(True), *([] if ids is None else [Person.id.in_(ids)]))).all()
    assignments = db.session.execute(
        select(Assignment.person_id, Assignment.template_id, Assignment.assigned_on)
        .join(Person, Person.id == Assignment.person_id)
        .where(Assignment.removed_on.is_(None), Person.active.is_(True),
               *([] if ids is None else [Assignment.person_id.in_(ids)]))).all()
    template_ids = {template_id for _, template_id, _ in assignments}
    columns = columns_of(template_ids)
    template_of = {column.item.id: column.item.template_id for column in columns}
    plan = Plan(columns, today=clock.today(), warning_days=0, cells=True, lines=False)
    latest = latest_completions(ids, template_ids)
    found = Derived()
    items, passports = found.items, found.passports
    for person, _, cells, standings in walk(plan, people, held_by_person(assignments), latest):
        person_id, team_id = person.id, person.team_id
        counts = {template_id: [0, 0, 0, None] for template_id in standings}
        for item_id, cell in cells.items():
            count = counts[template_of[item_id]]
            if not cell.mandatory:
                count[2] += 1
                continue
            items[(person_id, item_id)] = (team_id, cell.completed_on, cell.expires_on, cell.due_on)
            if cell.completed_on is None:
                count[1] += 1
            else:
                count[0] += 1
                if cell.expires_on is not None and (count[3] is None or cell.expires_on < count[3]):
                    count[3] = cell.expires_on
        for template_id, (done, missing, optional, first_expiry) in counts.items():
            passports[(person_id, template_id)] = (team_id, done, missing, optional, first_expiry)
    return found


ITEM_ROWS = (TABLE, ("person_id", "item_id"), ("team_id", "completed_on", "expires_on", "due_on"))
PASSPORT_ROWS = (PASSPORTS, ("person_id", "template_id"), ("team_id", "done", "missing", "optional", "first_expiry"))


def stored(ids) -> Derived:
    """The kept rows of the people *ids* selects (None: everyone)."""
    found = Derived()
    for (table, keys, values), into in ((ITEM_ROWS, found.items), (PASSPORT_ROWS, found.passports)):
        where = [] if ids is None else [table.c.person_id.in_(ids)]
        for row in db.session.connection().execute(
                select(*(table.c[k] for k in keys), *(table.c[v] for v in values)).where(*where)):
            into[tuple(row[:len(keys)])] = tuple(row[len(keys):])
    return found


@dataclass
class Written:
    added: int = 0
    changed: int = 0
    removed: int = 0

    @property
    def total(self) -> int:
        return self.added + self.changed + self.removed


def refresh(ids) -> Written:
    """Work out again the rows of the people *ids* selects (None: everyone) and write only what differs: at most
    three statements a table, whatever the number of rows."""
    _lock(ids)
    fresh = derive(ids)
    kept = stored(ids)
    # The admin home's counts of these rows (services/date_counts.py), in the same transaction.
    date_counts.add_difference(fresh, kept)
    written = Written()
    for (table, keys, values), new_rows, old_rows in ((ITEM_ROWS, fresh.items, kept.items),
                                                      (PASSPORT_ROWS, fresh.passports, kept.passports)):
        found = write_difference(table, keys, values, new_rows, old_rows)
        written.added += found.added
        written.changed += found.changed
        written.removed += found.removed
    return written


def write_difference(table, keys: tuple[str, ...], values: tuple[str, ...], new_rows: dict, old_rows: dict) -> Written:
    """Make *table*'s rows *old_rows* into *new_rows* (each by its key columns → its value columns), writing only
    what differs: at most three statements (rows removed, changed, added), whatever the number of rows."""
    match = [table.c[k] == bindparam(f"k_{k}") for k in keys]

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
        connection.execute(table.delete().where(*match), gone)
    if changed:
        connection.execute(table.update().where(*match).values({v: bindparam(f"v_{v}") for v in values}), changed)
    if added:
        connection.execute(table.insert().values({**{k: bindparam(f"k_{k}") for k in keys},
                                                  **{v: bindparam(f"v_{v}") for v in values}}), added)
    return Written(added=len(added), changed=len(changed), removed=len(gone))


def _lock(ids) -> None:
    """Two transactions writing for one person at once must not each write the dates it sees without the other's
    write: the second waits here until the first has committed, then derives with what it committed (PostgreSQL,
    read committed: each statement sees what was committed before it). FOR NO KEY UPDATE, so it never waits on
    the row locks that inserting an entry takes on its person. SQLite has one writer at a time already."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    where = [] if ids is None else [Person.id.in_(ids)]
    db.session.execute(select(Person.id).where(*where).order_by(Person.id).with_for_update(key_share=True)).all()


def rebuild() -> Written:
    """Everyone's rows worked out again (flask rebuild-item-dates; migrations/env.py after the migration that
    made or reset them); the caller commits."""
    written = refresh(None)
    date_counts.build(clock.today(), alone=True)     # the admin home's counts built again, whatever was kept
    state = db.session.get(ItemDatesState, 1)
    if state is None:
        db.session.add(ItemDatesState(id=1, built_at=clock.now()))
    else:
        state.built_at = clock.now()
    return written


def needs_rebuild() -> bool:
    state = db.session.get(ItemDatesState, 1)
    return state is None or state.built_at is None


def differences(ids=None, *, limit: int = 20) -> list[str]:
    """Where the kept rows differ from the rows the rules give now (none, when everything is kept right): up to
    *limit* lines, each naming the row and both values."""
    fresh = derive(ids)
    kept = stored(ids)
    out = []
    for name, new_rows, old_rows in (("item", fresh.items, kept.items), ("passport", fresh.passports,
                                                                          kept.passports)):
        for key in sorted(new_rows.keys() | old_rows.keys()):
            if new_rows.get(key) != old_rows.get(key):
                out.append(f"person {key[0]}, {name} {key[1]}: kept {old_rows.get(key)}, "
                           f"rules give {new_rows.get(key)}")
                if len(out) >= limit:
                    return out
    return out


# ---------------------------------------------------------------- counting with SQL

def tally_index(*, today: dt.date, warning_days: int):
    """The SQL twin of rules.status_of over the kept dates (mandatory items: the only ones kept), as each row's
    place in a tally (rules.TALLY_INDEX). tests/unit/test_item_dates.py checks it against rules.status_of row by
    row on the golden table's boundaries; the admin home counts the same ranges through its indexes."""
    from sqlalchemy import case

    from skillpass.rules import TALLY_INDEX, Status

    soon = today + dt.timedelta(days=warning_days)
    c = TABLE.c
    return case(
        (c.completed_on.is_not(None), case(
            ((c.expires_on.is_(None)) | (c.expires_on > soon), TALLY_INDEX[Status.COMPLETE]),
            (c.expires_on > today, TALLY_INDEX[Status.EXPIRING]),
            else_=TALLY_INDEX[Status.EXPIRED])),
        (c.due_on < today, TALLY_INDEX[Status.OVERDUE]),
        else_=TALLY_INDEX[Status.TODO])
