"""Answering the questionnaire (PRODUCT.md §6.4): one's own at /questionnaire (any time, and after signing in
while the organisation asks people who have never answered: auth/views.py sends them here, and "Skip for now"
lets them through), and an admin's for someone at /people/<id>/questionnaire. Saving is Save on one page of
radios; with htmx the answers and what each led to are swapped in place.

The admin's editor is editor.py; the approval queue is queue.py."""
from __future__ import annotations

from flask import Blueprint, flash, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from skillpass import htmx
from skillpass.access import ANSWER_FOR_PERSON, SIGNED_IN, guard
from skillpass.auth.views import safe_next
from skillpass.clock import today
from skillpass.questionnaire.forms import AnswersForm
from skillpass.services import submissions
from skillpass.services.errors import DomainError
from skillpass.services.questionnaire import answers

bp = Blueprint("questionnaire", __name__)


def _render(person, *, own: bool, back: str | None, chosen: dict | None = None, errors: dict | None = None,
            status: int = 200, announce: str = ""):
    form = answers.form_for(person)
    if chosen is None:
        chosen = {row.question.id: row.chosen.id if row.chosen else None for row in form.rows}
    # The error summary links to each question's first answer.
    first_ids = {answers.field_name(row.question.id): f"{answers.field_name(row.question.id)}-{row.options[0].id}"
                 for row in form.rows if row.options}
    context = dict(form=form, person=person, own=own, back=back, chosen=chosen, errors=errors or {},
                   field_name=answers.field_name, first_ids=first_ids,
                   action=url_for("questionnaire.index", next=back) if own
                   else url_for("questionnaire.person", person_id=person.id))
    if htmx.is_htmx():
        response = make_response(render_template("questionnaire/_answers.html", **context), status)
        return htmx.add_vary(htmx.announce(response, announce))
    return render_template("questionnaire/index.html" if own else "questionnaire/person.html", **context), status


def _answer(person, *, own: bool):
    form = AnswersForm()
    back = safe_next(form.next.data or request.args.get("next"))
    if request.method != "POST":
        return _render(person, own=own, back=back)
    chosen = form.chosen()
    try:
        submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint)
        saved = answers.save_answers(actor=current_user, person=person, chosen=chosen, today=today())
    except DomainError as error:
        return _render(person, own=own, back=back, chosen=chosen, errors=error.errors, status=422)
    message = saved.message if own else f"{person.name}: {saved.message}"
    if htmx.is_htmx():
        return _render(person, own=own, back=back, announce=message)
    flash(message)
    if own:
        return redirect(url_for("questionnaire.index", next=back), code=303)
    return redirect(url_for("questionnaire.person", person_id=person.id), code=303)


@bp.route("/questionnaire", methods=["GET", "POST"])
@guard(SIGNED_IN)
def index():
    """One's own answers: every question asked now, what each answer led to, and earlier answers."""
    return _answer(current_user._get_current_object(), own=True)


@bp.route("/people/<int:person_id>/questionnaire", methods=["GET", "POST"])
@guard(ANSWER_FOR_PERSON)
def person(person_id: int):
    """An admin answers for someone: the answers are theirs, given by the admin; what they recommend still
    waits for an educator's or an admin's approval."""
    if g.person.id == current_user.id:
        return redirect(url_for("questionnaire.index"))
    return _answer(g.person, own=False)


# The editor and the approval queue join this blueprint.
from skillpass.questionnaire import editor, queue  # noqa: E402,F401
