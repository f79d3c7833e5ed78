"""Skills frameworks, self-assessments, confirmed levels, targets and exemptions (PRODUCT.md §6.5).

A framework has areas; an area has yes/no statements at the four levels above Inexperienced. A person's
self-assessment is a dated snapshot of their answers and of the level each area came to when they submitted
it; an educator may confirm a level; targets are set per job role and per person; exemptions let a held
qualification set a minimum level; routes link an area and level to what would close a gap.
``SkillStanding`` keeps, per person and area, the latest self-assessed and confirmed levels, written in the
same transaction as the assessment or confirmation, so reports read one row per person and area.
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillpass.extensions import db
from skillpass.models._types import UTCDateTime, enum_column, utcnow
from skillpass.models.templates import TemplateStatus


class SkillLevel(enum.IntEnum):
    """The five levels of an area, in order; stored as their number."""

    INEXPERIENCED = 0
    FOUNDATION = 1
    INTERMEDIATE = 2
    ADVANCED = 3
    SUPER_USER = 4

    @property
    def label(self) -> str:
        return "Super-user" if self is SkillLevel.SUPER_USER else self.name.capitalize()

    @classmethod
    def stated(cls) -> list["SkillLevel"]:
        """The levels that have statements (every level above Inexperienced)."""
        return [level for level in cls if level is not cls.INEXPERIENCED]


LEVEL_RANGE = "{col} BETWEEN 0 AND 4"


class SkillsFramework(db.Model):
    __tablename__ = "skills_framework"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[TemplateStatus] = mapped_column(
        enum_column(TemplateStatus, "framework_status"), default=TemplateStatus.DRAFT
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    areas: Mapped[list[SkillArea]] = relationship(
        back_populates="framework", order_by="SkillArea.position", lazy="raise"
    )

    def __repr__(self) -> str:
        return f"<SkillsFramework {self.name}>"


class SkillArea(db.Model):
    """One technique or domain of a framework. An area that anyone has answered is retired, never deleted."""

    __tablename__ = "skill_area"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("skills_framework.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    framework: Mapped[SkillsFramework] = relationship(back_populates="areas", lazy="raise")
    statements: Mapped[list[SkillStatement]] = relationship(
        back_populates="area", order_by="[SkillStatement.level, SkillStatement.position]", lazy="raise"
    )


class SkillStatement(db.Model):
    """"I can attach a file to an email": one yes/no statement at one level of an area."""

    __tablename__ = "skill_statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("skill_area.id"), index=True)
    level: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    wording: Mapped[str] = mapped_column(String(300))
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    area: Mapped[SkillArea] = relationship(back_populates="statements", lazy="raise")

    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 4", name="statement_level"),)


class SelfAssessment(db.Model):
    """A person's assessment against one framework: a draft while ``submitted_on`` is empty (they can stop
    and return), then a dated snapshot that is never changed."""

    __tablename__ = "self_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("skills_framework.id"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_on: Mapped[dt.date | None]
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        # At most one draft per person and framework.
        Index(
            "uq_self_assessment_draft",
            "person_id",
            "framework_id",
            unique=True,
            sqlite_where=text("submitted_on IS NULL"),
            postgresql_where=text("submitted_on IS NULL"),
        ),
    )


class SelfAssessmentAnswer(db.Model):
    __tablename__ = "self_assessment_answer"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("self_assessment.id"), primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("skill_statement.id"), primary_key=True, index=True)
    answer: Mapped[bool]
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SelfAssessedLevel(db.Model):
    """The level an area came to in a submitted assessment, and the words that say why, as they were."""

    __tablename__ = "self_assessed_level"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("self_assessment.id"), primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("skill_area.id"), primary_key=True, index=True)
    level: Mapped[int]
    reason: Mapped[str] = mapped_column(String(300), default="")

    __table_args__ = (CheckConstraint(LEVEL_RANGE.format(col="level"), name="self_level_range"),)


class ConfirmedLevel(db.Model):
    """An educator's confirmed level for a person's area, with their note. Appended, never changed: the
    latest one counts."""

    __tablename__ = "confirmed_level"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("skill_area.id"), index=True)
    level: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    confirmed_on: Mapped[dt.date]
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    confirmed_by_name: Mapped[str] = mapped_column(String(200), default="")
    confirmed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (CheckConstraint(LEVEL_RANGE.format(col="level"), name="confirmed_level_range"),)


class SkillStanding(db.Model):
    """Per person and area, the latest self-assessed and confirmed levels, kept as they are written."""

    __tablename__ = "skill_standing"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("skill_area.id"), primary_key=True, index=True)
    self_level: Mapped[int | None]
    self_reason: Mapped[str] = mapped_column(String(300), default="")
    self_assessed_on: Mapped[dt.date | None]
    confirmed_level: Mapped[int | None]
    confirmed_on: Mapped[dt.date | None]
    confirmed_by_name: Mapped[str] = mapped_column(String(200), default="")
    confirmed_note: Mapped[str] = mapped_column(Text, default="")


class SkillTarget(db.Model):
    """A target for an area: for everyone in a job role, or for one person (which overrides their role's).

    A level is a target whose maximum is empty; a range has both."""

    __tablename__ = "skill_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("skill_area.id"), index=True)
    job_role: Mapped[str | None] = mapped_column(String(120), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    minimum: Mapped[int]
    maximum: Mapped[int | None]
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint("(job_role IS NULL) <> (person_id IS NULL)", name="target_for_role_or_person"),
        CheckConstraint("minimum BETWEEN 1 AND 4", name="target_minimum_range"),
        CheckConstraint("maximum IS NULL OR (maximum BETWEEN 1 AND 4 AND maximum >= minimum)",
                        name="target_maximum_range"),
        UniqueConstraint("area_id", "job_role", name="uq_skill_target_role"),
        UniqueConstraint("area_id", "person_id", name="uq_skill_target_person"),
    )

    @property
    def words(self) -> str:
        low = SkillLevel(self.minimum).label
        if self.maximum is None or self.maximum == self.minimum:
            return low
        return f"{low} to {SkillLevel(self.maximum).label}"


class SkillExemption(db.Model):
    """Holding a qualification sets a minimum level in an area: a passport item (an accepted entry of it),
    or a named qualification ("ECDL module 4"), held as an accepted entry of an item of that name, code or
    national name, or as informal learning of that title with its evidence attached."""

    __tablename__ = "skill_exemption"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("skills_framework.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("skill_area.id"), index=True)
    level: Mapped[int]
    qualification: Mapped[str] = mapped_column(String(200), default="")
    normalised: Mapped[str] = mapped_column(String(200), default="", index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"), index=True)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 4", name="exemption_level_range"),
        CheckConstraint("item_id IS NOT NULL OR qualification <> ''", name="exemption_names_something"),
    )


class SkillRoute(db.Model):
    """What would take someone to a level in an area: a passport item or a course (its title and address)."""

    __tablename__ = "skill_route"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("skill_area.id"), index=True)
    level: Mapped[int]
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"), index=True)
    course_title: Mapped[str] = mapped_column(String(200), default="")
    course_url: Mapped[str] = mapped_column(String(500), default="")
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 4", name="route_level_range"),
        CheckConstraint("item_id IS NOT NULL OR course_title <> ''", name="route_names_something"),
    )
