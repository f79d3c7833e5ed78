"""Credit across passports (issue 17, part C): a mapping checked, previewed with the date rules, saved and ended
with its audit entries; the passport row it meets, its history; without HTTP."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import AuditEvent, CreditMapping, CreditTarget, Entry, EntryMethod, EntryStatus, TemplateStatus
from skillpass.rules import Status
from skillpass.services import audit_log, credit_impact, credit_mappings
from skillpass.services.errors import Conflict, ValidationFailed
from skillpass.services.passport import build_passport
from tests import factories
from tests.conftest import TODAY
from tests.querycount import count_queries

W = 60


def accepted(person, item, on, *, method=EntryMethod.HERE, source="") -> Entry:
    entry = Entry(person_id=person.id, item_id=item.id, completed_on=on, method=method, equivalent_source=source,
                  status=EntryStatus.ACCEPTED, recorded_by_id=person.id)
    db.session.add(entry)
    db.session.flush()
    return entry


@pytest.fixture
def credit(world):
    """A second passport, Core Skills, held by the learner and the other learner, with Safeguarding adults
    (renewed every 36 months, due 2 weeks after the start: Overdue now for both); the AHP passport gains
    Safeguarding adults level 2 (every 12 months), which the learner did on 1 Jun 2025."""
    core = factories.template("Core Skills (CSTF)")
    weeks = factories.section(core, "Within 2 weeks", 2, "weeks")
    target = factories.item(weeks, "Safeguarding adults", frequency_months=36, code="CSTF-SAFE-A")
    other_target = factories.item(weeks, "Information governance", frequency_months=12, position=1)
    factories.assign(world.learner, core)
    factories.assign(world.other_learner, core)
    source = factories.item(world.week2, "Safeguarding adults level 2", frequency_months=12, position=5)
    done = accepted(world.learner, source, dt.date(2025, 6, 1))
    db.session.commit()
    return SimpleNamespace(core=core, weeks=weeks, target=target, other_target=other_target, source=source,
                           done=done)


def propose(source=None, targets=(), *, qualification="", note=""):
    return credit_mappings.check(source_kind="item" if source is not None else "qualification",
                                 source_item_id=source.id if source is not None else None,
                                 qualification=qualification, target_ids=[t.id for t in targets], note=note)


def row_of(person, item):
    return build_passport(person, today=TODAY, warning_days=W).row(item.id)


# ---------------------------------------------------------------- checks

@pytest.mark.parametrize("fields, field, words", [
    ({"source_kind": ""}, "source_kind", "Choose where the credit comes from"),
    ({"source_kind": "item", "source_item_id": ""}, "source_item", "Choose the item whose accepted records count"),
    ({"source_kind": "item", "source_item_id": "999999"}, "source_item", "Choose the item"),
    ({"source_kind": "qualification", "qualification": "   "}, "source_qualification", "Enter the name of the"),
    ({"source_kind": "qualification", "qualification": "x" * 201}, "source_qualification", "200 characters"),
    ({"source_kind": "qualification", "qualification": "Care\x00Certificate"}, "source_qualification", "character"),
    ({"source_kind": "qualification", "qualification": "Care Certificate", "target_ids": []}, "targets",
     "Choose at least one item"),
    ({"source_kind": "qualification", "qualification": "Care Certificate", "note": "n" * 1001}, "note",
     "1,000 characters"),
])
def test_what_is_wrong_is_said_next_to_its_field(world, credit, fields, field, words):
    given = {"target_ids": [credit.target.id], **fields}
    with pytest.raises(ValidationFailed) as refused:
        credit_mappings.check(**given)
    assert words in refused.value.errors[field]


def test_a_target_must_be_an_item_of_another_passport_than_the_sources(world, credit):
    with pytest.raises(ValidationFailed) as refused:
        propose(credit.source, [credit.source])
    assert refused.value.errors["targets"] == ("Safeguarding adults level 2 is the source itself: choose items "
                                               "of other passports that it counts as.")
    with pytest.raises(ValidationFailed) as refused:
        propose(credit.source, [credit.target, world.stress, world.fire])
    assert refused.value.errors["targets"] == ("Managing work and life stress and Fire safety are in AHP Support "
                                               "Worker Skills Passport, the source's own passport: choose items of "
                                               "other passports.")
    # An item of the source's subject (its code) counts already: a mapping to it would say nothing.
    fire_too = factories.item(credit.weeks, "Fire safety (core)", frequency_months=12, code="cstf-fire ")
    with pytest.raises(ValidationFailed) as refused:
        propose(world.fire, [fire_too])
    assert refused.value.errors["targets"] == ("Fire safety (core) has the source's code (CSTF-FIRE): a record of "
                                               "either already counts for both.")


def test_targets_of_an_archived_item_or_a_draft_passport_are_refused(world, credit):
    draft = factories.template("Draft passport")
    draft.status = TemplateStatus.DRAFT
    drafted = factories.item(factories.section(draft, "Day one", 0), "Hand hygiene")
    with pytest.raises(ValidationFailed) as refused:
        propose(credit.source, [credit.target, drafted])
    assert "Choose items of published passports" in refused.value.errors["targets"]


def test_a_target_a_live_mapping_from_the_same_source_gives_already_is_refused(world, credit):
    credit_mappings.create_mapping(actor=world.admin, proposal=propose(
        qualification="Care Certificate standard 13", targets=[credit.target]))
    with pytest.raises(ValidationFailed) as refused:
        propose(qualification="care  certificate STANDARD 13", targets=[credit.target, credit.other_target])
    assert refused.value.errors["targets"] == ("care certificate STANDARD 13 already counts as Safeguarding adults: "
                                               "untick it, or end that mapping first.")
    # Another source may give it too.
    assert propose(credit.source, [credit.target]).words == (
        "Safeguarding adults level 2 (AHP Support Worker Skills Passport) counts as: Safeguarding adults "
        "(Core Skills (CSTF))")


# ---------------------------------------------------------------- the preview, with the date rules

def test_the_preview_says_whose_rows_change_from_which_status_to_which(world, credit):
    proposal = propose(credit.source, [credit.target, credit.other_target])
    preview = credit_impact.preview(proposal, today=TODAY, warning_days=W)
    assert preview.people == 2                        # the two holders of Core Skills
    assert preview.rows_changed == 2 and preview.people_changed == 1
    assert sorted((m.person_name, m.item_title, m.before, m.after) for m in preview.moves) == [
        ("Lee Learner", "Information governance (Core Skills (CSTF))", Status.OVERDUE, Status.COMPLETE),
        ("Lee Learner", "Safeguarding adults (Core Skills (CSTF))", Status.OVERDUE, Status.COMPLETE)]
    assert preview.headline == "2 rows of 1 person change: 1 person becomes Complete (2 items)."
    assert preview.transitions == [(Status.OVERDUE, Status.COMPLETE, 1, 2)]
    assert (preview.before.met, preview.before.due, preview.after.met) == (0, 4, 2)
    assert preview.fingerprint == proposal.fingerprint
    # Nothing is written by a preview.
    assert db.session.scalar(select(func.count()).select_from(CreditMapping)) == 0


def test_a_preview_whose_credit_moves_only_an_expiry_says_so(world, credit):
    accepted(world.learner, credit.target, dt.date(2024, 1, 10))      # Complete: expires 10 Jan 2027
    preview = credit_impact.preview(propose(credit.source, [credit.target]), today=TODAY, warning_days=W)
    assert preview.moves == []
    assert preview.date_sentences() == ["1 person: expiry moves from 10 Jan 2027 to 1 Jun 2028"]
    assert preview.headline == "1 row of 1 person change; no status changes, only dates."


def test_the_preview_costs_the_same_queries_for_many_holders(world, credit):
    proposal = propose(credit.source, [credit.target])
    with count_queries() as few:
        credit_impact.preview(proposal, today=TODAY, warning_days=W)
    assert few.count <= 12, few
    for n in range(12):
        person = factories.person(team=world.team_a)
        factories.assign(person, credit.core)
        accepted(person, credit.source, dt.date(2025, 1, 1 + n))
    db.session.commit()
    proposal = propose(credit.source, [credit.target])
    with count_queries() as many:
        preview = credit_impact.preview(proposal, today=TODAY, warning_days=W)
    assert preview.people_changed == 13
    assert many.count == few.count, many


# ---------------------------------------------------------------- saved, met, ended

def test_a_saved_mapping_meets_the_row_with_its_date_and_the_rows_own_frequency(world, credit):
    assert row_of(world.learner, credit.target).state.status is Status.OVERDUE
    mapping = credit_mappings.create_mapping(actor=world.admin, proposal=propose(
        credit.source, [credit.target], note="Agreed by the safeguarding lead"))
    db.session.commit()
    row = row_of(world.learner, credit.target)
    assert row.state.status is Status.COMPLETE
    assert row.accepted.id == credit.done.id
    assert (row.met_by, row.credit_from) == ("Safeguarding adults level 2", "AHP Support Worker Skills Passport")
    assert row.accepted_words == ("Met by Safeguarding adults level 2 (credit from AHP Support Worker Skills "
                                  "Passport), 1 Jun 2025")
    # §6.1: each item applies its own frequency to the completion: 36 months here, 12 on the source's row.
    assert row.state.date_line == "Expires 1 Jun 2028: completed 1 Jun 2025 + 36 months"
    assert row_of(world.learner, credit.source).state.expires_on == dt.date(2026, 6, 1)
    assert row.recorded_in == ""
    # The row's history says what counted it.
    credited, events = audit_log.credited_history(world.learner, credit.target)
    assert credited == [(credit.done, "Safeguarding adults level 2 counts as Safeguarding adults")]
    # Saved once, audited with what it holds.
    assert [t.item_id for t in db.session.scalars(select(CreditTarget).where(
        CreditTarget.mapping_id == mapping.id))] == [credit.target.id]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == Action.CREDIT_MAPPING_CREATED.value))
    assert (event.subject_type, event.subject_id) == ("CreditMapping", mapping.id)
    assert event.after == {"source": "Safeguarding adults level 2 (AHP Support Worker Skills Passport)",
                           "targets": "Safeguarding adults (Core Skills (CSTF))",
                           "note": "Agreed by the safeguarding lead"}
    assert event.summary == ("Credit across passports: Safeguarding adults level 2 (AHP Support Worker Skills "
                             "Passport) counts as: Safeguarding adults (Core Skills (CSTF))")


def test_ending_a_mapping_puts_the_row_back_at_once_and_is_audited_once(world, credit):
    mapping = credit_mappings.create_mapping(actor=world.admin, proposal=propose(credit.source, [credit.target]))
    db.session.commit()
    preview = credit_impact.ending_preview(mapping, today=TODAY, warning_days=W)
    assert [(m.person_name, m.before, m.after) for m in preview.moves] == [
        ("Lee Learner", Status.COMPLETE, Status.OVERDUE)]
    credit_mappings.end_mapping(actor=world.admin, mapping=mapping)
    db.session.commit()
    assert mapping.ended_at is not None and mapping.ended_by_id == world.admin.id
    assert db.session.get(CreditMapping, mapping.id) is not None          # kept, never deleted
    row = row_of(world.learner, credit.target)
    assert row.state.status is Status.OVERDUE and row.met_by == "" and row.accepted is None
    assert audit_log.credited_history(world.learner, credit.target) == ([], {})
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == Action.CREDIT_MAPPING_ENDED.value))
    assert event.before["status"] == "live" and event.after["status"] == "ended"
    assert event.after["targets"] == "Safeguarding adults (Core Skills (CSTF))"
    with pytest.raises(Conflict):
        credit_mappings.end_mapping(actor=world.admin, mapping=mapping)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == Action.CREDIT_MAPPING_ENDED.value)) == 1
    live, ended = credit_mappings.mappings()
    assert live == [] and [v.mapping.id for v in ended] == [mapping.id]
    assert ended[0].ended_by == "Ada Admin"


def test_a_named_qualification_is_met_by_equivalent_training_naming_it(world, credit):
    credit_mappings.create_mapping(actor=world.admin, proposal=propose(
        qualification="Care Certificate standard 13", targets=[credit.target]))
    # Equivalent training recorded against another item, naming the qualification in its own way.
    entry = accepted(world.learner, world.stress, dt.date(2025, 9, 15), method=EntryMethod.EQUIVALENT,
                     source=" care certificate  Standard 13 ")
    db.session.commit()
    row = row_of(world.learner, credit.target)
    assert row.state.status is Status.COMPLETE and row.accepted.id == entry.id
    assert row.accepted_words == ("Met by Care Certificate standard 13 (credit from a named qualification), "
                                  "15 Sep 2025")
    assert row.state.date_line == "Expires 15 Sep 2028: completed 15 Sep 2025 + 36 months"
    assert [words for _, words in audit_log.credited_history(world.learner, credit.target)[0]] == [
        "Care Certificate standard 13 counts as Safeguarding adults"]
    # Only equivalent training counts for a named qualification, and only accepted.
    assert row_of(world.other_learner, credit.target).state.status is Status.OVERDUE
