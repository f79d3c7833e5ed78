"""Write to the append-only audit log."""
from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from skillpass import clock
from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import AuditEvent


def _plain(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def snapshot(obj, fields: list[str]) -> dict:
    return {f: _plain(getattr(obj, f)) for f in fields}


def log(
    *,
    actor,
    action: Action,
    subject,
    person_id: int | None,
    summary: str,
    before: dict | None = None,
    after: dict | None = None,
    at=None,
    subject_type: str | None = None,
) -> AuditEvent:
    """Append one event. *at* is for bringing in history (demo data, imports); otherwise now.

    *action* is a member of Action (its stored value is accepted too): an action the audit log cannot name,
    filter or label is refused, with nothing written."""
    action = Action(action)     # ValueError for anything else
    event = AuditEvent(
        at=at or clock.now(),
        actor_id=getattr(actor, "id", None),
        action=action,
        subject_type=subject_type or type(subject).__name__,
        subject_id=getattr(subject, "id", None),
        person_id=person_id,
        summary=summary,
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
    )
    db.session.add(event)
    return event
