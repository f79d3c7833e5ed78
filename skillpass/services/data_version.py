"""The data version: one number, raised in the same transaction as every write of data
(anything but signing in and out, passwords, failed sign-ins and bulk-print progress). Whatever is kept between
requests (the admin home's figures, team matrices, passport pages) is keyed by it,
so nothing kept outlives a change that could alter it.

It is raised at commit, as the transaction's last statement: writers queue on the
one row only for the moment of their commit, and a reader that sees the new number
sees everything that was committed with it. The factory registers the session hooks that do
this (register()); importing the module does nothing by itself.
"""
from __future__ import annotations

from itertools import chain

from flask import g, has_request_context
from sqlalchemy import event, insert, inspect, select, update
from sqlalchemy.orm import Session

from skillpass.models import AuditEvent, DataVersion, FormSubmission, Person, PrintJob, SignInFailure

_CHANGED = "skillpass.data_changed"
_G_KEY = "data_version"
_NOT_DATA = (SignInFailure, PrintJob, DataVersion, FormSubmission)
# Signing in and out, and passwords, change nothing any kept page shows: they would otherwise
# renew every kept page in the trust each time anyone signs in.
_SIGN_IN_STATE = {"session_token", "password_hash", "must_change_password", "updated_at"}


def _is_data(obj) -> bool:
    if isinstance(obj, _NOT_DATA):
        return False
    if isinstance(obj, AuditEvent):
        return not (obj.action or "").startswith("auth.")
    if isinstance(obj, Person):
        state = inspect(obj)
        if state.persistent and not state.deleted:
            changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
            return not changed <= _SIGN_IN_STATE
    return True


def _changes(session) -> bool:
    return any(_is_data(o) for o in chain(session.new, session.dirty, session.deleted))


def pending(session) -> bool:
    """Has this transaction written data not yet committed? Then nothing kept may be read or kept for it:
    the version still names what was there before."""
    return bool(session.info.get(_CHANGED)) or _changes(session)


def current(session) -> int | None:
    """The version now, or None where there is none (a database made without the migrations).

    Read once per request (the settings query brings it along), and again after any commit."""
    if has_request_context() and _G_KEY in g:
        return g.get(_G_KEY)
    version = session.scalar(select(DataVersion.n).where(DataVersion.id == 1))
    remember(version)
    return version


def remember(version: int | None) -> None:
    if has_request_context():
        setattr(g, _G_KEY, version)


def register() -> None:
    """Raise the version at every commit that writes data: the factory calls this (more than once is harmless)."""
    for name, hook in (("before_flush", _note_changes), ("before_commit", _raise_version),
                       ("after_commit", _forget), ("after_soft_rollback", _forget)):
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)


def written(session) -> None:
    """This transaction wrote data with Core statements the session does not see (an import's people)."""
    session.info[_CHANGED] = True


def _note_changes(session, flush_context, instances):
    if not session.info.get(_CHANGED) and _changes(session):
        session.info[_CHANGED] = True


def _raise_version(session):
    if not (session.info.get(_CHANGED) or _changes(session)):
        return
    session.flush()
    raised = session.execute(update(DataVersion).where(DataVersion.id == 1).values(n=DataVersion.n + 1))
    if raised.rowcount == 0:
        session.execute(insert(DataVersion).values(id=1, n=1))


def _forget(session, *args):
    session.info.pop(_CHANGED, None)
    if has_request_context():       # what this request read before a commit may be behind it
        g.pop(_G_KEY, None)
