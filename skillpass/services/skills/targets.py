"""Targets (PRODUCT.md §6.5): per job role, set by an admin (before anyone in it is assessed, if they like),
and per person, set by their educator or an admin, overriding their role's in that area. A target is a level
(a minimum) or a range (a minimum and a maximum). Where a target counts is worked out by
``standing`` (the person's own first, else their job role's); this module writes them, checked and audited.
A target is not a protected record: removing one deletes its row, and the audit log keeps what it was."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.inputs import has_control
from skillpass.labels import Action
from skillpass.models import Person, SkillArea, SkillLevel, SkillsFramework, SkillTarget
from skillpass.permissions import can_decide_for
from skillpass.services import audit
from skillpass.services.errors import NotAllowed, ValidationFailed
from skillpass.services.skills import standing

ROLE_LIMIT = 120      # SkillTarget.job_role and Person.job_role
RANGE_MESSAGE = "The maximum must be the same level as the minimum or higher"


def _level(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    if raw.isdecimal() and raw.isascii() and len(raw) == 1 and 1 <= int(raw) <= 4:
        return int(raw)
    return None


def check_range(minimum: str | None, maximum: str | None, *, field: str = "", required: bool = True,
                area_name: str = "") -> tuple[int | None, int | None]:
    """(minimum, maximum or None) from a form's two selects; (None, None) for "No target" when not
    *required*. Errors are keyed ``{field}minimum`` / ``{field}maximum``."""
    low, high = _level(minimum), _level(maximum)
    where = f"{area_name}: " if area_name else ""
    errors = {}
    if (minimum or "").strip() and low is None:
        errors[f"{field}minimum"] = f"{where}choose a minimum level from the list"
    if (maximum or "").strip() and high is None:
        errors[f"{field}maximum"] = f"{where}choose a maximum level from the list"
    if not errors and low is None:
        if high is not None:
            errors[f"{field}minimum"] = f"{where}choose a minimum level as well as the maximum"
        elif required:
            errors[f"{field}minimum"] = "Choose the minimum level"
    if not errors and low is not None and high is not None and high < low:
        errors[f"{field}maximum"] = (f"{where}{RANGE_MESSAGE.lower() if where else RANGE_MESSAGE} "
                                     f"({SkillLevel(low).label})")
    if errors:
        raise ValidationFailed({k: v[0].upper() + v[1:] for k, v in errors.items()})
    return low, (None if high == low else high)


def _words(low: int | None, high: int | None) -> str:
    if low is None:
        return "no target"
    return SkillLevel(low).label if high is None else f"{SkillLevel(low).label} to {SkillLevel(high).label}"


# ---------------------------------------------------------------- a person's own target

def person_target(person_id: int, area_id: int) -> SkillTarget | None:
    return db.session.scalar(select(SkillTarget).where(SkillTarget.person_id == person_id,
                                                       SkillTarget.area_id == area_id))


def set_person_target(*, actor: Person, person: Person, area: SkillArea, minimum: str | None,
                      maximum: str | None) -> SkillTarget:
    if not can_decide_for(actor, person):
        raise NotAllowed("You cannot set targets for this person.", field="__all__")
    low, high = check_range(minimum, maximum)
    target = person_target(person.id, area.id)
    before = None if target is None else {"minimum": target.minimum, "maximum": target.maximum}
    if target is None:
        target = SkillTarget(area_id=area.id, person_id=person.id, minimum=low, maximum=high, set_by_id=actor.id)
        db.session.add(target)
    else:
        target.minimum, target.maximum, target.set_by_id = low, high, actor.id
    db.session.flush()
    audit.log(actor=actor, action=Action.SKILL_TARGET_SET, subject=target, person_id=person.id,
              summary=f"{area.name}: {person.name}'s own target set to {_words(low, high)}",
              before=before, after={"minimum": low, "maximum": high})
    return target


def clear_person_target(*, actor: Person, person: Person, area: SkillArea) -> bool:
    """Remove the person's own target in the area, so their job role's counts again. False if none."""
    if not can_decide_for(actor, person):
        raise NotAllowed("You cannot set targets for this person.", field="__all__")
    target = person_target(person.id, area.id)
    if target is None:
        return False
    before = {"minimum": target.minimum, "maximum": target.maximum}
    audit.log(actor=actor, action=Action.SKILL_TARGET_CLEARED, subject=target, person_id=person.id,
              summary=f"{area.name}: {person.name}'s own target ({_words(target.minimum, target.maximum)}) "
                      "removed; their job role's target counts",
              before=before, after=None)
    db.session.delete(target)
    db.session.flush()
    return True


# ---------------------------------------------------------------- job roles' targets

def check_role(raw: str | None) -> str:
    role = " ".join((raw or "").split())
    if has_control(raw):
        raise ValidationFailed("The job role held hidden control characters: type it again.", field="job_role")
    if not role:
        raise ValidationFailed("Enter a job role", field="job_role")
    if len(role) > ROLE_LIMIT:
        raise ValidationFailed(f"Keep the job role to {ROLE_LIMIT} characters or fewer", field="job_role")
    return role


@dataclass
class RoleGrid:
    """Areas × job roles: each cell the role's target in the area (or None)."""

    framework: SkillsFramework
    areas: list[SkillArea]
    roles: list[str]
    people: dict[str, int]                                # active people per role
    cells: dict[tuple[str, int], SkillTarget]

    def target(self, role: str, area_id: int) -> SkillTarget | None:
        return self.cells.get((role, area_id))


def role_grid(framework: SkillsFramework) -> RoleGrid:
    """Every job role people hold, and any already targeted in this framework: three queries."""
    areas = standing.live_areas(framework.id)
    area_ids = [a.id for a in areas]
    people = dict(db.session.execute(
        select(Person.job_role, func.count(Person.id)).where(Person.active.is_(True), Person.job_role != "")
        .group_by(Person.job_role)).all())
    cells = {}
    if area_ids:
        cells = {(t.job_role, t.area_id): t for t in db.session.scalars(
            select(SkillTarget).where(SkillTarget.job_role.is_not(None), SkillTarget.area_id.in_(area_ids)))}
    roles = sorted(set(people) | {role for role, _ in cells}, key=lambda r: (r.casefold(), r))
    return RoleGrid(framework, areas, roles, people, cells)


def set_role_targets(*, actor: Person, framework: SkillsFramework, job_role: str | None,
                     values: dict[int, tuple[str | None, str | None]], new: bool = False) -> int:
    """Set a job role's target in each live area of the framework from *values* (area id → the minimum and
    maximum as sent; both empty: no target). A *new* role must be given at least one target. Returns how many
    areas changed; one audit event says what."""
    if not actor.is_admin:
        raise NotAllowed("Only an admin sets job roles' targets.", field="__all__")
    errors: dict[str, str] = {}
    try:
        role = check_role(job_role)
    except ValidationFailed as error:
        errors.update(error.errors)
        role = None
    grid = role_grid(framework)
    wanted: dict[int, tuple[int | None, int | None]] = {}
    for area in grid.areas:
        low_raw, high_raw = values.get(area.id, ("", ""))
        try:
            wanted[area.id] = check_range(low_raw, high_raw, field=f"area-{area.id}-", required=False,
                                          area_name=area.name)
        except ValidationFailed as error:
            errors.update(error.errors)
    if role is not None and new and not errors and not any(low for low, _ in wanted.values()):
        errors["__all__"] = f"Set a target for {role} in at least one area"
    if errors:
        raise ValidationFailed(errors)
    changed, before, after = 0, {}, {}
    for area in grid.areas:
        low, high = wanted[area.id]
        target = grid.target(role, area.id)
        old = (target.minimum, target.maximum) if target is not None else (None, None)
        if old == (low, high):
            continue
        changed += 1
        before[area.name], after[area.name] = _words(*old), _words(low, high)
        if low is None:
            db.session.delete(target)
        elif target is None:
            db.session.add(SkillTarget(area_id=area.id, job_role=role, minimum=low, maximum=high, set_by_id=actor.id))
        else:
            target.minimum, target.maximum, target.set_by_id = low, high, actor.id
    if changed:
        db.session.flush()
        audit.log(actor=actor, action=Action.SKILL_ROLE_TARGETS_SET, subject=framework, person_id=None,
                  summary=f"{framework.name}: targets for {role} — "
                          + "; ".join(f"{name}: {after[name]}" for name in after),
                  before=before, after=after)
    return changed


def role_target(job_role: str, area_id: int) -> SkillTarget | None:
    if not job_role:
        return None
    return db.session.scalar(select(SkillTarget).where(SkillTarget.job_role == job_role,
                                                       SkillTarget.area_id == area_id))
