"""The monthly trend's past month ends kept as writes happen (services/trend_months.py, issue 19 item 1): the
trend read from them (and today's point counted over the kept dates) equals the trend walked from the entries,
for every scope; a month end not built is walked or said to be being counted; the job worker builds the month
just ended and those a wide write or a new warning window left unbuilt; the trend page's queries do not grow with
the trust. (Every test of the suite also checks the kept month ends against the walk: tests/conftest.py.)"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.models import (Assignment, Entry, EntryActivity, EntryMethod, EntryStatus, Setting, TrendMonth,
                              TrendMonthBuilt)
from skillpass.services import figures, trend_months
from skillpass.services.figures.monthly_trend import trend_walked
from skillpass.services.figures.scope import Scope
from tests import factories
from tests.conftest import TODAY, sign_in
from tests.querycount import count_queries

D = dt.date
WARNING = 60
HTMX = {"HX-Request": "true"}


def _accepted(person, item, on, **extra):
    db.session.add(Entry(person_id=person.id, item_id=item.id, completed_on=on, method=EntryMethod.HERE,
                         status=extra.pop("status", EntryStatus.ACCEPTED), recorded_by_id=person.id, **extra))


def _varied(world):
    """People of two teams and none, of two job roles, holding one or two passports: completions on either side
    of month ends, a revoked one, a chain with a refresher and a certificate's own expiry, a passport removed in
    the year, an item archived in it, a starter not yet started who has done one already."""
    second = factories.template("Estates passport")
    section = factories.section(second, "Onboarding", 0, "days")
    manual = factories.item(section, "Manual handling", frequency_months=12, code="CSTF-MH")
    bls = factories.item(section, "Basic life support", frequency_months=12, position=1)
    bls.refresher_title = "Basic life support refresher"
    bls.grace_months = 2
    archived = factories.item(section, "Old induction", position=2)
    coming = factories.item(section, "Coming in April", position=3, added_on=D(2026, 3, 20))
    people = []
    for n, start in enumerate([D(2024, 1, 8), D(2025, 6, 2), D(2025, 11, 17), D(2021, 3, 1), D(2026, 4, 6)]):
        person = factories.person(team=(world.team_a, world.team_b, None)[n % 3], start_date=start,
                                  job_role=("Porter", "Support Worker")[n % 2])
        factories.assign(person, world.template, on=max(start, D(2024, 1, 1)))
        people.append(person)
        if n % 2 == 0:
            factories.assign(person, second, on=start)
    a, b, c, d, e = people
    _accepted(a, world.fire, D(2024, 2, 1))                 # expires 1 Feb 2026: inside the year
    _accepted(a, world.stress, D(2025, 9, 30))              # on a month's end
    _accepted(a, manual, D(2025, 1, 31))                    # expires 31 Jan 2026, on a month's end
    _accepted(a, bls, D(2024, 12, 10))
    _accepted(a, bls, D(2025, 12, 1), activity=EntryActivity.REFRESHER)
    _accepted(b, world.fire, D(2025, 7, 1), status=EntryStatus.REVOKED,
              decided_at=dt.datetime(2025, 10, 14, 9, tzinfo=dt.timezone.utc))
    _accepted(b, world.competency, D(2025, 8, 1))
    _accepted(c, bls, D(2025, 11, 20), certificate_expires_on=D(2026, 2, 20))
    _accepted(c, manual, D(2026, 1, 5))
    _accepted(d, world.fire, D(2025, 4, 1))
    _accepted(e, world.fire, D(2026, 2, 1))                  # done before starting (5 Apr 2026): not counted yet
    _accepted(a, coming, D(2026, 2, 20))                    # an item added after today: not counted yet
    db.session.commit()
    # Removed in the year; archived in the year.
    held = db.session.scalar(select(Assignment).where(Assignment.person_id == c.id,
                                                      Assignment.template_id == world.template.id))
    held.removed_on = D(2025, 12, 10)
    archived.archived_at = dt.datetime(2025, 8, 20, 12, tzinfo=dt.timezone.utc)
    db.session.commit()
    return second, people


SCOPES = [
    Scope(team_ids=None),
    Scope(team_ids=None, job_role="Porter"),
    "team_a",
    "team_a+b",
    "second",
]


def _scope(world, second, which):
    if which == "team_a":
        return Scope(team_ids=(world.team_a.id,))
    if which == "team_a+b":
        return Scope(team_ids=(world.team_a.id, world.team_b.id), job_role="Support Worker")
    if which == "second":
        return Scope(team_ids=None, template_id=second.id)
    return which


def _points(lines):
    return {line.name: line.points for line in lines}


@pytest.mark.parametrize("which", SCOPES)
def test_the_trend_from_the_kept_month_ends_equals_the_walk(app, world, which):
    second, _ = _varied(world)
    scope = _scope(world, second, which)
    assert trend_months.built(trend_months.wanted(TODAY), WARNING) == set(trend_months.wanted(TODAY))
    assert db.session.scalar(select(func.count()).select_from(TrendMonth)) > 0
    kept = figures.trend(scope, today=TODAY, warning_days=WARNING)
    walked = trend_walked(scope, today=TODAY, warning_days=WARNING)
    assert _points(kept) == _points(walked)
    assert any(c.due for line in kept for _, c in line.points)


def test_each_kind_of_write_keeps_the_month_ends(app, world):
    """An entry dated back, a revocation, a move to another team, a person leaving, a passport removed: each
    rewrites the month ends it changes at its own commit (the check after the test compares them all too)."""
    second, (a, b, c, d, e) = _varied(world)
    everyone = Scope(team_ids=None)
    before = _points(figures.trend(everyone, today=TODAY, warning_days=WARNING))
    _accepted(b, world.stress, D(2025, 6, 30))
    db.session.commit()
    after = _points(figures.trend(everyone, today=TODAY, warning_days=WARNING))
    assert after != before and after == _points(trend_walked(everyone, today=TODAY, warning_days=WARNING))
    d.team = world.team_a
    db.session.commit()
    porters = Scope(team_ids=None, job_role="Porter")
    before = _points(figures.trend(porters, today=TODAY, warning_days=WARNING))
    b.job_role = "Porter"
    db.session.commit()
    after = _points(figures.trend(porters, today=TODAY, warning_days=WARNING))
    assert after != before and after == _points(trend_walked(porters, today=TODAY, warning_days=WARNING))
    e.active = False
    db.session.commit()
    assert not db.session.scalars(select(TrendMonth).where(TrendMonth.person_id == e.id)).all()
    assert _points(figures.trend(everyone, today=TODAY, warning_days=WARNING)) == \
        _points(trend_walked(everyone, today=TODAY, warning_days=WARNING))
    assert trend_months.differences() == []


def test_a_team_everyone_has_left_draws_no_line(app, world):
    """Its sums stay, at nothing: the trend neither draws them nor fails on a team no one in view is in."""
    _varied(world)
    from skillpass.models import Person
    for person in db.session.scalars(select(Person).where(Person.team_id == world.team_b.id)):
        person.active = False
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(trend_months.SUMS)
                             .where(trend_months.SUMS.c.team_id == world.team_b.id)) > 0
    lines = figures.trend(Scope(team_ids=None), today=TODAY, warning_days=WARNING)
    assert world.team_b.name not in _points(lines)
    assert _points(lines) == _points(trend_walked(Scope(team_ids=None), today=TODAY, warning_days=WARNING))


def test_a_month_end_not_built_is_walked_for_a_few_people_and_shown_as_being_counted_for_many(app, world):
    second, _ = _varied(world)
    scope = Scope(team_ids=None)
    walked = _points(trend_walked(scope, today=TODAY, warning_days=WARNING))
    gone = trend_months.wanted(TODAY)[-1]
    db.session.execute(TrendMonthBuilt.__table__.delete().where(TrendMonthBuilt.month_end == gone))
    db.session.commit()
    assert _points(figures.trend(scope, today=TODAY, warning_days=WARNING, walk_limit=1000)) == walked
    pending = figures.trend(scope, today=TODAY, warning_days=WARNING, walk_limit=1)
    for line in pending:
        points = dict(line.points)
        assert points[gone] is None
        assert points[TODAY] == dict(walked[line.name])[TODAY]
    # The worker builds it again.
    assert trend_months.ensure_built(TODAY) == [gone]
    db.session.commit()
    assert _points(figures.trend(scope, today=TODAY, warning_days=WARNING, walk_limit=1)) == walked


def test_the_team_page_says_which_months_are_being_counted(app, world):
    _varied(world)
    gone = trend_months.wanted(TODAY)[-2]
    db.session.execute(TrendMonthBuilt.__table__.delete().where(TrendMonthBuilt.month_end == gone))
    db.session.commit()
    app.config["TREND_WALK_LIMIT"] = 1
    client = sign_in(app.test_client(), world.admin)
    partial = client.get("/team/trend", headers=HTMX).get_data(as_text=True)
    assert f"{gone:%b %Y}: being counted again" in partial and "Being counted" in partial
    app.config["TREND_WALK_LIMIT"] = 1000
    partial = client.get("/team/trend", headers=HTMX).get_data(as_text=True)
    assert "being counted" not in partial.lower()


def test_the_month_just_ended_is_built_by_the_every_minute_job(app, world, monkeypatch):
    """Built a few people at a time (here two), with memory bounded whatever the size of the trust."""
    monkeypatch.setattr(trend_months, "CHUNK", 2)
    second, _ = _varied(world)
    scope = Scope(team_ids=None)
    later = D(2026, 4, 3)
    app.config["FIXED_TODAY"] = later
    assert D(2026, 3, 31) not in trend_months.built(trend_months.wanted(later), WARNING)
    assert [c for _, c in figures.trend(scope, today=later, warning_days=WARNING, walk_limit=1)[0].points][-2] is None
    app.extensions["skillpass.jobs"]._every_minute()
    db.session.commit()
    assert trend_months.built(trend_months.wanted(later), WARNING) == set(trend_months.wanted(later))
    # The month end that fell out of the year is let go.
    assert db.session.scalar(select(func.count()).select_from(TrendMonthBuilt)
                             .where(TrendMonthBuilt.month_end < trend_months.wanted(later)[0])) == 0
    assert _points(figures.trend(scope, today=later, warning_days=WARNING, walk_limit=1)) == \
        _points(trend_walked(scope, today=later, warning_days=WARNING))


def test_a_write_touching_thousands_leaves_the_month_ends_to_the_worker(app, world, monkeypatch):
    """Over DEFER_OVER people (a credit mapping, an item of a passport thousands hold), the request does not
    work out every month of every one of them: the month ends are marked unbuilt, the trend walks them (or says
    they are being counted), and the job worker builds them again."""
    _varied(world)
    monkeypatch.setattr(trend_months, "DEFER_OVER", 2)
    world.fire.frequency_months = 12
    db.session.commit()
    assert trend_months.built(trend_months.wanted(TODAY), WARNING) == set()
    scope = Scope(team_ids=None)
    walked = _points(trend_walked(scope, today=TODAY, warning_days=WARNING))
    assert _points(figures.trend(scope, today=TODAY, warning_days=WARNING, walk_limit=1000)) == walked
    assert trend_months.ensure_built(TODAY) == trend_months.wanted(TODAY)
    db.session.commit()
    assert _points(figures.trend(scope, today=TODAY, warning_days=WARNING, walk_limit=1)) == walked


def test_a_new_warning_window_is_read_only_once_built_with_it(app, world):
    _varied(world)
    db.session.add(Setting(key="warning_days", value="30"))
    db.session.commit()
    assert trend_months.built(trend_months.wanted(TODAY), 30) == set()
    assert trend_months.ensure_built(TODAY) == trend_months.wanted(TODAY)
    db.session.commit()
    scope = Scope(team_ids=None)
    assert _points(figures.trend(scope, today=TODAY, warning_days=30, walk_limit=1)) == \
        _points(trend_walked(scope, today=TODAY, warning_days=30))


def test_the_trend_page_queries_do_not_grow_with_the_trust(app, world):
    app.config["CACHE_PAGES"] = False       # every look afresh
    client = sign_in(app.test_client(), world.admin)
    client.get("/team/trend", headers=HTMX)

    def measured():
        with count_queries() as log:
            response = client.get("/team/trend", headers=HTMX)
        assert response.status_code == 200
        return log.count

    small = measured()
    for n in range(12):
        person = factories.person(team=(world.team_a, world.team_b)[n % 2], start_date=D(2024, 1, 8))
        factories.assign(person, world.template)
        _accepted(person, world.fire, D(2025, 1 + n % 12, 10))
    db.session.commit()
    assert measured() == small
