"""Every error summary's links reach the field they name, on every form that can refuse input."""
from __future__ import annotations

import re

import pytest

from tests.conftest import HTMX


def _broken_links(html: str) -> list[str]:
    summaries = re.findall(r'<div class="nhsuk-error-summary".*?</ul>', html, flags=re.S)
    links = [href for s in summaries for href in re.findall(r'href="#([^"]+)"', s)]
    assert links, "the page has no error summary with links"
    return [href for href in links if f'id="{href}"' not in html]


FORMS = [
    pytest.param("admin", "/admin/settings", lambda w: {"organisation_name": "", "warning_days": "ten",
                                                        "max_upload_mb": "500"}, {}, id="settings"),
    pytest.param("admin", "/admin/rules", lambda w: {}, {}, id="rule"),
    pytest.param("admin", "/people/new", lambda w: {"name": "", "email": "nope", "start_date": "not a date",
                                                    "role": "boss", "job_role": "", "team_id": ""}, {}, id="person"),
    pytest.param("learner", "/people/{learner}/passport/items/{fire}/record",
                 lambda w: {"completed_on": "2099-01-01", "method": "elsewhere", "note": "x"}, HTMX, id="record"),
    pytest.param("learner", "/people/{learner}/passport/informal",
                 lambda w: {"title": "", "completed_on": "", "hours": "lots"}, {}, id="informal"),
    pytest.param("admin", "/admin/templates/", lambda w: {"name": ""}, {}, id="new-template"),
]


@pytest.mark.parametrize("who, url, data, headers", FORMS)
def test_error_summary_links_reach_their_fields(request, world, who, url, data, headers):
    client = request.getfixturevalue(f"as_{who}")
    response = client.post(url.format(learner=world.learner.id, fire=world.fire.id), data=data(world), headers=headers)
    assert response.status_code == 422
    assert _broken_links(response.get_data(as_text=True)) == []


def test_a_mistyped_year_long_ago_is_refused_everywhere_a_date_is_entered(as_learner, as_admin, world):
    record = as_learner.post(f"/people/{world.learner.id}/passport/items/{world.fire.id}/record",
                             data={"completed_on": "0026-02-20", "method": "equivalent", "equivalent_source": "Trust X"},
                             headers=HTMX)
    assert record.status_code == 422 and "That is before 1950: check the year." in record.get_data(as_text=True)
    informal = as_learner.post(f"/people/{world.learner.id}/passport/informal",
                               data={"title": "Read a guideline", "completed_on": "1026-02-10"})
    assert informal.status_code == 422 and "That is before 1950" in informal.get_data(as_text=True)
    person = as_admin.post("/people/new", data={"name": "Old Timer", "email": "old@example.test", "employee_number": "",
                                                "job_role": "", "team_id": "", "start_date": "0001-01-01",
                                                "role": "learner"})
    assert person.status_code == 422 and "That is before 1950" in person.get_data(as_text=True)
