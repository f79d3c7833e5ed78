"""A person's answers to the questionnaire (their own, or an admin's for them), and the recommendations saving
them makes (PRODUCT.md §6.4).

Saving appends an answer for each question whose answer is new or changed, and marks the one it replaces;
an unchanged answer is left as it was. Then, for the person:

* a recommendation still waiting whose answer was replaced no longer stands (superseded);
* each passport a new answer recommends, that the person does not hold and has no recommendation waiting
  for, gets a pending *assign*;
* each passport the questionnaire gave them (an assignment made by approving a recommendation) that a
  changed answer recommended and that no live answer recommends any more gets a pending *end*; a pending end
  of a passport some answer recommends again no longer stands.

Nothing is assigned or ended here: an educator or an admin approves each recommendation (recommendations.py).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import exists, select, update

from skillpass import clock, rules
from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import (
    Assignment,
    OptionPassport,
    PassportTemplate,
    Person,
    Question,
    QuestionAnswer,
    QuestionOption,
    Recommendation,
    RecommendationKind,
    RecommendationStatus,
    TemplateStatus,
)
from skillpass.services import audit
from skillpass.services.errors import Conflict, ValidationFailed
from skillpass.services.questionnaire.questions import questions

CHANGED_MEANWHILE = ("These answers were changed a moment ago (in another tab, or by an admin), so nothing was saved. "
                     "The page now shows the answers as they stand: check them and save again.")


def field_name(question_id: int) -> str:
    """The form field, and error key, of a question's answer."""
    return f"question-{question_id}"


# ---------------------------------------------------------------- reading

def never_answered(person: Person) -> bool:
    """There is a question to ask, and this person has never answered any question."""
    asked = exists().where(Question.archived_at.is_(None))
    answered = exists().where(QuestionAnswer.person_id == person.id)
    return bool(db.session.scalar(select(asked & ~answered)))


def live_answers(person_id: int) -> dict[int, QuestionAnswer]:
    """The person's answer to each question they have answered, by question."""
    return {a.question_id: a for a in db.session.scalars(select(QuestionAnswer).where(
        QuestionAnswer.person_id == person_id, QuestionAnswer.replaced_at.is_(None)))}


@dataclass
class Outcome:
    """What an answer led to, in words: "Driving at work: waiting for approval"."""
    template: PassportTemplate
    recommendation: Recommendation | None      # None: they hold it already, nothing to recommend

    @property
    def words(self) -> str:
        rec = self.recommendation
        if rec is None:
            return "already assigned to you"
        ending = rec.kind is RecommendationKind.END
        if rec.status is RecommendationStatus.PENDING:
            return "ending it is waiting for approval" if ending else "waiting for approval"
        if rec.status is RecommendationStatus.APPROVED:
            return f"{'ended' if ending else 'assigned'} on {_day(rec.decided_at)}"
        if rec.status is RecommendationStatus.DECLINED:
            return (f"{'ending it was' if ending else ''} declined by {rec.decided_by_name}".strip()
                    + (f": {rec.note}" if rec.note else ""))
        return rec.status.label.lower()


def _day(moment: dt.datetime | None) -> str:
    return rules.format_date(moment.date()) if moment else ""


@dataclass
class AnswerRow:
    question: Question
    options: list[QuestionOption]            # what may be chosen: the live answers
    answer: QuestionAnswer | None
    chosen: QuestionOption | None
    answered_by: str = ""                    # the admin's name, when an admin answered for them
    outcomes: list[Outcome] = field(default_factory=list)


@dataclass
class Form:
    person: Person
    rows: list[AnswerRow]
    answered: bool                           # has the person ever answered (now or before)?
    history: list[tuple[QuestionAnswer, str, str, str]]   # replaced answers: (answer, question, answer's words, by)


def form_for(person: Person) -> Form:
    """Every live question with the person's answer to it and what that answer led to; their earlier
    answers. A fixed number of queries."""
    qs = questions()
    answers = live_answers(person.id)
    replaced = list(db.session.scalars(select(QuestionAnswer).where(
        QuestionAnswer.person_id == person.id, QuestionAnswer.replaced_at.is_not(None))
        .order_by(QuestionAnswer.answered_at.desc(), QuestionAnswer.id.desc())))
    option_ids = {a.option_id for a in answers.values()} | {a.option_id for a in replaced}
    labels = dict(db.session.execute(select(QuestionOption.id, QuestionOption.label)
                                     .where(QuestionOption.id.in_(option_ids or {-1}))).tuples().all())
    texts = dict(db.session.execute(select(Question.id, Question.text)
                                    .where(Question.id.in_({a.question_id for a in replaced} or {-1}))).tuples().all())
    by_ids = {a.answered_by_id for a in answers.values()} | {a.answered_by_id for a in replaced}
    names = dict(db.session.execute(select(Person.id, Person.name).where(Person.id.in_(by_ids or {-1}))).tuples().all())
    recs: dict[int, list[Recommendation]] = {}
    templates: dict[int, PassportTemplate] = {}
    for rec, template in db.session.execute(
            select(Recommendation, PassportTemplate).join(PassportTemplate, PassportTemplate.id == Recommendation.template_id)
            .where(Recommendation.answer_id.in_([a.id for a in answers.values()] or [-1]))
            .order_by(Recommendation.created_at, Recommendation.id)):
        recs.setdefault(rec.answer_id, []).append(rec)
        templates[template.id] = template
    held = _held(person.id)
    recommends = _recommends({a.option_id for a in answers.values()})
    for template in db.session.scalars(select(PassportTemplate).where(
            PassportTemplate.id.in_({t for ts in recommends.values() for t in ts} - set(templates) or {-1}))):
        templates[template.id] = template

    rows = []
    for q in qs:
        answer = answers.get(q.id)
        options = [o for o in q.options if o.retired_at is None]
        chosen = next((o for o in q.options if answer is not None and o.id == answer.option_id), None)
        outcomes = []
        if answer is not None:
            made = recs.get(answer.id, [])
            outcomes = [Outcome(templates[r.template_id], r) for r in made]
            mentioned = {r.template_id for r in made}
            outcomes += [Outcome(templates[t], None) for t in sorted(recommends.get(answer.option_id, ()))
                         if t not in mentioned and t in held]
        rows.append(AnswerRow(question=q, options=options, answer=answer, chosen=chosen, outcomes=outcomes,
                              answered_by=names.get(answer.answered_by_id, "") if answer is not None
                              and answer.answered_by_id != person.id else ""))
    history = [(a, texts.get(a.question_id, ""), labels.get(a.option_id, ""),
                names.get(a.answered_by_id, "") if a.answered_by_id != person.id else "") for a in replaced]
    return Form(person=person, rows=rows, answered=bool(answers or replaced), history=history)


def _held(person_id: int) -> dict[int, Assignment]:
    return {a.template_id: a for a in db.session.scalars(select(Assignment).where(
        Assignment.person_id == person_id, Assignment.removed_on.is_(None)))}


def _recommends(option_ids) -> dict[int, set[int]]:
    """The passports each option recommends, by id (published or not)."""
    found: dict[int, set[int]] = {}
    for option_id, template_id in db.session.execute(select(OptionPassport.option_id, OptionPassport.template_id)
                                                     .where(OptionPassport.option_id.in_(list(option_ids) or [-1]))):
        found.setdefault(option_id, set()).add(template_id)
    return found


# ---------------------------------------------------------------- saving

@dataclass
class Saved:
    changed: list[QuestionAnswer]            # the answers appended
    made: list[Recommendation]               # the recommendations now waiting
    superseded: list[Recommendation]         # those that no longer stand
    names: dict[int, str] = field(default_factory=dict)   # the passports they name, by id

    @property
    def message(self) -> str:
        """What saving did, in words, for the person who saved."""
        if not self.changed:
            return "Nothing changed: these answers were saved already."
        words = ["Answers saved."]
        assign = [self.names[r.template_id] for r in self.made if r.kind is RecommendationKind.ASSIGN]
        end = [self.names[r.template_id] for r in self.made if r.kind is RecommendationKind.END]
        if assign:
            words.append(f"Recommended: {', '.join(assign)}.")
        if end:
            words.append(f"To end: {', '.join(end)}.")
        if self.made:
            words.append("An educator or an admin approves each before anything changes.")
        return " ".join(words)


def save_answers(*, actor: Person, person: Person, chosen: dict[int, int | None], today: dt.date) -> Saved:
    """Save *chosen* ({question id: option id}) as *person*'s answers, given by *actor* (the person, or an admin
    for them): every live question must be answered with one of its live answers."""
    qs = questions()
    errors: dict[str, str] = {}
    for q in qs:
        live = {o.id for o in q.options if o.retired_at is None}
        if chosen.get(q.id) not in live:
            errors[field_name(q.id)] = ("Choose one of the answers offered." if chosen.get(q.id) is not None
                                        else "Choose an answer to this question.")
    if errors:
        raise ValidationFailed(errors)
    now = clock.now()
    current = live_answers(person.id)
    replaced: dict[int, QuestionAnswer] = {}        # by question: the answer a new one replaces
    new: list[QuestionAnswer] = []
    for q in qs:
        old = current.get(q.id)
        if old is not None and old.option_id == chosen[q.id]:
            continue
        if old is not None:
            # Marked replaced only if nobody else replaced it first (two tabs, or an admin at the same moment).
            marked = db.session.execute(update(QuestionAnswer).where(
                QuestionAnswer.id == old.id, QuestionAnswer.replaced_at.is_(None)).values(replaced_at=now))
            if marked.rowcount != 1:
                raise Conflict(CHANGED_MEANWHILE, field="__all__")
            replaced[q.id] = old
        new.append(QuestionAnswer(person_id=person.id, question_id=q.id, option_id=chosen[q.id], answered_on=today,
                                  answered_at=now, answered_by_id=actor.id))
    if not new:
        return Saved(changed=[], made=[], superseded=[])
    db.session.add_all(new)
    db.session.flush()
    _log_answers(actor, person, qs, new, replaced)

    superseded = _supersede(person, select(Recommendation.id).where(
        Recommendation.answer_id.in_([a.id for a in replaced.values()] or [-1])), "its answer was changed")
    live = {**current, **{a.question_id: a for a in new}}
    recommends = _recommends({a.option_id for a in live.values()} | {a.option_id for a in replaced.values()})
    wanted = {t for a in live.values() for t in recommends.get(a.option_id, ())}
    superseded += _supersede(person, select(Recommendation.id).where(
        Recommendation.person_id == person.id, Recommendation.kind == RecommendationKind.END,
        Recommendation.template_id.in_(wanted or {-1})), "an answer recommends it again")
    held = _held(person.id)
    waiting = set(db.session.scalars(select(Recommendation.template_id).where(
        Recommendation.person_id == person.id, Recommendation.status == RecommendationStatus.PENDING)))
    published = set(db.session.scalars(select(PassportTemplate.id).where(
        PassportTemplate.status == TemplateStatus.PUBLISHED)))
    made: list[Recommendation] = []
    for answer in new:
        old = replaced.get(answer.question_id)
        lost = recommends.get(old.option_id, set()) - recommends.get(answer.option_id, set()) if old else set()
        for template_id in sorted(lost):
            given = held.get(template_id)
            if template_id in wanted or template_id in waiting or given is None or given.recommendation_id is None:
                continue
            made.append(_recommend(person, template_id, answer, RecommendationKind.END))
            waiting.add(template_id)
        for template_id in sorted(recommends.get(answer.option_id, ())):
            if template_id in held or template_id in waiting or template_id not in published:
                continue
            made.append(_recommend(person, template_id, answer, RecommendationKind.ASSIGN))
            waiting.add(template_id)
    db.session.flush()
    names = _log_made(actor, person, made, qs, new)
    return Saved(changed=new, made=made, superseded=superseded, names=names)


def _recommend(person: Person, template_id: int, answer: QuestionAnswer, kind: RecommendationKind) -> Recommendation:
    rec = Recommendation(person_id=person.id, template_id=template_id, answer_id=answer.id, kind=kind,
                         status=RecommendationStatus.PENDING, created_at=answer.answered_at)
    db.session.add(rec)
    return rec


def _supersede(person: Person, which, why: str) -> list[Recommendation]:
    """Those of *which* still waiting no longer stand, each audited."""
    recs = list(db.session.scalars(select(Recommendation).where(
        Recommendation.id.in_(which), Recommendation.status == RecommendationStatus.PENDING)))
    if not recs:
        return []
    db.session.execute(update(Recommendation).where(
        Recommendation.id.in_([r.id for r in recs]), Recommendation.status == RecommendationStatus.PENDING)
        .values(status=RecommendationStatus.SUPERSEDED), execution_options={"synchronize_session": "fetch"})
    db.session.flush()
    names = dict(db.session.execute(select(PassportTemplate.id, PassportTemplate.name).where(
        PassportTemplate.id.in_({r.template_id for r in recs}))).tuples().all())
    for rec in recs:
        verb = "assign" if rec.kind is RecommendationKind.ASSIGN else "end"
        audit.log(actor=None, action=Action.RECOMMENDATION_SUPERSEDED, subject=rec, person_id=person.id,
                  summary=f"Recommendation to {verb} {names[rec.template_id]} for {person.name} no longer stands: {why}",
                  before={"status": "pending"}, after={"status": "superseded"})
    return recs


def _log_answers(actor, person, qs, new, replaced) -> None:
    texts = {q.id: q.text for q in qs}
    labels = {o.id: o.label for q in qs for o in q.options}
    parts = [f"{texts[a.question_id]} {labels[a.option_id]}"
             + (f" (was {labels.get(replaced[a.question_id].option_id, '?')})" if a.question_id in replaced else "")
             for a in new]
    who = f"{actor.name} answered the questionnaire" + (f" for {person.name}" if actor.id != person.id else "")
    audit.log(actor=actor, action=Action.QUESTIONNAIRE_ANSWERED, subject=person, person_id=person.id,
              summary=f"{who}: {'; '.join(parts)}",
              before={texts[q]: labels.get(a.option_id) for q, a in replaced.items()},
              after={texts[a.question_id]: labels[a.option_id] for a in new})


def _log_made(actor, person, made, qs, new) -> dict[int, str]:
    """Each recommendation made, in the audit log; the names of the passports they name."""
    if not made:
        return {}
    texts = {q.id: q.text for q in qs}
    labels = {o.id: o.label for q in qs for o in q.options}
    answers = {a.id: a for a in new}
    names = dict(db.session.execute(select(PassportTemplate.id, PassportTemplate.name).where(
        PassportTemplate.id.in_({r.template_id for r in made}))).tuples().all())
    for rec in made:
        answer = answers[rec.answer_id]
        verb = "assign" if rec.kind is RecommendationKind.ASSIGN else "end"
        audit.log(actor=actor, action=Action.RECOMMENDATION_MADE, subject=rec, person_id=person.id,
                  summary=f"Recommended to {verb} {names[rec.template_id]} for {person.name}: "
                          f"{texts[answer.question_id]} {labels[answer.option_id]}",
                  after={"kind": rec.kind.value, "passport": names[rec.template_id], "status": "pending"})
    return names
