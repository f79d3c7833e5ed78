"""Passport pages kept between requests (services/kept.py): a second look costs less, carries
the CSRF token of the session that asked, and never outlives a write or crosses to another viewer."""
from __future__ import annotations

import re

import pytest

from skillpass.services import kept
from tests import factories
from tests.querycount import count_queries

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True, "CACHE_PAGES": True}


def _signed_in(app, person):
    client = app.test_client()
    token = TOKEN.search(client.get("/sign-in").get_data(as_text=True)).group(1)
    response = client.post("/sign-in", data={"email": person.email, "password": factories.PASSWORD,
                                             "csrf_token": token})
    assert response.status_code == 303
    return client


def _main(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]


SUBMISSION = re.compile(r'(?<=name="submission" value=")[^"]+')


def test_a_second_look_is_kept_and_carries_its_own_sessions_token(app, world):
    kept.PASSPORT_PAGES.clear()
    first, second = _signed_in(app, world.learner), _signed_in(app, world.learner)
    with count_queries() as cold:
        page1 = first.get("/passport").get_data(as_text=True)
    with count_queries() as warm:
        page2 = second.get("/passport").get_data(as_text=True)
    assert warm.count < cold.count, f"cold: {cold!r}\n\nwarm: {warm!r}"
    tokens1, tokens2 = set(TOKEN.findall(page1)), set(TOKEN.findall(page2))
    assert len(tokens1) == len(tokens2) == 1 and tokens1 != tokens2
    (token1,), (token2,) = tokens1, tokens2
    # Each serving carries one-time form tokens of its own: two tabs of one kept page never share one.
    forms1, forms2 = SUBMISSION.findall(page1), SUBMISSION.findall(page2)
    assert forms1 and len(forms1) == len(forms2) and not set(forms1) & set(forms2)
    assert (SUBMISSION.sub("S", _main(page1)).replace(token1, "T")
            == SUBMISSION.sub("S", _main(page2)).replace(token2, "T"))
    assert "\x00" not in page2
    # The kept page's form works in the session that was served it, and not with the other's token.
    refused = second.post(f"/people/{world.learner.id}/passport/informal",
                          data={"title": "Read the moving and handling policy", "completed_on": "2026-02-27",
                                "csrf_token": token1})
    assert refused.status_code == 400
    saved = second.post(f"/people/{world.learner.id}/passport/informal",
                        data={"title": "Read the moving and handling policy", "completed_on": "2026-02-27",
                              "csrf_token": token2})
    assert saved.status_code == 303
    # The write shows at once, in both sessions.
    assert "Read the moving and handling policy" in second.get("/passport").get_data(as_text=True)
    assert "Read the moving and handling policy" in first.get("/passport").get_data(as_text=True)


def test_each_viewer_has_their_own_page(app, world):
    kept.PASSPORT_PAGES.clear()
    learner, educator = _signed_in(app, world.learner), _signed_in(app, world.educator)
    own = learner.get("/passport").get_data(as_text=True)
    theirs = educator.get(f"/people/{world.learner.id}/passport").get_data(as_text=True)
    assert ">My passport</h1>" in own and ">My passport</h1>" not in theirs
    assert f">{world.learner.name}</h1>" in theirs
    assert "Record observed practice" in theirs and "Record observed practice" not in own
    assert len(kept.PASSPORT_PAGES) == 2


def test_a_page_showing_a_refused_form_is_never_kept(app, world):
    kept.PASSPORT_PAGES.clear()
    learner = _signed_in(app, world.learner)
    token = TOKEN.search(learner.get("/passport").get_data(as_text=True)).group(1)
    refused = learner.post(f"/people/{world.learner.id}/passport/informal",
                           data={"title": "", "completed_on": "2026-02-27", "csrf_token": token})
    assert refused.status_code == 422
    assert "There is a problem" in refused.get_data(as_text=True)
    assert "There is a problem" not in learner.get("/passport").get_data(as_text=True)


def test_without_keeping_every_look_is_worked_out(app, world):
    app.config["CACHE_PAGES"] = False
    kept.PASSPORT_PAGES.clear()
    learner = _signed_in(app, world.learner)
    learner.get("/passport")
    with count_queries() as again:
        learner.get("/passport")
    assert len(kept.PASSPORT_PAGES) == 0 and again.count > 5


def test_the_data_version_is_read_before_anyone_is_loaded(app, world):
    """A page is kept under the version read at the start of its request: were a person loaded
    first, a write landing in between could be kept under the newer version with the older person."""
    learner = _signed_in(app, world.learner)
    with count_queries() as log:
        assert learner.get("/passport").status_code == 200
    assert "data_version" in log.statements[0], repr(log)
    assert all("data_version" not in s for s in log.statements[1:]), repr(log)
