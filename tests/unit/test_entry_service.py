"""The entry service without HTTP: record_entry, withdraw_entry, add_informal.

PRODUCT.md §4: a learning item completed here counts at once; a competency, or
equivalent training demonstrated elsewhere, awaits an educator; a refusal
saves nothing; every state change writes one audit event.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from skillpass.models import (
    Assignment, AuditEvent, Entry, EntryMethod, EntryStatus, EvidenceRule, InformalEntry, Person,
)
from skillpass.services.entries import add_informal, completion_date_problem, record_entry, withdraw_entry
from skillpass.services.errors import DomainError, NotAllowed, ValidationFailed
from tests import factories
from tests.conftest import TODAY

HERE = EntryMethod.HERE
EQUIVALENT = EntryMethod.EQUIVALENT


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _counts(db) -> tuple[int, int, int]:
    return _count(db, Entry), _count(db, AuditEvent), _count(db, InformalEntry)


def _events(db, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def _record(world, item, *, method=HERE, completed_on=dt.date(2026, 2, 10), actor=None, person=None, **kw):
    return record_entry(
        actor=actor or world.learner,
        person=person or world.learner,
        item=item,
        completed_on=completed_on,
        method=method,
        today=TODAY,
        **kw,
    )


# --------------------------------------------------------------------------- record_entry: what counts


def test_completed_here_on_a_learning_item_is_accepted_at_once(db, world):
    entry = _record(world, world.fire)
    db.session.commit()
    db.session.expire_all()

    entry = db.session.get(Entry, entry.id)
    assert entry.status is EntryStatus.ACCEPTED
    assert entry.method is HERE
    assert entry.person_id == world.learner.id
    assert entry.item_id == world.fire.id
    assert entry.completed_on == dt.date(2026, 2, 10)
    assert entry.recorded_by_id == world.learner.id
    assert entry.recorded_at is not None
    assert entry.equivalent_source == ""
    assert entry.decided_by_id is None


def test_the_start_date_itself_and_today_are_allowed(db, world):
    on_start = _record(world, world.fire, completed_on=world.learner.start_date)
    today = _record(world, world.stress, completed_on=TODAY)
    db.session.commit()
    assert on_start.status is EntryStatus.ACCEPTED
    assert today.status is EntryStatus.ACCEPTED


def test_a_competency_awaits_sign_off(db, world):
    entry = _record(world, world.competency)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status is EntryStatus.AWAITING


def test_equivalent_training_awaits_approval_and_keeps_its_source(db, world):
    entry = _record(world, world.fire, method=EQUIVALENT, completed_on=dt.date(2025, 6, 1),
                    equivalent_source="  Leeds Teaching Hospitals  ")
    db.session.commit()
    db.session.expire_all()
    entry = db.session.get(Entry, entry.id)
    assert entry.status is EntryStatus.AWAITING
    assert entry.method is EQUIVALENT
    assert entry.equivalent_source == "Leeds Teaching Hospitals"
    # Before the start date is fine for training done elsewhere.
    assert entry.completed_on < world.learner.start_date


@pytest.mark.parametrize("source", ["", "   ", None])
def test_equivalent_training_needs_an_organisation_or_qualification_name(db, world, source):
    with pytest.raises(ValidationFailed) as info:
        _record(world, world.fire, method=EQUIVALENT, equivalent_source=source)
    assert set(info.value.errors) == {"equivalent_source"}
    assert "organisation or qualification" in info.value.errors["equivalent_source"]


def test_equivalent_source_longer_than_200_characters_is_refused(db, world):
    with pytest.raises(ValidationFailed) as info:
        _record(world, world.fire, method=EQUIVALENT, equivalent_source="x" * 201)
    assert set(info.value.errors) == {"equivalent_source"}


def test_equivalent_on_an_item_that_does_not_accept_prior_learning_is_refused(db, world):
    assert world.competency.prior_learning_accepted is False
    with pytest.raises(ValidationFailed) as info:
        _record(world, world.competency, method=EQUIVALENT, equivalent_source="Another Trust")
    assert set(info.value.errors) == {"method"}
    assert "does not accept equivalent training" in info.value.errors["method"]


# --------------------------------------------------------------------------- record_entry: dates


def test_a_date_in_the_future_is_a_field_error(db, world):
    with pytest.raises(ValidationFailed) as info:
        _record(world, world.fire, completed_on=TODAY + dt.timedelta(days=1))
    assert set(info.value.errors) == {"completed_on"}
    assert "cannot be in the future" in info.value.errors["completed_on"]
    assert "2 Mar 2026" in info.value.errors["completed_on"]


def test_a_future_date_is_refused_for_equivalent_training_too(db, world):
    with pytest.raises(ValidationFailed) as info:
        _record(world, world.fire, method=EQUIVALENT, equivalent_source="Another Trust",
                completed_on=dt.date(2026, 12, 1))
    assert set(info.value.errors) == {"completed_on"}


def test_no_date_is_a_field_error(db, world):
    with pytest.raises(ValidationFailed) as info:
        _record(world, world.fire, completed_on=None)
    assert set(info.value.errors) == {"completed_on"}
    assert "Enter the date" in info.value.errors["completed_on"]


def test_completed_here_before_the_start_date_points_to_equivalent_training(db, world):
    before_start = world.learner.start_date - dt.timedelta(days=1)
    with pytest.raises(ValidationFailed) as info:
        _record(world, world.fire, completed_on=before_start)
    assert set(info.value.errors) == {"completed_on"}
    message = info.value.errors["completed_on"]
    assert "equivalent training" in message.lower()
    assert "5 Jan 2026" in message  # the start date, as people read dates


def test_several_problems_are_reported_together(db, world):
    with pytest.raises(ValidationFailed) as info:
        _record(world, world.fire, method=EQUIVALENT, equivalent_source="", completed_on=None,
                note="n" * 2001)
    assert set(info.value.errors) == {"completed_on", "equivalent_source", "note"}


# --------------------------------------------------------------------------- record_entry: who and what


def test_a_learner_cannot_record_for_someone_else(db, world):
    with pytest.raises(NotAllowed) as info:
        _record(world, world.fire, actor=world.other_learner, person=world.learner)
    assert "__all__" in info.value.errors


def test_an_educator_cannot_record_a_completion_here_for_a_learner(db, world):
    with pytest.raises(NotAllowed):
        _record(world, world.fire, actor=world.educator, person=world.learner)


def test_equivalent_training_for_someone_else_is_not_allowed(db, world):
    with pytest.raises(NotAllowed):
        _record(world, world.fire, actor=world.other_learner, person=world.learner, method=EQUIVALENT,
                equivalent_source="Another Trust")


def test_an_item_not_assigned_to_the_person_is_refused(db, world):
    other_tpl = factories.template("Core Skills (CSTF)")
    sec = factories.section(other_tpl, "Onboarding", 0, "days")
    unassigned = factories.item(sec, "Information governance")
    db.session.commit()
    with pytest.raises(ValidationFailed) as info:
        _record(world, unassigned)
    assert set(info.value.errors) == {"__all__"}
    assert "not part of a passport assigned to you" in info.value.errors["__all__"]


def test_an_item_whose_assignment_was_removed_is_refused(db, world):
    [assignment] = db.session.scalars(select(Assignment).where(Assignment.person_id == world.learner.id)).all()
    assignment.removed_on = dt.date(2026, 2, 1)
    db.session.commit()
    with pytest.raises(ValidationFailed) as info:
        _record(world, world.fire)
    assert set(info.value.errors) == {"__all__"}


def test_an_archived_item_is_refused(db, world):
    world.stress.archived_at = dt.datetime(2026, 2, 1, tzinfo=dt.timezone.utc)
    db.session.commit()
    with pytest.raises(ValidationFailed) as info:
        _record(world, world.stress)
    assert set(info.value.errors) == {"__all__"}


def test_an_item_needing_evidence_cannot_be_saved_without_a_file(db, world):
    world.stress.evidence = EvidenceRule.REQUIRED
    db.session.commit()
    with pytest.raises(ValidationFailed) as info:
        _record(world, world.stress)
    assert set(info.value.errors) == {"evidence"}


def test_a_second_entry_while_one_awaits_is_refused(db, world):
    _record(world, world.competency)
    db.session.commit()
    with pytest.raises(ValidationFailed) as info:
        _record(world, world.competency, completed_on=dt.date(2026, 2, 20))
    assert set(info.value.errors) == {"completed_on"}
    assert "already awaiting sign-off" in info.value.errors["completed_on"]


# --------------------------------------------------------------------------- record_entry: nothing half-saved


REFUSALS = {
    "future date": dict(completed_on=TODAY + dt.timedelta(days=3)),
    "no date": dict(completed_on=None),
    "before start date": dict(completed_on=dt.date(2025, 12, 1)),
    "equivalent without source": dict(method=EQUIVALENT, equivalent_source=""),
    "equivalent not accepted": dict(item="competency", method=EQUIVALENT, equivalent_source="Another Trust"),
    "someone else": dict(actor="other_learner"),
    "educator for learner": dict(actor="educator"),
    "note too long": dict(note="n" * 2001),
}


@pytest.mark.parametrize("case", list(REFUSALS), ids=list(REFUSALS))
def test_a_refusal_saves_nothing(db, world, case):
    kw = dict(REFUSALS[case])
    item = getattr(world, kw.pop("item", "fire"))
    if "actor" in kw:
        kw["actor"] = getattr(world, kw["actor"])
    before = _counts(db)

    with pytest.raises(DomainError):
        _record(world, item, **kw)

    assert not db.session.new and not db.session.dirty and not db.session.deleted
    db.session.commit()
    db.session.expire_all()
    assert _counts(db) == before


def test_a_refusal_for_an_unassigned_item_saves_nothing(db, world):
    sec = factories.section(factories.template(), "Onboarding", 0, "days")
    unassigned = factories.item(sec, "Information governance")
    db.session.commit()
    before = _counts(db)
    with pytest.raises(ValidationFailed):
        _record(world, unassigned)
    db.session.commit()
    assert _counts(db) == before


def test_after_a_refusal_the_learner_can_record_the_corrected_entry(db, world):
    with pytest.raises(ValidationFailed):
        _record(world, world.fire, completed_on=None)
    entry = _record(world, world.fire)
    db.session.commit()
    assert _count(db, Entry) == 1
    assert entry.status is EntryStatus.ACCEPTED


# --------------------------------------------------------------------------- record_entry: audit


@pytest.mark.parametrize(
    ("item_name", "method", "source", "status"),
    [
        ("fire", HERE, "", "accepted"),
        ("competency", HERE, "", "awaiting"),
        ("stress", EQUIVALENT, "Open University", "awaiting"),
    ],
)
def test_each_recording_writes_exactly_one_audit_event(db, world, item_name, method, source, status):
    item = getattr(world, item_name)
    entries_before, events_before, _ = _counts(db)

    entry = _record(world, item, method=method, equivalent_source=source, note="First go")
    db.session.commit()
    db.session.expire_all()

    assert _count(db, Entry) == entries_before + 1
    assert _count(db, AuditEvent) == events_before + 1
    [event] = _events(db, "entry.recorded")
    assert event.actor_id == world.learner.id
    assert event.person_id == world.learner.id
    assert event.subject_type == "Entry"
    assert event.subject_id == entry.id
    assert event.at is not None and event.at.tzinfo is not None
    assert item.title in event.summary
    assert event.before is None
    after = event.after
    assert after["person_id"] == world.learner.id
    assert after["item_id"] == item.id
    assert after["completed_on"] == "2026-02-10"
    assert after["method"] == method.value
    assert after["status"] == status
    assert after["equivalent_source"] == source
    assert after["note"] == "First go"
    assert after["decided_by_id"] is None
    json.dumps(after)  # JSON-safe


# --------------------------------------------------------------------------- withdraw_entry


def _awaiting(db, world):
    entry = _record(world, world.competency)
    db.session.commit()
    return entry


def test_a_learner_withdraws_their_own_awaiting_entry(db, world):
    entry = _awaiting(db, world)
    _, events_before, _ = _counts(db)

    withdrawn = withdraw_entry(actor=world.learner, entry=entry)
    db.session.commit()
    db.session.expire_all()

    entry = db.session.get(Entry, withdrawn.id)
    assert entry.status is EntryStatus.WITHDRAWN
    assert entry.decided_by_id == world.learner.id
    assert entry.decided_by_name == world.learner.name
    assert entry.decided_at is not None
    assert _count(db, AuditEvent) == events_before + 1
    [event] = _events(db, "entry.withdrawn")
    assert event.actor_id == world.learner.id
    assert event.person_id == world.learner.id
    assert event.subject_type == "Entry" and event.subject_id == entry.id
    assert event.before["status"] == "awaiting"
    assert event.before["decided_by_id"] is None
    assert event.before["decided_at"] is None
    assert event.after["status"] == "withdrawn"
    assert event.after["decided_by_id"] == world.learner.id
    assert isinstance(event.after["decided_at"], str)
    assert dt.datetime.fromisoformat(event.after["decided_at"]) == entry.decided_at


def test_after_withdrawing_the_learner_can_record_again(db, world):
    entry = _awaiting(db, world)
    withdraw_entry(actor=world.learner, entry=entry)
    db.session.commit()
    again = _record(world, world.competency, completed_on=dt.date(2026, 2, 12))
    db.session.commit()
    assert again.status is EntryStatus.AWAITING


def test_an_accepted_entry_cannot_be_withdrawn(db, world):
    entry = _record(world, world.fire)
    db.session.commit()
    before = _counts(db)

    with pytest.raises(ValidationFailed) as info:
        withdraw_entry(actor=world.learner, entry=entry)
    assert set(info.value.errors) == {"__all__"}
    assert "accepted" in info.value.errors["__all__"]

    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status is EntryStatus.ACCEPTED
    assert _counts(db) == before


@pytest.mark.parametrize("who", ["other_learner", "educator", "admin"])
def test_someone_elses_entry_cannot_be_withdrawn(db, world, who):
    entry = _awaiting(db, world)
    before = _counts(db)

    with pytest.raises(NotAllowed):
        withdraw_entry(actor=getattr(world, who), entry=entry)

    db.session.commit()
    db.session.expire_all()
    entry = db.session.get(Entry, entry.id)
    assert entry.status is EntryStatus.AWAITING
    assert entry.decided_by_id is None
    assert _counts(db) == before


def test_withdrawing_twice_fails_cleanly(db, world):
    entry = _awaiting(db, world)
    withdraw_entry(actor=world.learner, entry=entry)
    db.session.commit()
    first_version = entry.version
    first_decided_at = entry.decided_at
    before = _counts(db)

    with pytest.raises(ValidationFailed) as info:
        withdraw_entry(actor=world.learner, entry=entry)
    assert set(info.value.errors) == {"__all__"}
    assert "withdrawn" in info.value.errors["__all__"]

    # The session is still usable and nothing moved.
    db.session.commit()
    db.session.expire_all()
    entry = db.session.get(Entry, entry.id)
    assert entry.status is EntryStatus.WITHDRAWN
    assert entry.version == first_version
    assert entry.decided_at == first_decided_at
    assert _counts(db) == before
    assert len(_events(db, "entry.withdrawn")) == 1


def test_withdrawing_twice_from_two_requests_fails_cleanly(app, db, world):
    """A double-clicked Withdraw: both requests load the entry while it is awaiting.
    The second must fail as a DomainError (the view only turns those into a
    message), not as SQLAlchemy's StaleDataError from the entry's version lock."""
    entry = _awaiting(db, world)
    assert entry.status is EntryStatus.AWAITING  # this "request" has loaded version 1

    with app.app_context():  # the other request, with its own session
        withdraw_entry(actor=db.session.get(Person, world.learner.id), entry=db.session.get(Entry, entry.id))
        db.session.commit()
        db.session.remove()

    with pytest.raises(DomainError):
        withdraw_entry(actor=world.learner, entry=entry)
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status is EntryStatus.WITHDRAWN
    assert len(_events(db, "entry.withdrawn")) == 1


# --------------------------------------------------------------------------- add_informal


def _informal(world, **kw):
    args = dict(
        actor=world.learner, person=world.learner, title="Shadowed the falls team",
        completed_on=dt.date(2026, 2, 3), hours=Decimal("1.5"), reflection="Saw how they triage.",
        today=TODAY,
    )
    args.update(kw)
    return add_informal(**args)


def test_add_informal_saves_and_audits(db, world):
    _, events_before, informal_before = _counts(db)
    entry = _informal(world, title="  Shadowed the falls team  ")
    db.session.commit()
    db.session.expire_all()

    entry = db.session.get(InformalEntry, entry.id)
    assert entry.person_id == world.learner.id
    assert entry.title == "Shadowed the falls team"
    assert entry.completed_on == dt.date(2026, 2, 3)
    assert entry.hours == Decimal("1.5")
    assert entry.reflection == "Saw how they triage."
    assert entry.recorded_by_id == world.learner.id
    assert _count(db, InformalEntry) == informal_before + 1
    assert _count(db, AuditEvent) == events_before + 1
    [event] = _events(db, "informal.added")
    assert event.actor_id == world.learner.id
    assert event.person_id == world.learner.id
    assert event.subject_type == "InformalEntry" and event.subject_id == entry.id
    assert event.before is None
    assert event.after["title"] == "Shadowed the falls team"
    assert event.after["completed_on"] == "2026-02-03"
    assert Decimal(event.after["hours"]) == Decimal("1.5")


@pytest.mark.parametrize("hours", [None, Decimal("0"), Decimal("999")])
def test_add_informal_accepts_no_hours_and_the_bounds(db, world, hours):
    entry = _informal(world, hours=hours)
    db.session.commit()
    assert entry.id is not None


def test_add_informal_refuses_negative_hours(db, world):
    with pytest.raises(ValidationFailed) as info:
        _informal(world, hours=Decimal("-0.5"))
    assert set(info.value.errors) == {"hours"}


def test_add_informal_refuses_more_than_999_hours(db, world):
    with pytest.raises(ValidationFailed) as info:
        _informal(world, hours=Decimal("1000"))
    assert set(info.value.errors) == {"hours"}


def test_add_informal_refuses_a_future_date(db, world):
    with pytest.raises(ValidationFailed) as info:
        _informal(world, completed_on=TODAY + dt.timedelta(days=1))
    assert set(info.value.errors) == {"completed_on"}
    assert "cannot be in the future" in info.value.errors["completed_on"]


def test_add_informal_refuses_no_date(db, world):
    with pytest.raises(ValidationFailed) as info:
        _informal(world, completed_on=None)
    assert set(info.value.errors) == {"completed_on"}


@pytest.mark.parametrize("title", ["", "   ", None])
def test_add_informal_refuses_an_empty_title(db, world, title):
    with pytest.raises(ValidationFailed) as info:
        _informal(world, title=title)
    assert set(info.value.errors) == {"title"}


def test_add_informal_reports_every_problem_and_saves_nothing(db, world):
    before = _counts(db)
    with pytest.raises(ValidationFailed) as info:
        _informal(world, title="", hours=Decimal("-1"), completed_on=dt.date(2027, 1, 1))
    assert set(info.value.errors) == {"title", "hours", "completed_on"}
    db.session.commit()
    assert _counts(db) == before


def test_add_informal_for_someone_else_is_not_allowed(db, world):
    before = _counts(db)
    with pytest.raises(NotAllowed):
        _informal(world, actor=world.educator)
    db.session.commit()
    assert _counts(db) == before


def test_two_requests_recording_the_same_competency_at_once_make_one_entry(app, db, world):
    """Both requests pass the "already awaiting?" check before either writes:
    the database's partial unique index refuses the second, and the service
    turns that into the same field message, not a crash."""
    from sqlalchemy import event

    fired = []

    def the_other_request_writes_first(session, flush_context, instances):
        if fired:
            return
        fired.append(True)
        with app.app_context():
            other = Entry(person_id=world.learner.id, item_id=world.competency.id, completed_on=dt.date(2026, 2, 27),
                          method=HERE, status=EntryStatus.AWAITING, recorded_by_id=world.learner.id)
            db.session.add(other)
            db.session.commit()
            db.session.remove()

    event.listen(db.session, "before_flush", the_other_request_writes_first)
    try:
        with pytest.raises(ValidationFailed) as refused:
            _record(world, world.competency, completed_on=dt.date(2026, 2, 28))
    finally:
        event.remove(db.session, "before_flush", the_other_request_writes_first)
    assert "already awaiting sign-off" in refused.value.errors["completed_on"]
    db.session.rollback()
    awaiting = db.session.scalars(select(Entry).where(Entry.item_id == world.competency.id)).all()
    assert [e.completed_on for e in awaiting] == [dt.date(2026, 2, 27)]


def test_the_same_accepted_record_again_is_refused_as_already_on_the_passport(db, world):
    """Same item, same date, same way: nothing to add (a double submit from two forms, or a retype)."""
    _record(world, world.fire)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        _record(world, world.fire, note="again")
    assert refused.value.errors["completed_on"].startswith("This is on the passport already: completed here on 10 Feb 2026")
    db.session.rollback()
    # Another date is another completion.
    _record(world, world.fire, completed_on=dt.date(2026, 2, 11))
    db.session.commit()
    assert _count(db, Entry) == 2


@pytest.mark.parametrize("completed_on, problem", [
    (None, "Enter the date."),
    (dt.date(2026, 3, 3), "The date cannot be in the future: today is 2 Mar 2026."),
    (dt.date(1949, 12, 31), "That is before 1950: check the year."),
    (dt.date(1950, 1, 1), None),
    (dt.date(2026, 3, 2), None),
])
def test_one_check_of_a_completion_date_for_records_and_informal_learning(completed_on, problem):
    assert completion_date_problem(completed_on, today=dt.date(2026, 3, 2), missing="Enter the date.") == problem
