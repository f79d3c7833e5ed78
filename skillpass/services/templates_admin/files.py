"""A passport template as a file (PRODUCT.md §6.6: "templates export and import as a file, so a network of trusts
can share one passport"): a versioned JSON document, described by docs/passport-template.schema.json.

The file holds everything that defines the passport — its name and description, its sections with their due
offsets, and each live item with every field the editor sets and the national names it answers to — and nothing
about people, entries, assignments or ids: what the editor's copy keeps (archived items stay behind).

Importing reads the file, checks its shape (naming the section, item and field of anything missing or of the
wrong type), and makes a NEW DRAFT through the editor's own services, so every value passes the editor's own
checks (offsets, frequencies, grace, refresher, codes and national names unique as §6.1 asks). The preview is the
same import made in a savepoint and rolled back: what it shows, and what it refuses, is exactly what the import
would do. An import is never published: the admin reviews the draft in the editor and publishes it."""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from sqlalchemy import select

from skillpass import clock
from skillpass.extensions import db
from skillpass.labels import Action, field_label
from skillpass.models import Item, PassportTemplate, Person, Section, TemplateStatus
from skillpass.services import audit, national_names
from skillpass.services.errors import DomainError, ValidationFailed
from skillpass.services.templates_admin.passports import create_template
from skillpass.services.templates_admin.structure import add_item, add_section, check_item
from skillpass.subjects import normalise_code

SCHEMA = "https://skillpass.nhs.example/schemas/passport-template/1"
SCHEMA_VERSION = 1
MAX_FILE_BYTES = 2 * 1024 * 1024
IMPORTED_SUFFIX = "imported"

ITEM_KEYS = ("title", "description", "code", "kind", "frequency_months", "evidence", "prior_learning_accepted",
             "confirmation", "mandatory", "corporate_lead", "refresher_title", "refresher_description",
             "grace_months", "national_names")


# ---------------------------------------------------------------- export

def document(template: PassportTemplate, *, organisation: str, now: dt.datetime | None = None) -> dict:
    """The file's content: the template's sections in order, each with its live items in order."""
    sections = db.session.scalars(select(Section).where(Section.template_id == template.id)
                                  .order_by(Section.position, Section.id)).all()
    items = db.session.scalars(select(Item).where(Item.template_id == template.id, Item.archived_at.is_(None))
                               .order_by(Item.position, Item.id)).all()
    names = national_names.names_of([i.id for i in items])
    stamp = (now or clock.now()).astimezone(dt.timezone.utc).replace(microsecond=0)
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "exported_at": stamp.isoformat().replace("+00:00", "Z"),
        "exported_from": organisation,
        "template": {
            "name": template.name,
            "description": template.description or "",
            "sections": [{
                "name": section.name,
                "position": position,
                "offset": {"amount": section.offset_amount, "unit": section.offset_unit.value},
                "items": [_item(item, names.get(item.id, [])) for item in items if item.section_id == section.id],
            } for position, section in enumerate(sections)],
        },
    }


def _item(item: Item, names: list[str]) -> dict:
    return {
        "title": item.title,
        "description": item.description or "",
        "code": item.code or None,
        "kind": item.kind.value,
        "frequency_months": item.frequency_months,
        "evidence": item.evidence.value,
        "prior_learning_accepted": bool(item.prior_learning_accepted),
        "confirmation": item.confirmation.value,
        "mandatory": bool(item.mandatory),
        "corporate_lead": item.corporate_lead or "",
        "refresher_title": item.refresher_title or "",
        "refresher_description": item.refresher_description or "",
        "grace_months": item.grace_months or 0,
        "national_names": list(names),
    }


def export(*, actor: Person, template: PassportTemplate, organisation: str) -> tuple[str, str]:
    """(the file's name, its JSON text); audited."""
    content = document(template, organisation=organisation)
    items = sum(len(s["items"]) for s in content["template"]["sections"])
    audit.log(actor=actor, action=Action.TEMPLATE_EXPORTED, subject=template, person_id=None,
              summary=f"Passport template exported as a file: {template.name} "
                      f"({len(content['template']['sections'])} sections, {items} items)",
              after={"schema_version": SCHEMA_VERSION, "sections": len(content["template"]["sections"]),
                     "items": items})
    return filename(template), json.dumps(content, ensure_ascii=False, indent=2) + "\n"


def filename(template: PassportTemplate) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", template.name.lower()).strip("-")[:60].strip("-") or "passport"
    return f"skillpass-template-{slug}-v{SCHEMA_VERSION}.json"


# ---------------------------------------------------------------- reading a file

class FileRefused(ValidationFailed):
    """The file cannot be imported: ``problems`` says why, each naming where (the section, item and field)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__({"file": problems[0]})


@dataclass
class Preview:
    """What importing the file would make, as the confirm page shows it."""
    name: str                       # the draft's name
    file_name: str                  # the name in the file
    description: str
    exported_from: str
    exported_at: str
    sections: list[dict]            # as in the file: name, offset, items
    warnings: list[str] = field(default_factory=list)
    shared_codes: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (code, title, "X in Y" here)
    content: str = ""               # the checked file, compact: what the confirm form sends back

    @property
    def item_count(self) -> int:
        return sum(len(s["items"]) for s in self.sections)


def parse(text: str) -> dict:
    """The file's document, its shape checked. Raises FileRefused."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise FileRefused(["This file is not JSON: choose the .json file SkillPass downloaded from a passport "
                           "template's page (Download as a file)."]) from None
    if not isinstance(data, dict) or "schema" not in data:
        raise FileRefused(["This file is JSON but not a SkillPass passport template: it has no “schema”."])
    if data.get("schema") != SCHEMA:
        found = _short(data.get("schema"))
        raise FileRefused([f"This file is not a SkillPass passport template: its schema is “{found}”, not {SCHEMA}."])
    version = data.get("schema_version")
    if not _is_int(version) or version < 1:
        raise FileRefused(["The file's schema_version must be a whole number from 1."])
    if version > SCHEMA_VERSION:
        raise FileRefused([f"This template was exported by a newer SkillPass (file version {version}; this SkillPass "
                           f"reads version {SCHEMA_VERSION}): update SkillPass, or ask for a file of version "
                           f"{SCHEMA_VERSION}."])
    problems: list[str] = []
    template = data.get("template")
    if not isinstance(template, dict):
        raise FileRefused(["The file has no “template” object."])
    _expect(problems, template, "name", str, "The template")
    _expect(problems, template, "description", str, "The template", optional=True)
    sections = template.get("sections")
    if not isinstance(sections, list):
        problems.append("The template: “sections” must be a list.")
        sections = []
    for s_index, section in enumerate(sections, 1):
        where = f"Section {s_index}"
        if not isinstance(section, dict):
            problems.append(f"{where}: must be an object with a name, an offset and items.")
            continue
        if isinstance(section.get("name"), str) and section["name"].strip():
            where = f"Section {s_index} “{_short(section['name'])}”"
        _expect(problems, section, "name", str, where)
        offset = section.get("offset")
        if not isinstance(offset, dict):
            problems.append(f"{where}: “offset” must be an object with an amount and a unit.")
        else:
            _expect(problems, offset, "amount", int, f"{where}, offset")
            _expect(problems, offset, "unit", str, f"{where}, offset")
        items = section.get("items")
        if not isinstance(items, list):
            problems.append(f"{where}: “items” must be a list.")
            continue
        for i_index, item in enumerate(items, 1):
            place = f"{where}, item {i_index}"
            if not isinstance(item, dict):
                problems.append(f"{place}: must be an object.")
                continue
            if isinstance(item.get("title"), str) and item["title"].strip():
                place = f"{place} “{_short(item['title'])}”"
            for key, kind, optional in (("title", str, False), ("description", str, True), ("code", str, True),
                                        ("kind", str, False), ("frequency_months", int, True),
                                        ("evidence", str, False), ("prior_learning_accepted", bool, False),
                                        ("confirmation", str, False), ("mandatory", bool, False),
                                        ("corporate_lead", str, True), ("refresher_title", str, True),
                                        ("refresher_description", str, True), ("grace_months", int, True)):
                _expect(problems, item, key, kind, place, optional=optional)
            names = item.get("national_names", [])
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                problems.append(f"{place}: “national_names” must be a list of names.")
    if problems:
        raise FileRefused(problems)
    return data


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _expect(problems: list[str], obj: dict, key: str, kind, where: str, *, optional: bool = False) -> None:
    value = obj.get(key)
    if value is None:
        if not optional:
            problems.append(f"{where}: “{key}” is missing.")
        return
    ok = _is_int(value) if kind is int else isinstance(value, kind)
    if not ok:
        words = {str: "text", int: "a whole number", bool: "true or false"}[kind]
        problems.append(f"{where}: “{key}” must be {words}, not {_short(json.dumps(value))}.")


def _short(value, limit: int = 60) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


# ---------------------------------------------------------------- import

def import_name(name: str) -> str:
    """The file's name, or "X (imported)", "X (imported 2)" … when a template here already has it."""
    name = " ".join(name.split())
    taken = {n.lower() for n in db.session.scalars(select(PassportTemplate.name))}
    if name.lower() not in taken:
        return name
    n = 1
    while True:
        suffix = f" ({IMPORTED_SUFFIX})" if n == 1 else f" ({IMPORTED_SUFFIX} {n})"
        candidate = name[:200 - len(suffix)].rstrip() + suffix
        if candidate.lower() not in taken:
            return candidate
        n += 1


def _make(actor: Person, data: dict, *, today: dt.date) -> PassportTemplate:
    """The draft, made with the editor's own services (each change audited as the editor's), in the caller's
    transaction. Raises FileRefused naming the section, item and field the editor refused."""
    content = data["template"]
    name = import_name(content["name"])
    try:
        template = create_template(actor=actor, name=name, description=content.get("description") or "")
    except DomainError as error:
        raise FileRefused([f"The template: {field_label(k)}: {m}" for k, m in error.errors.items()]) from None
    problems: list[str] = []
    for s_index, raw in enumerate(content["sections"], 1):
        where = f"Section {s_index} “{_short(raw['name'])}”"
        try:
            section = add_section(actor=actor, template=template, name=raw["name"],
                                  offset_amount=str(raw["offset"]["amount"]), offset_unit=raw["offset"]["unit"])
        except DomainError as error:
            problems += [f"{where}: {_field(k)}: {m}" for k, m in error.errors.items()]
            continue
        for i_index, item in enumerate(raw["items"], 1):
            place = f"{where}, item {i_index} “{_short(item['title'])}”"
            values = {
                "title": item["title"], "description": item.get("description") or "",
                "corporate_lead": item.get("corporate_lead") or "", "code": item.get("code") or "",
                "national_names": "\n".join(item.get("national_names") or []),
                "frequency_months": "" if item.get("frequency_months") is None else str(item["frequency_months"]),
                "kind": item["kind"], "evidence": item["evidence"], "confirmation": item["confirmation"],
                "prior_learning_accepted": item["prior_learning_accepted"], "mandatory": item["mandatory"],
                "section_id": str(section.id), "refresher_title": item.get("refresher_title") or "",
                "refresher_description": item.get("refresher_description") or "",
                "grace_months": str(item.get("grace_months") or 0),
            }
            try:
                checked = check_item(values, template=template)
            except DomainError as error:
                problems += [f"{place}: {_field(k)}: {m}" for k, m in error.errors.items()]
                continue
            add_item(actor=actor, template=template, values=checked, today=today)
    if problems:
        raise FileRefused(problems)
    return template


def _field(key: str) -> str:
    """A field as the file names it, with the editor's words for it: “grace_months” (grace)."""
    label = field_label(key)
    return f"“{key}”" if label == key else f"“{key}” ({label})"


def preview(*, actor: Person, text: str, today: dt.date) -> Preview:
    """What the file would make, worked out by making it in a savepoint that is then rolled back. Raises
    FileRefused."""
    data = parse(text)
    content = data["template"]
    savepoint = db.session.begin_nested()
    try:
        template = _make(actor, data, today=today)
        name = template.name
    finally:
        savepoint.rollback()
    result = Preview(name=name, file_name=" ".join(content["name"].split()),
                     description=content.get("description") or "",
                     exported_from=str(data.get("exported_from") or ""), exported_at=str(data.get("exported_at") or ""),
                     sections=content["sections"],
                     content=json.dumps(data, ensure_ascii=True, separators=(",", ":")))
    if name != result.file_name:
        result.warnings.append(f"A template named {result.file_name} already exists: it will be imported as {name}.")
    result.shared_codes = _shared_codes(content["sections"])
    return result


def _shared_codes(sections: list[dict]) -> list[tuple[str, str, list[str]]]:
    """Codes of the file that live items of passports here already have: the imported items join those subjects
    (PRODUCT.md §6.1), so a record of either counts for both."""
    wanted = {normalise_code(i["code"]): (i["code"], i["title"]) for s in sections for i in s["items"] if i.get("code")}
    if not wanted:
        return []
    here: dict[str, list[str]] = {}
    for code, title, passport in db.session.execute(
            select(Item.code, Item.title, PassportTemplate.name).join(PassportTemplate,
                                                                      PassportTemplate.id == Item.template_id)
            .where(Item.archived_at.is_(None), Item.code.is_not(None),
                   PassportTemplate.status != TemplateStatus.ARCHIVED)
            .order_by(PassportTemplate.name, Item.title)):
        key = normalise_code(code)
        if key in wanted:
            here.setdefault(key, []).append(f"{title} in {passport}")
    return [(wanted[k][0], wanted[k][1], v) for k, v in here.items()]


def import_template(*, actor: Person, text: str, filename: str, today: dt.date) -> PassportTemplate:
    """Make the file's template as a new draft, in the caller's one transaction; audited. Raises FileRefused."""
    data = parse(text)
    template = _make(actor, data, today=today)
    sections = data["template"]["sections"]
    items = sum(len(s["items"]) for s in sections)
    source = data.get("exported_from") or "another SkillPass"
    audit.log(actor=actor, action=Action.TEMPLATE_IMPORTED, subject=template, person_id=None,
              summary=f"Passport template imported as a draft: {template.name}, from {filename} "
                      f"({source}; {len(sections)} sections, {items} items)",
              after={"file": filename, "exported_from": source, "name_in_file": data["template"]["name"],
                     "sections": len(sections), "items": items, "status": TemplateStatus.DRAFT})
    db.session.flush()
    return template
