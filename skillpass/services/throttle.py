"""Sign-in throttling: a few wrong tries per email, more per address, then a pause.

Counted in the database so every gunicorn worker sees the same numbers. The
limit applies to whatever email is typed, existing or not, so the pause itself
says nothing about which accounts exist. Real time is used (not the demo's
fixed "today").
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from flask import current_app
from sqlalchemy import delete, func, select

from skillpass.extensions import db
from skillpass.models import SignInFailure


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config["SIGN_IN_WINDOW_MINUTES"])


def email_key(email: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def blocked(email: str, ip: str) -> bool:
    since = _now() - _window()
    by_email = db.session.scalar(select(func.count(SignInFailure.id)).where(
        SignInFailure.email_key == email_key(email), SignInFailure.at > since))
    if by_email >= current_app.config["SIGN_IN_EMAIL_LIMIT"]:
        return True
    by_ip = db.session.scalar(select(func.count(SignInFailure.id)).where(
        SignInFailure.ip == ip, SignInFailure.at > since))
    return by_ip >= current_app.config["SIGN_IN_IP_LIMIT"]


def record_failure(email: str, ip: str) -> None:
    now = _now()
    db.session.add(SignInFailure(email_key=email_key(email), ip=ip[:64], at=now))
    # Nothing is kept longer than it is needed.
    db.session.execute(delete(SignInFailure).where(SignInFailure.at < now - dt.timedelta(days=1)))


def clear(email: str) -> None:
    db.session.execute(delete(SignInFailure).where(SignInFailure.email_key == email_key(email)))
