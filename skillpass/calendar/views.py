"""The calendar feed (PRODUCT.md §6.7): the feed at its secret address, and the account page that shows the
address, how to subscribe, and resets it."""
from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from skillpass import htmx
from skillpass.access import PUBLIC, SIGNED_IN, guard
from skillpass.clock import now, today
from skillpass.forms import PostedForm
from skillpass.services import calendar_feed
from skillpass.services.settings import get_settings

bp = Blueprint("calendar", __name__)

RESET_DONE = "Your calendar address has been reset. Calendars subscribed to the old address no longer update."


@bp.get("/calendar/<token>.ics")
@guard(PUBLIC)
def feed(token: str):
    """The feed, for whoever holds the address: no sign-in (calendar apps cannot sign in); wrong or reset: 404."""
    person = calendar_feed.person_for(token)
    if person is None:
        abort(404)
    settings = get_settings()
    body = calendar_feed.feed(person, today=today(), warning_days=settings.warning_days, now=now(),
                              host=request.host.split(":")[0], passport_url=url_for("passport.index", _external=True),
                              organisation=settings.organisation_name)
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="skillpass.ics"'
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _address() -> str | None:
    token = calendar_feed.token_of(current_user)
    return url_for("calendar.feed", token=token, _external=True) if token else None


def _section(*, status: int = 200, announce: str = "", focus: bool = False, refusal: str = ""):
    """The Calendar section: alone for htmx, in its page otherwise."""
    context = dict(address=_address(), focus=focus or bool(refusal), refusal=refusal)
    if htmx.is_request():
        response = make_response(render_template("calendar/_address.html", **context), status)
        return htmx.announce(response, announce)
    return render_template("calendar/page.html", **context), status


@bp.route("/account/calendar", methods=["GET", "POST"])
@guard(SIGNED_IN)
def account():
    """The person's calendar address; a POST gives them one if they have none (asking twice changes nothing)."""
    if request.method == "POST":
        form = PostedForm()
        if not form.validate():   # a page open too long: nothing done, said where the button was
            return _section(status=422, refusal=form.form_errors[0] if form.form_errors else "Try again.")
        calendar_feed.make_address(current_user)
        if not htmx.is_request():
            return redirect(url_for("calendar.account"), code=303)
        return _section(announce="Your calendar address is ready to copy.", focus=True)
    return _section()


@bp.route("/account/calendar/reset", methods=["GET", "POST"])
@guard(SIGNED_IN)
def reset():
    """Asks first (GET: the question, alone for htmx); the POST replaces the address: the old one then 404s."""
    if request.method == "POST":
        form = PostedForm()
        if not form.validate():
            return _section(status=422, refusal=form.form_errors[0] if form.form_errors else "Try again.")
        calendar_feed.reset_address(current_user)
        if not htmx.is_request():
            flash(RESET_DONE)
            return redirect(url_for("calendar.account"), code=303)
        return _section(announce=RESET_DONE, focus=True)
    if htmx.is_request():
        return render_template("calendar/_reset_question.html", inline=True)
    return render_template("calendar/reset.html", inline=False)
