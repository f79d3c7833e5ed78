"""What comes in with a request, made safe to use before anything reads it.

* Ids: an id in a URL, a filter or a form is a whole number the database can
  hold (PostgreSQL's ``integer``); anything larger is no id at all, so it is
  "not found", never an overflow deep in a query.
* Text: control characters (NUL, escape, the C1 block …) are never kept. They
  arrive with text pasted from other programs or from a probe, break
  spreadsheets (openpyxl refuses them), HTML and PostgreSQL (which refuses NUL).
  Forms refuse them in place, field by field (:func:`refuse_controls`); any
  other field or URL parameter holding one is refused whole by :func:`screen`;
  and every writer (pages, PDFs, CSV, XLSX) drops any that are already stored
  (:func:`printable`).
* One source per parameter: a POST whose address and body give one name two
  different values is refused (:func:`screen`), so a check on one of them can
  never be outwitted by the other.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Iterable

from flask import current_app, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

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


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: at most MAX_ID, so an id the database cannot hold is a 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


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


def _refuse(message: str):
    """A 400 with *message*: the error handler shows it as a page, or in the live region for htmx."""
    raise BadRequest(message)


def screen():
    """before_request: refuse what no page of ours sends, with a clear message and nothing done.

    * a POST whose address and body give a name two different values;
    * a control character in an address parameter (a search, a filter) or in a form field that is not
      typed by people (those are refused in place by their forms).
    """
    if request.endpoint in (None, "static"):
        return None
    args = request.args
    for name in args:
        if has_control(name) or any(has_control(v) for v in args.getlist(name)):
            return _refuse("The address holds a character that cannot be used (a control character). "
                           "Remove it and try again.")
    if request.method != "POST":
        return None
    form = request.form
    for name in form:
        if name in args and set(args.getlist(name)) != set(form.getlist(name)):
            current_app.logger.warning("refused %s %s: %r differs between the address and the form",
                                       request.method, request.path, name)
            return _refuse(f"The request gave two different values for “{printable(name)[:40]}”, in its "
                           f"address and in its form, so nothing was done. Go back, reload the page and try again.")
        if name in FREE_TEXT_FIELDS:
            continue
        if has_control(name) or any(has_control(v) for v in form.getlist(name)):
            return _refuse("The form sent a character that cannot be used (a control character), so nothing "
                           "was saved. Reload the page and try again.")
    for name in request.files:
        for upload in request.files.getlist(name):
            if has_control(upload.filename):
                # A file's name is only ever shown (never used as a path): its control characters are
                # dropped here, so no code after this sees them.
                upload.filename = printable(upload.filename or "")
    return None
