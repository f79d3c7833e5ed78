"""The questionnaire's forms, sent from a page open too long (an expired CSRF token), come back filled in with
nothing saved (skillpass/unsaved.py), page and htmx partial alike. CSRF is on in this module."""
from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import Question, QuestionAnswer
from skillpass.services.questionnaire import questions
from skillpass.unsaved import EXPIRED
from tests.conftest import HTMX
from tests.views.test_route_permissions import _form_token
from tests.views.test_unsaved import SAME_SITE, _sign_in, _stale_token


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def question(db, world):
    made = questions.add_question(actor=world.admin, text="Do you drive a trust vehicle?", kind="yes_no")
    db.session.commit()
    return made


def _client(app, person):
    client = app.test_client()
    assert _sign_in(client, person).status_code == 303
    return client


def test_answers_sent_too_late_come_back_chosen_and_unsaved(app, world, question):
    client = _client(app, world.learner)
    yes = questions.question_view(question).options[0].option
    chosen = {f"question-{question.id}": str(yes.id)}
    page = client.post("/questionnaire", data={**chosen, "csrf_token": _stale_token(app, world)}, headers=SAME_SITE)
    html = unescape(page.get_data(as_text=True))
    assert page.status_code == 422 and "<html" in html and EXPIRED in html
    assert re.search(rf'value="{yes.id}"\s+checked>', html)
    partial = client.post("/questionnaire", data=chosen,
                          headers={**HTMX, **SAME_SITE, "X-CSRFToken": _stale_token(app, world)})
    fragment = unescape(partial.get_data(as_text=True))
    assert partial.status_code == 422 and fragment.startswith('<div id="questionnaire"') and EXPIRED in fragment
    assert db.session.scalar(select(QuestionAnswer)) is None
    # Save again with the page's new token: saved, once.
    again = client.post("/questionnaire", data={**chosen, "csrf_token": _form_token(page.get_data(as_text=True)),
                                                "submission": re.search(r'name="submission" value="([^"]+)"',
                                                                        page.get_data(as_text=True)).group(1)})
    assert again.status_code == 303
    assert db.session.scalar(select(QuestionAnswer)) is not None


def test_a_question_edited_too_late_comes_back_as_typed(app, world, question):
    client = _client(app, world.admin)
    url = f"/admin/questionnaire/questions/{question.id}/edit"
    response = client.post(url, data={"text": "Do you drive a van?", "hint": "",
                                      "csrf_token": _stale_token(app, world)}, headers=SAME_SITE)
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and EXPIRED in html and 'value="Do you drive a van?"' in html
    db.session.expire_all()
    assert db.session.get(Question, question.id).text == "Do you drive a trust vehicle?"
