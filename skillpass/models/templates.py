"""Passport templates: sections (time bands) and items; assignments to people."""
from __future__ import annotations

import datetime as dt
import enum
from collections import namedtuple

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillpass.extensions import db
from skillpass.models._types import UTCDateTime, enum_column, utcnow


class TemplateStatus(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class OffsetUnit(enum.Enum):
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"


class ItemKind(enum.Enum):
    LEARNING = "learning"      # the learner's own tick counts
    COMPETENCY = "competency"  # needs an educator's sign-off

    @property
    def label(self) -> str:
        return self.value.capitalize()


class EvidenceRule(enum.Enum):
    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


class Confirmation(enum.Enum):
    """How a learner's own *completed here* record of a learning item counts (PRODUCT.md §6.2).

    Competencies are always signed off and equivalent training always approved, whatever this says."""

    AT_ONCE = "at_once"      # counts as soon as it is recorded (self-declared)
    EVIDENCE = "evidence"    # needs a file, and counts once an educator has checked it
    EDUCATOR = "educator"    # counts once an educator has confirmed it

    @property
    def label(self) -> str:
        return {
            "at_once": "At once",
            "evidence": "With evidence checked by an educator",
            "educator": "After an educator's confirmation",
        }[self.value]


class AssignmentSource(enum.Enum):
    MANUAL = "manual"
    RULE = "rule"


class PassportTemplate(db.Model):
    __tablename__ = "passport_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[TemplateStatus] = mapped_column(
        enum_column(TemplateStatus, "template_status"), default=TemplateStatus.DRAFT
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sections: Mapped[list[Section]] = relationship(
        back_populates="template", order_by="Section.position", lazy="raise"
    )

    def __repr__(self) -> str:
        return f"<PassportTemplate {self.name}>"


class Section(db.Model):
    """A time band of a template, due a fixed offset after the anchor date."""

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("passport_template.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    offset_amount: Mapped[int] = mapped_column(default=0)
    offset_unit: Mapped[OffsetUnit] = mapped_column(enum_column(OffsetUnit, "offset_unit"), default=OffsetUnit.DAYS)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    template: Mapped[PassportTemplate] = relationship(back_populates="sections", lazy="raise")
    items: Mapped[list[Item]] = relationship(back_populates="section", order_by="Item.position", lazy="raise")

    __table_args__ = (CheckConstraint("offset_amount >= 0", name="offset_not_negative"),)


class ItemWords:
    """What an item says, worked out from its columns alone: shared by the mapped Item and the plain read-only rows
    a passport reads items as (ItemRecord)."""
    __slots__ = ()

    @property
    def has_refresher(self) -> bool:
        return bool(self.refresher_title)

    @property
    def counts_how(self) -> str:
        """How a learner's own record of it counts, in words: the editor, the record form."""
        if self.kind is ItemKind.COMPETENCY:
            return "After an educator's sign-off"
        return self.confirmation.label


class Item(ItemWords, db.Model):
    """One learning topic or competency."""

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("passport_template.id"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    corporate_lead: Mapped[str] = mapped_column(String(200), default="")
    code: Mapped[str | None] = mapped_column(String(60), index=True)
    # None: once, never expires; N: renew every N months.
    frequency_months: Mapped[int | None]
    kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind, "item_kind"), default=ItemKind.LEARNING)
    evidence: Mapped[EvidenceRule] = mapped_column(
        enum_column(EvidenceRule, "evidence_rule"), default=EvidenceRule.OPTIONAL
    )
    prior_learning_accepted: Mapped[bool] = mapped_column(default=True)
    confirmation: Mapped[Confirmation] = mapped_column(
        enum_column(Confirmation, "item_confirmation"), default=Confirmation.AT_ONCE
    )
    mandatory: Mapped[bool] = mapped_column(default=True)
    added_on: Mapped[dt.date]
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # A refresher distinct from the initial activity (PRODUCT.md §6.3): its title ("" when there is none),
    # what it is, and the grace G in months a late refresher still keeps the chain going.
    refresher_title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    refresher_description: Mapped[str] = mapped_column(Text, default="", server_default="")
    grace_months: Mapped[int] = mapped_column(default=0, server_default="0")

    section: Mapped[Section] = relationship(back_populates="items", lazy="raise")

    __table_args__ = (
        CheckConstraint("frequency_months IS NULL OR frequency_months > 0", name="frequency_positive"),
        CheckConstraint("grace_months >= 0", name="grace_not_negative"),
        # A refresher renews something that expires: only a recurring item has one.
        CheckConstraint("refresher_title = '' OR frequency_months IS NOT NULL", name="refresher_needs_frequency"),
        # A code is unique within a passport (PRODUCT.md §6.1), among its live items.
        Index(
            "uq_item_code_live",
            "template_id",
            "code",
            unique=True,
            sqlite_where=text("code IS NOT NULL AND archived_at IS NULL"),
            postgresql_where=text("code IS NOT NULL AND archived_at IS NULL"),
        ),
    )

    def __init__(self, **values):
        # An item that requires evidence and says nothing of who confirms it is checked by an educator, as
        # every such item was before items said so (migration 0013 set the same for existing ones).
        if "confirmation" not in values:
            values["confirmation"] = (Confirmation.EVIDENCE if values.get("evidence") is EvidenceRule.REQUIRED
                                      and values.get("kind", ItemKind.LEARNING) is ItemKind.LEARNING
                                      else Confirmation.AT_ONCE)
        super().__init__(**values)


class ItemName(db.Model):
    """A national name an item answers to (NHS|CSTF|Fire Safety - 2 Years|), as the admin wrote it and in
    the normalised form imports match on (skillpass.subjects.normalise_name)."""

    __tablename__ = "item_national_name"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(300))
    normalised: Mapped[str] = mapped_column(String(300), index=True)

    __table_args__ = (UniqueConstraint("item_id", "normalised"),)


class Assignment(db.Model):
    """A template given to a person. Removal is recorded, never a delete."""

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("passport_template.id"), index=True)
    assigned_on: Mapped[dt.date]
    source: Mapped[AssignmentSource] = mapped_column(
        enum_column(AssignmentSource, "assignment_source"), default=AssignmentSource.MANUAL
    )
    source_detail: Mapped[str] = mapped_column(String(200), default="")
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("assignment_rule.id"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    removed_on: Mapped[dt.date | None]
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The questionnaire's recommendation an approval turned into this assignment, and the one that ended it
    # (PRODUCT.md §6.4; models/questionnaire.py reads the question and answer behind it with the assignment).
    recommendation_id: Mapped[int | None] = mapped_column(ForeignKey("recommendation.id"))
    removed_by_recommendation_id: Mapped[int | None] = mapped_column(ForeignKey("recommendation.id"))

    template: Mapped[PassportTemplate] = relationship(lazy="raise")

    __table_args__ = (
        # At most one live assignment of a template to a person.
        Index(
            "uq_assignment_live",
            "person_id",
            "template_id",
            unique=True,
            sqlite_where=text("removed_on IS NULL"),
            postgresql_where=text("removed_on IS NULL"),
        ),
    )

    @property
    def is_live(self) -> bool:
        return self.removed_on is None

    @property
    def how_assigned(self) -> str:
        """"assigned by hand", "assigned by rule: Ward 7 team", or, once that rule is archived, "assigned by a
        rule since archived (Ward 7 team)": the passport keeps what was true when it was given. One the
        questionnaire recommended says so, with its question and answer."""
        if self.recommendation_id is not None:
            question = getattr(self, "recommended_question", None)
            because = f": {question} {self.recommended_answer}" if question else ""
            return f"recommended by the questionnaire{because}"
        if self.source is not AssignmentSource.RULE:
            return "assigned by hand"
        if getattr(self, "rule_archived", False):
            return f"assigned by a rule since archived ({self.source_detail})"
        return f"assigned by rule: {self.source_detail}"


# The columns an ItemRecord carries: every column of Item.
ITEM_RECORD_FIELDS = tuple(c.key for c in Item.__table__.columns)


class ItemRecord(namedtuple("ItemRecord", ITEM_RECORD_FIELDS), ItemWords):
    """An item read as a plain row, for a passport, which only reads its items (services/passport.py): the same
    attributes and words as Item. Read with ``select(*item_record_columns())``; write through Item."""
    __slots__ = ()


def item_record_columns():
    return [Item.__table__.c[name] for name in ITEM_RECORD_FIELDS]
