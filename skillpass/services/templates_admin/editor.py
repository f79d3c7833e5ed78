"""What the template editor shows: the list of passports, and one passport's sections and items with
what depends on them (items somebody recorded, people holding it, rules giving it), each in a
constant number of queries."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select

from skillpass import rules
from skillpass.extensions import db
from skillpass.models import (
    Assignment,
    AssignmentRule,
    Entry,
    EvidenceRule,
    Item,
    ItemKind,
    PassportTemplate,
    Person,
    Section,
    TemplateStatus,
)
from skillpass.services import impact as impact_service
from skillpass.services import national_names
from skillpass.services.impact import Impact
from skillpass.services.templates_admin.structure import ItemValues, offset_of


@dataclass
class Block:
    """A section with its items (archived ones included), in order."""
    section: Section
    items: list[Item]

    @property
    def offset(self) -> rules.Offset:
        return offset_of(self.section)


@dataclass
class EditorView:
    template: PassportTemplate
    blocks: list[Block]
    used: set[int]                  # items somebody has recorded: archived, never deleted
    holders: int                    # active people holding the passport
    giving: list[AssignmentRule]    # live rules that give it
    names: dict[int, list[str]] = field(default_factory=dict)   # national names, by item
    kinds: list[ItemKind] = field(default_factory=lambda: list(ItemKind))
    evidence_rules: list[EvidenceRule] = field(default_factory=lambda: list(EvidenceRule))

    @property
    def sections(self) -> list[Section]:
        return [b.section for b in self.blocks]

    def block(self, section_id: int) -> Block:
        return next(b for b in self.blocks if b.section.id == section_id)

    def block_info(self, section_id: int) -> dict:
        """A section's block, and whether it is the first or the last (its move buttons)."""
        index = next(i for i, b in enumerate(self.blocks) if b.section.id == section_id)
        return dict(block=self.blocks[index], first=index == 0, last=index == len(self.blocks) - 1)

    def context(self) -> dict:
        """The names the editor's templates read."""
        return dict(template=self.template, blocks=self.blocks, used=self.used, holders=self.holders,
                    giving=self.giving, sections=self.sections, kinds=self.kinds, evidence_rules=self.evidence_rules,
                    national_names=self.names)


def editor(template: PassportTemplate) -> EditorView:
    sections = db.session.scalars(select(Section).where(Section.template_id == template.id)
                                  .order_by(Section.position, Section.id)).all()
    items = db.session.scalars(select(Item).where(Item.template_id == template.id)
                               .order_by(Item.position, Item.id)).all()
    used = set(db.session.scalars(select(Entry.item_id).where(
        Entry.item_id.in_(select(Item.id).where(Item.template_id == template.id))).distinct()))
    holders = db.session.scalar(select(func.count(Assignment.id)).join(Person, Person.id == Assignment.person_id)
                                .where(Assignment.template_id == template.id, Assignment.removed_on.is_(None),
                                       Person.active.is_(True)))
    giving = db.session.scalars(select(AssignmentRule).where(AssignmentRule.template_id == template.id,
                                                             AssignmentRule.archived_at.is_(None))).all()
    blocks = [Block(section=s, items=[i for i in items if i.section_id == s.id]) for s in sections]
    return EditorView(template=template, blocks=blocks, used=used, holders=holders, giving=list(giving),
                      names=national_names.names_of(i.id for i in items))


@dataclass
class TemplateList:
    templates: list[PassportTemplate]   # archived ones last
    item_counts: dict[int, int]         # live items
    holder_counts: dict[int, int]       # active people holding each


def template_list() -> TemplateList:
    templates = db.session.scalars(select(PassportTemplate).order_by(
        PassportTemplate.status == TemplateStatus.ARCHIVED, PassportTemplate.name)).all()
    item_counts = dict(db.session.execute(select(Item.template_id, func.count(Item.id))
                                          .where(Item.archived_at.is_(None)).group_by(Item.template_id)).all())
    holder_counts = dict(db.session.execute(
        select(Assignment.template_id, func.count(Assignment.id)).join(Person, Person.id == Assignment.person_id)
        .where(Assignment.removed_on.is_(None), Person.active.is_(True)).group_by(Assignment.template_id)).all())
    return TemplateList(templates=list(templates), item_counts=item_counts, holder_counts=holder_counts)


def item_change_impact(item: Item, template: PassportTemplate, checked: ItemValues, *, confirmed: str | None,
                       today: dt.date, warning_days: int) -> Impact | None:
    """The impact of a new frequency or section, or of a refresher given, taken away or given another grace
    (PRODUCT.md §6.3), on the people holding the passport, unless there is none, or this exact change (its
    fingerprint) was previewed and confirmed."""
    new_section = db.session.get(Section, checked.section_id)
    old_section = db.session.get(Section, item.section_id)
    old_offset, new_offset = offset_of(old_section), offset_of(new_section)
    refresher_before = (item.has_refresher, item.grace_months if item.has_refresher else 0)
    refresher_after = (bool(checked.refresher_title), checked.grace_months if checked.refresher_title else 0)
    if (checked.frequency_months == item.frequency_months and old_offset == new_offset
            and refresher_before == refresher_after):
        return None
    fingerprint = f"{checked.frequency_months or 'once'} {checked.section_id}"
    if refresher_before[0] or refresher_after[0]:
        fingerprint += f" refresher {'yes' if refresher_after[0] else 'no'} grace {refresher_after[1]}"
    if confirmed == fingerprint:
        return None
    parts = []
    if checked.frequency_months != item.frequency_months:
        parts.append(f"{rules.describe_frequency(item.frequency_months).lower()} → "
                     f"{rules.describe_frequency(checked.frequency_months).lower()}")
    if old_offset != new_offset:
        parts.append(f"due {old_offset.describe()} → {new_offset.describe()} (moves to {new_section.name})")
    if refresher_before[0] != refresher_after[0]:
        parts.append(f"refresher {checked.refresher_title} added" if refresher_after[0]
                     else f"refresher {item.refresher_title} removed: renewed by the full course")
    if refresher_after[0] and refresher_before[1] != refresher_after[1]:
        parts.append(f"grace {_months(refresher_before[1])} → {_months(refresher_after[1])}")
    preview = impact_service.impact(
        today=today, warning_days=warning_days, template_id=template.id,
        item_frequency={item.id: checked.frequency_months}, item_offset={item.id: new_offset},
        item_refresher={item.id: refresher_after},
        what=f"{item.title}: " + "; ".join(parts))
    if not preview.people or item.archived_at is not None:
        return None
    preview.fingerprint = fingerprint
    return preview


def _months(n: int) -> str:
    return f"{n} month{'' if n == 1 else 's'}"
