"""Subjects as pure functions (PRODUCT.md §6.1): the normalised name imports match on, exactly."""
from __future__ import annotations

import pytest

from skillpass.subjects import normalise_code, normalise_name, split_names, subject_key, suggestions


@pytest.mark.parametrize("a, b, same", [
    ("NHS|CSTF|Fire Safety - 2 Years|", "NHS|CSTF|Fire Safety - 2 Years|", True),
    ("NHS|CSTF|Fire Safety - 2 Years|", "nhs|cstf|fire safety - 2 years", True),          # case, trailing |
    ("NHS|CSTF|Fire Safety - 2 Years|", "  NHS | CSTF |Fire  Safety -  2 Years |  ", True),  # runs of spaces
    ("NHS|CSTF|Fire Safety - 2 Years|", "NHS|CSTF|Fire Safety - 1 Year|", False),          # the period counts
    ("NHS|CSTF|Moving and Handling - Level 2 - 2 Years|",
     "NHS|CSTF|Moving and Handling - Level 1 - 3 Years|", False),                           # so does the level
    ("NHS|CSTF|Moving and Handling - Level 2 - 2 Years|", "NHS|CSTF|Moving and Handling - 2 Years|", False),
    ("NHS|CSTF|Fire Safety - 2 Years|", "NHS|CSTF|Fire Safety - 2 Years|Extra|", False),
    ("NHS|CSTF|Fire Safety|", "Fire Safety", False),
    ("", "   ", True),
])
def test_names_match_only_when_the_same_but_for_case_spaces_and_a_trailing_bar(a, b, same):
    assert (normalise_name(a) == normalise_name(b)) is same


@pytest.mark.parametrize("item_id, code, key", [
    (1, "CSTF-FIRE", "CSTF-FIRE"), (2, " cstf-fire ", "CSTF-FIRE"), (3, None, 3), (4, "", 4), (5, "  ", 5),
])
def test_a_code_names_the_subject_and_an_item_without_one_is_its_own(item_id, code, key):
    assert subject_key(item_id, code) == key
    assert normalise_code(code) == (key if isinstance(key, str) else "")


def test_names_typed_one_a_line_are_tidied_and_kept_once_in_order():
    text = "NHS|CSTF|Fire Safety - 2 Years|\r\n\n  nhs|cstf|fire safety - 2 years  \nNHS|CSTF|Fire  Safety - 1 Year|\n"
    assert split_names(text) == ["NHS|CSTF|Fire Safety - 2 Years|", "NHS|CSTF|Fire Safety - 1 Year|"]


def test_a_suggestion_names_what_would_match_and_nothing_far_away():
    close = {normalise_name("NHS|CSTF|Resuscitation - Level 2 - Adult Basic Life Support - 1 Year|"):
             "NHS|CSTF|Resuscitation - Level 2 - Adult Basic Life Support - 1 Year| (CSTF-RESUS)",
             normalise_name("CSTF-RESUS"): "CSTF-RESUS"}
    assert suggestions("NHS|CSTF|Resuscitation - Level 2 - Adult Basic Life Support - 2 Years|", close) == [
        "NHS|CSTF|Resuscitation - Level 2 - Adult Basic Life Support - 1 Year| (CSTF-RESUS)"]
    assert suggestions("CSTF-RESUSC", close) == ["CSTF-RESUS"]
    assert suggestions("123|LOCAL|Sharps Awareness|", close) == []
    assert suggestions("", close) == []


def test_a_suggestion_is_about_the_same_topic_whatever_its_level_and_period():
    names = ["NHS|CSTF|Moving and Handling - Level 2 - 2 Years|", "NHS|CSTF|Safeguarding Adults - Level 2 - 3 Years|",
             "NHS|CSTF|Safeguarding Children - Level 2 - 3 Years|"]
    candidates = {normalise_name(n): n for n in names}
    assert suggestions("NHS|CSTF|Moving and Handling - Level 1 - 3 Years|", candidates) == [
        "NHS|CSTF|Moving and Handling - Level 2 - 2 Years|"]
    assert suggestions("NHS|CSTF|Safeguarding Adults - Level 3 - 3 Years|", candidates)[0] == (
        "NHS|CSTF|Safeguarding Adults - Level 2 - 3 Years|")
