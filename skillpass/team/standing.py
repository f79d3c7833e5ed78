"""The people behind the team page's qualification counts (PRODUCT.md §6.3): who meets, is about to lose or
does not meet a passport, in a team and job role or across every team the viewer may see, each with the items
that cause it. Read from the same kept matrix as the team page, so a count and its list always agree.

Registered on the team blueprint (team/views.py imports this module)."""
from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user

from skillpass import access
from skillpass.access import TEAM, guard
from skillpass.inputs import page_number
from skillpass.services import figures
from skillpass.team.views import _filters, _matrix, _title, bp, standing_url

PAGE_SIZE = 50
STANDINGS = {standing.value: standing for standing in figures.STANDINGS}


@bp.get("/standing")
@guard(TEAM)
def standing():
    """Who meets, is about to lose or does not meet a passport: name (to their passport), job role, team, and
    the items behind it; 50 a page, without JavaScript."""
    filters = _filters()
    wanted = STANDINGS.get(request.args.get("standing", ""))
    # People without a team: only where no team is named (they are in no educator's teams, so only admins
    # see any).
    no_team = filters.team is None and request.args.get("no_team") == "1"
    matrix, _ = _matrix(filters, keep=True)
    found = figures.holders(matrix, template_id=filters.template, standing=wanted, no_team=no_team)
    total = len(found)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page_number(request.args.get("page")), pages)
    passport = next((t for t in matrix.passports if t.id == filters.template), None)
    if passport is None and filters.template:
        # Held by nobody here: named as the team page's filter names it.
        passport = next((t for t in figures.passports_on_offer(access.visible_team_ids(current_user),
                                                               keep=filters.template)
                         if t.id == filters.template), None)
    where = "No team" if no_team else _title(filters, {t.id: t for t in access.visible_teams(current_user)})
    return render_template(
        "team/standing.html", filters=filters, wanted=wanted, passport=passport, where=where, no_team=no_team,
        holders=found[(page - 1) * PAGE_SIZE: page * PAGE_SIZE], total=total, page=page, pages=pages,
        page_url=lambda n: standing_url(filters, filters.template, wanted, no_team=no_team, page=n),
        back_url=url_for("team.index", **filters.query(status=None, out=None)))
