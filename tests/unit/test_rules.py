"""The date rules of PRODUCT.md §3, as a table.

Pure functions only: no database, no Flask, "today" passed in.
"""
from __future__ import annotations

import datetime as dt

import pytest

from skillpass.rules import (
    DEFAULT_WARNING_DAYS,
    Compliance,
    Due,
    Offset,
    Status,
    OPTIONAL_INDEX,
    TALLIED,
    TALLY_INDEX,
    TALLY_SIZE,
    add_months,
    anchor_date,
    anchor_of,
    assignment_anchor,
    awaiting_words,
    days_from,
    due_on,
    expires_in,
    status_colour,
    status_css,
    status_word,
    compliance,
    describe_frequency,
    due_date,
    expiry_date,
    format_date,
    item_anchor,
    item_state,
    short_date_line,
    status_line,
)

D = dt.date

# The worked example of PRODUCT.md §3: start date 5 Jan 2026, Fire safety,
# section "Within 2 weeks", renew every 24 months, W = 60 days.
START = D(2026, 1, 5)
TWO_WEEKS = Offset(2, "weeks")
FIRE_SAFETY_MONTHS = 24
FIRE_DUE = due_date(start_date=START, assigned_on=START, item_added_on=START, offset=TWO_WEEKS)
COMPLETED = D(2026, 1, 15)
EXPIRES = D(2028, 1, 15)


def state(today, *, accepted=None, awaiting=False, frequency=FIRE_SAFETY_MONTHS,
          due=FIRE_DUE, mandatory=True, required=True, warning_days=DEFAULT_WARNING_DAYS):
    return item_state(
        today=today, due=due, frequency_months=frequency, latest_accepted_on=accepted,
        awaiting=awaiting, mandatory=mandatory, required=required, warning_days=warning_days,
    )


# ---------------------------------------------------------------- worked example

def test_default_warning_window_is_60_days():
    assert DEFAULT_WARNING_DAYS == 60


def test_worked_example_due_date_and_reason():
    assert FIRE_DUE == Due(on=D(2026, 1, 19), reason="start date 5 Jan 2026 + 2 weeks")


@pytest.mark.parametrize(
    "today, accepted, awaiting, status, label, date_line",
    [
        pytest.param(D(2026, 1, 10), None, False, Status.TODO, "To do",
                     "Due 19 Jan 2026: start date 5 Jan 2026 + 2 weeks",
                     id="10-Jan-2026-no-entries-to-do"),
        pytest.param(D(2026, 1, 20), None, False, Status.OVERDUE, "Overdue",
                     "Due 19 Jan 2026: start date 5 Jan 2026 + 2 weeks",
                     id="20-Jan-2026-no-entries-overdue"),
        pytest.param(D(2026, 1, 20), None, True, Status.OVERDUE, "Overdue · awaiting sign-off",
                     "Due 19 Jan 2026: start date 5 Jan 2026 + 2 weeks",
                     id="20-Jan-2026-entry-awaiting-sign-off-overdue"),
        pytest.param(D(2026, 2, 1), COMPLETED, False, Status.COMPLETE, "Complete",
                     "Expires 15 Jan 2028: completed 15 Jan 2026 + 24 months",
                     id="1-Feb-2026-accepted-complete"),
        pytest.param(D(2027, 11, 20), COMPLETED, False, Status.EXPIRING, "Expiring",
                     "Expires 15 Jan 2028: completed 15 Jan 2026 + 24 months",
                     id="20-Nov-2027-accepted-expiring"),
        pytest.param(D(2028, 1, 15), COMPLETED, False, Status.EXPIRED, "Expired",
                     "Expired 15 Jan 2028: completed 15 Jan 2026 + 24 months",
                     id="15-Jan-2028-accepted-expired"),
    ],
)
def test_worked_example(today, accepted, awaiting, status, label, date_line):
    s = state(today, accepted=accepted, awaiting=awaiting)
    assert s.status is status
    assert s.label == label
    assert s.date_line == date_line
    if accepted is None:
        assert s.due == FIRE_DUE
        assert s.expires_on is None
    else:
        assert s.due is None
        assert s.expires_on == EXPIRES
        assert s.completed_on == accepted


# ---------------------------------------------------------------- dates

@pytest.mark.parametrize(
    "d, text",
    [
        pytest.param(D(2026, 1, 5), "5 Jan 2026", id="single-digit-day-no-zero-pad"),
        pytest.param(D(2026, 1, 19), "19 Jan 2026", id="two-digit-day"),
        pytest.param(D(2028, 2, 29), "29 Feb 2028", id="leap-day"),
        pytest.param(D(2027, 12, 31), "31 Dec 2027", id="year-end"),
    ],
)
def test_format_date(d, text):
    assert format_date(d) == text


@pytest.mark.parametrize(
    "d, months, expected",
    [
        pytest.param(D(2025, 8, 31), 6, D(2026, 2, 28), id="31-Aug+6m=28-Feb"),
        pytest.param(D(2027, 8, 31), 6, D(2028, 2, 29), id="31-Aug+6m=29-Feb-leap-year"),
        pytest.param(D(2026, 1, 31), 1, D(2026, 2, 28), id="31-Jan+1m=28-Feb"),
        pytest.param(D(2028, 1, 31), 1, D(2028, 2, 29), id="31-Jan+1m=29-Feb-leap-year"),
        pytest.param(D(2026, 3, 31), 1, D(2026, 4, 30), id="31-Mar+1m=30-Apr"),
        pytest.param(D(2025, 11, 30), 3, D(2026, 2, 28), id="30-Nov+3m=28-Feb-across-year"),
        pytest.param(D(2027, 11, 30), 3, D(2028, 2, 29), id="30-Nov+3m=29-Feb-leap-year"),
        pytest.param(D(2028, 2, 29), 12, D(2029, 2, 28), id="29-Feb-2028+12m=28-Feb-2029"),
        pytest.param(D(2028, 2, 29), 48, D(2032, 2, 29), id="29-Feb-2028+48m=29-Feb-2032"),
        pytest.param(D(2028, 2, 29), 1, D(2028, 3, 29), id="29-Feb+1m=29-Mar-no-end-of-month-snap"),
        pytest.param(D(2026, 2, 28), 1, D(2026, 3, 28), id="28-Feb+1m=28-Mar-no-end-of-month-snap"),
        pytest.param(D(2026, 1, 15), 24, D(2028, 1, 15), id="15-Jan-2026+24m"),
        pytest.param(D(2026, 12, 15), 1, D(2027, 1, 15), id="Dec+1m-rolls-year"),
        pytest.param(D(2026, 1, 15), 0, D(2026, 1, 15), id="zero-months-same-day"),
        pytest.param(D(2026, 1, 31), 0, D(2026, 1, 31), id="zero-months-month-end"),
        pytest.param(D(2026, 3, 31), -1, D(2026, 2, 28), id="31-Mar-minus-1m=28-Feb"),
        pytest.param(D(2026, 1, 15), -1, D(2025, 12, 15), id="Jan-minus-1m-rolls-back-year"),
        pytest.param(D(2029, 2, 28), -12, D(2028, 2, 28), id="28-Feb-2029-minus-12m"),
        pytest.param(D(2026, 8, 31), -6, D(2026, 2, 28), id="31-Aug-minus-6m=28-Feb"),
    ],
)
def test_add_months(d, months, expected):
    assert add_months(d, months) == expected


# ---------------------------------------------------------------- offsets

@pytest.mark.parametrize(
    "offset, start, expected_on, described",
    [
        pytest.param(Offset(0, "days"), D(2026, 1, 5), D(2026, 1, 5), "day one", id="0-days-day-one"),
        pytest.param(Offset(0, "weeks"), D(2026, 1, 5), D(2026, 1, 5), "day one", id="0-weeks-day-one"),
        pytest.param(Offset(0, "months"), D(2026, 1, 5), D(2026, 1, 5), "day one", id="0-months-day-one"),
        pytest.param(Offset(1, "days"), D(2026, 1, 5), D(2026, 1, 6), "1 day", id="1-day"),
        pytest.param(Offset(10, "days"), D(2026, 1, 25), D(2026, 2, 4), "10 days", id="10-days-across-month"),
        pytest.param(Offset(1, "weeks"), D(2026, 1, 5), D(2026, 1, 12), "1 week", id="1-week"),
        pytest.param(Offset(2, "weeks"), D(2026, 1, 5), D(2026, 1, 19), "2 weeks", id="2-weeks"),
        pytest.param(Offset(2, "weeks"), D(2026, 12, 25), D(2027, 1, 8), "2 weeks", id="2-weeks-across-year"),
        pytest.param(Offset(1, "months"), D(2026, 1, 31), D(2026, 2, 28), "1 month", id="1-month-clamped"),
        pytest.param(Offset(3, "months"), D(2026, 1, 5), D(2026, 4, 5), "3 months", id="3-months"),
        pytest.param(Offset(6, "months"), D(2025, 8, 31), D(2026, 2, 28), "6 months",
                     id="6-months-31-Aug=28-Feb"),
        pytest.param(Offset(6, "months"), D(2027, 8, 31), D(2028, 2, 29), "6 months",
                     id="6-months-31-Aug=29-Feb-leap"),
    ],
)
def test_offset_after_and_describe(offset, start, expected_on, described):
    assert offset.after(start) == expected_on
    assert offset.describe() == described


@pytest.mark.parametrize(
    "amount, unit",
    [
        pytest.param(-1, "days", id="negative-days"),
        pytest.param(-2, "weeks", id="negative-weeks"),
        pytest.param(-6, "months", id="negative-months"),
        pytest.param(1, "years", id="unknown-unit"),
        pytest.param(1, "day", id="singular-unit-not-accepted"),
    ],
)
def test_offset_rejects_negative_or_unknown(amount, unit):
    with pytest.raises(ValueError):
        Offset(amount, unit)


# ---------------------------------------------------------------- anchor and due date

@pytest.mark.parametrize(
    "start, assigned, expected",
    [
        pytest.param(D(2026, 1, 5), D(2026, 1, 5), (D(2026, 1, 5), "start date"), id="same-day-start-date"),
        pytest.param(D(2026, 1, 5), D(2025, 12, 1), (D(2026, 1, 5), "start date"),
                     id="assigned-before-start-new-starter"),
        pytest.param(D(2020, 3, 1), D(2026, 1, 12), (D(2026, 1, 12), "assigned"),
                     id="assigned-long-after-start-existing-staff"),
    ],
)
def test_anchor_date_is_the_later_of_start_and_assignment(start, assigned, expected):
    assert anchor_date(start, assigned) == expected


@pytest.mark.parametrize(
    "start, assigned, added, a, anchor",
    [
        pytest.param(D(2026, 1, 5), D(2026, 1, 5), D(2025, 6, 1), D(2026, 1, 5), D(2026, 1, 5), id="all-from-start"),
        pytest.param(D(2026, 1, 5), D(2025, 12, 10), D(2025, 6, 1), D(2026, 1, 5), D(2026, 1, 5),
                     id="assigned-before-start"),
        pytest.param(D(2019, 4, 1), D(2026, 3, 2), D(2024, 1, 1), D(2026, 3, 2), D(2026, 3, 2),
                     id="assigned-after-start"),
        pytest.param(D(2026, 1, 5), D(2026, 1, 5), D(2026, 2, 10), D(2026, 1, 5), D(2026, 2, 10),
                     id="item-added-last"),
        pytest.param(D(2019, 4, 1), D(2026, 1, 12), D(2026, 1, 12), D(2026, 1, 12), D(2026, 1, 12),
                     id="item-added-on-the-assignment-day"),
        pytest.param(D(2024, 2, 29), D(2024, 2, 28), D(2024, 2, 29), D(2024, 2, 29), D(2024, 2, 29),
                     id="leap-day-ties"),
    ],
)
def test_the_anchor_is_the_latest_of_start_assignment_and_the_items_arrival(start, assigned, added, a, anchor):
    assert assignment_anchor(start, assigned) == a == anchor_date(start, assigned)[0]
    assert item_anchor(a, added) == anchor == anchor_of(start, assigned, added)
    offset = Offset(2, "weeks")
    due = due_date(start_date=start, assigned_on=assigned, item_added_on=added, offset=offset)
    assert due.on == offset.after(anchor) == due_on(start_date=start, assigned_on=assigned,
                                                    item_added_on=added, offset=offset)


@pytest.mark.parametrize(
    "start, assigned, added, offset, expected",
    [
        pytest.param(D(2026, 1, 5), D(2026, 1, 5), D(2025, 6, 1), Offset(2, "weeks"),
                     Due(D(2026, 1, 19), "start date 5 Jan 2026 + 2 weeks"),
                     id="new-starter-from-start-date"),
        pytest.param(D(2026, 1, 5), D(2025, 12, 10), D(2025, 6, 1), Offset(2, "weeks"),
                     Due(D(2026, 1, 19), "start date 5 Jan 2026 + 2 weeks"),
                     id="assigned-before-start-still-from-start-date"),
        pytest.param(D(2019, 4, 1), D(2026, 3, 2), D(2024, 1, 1), Offset(3, "months"),
                     Due(D(2026, 6, 2), "assigned 2 Mar 2026 + 3 months"),
                     id="assigned-long-after-start-anchor-is-assignment"),
        pytest.param(D(2026, 1, 5), D(2026, 1, 5), D(2026, 2, 10), Offset(2, "weeks"),
                     Due(D(2026, 2, 24), "item added 10 Feb 2026 + 2 weeks"),
                     id="item-added-after-assignment-due-from-added-date"),
        pytest.param(D(2019, 4, 1), D(2026, 1, 12), D(2026, 3, 31), Offset(1, "months"),
                     Due(D(2026, 4, 30), "item added 31 Mar 2026 + 1 month"),
                     id="item-added-after-late-assignment-month-end-clamped"),
        pytest.param(D(2019, 4, 1), D(2026, 1, 12), D(2025, 11, 1), Offset(1, "weeks"),
                     Due(D(2026, 1, 19), "assigned 12 Jan 2026 + 1 week"),
                     id="item-added-before-assignment-ignored"),
        pytest.param(D(2026, 1, 5), D(2026, 1, 5), D(2026, 1, 5), Offset(0, "days"),
                     Due(D(2026, 1, 5), "start date 5 Jan 2026 (day one)"),
                     id="day-one-from-start-date"),
        pytest.param(D(2020, 1, 1), D(2026, 1, 12), D(2020, 1, 1), Offset(0, "months"),
                     Due(D(2026, 1, 12), "assigned 12 Jan 2026 (day one)"),
                     id="day-one-from-assignment"),
        pytest.param(D(2026, 1, 5), D(2026, 1, 5), D(2026, 3, 2), Offset(0, "weeks"),
                     Due(D(2026, 3, 2), "item added 2 Mar 2026 (day one)"),
                     id="day-one-from-item-added"),
        pytest.param(D(2025, 8, 31), D(2025, 8, 31), D(2025, 1, 1), Offset(6, "months"),
                     Due(D(2026, 2, 28), "start date 31 Aug 2025 + 6 months"),
                     id="six-months-from-31-Aug"),
        pytest.param(D(2026, 1, 5), D(2026, 1, 5), D(2025, 1, 1), Offset(10, "days"),
                     Due(D(2026, 1, 15), "start date 5 Jan 2026 + 10 days"),
                     id="ten-days"),
    ],
)
def test_due_date(start, assigned, added, offset, expected):
    assert due_date(start_date=start, assigned_on=assigned, item_added_on=added, offset=offset) == expected


def test_item_added_later_shows_its_reason_on_the_passport():
    due = due_date(start_date=D(2026, 1, 5), assigned_on=D(2026, 1, 5),
                   item_added_on=D(2026, 2, 10), offset=Offset(2, "weeks"))
    s = state(D(2026, 2, 25), due=due)
    assert s.status is Status.OVERDUE
    assert s.date_line == "Due 24 Feb 2026: item added 10 Feb 2026 + 2 weeks"


def test_late_assignment_shows_its_reason_on_the_passport():
    due = due_date(start_date=D(2019, 4, 1), assigned_on=D(2026, 3, 2),
                   item_added_on=D(2019, 4, 1), offset=Offset(3, "months"))
    s = state(D(2026, 3, 2), due=due)
    assert s.status is Status.TODO
    assert s.date_line == "Due 2 Jun 2026: assigned 2 Mar 2026 + 3 months"


# ---------------------------------------------------------------- expiry

@pytest.mark.parametrize(
    "completed, frequency, expected",
    [
        pytest.param(D(2026, 1, 15), None, None, id="one-off-never-expires"),
        pytest.param(D(2026, 1, 15), 24, D(2028, 1, 15), id="24-months"),
        pytest.param(D(2026, 1, 15), 12, D(2027, 1, 15), id="12-months"),
        pytest.param(D(2026, 1, 15), 36, D(2029, 1, 15), id="36-months"),
        pytest.param(D(2025, 8, 31), 6, D(2026, 2, 28), id="6-months-from-31-Aug"),
        pytest.param(D(2028, 2, 29), 12, D(2029, 2, 28), id="leap-day-plus-12"),
        pytest.param(D(2028, 2, 29), 48, D(2032, 2, 29), id="leap-day-plus-48"),
        pytest.param(D(2026, 1, 31), 1, D(2026, 2, 28), id="monthly-from-31-Jan"),
    ],
)
def test_expiry_date_is_completion_plus_frequency(completed, frequency, expected):
    assert expiry_date(completed, frequency) == expected


# ---------------------------------------------------------------- status

@pytest.mark.parametrize(
    "today, completed, status, label, date_line",
    [
        pytest.param(D(2026, 2, 1), D(2026, 1, 15), Status.COMPLETE, "Complete",
                     "Completed 15 Jan 2026: one-off, does not expire", id="one-off-just-done"),
        pytest.param(D(2099, 12, 31), D(2026, 1, 15), Status.COMPLETE, "Complete",
                     "Completed 15 Jan 2026: one-off, does not expire", id="one-off-decades-later"),
        pytest.param(D(2026, 1, 15), D(2026, 1, 15), Status.COMPLETE, "Complete",
                     "Completed 15 Jan 2026: one-off, does not expire", id="one-off-same-day"),
    ],
)
def test_one_off_items_never_expire(today, completed, status, label, date_line):
    s = state(today, accepted=completed, frequency=None)
    assert s.status is status
    assert s.label == label
    assert s.expires_on is None
    assert s.date_line == date_line
    assert "does not expire" in s.date_line


@pytest.mark.parametrize(
    "today, awaiting, status, label",
    [
        pytest.param(D(2026, 1, 10), False, Status.TODO, "To do", id="one-off-not-yet-due"),
        pytest.param(D(2026, 1, 20), False, Status.OVERDUE, "Overdue", id="one-off-overdue"),
        pytest.param(D(2026, 1, 10), True, Status.TODO, "To do · awaiting sign-off",
                     id="one-off-to-do-awaiting"),
    ],
)
def test_one_off_items_without_an_accepted_entry_are_due(today, awaiting, status, label):
    s = state(today, frequency=None, awaiting=awaiting)
    assert s.status is status
    assert s.label == label
    assert s.date_line == "Due 19 Jan 2026: start date 5 Jan 2026 + 2 weeks"


@pytest.mark.parametrize(
    "today, completed, frequency, status, date_line",
    [
        pytest.param(D(2026, 6, 1), D(2026, 1, 15), 12, Status.COMPLETE,
                     "Expires 15 Jan 2027: completed 15 Jan 2026 + 12 months", id="annual-complete"),
        pytest.param(D(2026, 12, 1), D(2026, 1, 15), 12, Status.EXPIRING,
                     "Expires 15 Jan 2027: completed 15 Jan 2026 + 12 months", id="annual-expiring"),
        pytest.param(D(2027, 3, 1), D(2026, 1, 15), 12, Status.EXPIRED,
                     "Expired 15 Jan 2027: completed 15 Jan 2026 + 12 months", id="annual-expired"),
        pytest.param(D(2028, 6, 1), D(2026, 1, 15), 36, Status.COMPLETE,
                     "Expires 15 Jan 2029: completed 15 Jan 2026 + 36 months", id="three-yearly-complete"),
        pytest.param(D(2029, 2, 1), D(2028, 2, 29), 12, Status.EXPIRING,
                     "Expires 28 Feb 2029: completed 29 Feb 2028 + 12 months", id="leap-day-completion"),
        pytest.param(D(2026, 3, 1), D(2025, 8, 31), 6, Status.EXPIRED,
                     "Expired 28 Feb 2026: completed 31 Aug 2025 + 6 months",
                     id="six-monthly-month-end-expired"),
    ],
)
def test_recurring_items(today, completed, frequency, status, date_line):
    s = state(today, accepted=completed, frequency=frequency)
    assert s.status is status
    assert s.label == status.label
    assert s.date_line == date_line


@pytest.mark.parametrize(
    "today, warning_days, status",
    [
        # E = 15 Jan 2028; E - 60 days = 16 Nov 2027.
        pytest.param(D(2027, 11, 15), 60, Status.COMPLETE, id="E-minus-W-minus-1-day-complete"),
        pytest.param(D(2027, 11, 16), 60, Status.EXPIRING, id="E-minus-W-exactly-expiring"),
        pytest.param(D(2028, 1, 14), 60, Status.EXPIRING, id="E-minus-1-day-expiring"),
        pytest.param(D(2028, 1, 15), 60, Status.EXPIRED, id="E-exactly-expired"),
        pytest.param(D(2028, 1, 16), 60, Status.EXPIRED, id="E-plus-1-day-expired"),
        # A different deployment window: E - 30 days = 16 Dec 2027.
        pytest.param(D(2027, 12, 15), 30, Status.COMPLETE, id="W30-E-minus-W-minus-1-complete"),
        pytest.param(D(2027, 12, 16), 30, Status.EXPIRING, id="W30-E-minus-W-exactly-expiring"),
        pytest.param(D(2027, 11, 20), 30, Status.COMPLETE, id="W30-worked-example-day-is-complete"),
        # A 90-day window: E - 90 days = 17 Oct 2027.
        pytest.param(D(2027, 10, 16), 90, Status.COMPLETE, id="W90-E-minus-W-minus-1-complete"),
        pytest.param(D(2027, 10, 17), 90, Status.EXPIRING, id="W90-E-minus-W-exactly-expiring"),
    ],
)
def test_warning_window_edges(today, warning_days, status):
    s = state(today, accepted=COMPLETED, warning_days=warning_days)
    assert s.expires_on == EXPIRES
    assert s.status is status


def test_warning_window_default_edge_is_E_minus_60_days():
    assert EXPIRES - dt.timedelta(days=60) == D(2027, 11, 16)


@pytest.mark.parametrize(
    "today, status",
    [
        pytest.param(D(2026, 1, 5), Status.TODO, id="start-date-to-do"),
        pytest.param(D(2026, 1, 18), Status.TODO, id="D-minus-1-to-do"),
        pytest.param(D(2026, 1, 19), Status.TODO, id="D-exactly-to-do"),
        pytest.param(D(2026, 1, 20), Status.OVERDUE, id="D-plus-1-overdue"),
        pytest.param(D(2027, 1, 1), Status.OVERDUE, id="long-after-D-overdue"),
    ],
)
def test_due_date_edges(today, status):
    s = state(today)
    assert s.status is status


def test_day_one_item_is_to_do_on_day_one_and_overdue_the_next_day():
    due = due_date(start_date=START, assigned_on=START, item_added_on=START, offset=Offset(0, "days"))
    assert state(START, due=due).status is Status.TODO
    assert state(START + dt.timedelta(days=1), due=due).status is Status.OVERDUE
    assert state(START, due=due).date_line == "Due 5 Jan 2026: start date 5 Jan 2026 (day one)"


# ---------------------------------------------------------------- awaiting sign-off

@pytest.mark.parametrize(
    "today, accepted, status, label",
    [
        pytest.param(D(2026, 1, 10), None, Status.TODO, "To do · awaiting sign-off",
                     id="first-entry-awaiting-to-do"),
        pytest.param(D(2026, 1, 20), None, Status.OVERDUE, "Overdue · awaiting sign-off",
                     id="first-entry-awaiting-overdue"),
        pytest.param(D(2026, 2, 1), COMPLETED, Status.COMPLETE, "Complete · renewal awaiting sign-off",
                     id="renewal-awaiting-complete"),
        pytest.param(D(2027, 11, 20), COMPLETED, Status.EXPIRING, "Expiring · renewal awaiting sign-off",
                     id="renewal-awaiting-expiring"),
        pytest.param(D(2028, 2, 1), COMPLETED, Status.EXPIRED, "Expired · renewal awaiting sign-off",
                     id="renewal-awaiting-expired"),
    ],
)
def test_awaiting_sign_off_marker(today, accepted, status, label):
    s = state(today, accepted=accepted, awaiting=True)
    assert s.status is status  # an entry awaiting sign-off never changes the status itself
    assert s.awaiting is True
    assert s.label == label


@pytest.mark.parametrize(
    "today, accepted",
    [
        pytest.param(D(2026, 1, 20), None, id="no-entry"),
        pytest.param(D(2027, 11, 20), COMPLETED, id="accepted-entry"),
    ],
)
def test_no_marker_without_an_entry_awaiting(today, accepted):
    s = state(today, accepted=accepted, awaiting=False)
    assert "awaiting" not in s.label


# ---------------------------------------------------------------- optional and not required

@pytest.mark.parametrize(
    "today, accepted, status, word, colour",
    [
        pytest.param(D(2026, 1, 10), None, Status.TODO, "Optional · not done", "grey", id="optional-to-do"),
        pytest.param(D(2026, 1, 20), None, Status.OVERDUE, "Optional · not done", "grey", id="optional-overdue"),
        pytest.param(D(2026, 2, 1), COMPLETED, Status.COMPLETE, "Complete", "green", id="optional-complete"),
        pytest.param(D(2027, 11, 20), COMPLETED, Status.EXPIRING, "Expiring", "orange", id="optional-expiring"),
        pytest.param(D(2028, 1, 15), COMPLETED, Status.EXPIRED, "Optional · expired", "grey", id="optional-expired"),
    ],
)
def test_optional_items_show_status_but_never_count_and_are_never_red(today, accepted, status, word, colour):
    s = state(today, accepted=accepted, mandatory=False)
    assert s.status is status
    assert (s.label, s.word, s.colour) == (word, word, colour)
    assert s.colour != "red"
    assert s.counts is False
    c = compliance([s])
    assert (c.complete, c.expiring, c.overdue, c.expired, c.todo) == (0, 0, 0, 0, 0)
    assert c.optional == 1
    assert c.percent is None


@pytest.mark.parametrize(
    "today, accepted, mandatory",
    [
        pytest.param(D(2026, 1, 10), None, True, id="not-required-would-be-to-do"),
        pytest.param(D(2026, 1, 20), None, True, id="not-required-would-be-overdue"),
        pytest.param(D(2026, 1, 20), None, False, id="not-required-optional-item"),
        pytest.param(D(2026, 2, 1), COMPLETED, True, id="not-required-would-be-complete"),
        pytest.param(D(2028, 2, 1), COMPLETED, True, id="not-required-would-be-expired"),
    ],
)
def test_not_required_items_count_nowhere(today, accepted, mandatory):
    s = state(today, accepted=accepted, mandatory=mandatory, required=False)
    assert s.status is Status.NOT_REQUIRED
    assert s.label == "Not required"
    assert s.counts is False
    assert s.completed_on == accepted  # keeps its history
    c = compliance([s])
    assert (c.complete, c.expiring, c.overdue, c.expired, c.todo, c.optional) == (0, 0, 0, 0, 0, 0)
    assert c.percent is None


def test_not_required_item_without_history_says_no_longer_required():
    s = state(D(2026, 1, 20), required=False)
    assert s.date_line == "No longer required"


# ---------------------------------------------------------------- compliance

def _states(complete=0, expiring=0, overdue=0, expired=0, todo=0, optional=0, not_required=0):
    out = []
    out += [state(D(2026, 2, 1), accepted=COMPLETED)] * complete
    out += [state(D(2027, 11, 20), accepted=COMPLETED)] * expiring
    out += [state(D(2026, 1, 20))] * overdue
    out += [state(D(2028, 1, 15), accepted=COMPLETED)] * expired
    out += [state(D(2026, 1, 10))] * todo
    out += [state(D(2026, 1, 20), mandatory=False)] * optional
    out += [state(D(2026, 1, 20), required=False)] * not_required
    return out


@pytest.mark.parametrize(
    "counts, met, due, percent, text",
    [
        pytest.param(dict(), 0, 0, None, "Nothing due yet", id="nothing-at-all"),
        pytest.param(dict(todo=5), 0, 0, None, "Nothing due yet", id="only-to-do-nothing-due"),
        pytest.param(dict(todo=2, optional=3, not_required=4), 0, 0, None, "Nothing due yet",
                     id="only-to-do-optional-not-required"),
        pytest.param(dict(complete=1), 1, 1, 100, "100% compliant: 1 of 1 due items in date",
                     id="all-complete"),
        pytest.param(dict(complete=1, expiring=1), 2, 2, 100,
                     "100% compliant: 2 of 2 due items in date", id="expiring-counts-as-met"),
        pytest.param(dict(overdue=1, expired=1), 0, 2, 0, "0% compliant: 0 of 2 due items in date",
                     id="none-met"),
        pytest.param(dict(complete=1, expiring=1, overdue=1, expired=1, todo=10), 2, 4, 50,
                     "50% compliant: 2 of 4 due items in date", id="to-do-excluded-both-sides"),
        pytest.param(dict(complete=2, overdue=1), 2, 3, 66, "66% compliant: 2 of 3 due items in date",
                     id="two-thirds-rounds-down-to-66"),
        pytest.param(dict(complete=1, overdue=2), 1, 3, 33, "33% compliant: 1 of 3 due items in date",
                     id="one-third-33"),
        pytest.param(dict(complete=199, expired=1), 199, 200, 99,
                     "99% compliant: 199 of 200 due items in date", id="199-of-200-is-99-never-100"),
        pytest.param(dict(complete=3, optional=5, not_required=5, overdue=1), 3, 4, 75,
                     "75% compliant: 3 of 4 due items in date", id="optional-and-not-required-ignored"),
    ],
)
def test_compliance(counts, met, due, percent, text):
    c = compliance(_states(**counts))
    assert c.complete == counts.get("complete", 0)
    assert c.expiring == counts.get("expiring", 0)
    assert c.overdue == counts.get("overdue", 0)
    assert c.expired == counts.get("expired", 0)
    assert c.todo == counts.get("todo", 0)
    assert c.optional == counts.get("optional", 0)
    assert c.met == met
    assert c.due == due
    assert c.percent == percent
    assert c.describe() == text


@pytest.mark.parametrize(
    "c, percent",
    [
        pytest.param(Compliance(complete=199, overdue=1), 99, id="199-of-200"),
        pytest.param(Compliance(complete=999, expiring=0, expired=1), 99, id="999-of-1000"),
        pytest.param(Compliance(complete=1, overdue=199), 0, id="1-of-200-rounds-down-to-0"),
        pytest.param(Compliance(complete=2, expiring=1, overdue=5, expired=1), 33, id="3-of-9"),
        pytest.param(Compliance(todo=7), None, id="todo-only-none"),
    ],
)
def test_compliance_percent_rounds_down(c, percent):
    assert c.percent == percent


def test_compliance_accepts_any_iterable():
    c = compliance(s for s in _states(complete=1, overdue=1))
    assert (c.met, c.due, c.percent) == (1, 2, 50)


# ---------------------------------------------------------------- frequency wording

@pytest.mark.parametrize(
    "months, text",
    [
        pytest.param(None, "Once", id="one-off"),
        pytest.param(1, "Monthly", id="1-month"),
        pytest.param(6, "Every 6 months", id="6-months"),
        pytest.param(12, "Annual", id="12-months"),
        pytest.param(24, "Every 2 years", id="24-months"),
        pytest.param(36, "Every 3 years", id="36-months"),
        pytest.param(18, "Every 18 months", id="18-months"),
    ],
)
def test_describe_frequency(months, text):
    assert describe_frequency(months) == text


# ------------------------------------------------ wording at the edges

from skillpass import rules  # noqa: E402

def test_a_monthly_item_says_one_month_not_one_months():
    state = rules.item_state(today=dt.date(2026, 1, 20), due=rules.Due(dt.date(2026, 1, 19), "x"),
                             frequency_months=1, latest_accepted_on=dt.date(2026, 1, 15))
    assert state.date_line == "Expires 15 Feb 2026: completed 15 Jan 2026 + 1 month"


def test_a_not_required_item_with_history_says_so_and_carries_no_marker():
    state = rules.item_state(today=dt.date(2030, 1, 1), due=rules.Due(dt.date(2026, 1, 19), "x"),
                             frequency_months=24, latest_accepted_on=dt.date(2026, 1, 15),
                             awaiting=True, required=False)
    assert state.status is rules.Status.NOT_REQUIRED
    assert state.label == "Not required"
    assert state.date_line == "No longer required: last completed 15 Jan 2026"


# ---------------------------------------------------------------- the words every output shares

@pytest.mark.parametrize(
    "status, due, expires, completed, line",
    [
        pytest.param(Status.TODO, D(2026, 3, 11), None, None, "Due 11 Mar 2026", id="to-do"),
        pytest.param(Status.OVERDUE, D(2026, 1, 19), None, None, "Due 19 Jan 2026", id="overdue"),
        pytest.param(Status.COMPLETE, None, D(2028, 1, 15), D(2026, 1, 15),
                     "Expires 15 Jan 2028: completed 15 Jan 2026", id="complete-recurring"),
        pytest.param(Status.EXPIRING, None, D(2026, 4, 1), D(2024, 4, 1),
                     "Expires 1 Apr 2026: completed 1 Apr 2024", id="expiring"),
        pytest.param(Status.EXPIRED, None, D(2026, 2, 28), D(2025, 2, 28),
                     "Expired 28 Feb 2026: completed 28 Feb 2025", id="expired-says-expired"),
        pytest.param(Status.COMPLETE, None, None, D(2024, 2, 29),
                     "Completed 29 Feb 2024: one-off, does not expire", id="one-off-leap-day"),
        pytest.param(Status.NOT_REQUIRED, None, None, D(2025, 5, 1),
                     "No longer required: last completed 1 May 2025", id="not-required-with-history"),
        pytest.param(Status.NOT_REQUIRED, D(2026, 1, 19), None, None, "No longer required",
                     id="not-required-without-history"),
        pytest.param(Status.TODO, None, None, None, "", id="nothing-to-say"),
    ],
)
def test_the_short_date_line(status, due, expires, completed, line):
    assert short_date_line(status, due_on=due, expires_on=expires, completed_on=completed) == line


@pytest.mark.parametrize(
    "today, accepted, frequency",
    [
        pytest.param(D(2026, 1, 10), None, FIRE_SAFETY_MONTHS, id="to-do"),
        pytest.param(D(2026, 2, 1), None, FIRE_SAFETY_MONTHS, id="overdue"),
        pytest.param(D(2026, 2, 1), COMPLETED, FIRE_SAFETY_MONTHS, id="complete"),
        pytest.param(D(2027, 12, 1), COMPLETED, FIRE_SAFETY_MONTHS, id="expiring"),
        pytest.param(D(2028, 2, 1), COMPLETED, FIRE_SAFETY_MONTHS, id="expired"),
        pytest.param(D(2028, 2, 1), COMPLETED, None, id="one-off"),
    ],
)
def test_the_passports_date_line_is_the_short_line_and_its_reason(today, accepted, frequency):
    s = state(today, accepted=accepted, frequency=frequency)
    assert s.date_line.startswith(s.short_date_line)
    assert s.short_date_line == short_date_line(s.status, due_on=None if accepted else FIRE_DUE.on,
                                                expires_on=s.expires_on, completed_on=accepted)


@pytest.mark.parametrize(
    "status, awaiting, completed, line",
    [
        pytest.param(Status.TODO, False, None, "To do", id="plain"),
        pytest.param(Status.OVERDUE, True, None, "Overdue · awaiting sign-off", id="first-entry-awaiting"),
        pytest.param(Status.EXPIRING, True, D(2024, 4, 1), "Expiring · renewal awaiting sign-off",
                     id="renewal-awaiting"),
        pytest.param(Status.NOT_REQUIRED, True, None, "Not required", id="not-required-carries-no-marker"),
    ],
)
def test_the_status_line(status, awaiting, completed, line):
    assert status_line(status, awaiting=awaiting, completed_on=completed) == line
    assert awaiting_words(completed) in ("awaiting sign-off", "renewal awaiting sign-off")


def test_compliance_counts_one_status_in_the_field_of_its_name():
    c = Compliance()
    for status in Status:
        c.count(status)
    c.count(Status.OVERDUE, 2)
    assert (c.complete, c.expiring, c.overdue, c.expired, c.todo, c.optional) == (1, 1, 3, 1, 1, 0)


def test_a_tally_list_reads_back_as_the_same_compliance():
    tally = [0] * TALLY_SIZE
    for n, status in enumerate(TALLIED, 1):
        tally[TALLY_INDEX[status]] += n
    tally[OPTIONAL_INDEX] = 9
    assert Compliance.of_tally(tally) == Compliance(complete=1, expiring=2, overdue=3, expired=4, todo=5, optional=9)
    assert set(TALLIED) == set(Status) - {Status.NOT_REQUIRED}


# ---------------------------------------------------------------- optional words, and days from today

@pytest.mark.parametrize(
    "status, mandatory, word, colour, css",
    [
        pytest.param(Status.OVERDUE, True, "Overdue", "red", "overdue", id="mandatory-overdue-is-red"),
        pytest.param(Status.EXPIRED, True, "Expired", "red", "expired", id="mandatory-expired-is-red"),
        pytest.param(Status.TODO, True, "To do", "blue", "todo", id="mandatory-to-do"),
        pytest.param(Status.OVERDUE, False, "Optional · not done", "grey", "optional", id="optional-overdue"),
        pytest.param(Status.TODO, False, "Optional · not done", "grey", "optional", id="optional-to-do"),
        pytest.param(Status.EXPIRED, False, "Optional · expired", "grey", "optional", id="optional-expired"),
        pytest.param(Status.COMPLETE, False, "Complete", "green", "complete", id="optional-complete"),
        pytest.param(Status.EXPIRING, False, "Expiring", "orange", "expiring", id="optional-expiring"),
        pytest.param(Status.NOT_REQUIRED, False, "Not required", "grey", "not_required", id="optional-not-required"),
    ],
)
def test_the_status_word_and_colour_of_mandatory_and_optional_items(status, mandatory, word, colour, css):
    assert status_word(status, mandatory=mandatory) == word
    assert status_colour(status, mandatory=mandatory) == colour
    assert status_css(status, mandatory=mandatory) == css


def test_an_optional_item_awaiting_sign_off_keeps_its_marker():
    assert status_line(Status.OVERDUE, awaiting=True, completed_on=None, mandatory=False) == \
        "Optional · not done · awaiting sign-off"


@pytest.mark.parametrize(
    "today, on, words, expiry",
    [
        pytest.param(D(2026, 1, 20), D(2026, 2, 12), "in 23 days", "expires in 23 days", id="23-days-left"),
        pytest.param(D(2026, 1, 20), D(2026, 1, 21), "tomorrow", "expires tomorrow", id="tomorrow"),
        pytest.param(D(2026, 1, 20), D(2026, 1, 20), "today", "expired today", id="expires-on-E-itself"),
        pytest.param(D(2026, 1, 20), D(2026, 1, 19), "yesterday", "expired yesterday", id="yesterday"),
        pytest.param(D(2026, 3, 1), D(2026, 2, 26), "3 days ago", "expired 3 days ago", id="across-february"),
        pytest.param(D(2028, 2, 28), D(2028, 3, 1), "in 2 days", "expires in 2 days", id="over-a-leap-day"),
        pytest.param(D(2026, 12, 31), D(2027, 1, 1), "tomorrow", "expires tomorrow", id="over-new-year"),
    ],
)
def test_days_from_today_in_words(today, on, words, expiry):
    assert days_from(today, on) == words
    assert expires_in(today, on) == expiry


def test_expires_in_agrees_with_the_status_on_every_day_around_E():
    """The words and the status table never disagree: "expires …" while Expiring, "expired …" once Expired."""
    for offset in range(-3, 4):
        today = EXPIRES + dt.timedelta(days=offset)
        s = state(today, accepted=COMPLETED)
        assert expires_in(today, s.expires_on).startswith("expired" if s.status is Status.EXPIRED else "expires")
