"""Training sessions (registers), without HTTP: one item, one date, many people, each accepted at once."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import AuditEvent, Entry, EntryMethod, EntryStatus, Role
from skillpass.services import entries as entry_service
from skillpass.services import sessions
from skillpass.services.errors import NotAllowed, ValidationFailed
from tests import factories
from tests.conftest import TODAY

HELD = dt.date(2026, 2, 20)


def _twelve(world):
    people = [factories.person(name=f"Attendee {n:02d}", team=world.team_a) for n in range(12)]
    for p in people:
        factories.assign(p, world.template)
    return people


def _record(actor, item, **kw):
    args = dict(actor=actor, item=item, held_on=HELD, trainer="Sam Trainer", venue="Seminar room 2",
                person_ids=[], numbers_text="", today=TODAY)
    args.update(kw)
    return sessions.record_session(**args)


def test_a_session_for_twelve_people_makes_twelve_accepted_entries_naming_it(db, world):
    people = _twelve(world)
    recorded = _record(world.educator, world.fire, person_ids=[p.id for p in people[:6]],
                       numbers_text="\n".join(p.employee_number for p in people[6:9]) + ", "
                                    + " ".join(p.employee_number for p in people[9:]))
    db.session.commit()
    entries = db.session.scalars(select(Entry).where(Entry.session_id == recorded.session.id)).all()
    assert len(entries) == 12 and {e.person_id for e in entries} == {p.id for p in people}
    for e in entries:
        assert e.status is EntryStatus.ACCEPTED and e.method is EntryMethod.HERE and e.completed_on == HELD
        assert e.recorded_by_id == world.educator.id and e.decided_by_name == "Eve Educator"
        assert e.how == "Attended a training session"
        assert e.description == "Attended a training session, 20 Feb 2026"
    events = db.session.scalars(select(AuditEvent)).all()
    recorded_events = [ev for ev in events if ev.action == Action.ENTRY_RECORDED]
    assert len(recorded_events) == 12
    assert {ev.person_id for ev in recorded_events} == {p.id for p in people}
    assert all(ev.after["session_id"] == recorded.session.id for ev in recorded_events)
    assert "attended a training session on 20 Feb 2026, run by Sam Trainer" in recorded_events[0].summary
    [session_event] = [ev for ev in events if ev.action == Action.SESSION_RECORDED]
    assert "for 12 people" in session_event.summary
    assert recorded.left_out == []


def test_nobody_gets_two_entries_from_one_session(db, world):
    recorded = _record(world.educator, world.fire, person_ids=[world.learner.id, world.learner.id],
                       numbers_text=f"{world.learner.employee_number} {world.learner.employee_number}")
    assert len(recorded.entries) == 1


def test_unknown_out_of_team_and_passportless_people_are_refused_by_name(db, world):
    outsider = factories.person(name="No Passport", team=world.team_a)
    with pytest.raises(ValidationFailed) as refused:
        _record(world.educator, world.fire, person_ids=[world.learner.id],
                numbers_text=f"E99999 {world.other_learner.employee_number}, {outsider.employee_number}")
    message = refused.value.errors["employee_numbers"]
    assert "no one has the employee number E99999" in message
    assert f"Olu Other ({world.other_learner.employee_number}) is not in a team you support" in message
    assert "No Passport" in message and "does not hold the passport" in message
    assert db.session.scalar(select(Entry.id)) is None


def test_an_educator_cannot_record_their_own_attendance_and_a_learner_no_session(db, world):
    with pytest.raises(ValidationFailed) as refused:
        _record(world.educator, world.fire, person_ids=[world.educator.id])
    assert "is you" in refused.value.errors["people"]
    with pytest.raises(NotAllowed):
        _record(world.learner, world.fire, person_ids=[world.other_learner.id])


def test_the_form_needs_an_item_a_trainer_a_date_and_people(db, world):
    with pytest.raises(ValidationFailed) as refused:
        _record(world.educator, None, held_on=None, trainer=" ")
    assert set(refused.value.errors) == {"item", "held_on", "trainer"}
    with pytest.raises(ValidationFailed) as refused:
        _record(world.educator, world.fire, held_on=TODAY + dt.timedelta(days=1))
    assert set(refused.value.errors) == {"held_on", "people"}


def test_someone_whose_own_entry_awaits_is_left_out_and_named(db, world):
    colleague = factories.person(name="Cara Colleague", team=world.team_a)
    factories.assign(colleague, world.template)
    entry_service.record_entry(actor=world.learner, person=world.learner, item=world.competency,
                               completed_on=dt.date(2026, 2, 1), method=EntryMethod.HERE, today=TODAY)
    recorded = _record(world.educator, world.competency, person_ids=[world.learner.id, colleague.id])
    assert [e.person_id for e in recorded.entries] == [colleague.id]
    assert recorded.left_out == [f"Lee Learner ({world.learner.employee_number}): their own entry awaits "
                                 "sign-off, so decide it first"]
    with pytest.raises(ValidationFailed) as refused:
        _record(world.educator, world.competency, person_ids=[world.learner.id])
    assert refused.value.errors["people"].startswith("Nobody could be recorded: Lee Learner")


def test_an_admin_records_for_anyone_and_sees_every_session(db, world):
    recorded = _record(world.admin, world.fire, person_ids=[world.learner.id, world.other_learner.id])
    assert len(recorded.entries) == 2
    assert [r.people for r in sessions.recent_sessions(world.admin)] == [2]
    assert [r.id for r in sessions.recent_sessions(world.educator)] == [recorded.session.id]   # their learner
    lone = factories.person(name="Edu Three", role=Role.EDUCATOR, supports=[factories.team()])
    assert sessions.recent_sessions(lone) == []
    assert sessions.can_view(world.educator, recorded.session) and not sessions.can_view(lone, recorded.session)


def test_candidates_are_the_teams_people_holding_the_item_and_the_ticked_stay(db, world):
    people = _twelve(world)
    listed = sessions.candidates(world.educator, world.fire)
    assert world.learner in listed and world.other_learner not in listed and world.educator not in listed
    assert len(listed) == 13
    narrowed = sessions.candidates(world.educator, world.fire, q="Attendee 03", ticked=(people[0].id,))
    assert [p.name for p in narrowed] == ["Attendee 00", "Attendee 03"]


def test_an_admin_records_a_learning_item_for_someone_accepted_in_their_name(db, world):
    entry = entry_service.record_entry(actor=world.admin, person=world.learner, item=world.stress,
                                       completed_on=dt.date(2026, 2, 3), method=EntryMethod.HERE, today=TODAY)
    assert entry.status is EntryStatus.ACCEPTED and entry.decided_by_name == "Ada Admin"
    assert entry.how == "Completed here, recorded by an admin"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == Action.ENTRY_RECORDED)).one()
    assert "Completed here, recorded by an admin, 3 Feb 2026 (accepted)" in event.summary
    with pytest.raises(NotAllowed):
        entry_service.record_entry(actor=world.educator, person=world.learner, item=world.stress,
                                   completed_on=dt.date(2026, 2, 3), method=EntryMethod.HERE, today=TODAY)
