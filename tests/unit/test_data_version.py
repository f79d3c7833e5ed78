"""The data version that kept figures and pages are keyed by: raised by every committed
write that is audited or touches an entry, and by nothing else."""
from __future__ import annotations

import datetime as dt

import pytest

from skillpass.labels import Action
from skillpass.models import EntryMethod
from skillpass.services import audit, data_version, entries, throttle
from skillpass.services.people import set_active
from tests import factories
from tests.conftest import PG_URL, TODAY


def _now(db) -> int:
    db.session.rollback()          # read what is committed, as the next request would
    return data_version.current(db.session)


def test_each_committed_audited_write_raises_it_once(app, db, world):
    with app.test_request_context():
        start = _now(db)
        entries.record_entry(actor=world.learner, person=world.learner, item=world.fire,
                             completed_on=dt.date(2026, 2, 20), method=EntryMethod.HERE, today=TODAY)
        db.session.commit()
        assert _now(db) == start + 1
        # Two audited writes in one transaction: one raise, at its commit.
        set_active(actor=world.admin, person=world.other_learner, active=False)
        db.session.flush()
        set_active(actor=world.admin, person=world.other_learner, active=True)
        db.session.commit()
        assert _now(db) == start + 2


def test_a_rolled_back_write_and_a_write_that_is_not_audited_leave_it(app, db, world):
    with app.test_request_context():
        start = _now(db)
        entries.record_entry(actor=world.learner, person=world.learner, item=world.fire,
                             completed_on=dt.date(2026, 2, 20), method=EntryMethod.HERE, today=TODAY)
        db.session.flush()
        db.session.rollback()
        assert _now(db) == start
        throttle.record_failure("nobody@example.test", "192.0.2.1")   # a failed sign-in: not data
        db.session.commit()
        assert _now(db) == start
        # The flag of the rolled-back write did not linger into the next transaction.
        db.session.commit()
        assert _now(db) == start


@pytest.mark.skipif(not PG_URL, reason="on SQLite one writer holds the database: writes cannot interleave")
def test_a_write_that_commits_last_with_an_older_id_still_raises_it(app, db, world):
    """PostgreSQL hands out ids as writes begin: a slow write can commit after a quicker one with a
    higher id. The newest audit id would not move at its commit; the version does."""
    with app.app_context():
        slow = db.session()
        audit.log(actor=world.admin, action=Action.PERSON_CHANGED, subject=world.learner, person_id=world.learner.id,
                  summary="begun first, committed last")
        slow.flush()                                   # its audit id is taken now
        with app.app_context():                        # another request, its own session
            audit.log(actor=world.admin, action=Action.PERSON_CHANGED, subject=world.learner, person_id=world.learner.id,
                      summary="begun second, committed first")
            db.session.commit()
            seen = data_version.current(db.session)
        slow.commit()
        with app.app_context():
            assert data_version.current(db.session) == seen + 1


def test_signing_in_and_out_leaves_it(app, db, world, client):
    """Signing in is audited and renews a session token; neither changes what any kept page shows,
    and a trust signing in at nine o'clock must not renew every kept page each time."""
    with app.test_request_context():
        start = _now(db)
    response = client.post("/sign-in", data={"email": world.learner.email, "password": factories.PASSWORD})
    assert response.status_code == 303
    assert client.post("/sign-out").status_code == 303
    with app.test_request_context():
        assert _now(db) == start
        # A change anyone can see on a page is still counted, even beside a new session token.
        world.learner.new_session_token()
        world.learner.name = "Lee Learner-Smith"
        db.session.commit()
        assert _now(db) == start + 1


def test_the_factory_registers_the_hooks_once_however_many_apps_it_makes(app, db, world):
    """The hooks are registered by create_app (not by importing the module); registering again, as a second
    app does, adds nothing: a write still raises the version once."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from skillpass import create_app

    create_app(app.config)
    data_version.register()
    for name, hook in (("before_flush", data_version._note_changes), ("before_commit", data_version._raise_version),
                       ("after_commit", data_version._forget), ("after_soft_rollback", data_version._forget)):
        assert event.contains(Session, name, hook)
    with app.test_request_context():
        start = _now(db)
        entries.record_entry(actor=world.learner, person=world.learner, item=world.fire,
                             completed_on=dt.date(2026, 2, 20), method=EntryMethod.HERE, today=TODAY)
        db.session.commit()
        assert _now(db) == start + 1


def test_it_is_raised_as_the_commits_last_statement_after_the_kept_dates(app, db, world):
    """Other writers queue on the version's one row from its raise to the commit: only for that moment, not while
    the write's kept dates are worked out and written (an import's batch of 500 people; services/item_dates.py)."""
    from sqlalchemy import event

    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()).lower())

    with app.test_request_context():
        entries.record_entry(actor=world.learner, person=world.learner, item=world.fire,
                             completed_on=dt.date(2026, 2, 20), method=EntryMethod.HERE, today=TODAY)
        db.session.flush()
        engine = db.session.get_bind()
        event.listen(engine, "before_cursor_execute", seen)
        try:
            db.session.commit()
        finally:
            event.remove(engine, "before_cursor_execute", seen)
    kept = [i for i, s in enumerate(statements) if "item_dates" in s and not s.startswith("select")]
    raised = [i for i, s in enumerate(statements) if s.startswith("update data_version")]
    assert kept, statements                 # the commit wrote this learner's kept dates
    assert raised == [len(statements) - 1], statements
