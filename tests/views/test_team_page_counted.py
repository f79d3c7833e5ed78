"""The team page built for the rows it shows (figures/team_page.py: counted by the database over the kept dates,
matrix rows for the people of the page only) against the walk it replaces (the whole matrix, filtered and paged
in Python, its forecast and standings walked): the very same page, byte for byte but for the one-time form tokens,
for every filter combination (team, job role, passport, each status, out of compliance only, page 1 and a later
page) on varied data: people without a team, without a passport, holding a passport with no live item, leavers,
starters not yet started, awaiting entries, a refresher, a certificate's own expiry, credit across passports."""
from __future__ import annotations

import datetime as dt
import itertools
import random
import re

import pytest

from skillpass import clock
from skillpass.extensions import db
from skillpass.models import EntryStatus
from skillpass.services.figures import team_page
from skillpass.team import views
from tests import edge_histories, factories
from tests.conftest import HTMX, TODAY, sign_in
from tests.querycount import count_queries

D = dt.date
TOKENS = re.compile(r'(name="(?:csrf_token|[a-z_]*submission[a-z_]*)" value=")[^"]*"')


_entry = edge_histories.entry


@pytest.fixture(params=["with optional items", "mandatory items only"])
def trust(request, app, world):
    """Sixty people over two teams and none, two job roles, three passports (one with a refresher item, a
    certificate item and an optional one; one with no live item left), dates on and beside the forecast's
    window edges and the warning window; leavers, starters not yet started, people without a passport."""
    second = edge_histories.second_passport(world)
    optional = second.optional
    empty = factories.template("Retired passport")
    gone = factories.item(factories.section(empty, "Within 1 week", 1, "weeks"), "Old induction")
    gone.archived_at = clock.now()
    edges = edge_histories.EDGES
    pick = random.Random(1919)
    for n in range(60):
        team = (world.team_a, world.team_b, None)[n % 3]
        edge = pick.choice(edges)
        if n % 4 == 0:
            start = edge - dt.timedelta(days=14)             # due on an edge
        elif n % 13 == 5:
            start = TODAY + dt.timedelta(days=20 + n)        # a starter not yet started
        else:
            start = D(2021, 3, 1) + dt.timedelta(days=n)
        person = factories.person(name=f"{pick.choice('ABCD')}. Person {n:02d}", team=team, start_date=start,
                                  job_role=("Nurse", "Porter")[n % 2])
        if n % 11 == 3:
            continue                                         # no passport
        held = [t for t, wanted in ((world.template, n % 5 != 4), (second.template, n % 3 != 1),
                                    (empty, n % 7 == 2)) if wanted]
        for template in held:
            factories.assign(person, template, on=start)
        if n % 4 == 0:
            continue
        edge_histories.history(person, world, second, pick)
        if pick.random() < 0.2:
            _entry(person, world.fire, TODAY - dt.timedelta(days=2), status=EntryStatus.AWAITING)
        if n % 17 == 6:
            person.active = False                            # a leaver
    if request.param == "mandatory items only":
        for item in (optional, world.optional):
            item.archived_at = clock.now()
    db.session.commit()
    return {"second": second.template, "optional": request.param == "with optional items"}


def _page(client, url: str) -> str:
    response = client.get(url, headers=HTMX)
    assert response.status_code == 200
    return TOKENS.sub(r'\1"', response.get_data(as_text=True))


def test_the_page_counted_is_the_page_walked(app, world, trust, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 7)     # a later page with a few dozen people
    monkeypatch.setattr(team_page, "WALK_UP_TO", 0)  # counted whatever the size of the scope
    admin = sign_in(app.test_client(), world.admin)
    educator = sign_in(app.test_client(), world.educator)
    built = []
    original = team_page.build
    monkeypatch.setattr(team_page, "build", lambda *a, **k: built.append(1) or original(*a, **k))
    statuses = [None] + [status.value for status in views.STATUSES]
    second = trust["second"].id
    # Whose page (the educator's: their teams), team, job role, passport.
    scopes = [(admin, None, "", None), (admin, world.team_a.id, "", None), (admin, None, "Porter", second),
              (admin, None, "", second), (educator, None, "", None)]
    compared = shown = 0
    for (client, team, job_role, template), status, out, page in itertools.product(
            scopes, statuses, (False, True), (1, 2)):
        values = {"team": team, "job_role": job_role, "template": template, "status": status,
                  "out": "1" if out else None, "page": page}
        url = "/team/?" + "&".join(f"{k}={v}" for k, v in values.items() if v not in (None, ""))
        before = len(built)
        counted = _page(client, url)
        if len(built) == before:
            # Only a status an optional item could have goes to the walk, and only where such items are held.
            assert status not in (None, "awaiting") and trust["optional"], url
            continue
        with monkeypatch.context() as walked:
            walked.setattr(team_page, "exact", lambda scope, status: False)
            assert _page(client, url) == counted, url
        compared += 1
        shown += "app-matrix__pick" in counted
    assert compared >= (40 if trust["optional"] else 140) and shown >= compared // 2, (compared, shown)


def test_the_page_counted_shows_what_the_walk_shows_in_words(app, world, trust, monkeypatch):
    """A few plain facts of the counted page, so that both pages being wrong the same way would still fail."""
    monkeypatch.setattr(team_page, "WALK_UP_TO", 0)
    admin = sign_in(app.test_client(), world.admin)
    html = _page(admin, "/team/")
    assert "people shown;" in html and "hold no passport" in html and "Who, soonest first" in html
    # 60 made: 10 hold no passport (6 none given, 4 only passports not wanted), 3 leavers; and the world's 3.
    assert html.count('class="app-matrix__pick"') == 50 and "50 people shown; " in html
    assert "12 people hold no passport" in html
    page = _page(admin, f"/team/?team={world.team_a.id}&out=1")
    assert "(filtered)" in page and page.count('class="app-matrix__pick"') == int(
        re.search(r"(\d+) (?:person|people) shown", page).group(1))


def test_the_page_counted_takes_the_same_queries_for_few_people_as_for_many(app, world, monkeypatch):
    monkeypatch.setattr(team_page, "WALK_UP_TO", 0)
    admin = sign_in(app.test_client(), world.admin)

    def queries(url):
        with count_queries() as log:
            assert admin.get(url).status_code == 200
        return log.count

    def add(start, count):
        for n in range(start, start + count):
            person = factories.person(name=f"Extra {n:02d}", team=(world.team_a, None)[n % 2])
            factories.assign(person, world.template)
            _entry(person, world.fire, D(2024, 3, 1 + n % 20))
            if n % 3 == 0:
                _entry(person, world.stress, TODAY, status=EntryStatus.AWAITING)
        db.session.commit()

    urls = ["/team/", "/team/?out=1", "/team/?status=awaiting", f"/team/?template={world.template.id}&page=2",
            "/team/?status=overdue"]
    add(0, 3)
    few = [queries(url) for url in urls]
    add(3, 40)
    assert [queries(url) for url in urls] == few
