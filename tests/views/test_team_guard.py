"""The team guard hands the view the team it checked, read from the one place the view reads.

The probe's critical finding: the guard read ``request.values`` (the address first) while the bulk print
read the posted form, so ``POST /team/print?team=<own>`` with ``team=<other>`` in the body printed another
team's passports. (A POST naming one parameter twice is also refused before any guard runs: see
test_conflicting_parameters; here the guard is tried on its own.)"""
from __future__ import annotations

import pytest
from flask import g
from flask_login import login_user

from skillpass import access


def _guard(app, person, *, method="POST", query="", form=None) -> tuple[bool, int | None]:
    with app.test_request_context(f"/team/print{query}", method=method, data=form or {}):
        login_user(person)
        allowed = access.POLICIES[access.TEAM]({})
        return allowed, g.get("team_id")


def test_a_team_in_the_body_is_checked_whatever_the_address_says(app, world):
    own, other = str(world.team_a.id), str(world.team_b.id)
    assert _guard(app, world.educator, query=f"?team={own}", form={"team": other})[0] is False
    assert _guard(app, world.educator, query="?team=", form={"team": other})[0] is False
    assert _guard(app, world.educator, form={"team": other})[0] is False
    assert _guard(app, world.educator, query=f"?team={other}", form={"team": own})[0] is False


def test_the_view_is_handed_the_team_it_may_use_from_the_place_it_reads(app, world):
    own = str(world.team_a.id)
    assert _guard(app, world.educator, form={"team": own}) == (True, world.team_a.id)
    assert _guard(app, world.educator, query=f"?team={own}", form={"team": own}) == (True, world.team_a.id)
    # A GET reads its address.
    assert _guard(app, world.educator, method="GET", query=f"?team={own}") == (True, world.team_a.id)
    # No team: every team the viewer may see (the view scopes it by visible_team_ids).
    assert _guard(app, world.educator, form={}) == (True, None)


@pytest.mark.parametrize("raw", ["x", "-1", str(2**31), "1e3", "\u0661"])
def test_a_team_that_is_not_an_id_is_refused(app, world, raw):
    assert _guard(app, world.educator, form={"team": raw})[0] is False


def test_an_admin_may_name_any_team_and_a_learner_none(app, world):
    assert _guard(app, world.admin, form={"team": str(world.team_b.id)}) == (True, world.team_b.id)
    assert _guard(app, world.learner, form={})[0] is False


def test_the_print_itself_holds_only_the_checked_teams_people(as_educator, world, monkeypatch):
    """End to end, the same values in the address and the body: only team A's people are printed."""
    from sqlalchemy import select

    from skillpass.extensions import db
    from skillpass.models import PrintJob
    from skillpass.print import bulk as bulk_print

    monkeypatch.setattr(bulk_print, "launch", lambda job_id, base_url: None)   # the job's people are the point

    team = str(world.team_a.id)
    response = as_educator.post(f"/team/print?team={team}", data={"team": team, "scope": "all"})
    assert response.status_code == 303
    job = db.session.scalar(select(PrintJob))
    assert set(job.person_ids) <= {world.learner.id, world.educator.id}
    assert world.other_learner.id not in job.person_ids
