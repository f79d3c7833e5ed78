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


def log_many(events: list[dict]) -> None:
    """Append many events in one statement (an import's thousands of people): each a dict of ``log``'s
    arguments, with *actor_id* for *actor*, and *subject_type* and *subject_id* for *subject*. Written as
    ``log`` writes them; the caller notes the write (data_version.written)."""
    if not events:
        return
    now = clock.now()
    db.session.execute(AuditEvent.__table__.insert(), [{
        "at": event.get("at") or now, "actor_id": event.get("actor_id"), "action": Action(event["action"]).value,
        "subject_type": event["subject_type"], "subject_id": event.get("subject_id"),
        "person_id": event.get("person_id"), "summary": event["summary"],
        "before": _plain(event["before"]) if event.get("before") is not None else None,
        "after": _plain(event["after"]) if event.get("after") is not None else None} for event in events])
