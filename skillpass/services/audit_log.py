"""Read the audit log: the admins' filtered, paged list, and one passport row's history."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import (
    Assignment,
    AssignmentRule,
    AuditEvent,
    Entry,
    EntryMethod,
    EntryStatus,
    Item,
    PassportTemplate,
    Person,
    Section,
)
from skillpass.services import search as text_search
from skillpass.services.credit import credit_map
from skillpass.services.figures.scope import of_subjects
from skillpass.subjects import normalise_name, subject_key


@dataclass(frozen=True)
class Filters:
    person: str = ""                 # a subject person's name or employee number, in part
    actor: str = ""                  # who did it, by name, in part
    action: Action | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None   # inclusive
    text: str = ""                   # the person, the item's title or the passport's name (or the summary), in part
    template_id: int | None = None   # events about this passport: itself, its sections, items, entries, assignments
    item_id: int | None = None       # events about this item: itself and its entries
    hide_sign_ins: bool = False


def search(filters: Filters, *, page: int, page_size: int) -> tuple[int, list]:
    """How many events match, and one page of them (newest first) as (event, subject person, actor) rows."""
    subject_person = aliased(Person)
    actor = aliased(Person)
    stmt = (
        select(AuditEvent, subject_person, actor)
        .outerjoin(subject_person, AuditEvent.person_id == subject_person.id)
        .outerjoin(actor, AuditEvent.actor_id == actor.id)
    )
    conditions = []
    if filters.text or filters.template_id or filters.item_id:
        stmt, item, template = _with_item_and_template(stmt)
        if filters.text:
            conditions.append(or_(*(text_search.contains(column, filters.text) for column in (
                subject_person.name, subject_person.employee_number, item.title, template.name,
                AuditEvent.summary))))
        if filters.template_id:
            conditions.append(template.id == filters.template_id)
        if filters.item_id:
            conditions.append(item.id == filters.item_id)
    if filters.hide_sign_ins:
        conditions.append(AuditEvent.action.not_in((Action.AUTH_SIGNED_IN.value, Action.AUTH_SIGNED_IN_SSO.value)))
    if filters.person:
        conditions.append(or_(text_search.contains(subject_person.name, filters.person),
                              text_search.contains(subject_person.employee_number, filters.person)))
    if filters.actor:
        conditions.append(text_search.contains(actor.name, filters.actor))
    if filters.action:
        conditions.append(AuditEvent.action == filters.action.value)
    if filters.date_from:
        conditions.append(AuditEvent.at >= dt.datetime.combine(filters.date_from, dt.time(), dt.timezone.utc))
    if filters.date_to:
        conditions.append(AuditEvent.at < dt.datetime.combine(filters.date_to + dt.timedelta(days=1), dt.time(),
                                                              dt.timezone.utc))
    if conditions:
        stmt = stmt.where(and_(*conditions))
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.execute(
        stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(page_size).offset((page - 1) * page_size)
    ).all()
    return total, rows


def _with_item_and_template(stmt):
    """Join each event to the item and the passport it concerns, whatever its subject: an entry (its item),
    an item, a section, an assignment, a rule or the passport itself. Outer joins: one statement still."""
    entry, item, section = aliased(Entry), aliased(Item), aliased(Section)
    assignment, rule, template = aliased(Assignment), aliased(AssignmentRule), aliased(PassportTemplate)
    kind, subject = AuditEvent.subject_type, AuditEvent.subject_id
    stmt = (
        stmt.outerjoin(entry, and_(kind == "Entry", entry.id == subject))
        .outerjoin(item, item.id == case((kind == "Item", subject), else_=entry.item_id))
        .outerjoin(section, and_(kind == "Section", section.id == subject))
        .outerjoin(assignment, and_(kind == "Assignment", assignment.id == subject))
        .outerjoin(rule, and_(kind == "AssignmentRule", rule.id == subject))
        .outerjoin(template, template.id == func.coalesce(
            item.template_id, section.template_id, assignment.template_id, rule.template_id,
            case((kind == "PassportTemplate", subject)))))
    return stmt, item, template


def choices() -> tuple[list[PassportTemplate], dict[int, list[Item]]]:
    """The audit log's filters: every passport, and every item (archived ones included) by passport."""
    templates = list(db.session.scalars(select(PassportTemplate).order_by(PassportTemplate.name)))
    items: dict[int, list[Item]] = {t.id: [] for t in templates}
    for item in db.session.scalars(select(Item).order_by(Item.title, Item.id)):
        items.setdefault(item.template_id, []).append(item)
    return templates, items


def item_history(person: Person, item_id: int) -> tuple[Item | None, list[Entry], dict[int, list]]:
    """The item (None if there is none), every entry of this person against it (newest first), and each entry's
    events in order as (event, actor) pairs, by entry id."""
    item = db.session.get(Item, item_id)
    if item is None:
        return None, [], {}
    entries = db.session.scalars(
        select(Entry).where(Entry.person_id == person.id, Entry.item_id == item.id)
        .order_by(Entry.recorded_at.desc(), Entry.id.desc())
    ).all()
    actor = aliased(Person)
    events = db.session.execute(
        select(AuditEvent, actor)
        .outerjoin(actor, AuditEvent.actor_id == actor.id)
        .where(AuditEvent.subject_type == "Entry", AuditEvent.subject_id.in_([e.id for e in entries] or [-1]))
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    by_entry: dict[int, list] = {}
    for event, who in events:
        by_entry.setdefault(event.subject_id, []).append((event, who))
    return item, entries, by_entry


def credited_history(person: Person, item: Item) -> tuple[list[tuple[Entry, str]], dict[int, list]]:
    """Credit across passports in a row's history: the accepted entries of *person* that count for *item* by a
    live mapping (an entry of a mapped item's subject, or equivalent training naming a mapped qualification),
    newest first, each with the mapping in words ("Care Certificate standard 13 counts as Safeguarding
    adults"); and their events, as item_history gives them. Three queries."""
    credit = credit_map()
    target = subject_key(item.id, item.code)
    sources = {source for source, targets in credit.by_subject.items() if target in targets and source != target}
    names = {name for name, targets in credit.by_name.items() if target in targets}
    if not sources and not names:
        return [], {}
    conditions = of_subjects(sources)
    if names:
        conditions.append(Entry.method == EntryMethod.EQUIVALENT)
    found = []
    for entry, code in db.session.execute(
            select(Entry, Item.code).join(Item, Item.id == Entry.item_id)
            .where(Entry.person_id == person.id, Entry.status == EntryStatus.ACCEPTED, or_(*conditions))
            .order_by(Entry.recorded_at.desc(), Entry.id.desc())):
        key = subject_key(entry.item_id, code)
        if key == target:
            continue
        words = credit.met_by(key, target) if key in sources else ""
        name = normalise_name(entry.equivalent_source) if entry.method is EntryMethod.EQUIVALENT else ""
        if not words and name in names:
            words = credit.met_by(("qualification", name), target)
        if words:
            found.append((entry, f"{words} counts as {item.title}"))
    return found, _events_of([entry.id for entry, _ in found])


def _events_of(entry_ids: list[int]) -> dict[int, list]:
    actor = aliased(Person)
    by_entry: dict[int, list] = {}
    if not entry_ids:
        return by_entry
    for event, who in db.session.execute(
            select(AuditEvent, actor).outerjoin(actor, AuditEvent.actor_id == actor.id)
            .where(AuditEvent.subject_type == "Entry", AuditEvent.subject_id.in_(entry_ids))
            .order_by(AuditEvent.at, AuditEvent.id)):
        by_entry.setdefault(event.subject_id, []).append((event, who))
    return by_entry
