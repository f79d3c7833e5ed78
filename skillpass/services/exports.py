"""Exports of the team figures and of every record, as CSV (streamed) and XLSX.

A cell that a spreadsheet would read as a formula (it begins with =, +, -, @,
a tab or a carriage return) is neutralised with a leading apostrophe, so an
exported name or note can never run as a formula in Excel. Control characters
are left out of every cell: a workbook cannot hold them (openpyxl refuses to
write one), and no reader wants them, whatever was stored.
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
from skillpass.models import Assignment, Entry, EntryMethod, EntryStatus, Item, PassportTemplate, Person, Team
from skillpass.rules import expiry_date

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


@dataclass
class Table:
    header: list[str]
    rows: Iterable[list]


def matrix_table(matrix, rows) -> Table:
    """One row per person: who, their compliance, then each item's status and date line, in the words of
    rules.status_line and rules.short_date_line, as the matrix shows them."""
    header = ["Employee number", "Name", "Team", "Job role", "Compliance %", "Met", "Due"]
    for column in matrix.columns:
        code = f" [{column.item.code}]" if column.item.code else ""
        header.append(f"{column.template.name}: {column.item.title}{code}")

    def body():
        for row in rows:
            c = row.compliance
            out = [row.person.employee_number or "", row.person.name, row.team_name, row.person.job_role,
                   c.percent if c.percent is not None else "", c.met, c.due]
            for column in matrix.columns:
                cell = row.cells.get(column.item.id)
                if cell is None:
                    out.append("Not assigned")
                else:
                    out.append(f"{cell.label}: {cell.date_line}")
            yield out

    return Table(header=header, rows=body())


RECORD_HEADER = ["Employee number", "Name", "Team", "Job role", "Item", "Code", "Status", "Completed on",
                 "Expires on", "How", "Signed off by", "Sign-off date", "Passport", "Required now"]


def records_table(person_ids: list[int], *, template_id: int | None = None) -> Table:
    """Every entry of these people, oldest person first, in chunks of people so memory stays bounded."""

    def body():
        for start in range(0, len(person_ids), CHUNK):
            chunk = person_ids[start:start + CHUNK]
            # Which passport each record belongs to, and whether it is still required: the person still holds
            # that passport (one live assignment at most) and the item is not archived.
            stmt = (select(Entry.status, Entry.completed_on, Entry.method, Entry.equivalent_source,
                           Entry.session_id, Entry.recorded_by_id != Entry.person_id, Entry.decided_by_name, Entry.decided_at, Item.title, Item.code, Item.frequency_months,
                           Person.employee_number, Person.name, Person.job_role, Team.name,
                           PassportTemplate.name, Item.archived_at, Assignment.id)
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
            for (status, completed_on, method, source, session_id, by_staff, decided_by, decided_at, title, code, frequency, number, name,
                 job_role, team, passport, archived_at, live) in db.session.execute(stmt.execution_options(yield_per=2000)):
                expires = expiry_date(completed_on, frequency) if status is EntryStatus.ACCEPTED else None
                how = method.describe(source, session=session_id is not None, by_staff=bool(by_staff))  # the passport's words
                signed = decided_by if status is EntryStatus.ACCEPTED else ""
                if status is EntryStatus.ACCEPTED and method is EntryMethod.HERE and not decided_by:
                    signed = SELF_DECLARED      # counted at once, nobody checked it: as the print says
                yield [number or "", name, team or "", job_role, title, code or "", status.label,
                       completed_on, expires, how, signed,
                       decided_at.date() if (decided_at and signed and signed != SELF_DECLARED) else None,
                       passport, "Yes" if live is not None and archived_at is None else "No"]

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
    value = safe(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def write_xlsx(table: Table, out: IO[bytes], *, sheet: str) -> None:
    """A workbook written row by row (openpyxl's write-only mode): memory stays flat."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.freeze_panes = "C2"
    bold = Font(bold=True)
    head = []
    for title in table.header:
        cell = WriteOnlyCell(worksheet, value=safe(title))
        cell.font = bold
        head.append(cell)
    worksheet.append(head)
    for row in table.rows:
        values = []
        for value in row:
            value = safe(value)
            if isinstance(value, dt.date):
                cell = WriteOnlyCell(worksheet, value=value)
                cell.number_format = "d mmm yyyy"
                values.append(cell)
            else:
                values.append(value)
        worksheet.append(values)
    workbook.save(out)
