"""The organisation's signing key, for admins (/admin/signing-key): the key in use, the retired ones (still
published, still verifying what they signed), what rotating does and when, and rotating it — asked first, with
or without JavaScript, audited by the service (keys.rotate)."""
from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from skillpass import htmx
from skillpass.access import ADMIN, guard
from skillpass.credentials.views import bp
from skillpass.forms import PostedForm
from skillpass.services.credentials import issuing, keys
from skillpass.services.errors import Conflict

ROTATED = "The signing key has been rotated: new records are signed with the new key; the old one stays published."


def _section(*, status: int = 200, announce: str = "", focus: bool = False, refusal: str = ""):
    """The key section: alone for htmx, in its page otherwise."""
    keys.active_key(current_user)      # made on first use, here too: the page always shows the key in use
    every = keys.all_keys()
    names = keys.made_and_retired_by(every)
    context = dict(current=next((k for k in every if k.active), None), retired=[k for k in every if not k.active],
                   names=names, jwks_url=issuing.link("credentials.jwks"), focus=focus or bool(refusal),
                   refusal=refusal)
    if htmx.is_request():
        response = make_response(render_template("credentials/_signing_key.html", **context), status)
        return htmx.announce(response, announce)
    return render_template("credentials/signing_key.html", **context), status


@bp.get("/admin/signing-key")
@guard(ADMIN)
def signing_key():
    return _section()


@bp.route("/admin/signing-key/rotate", methods=["GET", "POST"])
@guard(ADMIN)
def rotate_key():
    """Asks first (GET: the question, alone for htmx); the POST retires the key in use and makes a new one."""
    if request.method == "POST":
        form = PostedForm()
        if not form.validate():   # a page open too long: nothing done, said where the button was
            return _section(status=422, refusal=form.form_errors[0] if form.form_errors else "Try again.")
        try:
            keys.rotate(current_user)
        except Conflict as error:   # two admins rotating at once: the other's new key already signs
            return _section(status=409, refusal=str(error))
        if not htmx.is_request():
            flash(ROTATED)
            return redirect(url_for("credentials.signing_key"), code=303)
        return _section(announce=ROTATED, focus=True)
    if htmx.is_request():
        return render_template("credentials/_rotate_question.html", inline=True)
    return render_template("credentials/rotate.html", inline=False)
