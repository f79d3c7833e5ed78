"""The audit log for admins (browse and filter), and each passport row's own history."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, g, render_template, request, url_for

from skillpass import htmx
from skillpass.access import ADMIN, VIEW_PERSON, guard
from skillpass.inputs import date_in_range, page_number, to_id
from skillpass.labels import Action
from skillpass.services import audit_log
from skillpass.services.passport import refreshers_too_late

bp = Blueprint("audit_log", __name__)

PAGE_SIZE = 50


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
    try:
        action: Action | None = Action(request.args.get("action") or "")
    except ValueError:              # none, or not one the log records: every action is shown
        action = None
    date_from, from_error = _date_arg("from")
    date_to, to_error = _date_arg("to")
    errors = {k: v for k, v in (("from", from_error), ("to", to_error)) if v}
    if date_from and date_to and date_from > date_to:
        errors["to"] = "The end date must be on or after the start date."
    page = page_number(request.args.get("page"))
    text = (request.args.get("q") or "").strip()[:100]
    template_id = to_id(request.args.get("template") or "")
    templates, items_by_template = audit_log.choices()
    if template_id not in items_by_template:             # none, or not a passport: every passport
        template_id = None
    item_id = to_id(request.args.get("item") or "")
    if not any(i.id == item_id for items in items_by_template.values() for i in items):
        item_id = None
    hide_sign_ins = bool(request.args.get("hide_sign_ins"))

    filters = audit_log.Filters(person=person_q, actor=actor_q, action=action,
                                date_from=None if "from" in errors else date_from,
                                date_to=None if "to" in errors else date_to,
                                text=text, template_id=template_id, item_id=item_id, hide_sign_ins=hide_sign_ins)
    total, rows = audit_log.search(filters, page=page, page_size=PAGE_SIZE)
    args = {k: v for k, v in {"q": text, "template": template_id or "", "item": item_id or "",
                              "hide_sign_ins": "yes" if hide_sign_ins else "",
                              "person": person_q, "actor": actor_q, "action": action.value if action else "",
                              "from": request.args.get("from", ""), "to": request.args.get("to", "")}.items() if v}
    context = dict(rows=rows, total=total, page=page, page_size=PAGE_SIZE, args=args, actions=list(Action),
                   errors=errors, templates=templates, items_by_template=items_by_template,
                   older=url_for("audit_log.index", **args, page=page + 1) if page * PAGE_SIZE < total else None,
                   newer=url_for("audit_log.index", **args, page=page - 1) if page > 1 else None)
    status = 422 if errors else 200
    if htmx.is_htmx():
        return render_template("audit_log/_results.html", **context), status
    return render_template("audit_log/index.html", **context), status


@bp.get("/people/<int:person_id>/passport/items/<int:item_id>/history")
@guard(VIEW_PERSON)
def item_history(person_id: int, item_id: int):
    """Every entry of this person against this item, each with what happened to it and who did it; and the
    entries of other items that count for it by a credit mapping."""
    person = g.person
    item, entries, by_entry = audit_log.item_history(person, item_id)
    if item is None:
        abort(404)
    # Entries that count here by credit across passports, each with the mapping that counts it.
    credited, credited_events = audit_log.credited_history(person, item)
    context = dict(person=person, item=item, entries=entries, events={**by_entry, **credited_events},
                   credited=credited, too_late=refreshers_too_late(person.id, item))
    if htmx.is_htmx():
        return render_template("audit_log/_item_history.html", **context)
    return render_template("audit_log/item_history.html", **context)
