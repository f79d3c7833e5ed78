"""Reading an import file into rows, as real exports come: the one place both imports (people, historic
completions) read a file.

- CSV saved as UTF-8 (with or without a byte-order mark) or Windows text, separated by commas, semicolons
  (a spreadsheet in a European locale) or tabs: the separator is found from the header row.
- An Excel workbook (.xlsx): its first sheet; a date typed in a cell is read as that date.
- Headers in any order, case and spacing, under their own names or an alias (``Email Address``,
  ``Employee Number``, the ESR learning export's ``Competence Name`` …): see each import's ALIASES.
  Columns that are none of them are ignored, and the preview lists them.
- Dates as 2026-01-05, 05/01/2026, 05-01-2026, 05.01.2026, 2026/01/05, 5 Jan 2026, 05-JAN-2026,
  5 January 2026, with or without a time of day (2026-01-05 00:00:00). A two-digit year is refused:
  05/01/26 could be 1926 or 2026.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Iterator

from skillpass.inputs import has_control

CONTROL_CELL = ("Holds hidden control characters (they sometimes come from another program's export): "
                "remove them and save the file again.")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%d %b %Y", "%d-%b-%Y", "%d %B %Y",
                "%d-%B-%Y")
DATE_HINT = "use 2026-01-05, 05/01/2026 or 5 Jan 2026"
_TIME_OF_DAY = re.compile(r"^(?P<date>\S+(?: \S+ \S+)?)[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
_TWO_DIGIT_YEAR = re.compile(r"^\d{1,2}[-/. ](\d{1,2}|[A-Za-z]{3,9})[-/. ]\d{2}$")
_SEPARATORS = (",", ";", "\t")


@dataclass
class Problem:
    row: int        # the line in the file, header = 1
    column: str
    reason: str


class Unreadable(Exception):
    """A file or row the reader cannot read: the import stops there with its Problem."""

    def __init__(self, problem: Problem):
        super().__init__(problem.reason)
        self.problem = problem


# ---------------------------------------------------------------- the file

def is_workbook(data: bytes) -> bool:
    """An .xlsx file is a zip archive: known by its content, not by its name."""
    return data[:4] == b"PK\x03\x04"


def decode(data: bytes) -> str | None:
    """UTF-8 (with or without a byte-order mark), else Windows-1252 as spreadsheets save it."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))     # an employee number typed as a number: 200123, not 200123.0
    return str(value)


def workbook_text(data: bytes) -> str:
    """The first sheet of an .xlsx workbook as CSV text (dates in cells written 2026-01-05), so that a
    workbook is checked, kept for confirmation and imported exactly as a CSV would be. Raises Unreadable."""
    from openpyxl import load_workbook

    unreadable = Unreadable(Problem(1, "", "This file cannot be read as an Excel workbook (.xlsx): open it in the "
                                           "spreadsheet and save it again as .xlsx or as CSV."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:   # a damaged or foreign zip fails in many ways; each is the same to the admin
        raise unreadable from error
    try:
        sheet = workbook.worksheets[0]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        for values in sheet.iter_rows(values_only=True):
            cells = [_cell_text(v) for v in values]
            while cells and not cells[-1].strip():
                cells.pop()
            writer.writerow(cells)
        return out.getvalue()
    except Exception as error:
        raise unreadable from error
    finally:
        workbook.close()


def upload_text(data: bytes) -> str | None:
    """An uploaded file as text to check: a workbook's first sheet, or the CSV as it was saved. None when
    it is neither UTF-8 nor Windows text. Raises Unreadable for a workbook that cannot be read."""
    if is_workbook(data):
        return workbook_text(data)
    return decode(data)


def separator(text: str) -> str:
    """The separator of a CSV file, from its header row: whichever of comma, semicolon and tab it holds
    most of (outside quotes); a comma when it holds none."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = dict.fromkeys(_SEPARATORS, 0)
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(_SEPARATORS, key=lambda s: counts[s])
    return best if counts[best] else ","


def csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) for every row, the header being row 1. Raises Unreadable for a file the CSV
    reader cannot read (a NUL character: not a text file) or a row it cannot (a cell over its size limit)."""
    if "\x00" in text:
        raise Unreadable(Problem(1, "", "The file holds NUL characters, so it is not a CSV text file. Save it "
                                        "from the spreadsheet as “CSV UTF-8” and upload that."))
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=separator(text))
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            reason = ("a cell is longer than 131,072 characters, which no column of an import is: check this is "
                      "the right file" if "field limit" in str(error) else f"it is not valid CSV ({error})")
            raise Unreadable(Problem(number + 1, "", f"This row cannot be read: {reason}.")) from error
        number += 1
        yield number, cells


def control_problems(line_no: int, header: list[str], cells: list[str]) -> list[Problem]:
    return [Problem(line_no, header[i] if i < len(header) and header[i] else f"column {i + 1}", CONTROL_CELL)
            for i, cell in enumerate(cells) if has_control(cell)]


# ---------------------------------------------------------------- the header

def _key(name: str) -> str:
    """A header as compared: case, spaces, underscores and hyphens ignored ("Employee Number" is
    employee_number)."""
    return " ".join(re.sub(r"[_\-]+", " ", name.lstrip("\ufeff")).lower().split())


@dataclass
class Columns:
    """Which cells of a row give each column the import reads. A column with several sources (an export
    with both Code and Item) takes the first that is not empty in that row."""

    names: list[str]                                         # each cell's column, for messages
    sources: dict[str, list[int]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)         # the file's own header names
    problems: list[Problem] = field(default_factory=list)

    def read(self, cells: list[str]) -> dict[str, str]:
        row = {}
        for name, indexes in self.sources.items():
            row[name] = next((cells[i].strip() for i in indexes if i < len(cells) and cells[i].strip()), "")
        return row

    def extra_cells(self, cells: list[str]) -> bool:
        """Whether the row has something in a cell beyond the header's last column."""
        return any(cell.strip() for cell in cells[len(self.names):])


def columns(header: list[str], *, aliases: dict[str, tuple[str, ...]], required: set[str]) -> Columns:
    """Map a file's header to the import's columns. *aliases*: each column with the names it is known by,
    the most telling first. Unknown columns are ignored (and listed); a missing required column, or the
    same column twice under one name, is a problem of row 1."""
    wanted: dict[str, tuple[str, int]] = {}
    for name, known_as in aliases.items():
        # The column's own name comes first, unless its aliases place it.
        ordered = known_as if any(_key(a) == _key(name) for a in known_as) else (name, *known_as)
        for rank, alias in enumerate(ordered):
            wanted.setdefault(_key(alias), (name, rank))
    result = Columns(names=[])
    ranked: dict[str, list[tuple[int, int]]] = {}
    seen: dict[str, str] = {}
    for index, raw in enumerate(header):
        key = _key(raw)
        match = wanted.get(key)
        result.names.append(match[0] if match else raw.strip())
        if not key:
            continue
        if match is None:
            result.ignored.append(raw.strip())
            continue
        if key in seen:
            result.problems.append(Problem(1, raw.strip(), "A column appears twice."))
            continue
        seen[key] = raw
        ranked.setdefault(match[0], []).append((match[1], index))
    result.sources = {name: [i for _, i in sorted(found)] for name, found in ranked.items()}
    missing = [name for name in aliases if name in required and name not in result.sources]
    if missing:
        known = "; ".join(f"{name} (or {', '.join(a for a in aliases[name] if _key(a) != _key(name))})"
                          if aliases[name] else name for name in missing)
        result.problems.append(Problem(1, ", ".join(missing), f"Missing column: {known}."))
    return result


# ---------------------------------------------------------------- dates

def _strip_time(raw: str) -> str:
    match = _TIME_OF_DAY.match(raw)
    return match.group("date") if match else raw


def parse_date(raw: str) -> dt.date | None:
    raw = _strip_time(" ".join(raw.split()))
    for fmt in DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
        if re.search(r"\d{4}", raw):     # %Y reads "26" as the year 26: a year is written in full
            return parsed
    return None


def date_problem(raw: str) -> str:
    """Why a cell is not a date, in words."""
    raw = raw.strip()
    if not raw:
        return f"Enter the date: {DATE_HINT}."
    if _TWO_DIGIT_YEAR.match(_strip_time(" ".join(raw.split()))):
        return f"“{raw}” has a two-digit year, which could be 19… or 20…: write the year in full ({DATE_HINT})."
    return f"“{raw}” is not a date: {DATE_HINT}."
