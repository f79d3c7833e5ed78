"""The questionnaire's recommendations waiting for approval (beside the sign-off queue): educators see those of
the people of the teams they support, admins everyone's; nobody their own. Approve or decline each, with an
optional note: in place with htmx (the row says what was done), or as a plain form and a redirect."""
from __future__ import annotations

from flask import abort, flash, g, make_response, redirect, render_template, url_for
from flask_login import current_user

from skillpass import htmx, transaction
from skillpass.access import DECIDE_RECOMMENDATION, STAFF, guard
from skillpass.clock import today
from skillpass.questionnaire.forms import DecisionForm
from skillpass.questionnaire.views import bp
from skillpass.services.errors import Conflict, DomainError, ValidationFailed
from skillpass.services.questionnaire import recommendations

#: Sent by every decision: the count beside the page's heading (and the header's, where the lead shows one).
CHANGED = "recommendationsChanged"


def _context(**extra) -> dict:
    rows = recommendations.waiting_for(current_user)
    return dict(rows=rows, total=len(rows), **extra)


@bp.get("/recommendations")
@guard(STAFF)
def recommendations_queue():
    if htmx.is_htmx():
        return render_template("questionnaire/_recommendations.html", **_context())
    return render_template("questionnaire/recommendations.html", **_context())


@bp.get("/recommendations/count")
@guard(STAFF)
def recommendations_count():
    """The number waiting, for a count beside a link (it fetches itself again after each decision)."""
    if not htmx.is_htmx():
        return redirect(url_for("questionnaire.recommendations_queue"))
    return render_template("questionnaire/_count.html", total=recommendations.waiting_count(current_user))


@bp.post("/recommendations/<int:recommendation_id>/decision")
@guard(DECIDE_RECOMMENDATION)
def decide(recommendation_id: int):
    form = DecisionForm()
    choice, note = form.decision.data, form.note.data or ""
    try:
        if not form.validate() or choice not in ("approve", "decline"):
            raise ValidationFailed(form.form_errors[0] if form.form_errors else "Choose Approve or Decline.",
                                   field="__all__")
        decided = recommendations.decide(actor=current_user, recommendation=g.recommendation,
                                         approve=choice == "approve", note=note, today=today())
    except DomainError as error:
        # Nothing of this request is kept, and the recommendation is read again as it now stands (decided by
        # someone else a moment ago?), not as this request left it.
        transaction.discard()
        return _refused(error, recommendation_id, note)
    if htmx.is_htmx():
        response = make_response(render_template("questionnaire/_done_row.html", row=decided.row,
                                                 message=decided.message, approved=decided.approved))
        htmx.announce(response, decided.message)
        return htmx.add_vary(htmx.trigger(response, CHANGED))
    flash(decided.message)
    return redirect(url_for("questionnaire.recommendations_queue"), code=303)


def _refused(error: DomainError, recommendation_id: int, note: str):
    message = next(iter(error.errors.values()))
    row = recommendations.row(recommendation_id)
    if row is None:
        abort(404)
    if isinstance(error, Conflict):
        # Decided elsewhere, or its answer changed: the row says so and leaves the queue.
        if htmx.is_htmx():
            response = make_response(render_template("questionnaire/_done_row.html", row=row, message=message,
                                                     approved=None))
            htmx.announce(response, f"{row.person.name}: {row.template.name}. {message}")
            return htmx.add_vary(htmx.trigger(response, CHANGED))
        flash(message)
        return redirect(url_for("questionnaire.recommendations_queue"), code=303)
    # The note's message beside the note; any other (the passport is held already, or no longer published) above.
    errors = {key if key == "note" else "__all__": words for key, words in error.errors.items()}
    state = {"errors": {recommendation_id: errors}, "notes": {recommendation_id: note}}
    if htmx.is_htmx():
        return render_template("questionnaire/_recommendation_row.html", row=row, **state), 422
    return render_template("questionnaire/recommendations.html", **_context(**state)), 422
