"""The NHS.UK date input in a real browser: a date that does not exist is refused in place, in the design
system's words, with what was typed kept and the day marked; no axe violations and nothing off screen, at a
phone's width and at a desktop's."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import assert_inside_viewport, assert_no_axe_violations, screenshot, sign_in
from tests.e2e.dates import date_group, expect_date, fill_date

MARKED = re.compile(r"\bnhsuk-input--error\b")


@pytest.mark.parametrize("width, height", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_the_31st_of_february_is_not_a_real_date(live_server, page, world, width, height):
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    page.goto(f"{live_server}/people/{world.learner.id}/passport/items/{world.fire.id}/record")
    expect(page.get_by_role("heading", name="Record: Fire safety")).to_be_visible()
    fill_date(page, "Date completed", "31", "02", "2026")
    page.get_by_role("button", name="Save Fire safety").click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="Date completed must be a real date")).to_be_visible()
    group = date_group(page, "Date completed")
    expect(group).to_contain_text("Date completed must be a real date")
    expect_date(page, "Date completed", "31", "02", "2026")
    expect(group.get_by_label("Day", exact=True)).to_have_class(MARKED)
    expect(group.get_by_label("Month", exact=True)).not_to_have_class(MARKED)
    expect(group.get_by_label("Year", exact=True)).not_to_have_class(MARKED)
    assert_no_axe_violations(page)
    assert_inside_viewport(page, "main")    # the form; the skip link is clipped until focused
    if width == 390:
        screenshot(page, "phone-date-error")

    # The summary links to the day, the box to correct.
    expect(summary.get_by_role("link", name="Date completed must be a real date")).to_have_attribute(
        "href", f"#record-{world.fire.id}-date-day")
    group.get_by_label("Day", exact=True).fill("28")
    page.get_by_role("button", name="Save Fire safety").click()
    expect(page.locator("#flash")).to_contain_text("Fire safety: recorded 28 Feb 2026.")
