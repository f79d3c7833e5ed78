"""The NHS.UK date input on every form where a date is typed: the three boxes posted, the design system's
message in place (full page without JavaScript, the partial with htmx), what was typed kept, only the boxes
with a problem marked, and the error summary linking to the first of them."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.models import Entry, InformalEntry, Person
from tests.conftest import HTMX


def _typed(name, day, month, year) -> dict:
    return {f"{name}-day": day, f"{name}-month": month, f"{name}-year": year}


def _marked(html: str, box_id: str) -> bool:
    tag = re.search(rf'<input[^>]*id="{box_id}"[^>]*>', html, re.S)
    assert tag, f"no box {box_id}"
    return "nhsuk-input--error" in tag.group(0)


def _value(html: str, box_id: str) -> str:
    tag = re.search(rf'<input[^>]*id="{box_id}"[^>]*>', html, re.S).group(0)
    return re.search(r'value="([^"]*)"', tag).group(1)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["full-page", "htmx"])
def test_a_date_that_does_not_exist_is_refused_in_place_with_the_day_marked(as_learner, world, headers):
    fire = world.fire.id
    response = as_learner.post(f"/people/{world.learner.id}/passport/items/{fire}/record",
                               data={**_typed("completed_on", "31", "02", "2026"), "method": "here", "note": "kept"},
                               headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ("<html" in html) is (not headers)
    assert "Date completed must be a real date." in html and "Enter the date" not in html
    assert f'href="#record-{fire}-date-day"' in html                    # the summary links to the day
    assert [_value(html, f"record-{fire}-date-{p}") for p in ("day", "month", "year")] == ["31", "02", "2026"]
    assert _marked(html, f"record-{fire}-date-day")
    assert not _marked(html, f"record-{fire}-date-month") and not _marked(html, f"record-{fire}-date-year")
    assert "kept" in html
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


def test_a_missing_month_marks_the_month_and_the_summary_links_to_it(as_learner, world):
    fire = world.fire.id
    response = as_learner.post(f"/people/{world.learner.id}/passport/items/{fire}/record",
                               data={**_typed("completed_on", "27", "", "2026"), "method": "here"}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Date completed must include a month." in html
    assert f'href="#record-{fire}-date-month"' in html
    assert _marked(html, f"record-{fire}-date-month") and not _marked(html, f"record-{fire}-date-day")


def test_three_boxes_record_the_date_typed(as_learner, world):
    response = as_learner.post(f"/people/{world.learner.id}/passport/items/{world.fire.id}/record",
                               data={**_typed("completed_on", " 05 ", "01", "2026"), "method": "here"})
    assert response.status_code == 303
    [entry] = db.session.scalars(select(Entry)).all()
    assert entry.completed_on.isoformat() == "2026-01-05"


def test_the_educators_form_names_the_date_observed(as_educator, world):
    url = f"/people/{world.learner.id}/passport/items/{world.competency.id}/observed"
    html = as_educator.post(url, data={**_typed("completed_on", "", "", ""), "method": "observed"}).get_data(as_text=True)
    assert "Enter the date observed." in html
    html = as_educator.post(url, data={**_typed("completed_on", "1", "3", "26"), "method": "observed"}).get_data(
        as_text=True)
    assert "Year must include 4 numbers." in html


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["full-page", "htmx"])
def test_informal_learning_keeps_the_typed_date_with_its_message(as_learner, world, headers):
    response = as_learner.post(f"/people/{world.learner.id}/passport/informal",
                               data={"title": "Read the falls policy", **_typed("completed_on", "", "3", "")},
                               headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Date must include a day and year." in html
    assert 'href="#informal-date-day"' in html and _value(html, "informal-date-month") == "3"
    assert _marked(html, "informal-date-day") and _marked(html, "informal-date-year")
    assert not _marked(html, "informal-date-month")
    ok = as_learner.post(f"/people/{world.learner.id}/passport/informal",
                         data={"title": "Read the falls policy", **_typed("completed_on", "27", "2", "2026")})
    assert ok.status_code == 303
    assert db.session.scalar(select(InformalEntry.completed_on)).isoformat() == "2026-02-27"


def test_a_service_refusal_marks_all_three_boxes(as_learner, world):
    fire = world.fire.id
    html = as_learner.post(f"/people/{world.learner.id}/passport/items/{fire}/record",
                           data={**_typed("completed_on", "3", "3", "2026"), "method": "here"},
                           headers=HTMX).get_data(as_text=True)
    assert "The date cannot be in the future: today is 2 Mar 2026." in html
    assert all(_marked(html, f"record-{fire}-date-{p}") for p in ("day", "month", "year"))


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["full-page", "htmx"])
def test_the_session_form_reads_and_refuses_the_three_boxes(as_educator, world, headers):
    data = {"item": str(world.fire.id), "trainer": "Sam Trainer", "venue": "", "q": "", "employee_numbers": "",
            "people": str(world.learner.id), "action": "save"}
    response = as_educator.post("/sessions/new", data={**data, **_typed("held_on", "30", "2", "2026")},
                                headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Date of the session must be a real date." in html
    assert 'href="#session-date-day"' in html and _value(html, "session-date-day") == "30"
    ok = as_educator.post("/sessions/new", data={**data, **_typed("held_on", "20", "2", "2026")})
    assert ok.status_code == 303


def test_a_persons_start_date_in_three_boxes(as_admin, world):
    data = {"name": "Nia Newstarter", "email": "nia@example.test", "employee_number": "", "job_role": "",
            "team_id": "", "role": "learner"}
    refused = as_admin.post("/people/new", data={**data, **_typed("start_date", "9", "13", "2026")})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Start date must be a real date." in html
    assert 'href="#start_date-month"' in html and _marked(html, "start_date-month")
    assert _value(html, "start_date-day") == "9" and _value(html, "start_date-month") == "13"
    assert as_admin.post("/people/new", data={**data, **_typed("start_date", "9", "3", "2026")}).status_code == 200
    person = db.session.scalar(select(Person).where(Person.email == "nia@example.test"))
    assert person.start_date.isoformat() == "2026-03-09"
    form = as_admin.get(f"/people/{person.id}/edit").get_data(as_text=True)
    assert [_value(form, f"start_date-{p}") for p in ("day", "month", "year")] == ["9", "3", "2026"]


def test_no_form_offers_the_browsers_date_picker(as_learner, as_educator, as_admin, world):
    pages = [as_learner.get(f"/people/{world.learner.id}/passport/items/{world.fire.id}/record"),
             as_learner.get("/passport"), as_educator.get("/sessions/new"), as_admin.get("/people/new"),
             as_admin.get(f"/people/{world.learner.id}/edit")]
    for page in pages:
        html = page.get_data(as_text=True)
        assert 'type="date"' not in html and "For example, 27 3 2026" in html
