"""The kept dates (services/item_dates.py, issue 19 item 1): the SQL status against the golden rules, each kind
of write keeping them in its own transaction, the rebuild command, the migration building them, and the admin
home counted over them agreeing with the walk every matrix uses. (Every test of the suite also checks, after it
has run, that the kept dates equal a fresh derivation: tests/conftest.py.)"""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import select, text, update

from skillpass.extensions import db
from skillpass.models import (CreditMapping, CreditTarget, Entry, EntryMethod, EntryStatus, ItemDates, PassportDates,
                              Section)
from skillpass.rules import TALLY_INDEX, status_of
from skillpass.services import figures, item_dates
from skillpass.services.figures.scope import Scope
from tests import factories
from tests.conftest import PG_URL, TODAY

D = dt.date


def _dates(person, item):
    row = db.session.get(ItemDates, (person.id, item.id))
    return None if row is None else (row.completed_on, row.expires_on, row.due_on)


def _accepted(person, item, on, **extra):
    entry = Entry(person_id=person.id, item_id=item.id, completed_on=on, method=EntryMethod.HERE,
                  status=EntryStatus.ACCEPTED, recorded_by_id=person.id, **extra)
    db.session.add(entry)
    return entry


# ---------------------------------------------------------------- the SQL status is the rules' status

EXPIRES = D(2026, 5, 1)
DUE = D(2026, 3, 2)
WARNING = 60


@pytest.mark.parametrize("completed, expires, due, today", [
    (None, None, DUE, DUE - dt.timedelta(days=1)),      # to do
    (None, None, DUE, DUE),                              # due today: to do
    (None, None, DUE, DUE + dt.timedelta(days=1)),      # overdue
    (D(2024, 5, 1), None, None, TODAY),                  # never expires: complete
    (D(2024, 5, 1), EXPIRES, None, EXPIRES - dt.timedelta(days=WARNING + 1)),   # complete
    (D(2024, 5, 1), EXPIRES, None, EXPIRES - dt.timedelta(days=WARNING)),       # expiring
    (D(2024, 5, 1), EXPIRES, None, EXPIRES - dt.timedelta(days=1)),             # expiring
    (D(2024, 5, 1), EXPIRES, None, EXPIRES),                                     # expired on the day
    (D(2024, 5, 1), EXPIRES, None, EXPIRES + dt.timedelta(days=400)),           # expired
])
def test_the_sql_status_is_the_rules_status(app, world, completed, expires, due, today):
    """item_dates.tally_index is rules.status_of written as SQL: row by row on the golden table's boundaries."""
    db.session.execute(update(ItemDates).where(ItemDates.person_id == world.learner.id,
                                               ItemDates.item_id == world.fire.id)
                       .values(completed_on=completed, expires_on=expires, due_on=due))
    place = db.session.scalar(select(item_dates.tally_index(today=today, warning_days=WARNING))
                              .where(item_dates.TABLE.c.person_id == world.learner.id,
                                     item_dates.TABLE.c.item_id == world.fire.id))
    status = status_of(today=today, due_on=due or today, expires_on=expires, latest_accepted_on=completed,
                       warning_days=WARNING)
    assert place == TALLY_INDEX[status]
    db.session.rollback()       # written behind the app's back: never committed


# ---------------------------------------------------------------- every kind of write keeps them

def test_a_new_starter_has_a_due_date_for_every_item_of_their_passport(app, world):
    person = factories.person(team=world.team_a, start_date=D(2026, 2, 2))
    factories.assign(person, world.template)
    db.session.commit()
    assert _dates(person, world.fire) == (None, None, D(2026, 2, 16))        # start + 2 weeks
    assert _dates(person, world.stress) == (None, None, D(2026, 8, 2))       # start + 6 months
    assert _dates(person, world.optional) is None                            # optional: counted, never dated
    held = db.session.get(PassportDates, (person.id, world.template.id))
    assert (held.team_id, held.done, held.missing, held.optional, held.first_expiry) == (
        world.team_a.id, 0, 3, 1, None)


def test_entries_decisions_and_revocations_change_them_in_their_own_transaction(app, world):
    learner = world.learner
    entry = Entry(person_id=learner.id, item_id=world.fire.id, completed_on=D(2026, 2, 1), method=EntryMethod.HERE,
                  status=EntryStatus.AWAITING, recorded_by_id=learner.id)
    db.session.add(entry)
    db.session.commit()
    assert _dates(learner, world.fire)[0] is None           # awaiting sign-off: nothing counted yet
    entry.status = EntryStatus.ACCEPTED
    db.session.flush()
    assert _dates(learner, world.fire)[0] is None           # not yet: written at commit, with the decision
    db.session.commit()
    assert _dates(learner, world.fire) == (D(2026, 2, 1), D(2028, 2, 1), None)
    entry.status = EntryStatus.REVOKED
    db.session.commit()
    assert _dates(learner, world.fire)[0] is None
    assert _dates(learner, world.fire)[2] is not None       # due again


def test_a_rolled_back_write_leaves_them_as_they_were(app, world):
    before = _dates(world.learner, world.fire)
    _accepted(world.learner, world.fire, D(2026, 2, 1))
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert _dates(world.learner, world.fire) == before


def test_a_write_inside_a_savepoint_is_kept_when_the_transaction_commits(app, world):
    with db.session.begin_nested():
        _accepted(world.learner, world.fire, D(2026, 2, 1))
    assert _dates(world.learner, world.fire)[0] is None     # a released savepoint is not the commit
    db.session.commit()
    assert _dates(world.learner, world.fire)[0] == D(2026, 2, 1)


def test_assignments_start_dates_and_removals(app, world):
    person = factories.person(team=world.team_a, start_date=D(2026, 2, 2))
    assignment = factories.assign(person, world.template, on=D(2025, 12, 1))     # given before they started
    db.session.commit()
    assert _dates(person, world.fire)[2] == D(2026, 2, 16)
    person.start_date = D(2026, 1, 5)
    db.session.commit()
    assert _dates(person, world.fire)[2] == D(2026, 1, 19)
    assignment.removed_on = TODAY
    db.session.commit()
    assert _dates(person, world.fire) is None
    assert db.session.scalar(select(ItemDates.item_id).where(ItemDates.person_id == person.id)) is None


def test_a_change_to_an_item_or_a_section_reaches_everyone_holding_the_passport(app, world):
    _accepted(world.learner, world.fire, D(2026, 2, 1))
    db.session.commit()
    world.fire.frequency_months = 12
    db.session.commit()
    assert _dates(world.learner, world.fire)[1] == D(2027, 2, 1)
    six_months = _dates(world.other_learner, world.stress)[2]
    db.session.get(Section, world.month6.id).offset_amount = 3
    db.session.commit()
    assert _dates(world.other_learner, world.stress)[2] == six_months - relativedelta(months=3)
    world.stress.archived_at = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
    db.session.commit()
    assert _dates(world.learner, world.stress) is None


def test_a_shared_code_carries_a_record_to_the_other_passport(app, world):
    """PRODUCT.md §6.1: one record of a code counts on every passport with that code."""
    other = factories.template("Healthcare Support Worker")
    section = factories.section(other, "Within 2 weeks", 2, "weeks")
    fire_there = factories.item(section, "Fire safety awareness", frequency_months=24, code="CSTF-FIRE")
    factories.assign(world.learner, other)
    db.session.commit()
    _accepted(world.learner, world.fire, D(2026, 2, 1))
    db.session.commit()
    assert _dates(world.learner, fire_there)[:2] == (D(2026, 2, 1), D(2028, 2, 1))


def test_a_credit_mapping_made_and_ended_is_kept_everywhere(app, world):
    other = factories.template("Healthcare Support Worker")
    section = factories.section(other, "Within 2 weeks", 2, "weeks")
    moving = factories.item(section, "Moving and handling", frequency_months=12, code="CSTF-MH")
    factories.assign(world.learner, other)
    _accepted(world.learner, moving, D(2026, 1, 10))
    db.session.commit()
    mapping = CreditMapping(source_item_id=moving.id, created_by_id=world.admin.id, note="")
    db.session.add(mapping)
    db.session.flush()
    db.session.add(CreditTarget(mapping_id=mapping.id, item_id=world.stress.id))
    db.session.commit()
    assert _dates(world.learner, world.stress)[0] == D(2026, 1, 10)
    from skillpass.services import credit_mappings

    credit_mappings.end_mapping(actor=world.admin, mapping=mapping)      # a Core UPDATE: it says so itself
    db.session.commit()
    assert _dates(world.learner, world.stress)[0] is None


# ---------------------------------------------------------------- rebuilt, checked, built by the migration

@pytest.mark.kept_dates_unchecked
def test_differences_names_a_row_written_behind_the_apps_back_and_the_command_rebuilds_it(app, world):
    db.session.execute(text("UPDATE item_dates SET due_on = :d WHERE person_id = :p AND item_id = :i"),
                       {"d": D(2001, 1, 1), "p": world.learner.id, "i": world.fire.id})
    db.session.commit()
    found = item_dates.differences()
    assert len(found) == 1 and f"person {world.learner.id}, item {world.fire.id}" in found[0]
    result = app.test_cli_runner().invoke(args=["rebuild-item-dates"])
    assert result.exit_code == 0, result.output
    assert "1 changed" in result.output
    assert item_dates.differences() == []


def test_the_rebuild_fills_an_emptied_table(app, world):
    db.session.execute(text("DELETE FROM item_dates"))
    assert item_dates.differences() != []
    written = item_dates.rebuild()
    db.session.commit()
    assert written.added == db.session.scalar(select(db.func.count()).select_from(ItemDates)) > 0
    assert item_dates.differences() == []
    assert not item_dates.needs_rebuild()


# ---------------------------------------------------------------- the admin home, counted by the database

def test_the_admin_home_counted_over_the_kept_dates_agrees_with_the_walk(app, world):
    """Two ways of counting, one set of rules: the SQL aggregates of the admin home and the matrix's walk
    over the entries give the same figures for each team, each item and each passport's standing."""
    starts = [D(2025, 1, 6), D(2026, 1, 5), D(2026, 2, 20), D(2021, 3, 1), D(2024, 6, 3), D(2023, 9, 4)]
    for n, start in enumerate(starts):
        person = factories.person(team=(world.team_a, world.team_b, None)[n % 3], start_date=start)
        factories.assign(person, world.template, on=max(start, D(2025, 1, 1)))
        if n % 2:
            _accepted(person, world.fire, start + dt.timedelta(days=40 * n))
        if n % 3 == 1:
            _accepted(person, world.stress, start + dt.timedelta(days=20))
    _accepted(world.learner, world.fire, D(2024, 2, 10))      # expiring within the window
    # The ranges' edges (fire safety lasts 24 months; the window is 60 days): expires today, on the window's
    # last day and the day after it; due yesterday and today.
    for completed in (D(2024, 3, 2), D(2024, 5, 1), D(2024, 5, 2)):
        person = factories.person(team=world.team_b, start_date=D(2020, 1, 6))
        factories.assign(person, world.template, on=D(2020, 1, 6))
        _accepted(person, world.fire, completed)
    for start in (D(2026, 2, 15), D(2026, 2, 16)):
        person = factories.person(team=world.team_a, start_date=start)
        factories.assign(person, world.template, on=start)
    db.session.commit()
    overview = figures.compute_overview(today=TODAY, warning_days=60, team_ids=None)
    matrix = figures.compute_matrix(Scope(team_ids=None), today=TODAY, warning_days=60)
    by_team: dict[str, list] = {}
    for row in matrix.rows:
        by_team.setdefault(row.team_name or "No team", []).append(row)
    assert {t.name: (t.people, t.compliance) for t in overview.teams} == {
        name: (len(rows), _sum(r.compliance for r in rows)) for name, rows in by_team.items()}
    assert overview.people == len(matrix.rows)
    assert overview.overall == _sum(r.compliance for r in matrix.rows)
    walked = {c.item.id: c.compliance for c in matrix.columns}
    for item in overview.items:
        assert item.compliance == walked[item.item_id]
    assert [(p.template.id, p.counts) for p in overview.passports] == \
           [(p.template.id, p.counts) for p in figures.standing_figures(matrix)]


def _sum(figures_):
    from skillpass.rules import Compliance

    total = Compliance()
    for c in figures_:
        for name in ("complete", "expiring", "overdue", "expired", "todo", "optional"):
            setattr(total, name, getattr(total, name) + getattr(c, name))
    return total


# ---------------------------------------------------------------- two writers for one person at once

@pytest.mark.skipif(not PG_URL, reason="two transactions for one person at once: PostgreSQL (scripts/with-postgres.sh)")
def test_two_writes_for_one_person_at_once_keep_both(app, world, monkeypatch):
    """Each commit works out the person's dates again; the second waits for the first (a row lock on the person)
    and so counts both records. Without the lock both would work out their dates before either committed, and
    the passport's row would count one record of the two."""
    learner_id, items = world.learner.id, (world.fire.id, world.stress.id)
    derive = item_dates.derive
    together = threading.Barrier(2)

    def derive_then_wait(ids):
        found = derive(ids)
        try:
            together.wait(timeout=3)     # both have worked their dates out, if nothing made one of them wait
        except threading.BrokenBarrierError:
            pass
        return found

    monkeypatch.setattr(item_dates, "derive", derive_then_wait)
    failures = []

    def record(item_id: int) -> None:
        try:
            with app.app_context():
                db.session.add(Entry(person_id=learner_id, item_id=item_id, completed_on=D(2026, 2, 1),
                                     method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=learner_id))
                db.session.commit()
                db.session.remove()
        except BaseException as error:      # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=record, args=(item_id,)) for item_id in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not failures and not any(t.is_alive() for t in threads), failures
    monkeypatch.setattr(item_dates, "derive", derive)
    db.session.rollback()
    assert item_dates.differences() == []
    assert db.session.get(PassportDates, (learner_id, world.template.id)).done == 2
