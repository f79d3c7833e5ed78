"""What a change would do, before it is made: skillpass/services/impact.py.

PRODUCT.md §3: statuses are derived at read time, so a new frequency, a new
section offset, an item moved to another section or a new warning window
corrects every passport at once. impact() computes each affected status before
and after with the same rules, counts who moves where, and costs a constant
number of queries whatever the number of people.

Today is fixed at 2 Mar 2026 (tests/conftest.py); W = 60 days unless a row says
otherwise.
"""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from skillpass.models import Entry, EntryMethod, EntryStatus, OffsetUnit
from skillpass.rules import Compliance, Offset, Status
from skillpass.services.impact import Impact, Move, impact
from skillpass.services.passport import build_passport
from tests import factories
from tests.conftest import TODAY
from tests.querycount import count_queries

D = dt.date
UTC = dt.timezone.utc
W = 60

COMPLETE, EXPIRING, EXPIRED = Status.COMPLETE, Status.EXPIRING, Status.EXPIRED
OVERDUE, TODO = Status.OVERDUE, Status.TODO


# --------------------------------------------------------------------------- helpers


def _entry(db, person, item, completed_on: dt.date, status: EntryStatus = EntryStatus.ACCEPTED) -> Entry:
    entry = Entry(person_id=person.id, item_id=item.id, completed_on=completed_on, method=EntryMethod.HERE,
                  status=status, recorded_by_id=person.id,
                  recorded_at=dt.datetime.combine(completed_on, dt.time(9), tzinfo=UTC))
    db.session.add(entry)
    db.session.flush()
    return entry


def _passport(db, name="Core Skills", *, frequency=24, added_on=D(2020, 1, 1), hygiene=True) -> SimpleNamespace:
    """A template: Fire safety (every 24 months) in "Within 2 weeks"; Hand hygiene (once) in "Within 6 months"."""
    tpl = factories.template(name)
    week2 = factories.section(tpl, "Within 2 weeks", 2, "weeks", position=0)
    month6 = factories.section(tpl, "Within 6 months", 6, "months", position=1)
    fire = factories.item(week2, "Fire safety", frequency_months=frequency, added_on=added_on)
    hygiene = factories.item(month6, "Hand hygiene", added_on=added_on) if hygiene else None
    return SimpleNamespace(template=tpl, week2=week2, month6=month6, fire=fire, hygiene=hygiene)


def _holder(p, *, name=None, start=D(2026, 1, 5), assigned=None, team=None):
    person = factories.person(name=name, start_date=start, team=team)
    factories.assign(person, p.template, on=assigned or start)
    return person


def _run(p, **change) -> Impact:
    kwargs = dict(today=TODAY, warning_days=W, what="the change", template_id=p.template.id)
    kwargs.update(change)
    return impact(**kwargs)


def _only_status(compliance: Compliance) -> Status:
    """The one status a single mandatory item state was counted under."""
    counts = {COMPLETE: compliance.complete, EXPIRING: compliance.expiring, EXPIRED: compliance.expired,
              OVERDUE: compliance.overdue, TODO: compliance.todo}
    [status] = [s for s, n in counts.items() if n == 1]
    assert sum(counts.values()) == 1
    return status


def _moves(result: Impact) -> list[tuple[str, str, Status, Status]]:
    return sorted((m.person_name, m.item_title, m.before, m.after) for m in result.moves)


# --------------------------------------------------------------------------- the rules, as a table


def _freq(months):
    return lambda p: {"item_frequency": {p.fire.id: months}}


def _section(amount, unit):
    return lambda p: {"section_offset": {p.week2.id: Offset(amount, unit)}}


def _moved_to_six_months(p):
    return {"item_offset": {p.fire.id: Offset(6, "months")}}


def _window(days):
    return lambda p: {"new_warning_days": days}


# (start date, assigned on, item added on, frequency, accepted entry, change, before, after)
START = D(2026, 1, 5)
OLD = D(2020, 1, 1)
TABLE = {
    # An item's frequency (completion-date basis): accepted 1 Apr 2024, every 24 months → expires 1 Apr 2026.
    "24 → 36 months: Expiring becomes Complete":
        (START, START, OLD, 24, D(2024, 4, 1), _freq(36), EXPIRING, COMPLETE),
    "24 → 12 months: Expiring becomes Expired":
        (START, START, OLD, 24, D(2024, 4, 1), _freq(12), EXPIRING, EXPIRED),
    "24 months → once: Expiring becomes Complete":
        (START, START, OLD, 24, D(2024, 4, 1), _freq(None), EXPIRING, COMPLETE),
    "24 → 23 months: expired yesterday, Expired":
        (START, START, OLD, 24, D(2024, 4, 1), _freq(23), EXPIRING, EXPIRED),
    "unchanged frequency: no move":
        (START, START, OLD, 24, D(2024, 4, 1), _freq(24), EXPIRING, EXPIRING),
    "expiring today is Expired; 25 months makes it Expiring":
        (START, START, OLD, 24, D(2024, 3, 2), _freq(25), EXPIRED, EXPIRING),
    "once → every 12 months: Complete becomes Expired":
        (START, START, OLD, None, D(2024, 4, 1), _freq(12), COMPLETE, EXPIRED),
    "a new frequency leaves an item nobody completed Overdue":
        (START, START, OLD, 24, None, _freq(12), OVERDUE, OVERDUE),
    # The warning window, for the same entry (expires 1 Apr 2026).
    "W 60 → 30 days: E − W is today, still Expiring":
        (START, START, OLD, 24, D(2024, 4, 1), _window(30), EXPIRING, EXPIRING),
    "W 60 → 29 days: Expiring becomes Complete":
        (START, START, OLD, 24, D(2024, 4, 1), _window(29), EXPIRING, COMPLETE),
    "W 60 → 90 days: expires 15 May 2026, Complete becomes Expiring":
        (START, START, OLD, 24, D(2024, 5, 15), _window(90), COMPLETE, EXPIRING),
    "a new warning window leaves an Expired item Expired":
        (START, START, OLD, 24, D(2023, 1, 1), _window(10), EXPIRED, EXPIRED),
    # A section's offset: start 5 Jan 2026 + 2 weeks = 19 Jan 2026, past.
    "2 weeks → 6 months: Overdue becomes To do":
        (START, START, OLD, 24, None, _section(6, "months"), OVERDUE, TODO),
    "2 weeks → 8 weeks: due today is still To do":
        (START, START, OLD, 24, None, _section(8, "weeks"), OVERDUE, TODO),
    "2 weeks → 55 days: due yesterday, Overdue":
        (START, START, OLD, 24, None, _section(55, "days"), OVERDUE, OVERDUE),
    "a new offset does not touch an accepted entry":
        (START, START, OLD, 24, D(2024, 4, 1), _section(6, "months"), EXPIRING, EXPIRING),
    "the anchor is the assignment date when later: 6 Mar → 27 Feb, To do becomes Overdue":
        (D(2025, 1, 6), D(2026, 2, 20), OLD, 24, None, _section(1, "weeks"), TODO, OVERDUE),
    "an item added later is due from the day it was added: 11 Mar → 25 Feb":
        (START, START, D(2026, 2, 25), 24, None, _section(0, "days"), TODO, OVERDUE),
    "a long-standing starter is Overdue even at 6 months":
        (D(2025, 6, 2), D(2025, 6, 2), OLD, 24, None, _section(6, "months"), OVERDUE, OVERDUE),
    # An item moving to another section: it takes that section's offset.
    "moving to the 6-month section: Overdue becomes To do":
        (START, START, OLD, 24, None, _moved_to_six_months, OVERDUE, TODO),
}


@pytest.mark.parametrize("case", TABLE)
def test_impact_computes_before_and_after_with_the_same_rules(db, app, case):
    start, assigned, added_on, frequency, completed, change, before, after = TABLE[case]
    p = _passport(db, frequency=frequency, added_on=added_on, hygiene=False)   # Fire safety alone
    person = _holder(p, name="Pat Person", start=start, assigned=assigned)
    if completed:
        _entry(db, person, p.fire, completed)
    db.session.commit()

    result = _run(p, **change(p))

    assert result.states == 1
    assert (_only_status(result.before), _only_status(result.after)) == (before, after)
    expected = [] if before is after else [("Pat Person", "Fire safety", before, after)]
    assert _moves(result) == expected


# --------------------------------------------------------------------------- the headline


def test_one_person_becoming_complete_reads_as_one_sentence(db):
    p = _passport(db)
    person = _holder(p)
    _entry(db, person, p.fire, D(2024, 4, 1))
    db.session.commit()

    result = _run(p, item_frequency={p.fire.id: 36})

    assert result.sentences() == ["1 person becomes Complete"]
    assert result.headline == "1 person becomes Complete."


def test_two_people_becoming_overdue_read_in_the_plural(db):
    p = _passport(db)
    _holder(p)
    _holder(p)
    db.session.commit()

    result = _run(p, section_offset={p.month6.id: Offset(2, "weeks")})   # Hand hygiene: due 19 Jan 2026

    assert result.sentences() == ["2 people become Overdue"]
    assert result.headline == "2 people become Overdue."


def test_more_items_than_people_adds_the_item_count(db):
    p = _passport(db)
    factories.item(p.month6, "Safeguarding adults", position=1)
    _holder(p)
    db.session.commit()

    result = _run(p, section_offset={p.month6.id: Offset(1, "weeks")})

    assert result.sentences() == ["1 person becomes Overdue (2 items)"]
    assert result.headline == "1 person becomes Overdue (2 items)."


def _mixed(db) -> tuple[SimpleNamespace, dict]:
    """Fire safety every 24 months → every 12 months, for five people holding the passport."""
    p = _passport(db)
    people = {}
    for name, completed in [("Ann", D(2024, 4, 1)),     # 1 Apr 2026 Expiring → 1 Apr 2025 Expired
                            ("Ben", D(2025, 1, 10)),    # 10 Jan 2027 Complete → 10 Jan 2026 Expired
                            ("Cat", D(2025, 6, 1)),     # 1 Jun 2027 Complete → 1 Jun 2026 Complete
                            ("Dan", D(2025, 4, 20)),    # 20 Apr 2027 Complete → 20 Apr 2026 Expiring
                            ("Eve", None)]:             # never done: Overdue either way
        people[name] = _holder(p, name=name)
        if completed:
            _entry(db, people[name], p.fire, completed)
    db.session.commit()
    return p, people


def test_mixed_moves_read_worst_first(db):
    p, _people = _mixed(db)
    result = _run(p, item_frequency={p.fire.id: 12})

    assert result.by_new_status == [(EXPIRED, 2, 2), (EXPIRING, 1, 1)]
    assert result.headline == "2 people become Expired, 1 person becomes Expiring."


def test_transitions_count_people_and_items_for_each_from_and_to(db):
    p, _people = _mixed(db)
    result = _run(p, item_frequency={p.fire.id: 12})

    assert result.transitions == [(COMPLETE, EXPIRED, 1, 1), (COMPLETE, EXPIRING, 1, 1), (EXPIRING, EXPIRED, 1, 1)]
    assert _moves(result) == [("Ann", "Fire safety", EXPIRING, EXPIRED), ("Ben", "Fire safety", COMPLETE, EXPIRED),
                              ("Dan", "Fire safety", COMPLETE, EXPIRING)]


def test_transitions_put_the_one_most_people_take_first(db):
    p = _passport(db)
    for name in ("Ann", "Ben"):
        _entry(db, _holder(p, name=name), p.fire, D(2024, 4, 1))     # Expiring → Expired
    _entry(db, _holder(p, name="Cat"), p.fire, D(2025, 1, 10))        # Complete → Expired
    db.session.commit()

    result = _run(p, item_frequency={p.fire.id: 12})

    assert result.transitions == [(EXPIRING, EXPIRED, 2, 2), (COMPLETE, EXPIRED, 1, 1)]
    assert result.headline == "3 people become Expired."


def test_people_are_counted_and_those_who_move_are_counted_apart(db):
    p, _people = _mixed(db)
    result = _run(p, item_frequency={p.fire.id: 12})

    assert result.people == 5
    assert result.people_moved == 3
    assert result.states == 5


def test_compliance_before_and_after_counts_each_status(db):
    p, _people = _mixed(db)
    result = _run(p, item_frequency={p.fire.id: 12})

    assert (result.before.complete, result.before.expiring, result.before.expired, result.before.overdue) == (
        3, 1, 0, 1)
    assert result.before.percent == 80
    assert (result.after.complete, result.after.expiring, result.after.expired, result.after.overdue) == (1, 1, 2, 1)
    assert result.after.percent == 40
    assert result.after.describe() == "40% compliant: 2 of 5 due items in date"


def test_an_optional_item_moves_but_stays_out_of_compliance(db):
    p = _passport(db)
    p.fire.mandatory = False
    _entry(db, _holder(p, name="Ann"), p.fire, D(2024, 4, 1))
    db.session.commit()

    result = _run(p, item_frequency={p.fire.id: 12})

    assert _moves(result) == [("Ann", "Fire safety", EXPIRING, EXPIRED)]
    assert (result.before.optional, result.after.optional) == (1, 1)
    assert (result.before.due, result.after.due) == (0, 0)
    assert result.before.percent is None


def test_sample_lists_the_worst_moves_first_then_by_name(db):
    p, _people = _mixed(db)
    result = _run(p, item_frequency={p.fire.id: 12})

    assert [(m.person_name, m.after) for m in result.sample()] == [("Ann", EXPIRED), ("Ben", EXPIRED),
                                                                  ("Dan", EXPIRING)]
    assert len(result.sample(limit=2)) == 2
    assert isinstance(result.sample()[0], Move)


def test_no_moves_reads_how_many_people_it_applies_to(db):
    p = _passport(db)
    for _ in range(3):
        _holder(p)
    db.session.commit()

    result = _run(p, item_frequency={p.fire.id: 12})    # nobody has done it: Overdue either way

    assert result.moves == [] and result.sentences() == []
    assert result.headline == "No status changes for the 3 people it applies to."


def test_no_moves_for_one_person_reads_in_the_singular(db):
    p = _passport(db)
    _holder(p)
    db.session.commit()
    assert _run(p, item_frequency={p.fire.id: 12}).headline == "No status changes for the 1 person it applies to."


def test_a_passport_nobody_holds_has_no_status_changes(db):
    p = _passport(db)
    factories.person()          # not holding it
    db.session.commit()

    result = _run(p, item_frequency={p.fire.id: 12}, what="Fire safety: every 24 months → annual")

    assert result.people == 0 and result.states == 0
    assert result.headline == "Nobody holds it yet: no status changes."
    assert result.what == "Fire safety: every 24 months → annual"


# --------------------------------------------------------------------------- who counts


def test_a_removed_assignment_does_not_count(db):
    p = _passport(db)
    _holder(p, name="Ann")
    gone = factories.person(name="Gus")
    old = factories.assign(gone, p.template)
    old.removed_on = D(2026, 2, 1)
    _entry(db, gone, p.fire, D(2024, 4, 1))
    db.session.commit()

    result = _run(p, item_frequency={p.fire.id: 12})

    assert result.people == 1 and result.states == 1
    assert [m.person_name for m in result.moves] == []


def test_a_person_given_the_passport_again_counts_once_from_the_live_assignment(db):
    p = _passport(db)
    person = factories.person(name="Ann", start_date=D(2024, 1, 8))
    old = factories.assign(person, p.template, on=D(2024, 1, 8))
    old.removed_on = D(2025, 1, 1)
    db.session.flush()
    factories.assign(person, p.template, on=D(2026, 2, 23))           # due 9 Mar 2026: To do
    _entry(db, person, p.fire, D(2024, 4, 1))                         # history kept, still counts
    db.session.commit()

    result = _run(p, item_frequency={p.fire.id: 12})

    assert result.people == 1 and result.states == 1
    assert _moves(result) == [("Ann", "Fire safety", EXPIRING, EXPIRED)]


def test_an_inactive_person_does_not_count(db):
    p = _passport(db)
    _holder(p, name="Ann")
    left = _holder(p, name="Lou")
    left.active = False
    _entry(db, left, p.fire, D(2024, 4, 1))
    db.session.commit()

    result = _run(p, item_frequency={p.fire.id: 12})

    assert result.people == 1
    assert all(m.person_name != "Lou" for m in result.moves)


def test_people_holding_only_another_passport_are_not_counted(db):
    p = _passport(db)
    other = _passport(db, "Other passport")
    _entry(db, _holder(p, name="Ann"), p.fire, D(2024, 4, 1))
    _entry(db, _holder(other, name="Oli"), other.fire, D(2024, 4, 1))
    factories.person(name="Nobody")
    db.session.commit()

    result = _run(p, item_frequency={p.fire.id: 12})

    assert result.people == 1
    assert _moves(result) == [("Ann", "Fire safety", EXPIRING, EXPIRED)]


def test_an_entry_against_another_passports_item_does_not_count(db):
    p = _passport(db)
    other = _passport(db, "Other passport")
    ann = _holder(p, name="Ann")
    _entry(db, ann, other.fire, D(2025, 6, 1))      # not the item that changes
    db.session.commit()

    result = _run(p, item_frequency={p.fire.id: 12})

    assert (_only_status(result.before), _only_status(result.after)) == (OVERDUE, OVERDUE)


def test_only_the_latest_accepted_entry_counts(db):
    p = _passport(db)
    ann = _holder(p, name="Ann")
    _entry(db, ann, p.fire, D(2022, 1, 1))
    _entry(db, ann, p.fire, D(2024, 4, 1))                              # the latest accepted
    _entry(db, ann, p.fire, D(2026, 1, 20), EntryStatus.REJECTED)
    _entry(db, ann, p.fire, D(2026, 2, 1), EntryStatus.REVOKED)
    _entry(db, ann, p.fire, D(2026, 2, 20), EntryStatus.AWAITING)
    db.session.commit()

    result = _run(p, item_frequency={p.fire.id: 12})

    assert _moves(result) == [("Ann", "Fire safety", EXPIRING, EXPIRED)]


def test_an_archived_item_is_skipped(db):
    p = _passport(db)
    _entry(db, _holder(p, name="Ann"), p.fire, D(2024, 4, 1))
    p.fire.archived_at = dt.datetime(2026, 2, 1, tzinfo=UTC)
    db.session.commit()

    result = _run(p, item_frequency={p.fire.id: 12})

    assert result.states == 0 and result.moves == []
    assert result.people == 1
    assert result.headline == "No status changes for the 1 person it applies to."


def test_an_archived_item_in_a_section_whose_offset_changes_is_skipped(db):
    p = _passport(db)
    factories.item(p.week2, "Old topic", added_on=D(2020, 1, 1), position=1).archived_at = dt.datetime(
        2026, 2, 1, tzinfo=UTC)
    _holder(p, name="Ann")
    db.session.commit()

    result = _run(p, section_offset={p.week2.id: Offset(6, "months")})

    assert result.states == 1
    assert _moves(result) == [("Ann", "Fire safety", OVERDUE, TODO)]


def test_a_section_offset_only_computes_the_items_in_that_section(db):
    p = _passport(db)
    factories.item(p.week2, "Safeguarding adults", position=1)
    _holder(p, name="Ann")
    _holder(p, name="Ben")
    db.session.commit()

    result = _run(p, section_offset={p.week2.id: Offset(6, "months")})

    assert result.states == 4                              # 2 people × 2 items; Hand hygiene untouched
    assert {m.item_title for m in result.moves} == {"Fire safety", "Safeguarding adults"}
    assert result.headline == "2 people become To do (4 items)."


def test_an_item_moving_section_only_computes_that_item(db):
    p = _passport(db)
    factories.item(p.week2, "Safeguarding adults", position=1)
    _holder(p, name="Ann")
    db.session.commit()

    result = _run(p, item_frequency={p.fire.id: 24}, item_offset={p.fire.id: Offset(6, "months")})

    assert result.states == 1
    assert _moves(result) == [("Ann", "Fire safety", OVERDUE, TODO)]


def test_a_new_frequency_and_a_new_section_together(db):
    p = _passport(db)
    _entry(db, _holder(p, name="Ann"), p.fire, D(2024, 4, 1))
    _holder(p, name="Ben")
    db.session.commit()

    result = _run(p, item_frequency={p.fire.id: 12}, item_offset={p.fire.id: Offset(6, "months")})

    assert _moves(result) == [("Ann", "Fire safety", EXPIRING, EXPIRED), ("Ben", "Fire safety", OVERDUE, TODO)]
    assert result.headline == "1 person becomes Expired, 1 person becomes To do."


# --------------------------------------------------------------------------- the warning window, everywhere


def test_a_new_warning_window_reaches_every_template_when_none_is_named(db):
    a = _passport(db, "Passport A")
    b = _passport(db, "Passport B")
    _entry(db, _holder(a, name="Ann"), a.fire, D(2024, 4, 1))          # Expiring at 60, Complete at 29
    _entry(db, _holder(b, name="Ben"), b.fire, D(2024, 4, 1))
    _holder(b, name="Cat")                                             # Overdue / To do: untouched
    db.session.commit()

    result = impact(today=TODAY, warning_days=60, new_warning_days=29, what="Warning window: 60 → 29 days")

    assert result.people == 3
    assert result.states == 6                                          # every live item of every holder
    assert _moves(result) == [("Ann", "Fire safety", EXPIRING, COMPLETE), ("Ben", "Fire safety", EXPIRING, COMPLETE)]
    assert result.headline == "2 people become Complete."


def test_a_new_warning_window_skips_archived_items_removed_assignments_and_inactive_people(db):
    a = _passport(db, "Passport A")
    b = _passport(db, "Passport B")
    ann = _holder(a, name="Ann")
    _entry(db, ann, a.fire, D(2024, 4, 1))
    a.fire.archived_at = dt.datetime(2026, 2, 1, tzinfo=UTC)            # archived item
    gus = factories.person(name="Gus")
    factories.assign(gus, b.template).removed_on = D(2026, 2, 1)        # removed assignment
    _entry(db, gus, b.fire, D(2024, 4, 1))
    lou = _holder(b, name="Lou")
    lou.active = False                                                  # left
    _entry(db, lou, b.fire, D(2024, 4, 1))
    db.session.commit()

    result = impact(today=TODAY, warning_days=60, new_warning_days=29, what="Warning window")

    assert result.people == 1                                          # Ann only
    assert result.states == 1                                          # her Hand hygiene
    assert result.moves == []


def test_a_new_warning_window_for_one_named_template_stays_within_it(db):
    a = _passport(db, "Passport A")
    b = _passport(db, "Passport B")
    _entry(db, _holder(a, name="Ann"), a.fire, D(2024, 4, 1))
    _entry(db, _holder(b, name="Ben"), b.fire, D(2024, 4, 1))
    db.session.commit()

    result = _run(a, new_warning_days=29)

    assert result.people == 1
    assert _moves(result) == [("Ann", "Fire safety", EXPIRING, COMPLETE)]


def test_no_change_at_all_computes_nothing(db):
    p = _passport(db)
    _holder(p)
    db.session.commit()

    result = _run(p)

    assert (result.states, result.moves) == (0, [])


# --------------------------------------------------------------------------- the preview tells the truth


def _fire_statuses(people: dict, p, warning_days: int) -> dict[str, Status]:
    db_statuses = {}
    for name, person in people.items():
        row = build_passport(person, today=TODAY, warning_days=warning_days, with_informal=False).row(p.fire.id)
        db_statuses[name] = row.state.status
    return db_statuses


def _set_frequency(p):
    p.fire.frequency_months = 12


def _set_offset(p):
    p.week2.offset_amount, p.week2.offset_unit = 6, OffsetUnit.MONTHS


PREVIEWS = {
    "frequency": (lambda p: {"item_frequency": {p.fire.id: 12}}, _set_frequency, W),
    "section offset": (lambda p: {"section_offset": {p.week2.id: Offset(6, "months")}}, _set_offset, W),
    "warning window": (lambda p: {"new_warning_days": 29}, lambda p: None, 29),
}


@pytest.mark.parametrize("change", PREVIEWS)
def test_the_preview_agrees_with_the_passports_once_the_change_is_made(db, change):
    p, people = _mixed(db)
    people["Fay"] = _holder(p, name="Fay", start=D(2026, 2, 23))        # due 9 Mar 2026: To do
    db.session.commit()
    kwargs, make_change, warning_after = PREVIEWS[change]
    before = _fire_statuses(people, p, W)

    result = _run(p, **kwargs(p))
    make_change(p)
    db.session.flush()
    after = _fire_statuses(people, p, warning_after)

    expected = {name: (before[name], after[name]) for name in people if before[name] is not after[name]}
    assert expected, "the change should move somebody"
    assert {m.person_name: (m.before, m.after) for m in result.moves if m.item_title == "Fire safety"} == expected


# --------------------------------------------------------------------------- cost


def _population(db, size: int) -> SimpleNamespace:
    """*size* people in each of two passports, with a mix of entries."""
    a = _passport(db, f"Passport A{size}")
    b = _passport(db, f"Passport B{size}")
    team = factories.team()
    for n in range(size):
        for p in (a, b):
            person = _holder(p, name=f"P{n}", start=D(2025, 10, 6) + dt.timedelta(days=3 * n), team=team)
            if n % 3:
                _entry(db, person, p.fire, D(2024, 3, 1) + dt.timedelta(days=17 * n))
                _entry(db, person, p.hygiene, D(2025, 2, 1))
            if n % 4 == 0:
                _entry(db, person, p.fire, D(2026, 2, 10), EntryStatus.AWAITING)
    db.session.commit()
    return a


CHANGES = {
    "frequency": lambda p: dict(template_id=p.template.id, item_frequency={p.fire.id: 12}),
    "section offset": lambda p: dict(template_id=p.template.id, section_offset={p.week2.id: Offset(6, "months")}),
    "item moves section": lambda p: dict(template_id=p.template.id, item_offset={p.fire.id: Offset(6, "months")}),
    "warning window everywhere": lambda p: dict(new_warning_days=10),
}


@pytest.mark.parametrize("change", CHANGES)
def test_the_number_of_queries_does_not_grow_with_the_number_of_people(db, change):
    counts = []
    for size in (2, 40):
        p = _population(db, size)
        kwargs = CHANGES[change](p)
        db.session.expire_all()        # cold, as in a request: nothing already loaded
        with count_queries() as log:
            result = impact(today=TODAY, warning_days=W, what="change", **kwargs)
        assert result.states > 0 and result.moves, change
        counts.append(log)
    small, large = counts
    assert small.count == large.count, f"small: {small!r}\n\nlarge: {large!r}"
    # Items, holders, sections, the latest entries; and, read through the chain rule as the team figures read
    # them (PRODUCT.md §6.3): credit mappings, the subjects with a refresher, and their links.
    assert small.count <= 7, repr(small)


# --------------------------------------------------------------------------- dates that move


def test_a_section_offset_change_reports_the_due_dates_it_moves(db):
    # Start 5 Jan 2026: Hand hygiene due 6 months on (5 Jul 2026); at 1 month it is due 5 Feb 2026.
    p = _passport(db)
    for name in ("Ann", "Ben"):
        _holder(p, name=name)
    _holder(p, name="Cat", start=D(2026, 2, 2))          # due 2 Aug 2026 → 2 Mar 2026
    done = _holder(p, name="Dan")
    _entry(db, done, p.hygiene, D(2026, 1, 20))          # done: no due date left to move
    db.session.commit()

    result = _run(p, section_offset={p.month6.id: Offset(1, "months")})

    assert result.date_sentences() == ["2 people: due date moves from 5 Jul 2026 to 5 Feb 2026",
                                       "1 person: due date moves from 2 Aug 2026 to 2 Mar 2026"]
    assert result.people_with_moved_dates == 3
    assert [(m.person_name, m.kind) for m in result.date_sample()] == [("Ann", "due date"), ("Ben", "due date"),
                                                                       ("Cat", "due date")]


def test_a_later_offset_that_moves_no_status_still_says_whose_dates_move(db):
    p = _passport(db)
    _holder(p, name="Ann", start=D(2026, 2, 23))         # Fire safety due 9 Mar 2026, To do either way
    db.session.commit()

    result = _run(p, section_offset={p.week2.id: Offset(3, "weeks")})

    assert not result.moves
    assert result.headline == "No status changes; 1 person has a date that moves."
    assert result.date_sentences() == ["1 person: due date moves from 9 Mar 2026 to 16 Mar 2026"]


def test_a_new_frequency_reports_the_expiries_it_moves(db):
    p = _passport(db)
    ann = _holder(p, name="Ann")
    _entry(db, ann, p.fire, D(2025, 6, 1))
    db.session.commit()

    result = _run(p, item_frequency={p.fire.id: 12})

    assert result.date_sentences() == ["1 person: expiry moves from 1 Jun 2027 to 1 Jun 2026"]
