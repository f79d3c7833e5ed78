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
