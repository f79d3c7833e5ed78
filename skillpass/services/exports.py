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

from sqlalchemy import and_, select

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


def records_table(person_ids: list[int], *, template_id: int | None = None) -> Table:
    """Every entry of these people, oldest person first, in chunks of people so memory stays bounded."""

    def body():
        for start in range(0, len(person_ids), CHUNK):
            chunk = person_ids[start:start + CHUNK]
            # Which passport each record belongs to, and whether it is still required: the person still holds
            # that passport (one live assignment at most) and the item is not archived.
            stmt = (select(Entry.status, Entry.completed_on, Entry.method, Entry.equivalent_source,
                           Entry.session_id, Entry.recorded_by_id != Entry.person_id, Entry.verified_credential, Entry.decided_by_name, Entry.decided_at, Item.title, Item.code, Item.frequency_months,
                           Person.employee_number, Person.name, Person.job_role, Team.name,
                           PassportTemplate.name, Item.archived_at, Assignment.id, Entry.certificate_expires_on,
                           Person.email, Entry.activity, Item.refresher_title)
                    .join(Item, Item.id == Entry.item_id)
                    .join(PassportTemplate, PassportTemplate.id == Item.template_id)
                    .join(Person, Person.id == Entry.person_id)
                    .outerjoin(Team, Team.id == Person.team_id)
                    .outerjoin(Assignment, and_(Assignment.person_id == Entry.person_id,
                                                Assignment.template_id == Item.template_id,
                                                Assignment.removed_on.is_(None)))
                    .where(Entry.person_id.in_(chunk))
                    .order_by(Person.name, Person.id, Item.title, Entry.completed_on, Entry.id))
            if template_id:
                stmt = stmt.where(Item.template_id == template_id)
            for (status, completed_on, method, source, session_id, by_staff, verified, decided_by, decided_at, title, code, frequency,
                 number, name, job_role, team, passport, archived_at, live, own_expiry, email, activity,
                 refresher) in db.session.execute(
                    stmt.execution_options(yield_per=2000)):
                expires = expiry_date(completed_on, frequency) if status is EntryStatus.ACCEPTED else None
                if status is EntryStatus.ACCEPTED and own_expiry is not None and (expires is None or own_expiry < expires):
                    expires = own_expiry    # the certificate's own expiry, when earlier (PRODUCT.md §6.3)
                how = method.describe(source, session=session_id is not None, by_staff=bool(by_staff),
                                      verified=bool(verified))  # the passport's words
                signed = decided_by if status is EntryStatus.ACCEPTED else ""
                if status is EntryStatus.ACCEPTED and method is EntryMethod.HERE and not decided_by:
                    signed = SELF_DECLARED      # counted at once, nobody checked it: as the print says
                yield [number or "", name, team or "", job_role, title, code or "", status.label,
                       completed_on, expires, how, signed,
                       decided_at.date() if (decided_at and signed and signed != SELF_DECLARED) else None,
                       passport, "Yes" if live is not None and archived_at is None else "No", email,
                       activity.label if refresher or activity is EntryActivity.REFRESHER else ""]

    return Table(header=RECORD_HEADER, rows=body())


def csv_chunks(table: Table) -> Iterator[str]:
    """CSV text, a few hundred rows at a time (with a BOM, so Excel reads UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([safe(h) for h in table.header])
    for index, row in enumerate(table.rows, 1):
        writer.writerow([_csv_value(v) for v in row])
        if index % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


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
