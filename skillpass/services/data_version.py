"""The data version: one number, raised in the same transaction as every write that is
audited or adds or changes an entry. Whatever is kept between requests (the admin
home's figures, team matrices, passport pages) is keyed by it, so nothing kept
outlives a change that could move a status.

It is raised at commit, as the transaction's last statement: writers queue on the
one row only for the moment of their commit, and a reader that sees the new number
sees everything that was committed with it.
"""
from __future__ import annotations

from itertools import chain

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from skillpass.models import AuditEvent, DataVersion, Entry

_CHANGED = "skillpass.data_changed"
_WATCHED = (AuditEvent, Entry)


def current(session) -> int | None:
    """The version now, or None where there is none (a database made without the migrations)."""
    return session.scalar(select(DataVersion.n).where(DataVersion.id == 1))


@event.listens_for(Session, "before_flush")
def _note_changes(session, flush_context, instances):
    if not session.info.get(_CHANGED) and any(isinstance(o, _WATCHED) for o in chain(session.new, session.dirty)):
        session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _raise_version(session):
    changed = session.info.get(_CHANGED) or any(isinstance(o, _WATCHED) for o in chain(session.new, session.dirty))
    if not changed:
        return
    session.flush()
    raised = session.execute(update(DataVersion).where(DataVersion.id == 1).values(n=DataVersion.n + 1))
    if raised.rowcount == 0:
        session.execute(insert(DataVersion).values(id=1, n=1))


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget(session, *args):
    session.info.pop(_CHANGED, None)
