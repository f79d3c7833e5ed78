"""On a phone (390 px): a learner changes, then deletes, an entry of their informal learning log, inline; an
educator scrolls the team matrix inside its box with the Compliance column still in view; the header's
Change password link fits at 320 px."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from playwright.sync_api import expect

from skillpass import demo
from skillpass.extensions import db
from skillpass.models import InformalEntry
from tests import factories
from tests.conftest import TODAY
from tests.e2e.conftest import assert_inside_viewport, assert_no_axe_violations, screenshot, sign_in

PHONE = {"width": 390, "height": 844}


def test_a_learner_changes_then_deletes_an_informal_entry_on_a_phone(live_server, page, world):
    entry = InformalEntry(person_id=world.learner.id, title="Shadowed the falls team", completed_on=dt.date(2026, 2, 1),
                          hours=Decimal("2"), reflection="Learned the checklist.", recorded_by_id=world.learner.id)
    db.session.add(entry)
    db.session.commit()
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    log = page.locator("#informal-learning")
    log.get_by_role("link", name="Change Shadowed the falls team").click()
    title = log.get_by_label("What did you learn?").first
    expect(title).to_be_focused()
    assert_inside_viewport(page, "#informal-learning")
    title.fill("Shadowed the falls prevention team")
    log.get_by_role("button", name="Save changes").click()
    expect(page.locator("#flash")).to_contain_text("Saved your changes to Shadowed the falls prevention team.")
    row = page.locator(f"#informal-{entry.id}")
    expect(row).to_contain_text("Shadowed the falls prevention team")
    expect(row).to_be_focused()                      # the saved row, never its Delete link
    page.keyboard.press("Enter")                     # a second Enter deletes nothing
    expect(row).to_be_visible()
    assert_no_axe_violations(page)

    row.get_by_role("link", name="Delete Shadowed the falls prevention team").click()
    question = page.get_by_text("Delete “Shadowed the falls prevention team” (1 Feb 2026) from your informal learning log?")
    expect(question).to_be_focused()
    assert_inside_viewport(page, "#informal-learning")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Yes, delete it").click()
    expect(page.locator("#flash")).to_contain_text("Deleted from your informal learning log: Shadowed the falls prevention team.")
    expect(page.locator(f"#informal-{entry.id}")).to_have_count(0)
    db.session.expire_all()
    assert db.session.get(InformalEntry, entry.id).withdrawn_at is not None


def test_the_header_links_to_change_password_and_fits_at_320_pixels(live_server, page, world):
    page.set_viewport_size({"width": 320, "height": 700})
    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    link = page.locator("header").get_by_role("link", name="Change password")
    expect(link).to_be_visible()
    assert_inside_viewport(page, ".nhsuk-header")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    link.click()
    expect(page).to_have_url(f"{live_server}/account/password")


def _compliance_on_screen(page) -> dict:
    return page.evaluate("""() => {
      const box = document.querySelector('.app-matrix-scroll').getBoundingClientRect();
      const cell = document.querySelector('.app-matrix tbody tr .app-matrix__compliance').getBoundingClientRect();
      const name = document.querySelector('.app-matrix tbody tr .app-matrix__person').getBoundingClientRect();
      return {box: [box.left, box.right], cell: [cell.left, cell.right], name: [name.left, name.right],
              width: window.innerWidth, scrolled: document.querySelector('.app-matrix-scroll').scrollLeft};
    }""")


def test_the_team_matrix_scrolls_in_its_box_with_the_compliance_column_in_view(live_server, page, app):
    demo.seed(today=TODAY)
    db.session.commit()
    for size in (PHONE, {"width": 1280, "height": 900}):
        page.set_viewport_size(size)
        if size is PHONE:
            sign_in(page, live_server, demo.EDUCATOR_EMAIL, demo.DEMO_PASSWORD)
        page.goto(f"{live_server}/team/")
        matrix = page.locator(".app-matrix-scroll")
        expect(matrix).to_be_visible()
        expect(page.get_by_text("The matrix scrolls sideways and down inside its box")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        assert_inside_viewport(page, "main")          # everything but the matrix box's own contents
        assert_no_axe_violations(page)
        if size is PHONE:
            screenshot(page, "phone-team-matrix")
        matrix.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
        where = _compliance_on_screen(page)
        assert where["scrolled"] > 0, "the matrix should be wider than its box"
        box_left, box_right = where["box"]
        assert box_left - 0.5 <= where["name"][0] and where["cell"][1] <= box_right + 0.5, where
        assert 0 <= where["cell"][0] and where["cell"][1] <= where["width"], where
        assert where["cell"][0] >= where["name"][1] - 0.5, where      # beside the names, not over them
