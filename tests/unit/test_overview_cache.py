"""The admin home's figures are kept per worker until something that moves a status is written."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from skillpass.extensions import db
from skillpass.models import EntryMethod
from skillpass.services import entries, team
from skillpass.services.people import set_active
from tests.conftest import TODAY


@pytest.fixture
def app_config(app_config):
    return {**app_config, "OVERVIEW_CACHE": True}


def _queries(fn):
    seen = []
    listener = lambda *a, **k: seen.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        result = fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return result, len(seen)


def test_a_second_look_is_one_query_and_any_audited_write_renews_it(app, world):
    team._OVERVIEW_CACHE.clear()
    with app.test_request_context():
        first, cold = _queries(lambda: team.overview(today=TODAY, warning_days=60))
        again, warm = _queries(lambda: team.overview(today=TODAY, warning_days=60))
        assert again is first and warm == 1 < cold
        before = first.overall.complete
        # The learner records fire safety: an entry (and its audit event) is written.
        entries.record_entry(actor=world.learner, person=world.learner, item=world.fire,
                             completed_on=dt.date(2026, 2, 20), method=EntryMethod.HERE, today=TODAY)
        db.session.commit()
        after = team.overview(today=TODAY, warning_days=60)
        assert after is not first and after.overall.complete == before + 1
        # A person deactivated (audited, no new entry) leaves the figures too.
        set_active(actor=world.admin, person=world.other_learner, active=False)
        db.session.commit()
        fewer = team.overview(today=TODAY, warning_days=60)
        assert fewer.people == after.people - 1
        # Another day, or another warning window, is worked out afresh.
        assert team.overview(today=TODAY + dt.timedelta(days=1), warning_days=60) is not fewer
        assert team.overview(today=TODAY, warning_days=30) is not fewer


def test_the_cached_figures_equal_the_freshly_computed_ones(app, world):
    team._OVERVIEW_CACHE.clear()
    with app.test_request_context():
        cached = team.overview(today=TODAY, warning_days=60)
        fresh = team._compute_overview(today=TODAY, warning_days=60, team_ids=None)
    assert cached.overall == fresh.overall and cached.people == fresh.people
    assert [(t.name, t.compliance) for t in cached.teams] == [(t.name, t.compliance) for t in fresh.teams]
