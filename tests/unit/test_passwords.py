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


def test_short_parts_of_a_name_are_inside_too_many_words_to_refuse():
    assert passwords.problem("leeward candle river kite", person_name="Lee Ng", organisation=ORGANISATION) is None


def test_a_strong_password_without_names_is_accepted():
    assert passwords.problem("candle river paper kite", person_name="Amara Adeyemi", organisation=ORGANISATION) is None


@pytest.mark.parametrize("password, words", [
    ("short", "at least 12"), ("x" * 129, "128 characters or fewer"), ("password1234", "harder password"),
    ("candle\x00river paper kite", "control character"),
])
def test_length_guessability_and_control_characters(password, words):
    assert words in passwords.problem(password, person_name="Amara Adeyemi", organisation=ORGANISATION)
