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
