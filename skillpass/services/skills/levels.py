"""The self-assessed level of an area (PRODUCT.md §6.5), and the words that say why: pure, no database.

The level is the highest one whose statements, and every statement of each lower level, are answered yes;
Inexperienced if none. An unanswered statement is not a yes. A level without statements cannot be reached
(publishing a framework asks for statements at every level, so this only matters in a draft).
"""
from __future__ import annotations

from typing import Iterable, Mapping

from skillpass.models.skills import SkillLevel


def _join(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def assess(answers: Mapping[int, Iterable[bool | None]]) -> tuple[SkillLevel, str]:
    """*answers* maps each level (1–4) to its statements' answers (True yes, False no, None not answered).

    Returns the level and why, e.g. "Intermediate: all Foundation and Intermediate statements answered yes;
    2 of 4 Advanced"."""
    counts = {}
    for level in SkillLevel.stated():
        given = list(answers.get(int(level), ()))
        counts[level] = (sum(1 for a in given if a is True), len(given))
    reached = SkillLevel.INEXPERIENCED
    for level in SkillLevel.stated():
        yes, total = counts[level]
        if total == 0 or yes < total:
            break
        reached = level
    if reached is SkillLevel.SUPER_USER:
        return reached, "Super-user: every statement answered yes"
    following = SkillLevel(reached + 1)
    yes, total = counts[following]
    if reached is SkillLevel.INEXPERIENCED:
        reason = (f"Inexperienced: {yes} of {total} Foundation statements answered yes" if total
                  else "Inexperienced: Foundation has no statements yet")
    else:
        done = _join([SkillLevel(level).label for level in range(1, reached + 1)])
        reason = f"{reached.label}: all {done} statements answered yes; "
        reason += f"{yes} of {total} {following.label}" if total else f"{following.label} has no statements yet"
    # Yes answers above the first unfinished level count once it is finished: say so rather than hide them.
    later = [(level, counts[level]) for level in SkillLevel.stated() if level > following and counts[level][0]]
    if later:
        parts = [f"{y} of {t} {level.label}" for level, (y, t) in later]
        reason += f" ({_join(parts)} also yes: counted once {following.label} is complete)"
    return reached, reason
