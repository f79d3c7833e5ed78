"""The number beside "Sign-off queue" in the header is a value passed to the page, counted once for a staff
member's page, and not at all for a partial or a learner's page: no template global runs SQL."""
from __future__ import annotations

import datetime as dt
import re

from skillpass.extensions import db
from skillpass.models import EntryMethod
from skillpass.services import entries
from tests.conftest import HTMX, TODAY, sign_in
from tests.querycount import count_queries


def _awaiting_counts(log) -> int:
    """The header's query (services.decisions.awaiting_count): a count of entries joined to their people."""
    return sum(1 for s in log.statements if re.match(r"SELECT count\(entry\.id\)", s.strip()) and "JOIN person" in s)


def _header_count(html: str) -> int | None:
    match = re.search(r'<span id="queue-count"[^>]*>(\d+)<', html)
    return int(match.group(1)) if match else None


def test_no_template_global_counts_the_queue(app):
    assert "queue_total" not in app.jinja_env.globals


def test_a_staff_page_is_given_the_count_once_and_a_partial_or_a_learners_page_never(app, world):
    entries.record_entry(actor=world.learner, person=world.learner, item=world.competency,
                         completed_on=dt.date(2026, 2, 20), method=EntryMethod.HERE, today=TODAY)
    db.session.commit()
    educator = sign_in(app.test_client(), world.educator)
    with count_queries() as page:
        html = educator.get("/passport").get_data(as_text=True)
    assert _header_count(html) == 1 and _awaiting_counts(page) == 1, page

    with count_queries() as partial:
        row = educator.get(f"/people/{world.learner.id}/passport/items/{world.fire.id}", headers=HTMX)
    assert row.status_code == 200 and "<html" not in row.get_data(as_text=True)
    assert _awaiting_counts(partial) == 0, partial

    learner = sign_in(app.test_client(), world.learner)
    with count_queries() as own:
        html = learner.get("/passport").get_data(as_text=True)
    assert _header_count(html) is None and _awaiting_counts(own) == 0, own


def test_an_admins_count_is_everyone_still_here_but_themselves(app, world):
    """An admin's count (services.decisions.awaiting_everywhere): every awaiting entry on the index of awaiting
    entries alone, less those of people who have left and the admin's own; the admin home counts the same."""
    from skillpass.services import figures
    from tests import factories

    factories.assign(world.admin, world.template)
    for person, item in ((world.learner, world.competency), (world.other_learner, world.competency),
                         (world.admin, world.competency), (world.educator, world.competency)):
        entries.record_entry(actor=person, person=person, item=item, completed_on=dt.date(2026, 2, 20),
                             method=EntryMethod.HERE, today=TODAY)
    world.other_learner.active = False          # left: their entry waits for nobody
    db.session.commit()
    html = sign_in(app.test_client(), world.admin).get("/passport").get_data(as_text=True)
    assert _header_count(html) == 2             # the learner's and the educator's: not the leaver's, not their own
    overview = figures.compute_overview(today=TODAY, warning_days=60, team_ids=None)
    assert overview.awaiting == 3               # everyone still here, the admin too
