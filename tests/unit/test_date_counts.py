"""The kept dates' counts (services/date_counts.py): the admin home counted from them and from the kept dates
themselves (figures/admin_overview.Aggregated, the reference) gives the same figures after each kind of write,
across the day boundary, with another warning window, scoped to teams, and before the cutoff (where it counts
the kept dates); built once a day; a constant number of queries. (Every test of the suite also checks, after it
has run, that the counts equal what the kept dates add up to: tests/conftest.py.)"""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select, text

from skillpass.extensions import db
from skillpass.models import CreditMapping, CreditTarget, Entry, EntryMethod, EntryStatus, ItemDateCount, Person
from skillpass.services import date_counts
from skillpass.services.figures import admin_overview
from skillpass.services.figures.admin_overview import Aggregated, Counted, counted_overview
from tests import factories
from tests.conftest import PG_URL, TODAY
from tests.querycount import count_queries

D = dt.date


def _accepted(person, item, on):
    entry = Entry(person_id=person.id, item_id=item.id, completed_on=on, method=EntryMethod.HERE,
                  status=EntryStatus.ACCEPTED, recorded_by_id=person.id)
    db.session.add(entry)
    return entry


def _figures(overview):
    """Every figure the admin home shows (not when it was worked out)."""
    return (overview.people, overview.awaiting, overview.overall,
            [(t.name, t.team_id, t.people, t.compliance) for t in overview.teams],
            [(i.item_id, i.title, i.template_name, i.compliance) for i in overview.items],
            [(p.template.id, p.counts, [(t.team_id, t.name, t.counts) for t in p.teams]) for p in overview.passports])


def _agree(*, today=TODAY, warning_days=60, team_ids=None):
    """The counts give what the kept dates give."""
    kept = counted_overview(Counted(date_counts.current(today)), today=today, warning_days=warning_days, team_ids=team_ids)
    reference = counted_overview(Aggregated(), today=today, warning_days=warning_days, team_ids=team_ids)
    assert _figures(kept) == _figures(reference)
    return reference


def _trust(world):
    """People in both teams and none, started at different times, with records expiring on the ranges' edges
    (fire safety lasts 24 months; the window is 60 days): expired long ago, today, on the window's last day and
    the day after it; due yesterday, today and later."""
    people = []
    starts = [D(2025, 1, 6), D(2026, 1, 5), D(2026, 2, 20), D(2021, 3, 1), D(2024, 6, 3), D(2023, 9, 4),
              D(2026, 2, 15), D(2026, 2, 16), D(2026, 4, 1)]
    for n, start in enumerate(starts):
        person = factories.person(team=(world.team_a, world.team_b, None)[n % 3], start_date=start)
        factories.assign(person, world.template, on=max(start, D(2025, 1, 1)))
        people.append(person)
        if n % 2:
            _accepted(person, world.fire, start + dt.timedelta(days=40 * n))
        if n % 3 == 1:
            _accepted(person, world.stress, start + dt.timedelta(days=20))
    for completed in (D(2022, 1, 5), D(2024, 3, 2), D(2024, 5, 1), D(2024, 5, 2)):
        person = factories.person(team=world.team_b, start_date=D(2020, 1, 6))
        factories.assign(person, world.template, on=D(2020, 1, 6))
        _accepted(person, world.fire, completed)
        _accepted(person, world.stress, D(2020, 2, 1))
        _accepted(person, world.competency, D(2020, 2, 1))
        people.append(person)
    _accepted(world.learner, world.fire, D(2024, 2, 10))
    db.session.commit()
    return people


def test_the_suites_databases_have_them_built_against_today(app, world):
    """The migrated template builds the kept dates, and with them their counts: every test's writes keep them,
    and the check after each test holds them to the kept dates."""
    assert [(b.cutoff, b.window_end) for b in date_counts.builds()] == [(TODAY, TODAY + dt.timedelta(days=60))]
    _trust(world)
    assert db.session.scalar(select(func.sum(ItemDateCount.held))) == db.session.scalar(
        text("SELECT count(*) FROM item_dates"))
    assert _agree().overall.complete > 0


def test_each_kind_of_write_keeps_them(app, world):
    people = _trust(world)
    checks = []

    def check():
        db.session.commit()
        assert date_counts.differences() == []
        checks.append(_figures(_agree()))

    check()
    entry = _accepted(people[0], world.fire, D(2026, 2, 1))                  # a record
    check()
    entry.status = EntryStatus.REVOKED                                         # revoked
    check()
    people[1].team = world.team_b                                              # moved team
    check()
    people[2].team = None                                                      # no team
    check()
    people[3].active = False                                                   # left
    check()
    people[4].start_date = D(2026, 2, 25)                                      # a start date corrected
    check()
    starter = factories.person(team=world.team_a, start_date=D(2026, 3, 20))   # a starter, not yet started
    factories.assign(starter, world.template, on=D(2026, 3, 20))
    check()
    world.fire.frequency_months = 12                                           # an item everyone holds
    check()
    world.stress.archived_at = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)  # an item archived
    check()
    other = factories.template("Healthcare Support Worker")                    # a second passport
    section = factories.section(other, "Within 2 weeks", 2, "weeks")
    moving = factories.item(section, "Moving and handling", frequency_months=12, code="CSTF-MH")
    for person in people[:5]:
        factories.assign(person, other)
    _accepted(people[0], moving, D(2025, 1, 10))
    check()
    mapping = CreditMapping(source_item_id=moving.id, created_by_id=world.admin.id, note="")   # everyone
    db.session.add(mapping)
    db.session.flush()
    db.session.add(CreditTarget(mapping_id=mapping.id, item_id=world.competency.id))
    check()
    from skillpass.services import credit_mappings

    credit_mappings.end_mapping(actor=world.admin, mapping=mapping)          # a Core UPDATE
    check()
    other.archived_at = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)      # a passport archived
    check()
    unused = factories.item(world.week2, "Hand hygiene", frequency_months=12, position=5)     # an item added
    check()
    db.session.delete(unused)                                                  # and deleted, unused
    check()
    assert len({repr(c) for c in checks}) > 5       # the writes moved the figures


@pytest.mark.parametrize("days_on", [0, 1, 29, 60, 61, 400, 1000])
@pytest.mark.parametrize("warning_days", [0, 14, 60, 90])
def test_across_the_day_boundary_and_another_warning_window(app, world, days_on, warning_days):
    """Nothing in the counts turns on today or the window: built against TODAY, they give the kept dates'
    figures on any later day, with any window."""
    _trust(world)
    _agree(today=TODAY + dt.timedelta(days=days_on), warning_days=warning_days)


@pytest.mark.parametrize("team_ids", ["a", "b", "ab", "none"])
def test_scoped_to_teams(app, world, team_ids):
    _trust(world)
    ids = tuple({"a": world.team_a.id, "b": world.team_b.id}[c] for c in team_ids if c in "ab")
    _agree(team_ids=ids)
    _agree(today=TODAY + dt.timedelta(days=70), warning_days=14, team_ids=ids)


@pytest.mark.parametrize("cutoff, window", [(D(2024, 5, 1), 60), (D(2025, 6, 30), 30), (TODAY, 0), (TODAY, 90),
                                             (TODAY - dt.timedelta(days=1), 60), (TODAY - dt.timedelta(days=70), 14)])
def test_built_against_an_older_cutoff_or_another_window_they_still_agree(app, world, cutoff, window):
    _trust(world)
    date_counts.build(cutoff, window)
    db.session.commit()
    _accepted(world.learner, world.stress, D(2024, 3, 20))                   # a write with that build kept
    db.session.commit()
    assert date_counts.differences() == []
    assert date_counts.current(TODAY).cutoff == cutoff
    for warning_days in (0, 14, 60, 90):
        for days_on in (0, 1, 61):
            _agree(today=TODAY + dt.timedelta(days=days_on), warning_days=warning_days)


def test_before_the_cutoff_or_unbuilt_the_home_counts_the_kept_dates(app, world, monkeypatch):
    _trust(world)
    used = []
    monkeypatch.setattr(admin_overview, "counted_overview",
                        lambda source, **kw: used.append(type(source).__name__) or counted_overview(source, **kw))
    admin_overview.compute_overview(today=TODAY, warning_days=60, team_ids=None)
    admin_overview.compute_overview(today=TODAY - dt.timedelta(days=1), warning_days=60, team_ids=None)
    for table in (date_counts.ITEMS, date_counts.PASSPORTS, date_counts.BUILT):
        db.session.execute(table.delete())
    db.session.commit()
    admin_overview.compute_overview(today=TODAY, warning_days=60, team_ids=None)
    assert used == ["Counted", "Aggregated", "Aggregated"]
    _accepted(world.learner, world.stress, D(2026, 2, 1))                     # none built: writes add nothing
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(date_counts.ITEMS)) == 0
    assert date_counts.ensure_built(TODAY)
    db.session.commit()
    assert date_counts.differences() == []


def test_built_once_a_day_and_when_the_window_changes_keeping_the_one_before(app, world):
    from skillpass.services.settings import set_setting

    _trust(world)
    tomorrow = TODAY + dt.timedelta(days=1)
    assert date_counts.ensure_built(TODAY) is None                           # built against today already
    assert date_counts.ensure_built(tomorrow) is not None
    db.session.commit()
    assert date_counts.ensure_built(tomorrow) is None
    set_setting("warning_days", "30")
    db.session.commit()
    assert date_counts.ensure_built(tomorrow).window_end == tomorrow + dt.timedelta(days=30)
    db.session.commit()
    assert [(b.cutoff, b.window_end) for b in date_counts.builds()] == [        # the one before kept, no more
        (tomorrow, tomorrow + dt.timedelta(days=60)), (tomorrow, tomorrow + dt.timedelta(days=30))]
    assert db.session.scalar(select(func.count(func.distinct(ItemDateCount.generation)))) == 2
    _accepted(world.learner, world.stress, D(2024, 3, 20))                   # kept in both
    db.session.commit()
    assert date_counts.differences() == []


def test_the_job_workers_minute_builds_them(app, world):
    from skillpass.jobs import EXTENSION

    for table in (date_counts.ITEMS, date_counts.PASSPORTS, date_counts.BUILT):
        db.session.execute(table.delete())
    db.session.commit()
    app.extensions[EXTENSION]._build_date_counts()
    db.session.remove()
    assert [b.cutoff for b in date_counts.builds()] == [TODAY]


@pytest.mark.kept_dates_unchecked
def test_differences_name_a_count_written_behind_the_apps_back(app, world):
    _trust(world)
    db.session.execute(text("UPDATE item_date_counts SET expired_before = expired_before + 1 WHERE item_id = :i"),
                       {"i": world.fire.id})
    db.session.commit()
    found = date_counts.differences()
    assert found and "item_date_counts" in found[0]
    for table in (date_counts.ITEMS, date_counts.PASSPORTS, date_counts.BUILT):
        db.session.execute(table.delete())
    date_counts.build(TODAY, 60)
    db.session.commit()
    assert date_counts.differences() == []


def test_the_admin_home_is_a_constant_number_of_queries(app, world):
    def queries(**kwargs):
        with count_queries() as log:
            admin_overview.compute_overview(today=TODAY, warning_days=60, **kwargs)
        return log.count

    _trust(world)
    small = queries(team_ids=None), queries(team_ids=(world.team_a.id,))
    team_c = factories.team("Radiography")
    for n in range(6):
        person = factories.person(team=team_c, start_date=D(2020, 1, 6))
        factories.assign(person, world.template, on=D(2020, 1, 6))
        _accepted(person, world.fire, D(2023, 1, 1) + dt.timedelta(days=n * 100))
    db.session.commit()
    assert (queries(team_ids=None), queries(team_ids=(world.team_a.id,))) == small


@pytest.mark.skipif(not PG_URL, reason="a build beside a write: PostgreSQL (scripts/with-postgres.sh)")
def test_a_build_beside_a_write_counts_it_once(app, world, monkeypatch):
    """A write that has read the cutoff holds it until it commits: a build waits for it and then counts what it
    wrote; the write's difference went into the counts it was counted against."""
    learner_id, fire_id = world.learner.id, world.fire.id
    add_difference = date_counts.add_difference
    read = threading.Event()
    go_on = threading.Event()

    def add_then_wait(fresh, kept):
        add_difference(fresh, kept)
        read.set()
        go_on.wait(timeout=10)

    monkeypatch.setattr(date_counts, "add_difference", add_then_wait)
    failures = []

    def record():
        try:
            with app.app_context():
                db.session.add(Entry(person_id=learner_id, item_id=fire_id, completed_on=D(2024, 1, 10),
                                     method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=learner_id))
                db.session.commit()
                db.session.remove()
        except BaseException as error:      # noqa: BLE001 - reported below
            failures.append(error)

    def build():
        try:
            with app.app_context():
                date_counts.build(TODAY + dt.timedelta(days=1), 60)
                db.session.commit()
                db.session.remove()
        except BaseException as error:      # noqa: BLE001 - reported below
            failures.append(error)

    writer = threading.Thread(target=record)
    writer.start()
    assert read.wait(timeout=30)
    builder = threading.Thread(target=build)
    builder.start()
    waiting = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                   "AND wait_event_type = 'Lock'")
    with db.engine.connect() as connection:
        while not connection.execute(waiting).scalar() and builder.is_alive():     # until it waits for the writer
            connection.commit()
            threading.Event().wait(0.05)
    assert builder.is_alive()
    go_on.set()
    for t in (writer, builder):
        t.join(timeout=60)
    assert not failures and not any(t.is_alive() for t in (writer, builder)), failures
    monkeypatch.setattr(date_counts, "add_difference", add_difference)
    db.session.rollback()
    assert date_counts.builds()[-1].cutoff == TODAY + dt.timedelta(days=1)
    assert date_counts.differences() == []
    assert db.session.get(Person, learner_id) is not None
