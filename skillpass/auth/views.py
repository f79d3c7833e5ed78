"""Sign in and out with email and password."""
from __future__ import annotations

import time
from functools import cache
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from skillpass import unsaved
from skillpass.access import PUBLIC, SIGNED_IN, guard
from skillpass.auth.forms import ChangePasswordForm, SignInForm
from skillpass.extensions import db
from skillpass.inputs import has_control
from skillpass.labels import Action
from skillpass.services import audit, directory, passwords, throttle
from skillpass.services.questionnaire import answers as questionnaire_answers
from skillpass.services.settings import get_settings

bp = Blueprint("auth", __name__)

GENERIC_FAILURE = "The email address or password is not right. Check them and try again."
THROTTLED = "Too many wrong tries. Wait {minutes} minutes, then try again, or ask an admin to reset your password."


def _dummy_hash() -> str:
    """A real hash, checked when no account matches, so a wrong email costs as long as a wrong password."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return _dummy_hash_for(method)


@cache
def _dummy_hash_for(method: str) -> str:
    return generate_password_hash("not-a-real-password", method=method)


def safe_next(target: str | None) -> str | None:
    """Only a local path may be a redirect target: no scheme, no host, no '//' or '\\'."""
    if not target:
        return None
    target = target.strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in target):  # line breaks, tabs: never a header
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def start_session(person) -> None:
    """What every sign-in does, with a password or single sign-on (auth/sso.py)."""
    if not person.session_token:
        person.new_session_token()
    # A new sign-in gets a new CSRF token: one seen before signing in (on a shared computer, or
    # planted) is worth nothing after it.
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)
    login_user(person)
    session["signed_in_at"] = session["seen"] = int(time.time())


def first_asked(person, target: str) -> str:
    """Where a sign-in lands: *target*; or, while the organisation asks people who have never answered the
    questionnaire (PRODUCT.md §6.4), the questionnaire first, which leads on to *target* ("Skip for now"
    included: they are asked again at their next sign-in until they answer)."""
    if get_settings().ask_questionnaire and questionnaire_answers.never_answered(person):
        return url_for("questionnaire.index", next=target)
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
@guard(PUBLIC)
def sign_in():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("core.index"))
    form = SignInForm()
    failed = False
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        ip = request.remote_addr or "unknown"
        if throttle.blocked(email, ip):
            current_app.logger.warning("sign-in throttled for an email from %s", ip)
            message = THROTTLED.format(minutes=current_app.config["SIGN_IN_WINDOW_MINUTES"])
            return render_template("auth/sign_in.html", form=form, failed=True, generic=message,
                                   unsaved=unsaved.note()), 429
        # An address with a control character belongs to nobody (and PostgreSQL refuses NUL in a query).
        person = None if has_control(email) else directory.person_by_email(email)
        if person is not None and person.password_hash:
            password_ok = person.check_password(form.password.data)
        else:  # no account, or one without a password: the same work, the same answer
            password_ok = check_password_hash(_dummy_hash(), form.password.data) and False
        if person is not None and password_ok and person.active and sso.password_refused(person):
            # The password was right, so this tells nothing about which accounts exist.
            return render_template("auth/sign_in.html", form=form, failed=True, generic=sso.password_off_message(),
                                   unsaved=unsaved.note()), 422
        if person is not None and password_ok and person.active:
            start_session(person)
            throttle.clear(email)
            audit.log(actor=person, action=Action.AUTH_SIGNED_IN, subject=person, person_id=person.id,
                      summary=f"{person.name} signed in")
            # Back to a form they were typing when the idle sign-out came, drawn again with what they typed.
            back = safe_next(unsaved.after_sign_in(person.id))
            return redirect(back or first_asked(person, safe_next(request.args.get("next")) or url_for("core.index")),
                            code=303)
        failed = True
        throttle.record_failure(email, ip)
        # Kept although the answer is a refusal: the failure is what the throttle counts.
        db.session.commit()
    status = 422 if (failed or form.errors) else 200
    return render_template("auth/sign_in.html", form=form, failed=failed, generic=GENERIC_FAILURE,
                           unsaved=unsaved.note()), status


@bp.post("/sign-out")
@guard(SIGNED_IN)
def sign_out():
    # A new token ends every session of this person, a copied cookie included.
    current_user.new_session_token()
    logout_user()
    id_token = session.pop(sso.ID_TOKEN_KEY, None)
    for key in ("signed_in_at", "seen", "csrf_token"):
        session.pop(key, None)
    flash("You have signed out.")
    # Signed in with single sign-on: the provider's session ends too, where it offers that.
    return redirect(sso.end_session_url(id_token) or url_for("auth.sign_in"), code=303)


@bp.route("/account/password", methods=["GET", "POST"])
@guard(SIGNED_IN)
def change_password():
    form = ChangePasswordForm()
    forced = current_user.must_change_password     # straight after signing in with a temporary password
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append("Your current password is not right")
        elif form.new_password.data == form.current_password.data:
            form.new_password.errors.append("Choose a password different from the current one")
        elif weak := passwords.problem(form.new_password.data, user_inputs=[current_user.email],
                                       person_name=current_user.name,
                                       organisation=get_settings().organisation_name):
            form.new_password.errors.append(weak)
        else:
            current_user.set_password(form.new_password.data)
            current_user.must_change_password = False
            current_user.new_session_token()  # other sessions end; this one carries on
            login_user(current_user._get_current_object())
            audit.log(actor=current_user, action=Action.PERSON_PASSWORD_CHANGED, subject=current_user,
                      person_id=current_user.id, summary=f"{current_user.name} changed their password")
            flash("Your password has been changed.")
            home = url_for("core.index")
            return redirect(first_asked(current_user, home) if forced else home, code=303)
    status = 422 if form.errors else 200
    return render_template("auth/change_password.html", form=form), status


# Single sign-on's routes join this blueprint (imported last: it uses start_session and safe_next above).
from skillpass.auth import sso  # noqa: E402
