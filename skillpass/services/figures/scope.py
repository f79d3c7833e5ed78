"""Who and what the team figures are about: the people in scope, the columns (live items of the
passports they hold), and the loads every figure shares, each one query whatever the numbers."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Hashable

from markupsafe import escape
from sqlalchemy import Select, String, func, or_, select, type_coerce, union_all

from skillpass import rules
from skillpass.extensions import db
from skillpass.inputs import printable
from skillpass.subjects import normalise_name, subject_key
from skillpass.models import (Assignment, Entry, EntryActivity, EntryMethod, EntryStatus, Item, PassportTemplate, Person,
                              Section, TemplateStatus)
from skillpass.services.credit import credit_map


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


def people_ids(scope: Scope) -> list[int]:
    """The ids of the people in scope, by name (the order of the matrix and the exports)."""
    return list(db.session.scalars(people_query(scope).order_by(Person.name, Person.id)))


# ---------------------------------------------------------------- what the team page offers to filter by

def passports_on_offer(team_ids: tuple[int, ...] | None, *, keep: int | None = None) -> list[PassportTemplate]:
    """The published passports held in these teams (all of them for None), and *keep* whatever it is:
    the passport chosen in the URL stays on offer, so the dropdown never hides a filter in use."""
    where = [PassportTemplate.status == TemplateStatus.PUBLISHED]
    if team_ids is not None:
        held = select(Assignment.template_id).join(Person, Person.id == Assignment.person_id).where(
            Assignment.removed_on.is_(None), Person.team_id.in_(team_ids))
        where.append(or_(PassportTemplate.id.in_(held), PassportTemplate.id == keep))
    return list(db.session.scalars(select(PassportTemplate).where(*where).order_by(PassportTemplate.name)))


def job_roles(team_ids: tuple[int, ...] | None) -> list[str]:
    """The job roles of the active people in these teams (everyone for None), A to Z."""
    if team_ids is None:
        return everyones_job_roles()
    return list(db.session.scalars(select(Person.job_role).where(
        Person.job_role != "", Person.active.is_(True), Person.team_id.in_(team_ids)).distinct()
        .order_by(Person.job_role)))


def everyones_job_roles() -> list[str]:
    """The job roles of every active person, A to Z: each one the least role after the one before, one step down
    the index of (active, job role) a role (a few dozen), rather than every person read and sorted (30,000)."""
    roles = select(func.min(Person.job_role).label("role")).where(
        Person.active == True, Person.job_role > "").cte("roles", recursive=True)  # noqa: E712 (the index's form)
    following = select(func.min(Person.job_role)).where(
        Person.active == True, Person.job_role > roles.c.role).scalar_subquery()  # noqa: E712
    roles = roles.union_all(select(following).where(roles.c.role.is_not(None)))
    return list(db.session.scalars(select(roles.c.role).where(roles.c.role.is_not(None)).order_by(roles.c.role)))


# ---------------------------------------------------------------- columns

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
    grace_months: int = 0
    has_refresher: bool = False


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
    # The column's fixed parts of its cells' HTML, made the first time it is drawn (team/views.row_cells).
    drawn: tuple | None = field(default=None, compare=False, repr=False)


def columns_of(template_ids: set[int]) -> list[Column]:
    """The live items of these templates, in passport order (template by name, then section, then item)."""
    if not template_ids:
        return []
    found = db.session.execute(
        select(Item.id, Item.title, Item.code, Item.mandatory, Item.template_id, Item.added_on, Item.frequency_months,
               Section.offset_amount, Section.offset_unit, PassportTemplate.id, PassportTemplate.name,
               Item.grace_months, Item.refresher_title)
        .join(Section, Section.id == Item.section_id)
        .join(PassportTemplate, PassportTemplate.id == Item.template_id)
        .where(Item.template_id.in_(template_ids), Item.archived_at.is_(None))
        .order_by(PassportTemplate.name, Section.position, Section.id, Item.position, Item.id)).all()
    templates: dict[int, TemplateInfo] = {}
    columns = []
    for (item_id, title, code, mandatory, template_id, added_on, frequency, amount, unit, _, template_name,
         grace, refresher_title) in found:
        template = templates.setdefault(template_id, TemplateInfo(template_id, template_name))
        columns.append(Column(item=ItemInfo(item_id, title, code, mandatory, template_id, added_on, frequency,
                                            grace, bool(refresher_title)),
                              template=template, offset=rules.Offset(amount, unit.value),
                              escaped_title=escape(printable(title))))
    return columns


def passports_named(template_ids: set[int]) -> list[TemplateInfo]:
    """Every one of these passports, by name: those whose items make the columns, and any with no live item
    left, which a person still holds (and, with nothing mandatory, meets: PRODUCT.md §6.3)."""
    if not template_ids:
        return []
    return [TemplateInfo(template_id, name) for template_id, name in db.session.execute(
        select(PassportTemplate.id, PassportTemplate.name).where(PassportTemplate.id.in_(template_ids))
        .order_by(PassportTemplate.name, PassportTemplate.id))]


def held_by_person(assignments) -> dict[int, list[tuple[int, dt.date]]]:
    """(template id, assigned on) of each person's live assignments, from rows of (person id, template id, date)."""
    held: dict[int, list[tuple[int, dt.date]]] = defaultdict(list)
    for person_id, template_id, assigned_on in assignments:
        held[person_id].append((template_id, assigned_on))
    return held


NOTHING: dict = {}


def subject_items(template_ids: set[int]):
    """Where an entry counts for these templates' items: against one of their items, or against any item
    sharing a code with one of them (PRODUCT.md §6.1: one record, every passport)."""
    codes = select(func.upper(func.trim(Item.code))).where(Item.template_id.in_(template_ids), Item.code.is_not(None))
    return or_(Item.template_id.in_(template_ids), func.upper(func.trim(Item.code)).in_(codes))


def merge_done(a, b):
    """Two subjects' completions as one (credit across passports): the later date, or, where either holds
    links for the chain rule (chains.Links), every link of both."""
    if a is None:
        return b
    if b is None:
        return a
    if type(a) is dt.date and type(b) is dt.date:
        return a if a >= b else b
    return Links(set(as_links(a)) | set(as_links(b)))


def as_links(value) -> tuple:
    return (rules.Link(value),) if type(value) is dt.date else tuple(value)


class Links(tuple):
    """A subject's accepted completions as links for the chain rule (PRODUCT.md §6.3), kept instead of the
    latest date where it takes more than that: an item with a refresher, or a certificate's own expiry.
    Hashable, so a column works each distinct history out once."""
    __slots__ = ()

    def __new__(cls, links):
        return super().__new__(cls, sorted(links, key=rules.link_order))


def refresher_subjects() -> tuple[set[Hashable], list[int]]:
    """The subjects that have an item with a refresher (their completions are read whole), and every item
    of those subjects."""
    refreshed = select(func.upper(func.trim(Item.code))).where(Item.refresher_title != "", Item.code.is_not(None))
    subjects: set[Hashable] = set()
    item_ids = []
    for item_id, code, refresher in db.session.execute(
            select(Item.id, Item.code, Item.refresher_title)
            .where(or_(Item.refresher_title != "", func.upper(func.trim(Item.code)).in_(refreshed)))):
        item_ids.append(item_id)
        if refresher:
            subjects.add(subject_key(item_id, code))
    return subjects, item_ids


def latest_completions(ids: Select | None, template_ids: set[int], *, credit=None,
                       subjects: set[Hashable] | None = None) -> dict[int, dict[Hashable, dt.date]]:
    """The latest accepted completion of each subject, by person: {person id: {subject key: date}}, a subject
    being an item's code or, for an item without one, the item (skillpass.subjects.subject_key).

    Run as plain SQL (no ORM rows): for a whole trust this is every person's every item. ids None
    means everyone: then nothing is filtered in SQL (SQLite groups every entry a third faster than
    it checks each against a list of 5,000 people), and the caller reads only the people it has.
    *credit*: the mappings to read (services.credit.CreditMap), the live ones when not given; a preview
    passes them with a mapping added or left out.
    *subjects*: only these subjects (and those credited to them) are read, e.g. the one item a change touches."""
    if not template_ids:
        return {}
    if credit is None:
        credit = credit_map()
    where = [Entry.status == EntryStatus.ACCEPTED]
    if ids is not None:
        where.append(Entry.person_id.in_(ids))
    if subjects:
        wanted = set(subjects) | {source for source, targets in credit.by_subject.items() if targets & set(subjects)}
        # The entries by their own item id, grouped before they are joined to their items: an index of (person,
        # item) finds just these entries (joined to the items first, SQLite read every entry of those items).
        grouped = (select(Entry.person_id, Entry.item_id, func.max(Entry.completed_on).label("on"))
                   .where(*where, Entry.item_id.in_(select(Item.id).where(or_(*of_subjects(wanted)))))
                   .group_by(Entry.person_id, Entry.item_id).subquery())
        rows = db.session.connection().execute(
            select(grouped.c.person_id, grouped.c.item_id, Item.code, grouped.c.on)
            .join(Item, Item.id == grouped.c.item_id)).all()
    else:
        if ids is not None:
            # Entries of these passports' subjects, and of the subjects credited to anything (credit across
            # passports).
            where.append(or_(subject_items(template_ids), *of_subjects(credit.by_subject)))
        rows = db.session.connection().execute(
            select(Entry.person_id, Entry.item_id, Item.code, func.max(Entry.completed_on))
            .join(Item, Item.id == Entry.item_id)
            .where(*where).group_by(Entry.person_id, Entry.item_id, Item.code)).all()
    latest: dict[int, dict[Hashable, dt.date]] = {}
    keys: dict[int, Hashable] = {}     # each item's subject worked out once, not once per person
    for person_id, item_id, code, on in rows:
        mine = latest.get(person_id)
        if mine is None:
            mine = latest[person_id] = {}
        key = keys.get(item_id)
        if key is None:
            key = keys[item_id] = subject_key(item_id, code) if code else item_id
        known = mine.get(key)
        if known is None or on > known:
            mine[key] = on
    # The chain rule's few entries are read by person and kind through their partial indexes, and kept for these
    # subjects only: a list of item ids beside them made SQLite read every entry of those items instead.
    _chained(latest, where, only=wanted if subjects else None)
    _credited(latest, ids, credit)
    return latest


def kept_completions(ids: Select, template_ids: set[int], columns: list[Column]
                     ) -> dict[int, dict[Hashable, object]]:
    """What latest_completions gives for these people, with the mandatory items' completions read from the kept
    dates (services/item_dates.py: the completion the same walk counted, kept as writes happen) instead of
    grouping every entry of theirs. Entries are still read, whole, for the subjects the kept dates cannot answer:
    optional items (not kept), subjects the chain rule reads whole (an item with a refresher, any of these
    people's certificates with an expiry of their own or refreshers: their links, not one date) and subjects in
    a credit mapping (credit is one step: a kept target already holds its sources). A constant number of
    queries."""
    from skillpass.services import item_dates

    if not template_ids:
        return {}
    credit = credit_map()
    subject_of = {column.item.id: subject_key(column.item.id, column.item.code) for column in columns}
    read = {subject_of[column.item.id] for column in columns if not column.item.mandatory}
    read |= refresher_subjects()[0]
    for source, targets in credit.by_subject.items():
        read |= {source, *targets}
    for targets in credit.by_name.values():
        read |= targets
    # These people's entries the chain rule reads whole, through the two partial indexes that hold only them.
    chain_entries = union_all(*(select(Entry.item_id, Item.code).join(Item, Item.id == Entry.item_id)
                                .where(Entry.person_id.in_(ids), part)
                                for part in (Entry.certificate_expires_on.is_not(None),
                                             Entry.activity == EntryActivity.REFRESHER)))
    read |= {subject_key(item_id, code) for item_id, code in db.session.connection().execute(chain_entries)}
    latest: dict[int, dict[Hashable, object]] = (
        latest_completions(ids, template_ids, credit=credit, subjects=read) if read else {})
    dates = item_dates.TABLE.c
    kept = {item_id: subject for item_id, subject in subject_of.items() if subject not in read}
    # Tens of thousands of rows over a few hundred distinct dates: each date is made once (SQLite hands them over as
    # text; PostgreSQL as dates already). Every kept row of these people is read and the columns' items picked here:
    # a list of a hundred item ids beside the people made SQLite look each pair up (a third slower).
    as_date: dict = {}
    for person_id, item_id, completed_on in db.session.connection().execute(
            select(dates.person_id, dates.item_id, type_coerce(dates.completed_on, String))
            .where(dates.person_id.in_(ids), dates.completed_on.is_not(None))).all():
        subject = kept.get(item_id)
        if subject is None:
            continue
        on = as_date.get(completed_on)
        if on is None:
            on = as_date[completed_on] = (completed_on if isinstance(completed_on, dt.date)
                                          else dt.date.fromisoformat(completed_on))
        mine = latest.get(person_id)
        if mine is None:
            mine = latest[person_id] = {}
        mine[subject] = on
    return latest


def of_subjects(keys) -> list:
    """SQL conditions for the items of these subjects (codes and item ids, skillpass.subjects.subject_key)."""
    codes = [key for key in keys if isinstance(key, str)]
    item_ids = [key for key in keys if isinstance(key, int)]
    found = []
    if codes:
        found.append(func.upper(func.trim(Item.code)).in_(codes))
    if item_ids:
        found.append(Item.id.in_(item_ids))
    return found


def _chained(latest: dict[int, dict[Hashable, object]], where: list, *, only: set[Hashable] | None = None) -> None:
    """Where the latest date is not enough (PRODUCT.md §6.3), put a subject's links in its place: every
    accepted completion of a subject with a refresher, and every one with a certificate's own expiry."""
    chained, item_ids = refresher_subjects()
    # Three parts that never overlap, each read through an index of its own (the two partial ones hold only
    # such entries), joined by UNION ALL: one OR of them made SQLite scan every entry of the trust.
    no_certificate = Entry.certificate_expires_on.is_(None)
    parts = [[Entry.certificate_expires_on.is_not(None)],
             [Entry.activity == EntryActivity.REFRESHER, no_certificate]]
    if item_ids:
        parts.append([Entry.item_id.in_(item_ids), Entry.activity != EntryActivity.REFRESHER, no_certificate])
    columns = (Entry.person_id, Entry.item_id, Item.code, Entry.completed_on, Entry.activity,
               Entry.certificate_expires_on)
    read = union_all(*(select(*columns).join(Item, Item.id == Entry.item_id).where(*where, *part)
                       for part in parts))
    links: dict[tuple[int, Hashable], list] = defaultdict(list)
    for person_id, item_id, code, on, activity, own_expiry in db.session.connection().execute(read).all():
        if person_id not in latest:
            continue
        key = subject_key(item_id, code)
        if only is not None and key not in only:
            continue
        links[(person_id, key)].append(
            rules.Link(on, _is_refresher(activity), own_expiry))
    for (person_id, key), found in links.items():
        mine = latest[person_id]
        newest = mine.get(key)
        if key not in chained and newest is not None and all(link.completed_on != newest for link in found):
            found.append(rules.Link(newest))    # the latest completion has no certificate expiry of its own
        mine[key] = Links(found)


def _is_refresher(activity) -> bool:
    """An entry's activity as a Core row gives it: the enum (its column type converts it) or its stored value."""
    return activity is EntryActivity.REFRESHER or activity == EntryActivity.REFRESHER.value


def _credited(latest: dict[int, dict[Hashable, object]], ids: Select | None, credit) -> None:
    """Credit across passports: each source subject's completions count for its targets too, and an
    equivalent-training entry naming a mapped qualification for that qualification's targets."""
    if not credit:
        return
    if credit.by_subject:
        pairs = [(source, target) for source, targets in credit.by_subject.items() for target in targets
                 if target != source]
        for mine in latest.values():
            # Sources as they were before any credit: credit is one step, never passed on.
            own = {source: mine[source] for source, _ in pairs if source in mine}
            for source, target in pairs:
                if source in own:
                    mine[target] = merge_done(mine.get(target), own[source])
    if credit.by_name:
        where = [Entry.status == EntryStatus.ACCEPTED, Entry.method == EntryMethod.EQUIVALENT]
        if ids is not None:
            where.append(Entry.person_id.in_(ids))
        for person_id, source, on, activity, own_expiry in db.session.connection().execute(
                select(Entry.person_id, Entry.equivalent_source, Entry.completed_on, Entry.activity,
                       Entry.certificate_expires_on).where(*where)).all():
            targets = credit.by_name.get(normalise_name(source))
            if not targets:
                continue
            mine = latest.setdefault(person_id, {})
            link = rules.Link(on, _is_refresher(activity), own_expiry)
            value = on if own_expiry is None and not link.refresher else Links([link])
            for target in targets:
                mine[target] = merge_done(mine.get(target), value)


def awaiting_items(ids: Select, template_ids: set[int]) -> dict[int, set[Hashable]]:
    """The subjects with an entry awaiting sign-off, by person (subject keys, as latest_completions)."""
    if not template_ids:
        return {}
    waiting: dict[int, set[Hashable]] = defaultdict(set)
    for person_id, item_id, code in db.session.connection().execute(
            select(Entry.person_id, Entry.item_id, Item.code).join(Item, Item.id == Entry.item_id)
            .where(Entry.person_id.in_(ids), subject_items(template_ids), Entry.status == EntryStatus.AWAITING)):
        waiting[person_id].add(subject_key(item_id, code))
    return waiting
