"""The questionnaire's editor (admins, PRODUCT.md §6.4): the questions in order with their answers and what
each recommends; add a question, edit it, move it, archive it (or remove one nobody answered), restore it;
and whether people who have never answered are asked at sign-in.

Moving, archiving and the setting are done in place with htmx (the list of questions, or the setting, swapped)
and as plain forms without JavaScript; adding and editing are pages of their own. A refusal comes back 422 with
its messages in place and the input kept."""
from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from skillpass import htmx
from skillpass.access import ADMIN, guard
from skillpass.extensions import db
from skillpass.forms import form_problems
from skillpass.models import Question, QuestionKind
from skillpass.questionnaire.forms import AskForm, MoveForm, QuestionEditForm, QuestionForm, RemoveForm
from skillpass.questionnaire.views import bp
from skillpass.services import submissions
from skillpass.services.errors import DomainError, ValidationFailed
from skillpass.services.questionnaire import questions as service

EMPTY_QUESTION = {"text": "", "hint": "", "kind": "yes_no", "options": ""}


def editor_url(anchor: str = "") -> str:
    return url_for("questionnaire.editor") + (f"#{anchor}" if anchor else "")


def _page(status: int = 200, *, values: dict | None = None, errors: dict | None = None):
    return render_template("questionnaire/editor.html", editor=service.editor(), kinds=list(QuestionKind),
                           values=values or EMPTY_QUESTION, errors=errors or {}, focus=""), status


def _questions(*, announce: str, focus: str):
    """The list of questions for htmx, with the news out of band."""
    response = make_response(render_template("questionnaire/_questions.html", editor=service.editor(), focus=focus))
    return htmx.add_vary(htmx.announce(response, announce))


@bp.route("/admin/questionnaire", methods=["GET", "POST"])
@guard(ADMIN)
def editor():
    """The questions; a POST adds one, then its page opens to choose what each answer recommends."""
    if request.method != "POST":
        return _page()
    values = QuestionForm().values
    try:
        submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint)
        question = service.add_question(actor=current_user, **values)
    except DomainError as error:
        return _page(422, values=values, errors=error.errors)
    flash(f"Question added: {question.text} Now choose the passports each answer recommends.")
    return redirect(url_for("questionnaire.question_edit", question_id=question.id), code=303)


@bp.route("/admin/questionnaire/questions/<int:question_id>/edit", methods=["GET", "POST"])
@guard(ADMIN)
def question_edit(question_id: int):
    question = db.get_or_404(Question, question_id)
    errors: dict[str, str] = {}
    values = {"text": question.text, "hint": question.hint, "new_options": ""}
    labels, retire, recommends = {}, set(), None
    if request.method == "POST":
        form = QuestionEditForm()
        values = form.values
        labels, retire, recommends = form.option_values()
        for option_id in form.listed():
            recommends.setdefault(option_id, set())
        try:
            if refusal := form_problems(form):      # only drawn again (skillpass/unsaved.py): nothing is saved
                raise ValidationFailed(refusal)
            changes = service.update_question(actor=current_user, question=question, text=values["text"],
                                              hint=values["hint"], labels=labels, retire=retire,
                                              new_options=values["new_options"], recommends=recommends)
        except DomainError as error:
            errors = error.errors
        else:
            flash(f"Saved: {'; '.join(changes)}." if changes else "Nothing changed.")
            return redirect(editor_url(f"question-{question.id}"), code=303)
    view = service.question_view(question)
    return render_template("questionnaire/question_edit.html", view=view, values=values, errors=errors,
                           labels=labels, retire=retire, recommends=recommends,
                           passports=service.published_passports()), (422 if errors else 200)


@bp.post("/admin/questionnaire/questions/<int:question_id>/move")
@guard(ADMIN)
def question_move(question_id: int):
    question = db.get_or_404(Question, question_id)
    direction = MoveForm().direction.data
    moved = service.move_question(actor=current_user, question=question, direction=direction)
    message = f"Question moved {direction}." if moved else "The question is already at that end."
    if htmx.is_htmx():
        return _questions(announce=message, focus=f"question-{question.id}-move-{direction}")
    flash(message)
    return redirect(editor_url(f"question-{question.id}"), code=303)


@bp.post("/admin/questionnaire/questions/<int:question_id>/remove")
@guard(ADMIN)
def question_remove(question_id: int):
    """action=remove: archive it (someone answered it) or remove it (nobody did); action=restore."""
    question = db.get_or_404(Question, question_id)
    action, text = RemoveForm().action.data, question.text
    if action == "remove":
        outcome = service.remove_question(actor=current_user, question=question)
        message = (f"Archived: {text} Nobody is asked it now; people's answers and what they led to are kept."
                   if outcome == "archived" else f"Removed: {text} Nobody had answered it.")
        focus = f"question-{question.id}-title" if outcome == "archived" else "questions-title"
    elif action == "restore":
        service.restore_question(actor=current_user, question=question)
        message, focus = f"Restored: {text} People are asked it again.", f"question-{question.id}-title"
    else:
        return redirect(editor_url(), code=303)
    if htmx.is_htmx():
        return _questions(announce=message, focus=focus)
    flash(message)
    return redirect(editor_url(focus), code=303)


@bp.post("/admin/questionnaire/ask")
@guard(ADMIN)
def ask_setting():
    """Whether people who have never answered are asked when they sign in."""
    ask = AskForm().ask.data
    changed = service.set_ask_at_sign_in(actor=current_user, ask=ask)
    message = (("People who have never answered are now asked when they sign in." if ask
                else "People are no longer asked when they sign in.") if changed else "Nothing changed.")
    if htmx.is_htmx():
        response = make_response(render_template("questionnaire/_ask.html", ask=ask, saved=True))
        return htmx.add_vary(htmx.announce(response, message))
    flash(message)
    return redirect(editor_url("ask"), code=303)
