"""A person's own self-assessment against a framework (PRODUCT.md §6.5): start a draft, answer one area at a
time (stopping and returning whenever they like), check, submit a dated snapshot.

A draft is the one assessment of a person and framework whose ``submitted_on`` is empty (the database holds
at most one). A new draft after a submitted one starts from the last submitted answers, so people change only
what improved. Submitting writes, in one transaction, each live area's level and its reason (the level rule of
``levels.assess``, never another), the date, the kept standing and the audit entry; the answers of a
submitted assessment are never changed again. Every function reads in a fixed number of queries.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import Person
from skillpass.models.skills import (
    SelfAssessedLevel, SelfAssessment, SelfAssessmentAnswer, SkillArea, SkillLevel, SkillsFramework,
    SkillStatement,
)
from skillpass.models.templates import TemplateStatus
from skillpass.services import audit
from skillpass.services.errors import Conflict, ValidationFailed
from skillpass.services.skills import levels, standing

NOT_IN_AREA = "Answer the statements shown for this area."
NOT_YES_NO = "Choose Yes or No."
ALREADY_SUBMITTED = "This assessment was submitted already: nothing was changed. Start a new one to assess again."


@dataclass
class AreaProgress:
    """One area of an assessment: its live statements by level, the answers given, and the level they make."""

    area: SkillArea
    statements: list[SkillStatement]
    answers: dict[int, bool]
    level: SkillLevel = SkillLevel.INEXPERIENCED
    reason: str = ""
    by_level: dict[int, list[SkillStatement]] = field(default_factory=dict)

    def __post_init__(self):
        grouped: dict[int, list[SkillStatement]] = {int(lv): [] for lv in SkillLevel.stated()}
        for s in self.statements:
            grouped.setdefault(s.level, []).append(s)
        self.by_level = grouped
        self.level, self.reason = levels.assess(
            {lv: [self.answers.get(s.id) for s in items] for lv, items in grouped.items()})

    @property
    def why(self) -> str:
        """The reason without its level: "all Foundation and Intermediate statements answered yes; 2 of 4 Advanced"."""
        head, sep, tail = self.reason.partition(": ")
        return tail if sep else self.reason

    @property
    def answered(self) -> int:
        return sum(1 for s in self.statements if s.id in self.answers)

    @property
    def total(self) -> int:
        return len(self.statements)

    @property
    def complete(self) -> bool:
        return self.answered == self.total

    @property
    def unanswered(self) -> int:
        return self.total - self.answered


def published_frameworks() -> list[SkillsFramework]:
    return list(db.session.scalars(select(SkillsFramework).where(
        SkillsFramework.status == TemplateStatus.PUBLISHED).order_by(SkillsFramework.name)))


def framework(framework_id: int) -> SkillsFramework | None:
    return db.session.get(SkillsFramework, framework_id)


def draft(person_id: int, framework_id: int) -> SelfAssessment | None:
    return db.session.scalar(select(SelfAssessment).where(
        SelfAssessment.person_id == person_id, SelfAssessment.framework_id == framework_id,
        SelfAssessment.submitted_on.is_(None)))


def submitted(person_id: int, framework_id: int) -> list[SelfAssessment]:
    """The person's submitted assessments of this framework, oldest first."""
    return list(db.session.scalars(select(SelfAssessment).where(
        SelfAssessment.person_id == person_id, SelfAssessment.framework_id == framework_id,
        SelfAssessment.submitted_on.is_not(None)).order_by(SelfAssessment.submitted_at, SelfAssessment.id)))


def last_submitted_on(person_id: int, framework_ids: list[int]) -> dict[int, dt.date]:
    """The date of the person's latest submitted assessment of each framework (one query)."""
    if not framework_ids:
        return {}
    return dict(db.session.execute(select(SelfAssessment.framework_id, func.max(SelfAssessment.submitted_on)).where(
        SelfAssessment.person_id == person_id, SelfAssessment.framework_id.in_(framework_ids),
        SelfAssessment.submitted_on.is_not(None)).group_by(SelfAssessment.framework_id)).all())


def live_statements(area_ids: list[int]) -> dict[int, list[SkillStatement]]:
    """Each area's live statements, by level then position: one query."""
    found: dict[int, list[SkillStatement]] = {aid: [] for aid in area_ids}
    if area_ids:
        for s in db.session.scalars(select(SkillStatement).where(
                SkillStatement.area_id.in_(area_ids), SkillStatement.retired_at.is_(None))
                .order_by(SkillStatement.area_id, SkillStatement.level, SkillStatement.position, SkillStatement.id)):
            found[s.area_id].append(s)
    return found


def answers_of(assessment_id: int | None) -> dict[int, bool]:
    if assessment_id is None:
        return {}
    return dict(db.session.execute(select(SelfAssessmentAnswer.statement_id, SelfAssessmentAnswer.answer).where(
        SelfAssessmentAnswer.assessment_id == assessment_id)).all())


def progress(framework_id: int, assessment: SelfAssessment | None, *,
             areas: list[SkillArea] | None = None) -> list[AreaProgress]:
    """Every live area of the framework with the assessment's answers and the level they make: three queries."""
    if areas is None:
        areas = standing.live_areas(framework_id)
    statements = live_statements([a.id for a in areas])
    answers = answers_of(assessment.id if assessment else None)
    return [AreaProgress(a, statements[a.id], {s.id: answers[s.id] for s in statements[a.id] if s.id in answers})
            for a in areas]


def area_progress(area: SkillArea, assessment: SelfAssessment | None) -> AreaProgress:
    statements = live_statements([area.id])[area.id]
    answers = answers_of(assessment.id if assessment else None)
    return AreaProgress(area, statements, {s.id: answers[s.id] for s in statements if s.id in answers})


def answered_counts(person_id: int, framework_ids: list[int]) -> dict[int, tuple[int, int]]:
    """For each framework with a draft of this person's: (areas fully answered, live areas). Three queries."""
    framework_ids = list(db.session.scalars(select(SelfAssessment.framework_id).where(
        SelfAssessment.person_id == person_id, SelfAssessment.framework_id.in_(framework_ids),
        SelfAssessment.submitted_on.is_(None)))) if framework_ids else []
    if not framework_ids:
        return {}
    totals = db.session.execute(
        select(SkillArea.framework_id, SkillArea.id, func.count(SkillStatement.id))
        .outerjoin(SkillStatement, (SkillStatement.area_id == SkillArea.id) & SkillStatement.retired_at.is_(None))
        .where(SkillArea.framework_id.in_(framework_ids), SkillArea.retired_at.is_(None))
        .group_by(SkillArea.framework_id, SkillArea.id)).all()
    given = dict(((fw, aid), n) for fw, aid, n in db.session.execute(
        select(SelfAssessment.framework_id, SkillStatement.area_id, func.count())
        .join(SelfAssessmentAnswer, SelfAssessmentAnswer.assessment_id == SelfAssessment.id)
        .join(SkillStatement, SkillStatement.id == SelfAssessmentAnswer.statement_id)
        .where(SelfAssessment.person_id == person_id, SelfAssessment.framework_id.in_(framework_ids),
               SelfAssessment.submitted_on.is_(None), SkillStatement.retired_at.is_(None))
        .group_by(SelfAssessment.framework_id, SkillStatement.area_id)).all())
    counts: dict[int, list[int]] = {fw: [0, 0] for fw in framework_ids}
    for fw, aid, total in totals:
        counts[fw][1] += 1
        if given.get((fw, aid), 0) >= total:
            counts[fw][0] += 1
    return {fw: (done, total) for fw, (done, total) in counts.items()}


def start(*, actor: Person, framework: SkillsFramework) -> tuple[SelfAssessment, bool]:
    """The person's draft of this framework, made if there is none: (draft, started from the last submitted
    answers?). A new draft copies the last submitted answers of statements still live."""
    existing = draft(actor.id, framework.id)
    if existing is not None:
        return existing, False
    previous = submitted(actor.id, framework.id)
    assessment = SelfAssessment(person_id=actor.id, framework_id=framework.id)
    db.session.add(assessment)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:   # another tab started it a moment ago: use theirs
        found = draft(actor.id, framework.id)
        if found is None:
            raise Conflict("Your assessment could not be started: try again.") from error
        return found, False
    copied = False
    if previous:
        live = select(SkillStatement.id).join(SkillArea, SkillArea.id == SkillStatement.area_id).where(
            SkillArea.framework_id == framework.id, SkillArea.retired_at.is_(None),
            SkillStatement.retired_at.is_(None))
        rows = db.session.execute(select(SelfAssessmentAnswer.statement_id, SelfAssessmentAnswer.answer).where(
            SelfAssessmentAnswer.assessment_id == previous[-1].id,
            SelfAssessmentAnswer.statement_id.in_(live))).all()
        db.session.add_all([SelfAssessmentAnswer(assessment_id=assessment.id, statement_id=sid, answer=answer)
                            for sid, answer in rows])
        copied = bool(rows)
    audit.log(actor=actor, action=Action.SELF_ASSESSMENT_STARTED, subject=assessment, person_id=actor.id,
              summary=f"Self-assessment started: {framework.name}"
              + (" (from the last submitted answers)" if copied else ""),
              after={"framework_id": framework.id, "copied_from": previous[-1].id if copied else None})
    db.session.flush()
    return assessment, copied


def parse_answers(form, statements: list[SkillStatement]) -> dict[int, bool]:
    """The answers a form gives for these statements (fields ``s<id>`` = yes/no; fields left out are left
    as they are). ValidationFailed, naming the field, for anything but yes or no."""
    given: dict[int, bool] = {}
    for s in statements:
        raw = form.get(f"s{s.id}")
        if raw is None or raw == "":
            continue
        if raw not in ("yes", "no"):
            raise ValidationFailed(NOT_YES_NO, field=f"s{s.id}")
        given[s.id] = raw == "yes"
    return given


def answer(*, actor: Person, assessment: SelfAssessment, area: SkillArea, given: dict[int, bool]) -> None:
    """Save the answers of one area of the person's draft (one statement from htmx, or the whole area)."""
    if assessment.submitted_on is not None:
        raise Conflict(ALREADY_SUBMITTED)
    live = {s.id for s in live_statements([area.id])[area.id]}
    if set(given) - live:
        raise ValidationFailed(NOT_IN_AREA)
    if not given:
        return
    kept = {a.statement_id: a for a in db.session.scalars(select(SelfAssessmentAnswer).where(
        SelfAssessmentAnswer.assessment_id == assessment.id, SelfAssessmentAnswer.statement_id.in_(list(given))))}
    for sid, value in given.items():
        row = kept.get(sid)
        if row is None:
            db.session.add(SelfAssessmentAnswer(assessment_id=assessment.id, statement_id=sid, answer=value))
        elif row.answer != value:
            row.answer = value
    db.session.flush()


def submit(*, actor: Person, assessment: SelfAssessment, today: dt.date, now: dt.datetime) -> list[AreaProgress]:
    """Submit the draft: each live area's level and reason, the date, the kept standing and the audit entry,
    in the caller's transaction. Areas not fully answered get their level by the same rule (unanswered is not
    yes). Returns the areas as submitted."""
    if assessment.submitted_on is not None:
        raise Conflict(ALREADY_SUBMITTED)
    framework = db.session.get(SkillsFramework, assessment.framework_id)
    areas = progress(assessment.framework_id, assessment)
    for p in areas:
        db.session.add(SelfAssessedLevel(assessment_id=assessment.id, area_id=p.area.id, level=int(p.level),
                                         reason=p.reason[:300]))
        row = standing.kept_row(assessment.person_id, p.area.id)
        row.self_level, row.self_reason, row.self_assessed_on = int(p.level), p.reason[:300], today
    assessment.submitted_on, assessment.submitted_at = today, now
    audit.log(actor=actor, action=Action.SELF_ASSESSMENT_SUBMITTED, subject=assessment, person_id=assessment.person_id,
              summary=f"Self-assessment submitted: {framework.name} ({len(areas)} areas)",
              after={"framework_id": framework.id, "submitted_on": today,
                     "levels": {p.area.name: p.level.label for p in areas}})
    db.session.flush()
    return areas


@dataclass(frozen=True)
class SnapshotLevel:
    area_name: str
    level: SkillLevel
    reason: str


def snapshot_levels(assessment_id: int) -> list[SnapshotLevel]:
    """A submitted assessment's levels and reasons, as they were, in the framework's area order."""
    return [SnapshotLevel(name, SkillLevel(level), reason) for name, level, reason in db.session.execute(
        select(SkillArea.name, SelfAssessedLevel.level, SelfAssessedLevel.reason)
        .join(SkillArea, SkillArea.id == SelfAssessedLevel.area_id)
        .where(SelfAssessedLevel.assessment_id == assessment_id)
        .order_by(SkillArea.position, SkillArea.id))]
