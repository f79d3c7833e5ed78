"""WCAG 1.4.10 Reflow: at 320 CSS pixels wide, the pages people use most never scroll sideways.
A wide table may scroll inside its own box; the page around it may not."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from skillpass import demo
from skillpass.extensions import db
from skillpass.models import PassportTemplate
from tests.conftest import TODAY
from tests.e2e.conftest import sign_in, sign_out

WIDTH = 320


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth") - WIDTH


@pytest.mark.parametrize("email, paths", [
    (demo.LEARNER_EMAIL, ["/passport"]),
    (demo.EDUCATOR_EMAIL, ["/sign-off/", "/team/", "/sessions/", "/sessions/new"]),
    (demo.ADMIN_EMAIL, ["/admin/", "/people/", "/admin/templates/{template}", "/admin/import/people",
                        "/admin/import/completions",
                        "/admin/rules", "/admin/teams", "/admin/audit"]),
])
def test_pages_reflow_at_320_pixels(live_server, page, app, email, paths):
    demo.seed(today=TODAY)
    db.session.commit()
    template = db.session.scalar(select(PassportTemplate.id).order_by(PassportTemplate.id))
    page.set_viewport_size({"width": WIDTH, "height": 800})
    sign_in(page, live_server, email, demo.DEMO_PASSWORD)
    wide = {}
    for path in paths:
        page.goto(live_server + path.format(template=template))
        page.wait_for_load_state("networkidle")
        if _overflow(page) > 0:
            wide[path] = _overflow(page)
    sign_out(page)
    assert wide == {}, f"pages wider than {WIDTH}px (by how much): {wide}"
