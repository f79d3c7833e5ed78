"""Choosing a password from an email's one-time link (an invitation, a password reset), and asking for a
reset link ("Forgotten your password?"). Public pages: the link, not a session, says who is choosing."""
from __future__ import annotations

from dataclasses import replace

from flask import current_app, flash, redirect, render_template, request, url_for

from skillpass.access import PUBLIC, guard
from skillpass.auth.forms import ChoosePasswordForm, ForgottenPasswordForm
from skillpass.auth import sso
from skillpass.auth.views import bp, first_asked, start_session
from skillpass.inputs import has_control
from skillpass.models import LinkPurpose
from skillpass.services import directory, invitations, links, passwords, throttle
from skillpass.services.settings import get_settings

SENT = ("If an account uses that address, we have sent a link to it to choose a new password. The link works "
        "for {minutes} minutes. If nothing arrives in a few minutes, check your junk mail, or ask your "
        "SkillPass administrator.")
THROTTLED = "Too many requests for a reset link. Wait {minutes} minutes, then try again."
# What went wrong with a link, and its page's status.
PROBLEMS = {
    "unknown": 404,
    "used": 410,
    "replaced": 410,
    "expired": 410,
    "inactive": 410,
    "sso": 410,
}


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/forgotten-password", methods=["GET", "POST"])
@guard(PUBLIC)
def forgotten_password():
    form = ForgottenPasswordForm()
    minutes = current_app.config["RESET_LINK_MINUTES"]
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        # Throttled like sign-in, on keys of its own: asking for links never locks anyone out of signing in.
        ip = "reset:" + (request.remote_addr or "unknown")
        if throttle.blocked("reset:" + email, ip):
            current_app.logger.warning("password reset requests throttled from %s", ip)
            return render_template("auth/forgotten_password.html", form=form, sent=False,
                                   throttled=THROTTLED.format(minutes=current_app.config["SIGN_IN_WINDOW_MINUTES"])), 429
        throttle.record_failure("reset:" + email, ip)     # every request counts towards the pause
        person = None if has_control(email) else directory.person_by_email(email)
        if person is not None and sso.password_refused(person):
            person = None       # signs in with the organisation's account only: no password to reset
        invitations.send_reset(person=person)
        # The same answer whether or not the address is someone's.
        return render_template("auth/forgotten_password.html", form=form, sent=SENT.format(minutes=minutes),
                               throttled=None)
    status = 422 if form.errors else 200
    return render_template("auth/forgotten_password.html", form=form, sent=False, throttled=None), status


def _choose(token: str, purpose: LinkPurpose):
    checked = links.check(token, purpose)
    invitation = purpose is LinkPurpose.INVITATION
    if not checked.problem and not invitation and sso.password_refused(checked.person):
        checked = replace(checked, problem="sso")      # signs in with the organisation's account only
    if checked.problem:
        return _no_store(current_app.make_response((
            render_template("auth/link_problem.html", problem=checked.problem, invitation=invitation),
            PROBLEMS[checked.problem])))
    person = checked.person
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        weak = passwords.problem(form.new_password.data, user_inputs=[person.email], person_name=person.name,
                                 organisation=get_settings().organisation_name)
        if weak:
            form.new_password.errors.append(weak)
        elif not invitations.finish(checked=checked, password=form.new_password.data):
            return _no_store(current_app.make_response((
                render_template("auth/link_problem.html", problem="used", invitation=invitation), 410)))
        else:
            # Signed in as the link's person, exactly as at sign-in (a new CSRF token with it).
            start_session(person)
            flash("Welcome to SkillPass: your password is set." if invitation
                  else "Your password has been changed. You are signed out everywhere else.")
            return redirect(first_asked(person, url_for("core.index")), code=303)
    status = 422 if form.errors else 200
    return _no_store(current_app.make_response((
        render_template("auth/choose_password.html", form=form, person=person, invitation=invitation,
                        action=request.path), status)))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@guard(PUBLIC)
def accept_invitation(token: str):
    return _choose(token, LinkPurpose.INVITATION)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@guard(PUBLIC)
def reset_password(token: str):
    return _choose(token, LinkPurpose.PASSWORD_RESET)
