"""Skills frameworks themselves (PRODUCT.md §6.5): create, rename, publish, archive, restore and copy, and
everything the editor shows, in a fixed number of queries.

A framework is published once every live area has at least one live statement at every level; published
frameworks stay editable (a new statement is fine: submitted assessments keep the levels they came to).
Areas and statements are in ``framework_parts``; exemptions and routes in ``framework_links``.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.inputs import refuse_controls
from skillpass.labels import Action, describe_changes
from skillpass.models import Item, PassportTemplate, Person, TemplateStatus
from skillpass.models.skills import (
    SkillArea,
    SkillExemption,
    SkillLevel,
    SkillRoute,
    SkillsFramework,
    SkillStatement,
)
from skillpass.services import audit
from skillpass.services.errors import Conflict, ValidationFailed
from skillpass.services.skills import framework_parts
from skillpass.services.skills.framework_parts import clean


# ---------------------------------------------------------------- what the editor shows

@dataclass
class AreaBlock:
    area: SkillArea
    statements: dict[int, list[SkillStatement]]     # level → statements (live and retired), in order
    used: bool                                       # anyone answered it: retired, never removed
    missing: list[SkillLevel]                        # levels with no live statement

    @property
    def retired(self) -> bool:
        return self.area.retired_at is not None


@dataclass
class Editor:
    framework: SkillsFramework
    blocks: list[AreaBlock]
    used_statements: set[int]
    exemptions: list[tuple[SkillExemption, str]] = field(default_factory=list)    # (row, what is held)
    routes: list[tuple[SkillRoute, str]] = field(default_factory=list)            # (row, what it is)
    item_choices: list[tuple[int, str]] = field(default_factory=list)             # (item id, "Title (Passport)")

    @property
    def live_blocks(self) -> list[AreaBlock]:
        return [b for b in self.blocks if not b.retired]

    @property
    def area_names(self) -> dict[int, str]:
        return {b.area.id: b.area.name for b in self.blocks}

    def context(self) -> dict:
        return dict(framework=self.framework, blocks=self.blocks, live_blocks=self.live_blocks,
                    used_statements=self.used_statements, exemptions=self.exemptions, routes=self.routes,
                    item_choices=self.item_choices, area_names=self.area_names, levels=SkillLevel.stated(),
                    area_choices=[(b.area.id, b.area.name) for b in self.live_blocks],
                    level_choices=[(int(level), level.label) for level in SkillLevel.stated()])


def editor(framework: SkillsFramework) -> Editor:
    """The framework's areas with their statements, which are used, and its exemptions and routes: the same
    few queries whatever the size."""
    areas = db.session.scalars(select(SkillArea).where(SkillArea.framework_id == framework.id)
                               .order_by(SkillArea.position, SkillArea.id)).all()
    area_ids = [a.id for a in areas]
    statements = db.session.scalars(select(SkillStatement).where(SkillStatement.area_id.in_(area_ids))
                                    .order_by(SkillStatement.level, SkillStatement.position, SkillStatement.id)
                                    ).all() if area_ids else []
    used_areas, used_statements = framework_parts.used(area_ids)
    by_area: dict[int, dict[int, list[SkillStatement]]] = {a.id: {lv: [] for lv in range(1, 5)} for a in areas}
    for s in statements:
        by_area[s.area_id][s.level].append(s)
    blocks = [AreaBlock(a, by_area[a.id], a.id in used_areas,
                        [lv for lv in SkillLevel.stated()
                         if not any(s.retired_at is None for s in by_area[a.id][int(lv)])]) for a in areas]
    from skillpass.services.skills import framework_links

    return Editor(framework, blocks, used_statements, exemptions=framework_links.exemptions_of(framework.id),
                  routes=framework_links.routes_of(area_ids), item_choices=framework_links.item_choices())


@dataclass
class Listed:
    frameworks: list[SkillsFramework]
    area_counts: dict[int, int]


def framework_list() -> Listed:
    frameworks = db.session.scalars(select(SkillsFramework).order_by(SkillsFramework.name)).all()
    counts = dict(db.session.execute(
        select(SkillArea.framework_id, func.count(SkillArea.id)).where(SkillArea.retired_at.is_(None))
        .group_by(SkillArea.framework_id)).all())
    return Listed(list(frameworks), counts)


# ---------------------------------------------------------------- frameworks

def _check(name: str, description: str, *, exclude_id: int | None = None) -> tuple[str, str]:
    errors: dict[str, str] = {}
    refuse_controls(errors, name=name, description=description)
    name, description = clean(name), (description or "").strip()
    if "name" not in errors:
        if not name:
            errors["name"] = "Enter the framework's name, for example IT user skills."
        elif len(name) > 200:
            errors["name"] = "Use 200 characters or fewer."
        else:
            q = select(SkillsFramework.id).where(func.lower(SkillsFramework.name) == name.lower())
            if exclude_id is not None:
                q = q.where(SkillsFramework.id != exclude_id)
            if db.session.scalar(q) is not None:
                errors["name"] = f"A framework called {name} already exists: choose another name."
    if "description" not in errors and len(description) > 2000:
        errors["description"] = "Use 2,000 characters or fewer."
    if errors:
        raise ValidationFailed(errors)
    return name, description


def create_framework(*, actor: Person, name: str, description: str = "") -> SkillsFramework:
    name, description = _check(name, description)
    framework = SkillsFramework(name=name, description=description, status=TemplateStatus.DRAFT)
    db.session.add(framework)
    db.session.flush()
    audit.log(actor=actor, action=Action.FRAMEWORK_CREATED, subject=framework, person_id=None,
              summary=f"Skills framework created: {name} (draft)",
              after={"name": name, "description": description, "status": TemplateStatus.DRAFT})
    return framework


def update_framework(*, actor: Person, framework: SkillsFramework, name: str, description: str) -> list[str]:
    name, description = _check(name, description, exclude_id=framework.id)
    before = audit.snapshot(framework, ["name", "description"])
    framework.name, framework.description = name, description
    after = audit.snapshot(framework, ["name", "description"])
    changed = [k for k in after if after[k] != before[k]]
    if changed:
        audit.log(actor=actor, action=Action.FRAMEWORK_CHANGED, subject=framework, person_id=None,
                  summary=f"Skills framework {name}: {describe_changes(before, after)}",
                  before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return changed


def missing_statements(framework: SkillsFramework) -> dict[int, tuple[str, list[SkillLevel]]]:
    """Per live area without a live statement at some level: its name and those levels."""
    areas = db.session.scalars(select(SkillArea).where(
        SkillArea.framework_id == framework.id, SkillArea.retired_at.is_(None))
        .order_by(SkillArea.position, SkillArea.id)).all()
    have: dict[int, set[int]] = defaultdict(set)
    for area_id, level in db.session.execute(
            select(SkillStatement.area_id, SkillStatement.level).distinct()
            .join(SkillArea, SkillArea.id == SkillStatement.area_id)
            .where(SkillArea.framework_id == framework.id, SkillStatement.retired_at.is_(None))):
        have[area_id].add(level)
    return {a.id: (a.name, [lv for lv in SkillLevel.stated() if int(lv) not in have[a.id]])
            for a in areas if len(have[a.id]) < 4}


def _missing_words(levels: list[SkillLevel]) -> str:
    words = [lv.label for lv in levels]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def publish(*, actor: Person, framework: SkillsFramework) -> None:
    """A draft is published once it has an area and every live area a live statement at every level. The
    refusal names each area and the levels it lacks (keyed ``area-<id>``, shown beside the area)."""
    if framework.status is TemplateStatus.PUBLISHED:
        return
    if framework.status is TemplateStatus.ARCHIVED:
        raise Conflict("This framework is archived: restore it to use it again.", field="status")
    if not db.session.scalar(select(func.count(SkillArea.id)).where(
            SkillArea.framework_id == framework.id, SkillArea.retired_at.is_(None))):
        raise ValidationFailed("Add an area, with a statement at every level, before publishing.", field="status")
    missing = missing_statements(framework)
    if missing:
        raise ValidationFailed({f"area-{area_id}": f"{name} has no statement at {_missing_words(levels)}."
                                for area_id, (name, levels) in missing.items()})
    framework.status = TemplateStatus.PUBLISHED
    audit.log(actor=actor, action=Action.FRAMEWORK_PUBLISHED, subject=framework, person_id=None,
              summary=f"Skills framework published: {framework.name}",
              before={"status": TemplateStatus.DRAFT}, after={"status": TemplateStatus.PUBLISHED})


def archive(*, actor: Person, framework: SkillsFramework) -> None:
    """Nobody starts a new assessment against it; every assessment, level and target is kept."""
    if framework.status is TemplateStatus.ARCHIVED:
        return
    before = framework.status
    framework.status = TemplateStatus.ARCHIVED
    audit.log(actor=actor, action=Action.FRAMEWORK_ARCHIVED, subject=framework, person_id=None,
              summary=f"Skills framework archived: {framework.name}",
              before={"status": before}, after={"status": TemplateStatus.ARCHIVED})


def restore(*, actor: Person, framework: SkillsFramework) -> None:
    """Back to published if it could be published now, otherwise to a draft."""
    if framework.status is not TemplateStatus.ARCHIVED:
        return
    complete = not missing_statements(framework) and db.session.scalar(select(func.count(SkillArea.id)).where(
        SkillArea.framework_id == framework.id, SkillArea.retired_at.is_(None)))
    framework.status = TemplateStatus.PUBLISHED if complete else TemplateStatus.DRAFT
    audit.log(actor=actor, action=Action.FRAMEWORK_CHANGED, subject=framework, person_id=None,
              summary=f"Skills framework restored: {framework.name} ({framework.status.value})",
              before={"status": TemplateStatus.ARCHIVED}, after={"status": framework.status})


def copy_name(framework: SkillsFramework) -> str:
    """"X (copy)", or "X (copy 2)" … whichever is free."""
    taken = {n.lower() for n in db.session.scalars(select(SkillsFramework.name))}
    n = 1
    while True:
        suffix = " (copy)" if n == 1 else f" (copy {n})"
        candidate = framework.name[:200 - len(suffix)].rstrip() + suffix
        if candidate.lower() not in taken:
            return candidate
        n += 1


def copy_framework(*, actor: Person, framework: SkillsFramework, name: str = "") -> SkillsFramework:
    """A new draft with the live areas, statements, exemptions and routes (targets stay behind: they
    belong to the framework people are measured against)."""
    copy = create_framework(actor=actor, name=name or copy_name(framework), description=framework.description)
    areas = db.session.scalars(select(SkillArea).where(
        SkillArea.framework_id == framework.id, SkillArea.retired_at.is_(None))
        .order_by(SkillArea.position, SkillArea.id)).all()
    area_ids = [a.id for a in areas]
    new_areas: dict[int, SkillArea] = {}
    for position, area in enumerate(areas):
        new_areas[area.id] = SkillArea(framework_id=copy.id, name=area.name, description=area.description,
                                       position=position)
    db.session.add_all(new_areas.values())
    db.session.flush()
    statements = db.session.scalars(select(SkillStatement).where(
        SkillStatement.area_id.in_(area_ids), SkillStatement.retired_at.is_(None))
        .order_by(SkillStatement.area_id, SkillStatement.level, SkillStatement.position, SkillStatement.id)
    ).all() if area_ids else []
    positions: dict[tuple[int, int], int] = defaultdict(int)
    for s in statements:
        key = (s.area_id, s.level)
        db.session.add(SkillStatement(area_id=new_areas[s.area_id].id, level=s.level, position=positions[key],
                                      wording=s.wording))
        positions[key] += 1
    exemptions = db.session.scalars(select(SkillExemption).where(
        SkillExemption.framework_id == framework.id, SkillExemption.retired_at.is_(None),
        SkillExemption.area_id.in_(area_ids)).order_by(SkillExemption.id)).all() if area_ids else []
    for e in exemptions:
        db.session.add(SkillExemption(framework_id=copy.id, area_id=new_areas[e.area_id].id, level=e.level,
                                      qualification=e.qualification, normalised=e.normalised, item_id=e.item_id))
    routes = db.session.scalars(select(SkillRoute).where(
        SkillRoute.area_id.in_(area_ids), SkillRoute.retired_at.is_(None)).order_by(SkillRoute.id)
    ).all() if area_ids else []
    for r in routes:
        db.session.add(SkillRoute(area_id=new_areas[r.area_id].id, level=r.level, item_id=r.item_id,
                                  course_title=r.course_title, course_url=r.course_url))
    db.session.flush()
    audit.log(actor=actor, action=Action.FRAMEWORK_COPIED, subject=copy, person_id=None,
              summary=f"Skills framework {copy.name} copied from {framework.name}: {len(areas)} areas, "
                      f"{len(statements)} statements, {len(exemptions)} exemptions, {len(routes)} routes",
              after={"copied_from": framework.name})
    return copy


def item_label(title: str, passport: str) -> str:
    return f"{title} ({passport})"


def published_item(item_id: int | None) -> Item | None:
    """A live item of a published passport, or None."""
    if item_id is None:
        return None
    return db.session.scalar(select(Item).join(PassportTemplate, PassportTemplate.id == Item.template_id).where(
        Item.id == item_id, Item.archived_at.is_(None), PassportTemplate.status == TemplateStatus.PUBLISHED))
