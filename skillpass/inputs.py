"""What comes in with a request, made safe to use before anything reads it.

* Ids: an id in a URL, a filter or a form is a whole number the database can
  hold (PostgreSQL's ``integer``); anything larger is no id at all, so it is
  "not found", never an overflow deep in a query.
* Text: control characters (NUL, escape, the C1 block …) are never kept. They
  arrive with text pasted from other programs or from a probe, break
  spreadsheets (openpyxl refuses them), HTML and PostgreSQL (which refuses NUL).
  Forms refuse them in place, field by field (:func:`refuse_controls`); any
  other field or URL parameter holding one is refused whole by ``screening.screen``;
  and every writer (pages, PDFs, CSV, XLSX) drops any that are already stored
  (:func:`printable`).
* One source per parameter: a POST whose address and body give one name two
  different values is refused (``screening.screen``), so a check on one of them can
  never be outwitted by the other.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Iterable


MAX_ID = 2**31 - 1        # PostgreSQL's integer; ids never grow past it
MAX_PAGE = 100_000         # no list is that long: a larger page number is the last page

# C0 controls but tab, line feed and carriage return; DEL; the C1 block; the two noncharacters
# XML and spreadsheets refuse.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
CONTROL_MESSAGE = ("This held hidden control characters (they sometimes come with text copied from another "
                   "program). They have been taken out of the text below: check it, then send it again.")

# Form fields that people type into: their services refuse control characters in place, next to the
# field, with the person's input kept (a 422). Any other field holding one (ids, choices, tokens, file
# names) did not come from our forms and is refused whole by screen().
FREE_TEXT_FIELDS = frozenset({
    "name", "email", "employee_number", "job_role", "note", "equivalent_source", "title", "reflection",
    "reason", "description", "corporate_lead", "code", "organisation_name", "password", "current_password",
    "new_password", "confirm",
})


def to_id(raw) -> int | None:
    """An id from a request value ("12"), or None for anything else: empty, signs, words, too large."""
    if isinstance(raw, int):
        return raw if 0 < raw <= MAX_ID else None
    raw = (raw or "").strip()
    if not raw.isdecimal() or not raw.isascii() or len(raw) > 10:
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None


def ids(values: Iterable[str]) -> list[int]:
    """The valid ids among *values*, each once, in the order given."""
    seen: dict[int, None] = {}
    for raw in values:
        value = to_id(raw)
        if value is not None:
            seen.setdefault(value, None)
    return list(seen)


def page_number(raw) -> int:
    """A page of a list: 1 unless a sensible number is given."""
    raw = (raw or "").strip() if isinstance(raw, str) else ""
    if not raw.isdecimal() or not raw.isascii() or len(raw) > 6:
        return 1
    return min(max(int(raw), 1), MAX_PAGE)


def has_control(text: str | None) -> bool:
    return bool(text) and CONTROL.search(text) is not None


def printable(text: str) -> str:
    """*text* without control characters: for every writer of stored text (millions of cells an export).

    str.isprintable() answers most text at C speed; only text it doubts (line breaks, tabs, the odd
    symbol) is searched."""
    if text.isprintable() or not CONTROL.search(text):
        return text
    return CONTROL.sub("", text)


def finalize(value):
    """Jinja's finalize: every ``{{ … }}`` of plain text is written without control characters.

    Markup (already built and escaped by the application) is left as it is."""
    if type(value) is str:
        return printable(value)
    return value


def refuse_controls(errors: dict[str, str], **fields: str | None) -> None:
    """Add the control-character message for each field that holds one (unless it already has a message)."""
    for field, value in fields.items():
        if field not in errors and has_control(value):
            errors[field] = CONTROL_MESSAGE


def date_in_range(value: dt.date | None) -> bool:
    """Dates near the ends of the calendar cannot have days added or taken away: no person means them."""
    return value is not None and dt.date(1, 1, 8) <= value <= dt.date(9999, 12, 24)
