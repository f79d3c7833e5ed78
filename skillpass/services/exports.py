"""Exports of the team figures and of every record, as CSV (streamed) and XLSX.

A cell that a spreadsheet would read as a formula (it begins with =, +, -, @,
a tab or a carriage return) is neutralised with a leading apostrophe, so an
exported name or note can never run as a formula in Excel. Control characters
are left out of every cell: a workbook cannot hold them (openpyxl refuses to
write one), and no reader wants them, whatever was stored.

A workbook opens ready to read: the header row (and the name columns) stay in
view, every column has a filter, columns are as wide as what they hold, a
status cell is filled with its status colour (its word is still in the cell:
the colour is never the only signal) and a percentage is a number formatted as
one, so it sorts and sums.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import IO, Iterable, Iterator

from sqlalchemy import Select, String, and_, select, type_coerce

from skillpass.extensions import db
from skillpass.inputs import printable
from skillpass.models import (Assignment, Entry, EntryActivity, EntryMethod, EntryStatus, Item, PassportTemplate,
                              Person, Team)
from skillpass.rules import expiry_date, status_colour

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 1000
SELF_DECLARED = "Self-declared"


def safe(value):
    """A value as a spreadsheet cell: dates and numbers kept, text neutralised if it looks like a formula."""
    if value is None:
        return ""
    if isinstance(value, (int, float, dt.date)):
        return value
    text = printable(str(value))
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


@dataclass(frozen=True, slots=True)
class Tagged:
    """A status cell: its words, and the colour of its status (rules.Status.colour: "green", "red" …).
    CSV writes the words; a workbook writes the words on a fill of that colour."""
    text: str
    colour: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Percent:
    """A whole-number percentage (0-100): CSV writes the number, a workbook the fraction with a % format."""
    value: int

    def __str__(self) -> str:
        return str(self.value)


@dataclass
class Table:
    header: list[str]
    rows: Iterable[list]


QUALIFICATION = "{name}: qualification"
NOT_HELD = "Not held"


def matrix_table(matrix, rows) -> Table:
    """One row per person: who, their compliance, where they stand with each passport held as a qualification
    (PRODUCT.md §6.3: "Meets", "About to lose", "Does not meet", or "Not held"), then each item's status and date
    line, in the words of rules.status_line and rules.short_date_line, as the matrix shows them."""
    header = ["Employee number", "Name", "Team", "Job role", "Compliance %", "Met", "Due"]
    header += [QUALIFICATION.format(name=passport.name) for passport in matrix.passports]
    for column in matrix.columns:
        code = f" [{column.item.code}]" if column.item.code else ""
        header.append(f"{column.template.name}: {column.item.title}{code}")

    def body():
        for row in rows:
            c = row.compliance
            out = [row.person.employee_number or "", row.person.name, row.team_name, row.person.job_role,
                   Percent(c.percent) if c.percent is not None else "", c.met, c.due]
            for passport in matrix.passports:
                held = row.standings.get(passport.id)
                out.append(Tagged(held.label, held.colour) if held is not None else NOT_HELD)
            for column in matrix.columns:
                cell = row.cells.get(column.item.id)
                if cell is None:
                    out.append("Not assigned")
                else:
                    out.append(Tagged(f"{cell.label}: {cell.date_line}", cell_colour(cell)))
            yield out

    return Table(header=header, rows=body())


STANDING_HEADER = ["Passport", "Team", "Meets", "About to lose", "Does not meet", "People holding it"]
ALL_TEAMS = "All teams shown"


def standing_table(figures) -> Table:
    """Who meets, is about to lose or does not meet each passport (figures.standing_figures): a row per passport
    for everyone shown, then, where they are in more than one team, a row per team, as the team page shows them."""

    def body():
        for figure in figures:
            rows = [(ALL_TEAMS if len(figure.teams) > 1 else figure.teams[0].name, figure.counts)]
            if len(figure.teams) > 1:
                rows += [(team.name, team.counts) for team in figure.teams]
            for team_name, counts in rows:
                yield [figure.template.name, team_name, counts.meets, counts.about_to_lose, counts.does_not_meet,
                       counts.total]

    return Table(header=STANDING_HEADER, rows=body())


def cell_colour(cell) -> str:
    """The fill of a matrix cell: its status's colour, except that an optional item is never red or blue
    (not done, it counts against nobody: grey, as on the team page and in print)."""
    return status_colour(cell.status, mandatory=cell.mandatory)


RECORD_HEADER = ["Employee number", "Name", "Team", "Job role", "Item", "Code", "Status", "Completed on",
                 "Expires on", "How", "Signed off by", "Sign-off date", "Passport", "Required now",
                 # Who the record is of at another SkillPass too, and which activity of an item with a refresher
                 # it was (empty for an item without one): what the completions import needs to take this file
                 # back as it is (issue 18).
                 "Email", "Activity"]


def records_table(people: Select | list[int], *, template_id: int | None = None) -> Table:
    """Every entry of these people, by person (name, then id), item title, completion date: *people* a select of
    person ids (figures.people_query: one query, streamed) or a list of ids in that order (read in chunks).

    The rows come through one cursor as plain tuples (Core, no ORM objects; a server-side cursor on PostgreSQL),
    and what is worked out from them is worked out once per distinct value: a person's cells once per person, an
    item's once per item, an expiry once per completion date, frequency and certificate expiry, the words of how
    once per method. Memory stays bounded: the cursor streams, and every memo is as large as the distinct values
    it holds (emptied past MEMO_LIMIT)."""
    if isinstance(people, Select):
        chunks = [Entry.person_id.in_(people)]
    else:
        chunks = [Entry.person_id.in_(people[start:start + CHUNK]) for start in range(0, len(people), CHUNK)]

    def tuples():
        connection = db.session.connection()
        for where in chunks:
            stmt = _records_select().where(where)
            if template_id:
                stmt = stmt.where(Item.template_id == template_id)
            # Fetched YIELD_PER rows at a time from a server-side cursor where the database has them, as the driver
            # gives them (no type of SQLAlchemy's turns each value into a date or an enum: _record_rows does, once
            # per distinct value).
            result = connection.execute(stmt.with_only_columns(*(type_coerce(c, _AS_GIVEN) for c in RECORD_COLUMNS),
                                                               maintain_column_froms=True)
                                        .execution_options(stream_results=True))
            for rows in result.tuples().partitions(YIELD_PER):
                yield from rows

    return Table(header=RECORD_HEADER, rows=_record_rows(tuples(), db.session.get_bind().dialect))


YIELD_PER = 2000       # rows fetched from the cursor at a time (as the export read them before: memory as before)
MEMO_LIMIT = 20000     # distinct values a memo keeps before it starts again
_AS_GIVEN = String()   # a type with no result processing on SQLite and PostgreSQL: the driver's value as it is

RECORD_COLUMNS = (Person.id, Person.employee_number, Person.name, Team.name, Person.job_role, Person.email,
                  Item.id, Item.title, Item.code, Item.frequency_months, Item.refresher_title, Item.archived_at,
                  PassportTemplate.name, Assignment.id,
                  Entry.status, Entry.completed_on, Entry.certificate_expires_on, Entry.method,
                  Entry.equivalent_source, Entry.session_id.is_not(None), Entry.recorded_by_id != Entry.person_id,
                  Entry.verified_credential, Entry.decided_by_name, Entry.decided_at, Entry.activity)


def _records_select() -> Select:
    # Which passport each record belongs to, and whether it is still required: the person still holds that
    # passport (one live assignment at most) and the item is not archived.
    return (select(*RECORD_COLUMNS)
            .join(Item, Item.id == Entry.item_id)
            .join(PassportTemplate, PassportTemplate.id == Item.template_id)
            .join(Person, Person.id == Entry.person_id)
            .outerjoin(Team, Team.id == Person.team_id)
            .outerjoin(Assignment, and_(Assignment.person_id == Entry.person_id,
                                        Assignment.template_id == Item.template_id,
                                        Assignment.removed_on.is_(None)))
            .order_by(Person.name, Person.id, Item.title, Entry.completed_on, Entry.id))


class _Memo(dict):
    """make(key), worked out once per distinct key; emptied when it holds MEMO_LIMIT keys (bounded memory)."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, key):
        if len(self) >= MEMO_LIMIT:
            self.clear()
        value = self[key] = self.make(key)
        return value


def _expiry(key):
    completed_on, frequency, own_expiry = key
    expires = expiry_date(completed_on, frequency)
    if own_expiry is not None and (expires is None or own_expiry < expires):
        expires = own_expiry    # the certificate's own expiry, when earlier (PRODUCT.md §6.3)
    return expires


def _record_rows(rows, dialect) -> Iterator[list]:
    """The export's rows from RECORD_COLUMNS as the driver gives them (see records_table). An enum is looked up
    by the driver's value (a string hashes faster than an enum member) for what the rows need of it."""
    read = {column: column.type.dialect_impl(dialect).result_processor(dialect, None) or (lambda value: value)
            for column in (Entry.status, Entry.method, Entry.activity, Entry.completed_on, Entry.decided_at)}
    statuses = _Memo(lambda raw: (read[Entry.status](raw).label, read[Entry.status](raw) is EntryStatus.ACCEPTED))
    completed_here = _Memo(lambda raw: read[Entry.method](raw) is EntryMethod.HERE)
    activities = _Memo(lambda raw: (read[Entry.activity](raw).label,
                                    read[Entry.activity](raw) is EntryActivity.REFRESHER))
    dates = _Memo(read[Entry.completed_on])
    hows = _Memo(lambda key: read[Entry.method](key[0]).describe(key[1], session=bool(key[2]), by_staff=bool(key[3]),
                                                                  verified=bool(key[4])))   # the passport's words
    expiries = _Memo(_expiry)
    items = {}
    person_id, who, email = None, [], ""
    for (pid, number, name, team, job_role, person_email, item_id, title, code, frequency, refresher, archived_at,
         passport, live, status, completed_on, own_expiry, method, source, session, by_staff, verified, decided_by,
         decided_at, activity) in rows:
        if pid != person_id:
            person_id, who, email = pid, [number or "", name, team or "", job_role], person_email
        item = items.get(item_id)
        if item is None:
            item = items[item_id] = (title, code or "", passport, archived_at is None, bool(refresher))
        title, code, passport, current, has_refresher = item
        label, is_accepted = statuses[status]
        completed_on = dates[completed_on]
        if is_accepted:
            expires = expiries[completed_on, frequency, dates[own_expiry]]
            signed = decided_by
            if not decided_by and completed_here[method]:
                signed = SELF_DECLARED      # counted at once, nobody checked it: as the print says
        else:
            expires, signed = None, ""
        activity, refresher_entry = activities[activity]
        yield [*who, title, code, label, completed_on, expires, hows[method, source, session, by_staff, verified],
               signed,
               read[Entry.decided_at](decided_at).date() if (decided_at and signed and signed != SELF_DECLARED)
               else None,
               passport, "Yes" if live is not None and current else "No", email,
               activity if has_refresher or refresher_entry else ""]


def csv_chunks(table: Table) -> Iterator[str]:
    """CSV text, a few hundred rows at a time (with a BOM, so Excel reads UTF-8).

    Each distinct text, date or status cell is made safe and written out once (a memo of at most MEMO_LIMIT
    values): the same name, item, status word and date come back on row after row of a large export."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([safe(h) for h in table.header])
    seen = {}

    def cell(value):
        out = _csv_value(value)
        if type(value) in _MEMO_TYPES:
            if len(seen) > MEMO_LIMIT:
                seen.clear()
            seen[value] = out
        return out

    for index, row in enumerate(table.rows, 1):
        writer.writerow([seen[v] if v in seen else cell(v) for v in row])
        if index % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


# Cells written the same way wherever they stand, whose equal values are equal cells (not bool, int, float:
# True == 1 == 1.0 are written "True", "1", "1.0"; not datetime, a subclass of date).
_MEMO_TYPES = frozenset({str, dt.date, type(None), Tagged})


def _csv_value(value):
    if isinstance(value, Percent):
        return value.value
    value = safe(value.text if isinstance(value, Tagged) else value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# Fills behind status words, as the printed passport's tags (static/css/print.css): (fill, text colour).
FILLS = {
    "green": ("E6F4EC", "005A2D"),
    "orange": ("FFF0E0", "7A3200"),
    "red": ("FBE9EE", "8A1538"),
    "blue": ("E6F0F9", "003D78"),
    "grey": ("EEF1F2", "3D4C57"),
    "yellow": ("FFF9C4", "5C4A00"),
}
HEADER_FILL = "E8EDEE"
WIDTH_SAMPLE = 1000            # rows measured for the column widths (the rest stream past unmeasured)
MIN_WIDTH, MAX_WIDTH, HEADER_WIDTH = 8, 60, 24
DATE_FORMAT, PERCENT_FORMAT = "d mmm yyyy", "0%"


def _shown_length(value) -> int:
    """About how many characters a value shows in its cell."""
    if isinstance(value, dt.date):
        return 11                  # "30 Sep 2026"
    if isinstance(value, Percent):
        return 4                   # "100%"
    return max((len(line) for line in str(safe(value)).splitlines()), default=0)


def column_widths(header: list[str], rows: list[list]) -> list[float]:
    """Each column as wide as the longest value in *rows* (or its header, up to HEADER_WIDTH characters, the
    header wrapping beyond that), within MIN_WIDTH and MAX_WIDTH, in Excel's character units."""
    widths = []
    for index, title in enumerate(header):
        longest = max((_shown_length(row[index]) for row in rows if index < len(row)), default=0)
        heading = max(min(len(title), HEADER_WIDTH), max((len(word) for word in title.split()), default=0))
        widths.append(float(min(MAX_WIDTH, max(MIN_WIDTH, longest, heading)) + 2))
    return widths


def write_xlsx(table: Table, out: IO[bytes], *, sheet: str) -> None:
    """A workbook written row by row (openpyxl's write-only mode): memory stays flat. The column widths must be
    written before the first row, so the first WIDTH_SAMPLE rows are read ahead and measured."""
    from itertools import islice

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.freeze_panes = "C2"          # the header row, and who each row is, stay in view
    rows = iter(table.rows)
    sample = list(islice(rows, WIDTH_SAMPLE))
    for number, width in enumerate(column_widths(table.header, sample), 1):
        worksheet.column_dimensions[get_column_letter(number)].width = width

    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    header_fill = PatternFill("solid", fgColor=HEADER_FILL)
    fills = {colour: (PatternFill("solid", fgColor=fill), Font(color=text)) for colour, (fill, text) in FILLS.items()}
    head = []
    for title in table.header:
        cell = WriteOnlyCell(worksheet, value=safe(title))
        cell.font, cell.alignment, cell.fill = bold, wrap, header_fill
        head.append(cell)
    worksheet.append(head)

    count = 0
    for row in (sample, rows):
        for values in row:
            worksheet.append([_xlsx_cell(worksheet, value, fills) for value in values])
            count += 1
    worksheet.auto_filter.ref = f"A1:{get_column_letter(max(1, len(table.header)))}{count + 1}"
    workbook.save(out)


def _xlsx_cell(worksheet, value, fills):
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, Percent):
        cell = WriteOnlyCell(worksheet, value=value.value / 100)
        cell.number_format = PERCENT_FORMAT
        return cell
    if isinstance(value, Tagged):
        cell = WriteOnlyCell(worksheet, value=safe(value.text))
        if value.colour in fills:
            cell.fill, cell.font = fills[value.colour]
        return cell
    value = safe(value)
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(worksheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return value
