"""Who confirms an entry (PRODUCT.md §4, §6.2), without HTTP: each item says how a learner's own *completed
here* record counts; competencies are always signed off, equivalent training always approved; after a
rejection, the next own record waits for an educator whatever the item says, until one is accepted."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from werkzeug.datastructures import FileStorage

from skillpass.models import Confirmation, EntryMethod, EntryStatus, EvidenceRule, Item, ItemKind
from skillpass.services import decisions
from skillpass.services.entries import queue_kind, record_entry
from skillpass.services.errors import ValidationFailed
from tests import factories
from tests.conftest import TODAY

HERE, EQUIVALENT, OBSERVED = EntryMethod.HERE, EntryMethod.EQUIVALENT, EntryMethod.OBSERVED
AT_ONCE, EVIDENCE, EDUCATOR = Confirmation.AT_ONCE, Confirmation.EVIDENCE, Confirmation.EDUCATOR
ACCEPTED, AWAITING = EntryStatus.ACCEPTED, EntryStatus.AWAITING


def _upload() -> FileStorage:
    return FileStorage(stream=io.BytesIO(factories.pdf()), filename="certificate.pdf", content_type="application/pdf")


def _item(world, confirmation: Confirmation, kind: ItemKind = ItemKind.LEARNING) -> Item:
    item = factories.item(world.week2, f"Subject {confirmation.value} {kind.value}", frequency_months=12, kind=kind,
                          evidence=EvidenceRule.REQUIRED if confirmation is EVIDENCE else EvidenceRule.OPTIONAL,
                          position=5)
    item.confirmation = confirmation
    return item


def _record(world, item, method, on, *, actor=None, upload=None):
    return record_entry(actor=actor or world.learner, person=world.learner, item=item, completed_on=on,
                        method=method, today=TODAY, equivalent_source="Leeds Teaching Hospitals" if method is EQUIVALENT
                        else "", upload=upload if upload is not None else (_upload() if item.confirmation is EVIDENCE
                                                                            or method is EQUIVALENT else None))


def _reject_one(db, world, item):
    """The learner's claim of equivalent training, rejected by their educator."""
    claim = _record(world, item, EQUIVALENT, dt.date(2026, 1, 12))
    decisions.decide(actor=world.educator, entry=claim, person=world.learner, item=item, approve=False,
                     reason="That course does not cover it.")
    db.session.flush()


# (item says, kind, method, rejected before) -> how the learner's new record stands
RULES = [
    (AT_ONCE, ItemKind.LEARNING, HERE, False, ACCEPTED),
    (EVIDENCE, ItemKind.LEARNING, HERE, False, AWAITING),
    (EDUCATOR, ItemKind.LEARNING, HERE, False, AWAITING),
    (AT_ONCE, ItemKind.LEARNING, EQUIVALENT, False, AWAITING),
    (EVIDENCE, ItemKind.LEARNING, EQUIVALENT, False, AWAITING),
    (EDUCATOR, ItemKind.LEARNING, EQUIVALENT, False, AWAITING),
    (AT_ONCE, ItemKind.COMPETENCY, HERE, False, AWAITING),
    (EDUCATOR, ItemKind.COMPETENCY, HERE, False, AWAITING),
    (AT_ONCE, ItemKind.LEARNING, HERE, True, AWAITING),     # the rejection decides, not the item
    (EVIDENCE, ItemKind.LEARNING, HERE, True, AWAITING),
    (EDUCATOR, ItemKind.LEARNING, HERE, True, AWAITING),
    (AT_ONCE, ItemKind.LEARNING, EQUIVALENT, True, AWAITING),
    (AT_ONCE, ItemKind.COMPETENCY, HERE, True, AWAITING),
]


@pytest.mark.parametrize("confirmation, kind, method, rejected_before, expected", RULES)
def test_who_confirms_as_a_table(db, world, confirmation, kind, method, rejected_before, expected):
    item = _item(world, confirmation, kind)
    if rejected_before:
        _reject_one(db, world, item)
    assert _record(world, item, method, dt.date(2026, 2, 10)).status is expected


def test_observed_practice_counts_at_once_whatever_the_item_says(db, world):
    item = _item(world, EDUCATOR, ItemKind.COMPETENCY)
    _reject_one(db, world, item)
    assert _record(world, item, OBSERVED, dt.date(2026, 2, 10), actor=world.educator).status is ACCEPTED


def test_a_rejected_claim_followed_by_completed_here_waits_for_an_educator(db, world):
    """The finding: a learner whose claim was just rejected ticked "Completed here" and was Complete at once."""
    _reject_one(db, world, world.fire)                      # Fire safety counts at once for everyone else
    entry = _record(world, world.fire, HERE, dt.date(2026, 2, 10))
    assert entry.status is AWAITING
    assert queue_kind(entry, world.fire) == "confirmation"
    # Once an educator accepts one, the learner's own records count at once again.
    decisions.decide(actor=world.educator, entry=entry, person=world.learner, item=world.fire, approve=True)
    db.session.flush()
    assert _record(world, world.fire, HERE, dt.date(2026, 2, 20)).status is ACCEPTED


def test_a_rejection_of_another_persons_record_changes_nothing_for_this_one(db, world):
    claim = record_entry(actor=world.other_learner, person=world.other_learner, item=world.fire,
                         completed_on=dt.date(2026, 1, 12), method=EQUIVALENT, equivalent_source="Elsewhere",
                         today=TODAY)
    decisions.decide(actor=world.other_educator, entry=claim, person=world.other_learner, item=world.fire,
                     approve=False, reason="No.")
    assert _record(world, world.fire, HERE, dt.date(2026, 2, 10)).status is ACCEPTED


def test_with_evidence_checked_needs_a_file(db, world):
    item = _item(world, EVIDENCE)
    item.evidence = EvidenceRule.OPTIONAL       # an older item: the check still needs its file
    with pytest.raises(ValidationFailed) as refused:
        record_entry(actor=world.learner, person=world.learner, item=item, completed_on=dt.date(2026, 2, 10),
                     method=HERE, today=TODAY)
    assert "educator checks it" in refused.value.errors["evidence"]


@pytest.mark.parametrize("confirmation, kind, method, with_file, word", [
    (EVIDENCE, ItemKind.LEARNING, HERE, True, "evidence check"),
    (EDUCATOR, ItemKind.LEARNING, HERE, False, "confirmation"),
    (EDUCATOR, ItemKind.LEARNING, HERE, True, "confirmation"),
    (AT_ONCE, ItemKind.COMPETENCY, HERE, False, "competency"),
    (AT_ONCE, ItemKind.LEARNING, EQUIVALENT, True, "equivalent training demonstrated"),
])
def test_the_queue_names_what_each_entry_waits_for(db, world, confirmation, kind, method, with_file, word):
    item = _item(world, confirmation, kind)
    entry = _record(world, item, method, dt.date(2026, 2, 10), upload=_upload() if with_file else False)
    db.session.commit()
    assert queue_kind(entry, item) == word
    rows = decisions.awaiting_for(world.educator, kind=word)
    assert [e.id for e, *_ in rows] == [entry.id]
    others = [k for k in decisions.KINDS if k != word]
    assert all(entry.id not in [e.id for e, *_ in decisions.awaiting_for(world.educator, kind=k)] for k in others)


def test_an_item_requiring_evidence_is_checked_unless_it_says_otherwise(db, world):
    """Items made before items said who confirms them keep being checked (the model's and 0013's default)."""
    checked = factories.item(world.week2, "Safeguarding adults", evidence=EvidenceRule.REQUIRED, position=6)
    plain = factories.item(world.week2, "Equality", position=7)
    competency = factories.item(world.week2, "Hoist", kind=ItemKind.COMPETENCY, evidence=EvidenceRule.REQUIRED,
                                position=8)
    assert (checked.confirmation, plain.confirmation, competency.confirmation) == (EVIDENCE, AT_ONCE, AT_ONCE)
    assert competency.counts_how == "After an educator's sign-off"
    assert checked.counts_how == "With evidence checked by an educator"
