"""The sign-off queue a page at a time: the oldest first, how many wait on every page, the page kept by the
filters, a decision and a bulk approval, and the same number of queries on every page of any queue."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import Entry, EntryStatus
from skillpass.services.decisions import QUEUE_PAGE_SIZE
from tests.conftest import HTMX, sign_in
from tests.querycount import count_queries
from tests.views.test_signoff_views import _queue_of, _text

ROW = re.compile(r'<tbody id="queue-entry-(\d+)"')


def _shown(html: str) -> list[int]:
    return [int(n) for n in ROW.findall(html)]


def _oldest_first() -> list[int]:
    return list(db.session.scalars(select(Entry.id).where(Entry.status == EntryStatus.AWAITING)
                                   .order_by(Entry.recorded_at, Entry.id)))


@pytest.fixture
def long_queue(app):
    """An educator with 64 entries waiting (16 people, 4 each): two pages."""
    educator, made = _queue_of(16, 4)
    assert made == 64 and QUEUE_PAGE_SIZE == 50
    return sign_in(app.test_client(), educator)


def test_the_first_page_shows_the_fifty_oldest_and_says_how_many_wait_in_all(long_queue):
    html = _text(long_queue.get("/sign-off/"))
    assert _shown(html) == _oldest_first()[:50]
    assert "<strong>64</strong> waiting. Showing 1 to 50, page 1 of 2." in html
    assert 'href="/sign-off/?page=2"' in html and 'hx-get="/sign-off/?page=2"' in html
    assert "Page 2 of 2" in html and "nhsuk-pagination__link--prev" not in html
    # Bulk approval and each row's decision go back to the page they were made on (page 1: no page at all).
    assert 'action="/sign-off/approve"' in html and 'name="page"' not in html


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["full page", "htmx partial"])
def test_the_last_page_shows_the_rest_and_a_page_past_the_end_is_the_last(long_queue, headers):
    for asked in ("2", "99"):
        html = _text(long_queue.get(f"/sign-off/?page={asked}", headers=headers))
        assert _shown(html) == _oldest_first()[50:]
        assert "<strong>64</strong> waiting. Showing 51 to 64, page 2 of 2." in html
        assert 'href="/sign-off/"' in html and "nhsuk-pagination__link--next" not in html
        assert 'action="/sign-off/approve?page=2"' in html
        assert html.count('<input type="hidden" name="page" value="2">') == 2 * 14   # approve and reject forms
    if headers:
        assert html.lstrip().startswith('<div id="queue"')


def test_a_queue_of_one_page_shows_no_pages(app):
    educator, made = _queue_of(10, 4)
    html = _text(sign_in(app.test_client(), educator).get("/sign-off/"))
    assert len(_shown(html)) == made == 40
    assert "<strong>40</strong> waiting." in html and "Showing" not in html and "nhsuk-pagination" not in html


def test_the_pages_keep_the_filters_and_count_with_them(long_queue):
    # Half the items are competencies: 32 of the 64 entries, one page with this filter.
    html = _text(long_queue.get("/sign-off/?kind=competency&page=2"))
    assert "waiting with these filters (64 in all)." in html and "Showing" not in html
    waiting = int(re.search(r"<strong>(\d+)</strong> waiting with these filters", html).group(1))
    assert len(_shown(html)) == waiting < 50
    html = _text(long_queue.get("/sign-off/?kind=&page=2"))
    assert 'hx-get="/sign-off/"' in html    # back to page 1, no filter


def test_a_decision_on_the_second_page_answers_with_the_second_page(long_queue):
    second = _oldest_first()[50:]
    response = long_queue.post(f"/sign-off/entries/{second[0]}/decision", data={"decision": "approve", "page": "2"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/sign-off/?page=2")
    # With htmx: the row leaves, and the words above the table count what is left.
    response = long_queue.post(f"/sign-off/entries/{second[1]}/decision", data={"decision": "approve", "page": "2"},
                               headers=HTMX)
    assert "<strong>62</strong> waiting. Showing 51 to 62, page 2 of 2." in _text(response)


def test_bulk_approval_on_the_second_page_redraws_the_second_page(long_queue):
    second = _oldest_first()[50:]
    response = long_queue.post("/sign-off/approve?page=2", data={"entry": second[:4]}, headers=HTMX)
    html = _text(response)
    assert "4 approved." in html
    assert _shown(html) == _oldest_first()[50:] == second[4:]
    assert "<strong>60</strong> waiting. Showing 51 to 60, page 2 of 2." in html


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["full page", "htmx partial"])
def test_every_page_of_any_queue_takes_as_many_queries(app, headers):
    counts = []
    for people, per_person, pages in ((2, 1, ("1",)), (25, 5, ("1", "2", "3", "9"))):
        educator, made = _queue_of(people, per_person)
        client = sign_in(app.test_client(), educator)
        client.get("/sign-off/", headers=headers)             # warm
        for page in pages:
            with count_queries() as log:
                response = client.get(f"/sign-off/?page={page}", headers=headers)
            assert response.status_code == 200
            last = -(-made // 50)
            assert len(_shown(_text(response))) == min(50, made - 50 * (min(int(page), last) - 1))
            counts.append(log)
    assert len({log.count for log in counts}) == 1, "\n\n".join(repr(log) for log in counts)
