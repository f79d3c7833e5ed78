"""Subjects (PRODUCT.md §6.1) as pure functions: no database, no Flask.

An item's *code* names a subject (``CSTF-FIRE``); every item sharing a code is the same subject, and an
accepted entry against any of them counts for all of them. An item without a code is a subject of its own.
An item also lists the *national names* it answers to (``NHS|CSTF|Fire Safety - 2 Years|``). Matching is
exact: case, runs of spaces and a trailing ``|`` are ignored, nothing else: level and period are part of
the name, and nothing is ever matched by similarity.
"""
from __future__ import annotations

import difflib
import re
from typing import Hashable, Iterable

MAX_NAME_LENGTH = 300
MAX_NAMES = 20
_SPACES = re.compile(r"\s+")


def normalise_name(name: str) -> str:
    """The form a national name (or a code) is compared in: case, runs of spaces, spaces around the
    separators and a trailing ``|`` ignored. "NHS|CSTF|Fire Safety - 2 Years|" and
    " nhs | cstf | fire  safety - 2 years " are the same name; "... - 1 Year|" is another."""
    text = _SPACES.sub(" ", (name or "").strip())
    text = re.sub(r" ?\| ?", "|", text).rstrip("|").strip()
    return text.casefold()


def normalise_code(code: str | None) -> str:
    """A code as subjects compare it: case and spaces ignored ("cstf-fire " is CSTF-FIRE)."""
    return _SPACES.sub(" ", (code or "").strip()).upper()


def subject_key(item_id: int, code: str | None) -> Hashable:
    """What an item is a subject of: its code (normalised), or, without one, the item itself.

    A code gives a str and an item without a code its int id, so the two never collide."""
    code = normalise_code(code)
    return code if code else item_id


def split_names(text: str) -> list[str]:
    """The national names typed in a textarea, one a line: blank lines dropped, spaces tidied, the same
    name (as matching sees it) kept once, in the order typed."""
    names: list[str] = []
    seen: set[str] = set()
    for line in (text or "").splitlines():
        name = _SPACES.sub(" ", line.strip())
        key = normalise_name(name)
        if key and key not in seen:
            seen.add(key)
            names.append(name)
    return names


def suggestions(raw: str, candidates: dict[str, str], *, limit: int = 3) -> list[str]:
    """What would match, for a row that matched nothing: the codes and names (as the admin wrote them)
    closest to *raw*. Only ever shown, never applied. *candidates* maps a normalised form to its words."""
    wanted = normalise_name(raw)
    if not wanted:
        return []
    # Close as a whole, and about the same topic: "Moving and Handling - Level 1" may be told of the Level 2
    # name, never of "Safeguarding Adults - Level 2", however alike their level and period read.
    topic = _topic(wanted)
    close = [c for c in difflib.get_close_matches(wanted, list(candidates), n=limit * 4, cutoff=0.6)
             if difflib.SequenceMatcher(None, topic, _topic(c)).ratio() >= 0.8]
    return [candidates[c] for c in close[:limit]]


def _topic(normalised: str) -> str:
    """The subject words of a name: "nhs|cstf|moving and handling - level 1 - 3 years|" gives "moving and handling";
    a code is its own topic."""
    last = [part for part in normalised.split("|") if part.strip()]
    return (last[-1] if last else normalised).split(" - ")[0].strip()


def describe_names(names: Iterable[str]) -> str:
    return "; ".join(names) or "none"
