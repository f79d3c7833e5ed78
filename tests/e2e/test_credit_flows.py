"""Credit across passports in a real browser (issue 17, part C): on a phone-sized screen an admin maps an item
of one passport onto an item of another, sees whose row it changes before saving, saves it; the learner's row
of the other passport turns Complete and says what met it. Then the admin ends it, asked first."""
from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus
from tests import factories
from tests.e2e.conftest import assert_inside_viewport, assert_no_axe_violations, sign_in, sign_out

PHONE = {"width": 320, "height": 740}


def test_an_admin_maps_x_to_y_and_the_learners_row_turns_complete(live_server, page, world):
    core = factories.template("Core Skills (CSTF)")
    target = factories.item(factories.section(core, "Within 2 weeks", 2, "weeks"), "Safeguarding adults",
                            frequency_months=36)
    factories.assign(world.learner, core)
    source = factories.item(world.week2, "Safeguarding adults level 2", frequency_months=12, position=5)
    db.session.add(Entry(person_id=world.learner.id, item_id=source.id, completed_on=dt.date(2025, 6, 1),
                         method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id))
    db.session.commit()

    page.set_viewport_size(PHONE)
    sign_in(page, live_server, world.admin.email, factories.PASSWORD)
    page.goto(f"{live_server}/admin/templates/")
    page.get_by_role("link", name="Credit across passports").click()
    page.get_by_role("link", name="New mapping").click()
    page.get_by_label("An item of a passport").check()
    page.get_by_label("Item", exact=True).select_option(label="Safeguarding adults level 2")
    page.get_by_label("Safeguarding adults (Core Skills (CSTF))").check()
    page.get_by_label("Note (optional)").fill("The same learning outcomes")
    page.get_by_role("button", name="Check what it changes").click()
    preview = page.locator("#credit-preview")
    expect(preview).to_contain_text("1 row of 1 person change: 1 person becomes Complete.")    # in place (htmx)
    expect(page.locator("#credit-preview-title")).to_be_focused()
    expect(page.get_by_label("Note (optional)")).to_have_value("The same learning outcomes")
    assert_inside_viewport(page, "main")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Save mapping").click()
    expect(page.locator("#flash")).to_contain_text("Mapping saved: Safeguarding adults level 2")
    expect(page.locator(".app-mapping").first).to_contain_text(
        "Safeguarding adults level 2 (AHP Support Worker Skills Passport) counts as: "
        "Safeguarding adults (Core Skills (CSTF))")
    assert_inside_viewport(page, "main")
    assert_no_axe_violations(page)
    sign_out(page)

    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    page.goto(f"{live_server}/passport")
    row = page.locator(f"#item-{target.id}")
    expect(row).to_contain_text("Complete")
    expect(row).to_contain_text(
        "Met by Safeguarding adults level 2 (credit from AHP Support Worker Skills Passport), 1 Jun 2025")
    expect(row).to_contain_text("Expires 1 Jun 2028: completed 1 Jun 2025 + 36 months")
    row.locator("summary", has_text="History").click()
    expect(row).to_contain_text("Counted by credit: Safeguarding adults level 2 counts as Safeguarding adults")
    sign_out(page)

    # Ended, asked first in place: the row goes back to its own records.
    sign_in(page, live_server, world.admin.email, factories.PASSWORD)
    page.goto(f"{live_server}/admin/credit/")
    page.get_by_role("link", name=re.compile("^End")).click()
    expect(page.get_by_text(re.compile("Safeguarding adults \\(Core Skills \\(CSTF\\)\\), Complete → Overdue"))
           ).to_be_attached()
    assert_inside_viewport(page, "main")
    page.get_by_role("button", name="End the mapping").click()
    expect(page.locator("#flash")).to_contain_text("Mapping ended")
    expect(page.get_by_text("No mappings in use")).to_be_visible()
    sign_out(page)
    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    page.goto(f"{live_server}/passport")
    expect(page.locator(f"#item-{target.id}")).to_contain_text("Overdue")
    expect(page.locator(f"#item-{target.id}")).not_to_contain_text("Met by")
