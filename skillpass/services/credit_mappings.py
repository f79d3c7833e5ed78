"""Credit across passports as admins keep it: "holding X counts as Y" (issue 17, item 4).

A mapping's source is an item (an accepted entry of it, or of any item of its subject) or a named external
qualification (an accepted *equivalent training demonstrated* entry naming it); its targets are items of
other passports. Mappings are added and ended, never edited or deleted; the audit log keeps both. How the
date rules read them is services/credit.py; what a mapping would change is worked out here, before it is
saved or ended, with the same rules and the team figures' loads (a constant number of queries)."""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import select, update

from skillpass import clock
from skillpass.extensions import db
from skillpass.inputs import refuse_controls, to_id
from skillpass.labels import Action
from skillpass.models import (
    CreditMapping,
    CreditTarget,
    Item,
    PassportTemplate,
    Person,
    Section,
    TemplateStatus,
)
from skillpass.services import audit, item_dates
from skillpass.services.errors import Conflict, ValidationFailed
from skillpass.subjects import normalise_name, subject_key

ITEM = "item"
QUALIFICATION = "qualification"
#: What a row says its credit came from when the source is a named qualification ("credit from …").
NAMED_QUALIFICATION = "a named qualification"
MAX_QUALIFICATION = 200
MAX_NOTE = 1000


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def item_label(title: str, passport: str) -> str:
    """An item as the mapping pages name it: "Safeguarding adults (Core Skills (CSTF))"."""
    return f"{title} ({passport})"


# ---------------------------------------------------------------- what can be chosen

class ItemChoice(NamedTuple):
    id: int
    title: str
    code: str | None


class PassportChoice(NamedTuple):
    id: int
    name: str
    items: list[ItemChoice]


def choices() -> list[PassportChoice]:
    """Every published passport (by name) with its live items (in passport order): the sources and targets
    on offer. One query."""
    found: dict[int, PassportChoice] = {}
    for item_id, title, code, template_id, name in db.session.execute(
            select(Item.id, Item.title, Item.code, PassportTemplate.id, PassportTemplate.name)
            .join(PassportTemplate, PassportTemplate.id == Item.template_id)
            .join(Section, Section.id == Item.section_id)
            .where(Item.archived_at.is_(None), PassportTemplate.status == TemplateStatus.PUBLISHED)
            .order_by(PassportTemplate.name, PassportTemplate.id, Section.position, Section.id, Item.position,
                      Item.id)):
        found.setdefault(template_id, PassportChoice(template_id, name, [])).items.append(
            ItemChoice(item_id, title, code))
    return list(found.values())


# ---------------------------------------------------------------- the mappings, in words

@dataclass
class MappingView:
    """A mapping as its pages show it: the source and each target in words, who made it and who ended it."""
    mapping: CreditMapping
    source: str                      # "Safeguarding adults level 2 (Care Certificate)", or the qualification
    named: bool                      # the source is a named qualification
    targets: list[str] = field(default_factory=list)
    created_by: str = ""
    ended_by: str = ""

    @property
    def words(self) -> str:
        """"Care Certificate standard 13 counts as: Safeguarding adults (Core Skills (CSTF))"."""
        return f"{self.source} counts as: {', '.join(self.targets)}"

    @property
    def source_kind(self) -> str:
        return "named qualification" if self.named else "passport item"


def views_of(mappings: list[CreditMapping]) -> list[MappingView]:
    """Each mapping in words. Three queries whatever the number of mappings."""
    if not mappings:
        return []
    ids = [m.id for m in mappings]
    targets: dict[int, list[str]] = defaultdict(list)
    for mapping_id, title, passport in db.session.execute(
            select(CreditTarget.mapping_id, Item.title, PassportTemplate.name)
            .join(Item, Item.id == CreditTarget.item_id)
            .join(PassportTemplate, PassportTemplate.id == Item.template_id)
            .where(CreditTarget.mapping_id.in_(ids)).order_by(CreditTarget.id)):
        targets[mapping_id].append(item_label(title, passport))
    source_ids = {m.source_item_id for m in mappings if m.source_item_id is not None}
    sources = {item_id: item_label(title, passport) for item_id, title, passport in db.session.execute(
        select(Item.id, Item.title, PassportTemplate.name)
        .join(PassportTemplate, PassportTemplate.id == Item.template_id)
        .where(Item.id.in_(source_ids)))} if source_ids else {}
    people_ids = {m.created_by_id for m in mappings} | {m.ended_by_id for m in mappings if m.ended_by_id}
    names = dict(db.session.execute(select(Person.id, Person.name).where(Person.id.in_(people_ids))).all())
    return [MappingView(mapping=m, source=sources.get(m.source_item_id, "") if m.source_item_id is not None
                        else m.source_qualification, named=m.source_item_id is None,
                        targets=targets.get(m.id, []), created_by=names.get(m.created_by_id, ""),
                        ended_by=names.get(m.ended_by_id, "") if m.ended_by_id else "")
            for m in mappings]


def mappings() -> tuple[list[MappingView], list[MappingView]]:
    """The live mappings (newest first), and the ended ones (most recently ended first)."""
    rows = db.session.scalars(select(CreditMapping).order_by(CreditMapping.created_at.desc(),
                                                              CreditMapping.id.desc())).all()
    views = views_of(list(rows))
    live = [v for v in views if v.mapping.ended_at is None]
    ended = sorted((v for v in views if v.mapping.ended_at is not None),
                   key=lambda v: (v.mapping.ended_at, v.mapping.id), reverse=True)
    return live, ended


def view_of(mapping: CreditMapping) -> MappingView:
    return views_of([mapping])[0]


# ---------------------------------------------------------------- a new mapping, checked

@dataclass
class Proposal:
    """A new mapping as checked: its source (an item, or a named qualification), its targets and note."""
    source_item: Item | None
    source_passport: str
    qualification: str
    targets: list[tuple[Item, str]]      # (item, its passport's name)
    note: str

    @property
    def source_words(self) -> str:
        if self.source_item is not None:
            return item_label(self.source_item.title, self.source_passport)
        return self.qualification

    @property
    def target_words(self) -> list[str]:
        return [item_label(item.title, passport) for item, passport in self.targets]

    @property
    def words(self) -> str:
        return f"{self.source_words} counts as: {', '.join(self.target_words)}"

    @property
    def fingerprint(self) -> str:
        """The choice a preview showed (source and targets, in any order): what its Save button confirms."""
        source = f"{ITEM}:{self.source_item.id}" if self.source_item is not None else \
            f"{QUALIFICATION}:{normalise_name(self.qualification)}"
        choice = f"{source}|{','.join(str(i) for i in sorted(item.id for item, _ in self.targets))}"
        return hashlib.sha256(choice.encode()).hexdigest()[:16]

    def as_record(self) -> dict:
        """What the audit log keeps of it (before and after)."""
        return {"source": self.source_words, "targets": "; ".join(self.target_words), "note": self.note}


def _published_items(item_ids) -> dict[int, tuple[Item, str]]:
    """Live items of published passports among *item_ids*, with their passport's name."""
    if not item_ids:
        return {}
    return {item.id: (item, name) for item, name in db.session.execute(
        select(Item, PassportTemplate.name).join(PassportTemplate, PassportTemplate.id == Item.template_id)
        .where(Item.id.in_(sorted(item_ids)), Item.archived_at.is_(None),
               PassportTemplate.status == TemplateStatus.PUBLISHED))}


def _titles(items: list[Item]) -> str:
    names = [item.title for item in items]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def check(*, source_kind: str | None, source_item_id=None, qualification: str | None = "", target_ids=(),
          note: str | None = "") -> Proposal:
    """A new mapping, checked: ValidationFailed with a message for each field that is wrong (source_kind,
    source_item, source_qualification, targets, note). Targets must be items of other passports than the
    source's, not of the source's subject (a record of it counts there already), and not already given by a
    live mapping from the same source."""
    errors: dict[str, str] = {}
    refuse_controls(errors, source_qualification=qualification, note=note)
    kind = (source_kind or "").strip()
    wanted = list(dict.fromkeys(i for i in (to_id(t) if not isinstance(t, int) else t for t in target_ids)
                                if i is not None))
    source_id = source_item_id if isinstance(source_item_id, int) else to_id(source_item_id or "")
    found = _published_items(set(wanted) | ({source_id} if kind == ITEM and source_id else set()))
    source_item, source_passport, name = None, "", ""
    if kind == ITEM:
        if source_id is None or source_id not in found:
            errors["source_item"] = "Choose the item whose accepted records count, from a published passport."
        else:
            source_item, source_passport = found[source_id]
    elif kind == QUALIFICATION:
        name = _clean(qualification)
        if "source_qualification" in errors:
            pass
        elif not name:
            errors["source_qualification"] = ("Enter the name of the qualification, as people write it when they "
                                              "record equivalent training: for example, Care Certificate standard 13.")
        elif len(name) > MAX_QUALIFICATION:
            errors["source_qualification"] = f"Use {MAX_QUALIFICATION} characters or fewer."
    else:
        errors["source_kind"] = "Choose where the credit comes from: an item of a passport, or a named qualification."
    targets = [found[i] for i in wanted if i in found]
    if not wanted:
        errors["targets"] = "Choose at least one item it counts as."
    elif len(targets) != len(wanted):
        errors["targets"] = "Choose items of published passports: one of those chosen is archived or not there."
    elif source_item is not None:
        same = [item for item, _ in targets if item.id == source_item.id]
        own = [item for item, _ in targets if item.template_id == source_item.template_id and item not in same]
        subject = subject_key(source_item.id, source_item.code)
        shared = [item for item, _ in targets if item not in same and item not in own
                  and subject_key(item.id, item.code) == subject]
        if same:
            errors["targets"] = (f"{source_item.title} is the source itself: choose items of other passports "
                                 f"that it counts as.")
        elif own:
            errors["targets"] = (f"{_titles(own)} {'is' if len(own) == 1 else 'are'} in {source_passport}, the "
                                 f"source's own passport: choose items of other passports.")
        elif shared:
            errors["targets"] = (f"{_titles(shared)} {'has' if len(shared) == 1 else 'have'} the source's code "
                                 f"({source_item.code}): a record of either already counts for both.")
    note_text = (note or "").strip()
    if "note" not in errors and len(note_text) > MAX_NOTE:
        errors["note"] = f"Use {MAX_NOTE:,} characters or fewer."
    if not errors and (source_item is not None or name):
        taken = _already_given(source_item, name, [item.id for item, _ in targets])
        if taken:
            errors["targets"] = (f"{source_item.title if source_item else name} already counts as "
                                 f"{_titles(taken)}: untick {'it' if len(taken) == 1 else 'them'}, or end that "
                                 f"mapping first.")
    if errors:
        raise ValidationFailed(errors)
    return Proposal(source_item=source_item, source_passport=source_passport, qualification=name,
                    targets=targets, note=note_text)


def _already_given(source_item: Item | None, name: str, target_ids: list[int]) -> list[Item]:
    """The targets a live mapping from the same source gives already."""
    same_source = (CreditMapping.source_item_id == source_item.id) if source_item is not None else \
        (CreditMapping.source_key == normalise_name(name))
    return list(db.session.scalars(
        select(Item).join(CreditTarget, CreditTarget.item_id == Item.id)
        .join(CreditMapping, CreditMapping.id == CreditTarget.mapping_id)
        .where(CreditMapping.ended_at.is_(None), same_source, Item.id.in_(target_ids))
        .order_by(Item.title, Item.id)).unique())


# ---------------------------------------------------------------- writes

def create_mapping(*, actor: Person, proposal: Proposal) -> CreditMapping:
    """Save a checked mapping and its targets, and audit it. The rules read it from the next page on."""
    mapping = CreditMapping(
        source_item_id=proposal.source_item.id if proposal.source_item is not None else None,
        source_qualification=proposal.qualification if proposal.source_item is None else "",
        source_key=normalise_name(proposal.qualification) if proposal.source_item is None else "",
        note=proposal.note, created_by_id=actor.id, created_at=clock.now())
    db.session.add(mapping)
    db.session.flush()
    db.session.add_all([CreditTarget(mapping_id=mapping.id, item_id=item.id) for item, _ in proposal.targets])
    db.session.flush()
    audit.log(actor=actor, action=Action.CREDIT_MAPPING_CREATED, subject=mapping, person_id=None,
              summary=f"Credit across passports: {proposal.words}", after=proposal.as_record())
    return mapping


ALREADY_ENDED = "This mapping was already ended, so nothing changed."


def end_mapping(*, actor: Person, mapping: CreditMapping) -> None:
    """End a live mapping (kept, never deleted): from now on the rows it met count their own entries.
    Ended once: a second ending (two admins at once) is refused with Conflict."""
    now = clock.now()
    ended = db.session.execute(
        update(CreditMapping).where(CreditMapping.id == mapping.id, CreditMapping.ended_at.is_(None))
        .values(ended_at=now, ended_by_id=actor.id).execution_options(synchronize_session=False))
    if ended.rowcount != 1:
        raise Conflict(ALREADY_ENDED, field="__all__")
    item_dates.touch_everyone(db.session)     # a Core statement: the kept dates are told of it
    db.session.refresh(mapping)
    view = view_of(mapping)
    record = {"source": view.source, "targets": "; ".join(view.targets), "note": mapping.note}
    audit.log(actor=actor, action=Action.CREDIT_MAPPING_ENDED, subject=mapping, person_id=None,
              summary=f"Credit across passports ended: {view.words}",
              before={**record, "status": "live"}, after={**record, "status": "ended"})
