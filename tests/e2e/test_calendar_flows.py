"""The calendar page on a phone (390 px): a learner gets their calendar address, copies it, and resets it
after being asked; focus lands on the new address, never on the Reset button; the feed at the old address
is gone and the new one is a calendar."""
from __future__ import annotations

from icalendar import Calendar
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import assert_inside_viewport, assert_no_axe_violations, sign_in

PHONE = {"width": 390, "height": 844}


def test_a_learner_gets_copies_and_resets_their_calendar_address(live_server, page, world):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    page.goto(live_server + "/account/calendar")
    page.get_by_role("button", name="Get my calendar address").click()
    address = page.get_by_label("Calendar address")
    expect(address).to_be_visible()
    expect(page.get_by_role("heading", name="Your calendar address")).to_be_focused()
    first = address.input_value()
    assert first.startswith(live_server + "/calendar/") and first.endswith(".ics")
    assert_inside_viewport(page, "#calendar-address")
    assert_no_axe_violations(page)

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy the address").click()
    expect(page.locator("#calendar-copied")).to_have_text("Address copied.")

    page.get_by_role("link", name="Reset the address").click()
    expect(page.get_by_role("heading", name="Reset your calendar address?")).to_be_focused()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Yes, reset the address").click()
    expect(page.locator("#flash")).to_contain_text("Your calendar address has been reset.")
    expect(page.get_by_role("heading", name="Your calendar address")).to_be_focused()
    second = address.input_value()
    assert second != first

    assert page.request.get(first).status == 404
    feed = page.request.get(second)
    assert feed.status == 200
    assert str(Calendar.from_ical(feed.body())["X-WR-CALNAME"]) == "SkillPass: Lee Learner"
