"""A framework's areas and their statements: add, edit, move, retire or remove, restore — checked, audited
(as changes to the framework), made in the caller's transaction.

An area or statement that anyone has answered (or that a level, target, exemption or route names) is
retired, never deleted: submitted assessments and confirmed levels keep pointing at it. One nobody has used
is removed outright.
"""
from __future__ import annotations

from sqlalchemy import delete, func, select, union

from skillpass import clock
from skillpass.extensions import db
from skillpass.inputs import refuse_controls
from skillpass.labels import Action, describe_changes
from skillpass.models import Person
from skillpass.models.skills import (
    ConfirmedLevel,
    SelfAssessedLevel,
    SelfAssessmentAnswer,
    SkillArea,
    SkillExemption,
    SkillLevel,
    SkillRoute,
    SkillsFramework,
    SkillStanding,
    SkillStatement,
    SkillTarget,
)
from skillpass.services import audit
from skillpass.services.errors import ValidationFailed

AREA_FIELDS = ["name", "description"]


def clean(value: str | None) -> str:
    return " ".join((value or "").split())


def used(area_ids: list[int]) -> tuple[set[int], set[int]]:
    """Of these areas, those anything refers to (an answer, a level, a target, an exemption, a route); and
    the statements of theirs that anyone answered. Two queries."""
    if not area_ids:
        return set(), set()
    answered = set(db.session.scalars(
        select(SelfAssessmentAnswer.statement_id).distinct()
        .join(SkillStatement, SkillStatement.id == SelfAssessmentAnswer.statement_id)
        .where(SkillStatement.area_id.in_(area_ids))))
    referring = union(*(select(model.area_id).where(model.area_id.in_(area_ids)) for model in (
        SelfAssessedLevel, ConfirmedLevel, SkillStanding, SkillTarget, SkillExemption, SkillRoute)),
        select(SkillStatement.area_id).where(SkillStatement.id.in_(answered or [-1])))
    return set(db.session.scalars(referring)), answered


def _log(actor: Person, subject, framework_id: int, summary: str, **kw) -> None:
    framework = db.session.get(SkillsFramework, framework_id)
    audit.log(actor=actor, action=Action.FRAMEWORK_CHANGED, subject=subject, person_id=None,
              summary=f"{framework.name}: {summary}", **kw)


def _move(things: list, thing, direction: str) -> int | None:
    """Swap *thing* with its neighbour among *things* (renumbered 0..n-1); its new place, or None at an end."""
    index = next(i for i, t in enumerate(things) if t.id == thing.id)
    target = index - 1 if direction == "up" else index + 1 if direction == "down" else None
    if target is None or not 0 <= target < len(things):
        return None
    things[index], things[target] = things[target], things[index]
    for position, sibling in enumerate(things):
        sibling.position = position
    db.session.flush()
    return target


# ---------------------------------------------------------------- areas

def check_area(name: str, description: str) -> tuple[str, str]:
    errors: dict[str, str] = {}
    refuse_controls(errors, name=name, description=description)
    name, description = clean(name), (description or "").strip()
    if "name" not in errors:
        if not name:
            errors["name"] = "Enter the area's name, for example Email or Spreadsheets."
        elif len(name) > 200:
            errors["name"] = "Use 200 characters or fewer."
    if "description" not in errors and len(description) > 2000:
        errors["description"] = "Use 2,000 characters or fewer."
    if errors:
        raise ValidationFailed(errors)
    return name, description


def _same_name(framework_id: int, name: str, exclude_id: int | None = None) -> None:
    q = select(SkillArea.id).where(SkillArea.framework_id == framework_id, SkillArea.retired_at.is_(None),
                                   func.lower(SkillArea.name) == name.lower())
    if exclude_id is not None:
        q = q.where(SkillArea.id != exclude_id)
    if db.session.scalar(q) is not None:
        raise ValidationFailed(f"This framework already has an area called {name}.", field="name")


def add_area(*, actor: Person, framework: SkillsFramework, name: str, description: str = "") -> SkillArea:
    name, description = check_area(name, description)
    _same_name(framework.id, name)
    last = db.session.scalar(select(func.max(SkillArea.position)).where(SkillArea.framework_id == framework.id))
    area = SkillArea(framework_id=framework.id, name=name, description=description,
                     position=(last + 1) if last is not None else 0)
    db.session.add(area)
    db.session.flush()
    _log(actor, area, framework.id, f"area added: {name}", after={"name": name, "description": description})
    return area


def update_area(*, actor: Person, area: SkillArea, name: str, description: str) -> list[str]:
    name, description = check_area(name, description)
    _same_name(area.framework_id, name, exclude_id=area.id)
    before = audit.snapshot(area, AREA_FIELDS)
    area.name, area.description = name, description
    after = audit.snapshot(area, AREA_FIELDS)
    changed = [k for k in after if after[k] != before[k]]
    if changed:
        _log(actor, area, area.framework_id, f"area {name}: {describe_changes(before, after)}",
             before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return changed


def move_area(*, actor: Person, area: SkillArea, direction: str) -> bool:
    areas = list(db.session.scalars(select(SkillArea).where(SkillArea.framework_id == area.framework_id)
                                    .order_by(SkillArea.position, SkillArea.id)))
    before = [a.id for a in areas].index(area.id)
    target = _move(areas, area, direction)
    if target is None:
        return False
    _log(actor, area, area.framework_id, f"area moved {direction}: {area.name} is now {target + 1} of {len(areas)}",
         before={"position": before + 1}, after={"position": target + 1})
    return True


def remove_area(*, actor: Person, area: SkillArea) -> str:
    """"retired" (something refers to it) or "removed" (nothing did: it and its statements are deleted)."""
    if area.retired_at is not None:
        return "retired"
    if area.id in used([area.id])[0]:
        area.retired_at = clock.now()
        _log(actor, area, area.framework_id, f"area retired: {area.name} (people's answers and levels are kept)",
             before={"retired_at": None}, after={"retired_at": area.retired_at})
        return "retired"
    _log(actor, area, area.framework_id, f"area removed: {area.name} (nobody had answered it)",
         before={"name": area.name})
    db.session.execute(delete(SkillStatement).where(SkillStatement.area_id == area.id))
    db.session.delete(area)
    db.session.flush()
    return "removed"


def restore_area(*, actor: Person, area: SkillArea) -> None:
    if area.retired_at is None:
        return
    _same_name(area.framework_id, area.name, exclude_id=area.id)
    area.retired_at = None
    _log(actor, area, area.framework_id, f"area restored: {area.name}", after={"retired_at": None})


# ---------------------------------------------------------------- statements

def check_statement(wording: str, level: str | int | None = None) -> tuple[str, int | None]:
    errors: dict[str, str] = {}
    refuse_controls(errors, wording=wording)
    wording = clean(wording)
    if "wording" not in errors:
        if not wording:
            errors["wording"] = "Enter the statement, for example I can attach a file to an email."
        elif len(wording) > 300:
            errors["wording"] = "Use 300 characters or fewer."
    number = None
    if level is not None:
        raw = str(level).strip()
        number = int(raw) if raw in ("1", "2", "3", "4") else None
        if number is None:
            errors["level"] = "Choose Foundation, Intermediate, Advanced or Super-user."
    if errors:
        raise ValidationFailed(errors)
    return wording, number


def _level_siblings(area_id: int, level: int) -> list[SkillStatement]:
    return list(db.session.scalars(select(SkillStatement).where(
        SkillStatement.area_id == area_id, SkillStatement.level == level)
        .order_by(SkillStatement.position, SkillStatement.id)))


def add_statement(*, actor: Person, area: SkillArea, wording: str, level: str) -> SkillStatement:
    wording, number = check_statement(wording, level)
    last = db.session.scalar(select(func.max(SkillStatement.position)).where(
        SkillStatement.area_id == area.id, SkillStatement.level == number))
    statement = SkillStatement(area_id=area.id, level=number, wording=wording,
                               position=(last + 1) if last is not None else 0)
    db.session.add(statement)
    db.session.flush()
    _log(actor, statement, area.framework_id,
         f"statement added to {area.name} at {SkillLevel(number).label}: {wording}",
         after={"level": number, "wording": wording})
    return statement


def update_statement(*, actor: Person, statement: SkillStatement, area: SkillArea, wording: str) -> bool:
    """The wording only: a statement keeps its level (a new level is a new statement)."""
    wording, _ = check_statement(wording)
    if wording == statement.wording:
        return False
    before = statement.wording
    statement.wording = wording
    _log(actor, statement, area.framework_id, f"statement in {area.name} reworded: {before} → {wording}",
         before={"wording": before}, after={"wording": wording})
    return True


def move_statement(*, actor: Person, statement: SkillStatement, area: SkillArea, direction: str) -> bool:
    siblings = _level_siblings(area.id, statement.level)
    before = [s.id for s in siblings].index(statement.id)
    target = _move(siblings, statement, direction)
    if target is None:
        return False
    _log(actor, statement, area.framework_id,
         f"statement moved {direction} in {area.name} at {SkillLevel(statement.level).label}: "
         f"now {target + 1} of {len(siblings)}", before={"position": before + 1}, after={"position": target + 1})
    return True


def remove_statement(*, actor: Person, statement: SkillStatement, area: SkillArea) -> str:
    """"retired" (someone answered it) or "removed"."""
    if statement.retired_at is not None:
        return "retired"
    if db.session.scalar(select(SelfAssessmentAnswer.statement_id).where(
            SelfAssessmentAnswer.statement_id == statement.id).limit(1)) is not None:
        statement.retired_at = clock.now()
        _log(actor, statement, area.framework_id,
             f"statement retired in {area.name}: {statement.wording} (people's answers are kept)",
             before={"retired_at": None}, after={"retired_at": statement.retired_at})
        return "retired"
    _log(actor, statement, area.framework_id, f"statement removed from {area.name}: {statement.wording}",
         before={"wording": statement.wording, "level": statement.level})
    db.session.delete(statement)
    db.session.flush()
    return "removed"


def restore_statement(*, actor: Person, statement: SkillStatement, area: SkillArea) -> None:
    if statement.retired_at is None:
        return
    statement.retired_at = None
    _log(actor, statement, area.framework_id, f"statement restored in {area.name}: {statement.wording}",
         after={"retired_at": None})
