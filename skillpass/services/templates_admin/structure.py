"""Sections and items of a passport template, and their order: checked, audited, made in the caller's
transaction. A section can only be removed while it holds no items; an item with entries is archived,
never deleted."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from skillpass import clock, rules
from skillpass.extensions import db
from skillpass.inputs import refuse_controls, to_id
from skillpass.subjects import MAX_NAME_LENGTH, MAX_NAMES, normalise_code, normalise_name, split_names
from skillpass.labels import Action, describe_changes
from skillpass.models import (
    Confirmation,
    Entry,
    EvidenceRule,
    Item,
    ItemKind,
    OffsetUnit,
    PassportTemplate,
    Person,
    Section,
)
from skillpass.services import audit, national_names
from skillpass.services.errors import Conflict, ValidationFailed

OFFSET_LIMITS = {"days": 3650, "weeks": 520, "months": 120}
MAX_FREQUENCY_MONTHS = 120
MAX_GRACE_MONTHS = 24
STARTER_SECTIONS = [
    ("Onboarding (day one)", 0, "days"),
    ("Within 2 weeks", 2, "weeks"),
    ("Within 6 months", 6, "months"),
    ("Annual refreshers", 12, "months"),
]
ITEM_FIELDS = ["title", "description", "corporate_lead", "code", "frequency_months", "kind", "evidence",
               "confirmation", "prior_learning_accepted", "mandatory", "section_id",
               "refresher_title", "refresher_description", "grace_months"]
SECTION_FIELDS = ["name", "offset_amount", "offset_unit"]


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


# ---------------------------------------------------------------- sections

@dataclass(frozen=True)
class SectionValues:
    name: str
    offset: rules.Offset


def check_section(*, name: str, offset_amount: str, offset_unit: str) -> SectionValues:
    errors: dict[str, str] = {}
    refuse_controls(errors, name=name)
    clean_name = _clean(name)
    if "name" in errors:
        pass
    elif not clean_name:
        errors["name"] = "Enter the section's name, for example Within 2 weeks."
    elif len(clean_name) > 200:
        errors["name"] = "Use 200 characters or fewer."
    unit = offset_unit if offset_unit in OFFSET_LIMITS else None
    if unit is None:
        errors["offset_unit"] = "Choose days, weeks or months."
    raw = (offset_amount or "").strip()
    amount = None
    if not raw:
        errors["offset_amount"] = "Enter how long after the start date items in this section are due (0 for day one)."
    elif not raw.isdecimal():
        errors["offset_amount"] = "Enter the due offset as a whole number, for example 2."
    else:
        amount = int(raw) if len(raw) <= 9 else OFFSET_LIMITS.get(unit or "days", 3650) + 1   # out of range
        limit = OFFSET_LIMITS.get(unit or "days", 3650)
        if amount > limit:
            errors["offset_amount"] = f"Enter a number from 0 to {limit}."
    if errors:
        raise ValidationFailed(errors)
    return SectionValues(name=clean_name, offset=rules.Offset(amount, unit))


def add_section(*, actor: Person, template: PassportTemplate, name: str, offset_amount: str, offset_unit: str
                ) -> Section:
    values = check_section(name=name, offset_amount=offset_amount, offset_unit=offset_unit)
    last = db.session.scalar(select(func.max(Section.position)).where(Section.template_id == template.id))
    section = Section(template_id=template.id, name=values.name, position=(last + 1) if last is not None else 0,
                      offset_amount=values.offset.amount, offset_unit=OffsetUnit(values.offset.unit))
    db.session.add(section)
    db.session.flush()
    audit.log(actor=actor, action=Action.SECTION_ADDED, subject=section, person_id=None,
              summary=f"Section added to {template.name}: {values.name}, due {values.offset.describe()}",
              after=audit.snapshot(section, SECTION_FIELDS))
    return section


def offset_of(section: Section) -> rules.Offset:
    return rules.Offset(section.offset_amount, section.offset_unit.value)


def update_section(*, actor: Person, section: Section, values: SectionValues) -> list[str]:
    before = audit.snapshot(section, SECTION_FIELDS)
    section.name = values.name
    section.offset_amount = values.offset.amount
    section.offset_unit = OffsetUnit(values.offset.unit)
    after = audit.snapshot(section, SECTION_FIELDS)
    changed = [k for k in after if after[k] != before[k]]
    if changed:
        template = db.session.get(PassportTemplate, section.template_id)
        audit.log(actor=actor, action=Action.SECTION_CHANGED, subject=section, person_id=None,
                  summary=f"{values.name} in {template.name}: {describe_changes(before, after)}",
                  before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return changed


def move_section(*, actor: Person, section: Section, direction: str) -> bool:
    siblings = db.session.scalars(select(Section).where(Section.template_id == section.template_id)
                                  .order_by(Section.position, Section.id)).all()
    return _move(actor, section, siblings, direction, what="Section", title=section.name)


def remove_section(*, actor: Person, section: Section) -> None:
    """Only an empty section goes: items (archived ones included) keep their section."""
    count = db.session.scalar(select(func.count(Item.id)).where(Item.section_id == section.id))
    if count:
        raise Conflict(f"{section.name} still holds {count} item{'s' if count != 1 else ''}: "
                       f"move or remove them first.")
    template = db.session.get(PassportTemplate, section.template_id)
    audit.log(actor=actor, action=Action.SECTION_REMOVED, subject=section, person_id=None,
              summary=f"Empty section removed from {template.name}: {section.name}",
              before=audit.snapshot(section, SECTION_FIELDS))
    db.session.execute(delete(Section).where(Section.id == section.id))
    db.session.expunge(section)


# ---------------------------------------------------------------- items

@dataclass(frozen=True)
class ItemValues:
    title: str
    description: str
    corporate_lead: str
    code: str | None
    frequency_months: int | None
    kind: ItemKind
    evidence: EvidenceRule
    confirmation: Confirmation
    prior_learning_accepted: bool
    mandatory: bool
    section_id: int
    national_names: tuple[str, ...] = ()
    # The refresher (PRODUCT.md §6.3): its title ("" for none), what it is, and the grace in months.
    refresher_title: str = ""
    refresher_description: str = ""
    grace_months: int = 0


def check_item(form: dict, *, template: PassportTemplate, item: Item | None = None) -> ItemValues:
    """Validate an item form (plain strings, as posted). Checkboxes are present or absent.

    *item* is the item being edited (None for a new one): its own code and names are not a clash."""
    errors: dict[str, str] = {}
    refuse_controls(errors, **{k: form.get(k) for k in ("title", "description", "corporate_lead", "code")})
    title = _clean(form.get("title"))
    if "title" in errors:
        pass
    elif not title:
        errors["title"] = "Enter the item's title, for example Fire safety."
    elif len(title) > 200:
        errors["title"] = "Use 200 characters or fewer."
    description = (form.get("description") or "").strip()
    if "description" not in errors and len(description) > 2000:
        errors["description"] = "Use 2,000 characters or fewer."
    lead = _clean(form.get("corporate_lead"))
    if "corporate_lead" not in errors and len(lead) > 200:
        errors["corporate_lead"] = "Use 200 characters or fewer."
    code = _clean(form.get("code")) or None
    if "code" not in errors and code and len(code) > 60:
        errors["code"] = "Use 60 characters or fewer."
    elif "code" not in errors and code and (twin := _code_taken(template, code, item)):
        errors["code"] = (f"{twin} in this passport already has the code {code}: a code names one subject, "
                          f"once in each passport.")
    names = _check_names(form.get("national_names"), template, item, errors, code=code)
    raw = (form.get("frequency_months") or "").strip()
    frequency = None
    if raw:
        months = (int(raw) if len(raw) <= 9 else MAX_FREQUENCY_MONTHS + 1) if raw.isdecimal() else 0
        if months == 0:
            errors["frequency_months"] = ("Enter how many months until it must be renewed, as a whole number "
                                          "(12 for yearly), or leave it empty if it is done once.")
        elif months > MAX_FREQUENCY_MONTHS:
            errors["frequency_months"] = f"Enter a number of months from 1 to {MAX_FREQUENCY_MONTHS}."
        else:
            frequency = months
    kinds = {k.value: k for k in ItemKind}
    kind = kinds.get(form.get("kind") or "")
    if kind is None:
        errors["kind"] = "Choose whether the learner's own tick counts or an educator must sign it off."
    evidences = {e.value: e for e in EvidenceRule}
    evidence = evidences.get(form.get("evidence") or "")
    if evidence is None:
        errors["evidence"] = "Choose whether evidence is not asked for, optional or required."
    confirmations = {c.value: c for c in Confirmation}
    if form.get("confirmation") is None:     # not asked (an older form): as the model decides for a new item
        confirmation = (Confirmation.EVIDENCE if evidence is EvidenceRule.REQUIRED and kind is ItemKind.LEARNING
                        else Confirmation.AT_ONCE)
    else:
        confirmation = confirmations.get(form.get("confirmation") or "")
    if confirmation is None:
        errors["confirmation"] = ("Choose how a learner's own record counts: at once, with evidence checked, "
                                  "or after an educator's confirmation.")
    elif (confirmation is Confirmation.EVIDENCE and kind is not ItemKind.COMPETENCY and evidence is not None
            and evidence is not EvidenceRule.REQUIRED):
        errors["confirmation"] = ("An evidence check needs a file with every record: set Evidence to Required, "
                                  "or choose another way the record counts.")
    section_id = None
    wanted_section = to_id(str(form.get("section_id") or ""))
    if wanted_section is not None:
        section_id = db.session.scalar(select(Section.id).where(Section.id == wanted_section,
                                                                Section.template_id == template.id))
    if section_id is None:
        errors["section_id"] = "Choose the section the item belongs to."
    refresher = _check_refresher(form, item, errors, recurring=frequency is not None or bool(
        errors.get("frequency_months")))
    if errors:
        raise ValidationFailed(errors)
    return ItemValues(title=title, description=description, corporate_lead=lead, code=code,
                      frequency_months=frequency, kind=kind, evidence=evidence, confirmation=confirmation,
                      prior_learning_accepted=bool(form.get("prior_learning_accepted")),
                      mandatory=bool(form.get("mandatory")), section_id=section_id,
                      national_names=tuple(names), **refresher)


def _check_refresher(form: dict, item: Item | None, errors: dict, *, recurring: bool) -> dict:
    """The refresher's title and description and the grace in months (PRODUCT.md §6.3), as posted. A form
    that does not send them (an older one) keeps what the item has. A refresher renews something that
    expires, so it needs a frequency; grace is the refresher's, so it needs one."""
    def posted(name: str, kept):
        value = form.get(name)
        return kept if value is None else value

    title_raw = posted("refresher_title", item.refresher_title if item else "")
    description_raw = posted("refresher_description", item.refresher_description if item else "")
    grace_raw = posted("grace_months", str(item.grace_months) if item else "")
    refuse_controls(errors, refresher_title=title_raw, refresher_description=description_raw,
                    grace_months=str(grace_raw))
    title = _clean(title_raw)
    description = (description_raw or "").strip()
    if "refresher_title" in errors:
        pass
    elif len(title) > 200:
        errors["refresher_title"] = "Use 200 characters or fewer."
    elif title and not recurring:
        errors["refresher_title"] = ("A refresher renews something that expires: enter how many months until it "
                                     "must be renewed (Renew every), or leave the refresher empty.")
    elif description and not title:
        errors["refresher_title"] = ("Enter the refresher's title, for example BLS update, 1 hour, or leave its "
                                     "description empty too.")
    if "refresher_description" not in errors and len(description) > 2000:
        errors["refresher_description"] = "Use 2,000 characters or fewer."
    raw = str(grace_raw or "").strip()
    grace = 0
    if "grace_months" in errors:
        pass
    elif raw and (not raw.isdecimal() or len(raw) > 2 or int(raw) > MAX_GRACE_MONTHS):
        errors["grace_months"] = (f"Enter the grace as a whole number of months from 0 to {MAX_GRACE_MONTHS}, "
                                  f"for example 3.")
    elif raw:
        grace = int(raw)
        if grace and not title and "refresher_title" not in errors:
            errors["grace_months"] = ("Grace is how late a refresher may still be done: give the item a refresher, "
                                      "or set the grace to 0.")
    return dict(refresher_title=title, refresher_description=description if title else "", grace_months=grace)


def _code_taken(template: PassportTemplate, code: str, item: Item | None) -> str | None:
    """The title of another live item of this passport with the same code (case and spaces ignored)."""
    wanted = normalise_code(code)
    for other_id, title, other_code in db.session.execute(
            select(Item.id, Item.title, Item.code).where(Item.template_id == template.id, Item.archived_at.is_(None),
                                                          Item.code.is_not(None))):
        if normalise_code(other_code) == wanted and (item is None or other_id != item.id):
            return title
    return None


def _check_names(text: str | None, template: PassportTemplate, item: Item | None, errors: dict, *,
                 code: str | None = None) -> list[str]:
    """The national names of the form's textarea, one a line (PRODUCT.md §6.1)."""
    refuse_controls(errors, national_names=(text or "").replace("\r", "").replace("\n", " "))
    if "national_names" in errors:
        return []
    names = split_names(text or "")
    long = next((n for n in names if len(n) > MAX_NAME_LENGTH), None)
    if long:
        errors["national_names"] = f"Use {MAX_NAME_LENGTH} characters or fewer for each name: “{long[:40]}…” is longer."
    elif len(names) > MAX_NAMES:
        errors["national_names"] = f"List at most {MAX_NAMES} names."
    elif clash := national_names.listed_elsewhere(template.id, names, except_item_id=item.id if item else None):
        name = next(n for n in names if normalise_name(n) in clash)
        errors["national_names"] = (f"{clash[normalise_name(name)]} in this passport already answers to “{name}”: "
                                    f"a name can fill only one item of a passport.")
    elif other := national_names.listed_by_another_subject(names, code=code, item_id=item.id if item else None):
        name = next(n for n in names if normalise_name(n) in other)
        errors["national_names"] = (f"{other[normalise_name(name)]} already answers to “{name}” as another subject: "
                                    f"give this item the same code to make them one subject, or list the name "
                                    f"on one of them only.")
    return names


def add_item(*, actor: Person, template: PassportTemplate, values: ItemValues, today: dt.date) -> Item:
    last = db.session.scalar(select(func.max(Item.position)).where(Item.section_id == values.section_id))
    item = Item(template_id=template.id, position=(last + 1) if last is not None else 0, added_on=today,
                **_item_kwargs(values))
    db.session.add(item)
    db.session.flush()
    national_names.set_names(item, list(values.national_names))
    audit.log(actor=actor, action=Action.ITEM_ADDED, subject=item, person_id=None,
              summary=f"Item added to {template.name}: {item.title}",
              after={**audit.snapshot(item, ITEM_FIELDS), "national_names": list(values.national_names)})
    return item


def _item_kwargs(values: ItemValues) -> dict:
    return dict(title=values.title, description=values.description, corporate_lead=values.corporate_lead,
                code=values.code, frequency_months=values.frequency_months, kind=values.kind,
                evidence=values.evidence, confirmation=values.confirmation,
                prior_learning_accepted=values.prior_learning_accepted,
                mandatory=values.mandatory, section_id=values.section_id,
                refresher_title=values.refresher_title, refresher_description=values.refresher_description,
                grace_months=values.grace_months)


def update_item(*, actor: Person, item: Item, values: ItemValues) -> list[str]:
    before = {**audit.snapshot(item, ITEM_FIELDS),
              "national_names": national_names.names_of([item.id]).get(item.id, [])}
    moved_section = values.section_id != item.section_id
    for key, value in _item_kwargs(values).items():
        setattr(item, key, value)
    if moved_section:   # to the end of its new section
        last = db.session.scalar(select(func.max(Item.position)).where(Item.section_id == values.section_id,
                                                                       Item.id != item.id))
        item.position = (last + 1) if last is not None else 0
    national_names.set_names(item, list(values.national_names))
    after = {**audit.snapshot(item, ITEM_FIELDS), "national_names": list(values.national_names)}
    changed = [k for k in after if after[k] != before[k]]
    if changed:
        template = db.session.get(PassportTemplate, item.template_id)
        sections = {"section_id": {s.id: s.name for s in db.session.scalars(select(Section).where(
            Section.id.in_({before["section_id"], after["section_id"]})))}} if "section_id" in changed else {}
        audit.log(actor=actor, action=Action.ITEM_CHANGED, subject=item, person_id=None,
                  summary=f"{item.title} in {template.name}: {describe_changes(before, after, sections)}",
                  before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    db.session.flush()
    return changed


def move_item(*, actor: Person, item: Item, direction: str) -> bool:
    siblings = db.session.scalars(select(Item).where(Item.section_id == item.section_id)
                                  .order_by(Item.position, Item.id)).all()
    return _move(actor, item, siblings, direction, what="Item", title=item.title)


def has_entries(item: Item) -> bool:
    return db.session.scalar(select(Entry.id).where(Entry.item_id == item.id).limit(1)) is not None


def remove_item(*, actor: Person, item: Item) -> str:
    """Archive an item that has entries; delete one nobody has recorded against. Returns "archived" or "deleted"."""
    template = db.session.get(PassportTemplate, item.template_id)
    if has_entries(item):
        if item.archived_at is None:
            item.archived_at = clock.now()
            audit.log(actor=actor, action=Action.ITEM_ARCHIVED, subject=item, person_id=None,
                      summary=f"Item archived in {template.name}: {item.title} (entries kept; no longer required)",
                      before={"archived_at": None}, after={"archived_at": item.archived_at})
        return "archived"
    audit.log(actor=actor, action=Action.ITEM_REMOVED, subject=item, person_id=None,
              summary=f"Item removed from {template.name}: {item.title} (nobody had recorded it)",
              before=audit.snapshot(item, ITEM_FIELDS))
    db.session.delete(item)
    db.session.flush()
    return "deleted"


def restore_item(*, actor: Person, item: Item) -> None:
    if item.archived_at is None:
        return
    template = db.session.get(PassportTemplate, item.template_id)
    before = item.archived_at
    item.archived_at = None
    audit.log(actor=actor, action=Action.ITEM_RESTORED, subject=item, person_id=None,
              summary=f"Item restored in {template.name}: {item.title}",
              before={"archived_at": before}, after={"archived_at": None})


# ---------------------------------------------------------------- ordering

def _move(actor, thing, siblings, direction, *, what: str, title: str) -> bool:
    """Swap *thing* with its neighbour; positions are renumbered 0..n-1 on the way. False at either end."""
    siblings = list(siblings)
    index = next(i for i, s in enumerate(siblings) if s.id == thing.id)
    target = index - 1 if direction == "up" else index + 1 if direction == "down" else None
    if target is None or not 0 <= target < len(siblings):
        return False
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings):
        sibling.position = position
    action = Action.SECTION_MOVED if what == "Section" else Action.ITEM_MOVED
    audit.log(actor=actor, action=action, subject=thing, person_id=None,
              summary=f"{what} moved {direction}: {title} is now {target + 1} of {len(siblings)}",
              before={"position": index + 1}, after={"position": target + 1})
    db.session.flush()
    return True


def position_of(thing, siblings) -> tuple[int, int]:
    ids = [s.id for s in siblings]
    return ids.index(thing.id) + 1, len(ids)
