"""One transaction per request, ended in one place.

Every view runs inside ``one_transaction``: when it returns a response below 400, what it wrote is
committed; when it returns 400 or above (a refused form, shown again with its messages) or raises, what
it wrote is rolled back. Views do not commit or roll back by hand. A view that refuses with a message and
a redirect calls ``discard()``. The few that must end a transaction part way say so where they do it: an
import or a bulk print commits its row before handing it to the job worker, a failed sign-in is kept for
the throttle, and a decision that lost a race rolls back before it reads the entry again to say who
decided it first. A success that wrote nothing ends with a commit too, which keeps the database driver's
prepared statements (``_end_reading``).

A commit that fails (two people saving the same unique value at once) raises inside the view's call, so
the application's error pages answer it as they answer any error of the view; the messages the view
queued for the next page ("Team created.") are taken back with it.
"""
from __future__ import annotations

from functools import wraps

from flask import Flask, current_app, make_response, session
from sqlalchemy import event
from sqlalchemy.orm import Session

from skillpass.extensions import db

_WROTE = "skillpass.wrote"
# What runs once a request's transaction has committed (sending the email it wrote): see on_commit().
_AFTER_COMMIT: list = []


def on_commit(hook) -> None:
    """Run *hook()* after every request whose transaction committed (the factory registers them)."""
    if hook not in _AFTER_COMMIT:
        _AFTER_COMMIT.append(hook)


def _after_commit() -> None:
    for hook in _AFTER_COMMIT:
        try:
            hook()
        except Exception:  # noqa: BLE001 - what was committed stands; the hook records its own failures
            current_app.logger.exception("after-commit work failed")


def wrote(session: Session) -> bool:
    """Has this session written anything since its transaction began (flushed or still pending)?"""
    return bool(session.info.get(_WROTE) or session.new or session.dirty or session.deleted)


def _note_flush(session, flush_context) -> None:
    session.info[_WROTE] = True


def _forget(session, ended) -> None:
    """The request's own transaction ended (committed or rolled back): forget that it wrote. A savepoint's end
    inside it (``begin_nested``, released or rolled back) is not: SQLAlchemy reports a released savepoint as a
    commit, and forgetting then would leave everything written before it uncommitted."""
    if ended.parent is None:
        session.info.pop(_WROTE, None)


def discard() -> None:
    """This request is refused although its answer is not an error (a message and a redirect): keep
    nothing it wrote."""
    db.session.rollback()


def _roll_back_quietly() -> None:
    """Roll back after an error, never hiding it: with the database gone, the rollback fails too, and the
    error handler and the request's teardown deal with the dead connection."""
    try:
        db.session.rollback()
    except Exception as failed:  # noqa: BLE001 - the error being raised is the one that matters
        current_app.logger.info("rollback after an error failed too: %s", failed)


def _end_reading() -> None:
    """A request that succeeded and wrote nothing ends its transaction with a commit, not with the rollback its
    teardown would send. To the database the two are the same: nothing was written. To psycopg they are not: a
    rollback makes it forget every statement it has prepared on that connection, so PostgreSQL would parse and
    plan each of a page's statements again on every request; across commits it prepares a statement after its
    fifth use and plans it once. (A streamed export reads on after its view has returned, so it is left to the
    teardown.) If the database went away after the page was made, the page still goes out: nothing was lost."""
    try:
        db.session.commit()
    except Exception as failed:  # noqa: BLE001 - nothing was written; the answer is already made
        current_app.logger.info("ending a request that only read failed: %s", failed)
        _roll_back_quietly()


def _restore_flashes(flashed: list) -> None:
    if flashed:
        session["_flashes"] = flashed
    else:
        session.pop("_flashes", None)


def one_transaction(view):
    """Commit what the view wrote if its answer is a success, roll it back otherwise."""

    @wraps(view)
    def run(*args, **kwargs):
        flashed = list(session.get("_flashes", ()))
        try:
            response = make_response(view(*args, **kwargs))
        except BaseException:
            _roll_back_quietly()
            raise
        if wrote(db.session):
            if response.status_code < 400:
                try:
                    db.session.commit()
                except BaseException:
                    # Nothing was saved, as far as this request can tell: the view's news ("Team created.")
                    # must not outlive it. The error itself is what the error pages answer (a database that
                    # went away mid-commit is the friendly "unavailable" page, as before).
                    _restore_flashes(flashed)
                    _roll_back_quietly()
                    raise
            else:
                db.session.rollback()
        elif response.status_code < 400 and not response.is_streamed:
            _end_reading()
        if response.status_code < 400:
            _after_commit()
        return response

    run.one_transaction = True
    return run


def register(app: Flask) -> None:
    """Wrap every view of the application (call once every blueprint is registered), and follow what
    sessions write."""
    if not event.contains(Session, "after_flush", _note_flush):
        event.listen(Session, "after_flush", _note_flush)
        event.listen(Session, "after_transaction_end", _forget)
    for endpoint, view in list(app.view_functions.items()):
        if endpoint == "static" or getattr(view, "one_transaction", False):
            continue
        app.view_functions[endpoint] = one_transaction(view)
