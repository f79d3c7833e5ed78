"""The questionnaire's pages and partials are valid HTML (issue 17, part D), checked as the main pages are."""
from __future__ import annotations

from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import Recommendation
from skillpass.services.questionnaire import answers, questions
from tests import factories
from tests.conftest import HTMX, TODAY, sign_in
from tests.html.test_valid_html import _messages


def test_the_questionnaire_pages_are_valid_html(app, world, tmp_path):
    driving = factories.template("Driving at work")
    question = questions.add_question(actor=world.admin, text="Do you drive a trust vehicle?", hint="Pool cars count.",
                                      kind="yes_no")
    nights = questions.add_question(actor=world.admin, text="Nights?", kind="choice", options="Never\nMost weeks")
    yes = questions.question_view(question).options[0].option
    questions.update_question(actor=world.admin, question=question, text=question.text, hint=question.hint,
                              labels={}, retire=set(), new_options="", recommends={yes.id: {driving.id}})
    never = questions.question_view(nights).options[0].option
    answers.save_answers(actor=world.learner, person=world.learner, chosen={question.id: yes.id, nights.id: never.id},
                         today=TODAY)
    db.session.commit()
    rec = db.session.scalar(select(Recommendation))
    learner = sign_in(app.test_client(), world.learner)
    educator = sign_in(app.test_client(), world.educator)
    admin = sign_in(app.test_client(), world.admin)
    files = []
    for name, (client, url) in {
        "answers": (learner, "/questionnaire?next=/"),
        "answers-errors": (learner, None),
        "for-someone": (admin, f"/people/{world.learner.id}/questionnaire"),
        "editor": (admin, "/admin/questionnaire"),
        "question-edit": (admin, f"/admin/questionnaire/questions/{nights.id}/edit"),
        "recommendations": (educator, "/recommendations"),
    }.items():
        response = client.get(url) if url else client.post("/questionnaire", data={})
        assert response.status_code in (200, 422), name
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.data)
        files.append(path)
    for name, body in {
        "answers-partial": learner.get("/questionnaire", headers=HTMX).get_data(as_text=True),
        "queue-partial": educator.get("/recommendations", headers=HTMX).get_data(as_text=True),
        "decided-row": educator.post(f"/recommendations/{rec.id}/decision", data={"decision": "approve"},
                                     headers=HTMX).get_data(as_text=True),
    }.items():
        row, _, news = body.partition('<div id="flash"')   # the live region's news, swapped out of band
        if row.lstrip().startswith("<li"):
            body = f"<ul>{row}</ul>" + (f'<div id="flash"{news}' if news else "")
        path = tmp_path / f"{name}.html"
        path.write_text(f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>x</title></head>'
                        f"<body><main>{body}</main></body></html>")
        files.append(path)
    messages = _messages(files)
    assert messages == [], "\n".join(
        f"{m['url'].rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}" for m in messages)
