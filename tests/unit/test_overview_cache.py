"""The admin home's figures are kept per worker until something that moves a status is written."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from skillpass.extensions import db
from skillpass.models import EntryMethod
from skillpass.services import entries, figures
from skillpass.services.people import set_active
from tests.conftest import TODAY


@pytest.fixture
def app_config(app_config):
    return {**app_config, "CACHE_PAGES": True}


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
    figures.KEPT.clear()
    with app.test_request_context():
        first, cold = _queries(lambda: figures.overview(today=TODAY, warning_days=60))
        again, warm = _queries(lambda: figures.overview(today=TODAY, warning_days=60))
        assert again is first and warm == 0 < cold   # the data version is read once a request
        before = first.overall.complete
        # The learner records fire safety: an entry (and its audit event) is written.
        entries.record_entry(actor=world.learner, person=world.learner, item=world.fire,
                             completed_on=dt.date(2026, 2, 20), method=EntryMethod.HERE, today=TODAY)
        db.session.commit()
        after = figures.overview(today=TODAY, warning_days=60)
        assert after is not first and after.overall.complete == before + 1
        # A person deactivated (audited, no new entry) leaves the figures too.
        set_active(actor=world.admin, person=world.other_learner, active=False)
        db.session.commit()
        fewer = figures.overview(today=TODAY, warning_days=60)
        assert fewer.people == after.people - 1
        # Another day, or another warning window, is worked out afresh.
        assert figures.overview(today=TODAY + dt.timedelta(days=1), warning_days=60) is not fewer
        assert figures.overview(today=TODAY, warning_days=30) is not fewer


def test_the_cached_figures_equal_the_freshly_computed_ones(app, world):
    figures.KEPT.clear()
    with app.test_request_context():
        cached = figures.overview(today=TODAY, warning_days=60)
        fresh = figures.compute_overview(today=TODAY, warning_days=60, team_ids=None)
    assert cached.overall == fresh.overall and cached.people == fresh.people
    assert [(t.name, t.compliance) for t in cached.teams] == [(t.name, t.compliance) for t in fresh.teams]


def _matrix(**kwargs):
    return figures.build_matrix(figures.Scope(team_ids=(kwargs.get("team_id"),) if kwargs.get("team_id") else None),
                             today=kwargs.get("today", TODAY), warning_days=60, keep=kwargs.get("keep", True))


def test_a_kept_matrix_is_one_query_until_a_write_and_holds_no_database_objects(app, world):
    figures.KEPT.clear()
    with app.test_request_context():
        first, cold = _queries(lambda: _matrix(team_id=world.team_a.id))
        again, warm = _queries(lambda: _matrix(team_id=world.team_a.id))
        assert again is first and warm == 0 < cold   # the data version is read once a request
        # Another team, another day: worked out afresh; asked for without keep: never kept.
        assert _matrix(team_id=world.team_b.id) is not first
        assert _matrix(team_id=world.team_a.id, today=TODAY + dt.timedelta(days=1)) is not first
        assert _matrix(team_id=world.team_a.id, keep=False) is not first
        row = next(r for r in first.rows if r.person.id == world.learner.id)
        assert row.cells[world.fire.id].completed_on is None
        entries.record_entry(actor=world.learner, person=world.learner, item=world.fire,
                             completed_on=dt.date(2026, 2, 20), method=EntryMethod.HERE, today=TODAY)
        db.session.commit()
        after = _matrix(team_id=world.team_a.id)
        assert after is not first
        assert next(r for r in after.rows if r.person.id == world.learner.id).cells[world.fire.id].completed_on \
            == dt.date(2026, 2, 20)
    # Kept between requests, so nothing in it may belong to a database session.
    for value in [first.rows[0].person, first.columns[0].item, first.columns[0].template]:
        assert not hasattr(value, "_sa_instance_state")


def test_a_matrix_too_big_to_keep_is_worked_out_each_time(app, world, monkeypatch):
    figures.KEPT.clear()
    monkeypatch.setattr(figures.matrix, "KEEP_MATRIX_CELLS", 1)
    with app.test_request_context():
        assert _matrix() is not _matrix()


def test_the_team_page_shows_a_new_entry_at_once_with_matrices_kept(app, world, as_educator):
    """Through the page, as people use it: look, the learner records, look again."""
    figures.KEPT.clear()
    app.config["CACHE_PAGES"] = True
    url = f"/team/?team={world.team_a.id}"
    before = as_educator.get(url).get_data(as_text=True)
    with app.test_request_context():
        entries.record_entry(actor=world.learner, person=world.learner, item=world.fire,
                             completed_on=dt.date(2026, 2, 20), method=EntryMethod.HERE, today=TODAY)
        db.session.commit()
    after = as_educator.get(url).get_data(as_text=True)
    assert "completed 20 Feb 2026" not in before
    assert "completed 20 Feb 2026" in after


def test_after_a_write_the_admin_home_is_counted_again_at_once_current(app, world, as_admin):
    """Nothing is shown stale and nothing counts in the background: the look after a write counts afresh over the
    kept dates, in the request, so every server shows the same, current figures."""
    figures.KEPT.clear()
    before = as_admin.get("/admin/").get_data(as_text=True)
    with app.test_request_context():
        first = figures.overview(today=TODAY, warning_days=60)
        entries.record_entry(actor=world.learner, person=world.learner, item=world.fire,
                             completed_on=dt.date(2026, 2, 20), method=EntryMethod.HERE, today=TODAY)
        db.session.commit()
        after = figures.overview(today=TODAY, warning_days=60)
    assert after.overall.complete == first.overall.complete + 1
    assert after.overall.overdue + after.overall.todo == first.overall.overdue + first.overall.todo - 1
    html = as_admin.get("/admin/").get_data(as_text=True)
    assert html != before and "hx-trigger" not in html.split('id="overview"')[1].split(">")[0]
    partial = as_admin.get("/admin/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert '<div id="overview"' in partial and "<html" not in partial
