"""Passport templates themselves: create, rename, publish, archive, restore and copy."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from skillpass import clock
from skillpass.extensions import db
from skillpass.inputs import CONTROL_MESSAGE, has_control, refuse_controls
from skillpass.labels import Action, describe_changes
from skillpass.models import Assignment, AssignmentRule, Item, PassportTemplate, Person, Section, TemplateStatus
from skillpass.services import audit, national_names
from skillpass.services.errors import Conflict, ValidationFailed
from skillpass.services.templates_admin.structure import STARTER_SECTIONS, _clean, add_section

# ---------------------------------------------------------------- templates

def _check_template_name(name: str, errors: dict, *, exclude_id: int | None = None) -> str:
    if has_control(name):
        errors["name"] = CONTROL_MESSAGE
        return _clean(name)
    name = _clean(name)
    if not name:
        errors["name"] = "Enter the passport's name, for example AHP Support Worker Skills Passport."
    elif len(name) > 200:
        errors["name"] = "Use 200 characters or fewer."
    else:
        q = select(PassportTemplate.id).where(func.lower(PassportTemplate.name) == name.lower())
        if exclude_id is not None:
            q = q.where(PassportTemplate.id != exclude_id)
        if db.session.scalar(q) is not None:
            errors["name"] = f"A passport called {name} already exists: choose another name."
    return name


def create_template(*, actor: Person, name: str, description: str = "", starter_sections: bool = False
                    ) -> PassportTemplate:
    errors: dict[str, str] = {}
    name = _check_template_name(name, errors)
    description = (description or "").strip()
    if len(description) > 2000:
        errors["description"] = "Use 2,000 characters or fewer."
    refuse_controls(errors, description=description)
    if errors:
        raise ValidationFailed(errors)
    template = PassportTemplate(name=name, description=description, status=TemplateStatus.DRAFT)
    db.session.add(template)
    db.session.flush()
    audit.log(actor=actor, action=Action.TEMPLATE_CREATED, subject=template, person_id=None,
              summary=f"Passport template created: {name} (draft)",
              after={"name": name, "description": description, "status": TemplateStatus.DRAFT})
    if starter_sections:
        for name_, amount, unit in STARTER_SECTIONS:
            add_section(actor=actor, template=template, name=name_, offset_amount=str(amount), offset_unit=unit)
    return template


def update_template(*, actor: Person, template: PassportTemplate, name: str, description: str) -> list[str]:
    errors: dict[str, str] = {}
    name = _check_template_name(name, errors, exclude_id=template.id)
    description = (description or "").strip()
    if len(description) > 2000:
        errors["description"] = "Use 2,000 characters or fewer."
    refuse_controls(errors, description=description)
    if errors:
        raise ValidationFailed(errors)
    before = audit.snapshot(template, ["name", "description"])
    template.name, template.description = name, description
    after = audit.snapshot(template, ["name", "description"])
    changed = [k for k in after if after[k] != before[k]]
    if changed:
        audit.log(actor=actor, action=Action.TEMPLATE_CHANGED, subject=template, person_id=None,
                  summary=f"Passport template {name}: {describe_changes(before, after)}",
                  before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return changed


def publish(*, actor: Person, template: PassportTemplate) -> None:
    """A draft becomes assignable once it has at least one section with an item in it."""
    if template.status is TemplateStatus.PUBLISHED:
        return
    if template.status is TemplateStatus.ARCHIVED:
        raise Conflict("This passport is archived: restore it to use it again.")
    live_items = db.session.scalar(select(func.count(Item.id)).where(
        Item.template_id == template.id, Item.archived_at.is_(None)))
    if not live_items:
        raise ValidationFailed("Add at least one item before publishing: a passport with nothing in it "
                               "cannot be completed.")
    template.status = TemplateStatus.PUBLISHED
    audit.log(actor=actor, action=Action.TEMPLATE_PUBLISHED, subject=template, person_id=None,
              summary=f"Passport template published: {template.name}",
              before={"status": TemplateStatus.DRAFT}, after={"status": TemplateStatus.PUBLISHED})


@dataclass
class ArchivePlan:
    assignments: list[tuple[Assignment, Person]]
    rules: list[AssignmentRule]


def archive_plan(template: PassportTemplate) -> ArchivePlan:
    """Who would stop being required to complete the passport, and which rules would stop."""
    held = db.session.execute(
        select(Assignment, Person).join(Person, Person.id == Assignment.person_id)
        .where(Assignment.template_id == template.id, Assignment.removed_on.is_(None))
        .order_by(Person.name, Person.id)).all()
    giving = db.session.scalars(select(AssignmentRule).where(
        AssignmentRule.template_id == template.id, AssignmentRule.archived_at.is_(None))).all()
    return ArchivePlan(assignments=[(a, p) for a, p in held], rules=list(giving))


def archive_template(*, actor: Person, template: PassportTemplate, today: dt.date) -> ArchivePlan:
    """Retire a passport: its assignments end (entries kept, items Not required) and its rules stop."""
    if template.status is TemplateStatus.ARCHIVED:
        return ArchivePlan([], [])
    plan = archive_plan(template)
    before = template.status
    template.status = TemplateStatus.ARCHIVED
    for assignment, person in plan.assignments:
        assignment.removed_on = today
        assignment.removed_by_id = actor.id
        audit.log(actor=actor, action=Action.ASSIGNMENT_REMOVED, subject=assignment, person_id=person.id,
                  summary=f"{template.name} no longer assigned to {person.name}: the passport was archived "
                          f"(entries kept, items not required)",
                  before={"removed_on": None}, after={"removed_on": today})
    for rule in plan.rules:
        rule.archived_at = clock.now()
        audit.log(actor=actor, action=Action.RULE_ARCHIVED, subject=rule, person_id=None,
                  summary=f"Rule archived with its passport: {template.name} for {rule.describe()}")
    audit.log(actor=actor, action=Action.TEMPLATE_ARCHIVED, subject=template, person_id=None,
              summary=f"Passport template archived: {template.name}; {len(plan.assignments)} assignments ended, "
                      f"{len(plan.rules)} rules archived",
              before={"status": before}, after={"status": TemplateStatus.ARCHIVED})
    return plan


def restore_template(*, actor: Person, template: PassportTemplate) -> None:
    """An archived passport can be given again (by rule or by hand); nobody gets it back automatically."""
    if template.status is not TemplateStatus.ARCHIVED:
        return
    # Back to published only if it could be published now (an item to complete); otherwise a draft.
    live_items = db.session.scalar(select(func.count(Item.id)).where(
        Item.template_id == template.id, Item.archived_at.is_(None)))
    template.status = TemplateStatus.PUBLISHED if live_items else TemplateStatus.DRAFT
    audit.log(actor=actor, action=Action.TEMPLATE_RESTORED, subject=template, person_id=None,
              summary=f"Passport template restored: {template.name} ({template.status.value})",
              before={"status": TemplateStatus.ARCHIVED}, after={"status": template.status})


def copy_name(template: PassportTemplate) -> str:
    """"X (copy)", or "X (copy 2)" … whichever is free."""
    taken = {n.lower() for n in db.session.scalars(select(PassportTemplate.name))}
    n = 1
    while True:
        suffix = " (copy)" if n == 1 else f" (copy {n})"
        # The original's name is shortened, never the suffix, so the name stays within 200 characters
        # and the check below is of the very name returned.
        candidate = template.name[:200 - len(suffix)].rstrip() + suffix
        if candidate.lower() not in taken:
            return candidate
        n += 1


def copy_template(*, actor: Person, template: PassportTemplate, name: str, today: dt.date) -> PassportTemplate:
    """A new draft with the same sections and live items (archived items stay behind)."""
    copy = create_template(actor=actor, name=name or copy_name(template), description=template.description)
    sections = db.session.scalars(select(Section).where(Section.template_id == template.id)
                                  .order_by(Section.position, Section.id)).all()
    items = db.session.scalars(select(Item).where(Item.template_id == template.id, Item.archived_at.is_(None))
                               .order_by(Item.position, Item.id)).all()
    copies: dict[int, Item] = {}
    for position, section in enumerate(sections):
        new_section = Section(template_id=copy.id, name=section.name, position=position,
                              offset_amount=section.offset_amount, offset_unit=section.offset_unit)
        db.session.add(new_section)
        db.session.flush()
        for item_position, item in enumerate(i for i in items if i.section_id == section.id):
            copies[item.id] = Item(template_id=copy.id, section_id=new_section.id, position=item_position,
                                title=item.title, description=item.description, corporate_lead=item.corporate_lead,
                                code=item.code, frequency_months=item.frequency_months, kind=item.kind,
                                evidence=item.evidence, confirmation=item.confirmation,
                                prior_learning_accepted=item.prior_learning_accepted,
                                mandatory=item.mandatory, added_on=today, refresher_title=item.refresher_title,
                                refresher_description=item.refresher_description,
                                grace_months=item.grace_months)
            db.session.add(copies[item.id])
    db.session.flush()
    names = national_names.names_of(copies)
    for item_id, new_item in copies.items():
        if names.get(item_id):
            national_names.set_names(new_item, names[item_id])
    audit.log(actor=actor, action=Action.TEMPLATE_COPIED, subject=copy, person_id=None,
              summary=f"Passport template {copy.name} copied from {template.name}: {len(sections)} sections, "
                      f"{len(items)} items", after={"copied_from": template.name})
    return copy


