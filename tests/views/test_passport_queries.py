"""A passport costs the same number of SQL queries whatever its size:
5 items with no history, or 60 items with five years of history (refreshers, some too late, and
certificates with their own expiry among them: PRODUCT.md §6.3)."""
from __future__ import annotations

import datetime as dt

import pytest

from skillpass.extensions import db
from skillpass.models import Entry, EntryActivity, EntryMethod, EntryStatus, InformalEntry, ItemKind
from tests import factories
from tests.conftest import HTMX, sign_in
from tests.querycount import count_queries


@pytest.fixture
def app_config(app_config):
    # Pages counted as worked out afresh: a kept page costs fewer still (tests/views/test_kept_pages.py).
    return {**app_config, "CACHE_PAGES": False}


def _passport(items: int, years_of_history: int):
    team = factories.team()
    learner = factories.person(team=team, start_date=dt.date(2021, 1, 4))
    educator = factories.person(role=factories.Role.EDUCATOR, supports=[team])
    tpl = factories.template()
    sections = [factories.section(tpl, f"Band {n}", n * 2, "weeks", position=n) for n in range(4)]
    made = []
    for n in range(items):
        kind = ItemKind.COMPETENCY if n % 7 == 0 else ItemKind.LEARNING
        made.append(factories.item(sections[n % 4], f"Topic {n}", frequency_months=12 if n % 2 else None,
                                   kind=kind, position=n))
        if n % 4 == 1:      # a recurring item with a refresher and a grace (PRODUCT.md §6.3)
            made[-1].refresher_title, made[-1].grace_months = "Topic update", 2
    factories.assign(learner, tpl)
    for n, item in enumerate(made):
        for year in range(years_of_history):
            for status in (EntryStatus.ACCEPTED, EntryStatus.REJECTED):
                # Refreshers after the first year (the fourth too late for its chain), and now and then a
                # certificate with its own expiry.
                refresher = item.has_refresher and year > 0
                completed = dt.date(2021 + year, 5 if refresher and year == 3 else 2, 1)
                db.session.add(Entry(person_id=learner.id, item_id=item.id,
                                     completed_on=completed, method=EntryMethod.HERE,
                                     activity=EntryActivity.REFRESHER if refresher else EntryActivity.INITIAL,
                                     certificate_expires_on=completed + dt.timedelta(days=300)
                                     if (n + year) % 3 == 0 and item.frequency_months else None,
                                     status=status, recorded_by_id=learner.id,
                                     decided_by_id=educator.id if status is EntryStatus.REJECTED else None,
                                     decided_by_name="Eve" if status is EntryStatus.REJECTED else "",
                                     decision_reason="Wrong date" if status is EntryStatus.REJECTED else ""))
        if item.kind is ItemKind.COMPETENCY:
            db.session.add(Entry(person_id=learner.id, item_id=item.id, completed_on=dt.date(2026, 2, 1),
                                 method=EntryMethod.HERE, status=EntryStatus.AWAITING, recorded_by_id=learner.id))
    for n in range(years_of_history * 6):
        db.session.add(InformalEntry(person_id=learner.id, title=f"Reading {n}",
                                     completed_on=dt.date(2021, 3, 1) + dt.timedelta(days=40 * n),
                                     recorded_by_id=learner.id))
    db.session.commit()
    return learner, educator, made, sections


PAGES = {
    "own passport": lambda p, items, sections: ("/passport", {}),
    "person's passport": lambda p, items, sections: (f"/people/{p.id}/passport", {}),
    "item row (htmx)": lambda p, items, sections: (f"/people/{p.id}/passport/items/{items[1].id}", HTMX),
    "record form (htmx)": lambda p, items, sections: (f"/people/{p.id}/passport/items/{items[1].id}/record", HTMX),
    "summary (htmx)": lambda p, items, sections: (f"/people/{p.id}/passport/summary", HTMX),
    "own passport, one count's rows": lambda p, items, sections: ("/passport?show=expired", {}),
    "summary of one count's rows (htmx)": lambda p, items, sections: (
        f"/people/{p.id}/passport/summary?show=awaiting", HTMX),
    "section progress (htmx)": lambda p, items, sections: (
        f"/people/{p.id}/passport/sections/{sections[1].id}/progress", HTMX),
    "informal log (htmx)": lambda p, items, sections: (f"/people/{p.id}/passport/informal", HTMX),
    # A passport's standing as a qualification (issue 17, part B), refetched when one of its sections changes.
    "passport standing (htmx)": lambda p, items, sections: (
        f"/people/{p.id}/passport/templates/{items[0].template_id}/standing", HTMX),
    "print view": lambda p, items, sections: (f"/people/{p.id}/passport/print", {}),
}


def _count(app, size, years, page):
    learner, educator, items, sections = _passport(size, years)
    # The person's passport as their educator sees it; everything else as the learner.
    client = sign_in(app.test_client(), educator if page == "person's passport" else learner)
    url, headers = PAGES[page](learner, items, sections)
    client.get(url, headers=headers)  # warm: first-request work is not the page's
    with count_queries() as log:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return log, response


@pytest.mark.parametrize("page", PAGES)
def test_query_count_does_not_grow_with_items_or_history(app, page):
    small, small_response = _count(app, 5, 0, page)
    large, large_response = _count(app, 60, 5, page)
    assert small.count == large.count, f"small: {small!r}\n\nlarge: {large!r}"
    assert small.count <= 12, repr(small)
    if page in ("own passport", "print view"):
        assert large_response.get_data(as_text=True).count("Topic ") >= 60


def test_record_post_query_count_does_not_grow(app):
    counts = []
    for size, years in ((5, 0), (60, 5)):
        learner, _educator, items, _sections = _passport(size, years)
        client = sign_in(app.test_client(), learner)
        with count_queries() as log:
            response = client.post(f"/people/{learner.id}/passport/items/{items[1].id}/record",
                                   data={"completed_on": "2026-02-20", "method": "here", "note": "",
                                         "activity": "initial"},   # items[1] has a refresher: say which
                                   headers=HTMX)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        counts.append(log)
    # The kept dates write what changed (0 to 3 statements a table, services/item_dates.py): all else is the same.
    assert counts[0].without_kept_dates_writes == counts[1].without_kept_dates_writes, f"{counts[0]!r}\n\n{counts[1]!r}"
    # One recorded entry: a statement for each kept table it changes (item and passport dates, the trend's
    # month ends), an upsert for each table of sums (the trend's, the admin home's two), the admin home's
    # builds read (and on PostgreSQL their lock): 7 here, 8 on PostgreSQL, whatever the passport's size.
    assert all(log.kept_dates_writes <= 8 for log in counts), [log.kept_dates_writes for log in counts]
