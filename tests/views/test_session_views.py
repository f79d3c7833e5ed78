"""Training sessions through HTTP: the register form without JavaScript (full pages, 303, 422 with the input
kept) and with htmx (the form and the people list swapped in place), the session page, its print, PDF and
sheet, the list, their query counts, and an admin recording any item from a passport."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import Entry, TrainingSession
from tests import factories
from tests.conftest import HTMX, sign_in
from tests.querycount import count_queries


def _twelve(world):
    people = [factories.person(name=f"Attendee {n:02d}", team=world.team_a) for n in range(12)]
    for p in people:
        factories.assign(p, world.template)
    db.session.commit()
    return people


def _form(world, **kw):
    data = {"item": str(world.fire.id), "held_on": "2026-02-20", "trainer": "Sam Trainer", "venue": "Room 2",
            "q": "", "employee_numbers": "", "action": "save"}
    data.update(kw)
    return data


def test_the_form_offers_the_items_and_lists_who_holds_the_chosen_one(as_educator, world):
    page = as_educator.get(f"/sessions/new?item={world.fire.id}").get_data(as_text=True)
    assert "Record a training session" in page and 'name="submission"' in page
    assert f'<option value="{world.fire.id}" selected>Fire safety (CSTF-FIRE)</option>' in page
    assert "Lee Learner" in page and "Olu Other" not in page


def test_twelve_people_in_one_plain_form_post_and_their_passports_show_it(app, as_educator, world):
    people = _twelve(world)
    data = _form(world)
    data["people"] = [str(p.id) for p in people]
    response = as_educator.post("/sessions/new", data=data)
    assert response.status_code == 303
    session = db.session.scalars(select(TrainingSession)).one()
    assert response.headers["Location"].endswith(f"/sessions/{session.id}")
    page = as_educator.get(response.headers["Location"]).get_data(as_text=True)
    assert "Fire safety: training session of 20 Feb 2026 recorded for 12 people" in page
    assert "Who attended (12)" in page and "Sam Trainer" in page and "Room 2" in page
    assert all(p.name in page for p in people)
    for p in people:
        passport = as_educator.get(f"/people/{p.id}/passport").get_data(as_text=True)
        assert "Attended a training session, 20 Feb 2026" in passport
        assert f"/sessions/{session.id}" in passport
    own = sign_in(app.test_client(), people[0])
    mine = own.get("/passport").get_data(as_text=True)
    assert "Attended a training session, 20 Feb 2026" in mine and "Signed off by Eve Educator" in mine
    assert f"/sessions/{session.id}" not in mine     # the register names everyone: staff only


def test_a_refused_form_comes_back_422_with_messages_in_place_and_the_input_kept(as_educator, world):
    data = _form(world, trainer="", employee_numbers="E99999")
    data["people"] = [str(world.learner.id)]
    response = as_educator.post("/sessions/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and "Enter who ran the session." in page
    assert "no one has the employee number E99999" in page
    assert ">E99999</textarea>" in page and "Room 2" in page
    assert f'value="{world.learner.id}" checked' in page
    assert db.session.scalar(select(Entry.id)) is None
    htmx = as_educator.post("/sessions/new", data=data, headers=HTMX)
    assert htmx.status_code == 422
    body = htmx.get_data(as_text=True)
    assert body.lstrip().startswith('<form id="session-form"') and "<html" not in body
    assert "Enter who ran the session." in body


def test_htmx_save_redirects_to_the_session(as_educator, world):
    data = _form(world)
    data["people"] = [str(world.learner.id)]
    response = as_educator.post("/sessions/new", data=data, headers=HTMX)
    assert response.status_code == 200
    session = db.session.scalars(select(TrainingSession)).one()
    assert response.headers["HX-Redirect"] == f"/sessions/{session.id}"


def test_searching_without_javascript_narrows_the_list_and_keeps_the_ticked(as_educator, world):
    people = _twelve(world)
    data = _form(world, q="Attendee 05", action="search")
    data["people"] = [str(people[0].id)]
    response = as_educator.post("/sessions/new", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Attendee 05" in page and f'value="{people[0].id}" checked' in page and "Attendee 07" not in page
    assert db.session.scalar(select(TrainingSession.id)) is None


def test_the_people_list_for_htmx_and_its_full_page_twin(as_educator, world):
    people = _twelve(world)
    url = f"/sessions/new/people?item={world.fire.id}&q=attendee+1&people={people[0].id}"
    body = as_educator.get(url, headers=HTMX).get_data(as_text=True)
    assert body.lstrip().startswith('<div id="session-people"')
    assert "Attendee 10" in body and "Attendee 11" in body and "Attendee 00" in body and "Attendee 02" not in body
    plain = as_educator.get(url)
    assert plain.status_code == 302 and "/sessions/new?item=" in plain.headers["Location"]


def test_the_attendance_sheet_is_kept_and_served_from_the_session(as_educator, world):
    data = _form(world)
    data["people"] = [str(world.learner.id)]
    data["evidence"] = (io.BytesIO(factories.pdf("Register")), "register.pdf")
    response = as_educator.post("/sessions/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    session = db.session.scalars(select(TrainingSession)).one()
    assert session.evidence_id is not None
    page = as_educator.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "register.pdf" in page
    sheet = as_educator.get(f"/sessions/{session.id}/sheet")
    assert sheet.status_code == 200 and sheet.data.startswith(b"%PDF")


def test_the_register_prints_and_downloads_as_a_pdf(as_educator, world):
    data = _form(world)
    data["people"] = [str(world.learner.id)]
    as_educator.post("/sessions/new", data=data)
    session = db.session.scalars(select(TrainingSession)).one()
    printed = as_educator.get(f"/sessions/{session.id}/print").get_data(as_text=True)
    assert "Training session register" in printed and "Lee Learner" in printed and "print.css" in printed
    pdf = as_educator.get(f"/sessions/{session.id}/register.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert "register-fire-safety-2026-02-20.pdf" in pdf.headers["Content-Disposition"]
    assert as_educator.get(f"/sessions/{session.id}/sheet").status_code == 404   # none attached


def test_the_list_shows_the_sessions_an_educator_may_see(app, as_educator, world):
    data = _form(world)
    data["people"] = [str(world.learner.id)]
    as_educator.post("/sessions/new", data=data)
    page = as_educator.get("/sessions/").get_data(as_text=True)
    assert "Fire safety" in page and "Sam Trainer" in page and "Eve Educator" in page
    other = sign_in(app.test_client(), world.other_educator)
    assert "Sam Trainer" not in other.get("/sessions/").get_data(as_text=True)


@pytest.mark.parametrize("people", [1, 30])
def test_session_page_and_list_cost_the_same_queries_whatever_their_size(as_admin, world, people):
    attendees = [factories.person(team=world.team_a) for _ in range(people)]
    for p in attendees:
        factories.assign(p, world.template)
    db.session.commit()
    for _ in range(3):
        data = _form(world)
        data["people"] = [str(p.id) for p in attendees]
        data["held_on"] = f"2026-02-{10 + _:02d}"
        assert as_admin.post("/sessions/new", data=data).status_code == 303
    session_id = db.session.scalars(select(TrainingSession.id)).first()
    with count_queries() as detail:
        assert as_admin.get(f"/sessions/{session_id}").status_code == 200
    with count_queries() as listing:
        assert as_admin.get("/sessions/").status_code == 200
    with count_queries() as form:
        assert as_admin.get(f"/sessions/new?item={world.fire.id}").status_code == 200
    counts = (detail.count, listing.count, form.count)
    _COUNTS.setdefault("sizes", []).append(counts)
    assert detail.count <= 12 and listing.count <= 8 and form.count <= 10, (detail, listing, form)
    if len(_COUNTS["sizes"]) == 2:
        assert _COUNTS["sizes"][0] == _COUNTS["sizes"][1]


_COUNTS: dict = {}


def test_an_admin_records_a_learning_item_from_a_passport(as_admin, world):
    page = as_admin.get(f"/people/{world.learner.id}/passport").get_data(as_text=True)
    url = f"/people/{world.learner.id}/passport/items/{world.stress.id}/observed"
    assert url in page and "Record for Lee Learner" in page
    form = as_admin.get(url).get_data(as_text=True)
    assert "Record for Lee Learner: Managing work and life stress" in form and "Date completed" in form
    response = as_admin.post(url, data={"completed_on": "2026-02-03", "method": "here", "note": ""})
    assert response.status_code == 303
    page = as_admin.get(f"/people/{world.learner.id}/passport").get_data(as_text=True)
    assert "Completed here, recorded by an admin, 3 Feb 2026" in page and "Signed off by Ada Admin" in page
    htmx = as_admin.post(f"/people/{world.learner.id}/passport/items/{world.optional.id}/observed",
                         data={"completed_on": "2026-02-04", "method": "here"}, headers=HTMX)
    assert htmx.status_code == 200 and "Completed here, recorded by an admin, 4 Feb 2026" in htmx.get_data(as_text=True)


def test_an_educator_still_records_observed_practice_of_competencies_only(as_educator, world):
    url = f"/people/{world.learner.id}/passport/items/{world.stress.id}/observed"
    assert as_educator.get(url).status_code == 404
    page = as_educator.get(f"/people/{world.learner.id}/passport").get_data(as_text=True)
    assert "Record for Lee Learner" not in page
