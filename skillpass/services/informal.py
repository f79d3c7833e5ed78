"""A learner's own informal learning log: editing and deleting entries (adding is in entries.py).

Only the owner changes their log (PRODUCT.md §1: the learner keeps it). "Deleted" is never a hard delete:
the entry is marked withdrawn, which takes it off the passport, its print and every export, and the audit log
keeps what it said. Each write is one conditional UPDATE, so an edit and a delete that race (two tabs, a
double click) cannot both land: the second is told the entry changed, and nothing it sent is lost silently.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import update

from skillpass import clock
from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import InformalEntry, Person
from skillpass.rules import format_date
from skillpass.services import audit
from skillpass.services import evidence as evidence_service
from skillpass.services.entries import INFORMAL_FIELDS, check_informal
from skillpass.services.errors import Conflict, NotAllowed

GONE = "This entry has been deleted from your informal learning log, so nothing was changed."


def _own(actor: Person, entry: InformalEntry) -> None:
    if entry.person_id != actor.id:
        raise NotAllowed("Only the learner changes their informal learning log.")
    if entry.withdrawn_at is not None:
        raise Conflict(GONE, field="__all__")


def _write(entry: InformalEntry, **values) -> None:
    """Change a live entry, or raise Conflict when it was deleted since this request read it."""
    done = db.session.execute(
        update(InformalEntry)
        .where(InformalEntry.id == entry.id, InformalEntry.withdrawn_at.is_(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise Conflict(GONE, field="__all__")
    db.session.refresh(entry)


def edit_informal(
    *,
    actor: Person,
    entry: InformalEntry,
    title: str,
    completed_on: dt.date | None,
    hours: Decimal | None,
    reflection: str,
    today: dt.date,
    upload=None,
    max_upload_mb: int = 10,
) -> InformalEntry:
    """The owner corrects an entry: the same checks as adding it. A new file replaces the evidence shown; the
    old file stays stored (the audit log names it)."""
    _own(actor, entry)
    title, reflection, hours, checked = check_informal(
        title=title, completed_on=completed_on, hours=hours, reflection=reflection, today=today, upload=upload,
        max_upload_mb=max_upload_mb)
    before = audit.snapshot(entry, INFORMAL_FIELDS)
    values = dict(title=title, completed_on=completed_on, hours=hours, reflection=reflection)
    if checked is not None:
        values["evidence_id"] = evidence_service.save(checked, person=actor, actor=actor).id
    _write(entry, **values)
    after = audit.snapshot(entry, INFORMAL_FIELDS)
    if after != before:
        audit.log(
            actor=actor,
            action=Action.INFORMAL_EDITED,
            subject=entry,
            person_id=entry.person_id,
            summary=f"Informal learning edited: {title} on {format_date(completed_on)}",
            before=before,
            after=after,
        )
    return entry


def remove_informal(*, actor: Person, entry: InformalEntry) -> InformalEntry:
    """The owner deletes an entry from their log: it is withdrawn, never erased."""
    _own(actor, entry)
    before = audit.snapshot(entry, INFORMAL_FIELDS)
    _write(entry, withdrawn_at=clock.now())
    audit.log(
        actor=actor,
        action=Action.INFORMAL_REMOVED,
        subject=entry,
        person_id=entry.person_id,
        summary=f"Informal learning deleted: {entry.title} on {format_date(entry.completed_on)}",
        before=before,
    )
    return entry
