"""Confirmed levels (PRODUCT.md §6.5): an educator records the level they confirm a person has in an area,
with a note. Each confirmation is appended (the latest counts) and the person's kept standing is updated in
the same transaction; the self-assessed level is never touched, so the two are shown side by side.

Also what the person's skills page for staff reads: the published frameworks, where the person stands in
each, and the date of their latest submitted self-assessment of each."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.inputs import refuse_controls
from skillpass.labels import Action
from skillpass.models import Person, TemplateStatus
from skillpass.models.skills import (
    ConfirmedLevel, SelfAssessment, SkillArea, SkillLevel, SkillsFramework, SkillStanding,
)
from skillpass.permissions import can_decide_for
from skillpass.services import audit
from skillpass.services.errors import NotAllowed, ValidationFailed
from skillpass.services.skills import routes, standing
from skillpass.services.skills.standing import AreaStanding

NOTE_LIMIT = 2000


def parse_level(raw: str | None, *, field: str, lowest: int = 0, message: str = "") -> SkillLevel:
    """A level chosen on a form ("0"–"4"), or ValidationFailed naming *field*."""
    raw = (raw or "").strip()
    if raw.isdecimal() and raw.isascii() and len(raw) == 1 and lowest <= int(raw) <= 4:
        return SkillLevel(int(raw))
    raise ValidationFailed(message or "Choose a level.", field=field)


def live_area(area_id: int) -> SkillArea | None:
    """An area of a published framework that is not retired (the only ones confirmed or targeted)."""
    area = db.session.get(SkillArea, area_id)
    if area is None or area.retired_at is not None:
        return None
    framework = db.session.get(SkillsFramework, area.framework_id)
    return area if framework is not None and framework.status is TemplateStatus.PUBLISHED else None


def area_standing(person: Person, area: SkillArea) -> AreaStanding:
    return next(row for row in standing.for_person(person, area.framework_id) if row.area_id == area.id)


def confirm(*, actor: Person, person: Person, area: SkillArea, level: str | None, note: str | None,
            today: dt.date) -> ConfirmedLevel:
    """Append a confirmed level and keep it as the person's confirmed standing in the area.

    The note is required when the level differs from the self-assessed one (or there is none): the person
    and later readers see why."""
    if not can_decide_for(actor, person):
        raise NotAllowed("You cannot confirm levels for this person.", field="__all__")
    note = (note or "").strip()
    errors: dict[str, str] = {}
    chosen = None
    try:
        chosen = parse_level(level, field="level", message="Choose the level you confirm.")
    except ValidationFailed as error:
        errors.update(error.errors)
    refuse_controls(errors, note=note)
    if len(note) > NOTE_LIMIT and "note" not in errors:
        errors["note"] = f"Keep the note to {NOTE_LIMIT} characters or fewer."
    held = db.session.get(SkillStanding, (person.id, area.id))
    self_level = SkillLevel(held.self_level) if held is not None and held.self_level is not None else None
    if chosen is not None and not note and "note" not in errors and chosen != self_level:
        errors["note"] = (f"Say why you confirm {chosen.label}: {person.name} assessed themselves as "
                          f"{self_level.label}" if self_level is not None else
                          f"Say how you know {person.name} is {chosen.label}: they have not assessed this area yet")
    if errors:
        raise ValidationFailed(errors)
    row = ConfirmedLevel(person_id=person.id, area_id=area.id, level=int(chosen), note=note, confirmed_on=today,
                         confirmed_by_id=actor.id, confirmed_by_name=actor.name)
    db.session.add(row)
    kept = standing.kept_row(person.id, area.id)
    before = {"confirmed_level": kept.confirmed_level, "confirmed_on": kept.confirmed_on}
    kept.confirmed_level, kept.confirmed_on = int(chosen), today
    kept.confirmed_by_name, kept.confirmed_note = actor.name, note
    db.session.flush()
    audit.log(actor=actor, action=Action.SKILL_LEVEL_CONFIRMED, subject=row, person_id=person.id,
              summary=f"{area.name}: confirmed {chosen.label} for {person.name}"
                      + (f" (self-assessed {self_level.label})" if self_level is not None else ""),
              before=before, after={"confirmed_level": int(chosen), "confirmed_on": today, "note": note})
    return row


@dataclass(frozen=True)
class Evidence:
    """What an educator sees when confirming a level: the person's completed items linked to the area, and
    the qualifications that exempt them in it."""

    completed: list[routes.RouteOption]
    exempt_reason: str


def evidence(person: Person, row: AreaStanding) -> Evidence:
    options = routes.for_areas(person.id, [row.area_id]).get(row.area_id, [])
    return Evidence([o for o in options if o.is_item and o.completed_on is not None], row.exempt_reason)


@dataclass
class FrameworkStanding:
    framework: SkillsFramework
    rows: list[AreaStanding]
    submitted_on: dt.date | None      # the person's latest submitted self-assessment of it


def published_frameworks() -> list[SkillsFramework]:
    return list(db.session.scalars(select(SkillsFramework).where(SkillsFramework.status == TemplateStatus.PUBLISHED)
                                   .order_by(SkillsFramework.name, SkillsFramework.id)))


def person_skills(person: Person) -> list[FrameworkStanding]:
    """Every published framework and where the person stands in it: a fixed number of queries per framework,
    whatever the number of areas, assessments, confirmations or targets."""
    frameworks = published_frameworks()
    if not frameworks:
        return []
    latest = dict(db.session.execute(
        select(SelfAssessment.framework_id, func.max(SelfAssessment.submitted_on))
        .where(SelfAssessment.person_id == person.id, SelfAssessment.submitted_on.is_not(None),
               SelfAssessment.framework_id.in_([f.id for f in frameworks]))
        .group_by(SelfAssessment.framework_id)).all())
    return [FrameworkStanding(f, standing.for_person(person, f.id), latest.get(f.id)) for f in frameworks]


def history(person_id: int, area_id: int, limit: int = 5) -> list[ConfirmedLevel]:
    """The latest confirmations of the area for the person, newest first."""
    return list(db.session.scalars(
        select(ConfirmedLevel).where(ConfirmedLevel.person_id == person_id, ConfirmedLevel.area_id == area_id)
        .order_by(ConfirmedLevel.confirmed_at.desc(), ConfirmedLevel.id.desc()).limit(limit)))
