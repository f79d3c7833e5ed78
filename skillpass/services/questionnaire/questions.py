"""The questionnaire's questions (admins): add, edit (wording, answers, the passports each answer recommends),
move, archive or remove, restore; and whether people are asked at first sign-in. Checked, audited, made in
the caller's transaction.

A question anyone has answered is archived, never deleted (its answers stay in people's history), and so is
an answer anyone chose. A change to what an answer recommends applies to answers saved from then on: what
earlier answers gave stays until those answers change.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from skillpass import clock
from skillpass.extensions import db
from skillpass.inputs import refuse_controls
from skillpass.labels import Action
from skillpass.models import (
    OptionPassport,
    PassportTemplate,
    Person,
    Question,
    QuestionAnswer,
    QuestionKind,
    QuestionOption,
    TemplateStatus,
)
from skillpass.services import audit
from skillpass.services.errors import ValidationFailed
from skillpass.services.settings import ASK_QUESTIONNAIRE, get_settings, set_setting

YES_NO = ("Yes", "No")
TEXT_MAX, HINT_MAX, LABEL_MAX = 300, 1000, 120


# ---------------------------------------------------------------- reading

@dataclass
class OptionView:
    option: QuestionOption
    passports: list[PassportTemplate] = field(default_factory=list)
    chosen: bool = False            # someone has chosen it (it is retired, never deleted)


@dataclass
class QuestionView:
    question: Question
    options: list[OptionView]
    answered: bool

    @property
    def live_options(self) -> list[OptionView]:
        return [o for o in self.options if o.option.retired_at is None]


@dataclass
class Editor:
    live: list[QuestionView]
    archived: list[QuestionView]
    passports: list[PassportTemplate]       # what an answer may recommend: the published passports
    ask_at_sign_in: bool


def questions(*, archived: bool = False) -> list[Question]:
    """The live questions in order (with their options), or the archived ones."""
    # Read afresh (populate_existing): a question changed in this request shows its answers as they now are.
    stmt = select(Question).options(selectinload(Question.options)).execution_options(populate_existing=True)
    stmt = stmt.where(Question.archived_at.is_not(None) if archived else Question.archived_at.is_(None))
    return list(db.session.scalars(stmt.order_by(Question.position, Question.id)))


def recommended(option_ids) -> dict[int, list[PassportTemplate]]:
    """The passports each of these options recommends, by name: one query."""
    found: dict[int, list[PassportTemplate]] = {}
    if option_ids:
        rows = db.session.execute(select(OptionPassport.option_id, PassportTemplate)
                                  .join(PassportTemplate, PassportTemplate.id == OptionPassport.template_id)
                                  .where(OptionPassport.option_id.in_(list(option_ids)))
                                  .order_by(PassportTemplate.name))
        for option_id, template in rows:
            found.setdefault(option_id, []).append(template)
    return found


def _views(qs: list[Question]) -> list[QuestionView]:
    option_ids = [o.id for q in qs for o in q.options]
    passports = recommended(option_ids)
    chosen = set(db.session.scalars(select(QuestionAnswer.option_id).distinct()
                                    .where(QuestionAnswer.option_id.in_(option_ids or [-1]))))
    answered = set(db.session.scalars(select(QuestionAnswer.question_id).distinct()
                                      .where(QuestionAnswer.question_id.in_([q.id for q in qs] or [-1]))))
    return [QuestionView(question=q, answered=q.id in answered,
                         options=[OptionView(option=o, passports=passports.get(o.id, []), chosen=o.id in chosen)
                                  for o in q.options])
            for q in qs]


def published_passports() -> list[PassportTemplate]:
    return list(db.session.scalars(select(PassportTemplate).where(PassportTemplate.status == TemplateStatus.PUBLISHED)
                                   .order_by(PassportTemplate.name)))


def editor() -> Editor:
    return Editor(live=_views(questions()), archived=_views(questions(archived=True)),
                  passports=published_passports(), ask_at_sign_in=get_settings().ask_questionnaire)


def question_view(question: Question) -> QuestionView:
    fresh = db.session.scalar(select(Question).options(selectinload(Question.options))
                              .execution_options(populate_existing=True).where(Question.id == question.id))
    return _views([fresh])[0]


# ---------------------------------------------------------------- checking

def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def _check(text: str, hint: str) -> tuple[str, str]:
    errors: dict[str, str] = {}
    refuse_controls(errors, text=text, hint=hint)
    text, hint = _clean(text), (hint or "").strip()
    if "text" not in errors:
        if not text:
            errors["text"] = "Enter the question, for example Do you drive a trust vehicle?"
        elif len(text) > TEXT_MAX:
            errors["text"] = f"Use {TEXT_MAX} characters or fewer."
    if "hint" not in errors and len(hint) > HINT_MAX:
        errors["hint"] = f"Use {HINT_MAX:,} characters or fewer."
    if errors:
        raise ValidationFailed(errors)
    return text, hint


def _labels(raw: str, field_name: str, errors: dict[str, str]) -> list[str]:
    """One answer a line, blank lines left out."""
    refuse_controls(errors, **{field_name: raw})
    labels = [_clean(line) for line in (raw or "").splitlines() if line.strip()]
    if field_name not in errors:
        too_long = next((label for label in labels if len(label) > LABEL_MAX), None)
        if too_long:
            errors[field_name] = f"Keep each answer to {LABEL_MAX} characters or fewer."
    return labels


def _same_labels(labels: list[str]) -> str | None:
    seen: set[str] = set()
    for label in labels:
        if label.lower() in seen:
            return label
        seen.add(label.lower())
    return None


# ---------------------------------------------------------------- writing

def add_question(*, actor: Person, text: str, hint: str = "", kind: str = "", options: str = "") -> Question:
    errors: dict[str, str] = {}
    try:
        text, hint = _check(text, hint)
    except ValidationFailed as error:
        errors.update(error.errors)
    try:
        kind_ = QuestionKind(kind)
    except ValueError:
        kind_ = None
        errors["kind"] = "Choose whether it is answered yes or no, or with one of several answers."
    labels = list(YES_NO)
    if kind_ is QuestionKind.CHOICE:
        labels = _labels(options, "options", errors)
        if "options" not in errors:
            if len(labels) < 2:
                errors["options"] = "Enter at least two answers, one a line."
            elif clash := _same_labels(labels):
                errors["options"] = f"“{clash}” is there twice: give each answer once."
    if errors:
        raise ValidationFailed(errors)
    last = db.session.scalar(select(func.max(Question.position)).where(Question.archived_at.is_(None)))
    question = Question(text=text, hint=hint, kind=kind_, position=(last + 1) if last is not None else 0)
    db.session.add(question)
    db.session.flush()
    db.session.add_all(QuestionOption(question_id=question.id, label=label, position=n) for n, label in enumerate(labels))
    db.session.flush()
    audit.log(actor=actor, action=Action.QUESTION_ADDED, subject=question, person_id=None,
              summary=f"Question added: {text} ({' / '.join(labels)})",
              after={"text": text, "hint": hint, "kind": kind_.value, "answers": labels})
    return question


def update_question(*, actor: Person, question: Question, text: str, hint: str, labels: dict[int, str],
                    retire: set[int], new_options: str, recommends: dict[int, set[int]]) -> list[str]:
    """Save the wording, the answers (renamed, retired or removed, added: one of several answers only) and
    the passports each live answer recommends (*recommends*: by answer id, for the answers the form listed);
    what changed, in words ([] for nothing)."""
    view = question_view(question)
    errors: dict[str, str] = {}
    try:
        text, hint = _check(text, hint)
    except ValidationFailed as error:
        errors.update(error.errors)
    live = view.live_options
    choice = question.kind is QuestionKind.CHOICE
    renamed: dict[int, str] = {}
    added: list[str] = []
    if choice:
        for o in live:
            name = f"option-{o.option.id}-label"
            refuse_controls(errors, **{name: labels.get(o.option.id, o.option.label)})
            label = _clean(labels.get(o.option.id, o.option.label))
            if name in errors:
                continue
            if not label:
                errors[name] = "Enter the answer's words, or tick Remove this answer."
            elif len(label) > LABEL_MAX:
                errors[name] = f"Use {LABEL_MAX} characters or fewer."
            elif label != o.option.label:
                renamed[o.option.id] = label
        added = _labels(new_options, "new_options", errors)
        kept = [renamed.get(o.option.id, o.option.label) for o in live if o.option.id not in retire]
        if not errors:
            if len(kept) + len(added) < 2:
                errors["new_options"] = "A question of several answers needs at least two: add another first."
            elif clash := _same_labels(kept + added):
                errors["new_options"] = f"“{clash}” is there twice: give each answer once."
    if errors:
        raise ValidationFailed(errors)

    changes: list[str] = []
    if text != question.text:
        changes.append(f"question “{question.text}” → “{text}”")
        question.text = text
    if hint != question.hint:
        changes.append("hint changed")
        question.hint = hint
    allowed = {t.id for t in published_passports()}
    names = {t.id: t.name for o in view.options for t in o.passports}
    names.update({t.id: t.name for t in published_passports()})
    for o in live:
        option = o.option
        if option.id in renamed:
            changes.append(f"answer “{option.label}” → “{renamed[option.id]}”")
            option.label = renamed[option.id]
        if choice and option.id in retire:
            changes.append(f"answer “{option.label}” {'retired' if o.chosen else 'removed'}")
            db.session.execute(delete(OptionPassport).where(OptionPassport.option_id == option.id))
            if o.chosen:
                option.retired_at = clock.now()
            else:
                db.session.delete(option)
            continue
        before = {t.id for t in o.passports}
        # A passport no longer published stays recommended until it is unticked; only published ones are added.
        # An answer the form did not list keeps what it recommends.
        after = ({t for t in recommends[option.id] if t in allowed or t in before} if option.id in recommends
                 else before)
        for template_id in sorted(after - before, key=lambda t: names[t]):
            db.session.add(OptionPassport(option_id=option.id, template_id=template_id))
            changes.append(f"“{option.label}” recommends {names[template_id]}")
        for template_id in sorted(before - after, key=lambda t: names[t]):
            db.session.execute(delete(OptionPassport).where(OptionPassport.option_id == option.id,
                                                            OptionPassport.template_id == template_id))
            changes.append(f"“{option.label}” no longer recommends {names[template_id]}")
    last = max((o.option.position for o in view.options), default=-1)
    for n, label in enumerate(added, start=last + 1):
        db.session.add(QuestionOption(question_id=question.id, label=label, position=n))
        changes.append(f"answer added: “{label}”")
    db.session.flush()
    if changes:
        audit.log(actor=actor, action=Action.QUESTION_CHANGED, subject=question, person_id=None,
                  summary=f"{question.text}: {', '.join(changes)}", after={"changes": changes})
    return changes


def move_question(*, actor: Person, question: Question, direction: str) -> bool:
    """Swap a live question with its neighbour; False at an end (or for an archived one)."""
    live = questions()
    ids = [q.id for q in live]
    if question.id not in ids or direction not in ("up", "down"):
        return False
    index = ids.index(question.id)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(live):
        return False
    live[index], live[target] = live[target], live[index]
    for position, q in enumerate(live):
        q.position = position
    db.session.flush()
    audit.log(actor=actor, action=Action.QUESTION_MOVED, subject=question, person_id=None,
              summary=f"Question moved {direction}: {question.text} is now {target + 1} of {len(live)}",
              before={"position": index + 1}, after={"position": target + 1})
    return True


def remove_question(*, actor: Person, question: Question) -> str:
    """"archived" (someone answered it: their answers are kept, nobody is asked it now) or "removed"."""
    if question.archived_at is not None:
        return "archived"
    if db.session.scalar(select(QuestionAnswer.id).where(QuestionAnswer.question_id == question.id).limit(1)):
        question.archived_at = clock.now()
        audit.log(actor=actor, action=Action.QUESTION_ARCHIVED, subject=question, person_id=None,
                  summary=f"Question archived: {question.text} (people's answers are kept)",
                  before={"archived_at": None}, after={"archived_at": question.archived_at})
        return "archived"
    audit.log(actor=actor, action=Action.QUESTION_REMOVED, subject=question, person_id=None,
              summary=f"Question removed: {question.text} (nobody had answered it)", before={"text": question.text})
    options = select(QuestionOption.id).where(QuestionOption.question_id == question.id)
    db.session.execute(delete(OptionPassport).where(OptionPassport.option_id.in_(options)))
    db.session.execute(delete(QuestionOption).where(QuestionOption.question_id == question.id))
    db.session.delete(question)
    db.session.flush()
    return "removed"


def restore_question(*, actor: Person, question: Question) -> None:
    """Ask it again, last of the live questions."""
    if question.archived_at is None:
        return
    last = db.session.scalar(select(func.max(Question.position)).where(Question.archived_at.is_(None)))
    question.archived_at = None
    question.position = (last + 1) if last is not None else 0
    audit.log(actor=actor, action=Action.QUESTION_RESTORED, subject=question, person_id=None,
              summary=f"Question restored: {question.text}", after={"archived_at": None})


def set_ask_at_sign_in(*, actor: Person, ask: bool) -> bool:
    """Whether people who have never answered are asked after signing in; False when it was so already."""
    before = get_settings().ask_questionnaire
    if before == ask:
        return False
    set_setting(ASK_QUESTIONNAIRE, "1" if ask else "0")
    audit.log(actor=actor, action=Action.SETTINGS_CHANGED, subject=actor, person_id=None,
              summary=f"People who have never answered the questionnaire {'are' if ask else 'are not'} asked "
                      f"it when they sign in", before={"ask_questionnaire": before}, after={"ask_questionnaire": ask})
    return True
