"""Team figures without HTTP: the matrix against the date rules and the passport, the
forecast, the monthly trend as of each month's end, the overview, and the exports' cells."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus
from skillpass.rules import Status
from skillpass.services import exports
from skillpass.services import figures as team_service
from skillpass.services.passport import build_passport
from tests import factories
from tests.conftest import TODAY


def _entry(person, item, on, status=EntryStatus.ACCEPTED, decided_at=None):
    db.session.add(Entry(person_id=person.id, item_id=item.id, completed_on=on, method=EntryMethod.HERE,
                         status=status, recorded_by_id=person.id, decided_at=decided_at))


def _matrix(**scope):
    return team_service.build_matrix(team_service.Scope(team_ids=scope.get("team_ids")), today=TODAY,
                                     warning_days=60)


# Fire safety: 24 months, in the "Within 2 weeks" section; start dates vary per row.
@pytest.mark.parametrize("start, completed, status, date_line", [
    (dt.date(2026, 1, 5), None, Status.OVERDUE, "Due 19 Jan 2026"),
    (dt.date(2026, 2, 25), None, Status.TODO, "Due 11 Mar 2026"),
    (dt.date(2026, 2, 16), None, Status.TODO, "Due 2 Mar 2026"),            # due today: not yet overdue
    (dt.date(2026, 2, 15), None, Status.OVERDUE, "Due 1 Mar 2026"),
    (dt.date(2020, 1, 6), dt.date(2024, 4, 1), Status.EXPIRING, "Expires 1 Apr 2026: completed 1 Apr 2024"),
    (dt.date(2020, 1, 6), dt.date(2025, 6, 1), Status.COMPLETE, "Expires 1 Jun 2027: completed 1 Jun 2025"),
    (dt.date(2020, 1, 6), dt.date(2023, 12, 1), Status.EXPIRED, "Expired 1 Dec 2025: completed 1 Dec 2023"),
    (dt.date(2020, 1, 6), dt.date(2024, 3, 2), Status.EXPIRED, "Expired 2 Mar 2026: completed 2 Mar 2024"),
    (dt.date(2020, 1, 6), dt.date(2024, 5, 1), Status.EXPIRING, "Expires 1 May 2026: completed 1 May 2024"),
    (dt.date(2020, 1, 6), dt.date(2024, 5, 2), Status.COMPLETE, "Expires 2 May 2026: completed 2 May 2024"),
])
def test_a_cell_follows_the_date_rules(app, world, start, completed, status, date_line):
    person = factories.person(team=world.team_a, start_date=start)
    factories.assign(person, world.template, on=start)
    if completed:
        _entry(person, world.fire, completed)
    db.session.commit()
    row = next(r for r in _matrix().rows if r.person.id == person.id)
    cell = row.cells[world.fire.id]
    assert (cell.status, cell.date_line) == (status, date_line)


def test_every_cell_agrees_with_the_passport(app, world):
    """Two code paths, one set of rules: the matrix and each person's passport give the same statuses."""
    people = []
    for n, start in enumerate([dt.date(2025, 1, 6), dt.date(2026, 1, 5), dt.date(2026, 2, 20), dt.date(2021, 3, 1)]):
        person = factories.person(team=world.team_a if n % 2 else world.team_b, start_date=start)
        factories.assign(person, world.template, on=max(start, dt.date(2025, 1, 1)))
        people.append(person)
    _entry(people[0], world.fire, dt.date(2024, 4, 1))
    _entry(people[0], world.stress, dt.date(2025, 2, 1))
    _entry(people[1], world.competency, dt.date(2026, 2, 1), status=EntryStatus.AWAITING)
    _entry(people[3], world.fire, dt.date(2023, 1, 1))
    _entry(people[3], world.fire, dt.date(2025, 1, 1))
    _entry(people[3], world.optional, dt.date(2025, 5, 5))
    db.session.commit()
    matrix = _matrix()
    checked = 0
    for row in matrix.rows:
        passport = build_passport(row.person, today=TODAY, warning_days=60)
        for item_id, cell in row.cells.items():
            state = passport.row(item_id).state
            assert (cell.status, cell.awaiting) == (state.status, state.awaiting), (row.person.name, item_id)
            checked += 1
        assert row.compliance == passport.compliance
    assert checked == 4 * len(people + [world.learner, world.other_learner, world.educator])
    assert matrix.overall.due == sum(r.compliance.due for r in matrix.rows)
    assert matrix.overall.met == sum(r.compliance.met for r in matrix.rows)


def test_columns_rows_and_filters(app, world):
    archived = factories.item(world.week2, "Old topic")
    archived.archived_at = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    _entry(world.learner, world.fire, dt.date(2025, 6, 1))
    _entry(world.other_learner, world.competency, dt.date(2026, 2, 2), status=EntryStatus.AWAITING)
    db.session.commit()
    matrix = _matrix()
    assert "Old topic" not in [c.item.title for c in matrix.columns]
    assert matrix.awaiting == 1
    fire = next(c for c in matrix.columns if c.item.id == world.fire.id)
    assert (fire.compliance.complete, fire.compliance.overdue) == (1, 2)
    optional = next(c for c in matrix.columns if c.item.id == world.optional.id)
    assert optional.compliance.due == 0 and optional.compliance.optional == 3
    out = team_service.filter_rows(matrix, status=None, out_only=True)
    assert {r.person.name for r in out} == {"Olu Other", "Eve Educator"}
    overdue = team_service.filter_rows(matrix, status=Status.COMPLETE, out_only=False)
    assert [r.person.name for r in overdue] == ["Lee Learner"]
    only_a = _matrix(team_ids=(world.team_a.id,))
    assert {r.person.name for r in only_a.rows} == {"Lee Learner", "Eve Educator"}


def test_the_forecast_counts_by_week_and_by_person(app, world):
    _entry(world.learner, world.fire, dt.date(2024, 4, 1))      # expires Wed 1 Apr 2026
    starter = factories.person(team=world.team_a, start_date=dt.date(2026, 2, 25))
    factories.assign(starter, world.template, on=dt.date(2026, 2, 25))   # fire due Wed 11 Mar 2026
    db.session.commit()
    matrix = _matrix()
    forecast = team_service.forecast(matrix, matrix.rows, days=60)
    weeks = {monday: (expiring, due) for monday, expiring, due in forecast.weeks}
    assert weeks[dt.date(2026, 3, 30)] == (1, 0) and weeks[dt.date(2026, 3, 9)] == (0, 1)
    assert min(weeks) == dt.date(2026, 3, 2) and max(weeks) <= dt.date(2026, 5, 1)
    people = [(p.name, [(lapse.item.title, lapse.kind) for lapse in lapses]) for p, _, lapses in forecast.by_person]
    assert people[0][0] == starter.name and ("Fire safety", "due") in people[0][1]
    assert ("Lee Learner", [("Fire safety", "expires")]) in people
    assert team_service.forecast(matrix, matrix.rows, days=14).people == 1


def test_the_trend_counts_each_month_as_of_its_last_day(app, world):
    """The learner (started 5 Jan 2026) completes fire safety on 10 Feb: Overdue at the end of January,
    Complete at the end of February. A revoked completion counts until the day it was revoked."""
    _entry(world.learner, world.fire, dt.date(2026, 2, 10))
    _entry(world.other_learner, world.fire, dt.date(2025, 11, 3), status=EntryStatus.REVOKED,
           decided_at=dt.datetime(2026, 2, 14, 9, tzinfo=dt.timezone.utc))
    db.session.commit()
    lines = {line.name: dict(line.points) for line in team_service.trend(
        team_service.Scope(team_ids=None), today=TODAY, warning_days=60)}
    assert team_service.month_ends(TODAY)[-3:] == [dt.date(2026, 1, 31), dt.date(2026, 2, 28), TODAY]
    physio, ot = lines["Physiotherapy"], lines["Occupational Therapy"]
    # Physiotherapy: the learner and the educator hold it; the educator never completed fire safety.
    assert (physio[dt.date(2026, 1, 31)].met, physio[dt.date(2026, 1, 31)].due) == (0, 2)
    assert (physio[dt.date(2026, 2, 28)].met, physio[dt.date(2026, 2, 28)].due) == (1, 2)
    # Before they started (5 Jan 2026), nobody was counted.
    assert physio[dt.date(2025, 12, 31)].due == 0
    assert (ot[dt.date(2026, 1, 31)].met, ot[dt.date(2026, 2, 28)].met) == (1, 0)


def test_the_overview_ranks_teams_and_items(app, world):
    _entry(world.learner, world.fire, dt.date(2025, 6, 1))
    db.session.commit()
    figures = team_service.compute_overview(today=TODAY, warning_days=60, team_ids=None)
    assert (figures.overall.met, figures.overall.due) == (1, 3)
    assert [t.name for t in figures.teams] == ["Occupational Therapy", "Physiotherapy", "No team"]
    assert [(i.title, i.out) for i in figures.items] == [("Fire safety", 2)]


@pytest.mark.parametrize("value, cell", [
    ("=1+1", "'=1+1"), ("+44 20", "'+44 20"), ("-3", "'-3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("Lee", "Lee"), ("a=b", "a=b"), (None, ""), (-3, -3), (dt.date(2026, 1, 2), dt.date(2026, 1, 2)),
])
def test_formula_cells_are_neutralised(value, cell):
    assert exports.safe(value) == cell


def test_csv_and_xlsx_keep_types_and_neutralise_text():
    table = lambda: exports.Table(header=["Name", "When", "Count"],  # noqa: E731
                                  rows=iter([["=cmd|' /C calc'!A0", dt.date(2026, 3, 2), 3], ["Ann", None, 0]]))
    text = "".join(exports.csv_chunks(table()))
    assert text.startswith("\ufeffName,When,Count\r\n")
    assert "'=cmd|' /C calc'!A0,2026-03-02,3\r\nAnn,,0\r\n" in text
    out = io.BytesIO()
    exports.write_xlsx(table(), out, sheet="Test")
    sheet = load_workbook(io.BytesIO(out.getvalue()))["Test"]
    assert [c.value for c in sheet[1]] == ["Name", "When", "Count"]
    assert sheet["A2"].value == "'=cmd|' /C calc'!A0" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == dt.datetime(2026, 3, 2) and sheet["B2"].number_format == "d mmm yyyy"
    assert sheet["C2"].value == 3 and sheet["A3"].value == "Ann"
