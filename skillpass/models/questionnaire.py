"""The questionnaire, the qualification inventory (PRODUCT.md §6.4).

Admins write questions (yes/no, or one of several answers); each answer (an option) may recommend passports.
A person's answers are history: a changed answer is a new row and the old one is marked replaced, never
edited otherwise or deleted (a database trigger keeps it so). Saving answers makes recommendations (assign a
passport, or end one an earlier answer gave), which wait for an educator's or an admin's approval; the
assignment an approval makes, or ends, names the recommendation, so the passport can say why.
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, Text, select, text
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from skillpass.extensions import db
from skillpass.models._types import UTCDateTime, enum_column, utcnow
from skillpass.models.templates import Assignment


class QuestionKind(enum.Enum):
    YES_NO = "yes_no"     # its options are Yes and No, made with it
    CHOICE = "choice"     # one of several answers the admin writes

    @property
    def label(self) -> str:
        return {"yes_no": "Yes or no", "choice": "One of several answers"}[self.value]


class Question(db.Model):
    """A question of the questionnaire. One that anyone has answered is archived, never deleted: its answers
    stay in people's history, and nobody is asked it any more."""

    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(300))
    hint: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind, "question_kind"), default=QuestionKind.YES_NO)
    position: Mapped[int] = mapped_column(default=0)
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    options: Mapped[list[QuestionOption]] = relationship(
        order_by="[QuestionOption.position, QuestionOption.id]", lazy="raise")


class QuestionOption(db.Model):
    """One answer a question offers ("Yes", "Nights most weeks"). One that anyone chose is retired, not deleted."""

    __tablename__ = "question_option"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    label: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class OptionPassport(db.Model):
    """An answer recommends a passport."""

    __tablename__ = "question_option_passport"

    option_id: Mapped[int] = mapped_column(ForeignKey("question_option.id"), primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("passport_template.id"), primary_key=True, index=True)


class QuestionAnswer(db.Model):
    """A person's answer to a question, given by them or by an admin for them. Changing it appends a new
    answer and marks this one replaced: at most one live answer per person and question."""

    __tablename__ = "question_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("question_option.id"), index=True)
    answered_on: Mapped[dt.date]
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    replaced_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index(
            "uq_question_answer_live",
            "person_id",
            "question_id",
            unique=True,
            sqlite_where=text("replaced_at IS NULL"),
            postgresql_where=text("replaced_at IS NULL"),
        ),
    )


class RecommendationKind(enum.Enum):
    ASSIGN = "assign"     # give the person the passport
    END = "end"           # end the assignment an earlier answer gave

    @property
    def label(self) -> str:
        return {"assign": "Assign", "end": "End"}[self.value]


class RecommendationStatus(enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    SUPERSEDED = "superseded"   # its answer was changed again before anyone decided

    @property
    def label(self) -> str:
        return {"pending": "Waiting for approval", "approved": "Approved", "declined": "Declined",
                "superseded": "Replaced by a later answer"}[self.value]


class Recommendation(db.Model):
    """What an answer led to: assign a passport, or end one an earlier answer gave; decided once, by an
    educator of the person's team or an admin (never the person), with an optional note."""

    __tablename__ = "recommendation"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("passport_template.id"), index=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("question_answer.id"), index=True)
    kind: Mapped[RecommendationKind] = mapped_column(enum_column(RecommendationKind, "recommendation_kind"))
    status: Mapped[RecommendationStatus] = mapped_column(
        enum_column(RecommendationStatus, "recommendation_status"), default=RecommendationStatus.PENDING)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_by_name: Mapped[str] = mapped_column(String(200), default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        # At most one recommendation waiting per person and passport.
        Index(
            "uq_recommendation_pending",
            "person_id",
            "template_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )


# The question and answer behind an assignment the questionnaire recommended, read with the assignment itself
# (correlated subqueries: no query of their own), so a passport can say "Recommended by the questionnaire: Do
# you drive a trust vehicle? Yes". None for every other assignment.
def _behind(column):
    return column_property(
        select(column)
        .select_from(Recommendation)
        .join(QuestionAnswer, QuestionAnswer.id == Recommendation.answer_id)
        .join(Question, Question.id == QuestionAnswer.question_id)
        .join(QuestionOption, QuestionOption.id == QuestionAnswer.option_id)
        .where(Recommendation.id == Assignment.recommendation_id)
        .correlate_except(Recommendation, QuestionAnswer, Question, QuestionOption)
        .scalar_subquery()
    )


Assignment.recommended_question = _behind(Question.text)
Assignment.recommended_answer = _behind(QuestionOption.label)
