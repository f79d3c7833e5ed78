"""The chain rule of PRODUCT.md §6.3 as a table: an initial activity and its refreshers, the grace, a
certificate's own expiry, and what renewing needs. Refresher 12 months, grace 3 months unless a row says."""
from __future__ import annotations

import datetime as dt

import pytest

from skillpass import rules
from skillpass.rules import Link, Status

D = dt.date


def initial(y, m, d, expires=None, key=None):
    return Link(D(y, m, d), False, expires, key=key)


def refresher(y, m, d, expires=None, key=None):
    return Link(D(y, m, d), True, expires, key=key)


CASES = [
    # (name, links, frequency, grace, has refresher, counted, expires on, too late keys)
    ("refresher on time", [initial(2025, 3, 3), refresher(2026, 3, 1)], 12, 3, True,
     D(2026, 3, 1), D(2027, 3, 1), set()),
    ("refresher early", [initial(2025, 3, 3), refresher(2025, 9, 1)], 12, 3, True,
     D(2025, 9, 1), D(2026, 9, 1), set()),
    ("refresher within grace", [initial(2025, 3, 3), refresher(2026, 5, 1)], 12, 3, True,
     D(2026, 5, 1), D(2027, 5, 1), set()),
    ("refresher on the last day of grace", [initial(2025, 3, 3), refresher(2026, 6, 3)], 12, 3, True,
     D(2026, 6, 3), D(2027, 6, 3), set()),
    ("refresher a day after grace", [initial(2025, 3, 3), refresher(2026, 6, 4, key="late")], 12, 3, True,
     D(2025, 3, 3), D(2026, 3, 3), {"late"}),
    ("refresher after grace, no grace at all", [initial(2025, 3, 3), refresher(2026, 3, 4, key="late")], 12, 0,
     True, D(2025, 3, 3), D(2026, 3, 3), {"late"}),
    ("refresher with no initial", [refresher(2026, 3, 1, key="alone")], 12, 3, True, None, None, {"alone"}),
    ("initial again after a broken chain",
     [initial(2025, 3, 3), refresher(2026, 6, 10, key="late"), initial(2026, 7, 1)], 12, 3, True,
     D(2026, 7, 1), D(2027, 7, 1), {"late"}),
    ("a chain of refreshers, each within its limit",
     [initial(2023, 1, 10), refresher(2024, 1, 5), refresher(2025, 3, 1)], 12, 3, True,
     D(2025, 3, 1), D(2026, 3, 1), set()),
    ("the latest chain counts, not the longest",
     [initial(2022, 1, 1), refresher(2023, 1, 1), initial(2023, 6, 1)], 12, 0, True,
     D(2023, 6, 1), D(2024, 6, 1), set()),
    ("certificate expiry earlier than the rule", [initial(2025, 3, 3, expires=D(2025, 12, 1))], 24, 0, False,
     D(2025, 3, 3), D(2025, 12, 1), set()),
    ("certificate expiry later than the rule", [initial(2025, 3, 3, expires=D(2028, 1, 1))], 24, 0, False,
     D(2025, 3, 3), D(2027, 3, 3), set()),
    ("a refresher's certificate governs once it counts",
     [initial(2025, 3, 3, expires=D(2025, 6, 1)), refresher(2025, 5, 1, expires=D(2026, 1, 1))], 12, 0, True,
     D(2025, 5, 1), D(2026, 1, 1), set()),
    ("a one-off item expires with its certificate", [initial(2025, 3, 3, expires=D(2026, 3, 3))], None, 0, False,
     D(2025, 3, 3), D(2026, 3, 3), set()),
    ("without a refresher every completion is the activity",
     [initial(2025, 3, 3), refresher(2026, 9, 1)], 12, 0, False, D(2026, 9, 1), D(2027, 9, 1), set()),
    ("no completions", [], 12, 3, True, None, None, set()),
    # Two records of one day (an import and the learner's own, say): the certificate's own expiry is never
    # hidden by a record without one, and of two certificates the earlier expiry counts, in any order.
    ("one day, with and without a certificate", [initial(2025, 3, 3), initial(2025, 3, 3, expires=D(2025, 12, 1))],
     24, 0, False, D(2025, 3, 3), D(2025, 12, 1), set()),
    ("one day, two certificates", [initial(2025, 3, 3, expires=D(2025, 12, 1)),
                                   initial(2025, 3, 3, expires=D(2026, 1, 1))],
     24, 0, False, D(2025, 3, 3), D(2025, 12, 1), set()),
    ("one day, a refresher's certificate", [initial(2025, 3, 3), refresher(2026, 3, 1),
                                            refresher(2026, 3, 1, expires=D(2026, 9, 1))],
     12, 3, True, D(2026, 3, 1), D(2026, 9, 1), set()),
]


@pytest.mark.parametrize("name, links, frequency, grace, has_refresher, counted, expires, too_late", CASES,
                         ids=[c[0] for c in CASES])
def test_the_chain_rule(name, links, frequency, grace, has_refresher, counted, expires, too_late):
    chain = rules.chain_of(links, frequency_months=frequency, grace_months=grace, has_refresher=has_refresher)
    assert chain.completed_on == counted
    assert chain.expires_on == expires
    assert set(chain.too_late) == too_late
    # The order links arrive in changes nothing.
    again = rules.chain_of(list(reversed(links)), frequency_months=frequency, grace_months=grace,
                           has_refresher=has_refresher)
    assert (again.completed_on, again.expires_on) == (counted, expires)


WORDS = [
    # (today, links, status, renewal, the passport's line)
    (D(2026, 2, 1), [initial(2025, 3, 3)], Status.EXPIRING, rules.REFRESHER_DUE,
     "Expires 3 Mar 2026: completed 3 Mar 2025 + 12 months. Refresher due by 3 Jun 2026 (grace 3 months)"),
    (D(2026, 4, 1), [initial(2025, 3, 3)], Status.EXPIRED, rules.REFRESHER_DUE,
     "Expired 3 Mar 2026: completed 3 Mar 2025 + 12 months. Refresher due by 3 Jun 2026 (grace 3 months)"),
    (D(2026, 6, 4), [initial(2025, 3, 3)], Status.EXPIRED, rules.FULL_COURSE_NEEDED,
     "Expired 3 Mar 2026: completed 3 Mar 2025 + 12 months. "
     "Full course needed: refresher was due by 3 Jun 2026 (grace 3 months)"),
    (D(2026, 4, 1), [initial(2025, 3, 3), refresher(2026, 3, 3)], Status.COMPLETE, "",
     "Expires 3 Mar 2027: refresher 3 Mar 2026 + 12 months"),
    (D(2025, 11, 1), [initial(2025, 3, 3, expires=D(2025, 12, 1))], Status.EXPIRING, rules.REFRESHER_DUE,
     "Expires 1 Dec 2025: the certificate's own expiry, earlier than completed 3 Mar 2025 + 12 months"),
]


@pytest.mark.parametrize("today, links, status, renewal, line", WORDS)
def test_every_expiry_says_why_and_what_renewing_needs(today, links, status, renewal, line):
    chain = rules.chain_of(links, frequency_months=12, grace_months=3, has_refresher=True)
    due = rules.Due(on=D(2025, 1, 1), reason="start date 1 Jan 2025 (day one)")
    state = rules.item_state(today=today, due=due, frequency_months=12, latest_accepted_on=None, chain=chain,
                             has_refresher=True, grace_months=3)
    assert state.status is status
    assert state.renewal == renewal
    assert state.date_line.startswith(line)


def test_an_item_without_a_refresher_never_speaks_of_one():
    chain = rules.chain_of([initial(2025, 3, 3)], frequency_months=12)
    due = rules.Due(on=D(2025, 1, 1), reason="start date")
    state = rules.item_state(today=D(2026, 6, 4), due=due, frequency_months=12, latest_accepted_on=None,
                             chain=chain)
    assert state.status is Status.EXPIRED and state.renewal == ""
    assert state.date_line == "Expired 3 Mar 2026: completed 3 Mar 2025 + 12 months"


@pytest.mark.parametrize("statuses, standing", [
    ([Status.COMPLETE, Status.COMPLETE], rules.Standing.MEETS),
    ([Status.COMPLETE, Status.EXPIRING], rules.Standing.ABOUT_TO_LOSE),
    ([Status.COMPLETE, Status.EXPIRED], rules.Standing.DOES_NOT_MEET),
    ([Status.EXPIRING, Status.OVERDUE], rules.Standing.DOES_NOT_MEET),
    ([Status.COMPLETE, Status.TODO], rules.Standing.DOES_NOT_MEET),   # a new starter does not meet it yet
    ([], rules.Standing.MEETS),
])
def test_meets_about_to_lose_does_not_meet(statuses, standing):
    assert rules.standing_of(statuses) is standing


@pytest.mark.parametrize("completed", [D(2024, 2, 29), D(2024, 8, 31), D(2025, 1, 31), D(2025, 3, 3), D(2023, 5, 31)])
@pytest.mark.parametrize("frequency, grace", [(6, 3), (12, 3), (12, 1), (24, 6), (12, 0)])
def test_the_day_the_row_names_is_the_last_day_a_refresher_counts(completed, frequency, grace):
    """"Refresher due by X" and "refresher was due by X" name the chain's own limit: a refresher on X keeps the
    chain, one the day after does not (month ends and leap days included)."""
    expires = rules.add_months(completed, frequency)
    due = rules.Due(on=completed, reason="start date")
    chain = rules.chain_of([initial(completed.year, completed.month, completed.day)], frequency_months=frequency,
                           grace_months=grace, has_refresher=True)
    state = rules.item_state(today=expires, due=due, frequency_months=frequency, latest_accepted_on=None,
                             chain=chain, has_refresher=True, grace_months=grace)
    assert state.renewal == rules.REFRESHER_DUE
    last = state.renew_by
    for day, counts in ((last, True), (last + dt.timedelta(days=1), False)):
        links = [initial(completed.year, completed.month, completed.day), refresher(day.year, day.month, day.day)]
        again = rules.chain_of(links, frequency_months=frequency, grace_months=grace, has_refresher=True)
        assert (again.completed_on == day) is counts, (day, again)
    after = rules.item_state(today=last + dt.timedelta(days=1), due=due, frequency_months=frequency,
                             latest_accepted_on=None, chain=chain, has_refresher=True, grace_months=grace)
    assert after.renewal == rules.FULL_COURSE_NEEDED


def test_with_a_certificate_earlier_than_the_rule_the_row_names_the_chains_own_limit():
    """§6.3 counts a refresher up to the previous link's completion + frequency + grace, whatever the
    certificate says; the row's "refresher due by" names that same day, so it never says "full course needed"
    while a refresher would still count."""
    links = [initial(2025, 3, 3, expires=D(2025, 9, 1))]
    chain = rules.chain_of(links, frequency_months=12, grace_months=3, has_refresher=True)
    due = rules.Due(on=D(2025, 1, 1), reason="start date")
    state = rules.item_state(today=D(2025, 12, 2), due=due, frequency_months=12, latest_accepted_on=None,
                             chain=chain, has_refresher=True, grace_months=3)
    assert state.status is Status.EXPIRED and state.renewal == rules.REFRESHER_DUE
    assert state.renew_by == D(2026, 6, 3)
    assert "Refresher due by 3 Jun 2026 (grace 3 months)" in state.date_line
    later = rules.chain_of(links + [refresher(2025, 12, 2)], frequency_months=12, grace_months=3,
                           has_refresher=True)
    assert later.completed_on == D(2025, 12, 2)            # the refresher of that day counts, as the row said
    after = rules.item_state(today=D(2026, 6, 4), due=due, frequency_months=12, latest_accepted_on=None,
                             chain=chain, has_refresher=True, grace_months=3)
    assert after.renewal == rules.FULL_COURSE_NEEDED
