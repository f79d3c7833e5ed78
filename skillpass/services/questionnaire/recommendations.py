"""The questionnaire's recommendations waiting for approval, and deciding them (PRODUCT.md §6.4).

Who decides: an educator of the person's team, or an admin; never the person themselves. Approving an
*assign* gives the passport through the assignment service (services/people.py: assigned today, so the
anchor date rules give the person their full windows from today), naming the recommendation; approving an
*end* removes the assignment the same way (entries kept, its items Not required). A recommendation is
decided once: the decision is written only where it is still waiting and its answer still stands, so a
second decision, or one after the answer changed again, matches nothing and is refused with a message.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update

from skillpass import clock
from skillpass.extensions import db
from skillpass.inputs import CONTROL_MESSAGE, has_control
from skillpass.labels import Action
from skillpass.models import (
    PassportTemplate,
    Person,
    Question,
    QuestionAnswer,
    QuestionOption,
    Recommendation,
    RecommendationKind,
    RecommendationStatus,
)
from skillpass.permissions import can_decide_for
from skillpass.services import audit, people
from skillpass.services.errors import Conflict, NotAllowed, ValidationFailed

NOTE_MAX = 1000


@dataclass(frozen=True)
class Row:
    """One recommendation with what it is about: the queue's row, and a decision's."""
    recommendation: Recommendation
    person: Person
    template: PassportTemplate
    question: Question
    option: QuestionOption
    answer: QuestionAnswer
    answered_by: str          # the admin's name when an admin answered for the person; "" when they did

    @property
    def ending(self) -> bool:
        return self.recommendation.kind is RecommendationKind.END


def _rows(stmt) -> list[Row]:
    answered_by = db.session.execute(stmt.add_columns(
        select(Person.name).where(Person.id == QuestionAnswer.answered_by_id,
                                  QuestionAnswer.answered_by_id != QuestionAnswer.person_id)
        .correlate(QuestionAnswer).scalar_subquery()))
    return [Row(rec, person, template, question, option, answer, by or "")
            for rec, person, template, question, option, answer, by in answered_by]


def _select():
    return (select(Recommendation, Person, PassportTemplate, Question, QuestionOption, QuestionAnswer)
            .join(Person, Person.id == Recommendation.person_id)
            .join(PassportTemplate, PassportTemplate.id == Recommendation.template_id)
            .join(QuestionAnswer, QuestionAnswer.id == Recommendation.answer_id)
            .join(Question, Question.id == QuestionAnswer.question_id)
            .join(QuestionOption, QuestionOption.id == QuestionAnswer.option_id))


def _theirs(stmt, actor: Person):
    """Only the people *actor* decides for: everyone but themselves for an admin, the people of the teams an
    educator supports for them; active people only."""
    stmt = stmt.where(Person.id != actor.id, Person.active.is_(True))
    if not actor.is_admin:
        stmt = stmt.where(Person.team_id.in_([t.id for t in actor.supported_teams] or [-1]))
    return stmt


def waiting_for(actor: Person) -> list[Row]:
    """The approval queue: recommendations waiting that *actor* may decide, oldest first. One query."""
    stmt = _theirs(_select().where(Recommendation.status == RecommendationStatus.PENDING), actor)
    return _rows(stmt.order_by(Recommendation.created_at, Recommendation.id))


def waiting_count(actor: Person) -> int:
    stmt = _theirs(select(func.count(Recommendation.id)).join(Person, Person.id == Recommendation.person_id)
                   .where(Recommendation.status == RecommendationStatus.PENDING), actor)
    return db.session.scalar(stmt) or 0


def row(recommendation_id: int) -> Row | None:
    return next(iter(_rows(_select().where(Recommendation.id == recommendation_id))), None)


@dataclass(frozen=True)
class Decided:
    row: Row
    approved: bool
    message: str


def _already(rec: Recommendation) -> str:
    if rec.status is RecommendationStatus.SUPERSEDED:
        return ("The answer behind this recommendation has changed since, so it no longer stands: nothing was "
                "changed. Any recommendation the new answer made is in the queue.")
    who = f" by {rec.decided_by_name}" if rec.decided_by_name else ""
    return f"This recommendation was already {rec.status.label.lower()}{who}: nothing was changed."


def decide(*, actor: Person, recommendation: Recommendation, approve: bool, note: str, today: dt.date) -> Decided:
    """Approve (assign the passport, or end the assignment) or decline, with an optional note."""
    found = row(recommendation.id)
    rec, person, template = found.recommendation, found.person, found.template
    if not can_decide_for(actor, person):
        if actor.id == person.id:
            raise NotAllowed("Nobody decides recommendations for themselves: an educator or another admin must.")
        raise NotAllowed("Only educators of their team, or admins, decide this person's recommendations.")
    note = (note or "").strip()
    if has_control(note):
        raise ValidationFailed({"note": CONTROL_MESSAGE})
    if len(note) > NOTE_MAX:
        raise ValidationFailed({"note": f"Keep the note to {NOTE_MAX:,} characters or fewer."})
    if rec.status is not RecommendationStatus.PENDING:
        raise Conflict(_already(rec), field="__all__")
    now = clock.now()
    status = RecommendationStatus.APPROVED if approve else RecommendationStatus.DECLINED
    # Written only while it waits and its answer stands: a second decision, or one racing a changed answer,
    # matches no row.
    taken = db.session.execute(update(Recommendation).where(
        Recommendation.id == rec.id, Recommendation.status == RecommendationStatus.PENDING,
        Recommendation.answer_id.in_(select(QuestionAnswer.id).where(QuestionAnswer.replaced_at.is_(None))))
        .values(status=status, decided_by_id=actor.id, decided_by_name=actor.name, decided_at=now, note=note),
        execution_options={"synchronize_session": False})
    if taken.rowcount != 1:
        raise Conflict("Someone decided this recommendation, or the answer behind it changed, a moment ago: "
                       "nothing was changed. The queue now shows it as it stands.", field="__all__")
    db.session.refresh(rec)
    verb = "end" if found.ending else "assign"
    because = f"{found.question.text} {found.option.label}"
    try:
        if approve and found.ending:
            people.unassign(actor=actor, person=person, template=template, today=today, recommendation_id=rec.id)
        elif approve:
            people.assign(actor=actor, person=person, template=template, today=today, recommendation_id=rec.id)
    except ValidationFailed as refused:      # held by now (or no longer), or no longer published
        raise ValidationFailed(f"{' '.join(refused.errors.values())} Decline this recommendation instead.",
                               field="__all__") from refused
    if approve and found.ending:
        message = f"{template.name} ended for {person.name}: their records are kept, its items are Not required."
    elif approve:
        message = f"{template.name} assigned to {person.name}, from today."
    else:
        message = f"Recommendation to {verb} {template.name} for {person.name} declined."
    audit.log(actor=actor, action=Action.RECOMMENDATION_APPROVED if approve else Action.RECOMMENDATION_DECLINED,
              subject=rec, person_id=person.id,
              summary=f"Recommendation to {verb} {template.name} for {person.name} "
                      f"{'approved' if approve else 'declined'} ({because})" + (f": {note}" if note else ""),
              before={"status": "pending"}, after={"status": status.value, "note": note})
    return Decided(row=found, approved=approve, message=message)
