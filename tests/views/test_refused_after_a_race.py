"""Refusals that come from the database itself (a race lost at flush, a commit that fails): the person gets
the refused form or the error page, with their input, and never a success message for what was not saved."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from skillpass.models import Entry, EntryMethod, EntryStatus, Team
from tests.conftest import HTMX


@pytest.fixture
def another_record_first():
    """Just before the learner's record is written, the same item is recorded by another request (as if
    from a second tab): the database's one-awaiting-entry rule refuses the learner's at flush."""
    state = {"done": False}

    def before_flush(session, ctx, instances):
        if state["done"]:
            return
        for obj in list(session.new):
            if isinstance(obj, Entry) and obj.status is EntryStatus.AWAITING:
                state["done"] = True
                session.add(Entry(person_id=obj.person_id, item_id=obj.item_id, completed_on=dt.date(2026, 2, 1),
                                  method=EntryMethod.HERE, status=EntryStatus.AWAITING,
                                  recorded_by_id=obj.person_id))
    event.listen(Session, "before_flush", before_flush)
    yield
    event.remove(Session, "before_flush", before_flush)


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "page"])
def test_a_record_that_loses_a_race_is_refused_in_place_with_its_input(as_learner, world, db,
                                                                        another_record_first, headers):
    response = as_learner.post(
        f"/people/{world.learner.id}/passport/items/{world.competency.id}/record",
        data={"completed_on": "2026-02-25", "method": "here", "note": "Second tab"}, headers=headers)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "already" in html and "Second tab" in html
    db.session.rollback()
    assert db.session.scalar(select(func.count(Entry.id)).where(Entry.item_id == world.competency.id)) == 0


class _UniqueClash(Exception):
    sqlstate = "23505"
    diag = type("Diag", (), {"constraint_name": "uq_team_name"})()


def test_a_commit_that_fails_takes_its_success_message_back(as_admin, app, db):
    armed = {"on": False, "done": False}

    def note(session, ctx, instances):
        if any(isinstance(o, Team) for o in session.new):
            armed["on"] = True

    def fail(session):
        if armed["on"] and not armed["done"]:
            armed["done"] = True
            raise IntegrityError("INSERT", {}, _UniqueClash())

    event.listen(Session, "before_flush", note)
    event.listen(Session, "before_commit", fail)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = as_admin.post("/admin/teams", data={"name": "Radiology"})
    finally:
        event.remove(Session, "before_commit", fail)
        event.remove(Session, "before_flush", note)
    assert response.status_code == 409
    assert "Team Radiology created." not in response.get_data(as_text=True)
    after = as_admin.get("/admin/teams").get_data(as_text=True)
    assert "Team Radiology created." not in after
    db.session.rollback()
    assert db.session.scalar(select(Team).where(Team.name == "Radiology")) is None


def test_a_database_that_goes_away_at_commit_gets_the_unavailable_page(as_admin, app, db, monkeypatch):
    """The commit fails because the connection is gone, and so does the rollback after it: the person gets
    the friendly "unavailable" page (503) that says to try again, not a bare server error."""
    from sqlalchemy.exc import OperationalError

    from skillpass.extensions import db as extension_db

    class _Gone(Exception):
        pass

    armed = {"on": False, "done": False}

    def note(session, ctx, instances):
        if any(isinstance(o, Team) for o in session.new):
            armed["on"] = True

    def fail(session):
        if armed["on"] and not armed["done"]:
            armed["done"] = True
            raise OperationalError("COMMIT", {}, _Gone("server closed the connection unexpectedly"),
                                   connection_invalidated=True)

    real_rollback = extension_db.session.rollback
    calls = {"n": 0}

    def rollback_fails_once():
        if armed["done"]:
            calls["n"] += 1
        if calls["n"] == 1:
            calls["n"] += 1
            raise OperationalError("ROLLBACK", {}, _Gone("no connection"), connection_invalidated=True)
        return real_rollback()

    event.listen(Session, "before_flush", note)
    event.listen(Session, "before_commit", fail)
    monkeypatch.setattr(extension_db.session, "rollback", rollback_fails_once)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = as_admin.post("/admin/teams", data={"name": "Radiology"})
    finally:
        event.remove(Session, "before_commit", fail)
        event.remove(Session, "before_flush", note)
        monkeypatch.undo()
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert "Team Radiology created." not in response.get_data(as_text=True)


def test_an_answer_made_before_the_database_went_away_still_goes_out_whole(as_admin, app, db):
    """The request's commit succeeds, then the database goes away (a restart): nothing after the commit asks
    it anything, so the person gets the answer of what was saved, as a signed-in page (never kept by the
    browser), not a bare server error."""
    from sqlalchemy import event as sa_event
    from sqlalchemy.exc import OperationalError

    from skillpass.extensions import db as extension_db

    class _Gone(Exception):
        pass

    state = {"team": False, "committed": False}

    def note(session, ctx, instances):
        if any(isinstance(o, Team) for o in session.new):
            state["team"] = True

    def committed(session):
        if state["team"]:
            state["committed"] = True

    def refuse(conn, cursor, statement, parameters, context, executemany):
        if state["committed"]:
            raise OperationalError(statement, parameters, _Gone("server closed the connection"),
                                   connection_invalidated=True)

    event.listen(Session, "before_flush", note)
    event.listen(Session, "after_commit", committed)
    engine = extension_db.engine
    sa_event.listen(engine, "before_cursor_execute", refuse)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = as_admin.post("/admin/teams", data={"name": "Radiology"})
    finally:
        sa_event.remove(engine, "before_cursor_execute", refuse)
        event.remove(Session, "after_commit", committed)
        event.remove(Session, "before_flush", note)
    assert state["committed"]
    assert response.status_code == 303
    assert response.headers["Cache-Control"] == "private, no-store"
    db.session.rollback()
    assert db.session.scalar(select(Team).where(Team.name == "Radiology")) is not None
