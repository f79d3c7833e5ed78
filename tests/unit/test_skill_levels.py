"""The self-assessed level rule of PRODUCT.md §6.5 as a table: the highest level whose statements, and every
statement of each lower level, are answered yes; Inexperienced if none."""
import pytest

from skillpass.models import SkillLevel
from skillpass.services.skills.levels import assess

Y, N, _ = True, False, None
L = SkillLevel

CASES = [
    # answers per level 1..4 (Foundation, Intermediate, Advanced, Super-user) -> level
    ("nothing answered", [[_, _], [_, _], [_, _], [_, _]], L.INEXPERIENCED),
    ("all no", [[N, N], [N, N], [N, N], [N, N]], L.INEXPERIENCED),
    ("one Foundation yes of two", [[Y, N], [_, _], [_, _], [_, _]], L.INEXPERIENCED),
    ("all Foundation yes", [[Y, Y], [N, N], [N, N], [N, N]], L.FOUNDATION),
    ("Foundation, half Intermediate", [[Y, Y], [Y, N], [_, _], [_, _]], L.FOUNDATION),
    ("Foundation and Intermediate", [[Y, Y], [Y, Y], [N, Y], [_, _]], L.INTERMEDIATE),
    ("Advanced", [[Y, Y], [Y, Y], [Y, Y], [Y, N]], L.ADVANCED),
    ("all yes", [[Y, Y], [Y, Y], [Y, Y], [Y, Y]], L.SUPER_USER),
    ("gap in Foundation, all above yes", [[Y, N], [Y, Y], [Y, Y], [Y, Y]], L.INEXPERIENCED),
    ("gap in Intermediate, all above yes", [[Y, Y], [N, Y], [Y, Y], [Y, Y]], L.FOUNDATION),
    ("gap in Advanced, Super-user yes", [[Y, Y], [Y, Y], [Y, _], [Y, Y]], L.INTERMEDIATE),
    ("an unanswered statement is not a yes", [[Y, _], [Y, Y], [_, _], [_, _]], L.INEXPERIENCED),
    ("Super-user only", [[N, N], [N, N], [N, N], [Y, Y]], L.INEXPERIENCED),
]


@pytest.mark.parametrize("answers, expected", [(a, e) for _, a, e in CASES], ids=[c[0] for c in CASES])
def test_level_rule(answers, expected):
    level, reason = assess({i + 1: given for i, given in enumerate(answers)})
    assert level is expected
    assert reason.startswith(f"{expected.label}:")


def test_the_reason_says_which_levels_are_complete_and_how_far_the_next_one_is():
    _, reason = assess({1: [Y, Y], 2: [Y, Y, Y], 3: [Y, Y, N, N], 4: [N]})
    assert reason == "Intermediate: all Foundation and Intermediate statements answered yes; 2 of 4 Advanced"


def test_yes_answers_above_a_gap_are_named_not_hidden():
    _, reason = assess({1: [Y, Y], 2: [Y, N], 3: [Y, Y], 4: [N]})
    assert reason == ("Foundation: all Foundation statements answered yes; 1 of 2 Intermediate "
                      "(2 of 2 Advanced also yes: counted once Intermediate is complete)")


def test_a_level_without_statements_cannot_be_reached():
    level, reason = assess({1: [Y], 2: [], 3: [Y], 4: [Y]})
    assert level is L.FOUNDATION
    assert "Intermediate has no statements yet" in reason


def test_every_level_has_its_words():
    assert [level.label for level in SkillLevel] == [
        "Inexperienced", "Foundation", "Intermediate", "Advanced", "Super-user"]
