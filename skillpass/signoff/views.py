"""The sign-off queue (an educator's home) and the decisions made from it or
from a person's passport: approve, reject with a reason, revoke with a reason."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from skillpass import access, htmx
from skillpass.access import DECIDE_ENTRY, STAFF, guard
from skillpass.clock import today
from skillpass.extensions import db
from skillpass.inputs import ids, to_id
from skillpass.models import Entry, Evidence, Item, Person, Team
from skillpass.services import decisions
from skillpass.services.errors import Conflict, DecidedElsewhere, DomainError, ValidationFailed
from skillpass.services.passport import build_passport
from skillpass.services.settings import get_settings

bp = Blueprint("signoff", __name__, url_prefix="/sign-off")


def _filters() -> dict:
    # Filters only narrow the queue, which holds nothing but entries this person may decide.
    team_id = to_id(request.values.get("team", ""))
    kind = request.values.get("kind") or None
    if kind not in decisions.KINDS:
        kind = None
    return {"team_id": team_id, "kind": kind}


def _queue_context(**extra) -> dict:
    filters = _filters()
    rows = decisions.awaiting_for(current_user, **filters)
    return dict(rows=rows, teams=access.visible_teams(current_user), filters=filters, kinds=decisions.KINDS,
                total=decisions.awaiting_count(current_user), **extra)


def _queue_url(filters: dict | None = None) -> str:
    filters = filters if filters is not None else _filters()
    args = {"team": filters.get("team_id"), "kind": filters.get("kind")}
    return url_for("signoff.index", **{k: v for k, v in args.items() if v})


@bp.get("/")
@guard(STAFF)
def index():
    context = _queue_context()
    if htmx.is_htmx():
        return render_template("signoff/_queue.html", **context)
    return render_template("signoff/index.html", **context)


@bp.get("/count")
@guard(STAFF)
def count():
    if not htmx.is_htmx():
        return redirect(url_for("signoff.index"))
    return render_template("signoff/_count.html", queue_total=decisions.awaiting_count(current_user))


def _item_for(entry: Entry) -> Item:
    return db.session.get(Item, entry.item_id)


def _passport_row_response(person: Person, item_id: int, *, message: str, errors=None, open_form=None, status=200):
    passport = build_passport(person, today=today(), warning_days=get_settings().warning_days)
    row = passport.row(item_id)
    response = make_response(render_template(
        "passport/_item_row.html", row=row, passport=passport, person=person,
        can_record=access.can_record_for(current_user, person), can_decide=True,
        announce=message, decision_errors=errors or {}, open_form=open_form, focus_record=not errors,
    ), status)
    if status == 200:
        htmx.trigger(response, "passportChanged")
        htmx.trigger(response, f"section{row.section.id}Changed")
        htmx.trigger(response, "queueChanged")
    return response


@bp.post("/entries/<int:entry_id>/decision")
@guard(DECIDE_ENTRY)
def decide(entry_id: int):
    entry, person = g.entry, g.person
    item = _item_for(entry)
    choice = request.form.get("decision")
    reason = request.form.get("reason", "")
    from_passport = request.form.get("from") == "passport"
    try:
        if choice not in ("approve", "reject"):
            raise ValidationFailed("Choose Approve or Reject.", field="__all__")
        result = decisions.decide(actor=current_user, entry=entry, person=person, item=item,
                                  approve=choice == "approve", reason=reason)
    except DomainError as error:
        db.session.rollback()
        db.session.expire_all()
        return _refused(error, entry_id, person, item, reason=reason, from_passport=from_passport)
    db.session.commit()

    if from_passport:
        if htmx.is_htmx():
            return _passport_row_response(person, item.id, message=result.message)
        flash(result.message)
        return redirect(url_for("passport.detail", person_id=person.id) + f"#item-{item.id}", code=303)
    if htmx.is_htmx():
        # The row leaves the queue; the live region says what happened; the words above the table and
        # the count in the menu follow. When nothing is left with these filters, the queue is drawn again.
        context = _queue_context()
        if not context["rows"]:
            html = render_template("signoff/_queue.html", **context, focus_summary=True)
            response = htmx.retarget(make_response(html), "#queue", "outerHTML")
        else:
            response = make_response(render_template("signoff/_queue_summary.html", **context, oob=True))
        response.set_data(response.get_data(as_text=True) + render_template("_announce.html", announce=result.message))
        htmx.trigger(response, "queueChanged")
        return response
    flash(result.message)
    return redirect(_queue_url(), code=303)


def _refused(error: DomainError, entry_id: int, person: Person, item: Item, *, reason: str, from_passport: bool):
    entry = db.session.get(Entry, entry_id)
    decided_elsewhere = isinstance(error, Conflict)
    message = next(iter(error.errors.values()))
    if from_passport:
        if htmx.is_htmx():
            if decided_elsewhere:
                return _passport_row_response(person, item.id, message=message)
            return _passport_row_response(person, item.id, message="", errors=error.errors,
                                          open_form=("reject", entry_id, reason), status=422)
        if decided_elsewhere:
            flash(message)
            return redirect(url_for("passport.detail", person_id=person.id) + f"#item-{item.id}", code=303)
        return _passport_page(person, errors=error.errors, open_form=("reject", entry_id, reason))

    if htmx.is_htmx():
        if decided_elsewhere:
            response = make_response(render_template(
                "signoff/_gone_row.html", entry=entry, person=person, item=item, message=message,
                announce=f"{person.name}: {item.title}. {message}")
                + render_template("signoff/_queue_summary.html", **_queue_context(), oob=True))
            htmx.trigger(response, "queueChanged")
            return response
        row = _queue_row(entry_id)
        return render_template("signoff/_row.html", row=row, errors=error.errors, reason=reason,
                               open_reject=True), 422
    if decided_elsewhere:
        flash(message)
        return redirect(_queue_url(), code=303)
    context = _queue_context(row_errors={entry_id: error.errors}, row_reasons={entry_id: reason})
    return render_template("signoff/index.html", **context), 422


def _passport_page(person: Person, *, errors: dict, open_form: tuple):
    """Without JavaScript: the whole passport again, the refused form open with its message and input."""
    from skillpass.passport.views import render_passport_page

    return render_passport_page(person, status=422, decision_errors=errors, open_form=open_form)


def _queue_row(entry_id: int):
    """One queue row (entry, person, item, evidence), to show it again with its error."""
    row = db.session.execute(
        select(Entry, Person, Item, Evidence)
        .join(Person, Entry.person_id == Person.id)
        .join(Item, Entry.item_id == Item.id)
        .outerjoin(Evidence, Entry.evidence_id == Evidence.id)
        .where(Entry.id == entry_id)
    ).first()
    if row is None:
        abort(404)
    return row


@bp.post("/approve")
@guard(STAFF)
def approve_selected():
    """Approve several selected entries at once, with a result for each.

    Permission comes before description: an entry this person may not decide, or one that does not
    exist, is counted, never named (its person and item are none of their business)."""
    requested = ids(request.form.getlist("entry"))
    results: list[tuple[str, bool, str]] = []   # (what, ok, message)
    raced = False
    found = db.session.execute(
        select(Entry, Person, Item).join(Person, Person.id == Entry.person_id).join(Item, Item.id == Entry.item_id)
        .where(Entry.id.in_(requested))).all() if requested else []
    mine = {entry.id: (entry, person, item) for entry, person, item in found
            if access.can_decide_for(current_user, person)}
    undecidable = sum(1 for entry_id in requested if entry_id not in mine)
    approved = 0
    for entry_id in requested:
        if entry_id not in mine:
            continue
        entry, person, item = mine[entry_id]
        what = f"{person.name}: {item.title}"
        try:
            decisions.decide(actor=current_user, entry=entry, person=person, item=item, approve=True)
        except DecidedElsewhere:
            # A race: the transaction is spoilt, so nothing of this request is kept.
            db.session.rollback()
            results = [("", False, "Someone else decided some of these at the same moment, so nothing "
                                   "was approved. The queue below is up to date: select again.")]
            approved = 0
            raced = True
            break
        except DomainError as error:
            results.append((what, False, next(iter(error.errors.values()))))
        else:
            approved += 1
            results.append((what, True, "approved"))
    if approved:
        db.session.commit()
    if undecidable and not raced:
        results.append(("", False, f"{undecidable} {'entry' if undecidable == 1 else 'entries'} could not be "
                                   "decided: not found among the entries waiting for you."))
    refused = sum(1 for r in results if not r[1] and r[0]) + (undecidable if not raced else 0)
    if not requested:
        summary = "Select the entries to approve first."
    elif raced:
        summary = "Nothing was approved."
    else:
        summary = f"{approved} approved" + (f", {refused} not" if refused else "") + "."
    if htmx.is_htmx():
        response = make_response(render_template(
            "signoff/_queue.html", **_queue_context(results=results, results_summary=summary))
            + render_template("_announce.html", announce=summary))
        if approved or raced:
            htmx.trigger(response, "queueChanged")
        return response
    flash(summary)
    for what, ok, message in results:
        if not ok:
            flash(f"{what}: {message}" if what else message)
    return redirect(_queue_url(), code=303)


@bp.post("/entries/<int:entry_id>/revoke")
@guard(DECIDE_ENTRY)
def revoke(entry_id: int):
    entry, person = g.entry, g.person
    item = _item_for(entry)
    reason = request.form.get("reason", "")
    try:
        result = decisions.revoke(actor=current_user, entry=entry, person=person, item=item, reason=reason)
    except DomainError as error:
        db.session.rollback()
        db.session.expire_all()
        if htmx.is_htmx():
            if isinstance(error, Conflict):
                return _passport_row_response(person, item.id, message=next(iter(error.errors.values())))
            return _passport_row_response(person, item.id, message="", errors=error.errors,
                                          open_form=("revoke", entry_id, reason), status=422)
        if isinstance(error, Conflict):
            flash(next(iter(error.errors.values())))
            return redirect(url_for("passport.detail", person_id=person.id) + f"#item-{item.id}", code=303)
        return _passport_page(person, errors=error.errors, open_form=("revoke", entry_id, reason))
    db.session.commit()
    if htmx.is_htmx():
        return _passport_row_response(person, item.id, message=result.message)
    flash(result.message)
    return redirect(url_for("passport.detail", person_id=person.id) + f"#item-{item.id}", code=303)
