"""The audit log is append-only (PRODUCT.md §4): the ORM refuses to change or
delete an event, and the database triggers added by the first migration
refuse raw UPDATE and DELETE too. Runs on PostgreSQL as well when
SKILLPASS_TEST_DATABASE_URL is set.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from skillpass.labels import Action
from skillpass.models import AuditEvent, EntryMethod, EntryStatus, ItemKind
from skillpass.models.audit import AuditLogIsAppendOnly
from skillpass.services import audit
from skillpass.services.entries import ENTRY_FIELDS, record_entry
from tests.conftest import PG_URL, TODAY

APPEND_ONLY = "append-only"


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def _stored_rows(db) -> list[tuple]:
    """The rows as the database holds them, read past the session's identity map."""
    return [tuple(r) for r in db.session.execute(
        text("SELECT id, action, summary, actor_id FROM audit_event ORDER BY id")
    )]


@pytest.fixture
def events(db, world):
    """Two committed events, so row-level triggers have rows to fire on."""
    first = audit.log(actor=world.admin, action=Action.PERSON_CHANGED, subject=world.learner,
                      person_id=world.learner.id, summary="First", after={"a": 1})
    second = audit.log(actor=world.admin, action=Action.PERSON_TEAMS_CHANGED, subject=world.learner,
                       person_id=world.learner.id, summary="Second", before={"a": 1}, after={"a": 2})
    db.session.commit()
    return SimpleNamespace(first=first, second=second, rows=_stored_rows(db))


def _unchanged(db, events) -> None:
    db.session.rollback()
    db.session.expire_all()
    assert _stored_rows(db) == events.rows


# --------------------------------------------------------------------------- ORM


def test_the_orm_refuses_to_update_an_event(db, events):
    events.first.summary = "Rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    _unchanged(db, events)


def test_the_orm_refuses_to_update_an_event_on_commit(db, events):
    events.second.after = {"a": 3}
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    _unchanged(db, events)


def test_the_orm_refuses_to_delete_an_event(db, events):
    db.session.delete(events.first)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    _unchanged(db, events)


def test_bulk_orm_statements_skip_the_mapper_hooks_but_meet_the_trigger(db, events):
    with pytest.raises(DBAPIError, match=APPEND_ONLY):
        db.session.execute(update(AuditEvent).values(summary="Rewritten"))
    _unchanged(db, events)
    with pytest.raises(DBAPIError, match=APPEND_ONLY):
        db.session.execute(delete(AuditEvent).where(AuditEvent.id == events.first.id))
    _unchanged(db, events)


# --------------------------------------------------------------------------- database triggers


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_event SET summary = 'Rewritten'",
        "UPDATE audit_event SET actor_id = NULL WHERE id = :id",
        "DELETE FROM audit_event",
        "DELETE FROM audit_event WHERE id = :id",
    ],
    ids=["update-all", "update-one", "delete-all", "delete-one"],
)
def test_raw_sql_cannot_change_the_log(db, events, sql):
    with pytest.raises(DBAPIError, match=APPEND_ONLY):
        db.session.execute(text(sql), {"id": events.first.id} if ":id" in sql else {})
    _unchanged(db, events)


def test_raw_sql_on_a_separate_connection_cannot_change_the_log(db, events):
    with db.engine.connect() as conn:
        with pytest.raises(DBAPIError, match=APPEND_ONLY):
            conn.execute(text("DELETE FROM audit_event"))
        conn.rollback()
    _unchanged(db, events)


@pytest.mark.skipif(not PG_URL, reason="TRUNCATE is PostgreSQL only")
def test_truncate_is_refused_on_postgresql(db, events):
    with pytest.raises(DBAPIError, match=APPEND_ONLY):
        db.session.execute(text("TRUNCATE audit_event"))
    _unchanged(db, events)


# --------------------------------------------------------------------------- inserting still works


def test_inserting_still_works(db, events, world):
    before = _count(db)
    event = audit.log(actor=world.educator, action=Action.PERSON_PASSWORD_RESET, subject=world.learner,
                      person_id=world.learner.id, summary="Third", after={"b": True})
    db.session.commit()
    db.session.expire_all()

    assert _count(db) == before + 1
    stored = db.session.get(AuditEvent, event.id)
    assert stored.actor_id == world.educator.id
    assert stored.action == "person.password_reset"
    assert stored.subject_type == "Person"
    assert stored.subject_id == world.learner.id
    assert stored.summary == "Third"
    assert stored.before is None
    assert stored.after == {"b": True}
    assert stored.at.tzinfo is not None
    # …and the earlier rows are untouched.
    assert _stored_rows(db)[: len(events.rows)] == events.rows


def test_raw_insert_still_works(db, events, world):
    db.session.execute(
        text("INSERT INTO audit_event (at, actor_id, action, subject_type, subject_id, person_id, summary)"
             " VALUES (:at, NULL, 'test.raw', 'Person', NULL, NULL, 'Raw')"),
        {"at": dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)},
    )
    db.session.commit()
    assert _count(db) == len(events.rows) + 1


def test_a_service_writes_and_the_log_then_stays_put(db, world):
    entry = record_entry(actor=world.learner, person=world.learner, item=world.fire,
                         completed_on=dt.date(2026, 2, 10), method=EntryMethod.HERE, today=TODAY)
    db.session.commit()
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_id == entry.id)).all()
    db.session.delete(event)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    assert _count(db) == 1


# --------------------------------------------------------------------------- snapshot


def test_snapshot_is_json_safe(db, world):
    thing = SimpleNamespace(
        completed_on=dt.date(2026, 2, 10),
        decided_at=dt.datetime(2026, 2, 11, 14, 30, tzinfo=dt.timezone.utc),
        method=EntryMethod.EQUIVALENT,
        status=EntryStatus.AWAITING,
        kind=ItemKind.COMPETENCY,
        hours=Decimal("1.50"),
        note="plain",
        count=3,
        flag=True,
        nothing=None,
    )
    snap = audit.snapshot(thing, list(vars(thing)))
    assert snap == {
        "completed_on": "2026-02-10",
        "decided_at": "2026-02-11T14:30:00+00:00",
        "method": "equivalent",
        "status": "awaiting",
        "kind": "competency",
        "hours": "1.50",
        "note": "plain",
        "count": 3,
        "flag": True,
        "nothing": None,
    }
    assert json.loads(json.dumps(snap)) == snap


def test_snapshot_of_an_entry_and_its_round_trip_through_the_log(db, world):
    entry = record_entry(actor=world.learner, person=world.learner, item=world.fire,
                         completed_on=dt.date(2026, 2, 10), method=EntryMethod.HERE, today=TODAY)
    db.session.flush()
    snap = audit.snapshot(entry, ENTRY_FIELDS)
    assert set(snap) == set(ENTRY_FIELDS)
    assert snap["completed_on"] == "2026-02-10"
    assert snap["method"] == "here"
    assert snap["status"] == "accepted"
    json.dumps(snap)

    event = audit.log(actor=world.learner, action=Action.ENTRY_RECORDED, subject=entry, person_id=world.learner.id,
                      summary="", before=snap, after=snap)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(AuditEvent, event.id)
    assert stored.before == snap
    assert stored.after == snap


def test_log_makes_nested_before_and_after_json_safe(db, world):
    event = audit.log(
        actor=world.admin, action=Action.TEMPLATE_CHANGED, subject=world.template, person_id=None, summary="",
        before={"dates": [dt.date(2026, 1, 5), dt.date(2026, 2, 5)], "inner": {"kind": ItemKind.LEARNING}},
        after={"when": (dt.date(2026, 3, 2),), "hours": Decimal("2.25")},
    )
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(AuditEvent, event.id)
    assert stored.before == {"dates": ["2026-01-05", "2026-02-05"], "inner": {"kind": "learning"}}
    assert stored.after == {"when": ["2026-03-02"], "hours": "2.25"}
    assert stored.subject_type == "PassportTemplate"


# --------------------------------------------------------------------------- summaries in the form's words

@pytest.mark.parametrize("before, after, names, words", [
    ({"frequency_months": 24}, {"frequency_months": 12}, None, "renew every 24 → 12 months"),
    ({"frequency_months": None}, {"frequency_months": 12}, None, "done once → renew every 12 months"),
    ({"offset_amount": 2, "offset_unit": "weeks"}, {"offset_amount": 1, "offset_unit": "months"}, None,
     "due offset 2 weeks → 1 month"),
    ({"offset_amount": 2, "offset_unit": "weeks"}, {"offset_amount": 0, "offset_unit": "weeks"}, None,
     "due offset 2 weeks → day one"),
    ({"mandatory": True, "kind": "learning"}, {"mandatory": False, "kind": "competency"}, None,
     "mandatory → optional, kind learning → competency (an educator signs it off)"),
    ({"section_id": 1}, {"section_id": 2}, {"section_id": {1: "Within 2 weeks", 2: "Annual refreshers"}},
     "section Within 2 weeks → Annual refreshers"),
    ({"warning_days": 60}, {"warning_days": 30}, None, "warning window 60 → 30 days"),
    ({"start_date": "2026-01-05", "description": "a"}, {"start_date": "2026-02-02", "description": "b"}, None,
     "start date 5 Jan 2026 → 2 Feb 2026, description changed"),
])
def test_a_change_reads_in_the_words_of_its_form(before, after, names, words):
    from skillpass.labels import describe_changes

    assert describe_changes(before, after, names) == words
    for column in ("frequency_months", "offset_amount", "section_id", "_id"):
        assert column not in words


def test_an_item_and_a_section_change_are_logged_in_the_forms_words(db):
    from skillpass.labels import Action
    from skillpass.models import AuditEvent
    from skillpass.services import templates_admin
    from tests import factories

    world = factories.world()
    values = templates_admin.check_item(
        {"title": "Fire safety", "corporate_lead": "Estates", "code": "CSTF-FIRE", "frequency_months": "12",
         "kind": "learning", "evidence": "optional", "mandatory": "y", "prior_learning_accepted": "y",
         "section_id": str(world.week2.id)}, template=world.template, item=world.fire)
    templates_admin.update_item(actor=world.admin, item=world.fire, values=values)
    section = templates_admin.check_section(name="Within 2 weeks", offset_amount="1", offset_unit="months")
    templates_admin.update_section(actor=world.admin, section=world.week2, values=section)
    summaries = {e.action: e.summary for e in db.session.query(AuditEvent)}
    assert summaries[Action.ITEM_CHANGED] == ("Fire safety in AHP Support Worker Skills Passport: "
                                              "renew every 24 → 12 months")
    assert summaries[Action.SECTION_CHANGED] == ("Within 2 weeks in AHP Support Worker Skills Passport: "
                                                 "due offset 2 weeks → 1 month")


def test_search_finds_events_by_item_and_passport_whatever_their_subject(db):
    from skillpass.services import audit_log, templates_admin
    from tests import factories

    world = factories.world()
    templates_admin.restore_item(actor=world.admin, item=world.fire)          # nothing to restore: no event
    values = templates_admin.check_section(name="Within 3 weeks", offset_amount="3", offset_unit="weeks")
    templates_admin.update_section(actor=world.admin, section=world.week2, values=values)
    audit.log(actor=world.learner, action=Action.AUTH_SIGNED_IN, subject=world.learner, person_id=world.learner.id,
              summary="Lee Learner signed in")
    db.session.commit()

    def found(**filters):
        total, rows = audit_log.search(audit_log.Filters(**filters), page=1, page_size=50)
        return sorted(event.action for event, _, _ in rows)

    assert found(template_id=world.template.id) == ["section.changed"]
    assert found(text="skills passport") == ["section.changed"]
    assert found(text="LEE") == ["auth.signed_in"]
    assert found(text="lee", hide_sign_ins=True) == []
    assert found(item_id=world.fire.id) == []
