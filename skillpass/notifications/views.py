"""Which email a person receives (PRODUCT.md §6.7): the account page of choices, and the unsubscribe address
every digest carries. The address is the proof (no sign-in, no CSRF token: a mail program's one-click POST,
RFC 8058, carries neither); a GET only shows the question, because mail scanners follow links."""
from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectMultipleField

from skillpass import htmx, transaction
from skillpass.access import PUBLIC, SIGNED_IN, guard
from skillpass.extensions import csrf
from skillpass.forms import PostedForm
from skillpass.services import notifications

bp = Blueprint("notifications", __name__)

SAVED = "Your email choices have been saved."


class ChoicesForm(PostedForm):
    choice = SelectMultipleField(validate_choice=False)


def _section(*, status: int = 200, announce: str = "", focus: bool = False, refusal: str = ""):
    """The choices: alone for htmx, in their page otherwise."""
    context = dict(choices=notifications.choices(current_user), focus=focus or bool(refusal), refusal=refusal,
                   saved=announce)
    if htmx.is_request():
        response = make_response(render_template("notifications/_choices.html", **context), status)
        return htmx.announce(response, announce)
    return render_template("notifications/account.html", **context), status


@bp.route("/account/email", methods=["GET", "POST"])
@guard(SIGNED_IN)
def account():
    """The person's email choices; a POST keeps the boxes ticked (any other of theirs turned off)."""
    if request.method == "POST":
        form = ChoicesForm()
        if not form.validate():   # a page open too long: nothing saved, said above the boxes
            return _section(status=422, refusal=form.form_errors[0] if form.form_errors else "Try again.")
        notifications.save_choices(current_user, [str(v) for v in form.choice.data or []])
        if not htmx.is_request():
            flash(SAVED)
            return redirect(url_for("notifications.account"), code=303)
        return _section(announce=SAVED, focus=True)
    return _section()


@bp.route("/unsubscribe/<kind>/<unsubscribe_token>", methods=["GET", "POST"])
@guard(PUBLIC)
@csrf.exempt
def unsubscribe(kind: str, unsubscribe_token: str):
    """GET: what the link turns off, and a button; POST (the button, or a mail program's one-click): off."""
    found = notifications.by_token(kind, unsubscribe_token)
    if found is None:
        abort(404)
    person, choice = found
    name = notifications.DIGEST_NAMES[choice]
    if request.method == "POST":
        if not notifications.unsubscribe(person, choice):
            transaction.discard()
        return render_template("notifications/unsubscribed.html", name=name)
    return render_template("notifications/unsubscribe.html", name=name, kind=kind, token=unsubscribe_token)
