"""A passport held as a qualification (PRODUCT.md §6.3): the standing rules.standing_of gives, kept with the items
behind it and said in words ("About to lose": the items Expiring; "Does not meet": "2 overdue, 1 to do")."""
from __future__ import annotations

import pytest

from skillpass.qualification import passport_standing
from skillpass.rules import Standing, Status

C, E, O, X, T = Status.COMPLETE, Status.EXPIRING, Status.OVERDUE, Status.EXPIRED, Status.TODO

CASES = [
    # statuses of the mandatory items,   standing,               why (item keys),    words
    ([],                                  Standing.MEETS,         [],                 ""),
    ([C, C],                              Standing.MEETS,         [],                 ""),
    ([C, E, C, E],                        Standing.ABOUT_TO_LOSE, [1, 3],             ""),
    ([C, O],                              Standing.DOES_NOT_MEET, [1],                "1 overdue"),
    ([T, C, T, O, O, E],                  Standing.DOES_NOT_MEET, [0, 2, 3, 4],       "2 overdue, 2 to do"),
    ([E, X],                              Standing.DOES_NOT_MEET, [1],                "1 expired"),
    ([T, X, O],                           Standing.DOES_NOT_MEET, [0, 1, 2],          "1 overdue, 1 expired, 1 to do"),
    ([T],                                 Standing.DOES_NOT_MEET, [0],                "1 to do"),   # a new starter
]


@pytest.mark.parametrize("statuses, standing, why, words", CASES)
def test_a_passports_standing_with_the_items_behind_it(statuses, standing, why, words):
    held = passport_standing(enumerate(statuses))
    assert held.standing is standing and held.label == standing.label and held.colour == standing.colour
    assert [key for key, _ in held.why] == why
    assert held.stopping_words == words
    # What is not Complete is kept, in order; the Expiring ones apart.
    assert held.causes == tuple((k, s) for k, s in enumerate(statuses) if s is not C)
    assert held.expiring == tuple(k for k, s in enumerate(statuses) if s is E)


def test_the_words_of_each_standing():
    assert [s.label for s in Standing] == ["Meets", "About to lose", "Does not meet"]
    assert [s.colour for s in Standing] == ["green", "orange", "red"]


def test_leaving_out_the_complete_items_changes_nothing():
    """The team figures hand on only the items not Complete (qualification.passport_standing): the standing is
    still rules.standing_of over every mandatory item's status, for every mix of up to four."""
    import itertools

    from skillpass.rules import standing_of

    for n in range(5):
        for statuses in itertools.product((C, E, O, X, T), repeat=n):
            pairs = list(enumerate(statuses))
            whole, hurried = passport_standing(pairs), passport_standing([p for p in pairs if p[1] is not C])
            assert whole == hurried and whole.standing is standing_of(statuses), statuses
