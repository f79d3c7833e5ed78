"""An educator records a training session for twelve people in one form, in a real browser: choose the item,
search and tick (the list swaps in place, the ticked stay ticked), paste the rest as employee numbers, save;
the session page lists all twelve and each passport shows the session. (Without JavaScript, the same form as
a plain post: tests/views/test_session_views.py.)"""
from __future__ import annotations

from playwright.sync_api import expect

from skillpass.extensions import db
from tests import factories
from tests.e2e.conftest import assert_no_axe_violations, sign_in
from tests.e2e.dates import fill_date


def test_educator_records_a_session_for_twelve_people_with_search_and_tick(live_server, page, world):
    people = [factories.person(name=f"Attendee {n:02d}", team=world.team_a, email=f"attendee{n}@example.test")
              for n in range(12)]
    for p in people:
        factories.assign(p, world.template)
    db.session.commit()
    sign_in(page, live_server, world.educator.email, factories.PASSWORD)
    page.goto(f"{live_server}/sessions/new")
    expect(page.get_by_role("heading", name="Record a training session")).to_be_visible()
    page.get_by_label("Item", exact=True).select_option(label="Fire safety (CSTF-FIRE)")
    listing = page.locator("#session-people")
    expect(listing).to_contain_text("Attendee 11")

    # Search and tick, eight people, search by search: earlier ticks stay in the list.
    search = page.get_by_label("Search the list")
    for n in range(8):
        search.fill(f"Attendee {n:02d}")
        expect(listing.get_by_label(f"Attendee {n:02d}")).to_be_visible()
        expect(listing.locator("input[name=people]")).to_have_count(n + 1)
        listing.get_by_label(f"Attendee {n:02d}").check()
    expect(listing.locator("input[name=people]:checked")).to_have_count(8)
    # The other four pasted as employee numbers, as they come off the signed sheet.
    page.get_by_label("Or paste employee numbers (optional)").fill(
        "\n".join(p.employee_number for p in people[8:10]) + ", " + " ".join(p.employee_number for p in people[10:]))
    fill_date(page, "Date of the session", "20", "2", "2026")
    page.get_by_label("Trainer").fill("Sam Trainer")
    page.get_by_label("Venue (optional)").fill("Seminar room 2")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Record the session").click()

    expect(page.get_by_role("heading", name="Fire safety, 20 Feb 2026")).to_be_visible()
    expect(page.locator("#flash")).to_contain_text("recorded for 12 people")
    expect(page.locator("#attendees tbody tr")).to_have_count(12)
    assert_no_axe_violations(page)
    for p in (people[0], people[7], people[11]):
        page.goto(f"{live_server}/people/{p.id}/passport")
        expect(page.locator(f"#item-{world.fire.id}")).to_contain_text("Attended a training session, 20 Feb 2026")
