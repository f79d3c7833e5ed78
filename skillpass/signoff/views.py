"""The sign-off queue (an educator's home) and the decisions made from it: approve, reject with a reason,
approve several at once. A passport row's own decisions are the passport's (passport/views.py)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from skillpass import access, htmx, transaction
from skillpass.access import DECIDE_ENTRY, STAFF, guard
from skillpass.extensions import db
from skillpass.forms import DecisionForm
from skillpass.signoff.forms import ApproveSelectedForm
from skillpass.inputs import page_number, to_id
from skillpass.passport.deciding import offer_undo, take_undo_offer
from skillpass.models import Item, Person
from skillpass.services import decisions, mail
from skillpass.services.errors import Conflict, DecidedElsewhere, DomainError, ValidationFailed
from skillpass.services.settings import get_settings

bp = Blueprint("signoff", __name__, url_prefix="/sign-off")


def _filters() -> dict:
    # Filters only narrow the queue, which holds nothing but entries this person may decide.
    team_id = to_id(request.values.get("team", ""))
    kind = request.values.get("kind") or None
    if kind == "prior learning":        # the old word, in an address someone kept
        kind = "equivalent training demonstrated"
    if kind not in decisions.KINDS:
        kind = None
    # The page of the queue: a decision or a bulk approval sends it back, so the answer shows the same page.
    return {"team_id": team_id, "kind": kind, "page": page_number(request.values.get("page"))}


def _queue_context(**extra) -> dict:
    filters = _filters()
    total = decisions.awaiting_count(current_user)
    queue = decisions.awaiting_page(current_user, **filters, total=total)
    filters["page"] = queue.page if queue.page > 1 else None    # as shown (a page past the end is the last)
    return dict(rows=queue.rows, queue=queue, page_url=lambda n: _queue_url({**filters, "page": n}),
                teams=access.visible_teams(current_user), filters=filters, kinds=decisions.KINDS,
                queue_kind=decisions.queue_kind, waits_after_rejection=decisions.waits_after_rejection, total=total,
                **extra)


def _queue_url(filters: dict | None = None) -> str:
    filters = filters if filters is not None else _filters()
    args = {"team": filters.get("team_id"), "kind": filters.get("kind"), "page": filters.get("page")}
    return url_for("signoff.index", **{k: v for k, v in args.items() if v and not (k == "page" and v == 1)})


@bp.get("/")
@guard(STAFF)
def index():
    context = _queue_context()
    if htmx.is_htmx():
        # A filter or a refetch: an "Undo" offered a moment ago stays on the page it was offered on.
        return render_template("signoff/_queue.html", **context)
    # Without JavaScript, the approval just made is offered for undoing here, once.
    undo_row = decisions.undoable_row(current_user, take_undo_offer())
    from skillpass.services.questionnaire.recommendations import waiting_count

    return render_template("signoff/index.html", **context, undo_row=undo_row,
                           recommendations_waiting=waiting_count(current_user))


@bp.get("/count")
@guard(STAFF)
def count():
    if not htmx.is_htmx():
        return redirect(url_for("signoff.index"))
    return render_template("signoff/_count.html", queue_total=decisions.awaiting_count(current_user))


@bp.post("/entries/<int:entry_id>/decision")
@guard(DECIDE_ENTRY)
def decide(entry_id: int):
    """Approve or reject one entry of the queue: the answer is the queue's."""
    entry, person = g.entry, g.person
    item = decisions.item_of(entry)
    form = DecisionForm()
    choice, picked, typed = form.decision.data, form.reason_choice.data or "", form.reason.data or ""
    try:
        if choice not in ("approve", "reject"):
            raise ValidationFailed("Choose Approve or Reject.", field="__all__")
        result = decisions.decide(actor=current_user, entry=entry, person=person, item=item,
                                  approve=choice == "approve",
                                  reason=decisions.pick_reason(picked, typed, get_settings().reject_reasons))
    except DomainError as error:
        # Read the entry again as it now stands (decided by someone else a moment ago?), not as this
        # request left it.
        db.session.rollback()
        db.session.expire_all()
        return _refused(error, entry_id, person, item, reason=(typed, picked))

    approved = choice == "approve"
    if htmx.is_htmx():
        # The row leaves the queue (an approval leaves "Approved — Undo" in its place for a moment); the
        # live region says what happened; the words above the table and the count in the menu follow.
        # When nothing is left with these filters, the queue is drawn again.
        context = _queue_context()
        undo_row = (entry, person, item, None) if approved else None
        if not context["rows"]:
            html = render_template("signoff/_queue.html", **context, focus_summary=True, undo_row=undo_row)
            response = htmx.retarget(make_response(html), "#queue", "outerHTML")
        else:
            html = render_template("signoff/_undo_row.html", row=undo_row, queue_kind=decisions.queue_kind) \
                if undo_row else ""
            response = make_response(html + render_template("signoff/_queue_summary.html", **context, oob=True))
        htmx.announce(response, result.message)
        htmx.trigger(response, "queueChanged")
        return response
    flash(result.message)
    if approved:
        offer_undo(entry.id)
    return redirect(_queue_url(), code=303)


@bp.post("/entries/<int:entry_id>/undo")
@guard(DECIDE_ENTRY)
def undo(entry_id: int):
    """Take back one's own approval of a moment ago: the entry is back in the queue, where it was."""
    entry, person = g.entry, g.person
    item = decisions.item_of(entry)
    try:
        result = decisions.undo_approval(actor=current_user, entry=entry, person=person, item=item)
    except DomainError as error:
        transaction.discard()
        message = next(iter(error.errors.values()))
        if not htmx.is_htmx():
            flash(message)
            return redirect(_queue_url(), code=303)
        response = make_response(render_template("signoff/_gone_row.html", entry=entry, person=person, item=item,
                                                 message=message, row_id=f"queue-undo-{entry.id}"))
        return htmx.announce(response, f"{person.name}: {item.title}. {message}")
    if not htmx.is_htmx():
        flash(result.message)
        return redirect(_queue_url(), code=303)
    context = _queue_context()
    row = decisions.queue_row(entry.id)
    response = make_response(
        render_template("signoff/_row.html", row=row, errors={}, reason="", focus_entry=entry.id,
                        queue_kind=decisions.queue_kind, waits_after_rejection=decisions.waits_after_rejection)
        + render_template("signoff/_queue_summary.html", **context, oob=True))
    htmx.announce(response, result.message)
    htmx.trigger(response, "queueChanged")
    return response


def _refused(error: DomainError, entry_id: int, person: Person, item: Item, *, reason: str):
    decided_elsewhere = isinstance(error, Conflict)
    message = next(iter(error.errors.values()))
    if htmx.is_htmx():
        row = decisions.queue_row(entry_id)
        if row is None:
            abort(404)
        if decided_elsewhere:
            response = make_response(render_template(
                "signoff/_gone_row.html", entry=row[0], person=person, item=item, message=message)
                + render_template("signoff/_queue_summary.html", **_queue_context(), oob=True))
            htmx.announce(response, f"{person.name}: {item.title}. {message}")
            htmx.trigger(response, "queueChanged")
            return response
        return render_template("signoff/_row.html", row=row, errors=error.errors, reason=reason,
                               open_reject=True, queue_kind=decisions.queue_kind,
                               waits_after_rejection=decisions.waits_after_rejection), 422
    if decided_elsewhere:
        flash(message)
        return redirect(_queue_url(), code=303)
    context = _queue_context(row_errors={entry_id: error.errors}, row_reasons={entry_id: reason})
    return render_template("signoff/index.html", **context), 422


@bp.post("/approve")
@guard(STAFF)
def approve_selected():
    """Approve several selected entries at once, with a result for each.

    Permission comes before description: an entry this person may not decide, or one that does not
    exist, is counted, never named (its person and item are none of their business)."""
    requested = ApproveSelectedForm().entry.data
    results: list[tuple[str, bool, str]] = []   # (what, ok, message)
    raced = False
    mine = decisions.decidable(current_user, requested)
    undecidable = sum(1 for entry_id in requested if entry_id not in mine)
    approved = 0
    decided = []
    for entry_id in requested:
        if entry_id not in mine:
            continue
        entry, person, item = mine[entry_id]
        what = f"{person.name}: {item.title}"
        try:
            decisions.decide(actor=current_user, entry=entry, person=person, item=item, approve=True, notify=False)
        except DecidedElsewhere:
            # A race: the transaction is spoilt, so nothing of this request is kept (and nobody is told).
            db.session.rollback()
            results = [("", False, "Someone else decided some of these at the same moment, so nothing "
                                   "was approved. The queue below is up to date: select again.")]
            approved = 0
            raced = True
            decided = []
            break
        except DomainError as error:
            results.append((what, False, next(iter(error.errors.values()))))
        else:
            approved += 1
            decided.append((entry, person, item))
            results.append((what, True, "approved"))
    # The learners are told once the batch stands, over one SMTP connection.
    with mail.connection():
        for entry, person, item in decided:
            decisions.notify_decided(entry, person, item)
    if not approved:
        transaction.discard()       # nothing approved: nothing of this request is kept
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
        response = htmx.announce(make_response(render_template(
            "signoff/_queue.html", **_queue_context(results=results, results_summary=summary))), summary)
        if approved or raced:
            htmx.trigger(response, "queueChanged")
        return response
    flash(summary)
    for what, ok, message in results:
        if not ok:
            flash(f"{what}: {message}" if what else message)
    return redirect(_queue_url(), code=303)
