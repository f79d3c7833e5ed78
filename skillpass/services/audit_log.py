"""Read the audit log: the admins' filtered, paged list, and one passport row's history."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import AuditEvent, Entry, Item, Person
from skillpass.services import search as text_search


@dataclass(frozen=True)
class Filters:
    person: str = ""                 # a subject person's name or employee number, in part
    actor: str = ""                  # who did it, by name, in part
    action: Action | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None   # inclusive


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
