"""The team page's counts by the database over the kept dates (figures/counted.py) against the walk they replace
(lapse_forecast.forecast and standing.standing_figures over the matrix, worked out from the entries): the same
weeks, windows, people and standings on varied data: expiries and due dates on each window's edges, items the
chain rule reads whole (a refresher, a certificate's own expiry), credit across passports, awaiting entries,
people without a team, and the team page's filters by team, job role and passport."""
from __future__ import annotations

import datetime as dt
import random

import pytest

from skillpass.extensions import db
from skillpass.services import figures
from skillpass.services.figures import counted
from tests import edge_histories, factories
from tests.conftest import TODAY

WARNING_DAYS = 60
WINDOWS = (30, 60, 90)
D = dt.date


@pytest.fixture
def trust(app, world):
    """Forty people over two teams and none, two job roles, two passports (one with a refresher item and a
    certificate item), their dates on and beside each window's edges."""
    second = edge_histories.second_passport(world)
    edges = edge_histories.EDGES
    pick = random.Random(19)
    for n in range(40):
        team = (world.team_a, world.team_b, None)[n % 3]
        edge = pick.choice(edges)
        # Due on an edge: the two-week section's items are due 14 days after the start.
        start = edge - dt.timedelta(days=14) if n % 4 == 0 else D(2021, 3, 1) + dt.timedelta(days=n)
        person = factories.person(name=f"{pick.choice('ABCD')}. Person {n:02d}", team=team, start_date=start,
                                  job_role=("Nurse", "Porter")[n % 2])
        held = [t for t, wanted in ((world.template, n % 5 != 4), (second.template, n % 3 != 1)) if wanted]
        for template in held:
            factories.assign(person, template, on=start)
        if n % 4 == 0:
            continue        # a starter: every item due from the start
        edge_histories.history(person, world, second, pick)
    db.session.commit()
    return {"second": second.template}


def _walked(scope):
    matrix = figures.compute_matrix(scope, today=TODAY, warning_days=WARNING_DAYS)
    return figures.forecast(matrix, matrix.rows, days=WINDOWS[-1]), figures.standing_figures(matrix)


def _people(forecast):
    return [(person.id, person.name, team_name, [(lapse.item.id, lapse.item.title, lapse.kind, lapse.cell.lapse_on,
                                                 lapse.cell.awaiting_words) for lapse in lapses])
            for person, team_name, lapses in forecast.by_person]


def _standings(found):
    return [(f.template.id, f.template.name, (f.counts.meets, f.counts.about_to_lose, f.counts.does_not_meet),
             [(t.team_id, t.name, (t.counts.meets, t.counts.about_to_lose, t.counts.does_not_meet)) for t in f.teams])
            for f in found]


@pytest.mark.parametrize("narrow", ["everyone", "team", "two teams", "job role", "passport", "team and passport"])
def test_the_counts_equal_the_walk(app, world, trust, narrow, monkeypatch):
    second = trust["second"].id
    scope = {"everyone": figures.Scope(team_ids=None),
             "team": figures.Scope(team_ids=(world.team_a.id,)),
             "two teams": figures.Scope(team_ids=(world.team_a.id, world.team_b.id)),
             "job role": figures.Scope(team_ids=None, job_role="Porter"),
             "passport": figures.Scope(team_ids=None, template_id=second),
             "team and passport": figures.Scope(team_ids=(world.team_a.id,), template_id=second)}[narrow]
    walked, standings = _walked(scope)
    found = counted.forecast(scope, today=TODAY, days=WINDOWS[-1], windows=WINDOWS, warning_days=WARNING_DAYS)
    assert walked.lapses, "the data gives something to forecast"
    assert found.weeks == walked.weeks
    assert [found.within(days) for days in WINDOWS] == [walked.within(days) for days in WINDOWS]
    assert found.people == walked.people
    assert _people(found) == _people(walked)
    assert _standings(counted.standing_figures(scope, today=TODAY, warning_days=WARNING_DAYS)) == _standings(standings)
    # Only the first people are named one by one; the count still covers everyone.
    monkeypatch.setattr(counted, "NAMED", 3)
    few = counted.forecast(scope, today=TODAY, days=WINDOWS[-1], windows=WINDOWS, warning_days=WARNING_DAYS)
    assert (_people(few), few.people) == (_people(walked)[:3], walked.people)


def test_the_counts_take_the_same_queries_whatever_the_numbers(app, world, trust):
    from tests.querycount import count_queries

    scope = figures.Scope(team_ids=None)
    with count_queries() as queries:
        counted.forecast(scope, today=TODAY, days=90, windows=WINDOWS, warning_days=WARNING_DAYS)
        counted.standing_figures(scope, today=TODAY, warning_days=WARNING_DAYS)
    assert queries.count <= 8, queries
