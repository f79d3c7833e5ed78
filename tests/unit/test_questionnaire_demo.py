"""The demo trust's questionnaire (issue 17, part D): five questions each recommending a passport of its own,
asked at first sign-in; everyone but the new starter has answered (so the demo sign-ins go straight in); a few
passports given on approval say why; one recommendation waits for the demo educator."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from skillpass import demo, questionnaire_demo
from skillpass.models import Assignment, Person, QuestionKind, Recommendation, RecommendationStatus
from skillpass.services.passport import build_passport
from skillpass.services.questionnaire import answers, questions, recommendations
from skillpass.services.settings import get_settings
from tests.conftest import TODAY


@pytest.fixture
def seeded(db):
    demo.seed(today=TODAY)
    db.session.commit()


def _person(db, email) -> Person:
    return db.session.scalar(select(Person).where(Person.email == email))


def test_five_questions_each_recommending_a_published_passport_asked_at_first_sign_in(db, seeded):
    live = questions.editor().live
    assert [v.question.text for v in live] == [
        "Do you drive a trust vehicle?", "Do you work alone, without a colleague nearby?",
        "Do you handle or give medicines?", "Do you work with children or young people under 18?",
        "How often do you work night shifts?"]
    assert [v.question.kind for v in live][-1] is QuestionKind.CHOICE
    for view in live:
        recommended = {t.name for o in view.options for t in o.passports}
        assert len(recommended) == 1, view.question.text
    assert get_settings().ask_questionnaire is True


def test_only_the_new_starter_is_asked_at_sign_in(db, seeded):
    for email in (demo.LEARNER_EMAIL, demo.EDUCATOR_EMAIL, demo.ADMIN_EMAIL, "ot.educator@example.org"):
        assert not answers.never_answered(_person(db, email)), email
    assert answers.never_answered(_person(db, questionnaire_demo.NEW_STARTER_EMAIL))


def test_one_recommendation_waits_for_the_demo_educator_and_given_passports_say_why(db, seeded):
    educator = _person(db, demo.EDUCATOR_EMAIL)
    [row] = recommendations.waiting_for(educator)
    assert row.template.name == "Lone working" and row.person.email != demo.LEARNER_EMAIL
    assert row.option.label == "Yes"
    given = db.session.scalars(select(Assignment).where(Assignment.recommendation_id.is_not(None))).all()
    assert len(given) >= 5
    person = db.session.get(Person, given[0].person_id)
    views = build_passport(person, today=TODAY, warning_days=60).templates
    assert any(v.assignment is not None and v.assignment.how_assigned.startswith(
        "recommended by the questionnaire: ") for v in views)
    declined = db.session.scalars(select(Recommendation).where(
        Recommendation.status == RecommendationStatus.DECLINED)).all()
    assert len(declined) == 1 and declined[0].note
