"""What people do most, in a real browser: sign in, record learning inline,
watch the passport update without a reload; the same without JavaScript."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import assert_no_axe_violations, sign_in, sign_out
from tests.e2e.dates import date_group, expect_date, fill_date


def _row(page, item):
    return page.locator(f"#item-{item.id}")


def test_learner_records_an_item_and_the_passport_updates_in_place(live_server, page, world):
    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    expect(page.get_by_role("heading", name="My passport")).to_be_visible()
    summary = page.locator("#passport-summary")
    expect(summary).to_contain_text("0% compliant")
    progress = page.locator(f"#section-{world.week2.id}-progress")
    expect(progress).to_contain_text("0 of 1")
    expect(_row(page, world.fire)).to_contain_text("Overdue")
    page.evaluate("window.__noReload = true")

    _row(page, world.fire).get_by_role("link", name="Record Fire safety").click()
    expect(date_group(page, "Date completed").get_by_label("Day", exact=True)).to_be_focused()
    fill_date(page, "Date completed", "15", "1", "2026")
    page.get_by_role("button", name="Save Fire safety").click()

    row = _row(page, world.fire)
    expect(row).to_contain_text("Complete")
    expect(row).to_contain_text("Expires 15 Jan 2028: completed 15 Jan 2026 + 24 months")
    expect(summary).to_contain_text("100% compliant")
    expect(progress).to_contain_text("1 of 1")
    expect(page.locator("#flash")).to_contain_text("Fire safety: recorded 15 Jan 2026. Status: Complete.")
    expect(row.get_by_role("link", name="Record renewal Fire safety")).to_be_focused()
    assert page.evaluate("window.__noReload") is True


def test_a_bad_date_is_refused_in_place_with_the_input_kept(live_server, page, world):
    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    _row(page, world.stress).get_by_role("link", name="Record Managing work and life stress").click()
    fill_date(page, "Date completed", "1", "6", "2025")  # before the start date, 5 Jan 2026
    page.get_by_role("button", name="Save Managing work and life stress").click()
    row = _row(page, world.stress)
    expect(row.locator(".nhsuk-error-message")).to_contain_text("before your start date")
    expect(row.locator(".nhsuk-error-summary")).to_be_focused()
    expect_date(page, "Date completed", "1", "6", "2025")
    assert_no_axe_violations(page)

    # Follow the advice: equivalent training demonstrated, with where.
    page.get_by_label("Equivalent training demonstrated").check()
    page.get_by_label("Organisation or qualification").fill("Leeds Teaching Hospitals NHS Trust")
    page.get_by_role("button", name="Save Managing work and life stress").click()
    expect(row).to_contain_text("awaiting sign-off")
    expect(row).to_contain_text("Equivalent training demonstrated at Leeds Teaching Hospitals NHS Trust")


def test_learner_withdraws_a_competency_awaiting_sign_off(live_server, page, world):
    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    row = _row(page, world.competency)
    row.get_by_role("link", name="Record Moving a patient with a hoist").click()
    page.get_by_role("button", name="Save Moving a patient with a hoist").click()
    expect(row).to_contain_text("awaiting sign-off")
    expect(page.locator("#passport-summary")).to_contain_text("Awaiting sign-off 1")
    row.get_by_role("link", name="Withdraw entry for Moving a patient with a hoist").click()
    # It asks first, naming the item; focus is on the question, not on the button that withdraws.
    expect(row.get_by_role("heading", name="Withdraw your claim for Moving a patient with a hoist?")).to_be_focused()
    row.get_by_role("button", name=re.compile("^Yes, withdraw")).click()
    expect(row).not_to_contain_text("awaiting sign-off")
    expect(row.get_by_role("link", name="Record Moving a patient with a hoist")).to_be_visible()
    expect(page.locator("#passport-summary")).to_contain_text("Awaiting sign-off 0")


def test_learner_adds_informal_learning_inline(live_server, page, world):
    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    page.get_by_text("Add informal learning").click()
    page.get_by_role("button", name="Add to my log").click()
    expect(page.locator("#informal-learning .nhsuk-error-message")).to_contain_text("Enter what you learned")
    page.get_by_label("What did you learn?").fill("Shadowed the falls team")
    page.get_by_label("Hours (optional)").fill("3.5")
    page.get_by_role("button", name="Add to my log").click()
    table = page.locator("#informal-learning table")
    expect(table).to_contain_text("Shadowed the falls team")
    expect(table).to_contain_text("3.5 hours")
    expect(page.locator("#flash")).to_contain_text("Added to your informal learning log")


def test_everything_works_without_javascript(live_server, browser, world):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live_server, world.learner.email, factories.PASSWORD)
        page.get_by_role("link", name="Record Fire safety").click()
        expect(page.get_by_role("heading", name="Record: Fire safety")).to_be_visible()
        fill_date(page, "Date completed", "5", "3", "2026")  # the future
        page.get_by_role("button", name="Save Fire safety").click()
        expect(page.locator(".nhsuk-error-message")).to_contain_text("cannot be in the future")
        fill_date(page, "Date completed", "15", "1", "2026")
        page.get_by_role("button", name="Save Fire safety").click()
        expect(page).to_have_url(re.compile(r"/passport#item-\d+$"))
        expect(page.locator("#flash")).to_contain_text("Fire safety: recorded 15 Jan 2026")
        expect(page.locator(f"#item-{world.fire.id}")).to_contain_text("Complete")

        page.get_by_text("Add informal learning").click()  # <details> opens without JavaScript
        page.get_by_label("What did you learn?").fill("Read the falls policy")
        page.get_by_role("button", name="Add to my log").click()
        expect(page.locator("#informal-learning")).to_contain_text("Read the falls policy")

        sign_out(page)
        expect(page.get_by_role("heading", name="Sign in to SkillPass")).to_be_visible()
    finally:
        context.close()


def test_admin_finds_a_learner_and_opens_the_passport_and_pdf(live_server, page, world):
    sign_in(page, live_server, world.admin.email, factories.PASSWORD)
    page.get_by_role("link", name="People", exact=True).click()
    expect(page.get_by_role("heading", name="People")).to_be_visible()
    page.get_by_label(re.compile("Search by name")).press_sequentially("lee", delay=20)
    results = page.locator("#people-results")
    expect(results).to_contain_text("1 person matching")
    expect(page).to_have_url(re.compile(r"/people/\?q=lee"))
    results.get_by_role("link", name="Lee Learner").click()
    expect(page.get_by_role("heading", name="Lee Learner")).to_be_visible()
    # The learner's own Record is not the admin's: they record for them, as themselves.
    expect(page.get_by_role("link", name=re.compile("^Record(?! observed| for)"))).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Record for Lee Learner")).first).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Record observed practice"))).to_have_count(1)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"


def test_pages_have_no_accessibility_violations(live_server, page, world):
    page.goto(f"{live_server}/sign-in")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Sign in").click()  # empty: errors shown
    expect(page.get_by_role("link", name="Enter your email address")).to_be_visible()
    assert_no_axe_violations(page)
    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    assert_no_axe_violations(page)
    _row(page, world.fire).get_by_role("link", name="Record Fire safety").click()
    expect(date_group(page, "Date completed")).to_be_visible()
    assert_no_axe_violations(page)
    page.goto(f"{live_server}/people/{world.learner.id}/passport/print")
    assert_no_axe_violations(page)
    page.goto(f"{live_server}/people/{world.learner.id}/passport/items/{world.fire.id}/record")
    assert_no_axe_violations(page)
    sign_out(page)
    sign_in(page, live_server, world.admin.email, factories.PASSWORD)
    page.goto(f"{live_server}/people/")
    assert_no_axe_violations(page)
