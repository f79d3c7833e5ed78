"""Each form that creates something is taken once.

A form carries a one-time token (``submission``), drawn when the form is drawn. The view
claims it, first of all, in the same transaction as what the form creates: the token is
the primary key of ``form_submission``, so the database itself lets only one transaction
have it. The same form sent twice (a double click, Enter pressed again, a browser retry,
twenty copies at once) finds it taken and changes nothing, with a clear message. A form
refused for its content is rolled back, token and all; it is drawn again with a new token (every form
drawn gets one: a page redrawn after an error may hold several forms, and none may share a token).

An import's confirmation claims its preview's token the same way: the file is taken once.
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
import threading
import time

from flask import g, has_request_context
from markupsafe import Markup
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from skillpass import clock
from skillpass.extensions import db
from skillpass.models import FormSubmission, Person
from skillpass.services.errors import Conflict, ValidationFailed

FIELD = "submission"
KEPT_FOR = dt.timedelta(days=2)     # far longer than a form can stay usable (its CSRF token lasts 12 hours)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{22,64}")
OUT_OF_DATE = ("This form was out of date, so nothing was saved: check what you entered and send it again.")
ALREADY = ("This form was sent twice: what it holds was saved the first time, and nothing was saved again. "
           "Reload the page to see it.")


class AlreadySubmitted(Conflict):
    """The form's token was claimed by an earlier sending of the same form."""


def new_token() -> str:
    return secrets.token_urlsafe(24)


def redisplaying() -> str | None:
    """The message when this request only draws its form again, refusing (a page open too long, or a form
    brought back after signing in again: skillpass/unsaved.py); None for every ordinary request."""
    return g.get("redisplay_message") if has_request_context() else None


def claim(token: str | None, *, actor: Person, endpoint: str, already: str = ALREADY) -> None:
    """Take the form's one-time token in the caller's transaction (before anything else is written).

    ValidationFailed when the form carried none (a page from before a deploy, or not ours); AlreadySubmitted
    when another sending of the same form took it first (the transaction, which held nothing else yet, is
    then rolled back here); ValidationFailed too, with its message, when the form is only drawn again. Either
    way nothing the request writes is kept: its answer is a refusal."""
    if refusal := redisplaying():
        raise ValidationFailed(refusal, field="__all__")
    token = (token or "").strip()
    if not _TOKEN.fullmatch(token):
        raise ValidationFailed(OUT_OF_DATE, field="__all__")
    now = clock.now()
    _forget_old_tokens(now)
    db.session.add(FormSubmission(token=token, person_id=actor.id, endpoint=endpoint[:80], at=now))
    try:
        db.session.flush()
    except IntegrityError as error:
        # The claim comes first in its transaction, so nothing else is lost: the session is made
        # usable again here, and the page that says so can be drawn from it.
        db.session.rollback()
        raise AlreadySubmitted(already, field="__all__") from error


# Tokens no form can still carry are forgotten by a claim at most once an hour in each process, and not in
# its first hour: a page's queries stay the same from one request to the next (they are counted in tests).
FORGET_EVERY = 3600.0   # seconds
_last_forgotten = time.monotonic()
_forget_lock = threading.Lock()


def _forget_old_tokens(now: dt.datetime) -> bool:
    global _last_forgotten
    with _forget_lock:
        if time.monotonic() - _last_forgotten < FORGET_EVERY:
            return False
        _last_forgotten = time.monotonic()
    db.session.execute(delete(FormSubmission).where(FormSubmission.at < now - KEPT_FOR))
    return True


def release(token: str) -> None:
    """Give a claimed token back (an import that stopped part way can be confirmed again)."""
    db.session.execute(delete(FormSubmission).where(FormSubmission.token == token))


def was_claimed(token: str) -> bool:
    """Has a form with this token been taken (an import confirmed) already?"""
    return bool(_TOKEN.fullmatch(token or "")) and db.session.get(FormSubmission, token) is not None


def token_for_form() -> str:
    """A new token for a form being drawn, noted for the kept-page slots below."""
    token = new_token()
    if has_request_context():
        g.setdefault("drawn_submissions", []).append(token)
    return token


def field() -> Markup:
    """The hidden input every creating form includes: ``{{ submission_field() }}``."""
    return Markup(f'<input type="hidden" name="{FIELD}" value="{token_for_form()}">')  # nosec B704 - our own token


# Kept pages (services/kept.py) are served to their viewer many times: the tokens they were drawn
# with stand in them as slots, and each serving fills every slot with a token of its own, so two
# tabs of one kept page never carry the same token.
SLOT = "\x00submission-token\x00"


def to_slots(html: str) -> str:
    for token in g.get("drawn_submissions", ()):
        html = html.replace(token, SLOT)
    return html


def from_slots(html: str) -> str:
    if SLOT not in html:
        return html
    parts = html.split(SLOT)
    return "".join(part + (new_token() if i < len(parts) - 1 else "") for i, part in enumerate(parts))
