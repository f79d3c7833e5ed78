"""CSV import of historic completions, to bring a trust's records in from its staff
record system or spreadsheets.

Columns: employee_number, item, completed_on, expires_on (optional), activity (optional). *item* is an
item's code (CSTF-FIRE) or the national competence name form
(NHS|CSTF|Fire Safety - 2 Years|) one of its items lists, matched exactly (PRODUCT.md §6.1); a row naming a
subject no published passport holds is skipped, not an error. *expires_on* is the certificate's own expiry
(PRODUCT.md §6.3), kept when it says more than the item's own rule (completed + frequency); *activity* is
initial (or empty) or refresher, the latter only for an item with a refresher. Every row is checked first;
then all or nothing.
SkillPass's own records export imports as it is (issue 18): a row whose employee number is empty or names
nobody here is matched by its Email; an item without a code by its Passport and Item title, exactly; its
Activity says initial or refresher; its How is kept in the entry's note; a record of a passport archived here is
skipped.
Entries come in accepted, with the method *imported*; the file, row and importer
are kept in the audit log; a completion already on record is not added twice.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Iterator

from sqlalchemy import select

from skillpass import clock
from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import (Assignment, Entry, EntryActivity, EntryMethod, EntryStatus, ImportBatch, Item,
                              PassportTemplate, Person, TemplateStatus)
from skillpass.rules import EARLIEST_DATE, TOO_EARLY, expiry_date, format_date
from skillpass.services import audit, import_batches, national_names
from skillpass.services.entries import ENTRY_FIELDS
from skillpass.services.import_files import (Problem, Unreadable, columns, control_problems, csv_rows,  # noqa: F401
                                             date_problem, decode, parse_date)                      # decode re-exported
from skillpass.subjects import normalise_code, normalise_name, subject_key, suggestions

COLUMNS = ["employee_number", "item", "completed_on", "expires_on", "activity"]
REQUIRED = {"item", "completed_on"}   # and one of WHO
# Completions added in one transaction (see people_import.BATCH).
BATCH = 1000
EXAMPLE = ["200123", "NHS|CSTF|Fire Safety - 2 Years|", "2025-03-14", "2027-03-14", "initial"]
# Headers as real exports name them (case, spaces and underscores ignored; other columns are ignored): the
# ESR learning export's, and SkillPass's own records export (its Code, else its Item, names the item; its
# Status keeps rejected, withdrawn and revoked records out).
ALIASES: dict[str, tuple[str, ...]] = {
    "employee_number": ("employee number", "employee no", "staff number"),
    "item": ("code", "item code", "competence name", "competency name", "item"),
    "completed_on": ("completed on", "achievement date", "completion date", "date completed"),
    "expires_on": ("expires on", "expiry date"),
    "status": (),
    "activity": ("activity", "initial or refresher"),
    # SkillPass's own records export (issue 18): whose record it is by email where the employee number is
    # empty or another employer's, the passport that with the Item's title names an item without a code, and
    # how it was recorded there (kept in the imported entry's note).
    "email": ("email", "email address"),
    "passport": (),
    "how": (),
}
# Whose record a row is: either column will do (the employee number first).
WHO = ("employee_number", "email")
# What an activity cell may say (PRODUCT.md §6.3): empty is the initial activity.
ACTIVITY_WORDS = {"": EntryActivity.INITIAL, "initial": EntryActivity.INITIAL,
                  "initial activity": EntryActivity.INITIAL, "refresher": EntryActivity.REFRESHER}
# A Status cell that says the record counts; rows with another status are skipped and counted.
COUNTING = {"", "accepted", "complete", "completed", "achieved", "passed"}


@dataclass
class CompletionsPlan:
    rows: list[dict] = field(default_factory=list)      # what will be added
    already: int = 0                                     # on record already: skipped
    problems: list[Problem] = field(default_factory=list)
    template_names: dict[int, str] = field(default_factory=dict)
    skipped: dict[str, "Skipped"] = field(default_factory=dict)   # by normalised name, in file order

    @property
    def skipped_rows(self) -> int:
        return sum(s.count for s in self.skipped.values())

    def skipped_names(self) -> list["Skipped"]:
        """The names no published passport holds, most rows first: what the preview lists."""
        return sorted(self.skipped.values(), key=lambda s: (-s.count, s.name.casefold()))
    ignored: list[str] = field(default_factory=list)      # the file's columns that are none of the import's
    not_counting: dict[str, int] = field(default_factory=dict)   # rows skipped by their status: status -> rows
    batch_id: int | None = None       # the import, once its first completions are added

    @property
    def with_certificate_expiry(self) -> int:
        """The rows to add that carry a certificate's own expiry (PRODUCT.md §6.3)."""
        return sum(1 for row in self.rows if row["expires_on"] is not None)

    @property
    def refreshers(self) -> int:
        """The rows to add that are refreshers."""
        return sum(1 for row in self.rows if row["activity"] is EntryActivity.REFRESHER)

    def by_item(self) -> list[tuple[str, str, int]]:
        """What the rows were matched to, for the preview: (item, passport, completions), most first."""
        counts: dict[int, list] = {}
        for row in self.rows:
            item = row["item"]
            counts.setdefault(item.id, [item.title, self.template_names.get(item.template_id, ""), 0])[2] += 1
        return sorted((tuple(v) for v in counts.values()), key=lambda v: (-v[2], v[1], v[0]))


def template_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(EXAMPLE)
    return out.getvalue()


@dataclass
class Skipped:
    """Rows naming a subject no published passport holds: not errors (a trust's export holds far more than
    its passports), listed with their count; *suggestions* are the codes and names that would match something
    close, shown and never applied."""
    name: str
    count: int = 0
    suggestions: list[str] = field(default_factory=list)


@dataclass
class Match:
    item: Item | None = None
    problem: str | None = None      # the row is refused (the import stops)


def _item_finder():
    """Find the item a row means, for one person: by an item's exact code or one of its listed national
    names (PRODUCT.md §6.1: case, spaces and a trailing | ignored), never by similarity.

    Only live items of published templates are matched: a draft, a copy in the making or an archived
    template is never written into. Items sharing a code are one subject, so a row matching several of
    them goes to the one in a passport the person holds (it counts for all of them anyway). A name that
    answers to several subjects is narrowed to the passports the person holds; if that still leaves more
    than one, the row is refused rather than guessed. A row matching nothing is skipped (Match() with
    neither item nor problem)."""
    rows = db.session.execute(
        select(Item, PassportTemplate.name, PassportTemplate.status)
        .join(PassportTemplate, PassportTemplate.id == Item.template_id)
        .where(Item.archived_at.is_(None))
        .order_by(PassportTemplate.name, Item.id)).all()
    items = {item.id: (item, name, status) for item, name, status in rows}
    live = [(item, name) for item, name, status in rows if status == TemplateStatus.PUBLISHED]
    template_names = {item.template_id: name for item, name in live}
    # SkillPass's own records export names an item without a code by its passport and title, exactly.
    by_title: dict[tuple[str, str], list[Item]] = {}
    for item, name in live:
        by_title.setdefault((normalise_name(name), normalise_name(item.title)), []).append(item)
    unpublished_titles = {(normalise_name(name), normalise_name(item.title)): (name, status)
                          for item, name, status in rows if status != TemplateStatus.PUBLISHED}
    by_code: dict[str, list[Item]] = {}
    by_name: dict[str, list[Item]] = {}
    unpublished: dict[str, tuple[str, TemplateStatus]] = {}
    close: dict[str, str] = {}      # what a skipped row may be told it resembles: normalised → words
    for item, _name in live:
        if item.code:
            by_code.setdefault(normalise_code(item.code), []).append(item)
            close.setdefault(normalise_name(item.code), item.code)
    for item_id, name, normalised in national_names.all_names():
        if item_id not in items:
            continue
        item, template_name, status = items[item_id]
        if status == TemplateStatus.PUBLISHED:
            by_name.setdefault(normalised, []).append(item)
            close.setdefault(normalised, f"{name} ({item.code})" if item.code else name)
        else:
            unpublished.setdefault(normalised, (template_name, status))
    for item, template_name, status in items.values():
        if item.code and status != TemplateStatus.PUBLISHED:
            unpublished.setdefault(normalise_code(item.code).casefold(), (template_name, status))
    held: dict[int, set[int]] = {}
    for person_id, template_id in db.session.execute(
            select(Assignment.person_id, Assignment.template_id).where(Assignment.removed_on.is_(None))):
        held.setdefault(person_id, set()).add(template_id)

    def choose(raw: str, candidates: list[Item], person: Person | None) -> Match:
        if person is None:
            return Match()     # the unknown employee number is the row's problem; which item can wait
        mine = [i for i in candidates if i.template_id in held.get(person.id, set())]
        subjects = {subject_key(i.id, i.code) for i in candidates}
        if len(subjects) == 1:
            return Match(item=(mine or candidates)[0])
        if len({subject_key(i.id, i.code) for i in mine}) == 1:
            return Match(item=mine[0])
        passports = sorted({template_names[i.template_id] for i in (mine or candidates)})
        holder = f" that {person.name} holds" if mine else f", none of which {person.name} holds"
        return Match(problem=(f"“{raw}” is listed by different subjects in several passports{holder} "
                              f"({', '.join(passports)}): list it on one item only, or give the items one code."))

    def find(raw: str, person: Person | None = None, *, passport: str = "", title: str = "") -> Match:
        raw = raw.strip()
        if not raw:
            return Match(problem="Enter an item code or national name.")
        candidates = by_code.get(normalise_code(raw)) or by_name.get(normalise_name(raw))
        if not candidates and passport and title:     # SkillPass's own export: its passport and title
            key = (normalise_name(passport), normalise_name(title))
            candidates = by_title.get(key)
            elsewhere = unpublished_titles.get(key)
            if not candidates and elsewhere and elsewhere[1] is TemplateStatus.ARCHIVED:
                return Match()      # a record of a passport retired here: skipped, as one no passport holds
        if candidates:
            return choose(raw, candidates, person)
        elsewhere = unpublished.get(normalise_name(raw)) or (
            unpublished_titles.get((normalise_name(passport), normalise_name(title))) if passport and title else None)
        if elsewhere and passport and elsewhere[1] is TemplateStatus.ARCHIVED:
            return Match()
        if elsewhere:
            name, status = elsewhere
            return Match(problem=(f"“{raw}” is only in {name}, which is {status.value}: "
                                  "completions are imported into published passports only."))
        return Match()

    find.template_names = template_names  # type: ignore[attr-defined]
    find.suggest = lambda raw: suggestions(raw, close)  # type: ignore[attr-defined]
    return find


def plan(text: str, *, today: dt.date) -> CompletionsPlan:
    result = CompletionsPlan()
    try:
        _plan(csv_rows(text), result, today=today)
    except Unreadable as error:
        result.problems.append(error.problem)
    return result


def _plan(rows: Iterator[tuple[int, list[str]]], result: CompletionsPlan, *, today: dt.date) -> None:
    try:
        _, header = next(rows)
    except StopIteration:
        result.problems.append(Problem(1, "", "The file is empty: it needs a header row and at least one completion."))
        return
    found = columns(header, aliases=ALIASES, required=REQUIRED)
    if not any(name in found.sources for name in WHO):
        found.problems.append(Problem(1, "employee_number", "Missing column: employee_number (or employee number, "
                                                            "employee no, staff number) or email (or email address)."))
    result.ignored = found.ignored
    # The Item column's own cell (a title in SkillPass's export), beside the Code the item column reads first.
    title_at = next((i for i, name in enumerate(header) if " ".join(name.lstrip("\ufeff").lower().split()) == "item"),
                    None) if "passport" in found.sources else None
    header = found.names
    if found.problems:
        result.problems.extend(found.problems)
        return

    everyone = db.session.scalars(select(Person)).all()
    people = {p.employee_number: p for p in everyone if p.employee_number is not None}
    by_email = {p.email.casefold(): p for p in everyone if p.email}
    find = _item_finder()
    result.template_names = find.template_names  # type: ignore[attr-defined]
    # A completion is on record once for its subject, whichever passport's item it was recorded against.
    on_record = {(person_id, subject_key(item_id, code), on) for person_id, item_id, code, on in db.session.execute(
        select(Entry.person_id, Entry.item_id, Item.code, Entry.completed_on).join(Item, Item.id == Entry.item_id)
        .where(Entry.status == EntryStatus.ACCEPTED))}
    in_file: dict[tuple, int] = {}
    for line_no, raw in rows:
        if not any(cell.strip() for cell in raw):
            continue
        if bad := control_problems(line_no, header, raw):
            result.problems.extend(bad)
            continue
        row = found.read(raw)
        if " ".join(row.get("status", "").lower().split()) not in COUNTING:
            status = " ".join(row["status"].split())
            result.not_counting[status] = result.not_counting.get(status, 0) + 1
            continue
        problems = []
        person, who = _who(line_no, row, people, by_email)
        if who:
            problems.append(who)
        title = raw[title_at].strip() if title_at is not None and title_at < len(raw) else ""
        match = find(row.get("item", ""), person, passport=row.get("passport", ""), title=title)
        item = match.item
        if match.problem:
            problems.append(Problem(line_no, "item", match.problem))
        completed = parse_date(row.get("completed_on", ""))
        if completed is None:
            problems.append(Problem(line_no, "completed_on", date_problem(row.get("completed_on", ""))))
        elif completed > today:
            problems.append(Problem(line_no, "completed_on", "In the future."))
        elif completed < EARLIEST_DATE:
            problems.append(Problem(line_no, "completed_on", TOO_EARLY))
        expires = None
        if row.get("expires_on"):
            expires = parse_date(row["expires_on"])
            if expires is None:
                problems.append(Problem(line_no, "expires_on", date_problem(row["expires_on"])))
            elif completed is not None and expires <= completed:
                problems.append(Problem(line_no, "expires_on", "Not after the completion date."))
        activity = ACTIVITY_WORDS.get(" ".join(row.get("activity", "").lower().split()))
        if activity is None:
            problems.append(Problem(line_no, "activity", f"“{row['activity'].strip()}” is neither initial nor "
                                                         f"refresher: write one of them, or leave it empty "
                                                         f"for the initial activity."))
        elif activity is EntryActivity.REFRESHER and item is not None and not item.has_refresher:
            problems.append(Problem(line_no, "activity", f"{item.title} has no refresher: leave the activity "
                                                         f"empty, or write initial."))
        if problems:
            result.problems.extend(problems)
            continue
        if item is None:    # no published passport holds it: skipped, not an error
            name = row.get("item", "").strip()
            skipped = result.skipped.get(normalise_name(name))
            if skipped is None:
                skipped = result.skipped[normalise_name(name)] = Skipped(name, suggestions=find.suggest(name))
            skipped.count += 1
            continue
        key = (person.id, subject_key(item.id, item.code), completed)
        if key in in_file:
            result.problems.append(Problem(line_no, "", f"The same completion as row {in_file[key]}."))
            continue
        in_file[key] = line_no
        if key in on_record:
            result.already += 1
            continue
        if expires is not None and expires == expiry_date(completed, item.frequency_months):
            expires = None      # the item's own rule, to the day: nothing of the certificate's own to keep
        result.rows.append(dict(row=line_no, person=person, item=item, completed_on=completed, expires_on=expires,
                                activity=activity, how=" ".join(row.get("how", "").split())[:200]))
    if (not result.problems and not result.rows and not result.already and not result.skipped
            and not result.not_counting):
        result.problems.append(Problem(2, "", "There are no completions below the header row."))


def _who(line_no: int, row: dict, people: dict, by_email: dict) -> tuple[Person | None, Problem | None]:
    """Whose record a row is: by its employee number, else (none given, or another employer's) by its email, as
    SkillPass's own records export gives both. A number and an email naming two different people is refused."""
    number, email = row.get("employee_number", ""), row.get("email", "")
    by_number = people.get(number) if number else None
    mailed = by_email.get(email.casefold()) if email else None
    if by_number is not None and mailed is not None and by_number.id != mailed.id:
        return None, Problem(line_no, "email", f"The employee number “{number}” is {by_number.name}'s but the "
                                               f"email “{email}” is {mailed.name}'s.")
    person = by_number or mailed
    if person is not None:
        return person, None
    if number and email:
        return None, Problem(line_no, "employee_number", f"Nobody has the employee number “{number}” or the "
                                                         f"email “{email}”.")
    if email:
        return None, Problem(line_no, "email", f"Nobody has the email “{email}”.")
    return None, Problem(line_no, "employee_number", f"Nobody has the employee number “{number}”.")


def apply(plan_: CompletionsPlan, *, actor: Person, filename: str) -> int:
    """Add every completion of a checked plan, in the caller's one transaction."""
    for _ in apply_batches(plan_, actor=actor, filename=filename, size=max(len(plan_.rows), 1)):
        pass
    return len(plan_.rows)


def apply_batches(plan_: CompletionsPlan, *, actor: Person, filename: str, size: int | None = None,
                  kept: ImportBatch | None = None, reported: dict | None = None) -> Iterator[int]:
    """Add the completions *size* at a time (None: BATCH); after each batch it yields how many are
    done, and the caller commits. The import's own audit entry comes with the last batch. *kept*: the import's
    batch, made already (else one is started here); *reported*: the counts its audit entry gives ({"added",
    "already"}), when this plan is the rest of an import begun earlier (a job handed on:
    services/import_runs.py)."""
    now = clock.now()
    rows = plan_.rows
    # Ids and titles now, while everything is loaded: after a batch is committed, the people and items of
    # the plan are expired, and reading them again would cost a query each.
    plain = [(row["person"].id, row["item"].id, row["item"].title) for row in rows]
    size = size or BATCH
    done = 0
    if kept is None:
        kept = import_batches.start(actor=actor, filename=filename)     # the import, one thing to find and revoke
    plan_.batch_id = kept.id
    for start in range(0, max(len(rows), 1), size):
        batch = rows[start:start + size]
        ids = plain[start:start + size]
        entries = []
        for row, (person_id, item_id, _) in zip(batch, ids):
            note = f"Imported from {filename}, row {row['row']}."
            if row.get("how"):      # SkillPass's own export: how it was recorded where it came from
                note += f" Recorded there as: {row['how']}."
            entries.append(Entry(person_id=person_id, item_id=item_id, completed_on=row["completed_on"],
                                 method=EntryMethod.IMPORTED, status=EntryStatus.ACCEPTED, note=note,
                                 recorded_by_id=actor.id, recorded_at=now, activity=row["activity"],
                                 certificate_expires_on=row["expires_on"]))
        db.session.add_all(entries)
        db.session.flush()     # the batch at once; then each entry's audit, which names it by id
        import_batches.add_entries(kept, entries)
        for row, entry, (person_id, _, title) in zip(batch, entries, ids):
            done_as = "refresher" if row["activity"] is EntryActivity.REFRESHER else "completed"
            own_expiry = f", certificate expires {format_date(row['expires_on'])}" if row["expires_on"] else ""
            audit.log(actor=actor, action=Action.ENTRY_IMPORTED, subject=entry, person_id=person_id,
                      summary=f"{title}: {done_as} {format_date(row['completed_on'])}{own_expiry}, "
                              f"imported from {filename} row {row['row']}",
                      after={**audit.snapshot(entry, ENTRY_FIELDS), "file": filename, "row": row["row"]})
        done += len(batch)
        if done >= len(rows):
            counts = reported or {"added": len(rows), "already": plan_.already}
            audit.log(actor=actor, action=Action.IMPORT_COMPLETIONS, subject=kept, person_id=None,
                      summary=f"Completions imported from {filename}: {counts['added']} added, "
                              f"{counts['already']} already on record",
                      after={"file": filename, "added": counts["added"], "already": counts["already"]})
        db.session.flush()
        yield done
