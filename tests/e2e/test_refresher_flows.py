"""In a real browser: an admin gives an item a refresher with grace in the template editor (PRODUCT.md §6.3);
the learner who did the full course then records the refresher, chosen in the Record form, and reads in the
row how long it keeps the item going ("Expires …: refresher … + 12 months")."""
from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus
from tests import factories
from tests.e2e.conftest import assert_inside_viewport, assert_no_axe_violations, sign_in, sign_out
from tests.e2e.dates import fill_date

# Today is 2 Mar 2026 (tests.conftest.TODAY). Lee started on 5 Jan 2026 and did the full day on 12 Jan 2026.


def test_an_admin_adds_a_refresher_and_a_learner_records_it(live_server, page, world):
    bls = factories.item(world.week2, "Basic life support", frequency_months=12, code="BLS", position=5)
    db.session.add(Entry(person_id=world.learner.id, item_id=bls.id, completed_on=dt.date(2026, 1, 12),
                         method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id))
    db.session.commit()

    sign_in(page, live_server, world.admin.email, factories.PASSWORD)
    page.goto(f"{live_server}/admin/templates/{world.template.id}")
    page.wait_for_load_state("domcontentloaded")    # its Edit links open the edit in place once htmx is ready
    page.get_by_role("link", name="Edit Basic life support").click()
    editing = page.locator("tr.app-row--editing")
    # A refresher needs a frequency, and says so beside its field, the rest kept as typed.
    editing.get_by_label("Renew every (months)").fill("")
    editing.get_by_label("Refresher", exact=True).fill("BLS update, 1 hour")
    editing.get_by_label("What the refresher involves (optional)").fill("An hour on the manikin, with a short quiz.")
    editing.get_by_label("Grace (months)").fill("3")
    editing.get_by_role("button", name="Save Basic life support").click()
    expect(page.locator(f"#item-{bls.id}-refresher_title-error")).to_contain_text(
        "A refresher renews something that expires")
    editing = page.locator("tr.app-row--editing")
    expect(editing.get_by_label("Refresher", exact=True)).to_have_value("BLS update, 1 hour")
    expect(editing.get_by_label("Grace (months)")).to_have_value("3")
    expect(editing.locator(".nhsuk-error-summary")).to_be_focused()
    assert_no_axe_violations(page)
    editing.get_by_label("Renew every (months)").fill("12")
    editing.get_by_role("button", name="Save Basic life support").click()
    # Who it moves comes first: nobody changes status (Lee's full day of 12 Jan 2026 still counts).
    impact = page.locator(".app-impact")
    expect(impact).to_contain_text(
        "Basic life support: refresher BLS update, 1 hour added; grace 0 months → 3 months")
    expect(impact).to_contain_text("No status changes")
    expect(impact.get_by_role("heading", name="Before you save: who this moves")).to_be_focused()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#flash")).to_contain_text(
        "Saved Basic life support: refresher, refresher's description, grace.")
    row = page.locator(f"#item-{bls.id}")
    expect(row).to_contain_text("Refresher: BLS update, 1 hour · grace 3 months")
    expect(row.get_by_role("link", name="Edit Basic life support")).to_be_focused()
    sign_out(page)

    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    page.set_viewport_size({"width": 390, "height": 844})    # a phone: the form opens in its row and fits
    row = page.locator(f"#item-{bls.id}")
    expect(row).to_contain_text("Expires 12 Jan 2027: completed 12 Jan 2026 + 12 months")
    expect(row).to_contain_text("Initial activity")
    row.get_by_role("link", name=re.compile("^Record refresher")).click()
    expect(row.get_by_role("group", name="Which did you complete?")).to_be_visible()
    expect(row).to_contain_text("An hour on the manikin, with a short quiz.")
    assert_inside_viewport(page, f"#item-{bls.id}")
    fill_date(row, "Date completed", "20", "2", "2026")
    row.get_by_role("button", name=re.compile("^Save")).click()
    # Saved without saying which: asked again, in place, with the date kept.
    expect(row.locator(".nhsuk-error-summary")).to_contain_text("Choose which you completed")
    expect(row.get_by_role("group", name="Date completed").get_by_label("Day", exact=True)).to_have_value("20")
    assert_inside_viewport(page, f"#item-{bls.id}")
    assert_no_axe_violations(page)
    row.get_by_label("The refresher: BLS update, 1 hour").check()
    row.get_by_role("button", name=re.compile("^Save")).click()
    expect(page.locator("#flash")).to_contain_text("Basic life support: recorded 20 Feb 2026. Status: Complete.")
    expect(row).to_contain_text("Expires 20 Feb 2027: refresher 20 Feb 2026 + 12 months")
    expect(row).to_contain_text("Refresher: BLS update, 1 hour")
    expect(row.get_by_role("link", name=re.compile("^Record refresher"))).to_be_visible()
    assert_no_axe_violations(page)
    # The Record form's own page (without JavaScript) at the narrowest width, its question and the
    # certificate's expiry date included.
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(f"{live_server}/people/{world.learner.id}/passport/items/{bls.id}/record")
    expect(page.get_by_role("group", name="Which did you complete?")).to_be_visible()
    expect(page.get_by_role("group", name="Certificate's expiry date (if it has one)")).to_be_visible()
    assert_inside_viewport(page)
