"""The audit log for admins (browse and filter), and each passport row's own history."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from skillpass import htmx
from skillpass.access import ADMIN, VIEW_PERSON, guard
from skillpass.extensions import db
from skillpass.inputs import date_in_range, page_number
from skillpass.services import search
from skillpass.models import AuditEvent, Entry, Item, Person

bp = Blueprint("audit_log", __name__)

PAGE_SIZE = 50

ACTIONS = {
    "entry.recorded": "Entry recorded",
    "entry.signed_off": "Signed off",
    "entry.approved": "Approved",
    "entry.rejected": "Rejected",
    "entry.withdrawn": "Withdrawn",
    "entry.revoked": "Revoked",
    "informal.added": "Informal learning added",
    "person.teams_changed": "Supported teams changed",
    "person.password_changed": "Password changed",
    "auth.signed_in": "Signed in",
    "settings.changed": "Settings changed",
    "person.created": "Person added",
    "person.changed": "Person changed",
    "person.deactivated": "Deactivated",
    "person.reactivated": "Reactivated",
    "person.password_reset": "Temporary password set",
    "assignment.added": "Passport assigned",
    "assignment.removed": "Passport removed",
    "import.people": "People imported",
    "import.completions": "Completions imported",
    "entry.imported": "Entry imported",
    "rule.created": "Assignment rule added",
    "rule.archived": "Assignment rule archived",
    "team.created": "Team created",
    "team.renamed": "Team renamed",
    "team.archived": "Team archived",
    "team.restored": "Team restored",
    "demo.seeded": "Demo data seeded",
}


def action_label(action: str) -> str:
    return ACTIONS.get(action, action.replace(".", ": ").replace("_", " ").capitalize())


def _date_arg(name: str) -> tuple[dt.date | None, str | None]:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None, None
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        return None, "Enter a real date, for example 2026-01-15."
    if not date_in_range(value):
        return None, "Enter a date between the years 0001 and 9999, for example 2026-01-15."
    return value, None


@bp.get("/admin/audit")
@guard(ADMIN)
def index():
    person_q = (request.args.get("person") or "").strip()[:100]
    actor_q = (request.args.get("actor") or "").strip()[:100]
    action = request.args.get("action") or ""
    if action not in ACTIONS:
        action = ""
    date_from, from_error = _date_arg("from")
    date_to, to_error = _date_arg("to")
    errors = {k: v for k, v in (("from", from_error), ("to", to_error)) if v}
    if date_from and date_to and date_from > date_to:
        errors["to"] = "The end date must be on or after the start date."
    page = page_number(request.args.get("page"))

    subject_person = aliased(Person)
    actor = aliased(Person)
    stmt = (
        select(AuditEvent, subject_person, actor)
        .outerjoin(subject_person, AuditEvent.person_id == subject_person.id)
        .outerjoin(actor, AuditEvent.actor_id == actor.id)
    )
    conditions = []
    if person_q:
        conditions.append(or_(search.contains(subject_person.name, person_q),
                              search.contains(subject_person.employee_number, person_q)))
    if actor_q:
        conditions.append(search.contains(actor.name, actor_q))
    if action:
        conditions.append(AuditEvent.action == action)
    if date_from and "from" not in errors:
        conditions.append(AuditEvent.at >= dt.datetime.combine(date_from, dt.time(), dt.timezone.utc))
    if date_to and "to" not in errors:
        conditions.append(AuditEvent.at < dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), dt.timezone.utc))
    if conditions:
        stmt = stmt.where(and_(*conditions))
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.execute(
        stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    args = {k: v for k, v in {"person": person_q, "actor": actor_q, "action": action,
                              "from": request.args.get("from", ""), "to": request.args.get("to", "")}.items() if v}
    context = dict(rows=rows, total=total, page=page, page_size=PAGE_SIZE, args=args, actions=ACTIONS,
                   action_label=action_label, errors=errors,
                   older=url_for("audit_log.index", **args, page=page + 1) if page * PAGE_SIZE < total else None,
                   newer=url_for("audit_log.index", **args, page=page - 1) if page > 1 else None)
    status = 422 if errors else 200
    if htmx.is_htmx():
        return render_template("audit_log/_results.html", **context), status
    return render_template("audit_log/index.html", **context), status


@bp.get("/people/<int:person_id>/passport/items/<int:item_id>/history")
@guard(VIEW_PERSON)
def item_history(person_id: int, item_id: int):
    """Every entry of this person against this item, each with what happened to it and who did it."""
    person = g.person
    item = db.session.get(Item, item_id)
    if item is None:
        abort(404)
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
    context = dict(person=person, item=item, entries=entries, events=by_entry, action_label=action_label)
    if htmx.is_htmx():
        return render_template("audit_log/_item_history.html", **context)
    return render_template("audit_log/item_history.html", **context)
