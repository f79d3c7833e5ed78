"""Training sessions (registers): one item, one date, many people, recorded by an educator or an admin.

Each attendee gets an entry accepted at once, in the recorder's name (as observed practice is), audited, and
naming its session; nobody gets two entries from one session. Someone whose entry for the item awaits a
decision, or who already has that item accepted on that date, is left out and named: their own entry is
decided (or stands) first. Every function here is a fixed number of queries, whatever the number of people.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from skillpass import clock
from skillpass.permissions import visible_team_ids
from skillpass.extensions import db
from skillpass.inputs import refuse_controls
from skillpass.labels import Action
from skillpass.models import (
    Assignment,
    Entry,
    EntryMethod,
    EntryStatus,
    Evidence,
    Item,
    PassportTemplate,
    Person,
    Section,
    Team,
    TemplateStatus,
    TrainingSession,
)
from skillpass.rules import format_date
from skillpass.services import audit
from skillpass.services import evidence as evidence_service
from skillpass.services.entries import ENTRY_FIELDS, completion_date_problem
from skillpass.services.errors import NotAllowed, ValidationFailed
from skillpass.services.search import contains

SESSION_FIELDS = ["item_id", "held_on", "trainer", "venue", "evidence_id"]
MAX_PEOPLE = 1000        # one register; a bigger list is a mistake (a whole export pasted in)
LIST_LIMIT = 500         # people offered at once: search narrows it


def is_staff(person: Person) -> bool:
    return person.is_admin or person.is_educator


# ---------------------------------------------------------------- the form's choices

@dataclass(frozen=True)
class ItemChoice:
    id: int
    title: str
    code: str
    template: str


def item_choices() -> list[ItemChoice]:
    """Every live item of the published passports, passport by passport, in their order."""
    rows = db.session.execute(
        select(Item.id, Item.title, Item.code, PassportTemplate.name)
        .join(PassportTemplate, PassportTemplate.id == Item.template_id)
        .join(Section, Section.id == Item.section_id)
        .where(PassportTemplate.status == TemplateStatus.PUBLISHED, Item.archived_at.is_(None))
        .order_by(PassportTemplate.name, Section.position, Section.id, Item.position, Item.id))
    return [ItemChoice(id=i, title=t, code=c or "", template=n) for i, t, c, n in rows]


def session_item(item_id: int | None) -> Item | None:
    """The item a session may be recorded for: live, in a published passport; else None."""
    if item_id is None:
        return None
    return db.session.scalar(
        select(Item).join(PassportTemplate, PassportTemplate.id == Item.template_id)
        .where(Item.id == item_id, Item.archived_at.is_(None), PassportTemplate.status == TemplateStatus.PUBLISHED))


def _in_scope(actor: Person, item: Item):
    """People the actor may record the item for: active, someone else, holding the item's passport, and (an
    educator) in a team they support."""
    stmt = (select(Person)
            .join(Assignment, and_(Assignment.person_id == Person.id, Assignment.template_id == item.template_id,
                                   Assignment.removed_on.is_(None)))
            .where(Person.active.is_(True), Person.id != actor.id))
    teams = visible_team_ids(actor)
    if teams is not None:
        stmt = stmt.where(Person.team_id.in_(teams))
    return stmt


def candidates(actor: Person, item: Item | None, *, q: str = "", ticked: tuple[int, ...] = ()) -> list[Person]:
    """The people to tick: those in scope matching the search (name, employee number, email, team), and the
    ones already ticked whatever the search, so a narrower search never unticks anyone. One query."""
    if item is None or not is_staff(actor):
        return []
    stmt = _in_scope(actor, item).outerjoin(Team, Team.id == Person.team_id)
    q = (q or "").strip()
    if q:
        match = or_(*(contains(c, q) for c in (Person.name, Person.employee_number, Person.email, Team.name)))
        stmt = stmt.where(or_(match, Person.id.in_(ticked)) if ticked else match)
    return list(db.session.scalars(stmt.order_by(Person.name, Person.id).limit(LIST_LIMIT)))


def parse_numbers(text: str) -> list[str]:
    """Employee numbers pasted one a line, or separated by commas, semicolons, tabs or spaces."""
    seen: dict[str, None] = {}
    for part in re.split(r"[\s,;]+", text or ""):
        if part:
            seen.setdefault(part, None)
    return list(seen)


# ---------------------------------------------------------------- recording a session

@dataclass
class Recorded:
    session: TrainingSession
    entries: list[Entry]
    left_out: list[str] = field(default_factory=list)   # "Lee Learner (E00001): an entry awaits sign-off"


def _who(person: Person) -> str:
    return f"{person.name} ({person.employee_number})" if person.employee_number else person.name


def record_session(*, actor: Person, item: Item | None, held_on: dt.date | None, trainer: str, venue: str,
                   person_ids: list[int], numbers_text: str, today: dt.date, upload=None,
                   max_upload_mb: int = 10) -> Recorded:
    """Record a session and an accepted entry for each attendee. ValidationFailed with per-field messages
    (item, held_on, trainer, venue, people, employee_numbers, evidence); nothing is written then."""
    if not is_staff(actor):
        raise NotAllowed("Only an educator or an admin records a training session.")
    errors: dict[str, str] = {}
    refuse_controls(errors, trainer=trainer, venue=venue, employee_numbers=numbers_text)
    trainer, venue = (trainer or "").strip(), (venue or "").strip()
    if item is None:
        errors["item"] = "Choose the item the session covered."
    if "trainer" not in errors:
        if not trainer:
            errors["trainer"] = "Enter who ran the session."
        elif len(trainer) > 200:
            errors["trainer"] = "Use 200 characters or fewer."
    if "venue" not in errors and len(venue) > 200:
        errors["venue"] = "Use 200 characters or fewer."
    problem = completion_date_problem(held_on, today=today,
                                      missing="Enter the date of the session, for example 15/01/2026.")
    if problem:
        errors["held_on"] = problem

    numbers = [] if "employee_numbers" in errors else parse_numbers(numbers_text)
    ticked = list(dict.fromkeys(person_ids))
    attendees: list[Person] = []
    if len(numbers) + len(ticked) > MAX_PEOPLE:
        errors["people"] = f"A session can record up to {MAX_PEOPLE:,} people at once."
    elif item is not None and "employee_numbers" not in errors:
        attendees = _attendees(actor, item, ticked, numbers, errors)
        if not attendees and not (errors.get("people") or errors.get("employee_numbers")):
            errors["people"] = "Tick the people who attended, or paste their employee numbers."

    checked = None
    try:
        checked = evidence_service.check(upload, max_mb=max_upload_mb)
    except ValidationFailed as error:
        errors.update(error.errors)
    if errors:
        raise ValidationFailed(errors)

    left_out = _left_out(item, held_on, attendees)
    attendees = [p for p in attendees if p.id not in left_out]
    if not attendees:
        raise ValidationFailed({"people": "Nobody could be recorded: " + "; ".join(left_out.values()) + "."})

    sheet = evidence_service.save(checked, person=actor, actor=actor) if checked else None
    now = clock.now()
    session = TrainingSession(item_id=item.id, held_on=held_on, trainer=trainer, venue=venue,
                              evidence_id=getattr(sheet, "id", None), recorded_by_id=actor.id, recorded_at=now)
    db.session.add(session)
    db.session.flush()
    entries = []
    for person in attendees:
        entry = Entry(person_id=person.id, item_id=item.id, completed_on=held_on, method=EntryMethod.HERE,
                      session_id=session.id, status=EntryStatus.ACCEPTED, recorded_by_id=actor.id, recorded_at=now)
        # The recorder's register is their sign-off: name and job title as they are today (as observed practice).
        entry.stamp(EntryStatus.ACCEPTED, by=actor, at=now)
        entries.append(entry)
    db.session.add_all(entries)
    db.session.flush()
    where = f" at {venue}" if venue else ""
    audit.log(actor=actor, action=Action.SESSION_RECORDED, subject=session, person_id=None,
              summary=f"{item.title}: training session on {format_date(held_on)}, run by {trainer}{where},"
                      f" for {len(entries)} {'person' if len(entries) == 1 else 'people'}",
              after={**audit.snapshot(session, SESSION_FIELDS), "people": [p.id for p in attendees]})
    for entry in entries:
        audit.log(actor=actor, action=Action.ENTRY_RECORDED, subject=entry, person_id=entry.person_id,
                  summary=f"{item.title}: attended a training session on {format_date(held_on)}, run by {trainer}"
                          f" (accepted)",
                  after={**audit.snapshot(entry, ENTRY_FIELDS), "session_id": session.id})
    return Recorded(session=session, entries=entries, left_out=list(left_out.values()))


def _attendees(actor: Person, item: Item, ticked: list[int], numbers: list[str], errors: dict) -> list[Person]:
    """The people named, ticked or pasted, each checked; what is wrong goes into *errors*, by name."""
    if not ticked and not numbers:
        return []
    found = list(db.session.scalars(
        select(Person).where(or_(Person.id.in_(ticked), Person.employee_number.in_(numbers)))))
    allowed = {p.id for p in db.session.scalars(
        _in_scope(actor, item).where(Person.id.in_([p.id for p in found])))} if found else set()
    holds = set(db.session.scalars(select(Assignment.person_id).where(
        Assignment.person_id.in_([p.id for p in found]), Assignment.template_id == item.template_id,
        Assignment.removed_on.is_(None)))) if found else set()
    by_id = {p.id: p for p in found}
    by_number = {p.employee_number: p for p in found if p.employee_number}

    def refusal(person: Person) -> str | None:
        if person.id in allowed:
            return None
        if person.id == actor.id:
            return f"{_who(person)} is you: nobody records their own attendance"
        if not person.active:
            return f"{_who(person)} is deactivated"
        if person.id not in holds:
            return f"{_who(person)} does not hold the passport with {item.title}"
        return f"{_who(person)} is not in a team you support"

    chosen: dict[int, Person] = {}
    problems: dict[str, list[str]] = {"people": [], "employee_numbers": []}
    unknown = [n for n in numbers if n not in by_number]
    for pid in ticked:
        person = by_id.get(pid)
        if person is None:
            problems["people"].append("someone ticked is no longer there: search again")
        elif (why := refusal(person)) is not None:
            problems["people"].append(why)
        else:
            chosen[person.id] = person
    for number in numbers:
        person = by_number.get(number)
        if person is None:
            continue
        if (why := refusal(person)) is not None:
            problems["employee_numbers"].append(why)
        else:
            chosen[person.id] = person
    if unknown:
        problems["employee_numbers"].insert(
            0, f"no one has the employee number{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}")
    for name, found_problems in problems.items():
        if found_problems:
            text = "; ".join(dict.fromkeys(found_problems))
            errors[name] = f"Not recorded: {text}."
    return sorted(chosen.values(), key=lambda p: (p.name, p.id))


def _left_out(item: Item, held_on: dt.date, attendees: list[Person]) -> dict[int, str]:
    """Attendees whose entry for the item awaits a decision (decided first, from the queue or their passport),
    or who have it accepted on that very date already (nothing new to record): who, and why."""
    if not attendees:
        return {}
    rows = db.session.execute(select(Entry.person_id, Entry.status).where(
        Entry.person_id.in_([p.id for p in attendees]), Entry.item_id == item.id,
        or_(Entry.status == EntryStatus.AWAITING,
            and_(Entry.status == EntryStatus.ACCEPTED, Entry.completed_on == held_on))))
    by_id = {p.id: p for p in attendees}
    out: dict[int, str] = {}
    for person_id, status in rows:
        person = by_id[person_id]
        if status is EntryStatus.AWAITING:
            out[person_id] = f"{_who(person)}: their own entry awaits sign-off, so decide it first"
        else:
            out.setdefault(person_id, f"{_who(person)}: already recorded on {format_date(held_on)}")
    return dict(sorted(out.items(), key=lambda kv: (by_id[kv[0]].name, kv[0])))


# ---------------------------------------------------------------- reading sessions

def can_view(actor: Person, session: TrainingSession) -> bool:
    """Admins; whoever recorded it; an educator when it includes people of a team they support."""
    if actor.is_admin or session.recorded_by_id == actor.id:
        return True
    if not actor.is_educator:
        return False
    teams = visible_team_ids(actor)
    return db.session.scalar(
        select(Entry.id).join(Person, Person.id == Entry.person_id)
        .where(Entry.session_id == session.id, Person.team_id.in_(teams)).limit(1)) is not None


@dataclass
class Attendee:
    person: Person
    team: str
    entry: Entry


@dataclass
class SessionView:
    session: TrainingSession
    item: Item
    template: str
    recorded_by: Person
    sheet: Evidence | None
    attendees: list[Attendee]


def session_view(session: TrainingSession) -> SessionView:
    item, template = db.session.execute(
        select(Item, PassportTemplate.name).join(PassportTemplate, PassportTemplate.id == Item.template_id)
        .where(Item.id == session.item_id)).one()
    recorded_by = db.session.get(Person, session.recorded_by_id)
    sheet = db.session.get(Evidence, session.evidence_id) if session.evidence_id else None
    rows = db.session.execute(
        select(Entry, Person, Team.name).join(Person, Person.id == Entry.person_id)
        .outerjoin(Team, Team.id == Person.team_id)
        .where(Entry.session_id == session.id).order_by(Person.name, Person.id))
    return SessionView(session=session, item=item, template=template, recorded_by=recorded_by, sheet=sheet,
                       attendees=[Attendee(person=p, team=t or "", entry=e) for e, p, t in rows])


@dataclass(frozen=True)
class SessionRow:
    id: int
    held_on: dt.date
    item: str
    template: str
    trainer: str
    venue: str
    recorded_by: str
    people: int


def recent_sessions(actor: Person, *, limit: int = 100) -> list[SessionRow]:
    """The latest sessions the actor may see, newest first, with how many attended. One query."""
    people = (select(Entry.session_id, func.count(Entry.id).label("n"))
              .where(Entry.session_id.is_not(None)).group_by(Entry.session_id).subquery())
    stmt = (select(TrainingSession.id, TrainingSession.held_on, Item.title, PassportTemplate.name,
                   TrainingSession.trainer, TrainingSession.venue, Person.name, func.coalesce(people.c.n, 0))
            .join(Item, Item.id == TrainingSession.item_id)
            .join(PassportTemplate, PassportTemplate.id == Item.template_id)
            .join(Person, Person.id == TrainingSession.recorded_by_id)
            .outerjoin(people, people.c.session_id == TrainingSession.id))
    teams = visible_team_ids(actor)
    if teams is not None:
        attendee = aliased(Person)
        theirs = (select(Entry.session_id).join(attendee, attendee.id == Entry.person_id)
                  .where(Entry.session_id.is_not(None), attendee.team_id.in_(teams)))
        stmt = stmt.where(or_(TrainingSession.recorded_by_id == actor.id, TrainingSession.id.in_(theirs)))
    stmt = stmt.order_by(TrainingSession.held_on.desc(), TrainingSession.id.desc()).limit(limit)
    return [SessionRow(*row) for row in db.session.execute(stmt)]
