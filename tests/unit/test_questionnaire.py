"""The questionnaire (PRODUCT.md §6.4), its services without HTTP: the editor's questions; answers making
recommendations (assign what an answer recommends, end what a changed answer gave), kept as history; decisions
(approve assigns or ends through the assignment service, decline changes nothing), refused twice or after the
answer changed again; who may decide; the audit trail."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DatabaseError

from skillpass.extensions import db as _db
from skillpass.labels import Action
from skillpass.models import (
    Assignment,
    AuditEvent,
    Entry,
    EntryMethod,
    EntryStatus,
    QuestionAnswer,
    QuestionKind,
    QuestionOption,
    Recommendation,
    RecommendationKind,
    RecommendationStatus,
    TemplateStatus,
)
from skillpass.rules import Status
from skillpass.services import people
from skillpass.services.errors import Conflict, NotAllowed, ValidationFailed
from skillpass.services.passport import build_passport
from skillpass.services.questionnaire import answers, questions, recommendations
from tests import factories
from tests.conftest import TODAY


def _yes_no(admin, text, *, yes=(), no=()):
    """A yes/no question whose Yes recommends *yes* and whose No recommends *no*: (question, yes, no)."""
    question = questions.add_question(actor=admin, text=text, kind="yes_no")
    options = questions.question_view(question).options
    yes_option, no_option = options[0].option, options[1].option
    questions.update_question(actor=admin, question=question, text=question.text, hint="", labels={}, retire=set(),
                              new_options="", recommends={yes_option.id: {t.id for t in yes},
                                                          no_option.id: {t.id for t in no}})
    return question, yes_option, no_option


@pytest.fixture
def q(db, world):
    """Two questions: driving (Yes recommends Driving at work) and lone working (Yes recommends Lone working)."""
    driving = factories.template("Driving at work")
    lone = factories.template("Lone working")
    section = factories.section(driving, "Within 4 weeks", 4, "weeks")
    factories.item(section, "Vehicle checks")
    drive = _yes_no(world.admin, "Do you drive a trust vehicle?", yes=[driving])
    alone = _yes_no(world.admin, "Do you work alone?", yes=[lone])
    db.session.commit()

    class Q:
        pass

    q = Q()
    q.driving, q.lone, q.drive, q.alone = driving, lone, drive, alone
    q.section = section
    return q


def _answer(person, q, *, drive: bool, alone: bool, actor=None, today=TODAY):
    chosen = {q.drive[0].id: q.drive[1 if drive else 2].id, q.alone[0].id: q.alone[1 if alone else 2].id}
    return answers.save_answers(actor=actor or person, person=person, chosen=chosen, today=today)


def _recs(person, **where):
    stmt = select(Recommendation).where(Recommendation.person_id == person.id).order_by(Recommendation.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(Recommendation, name) == value)
    return list(_db.session.scalars(stmt))


def _actions(db, action: Action) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.summary).where(AuditEvent.action == action.value)
                                   .order_by(AuditEvent.id)))


# ---------------------------------------------------------------- the editor

def test_a_yes_no_question_gets_yes_and_no_and_one_of_several_needs_two_different_answers(db, world):
    question = questions.add_question(actor=world.admin, text="  Do you   drive? ", hint="Pool cars count.",
                                      kind="yes_no", options="ignored")
    assert question.text == "Do you drive?" and question.kind is QuestionKind.YES_NO
    assert [o.option.label for o in questions.question_view(question).options] == ["Yes", "No"]
    with pytest.raises(ValidationFailed) as refused:
        questions.add_question(actor=world.admin, text="", kind="choice", options="Only one")
    assert set(refused.value.errors) == {"text", "options"}
    with pytest.raises(ValidationFailed) as refused:
        questions.add_question(actor=world.admin, text="Nights?", kind="choice", options="Never\nnever\n")
    assert "twice" in refused.value.errors["options"]
    with pytest.raises(ValidationFailed) as refused:
        questions.add_question(actor=world.admin, text="Nights?", kind="maybe")
    assert "kind" in refused.value.errors
    nights = questions.add_question(actor=world.admin, text="How often do you work nights?", kind="choice",
                                    options="Never\n\nNow and then\nMost weeks")
    assert [o.option.label for o in questions.question_view(nights).options] == ["Never", "Now and then", "Most weeks"]
    assert [v.question.id for v in questions.editor().live] == [question.id, nights.id]
    assert len(_actions(db, Action.QUESTION_ADDED)) == 2


def test_what_an_answer_recommends_is_saved_and_only_published_passports_are_added(db, world):
    draft = factories.template("Draft passport")
    draft.status = TemplateStatus.DRAFT
    driving = factories.template("Driving at work")
    question, yes, no = _yes_no(world.admin, "Do you drive?", yes=[driving, draft])
    view = questions.question_view(question)
    assert [t.name for t in view.options[0].passports] == ["Driving at work"]
    assert view.options[1].passports == []
    assert "“Yes” recommends Driving at work" in _actions(db, Action.QUESTION_CHANGED)[0]
    # An answer the form did not list keeps what it recommends; one listed with nothing ticked recommends nothing.
    questions.update_question(actor=world.admin, question=question, text="Do you drive a trust vehicle?", hint="",
                              labels={}, retire=set(), new_options="", recommends={no.id: set()})
    assert [t.name for t in questions.question_view(question).options[0].passports] == ["Driving at work"]
    questions.update_question(actor=world.admin, question=question, text=question.text, hint="", labels={},
                              retire=set(), new_options="", recommends={yes.id: set()})
    assert questions.question_view(question).options[0].passports == []


def test_an_answer_anyone_chose_is_retired_and_one_nobody_chose_removed(db, world):
    nights = questions.add_question(actor=world.admin, text="Nights?", kind="choice", options="Never\nSometimes\nOften")
    never, sometimes, often = (o.option for o in questions.question_view(nights).options)
    answers.save_answers(actor=world.learner, person=world.learner, chosen={nights.id: sometimes.id}, today=TODAY)
    with pytest.raises(ValidationFailed) as refused:
        questions.update_question(actor=world.admin, question=nights, text="Nights?", hint="", labels={},
                                  retire={never.id, sometimes.id, often.id}, new_options="", recommends={})
    assert "at least two" in refused.value.errors["new_options"]
    changes = questions.update_question(actor=world.admin, question=nights, text="Nights?", hint="",
                                        labels={often.id: "Most weeks"}, retire={never.id, sometimes.id},
                                        new_options="Never\nNow and then", recommends={})
    assert "answer “Sometimes” retired" in changes and "answer “Never” removed" in changes
    view = questions.question_view(nights)
    assert [(o.option.label, o.option.retired_at is not None) for o in view.options] == [
        ("Sometimes", True), ("Most weeks", False), ("Never", False), ("Now and then", False)]
    assert db.session.get(QuestionOption, never.id) is None


def test_moving_archiving_removing_and_restoring(db, world):
    first = questions.add_question(actor=world.admin, text="First?", kind="yes_no")
    second = questions.add_question(actor=world.admin, text="Second?", kind="yes_no")
    assert questions.move_question(actor=world.admin, question=second, direction="up")
    assert not questions.move_question(actor=world.admin, question=second, direction="up")
    assert [q.text for q in questions.questions()] == ["Second?", "First?"]
    yes = questions.question_view(first).options[0].option
    answers.save_answers(actor=world.learner, person=world.learner,
                         chosen={first.id: yes.id, second.id: questions.question_view(second).options[1].option.id},
                         today=TODAY)
    assert questions.remove_question(actor=world.admin, question=first) == "archived"
    assert [q.text for q in questions.questions()] == ["Second?"]
    assert [q.text for q in questions.questions(archived=True)] == ["First?"]
    unused = questions.add_question(actor=world.admin, text="Unused?", kind="yes_no")
    assert questions.remove_question(actor=world.admin, question=unused) == "removed"
    questions.restore_question(actor=world.admin, question=first)
    assert [q.text for q in questions.questions()] == ["Second?", "First?"]
    for action in (Action.QUESTION_MOVED, Action.QUESTION_ARCHIVED, Action.QUESTION_REMOVED, Action.QUESTION_RESTORED):
        assert _actions(db, action), action


def test_the_first_sign_in_setting_is_kept_and_audited(db, world):
    from skillpass.services.settings import get_settings

    assert get_settings().ask_questionnaire is False
    assert questions.set_ask_at_sign_in(actor=world.admin, ask=True)
    assert not questions.set_ask_at_sign_in(actor=world.admin, ask=True)
    db.session.commit()
    assert get_settings().ask_questionnaire is True
    assert "are asked it when they sign in" in _actions(db, Action.SETTINGS_CHANGED)[-1]


# ---------------------------------------------------------------- answers make recommendations

def test_answering_yes_recommends_the_passport_and_nothing_is_assigned(db, world, q):
    assert answers.never_answered(world.learner)
    saved = _answer(world.learner, q, drive=True, alone=False)
    db.session.commit()
    assert not answers.never_answered(world.learner)
    [rec] = _recs(world.learner)
    assert (rec.kind, rec.status, rec.template_id) == (RecommendationKind.ASSIGN, RecommendationStatus.PENDING,
                                                      q.driving.id)
    assert saved.message == ("Answers saved. Recommended: Driving at work. An educator or an admin approves each "
                             "before anything changes.")
    assert db.session.scalar(select(Assignment).where(Assignment.template_id == q.driving.id)) is None
    assert "Lee Learner answered the questionnaire: Do you drive a trust vehicle? Yes; Do you work alone? No" in \
        _actions(db, Action.QUESTIONNAIRE_ANSWERED)
    assert _actions(db, Action.RECOMMENDATION_MADE) == [
        "Recommended to assign Driving at work for Lee Learner: Do you drive a trust vehicle? Yes"]


def test_every_question_must_be_answered_with_an_answer_it_offers(db, world, q):
    with pytest.raises(ValidationFailed) as refused:
        answers.save_answers(actor=world.learner, person=world.learner,
                             chosen={q.drive[0].id: q.alone[1].id}, today=TODAY)
    assert refused.value.errors == {f"question-{q.drive[0].id}": "Choose one of the answers offered.",
                                    f"question-{q.alone[0].id}": "Choose an answer to this question."}
    assert db.session.scalar(select(func.count()).select_from(QuestionAnswer)) == 0


def test_saving_the_same_answers_again_changes_nothing(db, world, q):
    _answer(world.learner, q, drive=True, alone=False)
    again = _answer(world.learner, q, drive=True, alone=False)
    assert again.changed == [] and again.message.startswith("Nothing changed")
    assert len(_recs(world.learner)) == 1
    assert db.session.scalar(select(func.count()).select_from(QuestionAnswer)) == 2


def test_a_passport_held_already_or_waiting_already_is_not_recommended_again(db, world, q):
    people.assign(actor=world.admin, person=world.learner, template=q.driving, today=TODAY)
    _answer(world.learner, q, drive=True, alone=True)
    assert [(r.template_id, r.kind) for r in _recs(world.learner)] == [(q.lone.id, RecommendationKind.ASSIGN)]
    # A second question recommending the same passport while one waits: still one recommendation.
    also = _yes_no(world.admin, "Do you visit people at home?", yes=[q.lone])
    answers.save_answers(actor=world.learner, person=world.learner, today=TODAY, chosen={
        q.drive[0].id: q.drive[1].id, q.alone[0].id: q.alone[1].id, also[0].id: also[1].id})
    assert len(_recs(world.learner, status=RecommendationStatus.PENDING)) == 1


def test_a_changed_answer_is_a_new_answer_and_the_old_one_is_kept_replaced(db, world, q):
    _answer(world.learner, q, drive=True, alone=False)
    _answer(world.learner, q, drive=False, alone=False, today=TODAY + dt.timedelta(days=1))
    rows = db.session.scalars(select(QuestionAnswer).where(QuestionAnswer.question_id == q.drive[0].id)
                              .order_by(QuestionAnswer.id)).all()
    assert [(a.option_id, a.replaced_at is not None) for a in rows] == [(q.drive[1].id, True), (q.drive[2].id, False)]
    # The recommendation the old answer made no longer stands, and says why in the audit log.
    [rec] = _recs(world.learner)
    assert rec.status is RecommendationStatus.SUPERSEDED
    assert "no longer stands: its answer was changed" in _actions(db, Action.RECOMMENDATION_SUPERSEDED)[0]
    form = answers.form_for(world.learner)
    assert [(question, words) for _, question, words, _ in form.history] == [("Do you drive a trust vehicle?", "Yes")]


def test_answers_are_history_the_database_refuses_an_edit_or_a_delete(db, world, q):
    _answer(world.learner, q, drive=True, alone=False)
    db.session.commit()
    answer_id = db.session.scalar(select(QuestionAnswer.id).order_by(QuestionAnswer.id))
    for statement in (f"UPDATE question_answer SET option_id = {q.drive[2].id} WHERE id = {answer_id}",
                      f"DELETE FROM question_answer WHERE id = {answer_id}"):
        with pytest.raises(DatabaseError):
            db.session.execute(text(statement))
        db.session.rollback()


def test_an_admin_answers_for_someone_and_it_says_so(db, world, q):
    _answer(world.learner, q, drive=True, alone=False, actor=world.admin)
    form = answers.form_for(world.learner)
    assert {row.answered_by for row in form.rows} == {"Ada Admin"}
    assert "Ada Admin answered the questionnaire for Lee Learner" in _actions(db, Action.QUESTIONNAIRE_ANSWERED)[0]
    [rec] = _recs(world.learner)
    assert rec.status is RecommendationStatus.PENDING     # still waits for approval


# ---------------------------------------------------------------- decisions

def _decide(actor, rec, approve=True, note="", today=TODAY):
    return recommendations.decide(actor=actor, recommendation=rec, approve=approve, note=note, today=today)


def test_approving_assigns_from_today_and_the_passport_says_why(db, world, q):
    _answer(world.learner, q, drive=True, alone=False)
    [rec] = _recs(world.learner)
    assert [r.recommendation.id for r in recommendations.waiting_for(world.educator)] == [rec.id]
    assert recommendations.waiting_for(world.other_educator) == [] and recommendations.waiting_count(world.admin) == 1
    decided = _decide(world.educator, rec, note="Drives the community van.", today=TODAY + dt.timedelta(days=3))
    db.session.commit()
    assert decided.message == "Driving at work assigned to Lee Learner, from today."
    assignment = db.session.scalar(select(Assignment).where(Assignment.template_id == q.driving.id))
    assert (assignment.assigned_on, assignment.recommendation_id) == (TODAY + dt.timedelta(days=3), rec.id)
    db.session.expire_all()
    assert rec.status is RecommendationStatus.APPROVED and rec.decided_by_name == "Eve Educator"
    passport = build_passport(world.learner, today=TODAY + dt.timedelta(days=3), warning_days=60)
    [view] = [tv for tv in passport.templates if tv.template.id == q.driving.id]
    assert view.assignment.how_assigned == ("recommended by the questionnaire: Do you drive a trust vehicle? Yes")
    assert recommendations.waiting_count(world.educator) == 0
    assert ("Recommendation to assign Driving at work for Lee Learner approved (Do you drive a trust vehicle? Yes): "
            "Drives the community van.") in _actions(db, Action.RECOMMENDATION_APPROVED)
    assert "Driving at work assigned to Lee Learner on the questionnaire's recommendation" in \
        _actions(db, Action.ASSIGNMENT_ADDED)


def test_a_changed_answer_ends_what_it_gave_after_approval_and_the_records_are_kept(db, world, q):
    _answer(world.learner, q, drive=True, alone=False)
    _decide(world.educator, _recs(world.learner)[0])
    db.session.add(Entry(person_id=world.learner.id, item_id=_first_item(db, q), completed_on=TODAY,
                         method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id))
    db.session.commit()
    saved = _answer(world.learner, q, drive=False, alone=False, today=TODAY + dt.timedelta(days=10))
    assert "To end: Driving at work." in saved.message
    end = _recs(world.learner, kind=RecommendationKind.END)[0]
    assert end.status is RecommendationStatus.PENDING and end.answer_id == saved.changed[0].id
    # Nothing ends before approval.
    assert db.session.scalar(select(Assignment).where(Assignment.template_id == q.driving.id)).removed_on is None
    decided = _decide(world.educator, end, today=TODAY + dt.timedelta(days=11))
    db.session.commit()
    assert decided.message == ("Driving at work ended for Lee Learner: their records are kept, its items are Not "
                               "required.")
    assignment = db.session.scalar(select(Assignment).where(Assignment.template_id == q.driving.id))
    assert (assignment.removed_on, assignment.removed_by_recommendation_id) == (TODAY + dt.timedelta(days=11), end.id)
    passport = build_passport(world.learner, today=TODAY + dt.timedelta(days=11), warning_days=60)
    [view] = [tv for tv in passport.templates if tv.template.id == q.driving.id]
    assert not view.live
    assert [(r.state.status, r.accepted is not None) for r in view.rows] == [(Status.NOT_REQUIRED, True)]


def _first_item(db, q):
    from skillpass.models import Item

    return db.session.scalar(select(Item.id).where(Item.template_id == q.driving.id))


def test_only_an_answer_that_gave_a_passport_ends_it_and_not_while_another_answer_recommends_it(db, world, q):
    # Given by hand: a changed answer never ends it.
    people.assign(actor=world.admin, person=world.learner, template=q.lone, today=TODAY)
    also = _yes_no(world.admin, "Do you drive to home visits?", yes=[q.driving])
    chosen = {q.drive[0].id: q.drive[1].id, q.alone[0].id: q.alone[1].id, also[0].id: also[1].id}
    answers.save_answers(actor=world.learner, person=world.learner, chosen=chosen, today=TODAY)
    _decide(world.educator, _recs(world.learner, kind=RecommendationKind.ASSIGN)[0])
    # Driving is still recommended by the other question: no end.
    chosen[q.drive[0].id], chosen[q.alone[0].id] = q.drive[2].id, q.alone[2].id
    answers.save_answers(actor=world.learner, person=world.learner, chosen=chosen, today=TODAY)
    assert _recs(world.learner, kind=RecommendationKind.END) == []
    # Now no answer recommends it: the changed answer asks to end it.
    chosen[also[0].id] = also[2].id
    saved = answers.save_answers(actor=world.learner, person=world.learner, chosen=chosen, today=TODAY)
    [end] = _recs(world.learner, kind=RecommendationKind.END)
    assert end.template_id == q.driving.id and end.answer_id == saved.changed[0].id
    # Answered yes again before anyone decided: the end no longer stands, and nothing new is recommended.
    chosen[also[0].id] = also[1].id
    answers.save_answers(actor=world.learner, person=world.learner, chosen=chosen, today=TODAY)
    db.session.expire_all()
    assert end.status is RecommendationStatus.SUPERSEDED
    assert _recs(world.learner, status=RecommendationStatus.PENDING) == []


def test_declining_changes_nothing_and_the_person_reads_the_note(db, world, q):
    _answer(world.learner, q, drive=True, alone=False)
    [rec] = _recs(world.learner)
    decided = _decide(world.admin, rec, approve=False, note="Pool cars are for the community team only.")
    db.session.commit()
    assert decided.message == "Recommendation to assign Driving at work for Lee Learner declined."
    assert db.session.scalar(select(Assignment).where(Assignment.template_id == q.driving.id)) is None
    row = next(r for r in answers.form_for(world.learner).rows if r.question.id == q.drive[0].id)
    assert [o.words for o in row.outcomes] == ["declined by Ada Admin: Pool cars are for the community team only."]
    assert _actions(db, Action.RECOMMENDATION_DECLINED)
    # Saving the same answers again does not ask again; changing the answer and back does.
    _answer(world.learner, q, drive=True, alone=False)
    assert len(_recs(world.learner)) == 1


def test_a_recommendation_is_decided_once(db, world, q):
    _answer(world.learner, q, drive=True, alone=False)
    [rec] = _recs(world.learner)
    _decide(world.educator, rec)
    db.session.commit()
    with pytest.raises(Conflict, match="already approved by Eve Educator"):
        _decide(world.admin, rec)


def test_a_decision_racing_another_matches_nothing_and_is_refused(db, world, q):
    """Two educators at the same moment: this one read it waiting, the other's decision landed first."""
    _answer(world.learner, q, drive=True, alone=False)
    [rec] = _recs(world.learner)
    db.session.commit()
    db.session.execute(update(Recommendation).where(Recommendation.id == rec.id)
                       .values(status=RecommendationStatus.DECLINED), execution_options={"synchronize_session": False})
    assert rec.status is RecommendationStatus.PENDING          # as this request read it
    with pytest.raises(Conflict, match="a moment ago"):
        _decide(world.educator, rec)


def test_approving_after_the_answer_changed_again_is_refused(db, world, q):
    _answer(world.learner, q, drive=True, alone=False)
    [rec] = _recs(world.learner)
    db.session.commit()
    _answer(world.learner, q, drive=False, alone=False)
    db.session.commit()
    with pytest.raises(Conflict, match="has changed since, so it no longer stands"):
        _decide(world.educator, rec)
    assert db.session.scalar(select(Assignment).where(Assignment.template_id == q.driving.id)) is None


def test_nobody_decides_their_own_and_educators_only_their_teams(db, world, q):
    _answer(world.educator, q, drive=True, alone=False)
    [own] = _recs(world.educator)
    assert recommendations.waiting_for(world.educator) == []
    with pytest.raises(NotAllowed, match="for themselves"):
        _decide(world.educator, own)
    _answer(world.learner, q, drive=True, alone=False)
    [theirs] = _recs(world.learner)
    with pytest.raises(NotAllowed):
        _decide(world.other_educator, theirs)


def test_approving_what_someone_holds_by_now_is_refused_in_words(db, world, q):
    _answer(world.learner, q, drive=True, alone=False)
    [rec] = _recs(world.learner)
    people.assign(actor=world.admin, person=world.learner, template=q.driving, today=TODAY)
    with pytest.raises(ValidationFailed, match="already has Driving at work"):
        _decide(world.educator, rec)
