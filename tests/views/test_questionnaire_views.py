"""The questionnaire's pages (PRODUCT.md §6.4), full page and htmx partial: answering one's own and an admin's
for someone, the editor, the recommendations waiting and their decisions; the passport and the print saying
why a passport was given."""
from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import Assignment, Question, QuestionAnswer, Recommendation, RecommendationStatus
from skillpass.services.questionnaire import answers, questions
from tests import factories
from tests.conftest import HTMX, TODAY, sign_in


def _page(response, status=200) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def drive(db, world):
    """A yes/no question whose Yes recommends Driving at work: (question, yes, no, passport)."""
    driving = factories.template("Driving at work")
    factories.item(factories.section(driving, "Within 4 weeks", 4, "weeks"), "Vehicle checks")
    question = questions.add_question(actor=world.admin, text="Do you drive a trust vehicle?",
                                      hint="Pool cars count.", kind="yes_no")
    yes, no = (o.option for o in questions.question_view(question).options)
    questions.update_question(actor=world.admin, question=question, text=question.text, hint=question.hint,
                              labels={}, retire=set(), new_options="", recommends={yes.id: {driving.id}})
    db.session.commit()
    return question, yes, no, driving


def _waiting(world, drive) -> Recommendation:
    question, yes, _, _ = drive
    answers.save_answers(actor=world.learner, person=world.learner, chosen={question.id: yes.id}, today=TODAY)
    db.session.commit()
    return db.session.scalar(select(Recommendation).where(Recommendation.person_id == world.learner.id))


# ---------------------------------------------------------------- answering

def test_the_page_asks_every_question_with_its_hint_and_the_partial_is_the_form_alone(as_learner, drive):
    question, yes, no, _ = drive
    html = _page(as_learner.get("/questionnaire"))
    assert "<h1>Which passports do you need?</h1>" in html
    assert '<h2 class="nhsuk-fieldset__heading">Do you drive a trust vehicle?</h2>' in html
    assert f'id="question-{question.id}-{yes.id}" name="question-{question.id}" type="radio" value="{yes.id}"' in html
    assert "Pool cars count." in html
    partial = _page(as_learner.get("/questionnaire", headers=HTMX))
    assert partial.startswith('<div id="questionnaire"') and "<html" not in partial


def test_saving_without_javascript_redirects_and_says_what_it_recommended(as_learner, world, drive):
    question, yes, _, _ = drive
    response = as_learner.post("/questionnaire", data={f"question-{question.id}": str(yes.id)})
    assert response.status_code == 303 and response.headers["Location"] == "/questionnaire"
    html = _page(as_learner.get("/questionnaire"))
    assert "Answers saved. Recommended: Driving at work." in html
    assert re.search(rf'value="{yes.id}"\s+checked>', html)
    assert "<strong>Driving at work</strong>: waiting for approval" in html


def test_saving_with_htmx_swaps_the_answers_in_place_and_announces(as_learner, drive):
    question, yes, _, _ = drive
    response = as_learner.post("/questionnaire", data={f"question-{question.id}": str(yes.id)}, headers=HTMX)
    html = _page(response)
    assert html.startswith('<div id="questionnaire"')
    assert "<strong>Driving at work</strong>: waiting for approval" in html
    assert 'id="flash" hx-swap-oob="innerHTML"' in html and "Recommended: Driving at work." in html


def test_a_question_left_unanswered_is_refused_in_place_page_and_partial(as_learner, drive):
    question, yes, _, _ = drive
    for headers in ({}, HTMX):
        html = _page(as_learner.post("/questionnaire", data={}, headers=headers), 422)
        assert f'<span class="nhsuk-error-message" id="question-{question.id}-error">' in html
        assert "Choose an answer to this question." in html
        # The error summary links to the question's first answer.
        assert f'<a href="#question-{question.id}-{yes.id}">Choose an answer to this question.</a>' in html
    assert db.session.scalar(select(QuestionAnswer)) is None


def test_an_admin_answers_for_someone_and_they_see_who_did(as_admin, app, world, drive):
    question, yes, _, _ = drive
    page = _page(as_admin.get(f"/people/{world.learner.id}/questionnaire"))
    assert "Answer for Lee Learner" in page
    response = as_admin.post(f"/people/{world.learner.id}/questionnaire", data={f"question-{question.id}": str(yes.id)})
    assert response.status_code == 303
    assert "Lee Learner: Answers saved." in _page(as_admin.get(f"/people/{world.learner.id}/questionnaire"))
    learner = sign_in(app.test_client(), world.learner)
    assert "Answered 2 Mar 2026 by Ada Admin." in _page(learner.get("/questionnaire"))
    assert _page(as_admin.get(f"/people/{world.learner.id}/passport")).count(
        f'href="/people/{world.learner.id}/questionnaire"') == 1


def test_an_admin_opening_their_own_goes_to_their_own_page(as_admin, world, drive):
    response = as_admin.get(f"/people/{world.admin.id}/questionnaire")
    assert response.status_code == 302 and response.headers["Location"] == "/questionnaire"


# ---------------------------------------------------------------- the editor

def test_the_editor_lists_the_questions_and_what_each_answer_recommends(as_admin, drive):
    question, *_ = drive
    html = _page(as_admin.get("/admin/questionnaire"))
    assert f'id="question-{question.id}-title"' in html and "1. Do you drive a trust vehicle?" in html
    assert re.search(r"<strong>Yes</strong>:\s+recommends Driving at work", html)
    assert '<span class="app-muted">recommends nothing</span>' in html
    assert 'id="ask-at-sign-in" name="ask" type="checkbox"' in html


def test_adding_a_question_opens_its_page_and_a_refusal_keeps_what_was_typed(as_admin):
    refused = _page(as_admin.post("/admin/questionnaire", data={"text": "Nights?", "kind": "choice",
                                                               "options": "Never"}), 422)
    assert "Enter at least two answers, one a line." in refused and ">Never</textarea>" in refused
    response = as_admin.post("/admin/questionnaire", data={"text": "How often do you work nights?", "kind": "choice",
                                                           "options": "Never\nMost weeks"})
    question = db.session.scalar(select(Question))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/questionnaire/questions/{question.id}/edit"
    html = _page(as_admin.get(response.headers["Location"]))
    assert "Question added: How often do you work nights?" in html
    assert "Passports “Never” recommends" in html and "Passports “Most weeks” recommends" in html


def test_editing_saves_what_each_answer_recommends(as_admin, drive):
    question, yes, no, driving = drive
    lone = factories.template("Lone working")
    db.session.commit()
    response = as_admin.post(f"/admin/questionnaire/questions/{question.id}/edit", data={
        "text": question.text, "hint": "", "listed": [str(yes.id), str(no.id)],
        f"option-{yes.id}-passports": [str(driving.id), str(lone.id)]})
    assert response.status_code == 303
    html = _page(as_admin.get("/admin/questionnaire"))
    assert "Saved: hint changed; “Yes” recommends Lone working." in html
    refused = _page(as_admin.post(f"/admin/questionnaire/questions/{question.id}/edit",
                                  data={"text": "", "hint": "", "listed": [str(yes.id)]}), 422)
    assert "Enter the question" in refused
    # What was unticked shows unticked again.
    assert not re.search(rf'id="edit-option-{yes.id}-passport-{driving.id}"[^>]*checked', refused)


def test_moving_archiving_and_restoring_in_place(as_admin, world, drive):
    question, yes, *_ = drive
    second = questions.add_question(actor=world.admin, text="Do you work alone?", kind="yes_no")
    db.session.commit()
    moved = _page(as_admin.post(f"/admin/questionnaire/questions/{second.id}/move", data={"direction": "up"},
                                headers=HTMX))
    assert moved.startswith('<div id="questions"') and "Question moved up." in moved
    assert moved.index("Do you work alone?") < moved.index("Do you drive a trust vehicle?")
    answers.save_answers(actor=world.learner, person=world.learner, today=TODAY, chosen={
        question.id: yes.id, second.id: questions.question_view(second).options[1].option.id})
    db.session.commit()
    archived = _page(as_admin.post(f"/admin/questionnaire/questions/{question.id}/remove", data={"action": "remove"},
                                   headers=HTMX))
    assert "Archived: Do you drive a trust vehicle?" in archived and "Archived questions" in archived
    assert "Do you drive a trust vehicle?" not in _page(as_admin.get("/questionnaire"))
    response = as_admin.post(f"/admin/questionnaire/questions/{question.id}/remove", data={"action": "restore"})
    assert response.status_code == 303
    assert "Restored: Do you drive a trust vehicle?" in _page(as_admin.get("/admin/questionnaire"))


def test_the_first_sign_in_setting_is_saved_in_place(as_admin):
    html = _page(as_admin.post("/admin/questionnaire/ask", data={"ask": "1"}, headers=HTMX))
    assert html.startswith('<form id="ask"') and re.search(r'type="checkbox" value="1"[^>]*checked', html)
    assert "now asked when they sign in" in html
    response = as_admin.post("/admin/questionnaire/ask", data={})
    assert response.status_code == 303
    assert "no longer asked when they sign in" in _page(as_admin.get("/admin/questionnaire"))


# ---------------------------------------------------------------- the recommendations waiting

def test_the_queue_shows_who_which_passport_and_the_answer_that_gave_it(as_educator, world, drive):
    rec = _waiting(world, drive)
    html = _page(as_educator.get("/recommendations"))
    assert "<title>Recommendations (1 waiting)" in html and ">1 waiting</span>" in html
    row = re.search(rf'<li id="recommendation-{rec.id}".*?</li>', html, re.S).group(0)
    assert re.search(r"Lee Learner</a>:\s+Assign Driving at work", row)
    assert "Recommended by the questionnaire: <em>Do you drive a trust vehicle?</em> Yes." in row
    partial = _page(as_educator.get("/recommendations", headers=HTMX))
    assert partial.startswith('<div id="recommendations"') and "<html" not in partial
    count = _page(as_educator.get("/recommendations/count", headers=HTMX))
    assert count.startswith('<span id="recommendations-count"') and ">1 waiting<" in count
    assert as_educator.get("/recommendations/count").status_code == 302


def test_approving_in_place_says_what_was_done_and_tells_the_count(as_educator, world, drive):
    rec = _waiting(world, drive)
    response = as_educator.post(f"/recommendations/{rec.id}/decision", data={"decision": "approve", "note": ""},
                                headers=HTMX)
    html = _page(response)
    assert html.startswith(f'<li id="recommendation-{rec.id}" class="app-recommendation app-recommendation--done"')
    assert "Driving at work assigned to Lee Learner, from today." in html
    assert "recommendationsChanged" in response.headers["HX-Trigger"]
    assert db.session.scalar(select(Assignment).where(Assignment.recommendation_id == rec.id)) is not None
    # A second try, from a page opened before: refused, in words, in its place.
    again = _page(as_educator.post(f"/recommendations/{rec.id}/decision", data={"decision": "approve"}, headers=HTMX))
    assert "This recommendation was already approved by Eve Educator: nothing was changed." in again
    assert "Nothing is waiting for you." in _page(as_educator.get("/recommendations"))


def test_declining_without_javascript_redirects_with_the_news(as_admin, world, drive):
    rec = _waiting(world, drive)
    response = as_admin.post(f"/recommendations/{rec.id}/decision", data={"decision": "decline", "note": "Not yet."})
    assert response.status_code == 303 and response.headers["Location"] == "/recommendations"
    assert "Recommendation to assign Driving at work for Lee Learner declined." in _page(as_admin.get("/recommendations"))
    db.session.expire_all()
    assert rec.status is RecommendationStatus.DECLINED and rec.note == "Not yet."
    again = as_admin.post(f"/recommendations/{rec.id}/decision", data={"decision": "approve"})
    assert again.status_code == 303
    assert "already declined by Ada Admin" in _page(as_admin.get("/recommendations"))


def test_a_note_too_long_is_refused_in_the_row_with_the_note_kept(as_educator, world, drive):
    rec = _waiting(world, drive)
    note = "x" * 1001
    for headers, start in ((HTMX, f'<li id="recommendation-{rec.id}"'), ({}, "<!DOCTYPE html>")):
        html = _page(as_educator.post(f"/recommendations/{rec.id}/decision",
                                      data={"decision": "approve", "note": note}, headers=headers), 422)
        assert html.lstrip().startswith(start)
        assert "Keep the note to 1,000 characters or fewer." in html and f'value="{note}"' in html
    assert db.session.get(Recommendation, rec.id).status is RecommendationStatus.PENDING


def test_approving_after_the_answer_changed_again_is_refused_in_words(as_educator, world, drive):
    rec = _waiting(world, drive)
    question, _, no, _ = drive
    answers.save_answers(actor=world.learner, person=world.learner, chosen={question.id: no.id}, today=TODAY)
    db.session.commit()
    html = _page(as_educator.post(f"/recommendations/{rec.id}/decision", data={"decision": "approve"}, headers=HTMX))
    assert "The answer behind this recommendation has changed since, so it no longer stands" in html
    assert db.session.scalar(select(Assignment).where(Assignment.recommendation_id == rec.id)) is None


# ---------------------------------------------------------------- the passport says why

def test_the_passport_and_the_print_say_the_questionnaire_recommended_it(as_educator, app, world, drive):
    rec = _waiting(world, drive)
    as_educator.post(f"/recommendations/{rec.id}/decision", data={"decision": "approve"})
    learner = sign_in(app.test_client(), world.learner)
    own = _page(learner.get("/passport"))
    assert ("Since 2 Mar 2026, recommended by the questionnaire: <em>Do you drive a trust vehicle?</em> Yes"
            " · <a href=\"/questionnaire\">Your answers</a>") in own
    theirs = _page(as_educator.get(f"/people/{world.learner.id}/passport"))
    assert "recommended by the questionnaire: <em>Do you drive a trust vehicle?</em> Yes</p>" in theirs
    printed = _page(as_educator.get(f"/people/{world.learner.id}/passport/print"))
    assert ("Recommended by the questionnaire: <em>Do you drive a trust vehicle?</em> Yes (assigned 2 Mar 2026)"
            in printed)


def test_the_pdf_says_why_too(as_educator, world, drive):
    import io

    from pypdf import PdfReader

    rec = _waiting(world, drive)
    as_educator.post(f"/recommendations/{rec.id}/decision", data={"decision": "approve"})
    response = as_educator.get(f"/people/{world.learner.id}/passport.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages).split())
    assert "Recommended by the questionnaire: Do you drive a trust vehicle? Yes (assigned 2 Mar 2026)" in text


def test_approving_what_they_hold_by_now_says_so_in_the_row(as_educator, world, drive):
    from skillpass.services import people

    rec = _waiting(world, drive)
    people.assign(actor=world.admin, person=world.learner, template=drive[3], today=TODAY)
    db.session.commit()
    for headers in (HTMX, {}):
        html = _page(as_educator.post(f"/recommendations/{rec.id}/decision", data={"decision": "approve"},
                                      headers=headers), 422)
        assert f'<p class="nhsuk-error-message" id="recommendation-{rec.id}-error">' in html
        assert "Lee Learner already has Driving at work. Decline this recommendation instead." in html
    assert db.session.get(Recommendation, rec.id).status is RecommendationStatus.PENDING

