"""CSV import of historic completions, to bring a trust's records in from its staff
record system or spreadsheets.

Columns: employee_number, item, completed_on, expires_on (optional). *item* is an
item's code (CSTF-FIRE) or the national competence name form
(NHS|CSTF|Fire Safety - 2 Years|). Every row is checked first; then all or nothing.
Entries come in accepted, with the method *imported*; the file, row and importer
are kept in the audit log; a completion already on record is not added twice.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from sqlalchemy import select

from skillpass import clock
from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus, Item, Person
from skillpass.rules import format_date
from skillpass.services import audit
from skillpass.services.entries import ENTRY_FIELDS
from skillpass.services.people_import import Problem, decode, parse_date  # noqa: F401 - decode re-exported

COLUMNS = ["employee_number", "item", "completed_on", "expires_on"]
REQUIRED = {"employee_number", "item", "completed_on"}
EXAMPLE = ["200123", "NHS|CSTF|Fire Safety - 2 Years|", "2025-03-14", "2027-03-14"]
_NATIONAL = re.compile(r"^NHS\|[^|]+\|(?P<subject>[^|]+)\|?$", re.IGNORECASE)


@dataclass
class CompletionsPlan:
    rows: list[dict] = field(default_factory=list)      # what will be added
    already: int = 0                                     # on record already: skipped
    problems: list[Problem] = field(default_factory=list)


def template_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(EXAMPLE)
    return out.getvalue()


def _simplify(title: str) -> str:
    title = re.sub(r"\(level \d+[^)]*\)", "", title, flags=re.IGNORECASE)
    return " ".join(title.lower().replace("-", " ").split())


def _item_finder():
    items = db.session.scalars(select(Item).where(Item.archived_at.is_(None))).all()
    by_code = {i.code.lower(): i for i in items if i.code}
    by_title: dict[str, list[Item]] = {}
    for item in items:
        by_title.setdefault(_simplify(item.title), []).append(item)

    def find(raw: str) -> tuple[Item | None, str | None]:
        raw = raw.strip()
        if raw.lower() in by_code:
            return by_code[raw.lower()], None
        national = _NATIONAL.match(raw)
        if national:
            subject = national.group("subject")
            subject = re.sub(r"\s*-\s*\d+\s*years?\s*$", "", subject, flags=re.IGNORECASE)
            subject = re.sub(r"\s*-\s*level\s*\d+\s*", " ", subject, flags=re.IGNORECASE)
            matches = by_title.get(_simplify(subject), [])
            coded = [i for i in matches if i.code]
            chosen = coded or matches
            if len(chosen) == 1:
                return chosen[0], None
            if len(chosen) > 1:
                return None, f"“{raw}” matches several items: use an item code instead."
        return None, f"No item has the code or national name “{raw}”."

    return find


def plan(text: str, *, today: dt.date) -> CompletionsPlan:
    result = CompletionsPlan()
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower().replace(" ", "_") for h in next(reader)]
    except StopIteration:
        result.problems.append(Problem(1, "", "The file is empty: it needs a header row and at least one completion."))
        return result
    unknown = [h for h in header if h and h not in COLUMNS]
    missing = sorted(REQUIRED - set(header))
    if unknown:
        result.problems.append(Problem(1, ", ".join(unknown), f"Unknown column. The columns are: {', '.join(COLUMNS)}."))
    if missing:
        result.problems.append(Problem(1, ", ".join(missing), "Missing column."))
    if result.problems:
        return result

    people = {p.employee_number: p for p in db.session.scalars(select(Person).where(Person.employee_number.is_not(None)))}
    find = _item_finder()
    on_record = {(e.person_id, e.item_id, e.completed_on) for e in db.session.scalars(
        select(Entry).where(Entry.status == EntryStatus.ACCEPTED))}
    in_file: dict[tuple, int] = {}
    for line_no, raw in enumerate(reader, start=2):
        if not any(cell.strip() for cell in raw):
            continue
        row = {h: (raw[i].strip() if i < len(raw) else "") for i, h in enumerate(header) if h}
        problems = []
        person = people.get(row.get("employee_number", ""))
        if person is None:
            problems.append(Problem(line_no, "employee_number",
                                    f"Nobody has the employee number “{row.get('employee_number', '')}”."))
        item, why = find(row.get("item", ""))
        if item is None:
            problems.append(Problem(line_no, "item", why))
        completed = parse_date(row.get("completed_on", ""))
        if completed is None:
            problems.append(Problem(line_no, "completed_on",
                                    f"“{row.get('completed_on', '')}” is not a date: use 2025-03-14 or 14/03/2025."))
        elif completed > today:
            problems.append(Problem(line_no, "completed_on", "In the future."))
        expires = None
        if row.get("expires_on"):
            expires = parse_date(row["expires_on"])
            if expires is None:
                problems.append(Problem(line_no, "expires_on", f"“{row['expires_on']}” is not a date."))
            elif completed is not None and expires <= completed:
                problems.append(Problem(line_no, "expires_on", "Not after the completion date."))
        if problems:
            result.problems.extend(problems)
            continue
        key = (person.id, item.id, completed)
        if key in in_file:
            result.problems.append(Problem(line_no, "", f"The same completion as row {in_file[key]}."))
            continue
        in_file[key] = line_no
        if key in on_record:
            result.already += 1
            continue
        result.rows.append(dict(row=line_no, person=person, item=item, completed_on=completed, expires_on=expires))
    if not result.problems and not result.rows and not result.already:
        result.problems.append(Problem(2, "", "There are no completions below the header row."))
    return result


def apply(plan_: CompletionsPlan, *, actor: Person, filename: str) -> int:
    now = clock.now()
    for row in plan_.rows:
        note = f"Imported from {filename}, row {row['row']}."
        if row["expires_on"]:
            note += f" Expiry in the source: {format_date(row['expires_on'])}."
        entry = Entry(person_id=row["person"].id, item_id=row["item"].id, completed_on=row["completed_on"],
                      method=EntryMethod.IMPORTED, status=EntryStatus.ACCEPTED, note=note,
                      recorded_by_id=actor.id, recorded_at=now)
        db.session.add(entry)
        db.session.flush()
        audit.log(actor=actor, action="entry.imported", subject=entry, person_id=row["person"].id,
                  summary=f"{row['item'].title}: completed {format_date(row['completed_on'])}, "
                          f"imported from {filename} row {row['row']}",
                  after={**audit.snapshot(entry, ENTRY_FIELDS), "file": filename, "row": row["row"]})
    audit.log(actor=actor, action="import.completions", subject=None, subject_type="Import", person_id=None,
              summary=f"Completions imported from {filename}: {len(plan_.rows)} added, {plan_.already} already on record",
              after={"file": filename, "added": len(plan_.rows), "already": plan_.already})
    return len(plan_.rows)
