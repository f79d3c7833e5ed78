"""Asked at first sign-in (PRODUCT.md §6.4): while the organisation asks, a person who has never answered the
questionnaire is sent to it after signing in (with a password, a temporary one changed first, or an invitation's
link), may skip it, and is asked again next time until they answer; with the setting off, or nothing to ask,
sign-in goes where it always went."""
from __future__ import annotations

import datetime as dt
from html import unescape
from urllib.parse import quote

import pytest

from skillpass.extensions import db
from skillpass.models import LinkPurpose
from skillpass.services import links
from skillpass.services.questionnaire import answers, questions
from skillpass.services.settings import ASK_QUESTIONNAIRE, set_setting
from tests import factories
from tests.conftest import TODAY

NEW_PASSWORD = "tangerine-lighthouse-orbit"  # nosec B105 - a test password


@pytest.fixture
def asked(db, world):
    question = questions.add_question(actor=world.admin, text="Do you drive a trust vehicle?", kind="yes_no")
    set_setting(ASK_QUESTIONNAIRE, "1")
    db.session.commit()
    return question


def _sign_in(client, person, next_: str | None = None):
    url = "/sign-in" + (f"?next={quote(next_)}" if next_ else "")
    response = client.post(url, data={"email": person.email, "password": factories.PASSWORD})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def test_with_the_setting_off_sign_in_goes_home(app, world):
    questions.add_question(actor=world.admin, text="Do you drive a trust vehicle?", kind="yes_no")
    db.session.commit()
    assert _sign_in(app.test_client(), world.learner) == "/"


def test_someone_who_never_answered_is_asked_first_and_may_skip(app, world, asked):
    client = app.test_client()
    assert _sign_in(client, world.learner) == "/questionnaire?next=/"
    html = unescape(client.get("/questionnaire?next=/").get_data(as_text=True))
    assert '<a href="/">Skip for now</a>: you will be asked again the next time you sign in.' in html
    assert '<input type="hidden" name="next" value="/">' in html
    # Skipped: asked again at the next sign-in.
    assert _sign_in(app.test_client(), world.learner) == "/questionnaire?next=/"


def test_where_they_were_going_is_kept(app, world, asked):
    target = f"/people/{world.learner.id}/passport"
    assert _sign_in(app.test_client(), world.learner, target) == f"/questionnaire?next={target}"


def test_once_answered_they_go_on_and_are_not_asked_again(app, world, asked):
    client = app.test_client()
    _sign_in(client, world.learner)
    yes = questions.question_view(asked).options[0].option
    response = client.post("/questionnaire", data={f"question-{asked.id}": str(yes.id), "next": "/"})
    assert response.status_code == 303 and response.headers["Location"] == "/questionnaire?next=/"
    html = unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert '<a class="nhsuk-button nhsuk-button--secondary app-button-inline" href="/">Continue</a>' in html
    assert _sign_in(app.test_client(), world.learner) == "/"


def test_nothing_to_ask_means_no_detour(app, world, asked):
    questions.remove_question(actor=world.admin, question=asked)
    db.session.commit()
    assert _sign_in(app.test_client(), world.learner) == "/"


def test_only_a_local_next_is_carried(app, world, asked):
    assert _sign_in(app.test_client(), world.learner, "https://evil.example/") == "/questionnaire?next=/"
    page = app.test_client()
    _sign_in(page, world.learner)
    html = page.get("/questionnaire?next=https://evil.example/").get_data(as_text=True)
    assert "evil.example" not in html


def test_a_temporary_password_is_changed_first_then_the_questionnaire(app, world, asked):
    world.learner.must_change_password = True
    db.session.commit()
    client = app.test_client()
    assert _sign_in(client, world.learner) == "/questionnaire?next=/"
    assert client.get("/questionnaire?next=/").headers["Location"] == "/account/password"
    response = client.post("/account/password", data={"current_password": factories.PASSWORD,
                                                      "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/questionnaire?next=/"
    # A password changed later, by choice, goes home as before.
    answers.save_answers(actor=world.learner, person=world.learner, today=TODAY,
                         chosen={asked.id: questions.question_view(asked).options[1].option.id})
    db.session.commit()
    again = client.post("/account/password", data={"current_password": NEW_PASSWORD,
                                                   "new_password": NEW_PASSWORD + "-2", "confirm": NEW_PASSWORD + "-2"})
    assert again.headers["Location"] == "/"


def test_an_invitation_leads_to_the_questionnaire_too(app, world, asked):
    token = links.issue(person=world.other_learner, purpose=LinkPurpose.INVITATION, lifetime=dt.timedelta(days=7))
    db.session.commit()
    response = app.test_client().post(f"/invitation/{token}", data={"new_password": NEW_PASSWORD,
                                                                    "confirm": NEW_PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/questionnaire?next=/"
