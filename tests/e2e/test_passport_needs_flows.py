"""The top of My passport in a real browser: the learner follows "What needs you now" to record an overdue
item, saves, and the item leaves the list without a reload; the page is accessible at 390 and 1280 px."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import assert_inside_viewport, assert_no_axe_violations, screenshot, sign_in


def test_learner_follows_what_needs_them_records_and_the_item_leaves_the_list(live_server, page, world):
    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    needs = page.locator(".app-needs")
    expect(needs).to_contain_text("What needs you now")
    expect(needs).to_contain_text("Fire safety")
    expect(needs).to_contain_text("was due 19 Jan 2026")
    page.evaluate("window.__noReload = true")

    # Its own name ("Record: Fire safety"), so the row's "Record Fire safety" stays one link.
    needs.get_by_role("link", name=re.compile(r"^Record\W+Fire safety$")).click()
    row = page.locator(f"#item-{world.fire.id}")
    save = row.get_by_role("button", name="Save Fire safety")
    expect(save).to_be_visible()
    save.click()

    expect(row).to_contain_text("Complete")
    expect(needs).not_to_contain_text("Fire safety")
    expect(needs).to_contain_text("Nothing needs you now")
    expect(page.locator("#passport-summary")).to_contain_text("Overdue 0")
    assert page.evaluate("window.__noReload") is True


def test_a_count_shows_its_rows_and_show_all_brings_the_rest_back(live_server, page, world):
    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    page.locator(".app-counts").get_by_role("link", name=re.compile(r"^To do 2\W+show only these items$")).click()
    expect(page.get_by_text("Showing only the 2 items counted as To do.")).to_be_visible()
    expect(page.locator(f"#item-{world.fire.id}")).to_have_count(0)
    page.get_by_role("link", name="Show all items").click()
    expect(page.locator(f"#item-{world.fire.id}")).to_be_visible()


@pytest.mark.parametrize("width, height", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_my_passport_top_is_accessible_and_fits(live_server, page, world, width, height):
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    expect(page.locator(".app-needs")).to_contain_text("Fire safety")
    assert_no_axe_violations(page)
    assert_inside_viewport(page, "#passport-summary")
    if width == 390:
        screenshot(page, "phone-what-needs-you")
    page.goto(f"{live_server}/passport?show=todo")
    expect(page.get_by_text("Showing only the 2 items counted as To do.")).to_be_visible()
    assert_no_axe_violations(page)
