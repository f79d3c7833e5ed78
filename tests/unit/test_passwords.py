"""The password rules: long enough, not the person's or the organisation's name, not guessed early."""
from __future__ import annotations

import pytest

from skillpass.services import passwords

ORGANISATION = "Northgate NHS Trust"


@pytest.mark.parametrize("password", [
    "amaraadeyemi1", "AmaraAdeyemi2026!", "adeyemi-is-great-99", "4m4r4-4d3y3m1-lives", "Adeyemi.Family.Home",
])
def test_the_persons_own_name_is_refused(password):
    problem = passwords.problem(password, person_name="Amara Adeyemi", organisation=ORGANISATION)
    assert problem and problem.startswith("Do not use your own name"), problem


@pytest.mark.parametrize("password", ["Northgate2026", "northgate-rocks-2027", "N0rthg4te!!Welcome"])
def test_the_organisations_name_is_refused(password):
    problem = passwords.problem(password, person_name="Amara Adeyemi", organisation=ORGANISATION)
    assert problem and problem.startswith("Do not use the organisation's name"), problem


def test_common_words_of_organisation_names_are_not_refused_for_themselves():
    """'Trust' or 'Health' in a password says nothing about this trust: only its own name is refused."""
    assert passwords.problem("trust the tidal lemon sparrow", person_name="Amara Adeyemi",
                             organisation=ORGANISATION) is None


@pytest.mark.parametrize("password, name", [
    ("leeward candle river kite", "Lee Ng"),
    ("the making of paper lanterns", "Ian King"),       # "king" inside "making"
    ("market candle river kite", "Mark Hall"),          # "mark" inside "market"
    ("hollywood candle river kite", "Sarah Wood"),      # "wood" inside "hollywood"
    ("be st candle river kite", "Ann Best"),            # "best" across a space
])
def test_a_name_inside_an_ordinary_word_is_not_refused(password, name):
    assert passwords.problem(password, person_name=name, organisation=ORGANISATION) is None


def test_a_short_name_as_a_word_of_its_own_is_refused():
    assert passwords.problem("mark candle river kite", person_name="Mark Hall",
                             organisation=ORGANISATION).startswith("Do not use your own name")


def test_a_strong_password_without_names_is_accepted():
    assert passwords.problem("candle river paper kite", person_name="Amara Adeyemi", organisation=ORGANISATION) is None


@pytest.mark.parametrize("password, words", [
    ("short", "at least 12"), ("x" * 129, "128 characters or fewer"), ("password1234", "harder password"),
    ("candle\x00river paper kite", "control character"),
])
def test_length_guessability_and_control_characters(password, words):
    assert words in passwords.problem(password, person_name="Amara Adeyemi", organisation=ORGANISATION)
