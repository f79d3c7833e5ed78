"""The team matrix made cheaply (issue 19): cells that give the same answer are one object, drawn once, and never
carry one person's state into another's row; a passport filter picks its columns from the kept dates; everyone's
job roles are found a role at a time. On SQLite and PostgreSQL alike."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus, Person
from skillpass.services import figures
from tests import factories
from tests.conftest import TODAY


def _entry(person, item, on, status=EntryStatus.ACCEPTED):
    db.session.add(Entry(person_id=person.id, item_id=item.id, completed_on=on, method=EntryMethod.HERE,
                         status=status, recorded_by_id=person.id))


def _row(html: str, name: str) -> str:
    start = html.index(f">{name}</a>")
    return html[start:html.index("</tr>", start)]


def _cell(row: str, item_id: int) -> str:
    start = row.rindex("<td", 0, row.index(f"#item-{item_id}\""))
    return row[start:row.index("</td>", start) + 5]


def _matrix(**scope):
    return figures.build_matrix(figures.Scope(**scope), today=TODAY, warning_days=60)


def test_equal_cells_are_one_object_and_a_difference_makes_another(app, world):
    twins = [factories.person(name=f"Twin {n}", team=world.team_a, start_date=dt.date(2020, 1, 6)) for n in (1, 2, 3)]
    for twin in twins:
        factories.assign(twin, world.template, on=dt.date(2020, 1, 6))
        _entry(twin, world.fire, dt.date(2025, 6, 1))
    # The third has a renewal awaiting sign-off: the same dates, another cell.
    _entry(twins[2], world.fire, dt.date(2026, 2, 1), status=EntryStatus.AWAITING)
    db.session.commit()
    rows = {r.person.id: r for r in _matrix(team_ids=(world.team_a.id,)).rows}
    first, second, third = (rows[t.id].cells for t in twins)
    assert first[world.fire.id] is second[world.fire.id]
    assert third[world.fire.id] is not first[world.fire.id] and third[world.fire.id].awaiting
    assert third[world.fire.id].date_line == first[world.fire.id].date_line == "Expires 1 Jun 2027: completed 1 Jun 2025"
    # Mandatory and optional items not done give the same dates but not the same cell.
    assert first[world.stress.id] is second[world.stress.id]
    assert first[world.optional.id] is not first[world.stress.id]
    assert (first[world.optional.id].word, first[world.stress.id].word) == ("Optional · not done", "Overdue")


def test_a_shared_cell_drawn_for_one_person_says_the_next_ones_name_and_nothing_of_the_first(as_admin, world):
    twins = [factories.person(name=name, team=world.team_a, start_date=dt.date(2020, 1, 6))
             for name in ("Ann Alder", "Bea Birch", "Cy Cedar")]
    for twin in twins:
        factories.assign(twin, world.template, on=dt.date(2020, 1, 6))
        _entry(twin, world.fire, dt.date(2025, 6, 1))
    _entry(twins[2], world.fire, dt.date(2026, 2, 1), status=EntryStatus.AWAITING)
    db.session.commit()
    for _ in range(2):    # drawn afresh, then from the kept matrix whose cells are drawn already
        html = as_admin.get(f"/team/?team={world.team_a.id}").get_data(as_text=True)
        cells = {t.name: _cell(_row(html, t.name), world.fire.id) for t in twins}
        for twin in twins:
            assert cells[twin.name] == (
                '<td class="app-cell app-cell--complete"><a class="app-cell__link" '
                f'href="/people/{twin.id}/passport#item-{world.fire.id}"><span class="nhsuk-u-visually-hidden">'
                f'{twin.name}, Fire safety: </span>Complete'
                + ('<span class="app-cell__awaiting"> · renewal awaiting sign-off</span>' if twin is twins[2] else "")
                + '<span class="app-cell__date">Expires 1 Jun 2027: completed 1 Jun 2025</span></a></td>')


def test_a_passport_filter_reads_only_its_own_columns_from_the_kept_dates(app, world):
    """A person's kept dates hold every passport they have: the filtered matrix picks its columns' own."""
    other = factories.template("Core Skills")
    section = factories.section(other, "Within 2 weeks", 2, "weeks")
    manual = factories.item(section, "Manual handling", frequency_months=12)
    factories.assign(world.learner, other, on=dt.date(2026, 1, 5))
    _entry(world.learner, manual, dt.date(2025, 10, 1))
    _entry(world.learner, world.fire, dt.date(2025, 6, 1))
    db.session.commit()
    whole = next(r for r in _matrix(team_ids=None).rows if r.person.id == world.learner.id)
    narrowed = _matrix(team_ids=None, template_id=other.id)
    row = next(r for r in narrowed.rows if r.person.id == world.learner.id)
    assert [c.item.id for c in narrowed.columns] == [manual.id]
    assert set(row.cells) == {manual.id}
    assert row.cells[manual.id] == whole.cells[manual.id]
    assert (row.cells[manual.id].completed_on, row.compliance.met, row.compliance.due) == (dt.date(2025, 10, 1), 1, 1)


def test_everyones_job_roles_are_those_of_active_people_a_to_z(app, world):
    gone = factories.person(team=world.team_b, job_role="Archivist")
    gone.active = False
    factories.person(team=None, job_role="")
    factories.person(team=None, job_role="Zoologist")
    factories.person(team=world.team_b, job_role="Anaesthetist")
    db.session.commit()
    plain = list(db.session.scalars(select(Person.job_role).where(Person.job_role != "", Person.active.is_(True))
                                    .distinct().order_by(Person.job_role)))
    roles = figures.job_roles(None)
    assert roles == plain and roles[0] == "Anaesthetist" and roles[-1] == "Zoologist"
    assert "Archivist" not in roles and "" not in roles
    assert figures.job_roles((world.team_b.id,)) == ["Anaesthetist", "Practice Educator", "Support Worker"]


def test_a_teams_matrix_names_its_people_in_its_queries_and_a_larger_one_selects_them(app, world, monkeypatch):
    """Given a subquery of the team's people, PostgreSQL read every kept date of the trust to join a team's (at
    30,000 people: 210-270 ms against 9 ms for the same rows by id), so up to LISTED_PEOPLE the matrix's queries
    list the people it read; a larger scope (the whole organisation's exports) selects them again, whatever its
    size. The cells are the same either way."""
    from skillpass.services.figures import matrix as matrix_module
    from tests.querycount import count_queries

    _entry(world.learner, world.fire, dt.date(2025, 6, 1))
    db.session.commit()
    team_id = world.team_a.id

    def kept_dates_read(log) -> str:
        [statement] = [s for s in log.statements if s.lstrip().upper().startswith("SELECT ITEM_DATES.PERSON_ID")]
        return statement.upper()

    with count_queries() as listed:
        small = _matrix(team_ids=(team_id,))
    monkeypatch.setattr(matrix_module, "LISTED_PEOPLE", 1)
    with count_queries() as selected:
        large = _matrix(team_ids=(team_id,))
    assert "FROM PERSON" not in kept_dates_read(listed)
    assert "FROM PERSON" in kept_dates_read(selected)
    assert listed.count == selected.count
    assert [(r.person.name, {i: (c.status, c.date_line) for i, c in r.cells.items()}) for r in small.rows] == \
        [(r.person.name, {i: (c.status, c.date_line) for i, c in r.cells.items()}) for r in large.rows]
