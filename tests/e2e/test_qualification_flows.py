"""Meets / about to lose / does not meet in a real browser (PRODUCT.md §6.3, issue 17 part B): an educator clicks
"About to lose" among the team page's counts and lands on exactly those people, with the items behind it, and
follows one to its row on the person's passport, which says the same; on a phone too."""
from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus
from tests import factories
from tests.e2e.conftest import assert_inside_viewport, assert_no_axe_violations, sign_in


def _done(person, item, on):
    db.session.add(Entry(person_id=person.id, item_id=item.id, completed_on=on, method=EntryMethod.HERE,
                         status=EntryStatus.ACCEPTED, recorded_by_id=person.id))


def test_an_educator_clicks_about_to_lose_and_lands_on_those_people(live_server, page, world):
    # Physiotherapy, today 2 Mar 2026: the learner and Sam meet the passport but their fire safety expires within
    # 60 days (about to lose it); Mia's is in date (meets it); the educator's is overdue (does not meet it).
    # Occupational Therapy's Olu is about to lose it too, and is not the educator's.
    sam = factories.person(name="Sam Steady", team=world.team_a, email="sam@example.test")
    mia = factories.person(name="Mia Meets", team=world.team_a, email="mia@example.test")
    for person in (sam, mia):
        factories.assign(person, world.template)
    for person, fire in ((world.learner, dt.date(2024, 4, 1)), (sam, dt.date(2024, 4, 20)),
                         (mia, dt.date(2025, 6, 1)), (world.other_learner, dt.date(2024, 4, 1))):
        _done(person, world.fire, fire)
        for item in (world.stress, world.competency):
            _done(person, item, dt.date(2026, 1, 20))
    db.session.commit()

    sign_in(page, live_server, world.educator.email, factories.PASSWORD)
    page.get_by_role("link", name="Team", exact=True).click()
    counts = page.locator("[data-standing-counts]")
    expect(counts).to_contain_text("AHP Support Worker Skills Passport")
    assert_no_axe_violations(page)
    counts.get_by_role("link", name="2 people: about to lose, AHP Support Worker Skills Passport").click()

    expect(page.get_by_role("heading", name="About to lose: AHP Support Worker Skills Passport")).to_be_visible()
    people = page.locator("[data-standing-people] tbody tr")
    expect(people).to_have_count(2)
    expect(people.nth(0)).to_contain_text("Lee Learner")
    expect(people.nth(1)).to_contain_text("Sam Steady")
    expect(page.locator("[data-standing-people]")).not_to_contain_text("Olu Other")
    expect(people.nth(1)).to_contain_text("Fire safety: Expiring · Expires 20 Apr 2026: completed 20 Apr 2024")
    assert_no_axe_violations(page)

    # The item behind it opens the person's passport at its row, whose heading says the same.
    people.nth(1).get_by_role("link", name="Fire safety").click()
    expect(page.get_by_role("heading", name="Sam Steady", level=1)).to_be_visible()
    standing = page.locator(f"#standing-{world.template.id}")
    expect(standing).to_contain_text("As a qualification: About to lose. Expiring: Fire safety (expires 20 Apr 2026).")
    expect(page).to_have_url(re.compile(rf"/people/{sam.id}/passport#item-{world.fire.id}$"))
    expect(page.locator(f"#item-{world.fire.id}")).to_contain_text("Expiring")

    # On a phone, the counts and the people fit the screen.
    page.set_viewport_size({"width": 320, "height": 800})
    page.go_back()
    expect(page.get_by_role("heading", name="About to lose: AHP Support Worker Skills Passport")).to_be_visible()
    assert_inside_viewport(page)
    page.get_by_role("link", name="Back to the team's figures").click()
    expect(page.locator("[data-standing-counts]")).to_be_visible()
    # The matrix's scroll box is set up once the page's scripts have run: measure the page after that.
    page.wait_for_load_state("load")
    assert_inside_viewport(page, "[data-standing-counts]")
