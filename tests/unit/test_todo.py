"""What needs a person now (services/todo.py) and the summary's counts (Passport.counts), without HTTP:
the order to act, the words of each line, each mandatory item counted once, and plain words when nothing
needs them."""
from __future__ import annotations

import datetime as dt

import pytest

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus
from skillpass.services import todo
from skillpass.services.passport import BUCKETS, build_passport
from tests import factories
from tests.conftest import TODAY

D = dt.date


def _entry(person, item, on, status=EntryStatus.ACCEPTED, **extra):
    db.session.add(Entry(person_id=person.id, item_id=item.id, completed_on=on, method=EntryMethod.HERE,
                         status=status, recorded_by_id=person.id, **extra))
    db.session.flush()


def _passport(person, today=TODAY):
    return build_passport(person, today=today, warning_days=60)


def _lines(passport):
    return [(n.row.item.title, n.kind, n.words) for n in todo.needs(passport)]


def _adds_up(counts):
    return sum(counts.of(b) for b in BUCKETS) == counts.mandatory


def test_an_overdue_item_is_listed_with_how_long_ago_it_was_due(app, world):
    # Started 5 Jan 2026, today 2 Mar 2026: fire was due 19 Jan; the 6-month items are due 5 Jul (not soon).
    passport = _passport(world.learner)
    assert _lines(passport) == [("Fire safety", "overdue", "was due 19 Jan 2026 (42 days ago)")]
    need = todo.needs(passport)[0]
    assert need.tag == ("Overdue", "red") and need.can_record


def test_an_expiring_item_says_how_many_days_are_left(app, world):
    _entry(world.learner, world.fire, D(2024, 3, 25))   # expires 25 Mar 2026: 23 days after 2 Mar
    assert _lines(_passport(world.learner)) == [("Fire safety", "expiring", "expires in 23 days (25 Mar 2026)")]


def test_the_order_to_act_expired_then_expiring_then_rejected_then_due_soon_then_awaiting(app, world):
    team = world.team_a
    person = factories.person(name="Order Person", team=team, start_date=D(2026, 1, 5))
    factories.assign(person, world.template, on=D(2026, 1, 5))
    other = factories.template("Second passport")
    section = factories.section(other, "Within 2 weeks", 2, "weeks")
    renewal = factories.item(section, "Basic life support", frequency_months=12)
    factories.assign(person, other, on=D(2026, 1, 5))
    today = D(2026, 6, 20)
    _entry(person, world.fire, D(2024, 1, 15))                       # expired 15 Jan 2026
    _entry(person, renewal, D(2025, 7, 1))                           # expires 1 Jul 2026: 11 days
    _entry(person, world.competency, D(2026, 5, 1), status=EntryStatus.REJECTED,
           decided_by_name="Eve Educator", decision_reason="Not observed on the ward")
    _entry(person, world.optional, D(2026, 6, 1), status=EntryStatus.AWAITING)
    # stress: no entry, due 5 Jul 2026, within the 60-day window.
    needs = todo.needs(_passport(person, today))
    assert [(n.row.item.title, n.kind) for n in needs] == [
        ("Fire safety", "expired"),
        ("Basic life support", "expiring"),
        ("Moving a patient with a hoist", "rejected"),
        ("Managing work and life stress", "due-soon"),
        ("Reflective practice", "awaiting"),
    ]
    expired, expiring, rejected, due_soon, awaiting = needs
    assert expired.words == "expired 15 Jan 2026 (156 days ago)"
    assert expiring.words == "expires in 11 days (1 Jul 2026)"
    assert rejected.words == "the entry of 1 May 2026 was rejected by Eve Educator"
    assert rejected.reason == "Not observed on the ward" and rejected.tag == ("Rejected", "red")
    assert due_soon.words == "due in 15 days (5 Jul 2026)" and due_soon.tag == ("To do", "blue")
    assert awaiting.words == "waiting for an educator of Physiotherapy to confirm it"
    assert not awaiting.can_record and all(n.can_record for n in needs[:-1])


def test_an_overdue_item_whose_entry_was_rejected_is_listed_once_as_overdue_with_the_reason(app, world):
    _entry(world.learner, world.fire, D(2026, 2, 1), status=EntryStatus.REJECTED,
           decided_by_name="Eve Educator", decision_reason="Certificate is for another course")
    needs = todo.needs(_passport(world.learner))
    assert [(n.kind, n.reason) for n in needs] == [("overdue", "Certificate is for another course")]


def test_an_item_awaiting_sign_off_is_listed_as_waiting_not_as_overdue(app, world):
    _entry(world.learner, world.fire, D(2026, 2, 20), status=EntryStatus.AWAITING)
    passport = _passport(world.learner)
    assert [(n.row.item.title, n.kind) for n in todo.needs(passport)] == [("Fire safety", "awaiting")]
    counts = passport.counts
    assert (counts.overdue, counts.awaiting, counts.todo) == (0, 1, 2)
    assert _adds_up(counts) and counts.mandatory == 3


def test_equivalent_training_waits_for_an_educator_or_an_admin(app, world):
    db.session.add(Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=D(2026, 2, 20),
                         method=EntryMethod.EQUIVALENT, equivalent_source="Previous trust",
                         status=EntryStatus.AWAITING, recorded_by_id=world.learner.id))
    db.session.flush()
    words = todo.needs(_passport(world.learner))[0].words
    assert words == "waiting for an educator of Physiotherapy or an admin to approve the equivalent training"
    assert "prior learning" not in words


def test_optional_items_not_done_are_never_listed(app, world):
    today = D(2026, 7, 20)    # the optional item (6 months) is past its date too
    kinds = {n.row.item.title: n.kind for n in todo.needs(_passport(world.learner, today))}
    assert "Reflective practice" not in kinds
    assert kinds["Managing work and life stress"] == "overdue"


def test_nothing_needs_them_then_the_next_date_is_named(app, world):
    for item in (world.fire, world.stress, world.competency):
        _entry(world.learner, item, D(2026, 2, 1))
    passport = _passport(world.learner)
    assert todo.needs(passport) == []
    row, words = todo.next_due(passport)
    assert (row.item.title, words) == ("Fire safety", "expires 1 Feb 2028")


def test_a_subject_held_in_two_passports_is_one_line(app, world):
    other = factories.template("Bank passport")
    section = factories.section(other, "Day one", 0, "days")
    factories.item(section, "Fire safety (bank)", frequency_months=24, code="CSTF-FIRE")
    factories.assign(world.learner, other)
    assert [n.kind for n in todo.needs(_passport(world.learner))] == ["overdue"]


@pytest.mark.parametrize("entries", [
    pytest.param([], id="nothing-recorded"),
    pytest.param([("fire", D(2026, 2, 20), EntryStatus.AWAITING)], id="overdue-awaiting"),
    pytest.param([("fire", D(2024, 4, 1), EntryStatus.ACCEPTED), ("fire", D(2026, 2, 20), EntryStatus.AWAITING)],
                 id="expiring-renewal-awaiting"),
    pytest.param([("fire", D(2026, 2, 1), EntryStatus.ACCEPTED), ("stress", D(2026, 2, 1), EntryStatus.ACCEPTED),
                  ("competency", D(2026, 2, 20), EntryStatus.AWAITING),
                  ("optional", D(2026, 2, 20), EntryStatus.AWAITING)], id="optional-awaiting-not-counted"),
])
def test_the_counts_add_up_to_the_mandatory_items_each_counted_once(app, world, entries):
    for which, on, status in entries:
        _entry(world.learner, getattr(world, which), on, status=status)
    passport = _passport(world.learner)
    counts = passport.counts
    assert _adds_up(counts)
    assert counts.mandatory == sum(1 for r in passport.rows if r.state.required and r.state.mandatory) == 3
    assert counts.awaiting == sum(1 for r in passport.rows if r.state.counts and r.state.awaiting)
    assert counts.optional == 1


def test_one_counts_rows_are_shown_with_their_sections_progress_kept_whole(app, world):
    _entry(world.learner, world.stress, D(2026, 2, 1))
    passport = _passport(world.learner)
    shown = passport.shown("todo")
    assert [[(sv.section.name, [r.item.title for r in rows]) for sv, rows in sections] for _, sections in shown] \
        == [[("Within 6 months", ["Moving a patient with a hoist"])]]
    [(_, [(sv, _rows)])] = shown
    assert sv.progress == (1, 3)
    assert passport.shown("nonsense") == passport.shown(None)
