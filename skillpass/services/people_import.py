"""CSV import of people: every row checked first (row, column, reason), then all or nothing.

Columns (headers in any order and case): employee_number, name, email, job_role,
team, start_date, role. name, email and start_date are required; team must name an
existing, unarchived team; role is learner (default), educator or admin. People are
matched by employee number, then by email: a match is updated, anyone else is added.
On a match, only what the file says is changed: a column left out of the file, or an
empty job_role, team or role cell, keeps what is on record (a staff-record extract
without roles must not turn every educator into a learner). Nobody can take away their
own admin role by import. The assignment rules then apply to everyone added or moved.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Iterator

from sqlalchemy import insert, inspect as sa_inspect, select

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.rules import EARLIEST_DATE, TOO_EARLY
from skillpass.models import Person, Role, Team
from skillpass.services import assignment_rules, audit, data_version, item_dates
from skillpass.services.import_files import (Problem, Unreadable, columns,  # noqa: F401 (re-exported)
                                             control_problems, csv_rows, date_problem, decode, parse_date)
from skillpass.services.people import EMAIL, PERSON_FIELDS

COLUMNS = ["employee_number", "name", "email", "job_role", "team", "start_date", "role"]
REQUIRED = {"name", "email", "start_date"}
EXAMPLE = ["200123", "Nia Newstarter", "nia.newstarter@example.nhs.uk", "Healthcare Assistant",
           "Ward 7 (Elderly Care)", "2026-01-05", "learner"]
MAX_ROWS = 30000      # the largest trusts' staff (issue 19): made by the job worker, not in a request
# People made in one transaction: a batch holds the database for a moment, not for the whole file,
# so everyone else keeps working while 30,000 people come in (bench: "people import beside other work").
BATCH = 500
# Headers as real exports name them (case, spaces and underscores ignored; other columns are ignored).
ALIASES: dict[str, tuple[str, ...]] = {
    "employee_number": ("employee number", "employee no", "staff number"),
    "name": ("full name",),
    "email": ("email address", "e-mail address", "work email"),
    "job_role": ("job title",),
    "team": ("team name",),
    "start_date": ("start date", "date started"),
    "role": (),
}


@dataclass
class Plan:
    creates: list[dict] = field(default_factory=list)
    updates: list[tuple[Person, dict]] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    # Not problems, but worth a look before importing: by the email of a person to add.
    notes: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)     # the file's columns that are none of the import's
    # By person id: the passports an assignment rule gave them that their new team or job role ends.
    ending: dict[int, list[str]] = field(default_factory=dict)

    @property
    def changes(self) -> int:
        return len(self.creates) + len(self.updates)

    @property
    def rows(self) -> int:
        return len(self.creates) + len(self.updates) + self.unchanged


def template_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(EXAMPLE)
    return out.getvalue()


def plan(text: str, *, today: dt.date, actor: Person | None = None) -> Plan:
    """Read and check every row; change nothing."""
    result = Plan()
    try:
        _plan(csv_rows(text), result, today=today, actor=actor)
    except Unreadable as error:
        result.problems.append(error.problem)
    return result


def _plan(rows: Iterator[tuple[int, list[str]]], result: Plan, *, today: dt.date, actor: Person | None) -> None:
    try:
        _, header = next(rows)
    except StopIteration:
        result.problems.append(Problem(1, "", "The file is empty: it needs a header row and at least one person."))
        return
    found = columns(header, aliases=ALIASES, required=REQUIRED)
    result.ignored = found.ignored
    header = found.names
    if found.problems:
        result.problems.extend(found.problems)
        return

    teams = {t.name.lower(): t for t in db.session.scalars(select(Team))}
    # Everyone as plain rows (the columns matched and compared), not as objects: 30,000 people read as objects
    # took seconds, three times an import (its preview, its confirmation, its job). The few that change are
    # read as objects once the file is checked.
    people = db.session.execute(select(Person.id, Person.name, Person.email, Person.employee_number,
                                       Person.job_role, Person.team_id, Person.start_date, Person.role)).all()
    by_number = {p.employee_number: p for p in people if p.employee_number}
    by_email = {p.email.lower(): p for p in people}
    by_name: dict[str, Person] = {}
    for p in people:
        by_name.setdefault(" ".join(p.name.lower().split()), p)
    team_names = {t.id: t.name for t in teams.values()}
    seen_numbers: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    claimed: dict[int, int] = {}   # person id -> row that matched them
    updates: list[tuple[int, dict]] = []     # person id, what changes

    for line_no, raw in rows:
        if not any(cell.strip() for cell in raw):
            continue
        if line_no > MAX_ROWS + 1:
            result.problems.append(Problem(line_no, "", f"The file has more than {MAX_ROWS:,} people: split it."))
            break
        if found.extra_cells(raw):
            result.problems.append(Problem(line_no, "", "This row has more cells than the header."))
            continue
        if bad := control_problems(line_no, header, raw):
            result.problems.extend(bad)
            continue
        row = found.read(raw)
        problems = []
        name = " ".join(row.get("name", "").split())
        email = row.get("email", "").lower()
        number = row.get("employee_number", "") or None
        job_role = " ".join(row.get("job_role", "").split())
        if not name:
            problems.append(Problem(line_no, "name", "Enter the person's name."))
        elif len(name) > 200:
            problems.append(Problem(line_no, "name", "Longer than 200 characters."))
        if not EMAIL.match(email):
            problems.append(Problem(line_no, "email", f"“{row.get('email', '')}” is not an email address."))
        elif email in seen_emails:
            problems.append(Problem(line_no, "email", f"Also on row {seen_emails[email]}."))
        if number and number in seen_numbers:
            problems.append(Problem(line_no, "employee_number", f"Also on row {seen_numbers[number]}."))
        if number and len(number) > 40:
            problems.append(Problem(line_no, "employee_number", "Longer than 40 characters."))
        if len(job_role) > 120:
            problems.append(Problem(line_no, "job_role", "Longer than 120 characters."))
        team = None
        if row.get("team"):
            team = teams.get(row["team"].lower())
            if team is None:
                problems.append(Problem(line_no, "team", f"No team is called “{row['team']}”: add it under Teams first."))
        start = parse_date(row.get("start_date", ""))
        if start is None:
            problems.append(Problem(line_no, "start_date", date_problem(row.get("start_date", ""))))
        elif start > today + dt.timedelta(days=366):
            problems.append(Problem(line_no, "start_date", "More than a year in the future."))
        elif start < EARLIEST_DATE:
            problems.append(Problem(line_no, "start_date", TOO_EARLY))
        role_raw = (row.get("role") or "learner").lower()
        role = Role(role_raw) if role_raw in {r.value for r in Role} else None
        if role is None:
            problems.append(Problem(line_no, "role", f"“{row.get('role')}” is not learner, educator or admin."))
        if email:
            seen_emails.setdefault(email, line_no)
        if number:
            seen_numbers.setdefault(number, line_no)

        match = by_number.get(number) if number else None
        match = match or by_email.get(email)
        if match is not None:
            if match.id in claimed:
                problems.append(Problem(line_no, "employee_number" if number else "email",
                                        f"Matches the same person as row {claimed[match.id]}."))
            other = by_email.get(email)
            if other is not None and other is not match:
                problems.append(Problem(line_no, "email", f"{other.name} already has this email address."))
            claimed[match.id] = line_no
        if team is not None and team.archived_at is not None and (match is None or match.team_id != team.id):
            # Someone already in an archived team may stay there; nobody new joins it.
            problems.append(Problem(line_no, "team", f"“{team.name}” is archived: restore it under Teams first, "
                                                     "or choose another team."))
        if (match is not None and actor is not None and match.id == actor.id and row.get("role")
                and match.role == Role.ADMIN and role != Role.ADMIN):
            problems.append(Problem(line_no, "role", "This is you: you cannot take away your own admin role. "
                                                     "Another admin can."))
        if problems:
            result.problems.extend(problems)
            continue
        values = dict(name=name, email=email, employee_number=number, job_role=job_role, team=team,
                      start_date=start, role=role)
        if match is None:
            result.creates.append(values)
            namesake = by_name.get(name.lower())
            if namesake is not None:
                where = team_names.get(namesake.team_id, "no team")
                result.notes[email] = (f"Someone called {namesake.name} is already here ({where}, {namesake.email}): "
                                       "check this is not the same person with a new email.")
        else:
            # On an update, what the file does not say is kept: a missing column or an empty cell.
            said = {k for k in ("employee_number", "job_role", "team", "role") if row.get(k)}
            values = {k: v for k, v in values.items() if k in ("name", "email", "start_date") or k in said}
            changes = {k: v for k, v in values.items()
                       if (getattr(match, k) if k != "team" else match.team_id) != (v if k != "team" else
                                                                                      v and v.id)}
            if changes:
                updates.append((match.id, changes))
            else:
                result.unchanged += 1
    result.updates = _with_people(updates)
    if not result.problems and result.rows == 0:
        result.problems.append(Problem(2, "", "There is nobody in the file below the header row."))
    if not result.problems:
        result.ending = assignment_rules.passports_ending(result.updates)


def _with_people(updates: list[tuple[int, dict]], chunk: int = 5000) -> list[tuple[Person, dict]]:
    """The people who change, read as objects in a few queries (in file order)."""
    ids = [person_id for person_id, _ in updates]
    loaded: dict[int, Person] = {}
    for start in range(0, len(ids), chunk):
        loaded.update((p.id, p) for p in db.session.scalars(select(Person).where(Person.id.in_(ids[start:start + chunk]))))
    return [(loaded[person_id], changes) for person_id, changes in updates]


def apply(plan_: Plan, *, actor: Person, today: dt.date, filename: str) -> tuple[int, int]:
    """Make every change of a checked plan, in the caller's one transaction."""
    everything = max(plan_.changes, 1)
    for _ in apply_batches(plan_, actor=actor, today=today, filename=filename, size=everything):
        pass
    return len(plan_.creates), len(plan_.updates)


def apply_batches(plan_: Plan, *, actor: Person, today: dt.date, filename: str,
                  size: int | None = None, reported: dict | None = None) -> Iterator[int]:
    """Make the changes of a checked plan *size* people at a time (None: BATCH). After each batch it
    yields how many people are done, and the caller commits: between batches the database is free for
    everyone else. The import's own audit entry comes with the last batch. *reported*: the counts its audit
    entry gives ({"added", "updated", "unchanged"}), when this plan is the rest of an import begun earlier
    (a job handed on: services/import_runs.py)."""
    changes: list[tuple[dict | None, Person | None, dict | None]] = (
        [(values, None, None) for values in plan_.creates] + [(None, p, c) for p, c in plan_.updates])
    size = size or BATCH
    done = 0
    for start in range(0, max(len(changes), 1), size):
        batch = changes[start:start + size]
        _apply_batch(batch, actor=actor, today=today, filename=filename)
        done += len(batch)
        if done >= len(changes):
            counts = reported or {"added": len(plan_.creates), "updated": len(plan_.updates),
                                  "unchanged": plan_.unchanged}
            audit.log(actor=actor, action=Action.IMPORT_PEOPLE, subject=None, subject_type="Import", person_id=None,
                      summary=f"People imported from {filename}: {counts['added']} added, "
                              f"{counts['updated']} updated",
                      after={"file": filename, "added": counts["added"], "updated": counts["updated"],
                             "unchanged": counts["unchanged"]})
        db.session.flush()
        yield done


def _create(rows: list[dict], *, actor: Person, filename: str) -> list[SimpleNamespace]:
    """Add the batch's new people, and their audit entries, in a statement each (as objects, one by one, they
    took most of an import's time): what the assignment rules read of each, with their new ids, in file order.
    The session does not see these writes, so they are noted here: the data version, and the kept dates (a
    person an assignment rule gives a passport to)."""
    if not rows:
        return []
    table = Person.__table__
    people = [dict(name=row["name"], email=row["email"], employee_number=row["employee_number"],
                   job_role=row["job_role"], team_id=row["team"].id if row["team"] is not None else None,
                   start_date=row["start_date"], role=row["role"], active=True) for row in rows]
    # Their ids by their (unique) emails: RETURNING in the rows' order would be a statement a row on SQLite.
    id_of = dict((email, person_id) for person_id, email in db.session.execute(
        insert(table).returning(table.c.id, table.c.email), people))
    ids = [id_of[person["email"]] for person in people]
    data_version.written(db.session)
    item_dates.touch_people(db.session, ids)
    made = [SimpleNamespace(id=person_id, **person) for person_id, person in zip(ids, people)]
    audit.log_many([dict(actor_id=actor.id, action=Action.PERSON_CREATED, subject_type="Person",
                         subject_id=person.id, person_id=person.id,
                         summary=f"{person.name} added by import of {filename}",
                         after={k: getattr(person, k) for k in PERSON_FIELDS}) for person in made])
    return made


def _apply_batch(batch, *, actor: Person, today: dt.date, filename: str) -> None:
    # People matched in the preview were read before earlier batches were committed: read them again in
    # one query (not one each, as their expired attributes would be).
    # (Their ids from their identity: reading p.id of an expired object would be a query a person.)
    to_update = [sa_inspect(p).identity[0] for _, p, _ in batch if p is not None]
    if to_update:
        db.session.scalars(select(Person).where(Person.id.in_(to_update))).all()
    moved: list = _create([values for values, _, _ in batch if values is not None], actor=actor, filename=filename)
    updated = []
    for _, person, changes in batch:
        if person is None:
            continue
        before = audit.snapshot(person, PERSON_FIELDS)
        for key, value in changes.items():
            setattr(person, key, value)
        updated.append((person, before, changes))
    db.session.flush()
    for person, before, changes in updated:
        after = audit.snapshot(person, PERSON_FIELDS)
        changed = [k for k in PERSON_FIELDS if before[k] != after[k]]
        audit.log(actor=actor, action=Action.PERSON_CHANGED, subject=person, person_id=person.id,
                  summary=f"{person.name} updated by import of {filename}",
                  before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
        if {"team", "job_role"} & set(changes):
            moved.append(person)
    assignment_rules.apply_to_many(moved, actor=actor, today=today, in_bulk=True)
