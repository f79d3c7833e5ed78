"""What makes a password acceptable: long enough, not the person's or the organisation's
name, and not one that is guessed early.

Length first (at least 12 characters, at most 128); then the person's own name and the
organisation's name, which guessers try first (``amaraadeyemi1``, ``Northgate2026``),
even written with digits for letters; then zxcvbn's estimate of how quickly it falls to
guessing, which knows common passwords, keyboard walks, dates and the person's details.
"""
from __future__ import annotations

import re

from skillpass.inputs import has_control

MIN_LENGTH = 12
MAX_LENGTH = 128
MIN_SCORE = 3   # zxcvbn: 3 = "safely unguessable: moderate protection from offline slow-hash attacks"
NAME_PART = 4   # shorter parts of a name ("Lee", "Ann") are inside too many ordinary words to refuse
WHOLE_WORD_BELOW = 5   # a 4-letter part ("Mark", "Wood") is refused only as a word of its own, not in "market"
# Words in many organisations' names that say nothing about this one.
COMMON_ORGANISATION_WORDS = frozenset({
    "trust", "foundation", "hospital", "hospitals", "university", "universities", "health", "healthcare",
    "care", "services", "service", "community", "partnership", "national", "teaching", "group", "team", "teams",
    "council", "limited", "general", "royal", "county", "city", "district", "mental", "children", "childrens",
    "ambulance", "integrated", "board", "primary", "acute", "west", "east", "north", "south", "central",
})
# Digits and symbols written for letters ("4m4r4", "N0rthg4te"); 1 is read both as i and as l.
_LEET = [str.maketrans({"0": "o", "1": one, "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s",
                        "!": "i", "|": "l", "+": "t"}) for one in ("i", "l")]


def _words(password: str) -> set[str]:
    """The runs of letters in the password, as typed and with digits read as letters."""
    lower = password.lower()
    return {word for text in (lower, *(lower.translate(t) for t in _LEET)) for word in re.findall(r"[a-z]+", text)}


def _parts(name: str, *, skip: frozenset[str] = frozenset()) -> list[str]:
    parts = [p for p in re.split(r"[^a-z]+", (name or "").lower()) if p]
    kept = [p for p in parts if len(p) >= NAME_PART and p not in skip]
    joined = "".join(parts)
    return kept + ([joined] if len(parts) > 1 and len(joined) >= WHOLE_WORD_BELOW else [])


def _contains(password: str, parts: list[str]) -> bool:
    words = _words(password)
    return any(part in word if len(part) >= WHOLE_WORD_BELOW else part == word for part in parts for word in words)


def problem(password: str, *, user_inputs: list[str] = (), person_name: str = "",
            organisation: str = "") -> str | None:
    """Why *password* is refused, in words for the person choosing it; None when it is fine."""
    if has_control(password):
        return "Use letters, numbers, spaces and symbols only: this password holds a hidden control character"
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"Use {MAX_LENGTH} characters or fewer"
    if _contains(password, _parts(person_name)):
        return ("Do not use your own name in your password: it is among the first things tried. Three or four "
                "random words together, like ‘candle river paper kite’, are long and easy to remember")
    if _contains(password, _parts(organisation, skip=COMMON_ORGANISATION_WORDS)):
        return ("Do not use the organisation's name in your password: it is among the first things tried. Three "
                "or four random words together, like ‘candle river paper kite’, are long and easy to remember")
    from zxcvbn import zxcvbn

    inputs = [part for value in (*user_inputs, person_name, organisation)
              for part in str(value).lower().replace("@", " ").replace(".", " ").split() if len(part) > 2]
    result = zxcvbn(password, user_inputs=inputs)
    if result["score"] >= MIN_SCORE:
        return None
    warning = result["feedback"].get("warning") or "It would be guessed too easily."
    return (f"Choose a harder password: {warning.rstrip('.')}. Three or four random words together, "
            f"like ‘candle river paper kite’, are long and easy to remember")
