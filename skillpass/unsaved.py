"""Never lose what was typed: a form sent too late comes back filled in, with nothing saved.

Two ways a Save can arrive too late:

- **The page's CSRF token had expired** (the page was open longer than WTF_CSRF_TIME_LIMIT, or the session
  was renewed meanwhile). The CSRF handler asks :func:`after_expired_token` to run the endpoint's view once
  more in *redisplay* mode: every form refuses (a FlaskForm fails its own CSRF check, ``PostedForm.validate``
  and ``submissions.claim`` refuse with :data:`EXPIRED`), so the view answers as it does for any refused form:
  422, what was typed kept, a fresh CSRF token in the form, full page or htmx partial alike.
- **The person had been signed out for being idle.** The typed fields of that POST (never a password, never a
  file, at most :data:`KEEP_LIMIT` characters) are kept in the signed session under the signed-out person's
  id, and only when the POST carried a valid CSRF token (it was their own form, not another site's). The
  sign-in page names what was not saved; signing in again as the same person leads back to the form, drawn
  the same way with :data:`SIGNED_OUT`. Anyone else signing in drops it unseen.

A redisplay never performs the action: a flush of any change raises :class:`RedisplayWrote` (so a view that
would write before validating gives up, and the plain "page had expired" answer is used instead), what the
view did to the session is put back unless its answer is a refused form (422), and the database is rolled
back whatever happened. It answers only the same person's own request: for the CSRF case the browser must
say the POST came from our own pages (Origin or Sec-Fetch-Site), and Jinja's autoescape stays on.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, g, make_response, request, session
from flask_wtf.csrf import ValidationError, validate_csrf
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict

from skillpass.extensions import db
from skillpass.services import submissions

EXPIRED = "Nothing was saved yet: this page had been open too long. Check your answers and press Save again."
SIGNED_OUT = "You were signed out before this was saved. Nothing was saved yet: check and press Save."
#: Characters of typed text kept across a sign-out: the session is a cookie, and browsers refuse one over 4 KB.
KEEP_LIMIT = 2000
_KEY = "unsaved"
_NEVER_KEPT = {"csrf_token", submissions.FIELD}


class RedisplayWrote(Exception):
    """A view shown again only to redisplay its form tried to write: it must not, and is not used."""


def _refuse_writes(db_session, flush_context, instances) -> None:
    if submissions.redisplaying() and (db_session.new or db_session.dirty or db_session.deleted):
        raise RedisplayWrote()


def register(app: Flask) -> None:
    if not event.contains(Session, "before_flush", _refuse_writes):
        event.listen(Session, "before_flush", _refuse_writes)
    app.before_request(_bring_back)


# ---------------------------------------------------------------- the view, once more, refusing

def redisplay(message: str):
    """This request's view answered as a refused form with *message* at its top, or None when the view does
    not answer that way (it acts without a form, or is not one of ours to redraw)."""
    endpoint = request.endpoint
    view = current_app.view_functions.get(endpoint or "")
    if view is None or request.blueprint == "auth" or getattr(view, "access_policy", None) == "public":
        return None
    view = getattr(view, "__wrapped__", view)          # not one_transaction's: nothing here is committed
    kept_session, kept_user = dict(session), g.get("_login_user")
    g.redisplay_message = message
    response = None
    try:
        response = make_response(view(**(request.view_args or {})))
    except RedisplayWrote:
        current_app.logger.info("%s writes before its form is checked: not redrawn", endpoint)
    except Exception:  # noqa: BLE001 - whatever it was, the plain answer is given instead
        current_app.logger.warning("%s could not be redrawn", endpoint, exc_info=True)
    finally:
        g.pop("redisplay_message", None)
        db.session.rollback()
    if response is None or response.status_code != 422:
        session.clear()
        session.update(kept_session)
        g._login_user = kept_user
        return None
    return response


def _from_our_pages() -> bool:
    """The browser says this POST came from one of our own pages (browsers send Origin with every POST)."""
    if request.headers.get("Sec-Fetch-Site") == "same-origin":
        return True
    origin = request.headers.get("Origin", "")
    ours = urlsplit(request.host_url)
    theirs = urlsplit(origin)
    return bool(origin) and (theirs.scheme, theirs.netloc) == (ours.scheme, ours.netloc)


def after_expired_token():
    """The answer to a POST whose CSRF token failed: its form, filled in, refusing with EXPIRED; or None."""
    if request.method != "POST" or not _from_our_pages():
        return None
    return redisplay(EXPIRED)


# ---------------------------------------------------------------- across an idle sign-out

def keep(person_id: int) -> None:
    """Before signing *person_id* out: keep what this POST typed, if it was their own form."""
    session.pop(_KEY, None)
    if request.method != "POST" or request.blueprint == "auth" or request.endpoint is None:
        return
    if not _own_token():
        return
    fields = [(name, value) for name, value in request.form.items(multi=True)
              if name not in _NEVER_KEPT and "password" not in name.lower()]
    if sum(len(name) + len(value) for name, value in fields) > KEEP_LIMIT:
        fields = []
    session[_KEY] = {"person": person_id, "path": request.path, "what": _what(), "fields": fields,
                     "page": urlsplit(request.headers.get("HX-Current-URL", "")).path}


def _own_token() -> bool:
    """The POST carries this session's valid CSRF token (in its form, or htmx's header): it is the person's
    own form, not another site's."""
    config = current_app.config
    sent = [request.form.get(config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))]
    sent += [request.headers.get(name) for name in config.get("WTF_CSRF_HEADERS", ())]
    for token in filter(None, sent):
        try:
            validate_csrf(token)
        except ValidationError:
            continue
        return True
    return False


def _what() -> str:
    """The form's name in words: "Your record of Fire Safety", or the page's form."""
    from skillpass.models import Entry, Item

    args = request.view_args or {}
    item = None
    if "item_id" in args:
        item = db.session.get(Item, args["item_id"])
    elif "entry_id" in args:
        entry = db.session.get(Entry, args["entry_id"])
        item = db.session.get(Item, entry.item_id) if entry is not None else None
    if item is not None:
        return f"Your record of {item.title}"
    return "What you typed on your last page"


def note() -> str | None:
    """For the sign-in page: what was not saved."""
    kept = session.get(_KEY)
    if not isinstance(kept, dict):
        return None
    return f"{kept.get('what')} was not saved: sign in to finish it."


def after_sign_in(person_id: int) -> str | None:
    """Where to go after *person_id* signs in: back to the form they were typing, or None. Another
    person's kept text is dropped here, unseen."""
    kept = session.get(_KEY)
    if not isinstance(kept, dict):
        return None
    if kept.get("person") != person_id:
        session.pop(_KEY, None)
        return None
    adapter = current_app.url_map.bind("")
    try:
        adapter.match(kept["path"], method="GET")
    except Exception:  # noqa: BLE001 - a POST-only form: back to the page it was on
        session.pop(_KEY, None)
        return kept.get("page") or None
    return kept["path"]


def _bring_back():
    """before_request: the first page after signing in again, if it is the kept form's, drawn with it."""
    kept = session.get(_KEY)
    if not isinstance(kept, dict) or request.method != "GET" or request.path != kept.get("path"):
        return None
    from flask_login import current_user

    if not current_user.is_authenticated or current_user.id != kept.get("person"):
        return None
    session.pop(_KEY, None)
    form = ImmutableMultiDict([tuple(pair) for pair in kept.get("fields", ())])
    # The view reads it as the POST it was: its form, its files (none: browsers keep no file), its method.
    request.method = "POST"
    request.__dict__.update(form=form, files=ImmutableMultiDict(), values=CombinedMultiDict([request.args, form]))
    response = redisplay(SIGNED_OUT)
    if response is None:
        request.method = "GET"
        for name in ("form", "files", "values"):
            request.__dict__.pop(name, None)
    return response
