"""Deciding entries, without HTTP: decide, revoke, withdraw_entry, observed practice,
the sign-off queue, two people deciding the same entry at once, and the
database triggers that keep decisions final (migration 0004).

PRODUCT.md §2 and §4: an entry is accepted, awaiting sign-off, rejected (with a
reason), withdrawn by its learner before sign-off, or revoked after acceptance
(with a reason); nobody decides their own entries, admins included; the
decider's name, job title and the date are kept; every state change writes one
audit event with before and after; entries and people are never deleted.

Runs on PostgreSQL too when SKILLPASS_TEST_DATABASE_URL is set
(scripts/with-postgres.sh).
"""
from __future__ import annotations

import datetime as dt
import io
import threading
from types import SimpleNamespace

import pytest
from sqlalchemy import Date, bindparam, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import FileStorage

from skillpass.models import AuditEvent, Confirmation, Entry, EntryMethod, EntryStatus, EvidenceRule, Item, Person, Role
from skillpass.permissions import can_decide_for
from skillpass.services.decisions import awaiting_count, awaiting_for, decide, revoke
from skillpass.services.entries import queue_kind, record_entry, withdraw_entry
from skillpass.services.errors import Conflict, NotAllowed, ValidationFailed
from tests import factories
from tests.conftest import TODAY

HERE = EntryMethod.HERE
EQUIVALENT = EntryMethod.EQUIVALENT
OBSERVED = EntryMethod.OBSERVED

AWAITING = EntryStatus.AWAITING
ACCEPTED = EntryStatus.ACCEPTED
REJECTED = EntryStatus.REJECTED
WITHDRAWN = EntryStatus.WITHDRAWN
REVOKED = EntryStatus.REVOKED
SUPERSEDED = EntryStatus.SUPERSEDED

UTC = dt.timezone.utc
EARLIER = dt.datetime(2026, 2, 20, 10, 0, tzinfo=UTC)   # when a pre-built entry was decided
PDF = factories.pdf()

REJECT_REASON = "Please repeat it with a patient present."
REVOKE_REASON = "Seen lifting unsafely on the ward since."
DECISION_ACTIONS = ("entry.signed_off", "entry.approved", "entry.rejected", "entry.withdrawn", "entry.revoked")
ENTRY_TRIGGER = "entries are never edited or deleted"
PERSON_TRIGGER = "people are never deleted"


@pytest.fixture
def app_config(app_config):
    """Threads below write to one SQLite file at once: let a writer wait for the
    other's lock (a busy timeout) rather than fail with "database is locked"."""
    if app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return {**app_config,
                "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "connect_args": {"timeout": 30}}}
    return app_config


# --------------------------------------------------------------------------- helpers


def _count(db, model=AuditEvent) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _events(db, *actions: str) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if actions:
        query = query.where(AuditEvent.action.in_(actions))
    return list(db.session.scalars(query))


def _decisions_logged(db, entry_id: int) -> list[AuditEvent]:
    return [e for e in _events(db, *DECISION_ACTIONS) if e.subject_id == entry_id]


def _state(entry: Entry) -> tuple:
    """Everything a decision may change."""
    return (entry.status, entry.decided_by_id, entry.decided_by_name, entry.decided_by_job_title,
            entry.decided_at, entry.decision_reason, entry.version)


def _reloaded(db, entry_id: int) -> Entry:
    db.session.expire_all()
    return db.session.get(Entry, entry_id)


def _entry(db, world, status: EntryStatus = AWAITING, *, person=None, item=None, method=HERE,
           source: str = "", recorded_at: dt.datetime | None = None, commit: bool = True) -> Entry:
    """An entry put straight into the table in the given status, as an earlier
    decision would have left it (as tests/views/test_passport_views.py does)."""
    person = person or world.learner
    item = item or world.competency
    entry = Entry(person_id=person.id, item_id=item.id, completed_on=dt.date(2026, 2, 1), method=method,
                  equivalent_source=source, status=status, recorded_by_id=person.id,
                  recorded_at=recorded_at or dt.datetime(2026, 2, 1, 9, 0, tzinfo=UTC))
    decider = {ACCEPTED: world.admin, REJECTED: world.educator, WITHDRAWN: person, REVOKED: world.educator}.get(status)
    if decider is not None:
        entry.decided_by_id = decider.id
        entry.decided_by_name = decider.name
        entry.decided_by_job_title = decider.job_role
        entry.decided_at = EARLIER
        entry.decision_reason = {REJECTED: "Not observed with a patient.", REVOKED: "Out of date."}.get(status, "")
    db.session.add(entry)
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return entry


def _item_of(db, entry: Entry) -> Item:
    return db.session.get(Item, entry.item_id)


def _upload(content: bytes = PDF, name: str = "cert.pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(content), filename=name, content_type="application/pdf")


def _assert_decided_by(entry: Entry, actor: Person) -> None:
    assert entry.decided_by_id == actor.id
    assert entry.decided_by_name == actor.name
    assert entry.decided_by_job_title == actor.job_role
    assert entry.decided_at is not None and entry.decided_at.tzinfo is not None
    assert entry.decided_at.date() == TODAY   # the injectable "today"


# --------------------------------------------------------------------------- 1. every transition


def _approve(db, world, entry):
    return decide(actor=world.educator, entry=entry, person=world.learner, item=_item_of(db, entry), approve=True)


def _reject(db, world, entry):
    return decide(actor=world.educator, entry=entry, person=world.learner, item=_item_of(db, entry),
                  approve=False, reason=REJECT_REASON)


def _reject_without_reason(db, world, entry):
    return decide(actor=world.educator, entry=entry, person=world.learner, item=_item_of(db, entry),
                  approve=False, reason="")


def _withdraw(db, world, entry):
    return withdraw_entry(actor=world.learner, entry=entry)


def _revoke(db, world, entry):
    return revoke(actor=world.educator, entry=entry, person=world.learner, item=_item_of(db, entry),
                  reason=REVOKE_REASON)


def _revoke_without_reason(db, world, entry):
    return revoke(actor=world.educator, entry=entry, person=world.learner, item=_item_of(db, entry), reason="")


OPERATIONS = {
    "approve": _approve,
    "reject": _reject,
    "reject-without-reason": _reject_without_reason,
    "withdraw": _withdraw,
    "revoke": _revoke,
    "revoke-without-reason": _revoke_without_reason,
}

# (from, operation) -> the resulting status, or (error class, field of its message)
NOT_NOW = (Conflict, "__all__")             # decided already: nothing to decide
NO_REASON = (ValidationFailed, "reason")    # the learner must see why
TOO_LATE = (ValidationFailed, "__all__")    # withdraw_entry: only before it is decided
TRANSITIONS = {
    AWAITING: {"approve": ACCEPTED, "reject": REJECTED, "reject-without-reason": NO_REASON,
               "withdraw": WITHDRAWN, "revoke": NOT_NOW, "revoke-without-reason": NOT_NOW},
    ACCEPTED: {"approve": NOT_NOW, "reject": NOT_NOW, "reject-without-reason": NOT_NOW,
               "withdraw": TOO_LATE, "revoke": REVOKED, "revoke-without-reason": NO_REASON},
    REJECTED: {"approve": NOT_NOW, "reject": NOT_NOW, "reject-without-reason": NOT_NOW,
               "withdraw": TOO_LATE, "revoke": NOT_NOW, "revoke-without-reason": NOT_NOW},
    WITHDRAWN: {"approve": NOT_NOW, "reject": NOT_NOW, "reject-without-reason": NOT_NOW,
                "withdraw": TOO_LATE, "revoke": NOT_NOW, "revoke-without-reason": NOT_NOW},
    REVOKED: {"approve": NOT_NOW, "reject": NOT_NOW, "reject-without-reason": NOT_NOW,
              "withdraw": TOO_LATE, "revoke": NOT_NOW, "revoke-without-reason": NOT_NOW},
    SUPERSEDED: {"approve": NOT_NOW, "reject": NOT_NOW, "reject-without-reason": NOT_NOW,   # corrected by its learner
                 "withdraw": TOO_LATE, "revoke": NOT_NOW, "revoke-without-reason": NOT_NOW},
}


def _outcome_id(outcome) -> str:
    if isinstance(outcome, EntryStatus):
        return outcome.value
    return f"{outcome[0].__name__}"


TABLE = [
    pytest.param(start, op, outcome, id=f"{start.value}-{op}->{_outcome_id(outcome)}")
    for start, row in TRANSITIONS.items()
    for op, outcome in row.items()
]

# what each allowed move writes: action, who decided, reason kept
SUCCESS = {
    "approve": ("entry.signed_off", "educator", ""),   # a competency: signed off
    "reject": ("entry.rejected", "educator", REJECT_REASON),
    "withdraw": ("entry.withdrawn", "learner", ""),
    "revoke": ("entry.revoked", "educator", REVOKE_REASON),
}


def test_the_table_covers_every_status_and_operation():
    assert set(TRANSITIONS) == set(EntryStatus)
    assert all(set(row) == set(OPERATIONS) for row in TRANSITIONS.values())
    assert len(TABLE) == 36


@pytest.mark.parametrize("start, op, outcome", TABLE)
def test_entry_transition(db, world, start, op, outcome):
    entry = _entry(db, world, start)
    before_state = _state(entry)
    before_events = _count(db)

    if isinstance(outcome, EntryStatus):
        _ = OPERATIONS[op](db, world, entry)
        db.session.commit()
        entry = _reloaded(db, entry.id)
        action, who, reason = SUCCESS[op]
        assert entry.status is outcome
        _assert_decided_by(entry, getattr(world, who))
        assert entry.version == before_state[-1] + 1
        if op != "withdraw":
            assert entry.decision_reason == reason
        assert _count(db) == before_events + 1
        [event] = _events(db)[-1:]
        assert event.action == action
        assert event.actor_id == getattr(world, who).id
        assert event.person_id == world.learner.id
        assert (event.subject_type, event.subject_id) == ("Entry", entry.id)
        assert event.before["status"] == start.value
        assert event.after["status"] == outcome.value
        assert event.after["decided_by_id"] == getattr(world, who).id
        return

    error_class, field = outcome
    with pytest.raises(error_class) as refused:
        OPERATIONS[op](db, world, entry)
    assert type(refused.value) is error_class
    assert set(refused.value.errors) == {field}
    # Nothing moved, not even in the session: committing now writes nothing.
    assert _state(entry) == before_state
    db.session.commit()
    entry = _reloaded(db, entry.id)
    assert _state(entry) == before_state
    assert _count(db) == before_events


@pytest.mark.parametrize("reason", ["   ", "\n\t "], ids=["spaces", "whitespace"])
@pytest.mark.parametrize("op, start", [("reject", AWAITING), ("revoke", ACCEPTED)])
def test_a_blank_reason_is_no_reason(db, world, op, start, reason):
    entry = _entry(db, world, start)
    before_state, before_events = _state(entry), _count(db)
    with pytest.raises(ValidationFailed) as refused:
        if op == "reject":
            decide(actor=world.educator, entry=entry, person=world.learner, item=world.competency,
                   approve=False, reason=reason)
        else:
            revoke(actor=world.educator, entry=entry, person=world.learner, item=world.competency, reason=reason)
    assert set(refused.value.errors) == {"reason"}
    db.session.commit()
    assert _state(_reloaded(db, entry.id)) == before_state
    assert _count(db) == before_events


@pytest.mark.parametrize("op, start", [("reject", AWAITING), ("revoke", ACCEPTED)])
def test_a_reason_longer_than_1000_characters_is_refused_and_1000_is_kept(db, world, op, start):
    def run(entry, reason):
        if op == "reject":
            return decide(actor=world.educator, entry=entry, person=world.learner, item=world.competency,
                          approve=False, reason=reason)
        return revoke(actor=world.educator, entry=entry, person=world.learner, item=world.competency, reason=reason)

    entry = _entry(db, world, start)
    with pytest.raises(ValidationFailed) as refused:
        run(entry, "x" * 1001)
    assert set(refused.value.errors) == {"reason"}
    assert entry.status is start
    run(entry, "  " + "y" * 1000 + "  ")
    db.session.commit()
    assert _reloaded(db, entry.id).decision_reason == "y" * 1000


def test_the_rejected_learner_can_submit_again_and_that_one_can_be_approved(db, world):
    first = record_entry(actor=world.learner, person=world.learner, item=world.competency,
                         completed_on=dt.date(2026, 2, 10), method=HERE, today=TODAY)
    db.session.commit()
    _reject(db, world, first)
    db.session.commit()
    again = record_entry(actor=world.learner, person=world.learner, item=world.competency,
                         completed_on=dt.date(2026, 2, 12), method=HERE, today=TODAY)
    db.session.commit()
    assert again.status is AWAITING
    _approve(db, world, again)
    db.session.commit()
    assert _reloaded(db, first.id).status is REJECTED
    assert _reloaded(db, again.id).status is ACCEPTED


# --------------------------------------------------------------------------- 2. who may decide


ACTORS = [
    pytest.param("learner", NotAllowed, id="the-learner-themself"),
    pytest.param("other_learner", NotAllowed, id="another-learner"),
    pytest.param("other_educator", NotAllowed, id="another-teams-educator"),
    pytest.param("educator", None, id="the-teams-educator"),
    pytest.param("admin", None, id="an-admin"),
]


@pytest.mark.parametrize("who, refused_with", ACTORS)
@pytest.mark.parametrize("op", ["approve", "reject", "revoke"])
def test_who_may_decide(db, world, who, refused_with, op):
    actor = getattr(world, who)
    entry = _entry(db, world, ACCEPTED if op == "revoke" else AWAITING)
    before_state, before_events = _state(entry), _count(db)
    assert can_decide_for(actor, world.learner) is (refused_with is None)

    def run():
        if op == "revoke":
            return revoke(actor=actor, entry=entry, person=world.learner, item=world.competency, reason=REVOKE_REASON)
        return decide(actor=actor, entry=entry, person=world.learner, item=world.competency,
                      approve=op == "approve", reason="" if op == "approve" else REJECT_REASON)

    if refused_with is not None:
        with pytest.raises(refused_with):
            run()
        db.session.commit()
        assert _state(_reloaded(db, entry.id)) == before_state
        assert _count(db) == before_events
        return

    decision = run()
    db.session.commit()
    entry = _reloaded(db, entry.id)
    expected = {"approve": (ACCEPTED, "entry.signed_off"), "reject": (REJECTED, "entry.rejected"),
                "revoke": (REVOKED, "entry.revoked")}[op]
    assert (entry.status, decision.action) == expected
    _assert_decided_by(entry, actor)
    [event] = _decisions_logged(db, entry.id)
    assert (event.action, event.actor_id) == (expected[1], actor.id)
    assert _count(db) == before_events + 1


def test_an_admin_cannot_decide_their_own_entry(db, world):
    """Admins hold passports too; nobody signs off, approves or revokes their own."""
    admin = world.admin
    factories.assign(admin, world.template)
    db.session.commit()
    entry = record_entry(actor=admin, person=admin, item=world.competency, completed_on=dt.date(2026, 2, 10),
                         method=HERE, today=TODAY)
    db.session.commit()
    assert entry.status is AWAITING
    assert not can_decide_for(admin, admin)
    before_state, before_events = _state(entry), _count(db)

    for approve, reason in ((True, ""), (False, REJECT_REASON)):
        with pytest.raises(NotAllowed):
            decide(actor=admin, entry=entry, person=admin, item=world.competency, approve=approve, reason=reason)
    db.session.commit()
    assert _state(_reloaded(db, entry.id)) == before_state
    assert _count(db) == before_events
    assert entry.id not in [row[0].id for row in awaiting_for(admin)]

    # Another admin may.
    second_admin = factories.person(name="Bo Admin", role=Role.ADMIN, job_role="Education Lead")
    db.session.commit()
    assert entry.id in [row[0].id for row in awaiting_for(second_admin)]
    decide(actor=second_admin, entry=entry, person=admin, item=world.competency, approve=True)
    db.session.commit()
    entry = _reloaded(db, entry.id)
    assert entry.status is ACCEPTED
    _assert_decided_by(entry, second_admin)


def test_an_admin_cannot_revoke_their_own_accepted_entry(db, world):
    entry = _entry(db, world, ACCEPTED, person=world.admin)
    before_state = _state(entry)
    with pytest.raises(NotAllowed):
        revoke(actor=world.admin, entry=entry, person=world.admin, item=world.competency, reason=REVOKE_REASON)
    db.session.commit()
    assert _state(_reloaded(db, entry.id)) == before_state


def test_an_educator_cannot_decide_their_own_entry_in_the_team_they_support(db, world):
    assert world.educator.supports(world.educator)   # in team A, which they support
    entry = _entry(db, world, AWAITING, person=world.educator)
    before_state = _state(entry)
    with pytest.raises(NotAllowed):
        decide(actor=world.educator, entry=entry, person=world.educator, item=world.competency, approve=True)
    db.session.commit()
    assert _state(_reloaded(db, entry.id)) == before_state


def test_an_entry_and_a_person_that_do_not_match_are_refused(db, world):
    entry = _entry(db, world, AWAITING)
    with pytest.raises(ValueError):
        decide(actor=world.admin, entry=entry, person=world.other_learner, item=world.competency, approve=True)
    assert entry.status is AWAITING


def _awaiting_of_kind(db, world, kind: str) -> Entry:
    if kind == "competency":
        entry = record_entry(actor=world.learner, person=world.learner, item=world.competency,
                             completed_on=dt.date(2026, 2, 10), method=HERE, today=TODAY)
    elif kind == "equivalent training demonstrated":
        entry = record_entry(actor=world.learner, person=world.learner, item=world.fire,
                             completed_on=dt.date(2025, 11, 3), method=EQUIVALENT, today=TODAY,
                             equivalent_source="Leeds Teaching Hospitals")
    else:   # an evidence check
        world.stress.evidence = EvidenceRule.REQUIRED
        world.stress.confirmation = Confirmation.EVIDENCE
        db.session.commit()
        entry = record_entry(actor=world.learner, person=world.learner, item=world.stress,
                             completed_on=dt.date(2026, 2, 10), method=HERE, today=TODAY, upload=_upload())
    db.session.commit()
    assert entry.status is AWAITING
    assert queue_kind(entry, _item_of(db, entry)) == kind
    return entry


@pytest.mark.parametrize("who", ["educator", "admin"])
@pytest.mark.parametrize("kind, action", [
    ("competency", "entry.signed_off"),
    ("equivalent training demonstrated", "entry.approved"),
    ("evidence check", "entry.approved"),
])
def test_approval_snapshots_the_decider_and_writes_one_audit_event(db, world, kind, action, who):
    actor = getattr(world, who)
    entry = _awaiting_of_kind(db, world, kind)
    item = _item_of(db, entry)
    before_events = _count(db)

    decision = decide(actor=actor, entry=entry, person=world.learner, item=item, approve=True)
    db.session.commit()

    assert decision.action == action
    assert decision.message.endswith(f" {item.title} for {world.learner.name}.")
    entry = _reloaded(db, entry.id)
    assert entry.status is ACCEPTED
    _assert_decided_by(entry, actor)
    assert entry.decision_reason == ""
    assert _count(db) == before_events + 1
    [event] = _decisions_logged(db, entry.id)
    assert event.action == action
    assert event.actor_id == actor.id
    assert event.person_id == world.learner.id
    assert (event.subject_type, event.subject_id) == ("Entry", entry.id)
    assert event.before["status"] == "awaiting" and event.before["decided_by_id"] is None
    assert event.before["decided_at"] is None
    assert event.after["status"] == "accepted" and event.after["decided_by_id"] == actor.id
    assert dt.datetime.fromisoformat(event.after["decided_at"]) == entry.decided_at
    assert kind in event.summary


@pytest.mark.parametrize("kind", ["competency", "equivalent training demonstrated", "evidence check"])
def test_rejection_keeps_the_reason_and_writes_entry_rejected(db, world, kind):
    entry = _awaiting_of_kind(db, world, kind)
    decision = decide(actor=world.educator, entry=entry, person=world.learner, item=_item_of(db, entry),
                      approve=False, reason=f"  {REJECT_REASON}  ")
    db.session.commit()
    assert decision.action == "entry.rejected"
    entry = _reloaded(db, entry.id)
    assert entry.status is REJECTED
    assert entry.decision_reason == REJECT_REASON
    _assert_decided_by(entry, world.educator)
    [event] = _decisions_logged(db, entry.id)
    assert (event.action, event.before["status"], event.after["status"]) == ("entry.rejected", "awaiting", "rejected")
    assert event.after["decision_reason"] == REJECT_REASON
    assert REJECT_REASON in event.summary


def test_revocation_writes_entry_revoked_with_before_and_after(db, world):
    entry = _awaiting_of_kind(db, world, "competency")
    decide(actor=world.educator, entry=entry, person=world.learner, item=world.competency, approve=True)
    db.session.commit()
    decision = revoke(actor=world.admin, entry=entry, person=world.learner, item=world.competency,
                      reason=REVOKE_REASON)
    db.session.commit()
    assert decision.action == "entry.revoked"
    entry = _reloaded(db, entry.id)
    assert entry.status is REVOKED
    _assert_decided_by(entry, world.admin)
    assert entry.decision_reason == REVOKE_REASON
    assert [e.action for e in _decisions_logged(db, entry.id)] == ["entry.signed_off", "entry.revoked"]
    event = _decisions_logged(db, entry.id)[-1]
    assert event.actor_id == world.admin.id
    assert (event.before["status"], event.after["status"]) == ("accepted", "revoked")
    assert (event.before["decided_by_id"], event.after["decided_by_id"]) == (world.educator.id, world.admin.id)


def test_the_deciders_name_and_job_title_are_kept_as_they_were(db, world):
    entry = _awaiting_of_kind(db, world, "competency")
    decide(actor=world.educator, entry=entry, person=world.learner, item=world.competency, approve=True)
    db.session.commit()
    world.educator.name = "Eve Renamed"
    world.educator.job_role = "Clinical Lead"
    db.session.commit()
    entry = _reloaded(db, entry.id)
    assert (entry.decided_by_name, entry.decided_by_job_title) == ("Eve Educator", "Practice Educator")


# --------------------------------------------------------------------------- 3. certificates and observed practice


@pytest.fixture
def certificate_required(db, world):
    world.stress.evidence = EvidenceRule.REQUIRED
    world.stress.confirmation = Confirmation.EVIDENCE
    db.session.commit()
    return world.stress


def test_a_certificate_with_its_file_awaits_approval(db, world, certificate_required):
    before_events = _count(db)
    entry = record_entry(actor=world.learner, person=world.learner, item=certificate_required,
                         completed_on=dt.date(2026, 2, 10), method=HERE, today=TODAY, upload=_upload())
    db.session.commit()
    entry = _reloaded(db, entry.id)
    assert entry.status is AWAITING
    assert entry.evidence_id is not None
    assert queue_kind(entry, certificate_required) == "evidence check"
    assert [row[0].id for row in awaiting_for(world.educator, kind="evidence check")] == [entry.id]
    [row] = awaiting_for(world.educator)
    assert row[3] is not None and row[3].original_name == "cert.pdf" and row[3].content_type == "application/pdf"
    assert _count(db) == before_events + 1   # entry.recorded


@pytest.mark.parametrize("upload", [None, "no-name"], ids=["no-file", "empty-file-field"])
def test_a_certificate_without_a_file_is_refused(db, world, certificate_required, upload):
    if upload == "no-name":
        upload = FileStorage(stream=io.BytesIO(b""), filename="", content_type="application/octet-stream")
    before = (_count(db, Entry), _count(db))
    with pytest.raises(ValidationFailed) as refused:
        record_entry(actor=world.learner, person=world.learner, item=certificate_required,
                     completed_on=dt.date(2026, 2, 10), method=HERE, today=TODAY, upload=upload)
    assert "evidence" in refused.value.errors
    db.session.commit()
    assert (_count(db, Entry), _count(db)) == before


def test_observed_practice_by_the_teams_educator_is_accepted_at_once(db, world):
    before_events = _count(db)
    entry = record_entry(actor=world.educator, person=world.learner, item=world.competency,
                         completed_on=dt.date(2026, 2, 27), method=OBSERVED, today=TODAY)
    db.session.commit()
    entry = _reloaded(db, entry.id)
    assert entry.status is ACCEPTED
    assert entry.method is OBSERVED
    assert entry.recorded_by_id == world.educator.id
    _assert_decided_by(entry, world.educator)
    assert awaiting_count(world.educator) == 0
    [event] = _events(db)[before_events:]
    assert event.action == "entry.recorded" and event.actor_id == world.educator.id
    assert event.after["status"] == "accepted" and event.after["decided_by_id"] == world.educator.id


def test_observed_practice_by_an_admin_is_accepted_at_once(db, world):
    entry = record_entry(actor=world.admin, person=world.learner, item=world.competency,
                         completed_on=dt.date(2026, 2, 27), method=OBSERVED, today=TODAY)
    db.session.commit()
    assert entry.status is ACCEPTED
    _assert_decided_by(_reloaded(db, entry.id), world.admin)


@pytest.mark.parametrize("actor, person, item, refused_with", [
    pytest.param("other_educator", "learner", "competency", NotAllowed, id="another-teams-educator"),
    pytest.param("learner", "learner", "competency", NotAllowed, id="the-learner-for-themself"),
    pytest.param("other_learner", "learner", "competency", NotAllowed, id="another-learner"),
    pytest.param("educator", "educator", "competency", NotAllowed, id="the-educator-for-themself"),
    pytest.param("educator", "learner", "fire", ValidationFailed, id="a-learning-item"),
    pytest.param("educator", "learner", "stress", ValidationFailed, id="another-learning-item"),
])
def test_observed_practice_refused(db, world, actor, person, item, refused_with):
    before = (_count(db, Entry), _count(db))
    with pytest.raises(refused_with):
        record_entry(actor=getattr(world, actor), person=getattr(world, person), item=getattr(world, item),
                     completed_on=dt.date(2026, 2, 27), method=OBSERVED, today=TODAY)
    db.session.commit()
    assert (_count(db, Entry), _count(db)) == before


# --------------------------------------------------------------------------- 4. the queue


@pytest.fixture
def queue(db, world):
    """Awaiting entries across both teams, inserted out of order of recording."""
    def at(day: int) -> dt.datetime:
        return dt.datetime(2026, 2, day, 9, 0, tzinfo=UTC)

    second = factories.person(name="Sam Second", team=world.team_a)
    gone = factories.person(name="Gil Gone", team=world.team_a)
    gone.active = False
    q = SimpleNamespace(second=second, gone=gone)
    add = lambda **kw: _entry(db, world, commit=False, **kw)  # noqa: E731
    q.cert = add(person=world.learner, item=world.stress, recorded_at=at(20))
    q.own = add(person=world.educator, item=world.competency, recorded_at=at(1))
    q.learner_competency = add(person=world.learner, item=world.competency, recorded_at=at(25))
    q.team_b = add(person=world.other_learner, item=world.competency, recorded_at=at(5))
    q.second_competency = add(person=second, item=world.competency, recorded_at=at(10))
    q.prior = add(person=world.learner, item=world.fire, method=EQUIVALENT, source="Leeds Teaching Hospitals",
                  recorded_at=at(15))
    q.inactive = add(person=gone, item=world.competency, recorded_at=at(4))
    q.accepted = add(status=ACCEPTED, person=world.learner, item=world.optional, recorded_at=at(2))
    q.rejected = add(status=REJECTED, person=second, item=world.fire, recorded_at=at(3))
    q.withdrawn = add(status=WITHDRAWN, person=second, item=world.stress, recorded_at=at(6))
    db.session.commit()
    return q


def _ids(rows) -> list[int]:
    return [row[0].id for row in rows]


def test_the_educator_sees_only_their_teams_awaiting_entries_oldest_first(db, world, queue):
    rows = awaiting_for(world.educator)
    assert _ids(rows) == [queue.second_competency.id, queue.prior.id, queue.cert.id, queue.learner_competency.id]
    for entry, person, item, evidence in rows:
        assert person.id == entry.person_id and person.team_id == world.team_a.id
        assert item.id == entry.item_id
        assert entry.status is AWAITING
        assert evidence is None
    assert awaiting_count(world.educator) == len(rows) == 4


def test_never_the_educators_own_nor_an_inactive_persons(db, world, queue):
    ids = _ids(awaiting_for(world.educator))
    assert queue.own.id not in ids
    assert queue.inactive.id not in ids
    assert queue.team_b.id not in ids


@pytest.mark.parametrize("kind, expected", [
    ("competency", ["second_competency", "learner_competency"]),
    ("confirmation", ["cert"]),    # a learning item's own record with no file to check
    ("equivalent training demonstrated", ["prior"]),
])
def test_the_queue_filters_by_kind(db, world, queue, kind, expected):
    rows = awaiting_for(world.educator, kind=kind)
    assert _ids(rows) == [getattr(queue, name).id for name in expected]
    assert all(queue_kind(entry, item) == kind for entry, _, item, _ in rows)


def test_the_queue_filters_by_team(db, world, queue):
    assert _ids(awaiting_for(world.educator, team_id=world.team_a.id)) == _ids(awaiting_for(world.educator))
    assert awaiting_for(world.educator, team_id=world.team_b.id) == []   # not a team they support
    assert _ids(awaiting_for(world.educator, team_id=world.team_a.id, kind="competency")) == [
        queue.second_competency.id, queue.learner_competency.id]


def test_another_teams_educator_sees_only_theirs(db, world, queue):
    assert _ids(awaiting_for(world.other_educator)) == [queue.team_b.id]
    assert awaiting_count(world.other_educator) == 1
    assert awaiting_for(world.other_educator, team_id=world.team_a.id) == []


def test_an_admin_sees_every_team(db, world, queue):
    everyone = [queue.own.id, queue.team_b.id, queue.second_competency.id, queue.prior.id, queue.cert.id,
                queue.learner_competency.id]
    assert _ids(awaiting_for(world.admin)) == everyone
    assert awaiting_count(world.admin) == len(everyone)
    assert _ids(awaiting_for(world.admin, team_id=world.team_b.id)) == [queue.team_b.id]
    assert _ids(awaiting_for(world.admin, kind="competency")) == [
        queue.own.id, queue.team_b.id, queue.second_competency.id, queue.learner_competency.id]
    assert _ids(awaiting_for(world.admin, kind="equivalent training demonstrated")) == [queue.prior.id]


def test_a_decided_entry_leaves_the_queue_and_the_count_follows(db, world, queue):
    decide(actor=world.educator, entry=queue.prior, person=world.learner, item=world.fire, approve=True)
    db.session.commit()
    assert queue.prior.id not in _ids(awaiting_for(world.educator))
    assert awaiting_count(world.educator) == 3
    withdraw_entry(actor=world.learner, entry=queue.cert)
    db.session.commit()
    assert _ids(awaiting_for(world.educator)) == [queue.second_competency.id, queue.learner_competency.id]
    assert awaiting_count(world.educator) == 2


def test_a_learner_has_an_empty_queue(db, world, queue):
    assert awaiting_for(world.learner) == []
    assert awaiting_count(world.learner) == 0


# --------------------------------------------------------------------------- 5. two people at once


def _request_parts(db, ids: SimpleNamespace, op: str) -> SimpleNamespace:
    """Load, in the current app context's own session, what a request would."""
    entry = db.session.get(Entry, ids.entry)
    actor_id = {"approve": ids.educator, "reject": ids.admin, "withdraw": ids.learner}[op]
    return SimpleNamespace(
        op=op, entry=entry, actor=db.session.get(Person, actor_id),
        person=db.session.get(Person, ids.learner), item=db.session.get(Item, entry.item_id),
    )


def _act(parts: SimpleNamespace):
    if parts.op == "withdraw":
        return withdraw_entry(actor=parts.actor, entry=parts.entry)
    return decide(actor=parts.actor, entry=parts.entry, person=parts.person, item=parts.item,
                  approve=parts.op == "approve", reason="" if parts.op == "approve" else REJECT_REASON)


RESULT = {"approve": (ACCEPTED, "entry.signed_off", "educator"),
          "reject": (REJECTED, "entry.rejected", "admin"),
          "withdraw": (WITHDRAWN, "entry.withdrawn", "learner")}


def _race_ids(db, world) -> SimpleNamespace:
    entry = _entry(db, world, AWAITING)
    ids = SimpleNamespace(entry=entry.id, educator=world.educator.id, admin=world.admin.id,
                          learner=world.learner.id)
    db.session.commit()
    db.session.close()   # this test's own session holds nothing while the "requests" run
    return ids


def _assert_only(db, ids, op: str) -> None:
    status, action, who = RESULT[op]
    entry = _reloaded(db, ids.entry)
    assert entry.status is status
    assert entry.decided_by_id == getattr(ids, who)
    assert entry.version == 2
    assert entry.decision_reason == (REJECT_REASON if op == "reject" else "")
    logged = _decisions_logged(db, ids.entry)
    assert [(e.action, e.actor_id) for e in logged] == [(action, getattr(ids, who))]


RACES = [
    pytest.param("approve", "reject", id="approve-then-reject"),
    pytest.param("reject", "approve", id="reject-then-approve"),
    pytest.param("approve", "approve", id="approve-twice"),
    pytest.param("withdraw", "approve", id="withdraw-then-approve"),
    pytest.param("approve", "withdraw", id="approve-then-withdraw"),
]


@pytest.mark.parametrize("first, second", RACES)
def test_interleaved_decisions_the_second_is_a_conflict(app, db, world, first, second):
    """Both requests load the entry while it awaits; the first decides and
    commits; the second must fail as a Conflict (which the views turn into a
    message), not as SQLAlchemy's StaleDataError, and must leave nothing."""
    ids = _race_ids(db, world)

    with app.app_context():                      # the second request, its own session
        late = _request_parts(db, ids, second)
        late_session = db.session()
        assert late.entry.status is AWAITING
        with app.app_context():                  # the first request, another session
            early = _request_parts(db, ids, first)
            assert db.session() is not late_session
            assert early.entry.status is AWAITING
            _act(early)
            db.session.commit()
        try:
            with pytest.raises(Conflict) as refused:
                _act(late)
        except StaleDataError as error:          # pragma: no cover - a failure, said plainly
            pytest.fail(f"the second decision raised StaleDataError, not Conflict: {error}")
        assert set(refused.value.errors) == {"__all__"}
        db.session.rollback()
        assert late.entry.status is RESULT[first][0]   # after rollback the session reads the first decision

    _assert_only(db, ids, first)


@pytest.mark.parametrize("first, second", [
    pytest.param("approve", "reject", id="approve-and-reject"),
    pytest.param("withdraw", "approve", id="withdraw-and-approve"),
])
def test_truly_concurrent_decisions_exactly_one_wins(app, db, world, first, second):
    """Two threads, each a request with its own app context and session; both
    have loaded the awaiting entry before either writes (the barrier), then
    both decide and commit at once. Exactly one wins; the other is a Conflict."""
    ids = _race_ids(db, world)
    barrier = threading.Barrier(2, timeout=30)
    outcomes: dict[str, object] = {}

    def request(op: str) -> None:
        try:
            with app.app_context():
                parts = _request_parts(db, ids, op)
                assert parts.entry.status is AWAITING
                barrier.wait()                   # both have read version 1
                try:
                    _act(parts)
                    db.session.commit()
                    outcomes[op] = "won"
                except Conflict as error:
                    db.session.rollback()
                    outcomes[op] = error
        except BaseException as error:           # anything else fails the test below
            outcomes[op] = error

    threads = [threading.Thread(target=request, args=(op,), name=f"request-{op}") for op in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a request hung"

    unexpected = {op: o for op, o in outcomes.items() if o != "won" and not isinstance(o, Conflict)}
    assert not unexpected, f"neither a win nor a Conflict: {unexpected!r}"
    winners = [op for op, o in outcomes.items() if o == "won"]
    losers = [op for op, o in outcomes.items() if isinstance(o, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    _assert_only(db, ids, winners[0])


# --------------------------------------------------------------------------- 6. the database itself refuses


def _raw_row(db, entry_id: int):
    return db.session.execute(
        text("SELECT status, completed_on, decided_by_id, version FROM entry WHERE id = :id"), {"id": entry_id}
    ).one_or_none()


@pytest.mark.parametrize("start, to", [
    pytest.param(REJECTED, ACCEPTED, id="rejected->accepted"),
    pytest.param(REJECTED, AWAITING, id="rejected->awaiting"),
    pytest.param(ACCEPTED, REJECTED, id="accepted->rejected"),
    pytest.param(ACCEPTED, AWAITING, id="accepted->awaiting"),
    pytest.param(WITHDRAWN, ACCEPTED, id="withdrawn->accepted"),
    pytest.param(WITHDRAWN, AWAITING, id="withdrawn->awaiting"),
    pytest.param(REVOKED, ACCEPTED, id="revoked->accepted"),
    pytest.param(AWAITING, REVOKED, id="awaiting->revoked"),
])
def test_the_database_refuses_a_second_decision(db, world, start, to):
    entry = _entry(db, world, start)
    before = _raw_row(db, entry.id)
    with pytest.raises(DBAPIError, match=ENTRY_TRIGGER):
        db.session.execute(text("UPDATE entry SET status = :to, version = version + 1 WHERE id = :id"),
                           {"to": to.value, "id": entry.id})
    db.session.rollback()
    assert _raw_row(db, entry.id) == before


@pytest.mark.parametrize("status", list(EntryStatus), ids=lambda s: s.value)
def test_the_database_refuses_a_changed_completion_date(db, world, status):
    entry = _entry(db, world, status)
    before = _raw_row(db, entry.id)
    stmt = text("UPDATE entry SET completed_on = :on WHERE id = :id").bindparams(bindparam("on", type_=Date()))
    with pytest.raises(DBAPIError, match=ENTRY_TRIGGER):
        db.session.execute(stmt, {"on": dt.date(2026, 2, 2), "id": entry.id})
    db.session.rollback()
    assert _raw_row(db, entry.id) == before


@pytest.mark.parametrize("status", list(EntryStatus), ids=lambda s: s.value)
def test_the_database_refuses_to_delete_an_entry(db, world, status):
    entry = _entry(db, world, status)
    before = _raw_row(db, entry.id)
    with pytest.raises(DBAPIError, match=ENTRY_TRIGGER):
        db.session.execute(text("DELETE FROM entry WHERE id = :id"), {"id": entry.id})
    db.session.rollback()
    assert _raw_row(db, entry.id) == before
    with pytest.raises(DBAPIError, match=ENTRY_TRIGGER):
        db.session.execute(text("DELETE FROM entry"))
    db.session.rollback()
    assert _count(db, Entry) == 1


@pytest.mark.parametrize("who", ["new", "learner", "admin"])
def test_the_database_refuses_to_delete_a_person(db, world, who):
    # "new": nobody refers to them, so it is the trigger (not a foreign key) that refuses.
    person = factories.person(name="Nia New") if who == "new" else getattr(world, who)
    db.session.commit()
    people = _count(db, Person)
    with pytest.raises(DBAPIError, match=PERSON_TRIGGER):
        db.session.execute(text("DELETE FROM person WHERE id = :id"), {"id": person.id})
    db.session.rollback()
    assert db.session.execute(text("SELECT count(*) FROM person WHERE id = :id"), {"id": person.id}).scalar() == 1
    assert _count(db, Person) == people


@pytest.mark.kept_dates_unchecked      # raw SQL on purpose: nothing keeps the trend's month ends for it
def test_the_database_still_allows_the_moves_the_services_make(db, world):
    """The triggers refuse only what is not a decision: awaiting→accepted and
    accepted→revoked go through as raw SQL too."""
    entry = _entry(db, world, AWAITING)
    db.session.execute(text("UPDATE entry SET status = 'accepted', version = version + 1 WHERE id = :id"),
                       {"id": entry.id})
    db.session.execute(text("UPDATE entry SET status = 'revoked', version = version + 1 WHERE id = :id"),
                       {"id": entry.id})
    db.session.commit()
    assert _raw_row(db, entry.id)[0] == "revoked"
