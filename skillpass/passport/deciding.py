"""The decisions made on a passport's rows: a learner withdraws their own claim (after saying yes to a
question that names it), an educator approves (and may undo that for a moment), rejects with a reason
(picked from the organisation's common reasons, or typed), or revokes with a reason.

Registered on the passport's blueprint (passport/views.py imports this module)."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user

from skillpass import htmx, transaction
from skillpass.access import DECIDE_ENTRY, OWN_ENTRY, guard
from skillpass.extensions import db
from skillpass.forms import DecisionForm, RevokeForm, WithdrawForm
from skillpass.inputs import to_id
from skillpass.models import EntryStatus
from skillpass.passport.views import _page, _passport, _row_or_404, _row_response, bp
from skillpass.rules import format_date
from skillpass.services import decisions
from skillpass.services import entries as entry_service
from skillpass.services.errors import Conflict, DomainError, ValidationFailed
from skillpass.services.settings import get_settings

# Without JavaScript, the approval just made is offered for undoing on the next page (and only there).
UNDO_KEY = "undo_approval"


def offer_undo(entry_id: int) -> None:
    session[UNDO_KEY] = entry_id


def take_undo_offer() -> int | None:
    """The entry whose approval the next page offers to undo (once), if any."""
    if UNDO_KEY not in session:        # a pop of nothing would still rewrite the session cookie
        return None
    return to_id(str(session.pop(UNDO_KEY)))


@bp.route("/entries/<int:entry_id>/withdraw", methods=["GET", "POST"])
@guard(OWN_ENTRY)
def withdraw(entry_id: int):
    """Withdraw one's own claim awaiting a decision. A GET asks first, naming the item (a page, or the row
    itself with htmx); the POST of "Yes, withdraw" does it."""
    entry = g.entry
    person = current_user._get_current_object()
    shown = (WithdrawForm().row.data if _is_post() else to_id(request.args.get("row", ""))) or entry.item_id
    if not _is_post():
        if entry.status is not EntryStatus.AWAITING:
            message = "This entry is no longer awaiting sign-off: there is nothing to withdraw."
            if htmx.is_htmx():
                return _row_response(person, shown, message=message, changed=False)
            flash(message)
            return redirect(url_for("passport.index") + f"#item-{shown}", code=303)
        row = _row_or_404(_passport(person), shown)
        context = dict(row=row, item=row.item, entry=entry, shown=shown, evidence=entry.evidence_id is not None)
        if htmx.is_htmx():
            return render_template("passport/_withdraw_confirm_row.html", **context)
        return render_template("passport/withdraw.html", **context)
    try:
        entry_service.withdraw_entry(actor=person, entry=entry)
    except DomainError as error:
        transaction.discard()
        message = next(iter(error.errors.values()))
    else:
        message = f"Entry of {format_date(entry.completed_on)} withdrawn."
    if not htmx.is_htmx():
        flash(message)
        return redirect(url_for("passport.index") + f"#item-{shown}", code=303)
    return _row_response(person, shown, message=message)


def _is_post() -> bool:
    return request.method == "POST"


# ---------------------------------------------------------------- an educator's decisions on a row

@bp.post("/people/<int:person_id>/passport/entries/<int:entry_id>/decision")
@guard(DECIDE_ENTRY)
def decide(person_id: int, entry_id: int):
    """Approve (or sign off) or reject, with a reason, an entry awaiting a decision on this passport."""
    entry, person = g.entry, g.person
    item = decisions.item_of(entry)
    form = DecisionForm()
    choice, picked, typed = form.decision.data, form.reason_choice.data or "", form.reason.data or ""
    reason = decisions.pick_reason(picked, typed, get_settings().reject_reasons)
    shown = form.row.data or item.id       # the row it was sent from
    try:
        if choice not in ("approve", "reject"):
            raise ValidationFailed("Choose Approve or Reject.", field="__all__")
        result = decisions.decide(actor=current_user, entry=entry, person=person, item=item,
                                  approve=choice == "approve", reason=reason)
    except DomainError as error:
        return _decision_refused(error, person, shown, open_form=("reject", entry_id, typed, picked))
    return _decided(person, shown, result.message, undo=entry.id if choice == "approve" else None)


@bp.post("/people/<int:person_id>/passport/entries/<int:entry_id>/undo")
@guard(DECIDE_ENTRY)
def undo(person_id: int, entry_id: int):
    """Take back one's own approval of a moment ago: the entry awaits a decision again."""
    entry, person = g.entry, g.person
    item = decisions.item_of(entry)
    shown = RevokeForm().row.data or item.id
    try:
        result = decisions.undo_approval(actor=current_user, entry=entry, person=person, item=item)
    except DomainError as error:
        transaction.discard()
        return _decided(person, shown, next(iter(error.errors.values())))
    return _decided(person, shown, result.message)


@bp.post("/people/<int:person_id>/passport/entries/<int:entry_id>/revoke")
@guard(DECIDE_ENTRY)
def revoke(person_id: int, entry_id: int):
    """Take back an accepted entry on this passport, with a reason the learner sees."""
    entry, person = g.entry, g.person
    item = decisions.item_of(entry)
    form = RevokeForm()
    reason, shown = form.reason.data or "", form.row.data or item.id
    try:
        result = decisions.revoke(actor=current_user, entry=entry, person=person, item=item, reason=reason)
    except DomainError as error:
        return _decision_refused(error, person, shown, open_form=("revoke", entry_id, reason, ""))
    return _decided(person, shown, result.message)


def _decided(person, item_id: int, message: str, *, undo: int | None = None):
    """The row the decision was sent from (*item_id*), as it now stands; after an approval, with its Undo."""
    if htmx.is_htmx():
        return _row_response(person, item_id, message=message, queue_changed=True, undo_entry_id=undo)
    flash(message)
    if undo is not None:
        offer_undo(undo)
    return redirect(url_for("passport.detail", person_id=person.id) + f"#item-{item_id}", code=303)


def _decision_refused(error: DomainError, person, item_id: int, *, open_form: tuple):
    """Decided by someone else a moment ago: the row as it now stands, with the news. Otherwise the
    refused form open again with its message and input: the row (htmx) or the whole page, 422.
    Either way the entry is read again as it now stands, not as this request left it."""
    db.session.rollback()
    db.session.expire_all()
    if isinstance(error, Conflict):
        return _decided(person, item_id, next(iter(error.errors.values())))
    if htmx.is_htmx():
        return _row_response(person, item_id, status=422, decision_errors=error.errors, open_form=open_form)
    return _page(person, status=422, decision_errors=error.errors, open_form=open_form)
