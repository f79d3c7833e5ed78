"""An admin in a real browser: a CSV of people previewed, refused with its problems,
then imported; a rule gives them their passport; axe on the import pages."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import assert_no_axe_violations, sign_in

HEADER = "employee_number,name,email,job_role,team,start_date,role"


def test_admin_previews_a_bad_csv_then_imports_a_good_one(live_server, page, world, tmp_path):
    sign_in(page, live_server, world.admin.email, factories.PASSWORD)
    # A rule first: everyone in Occupational Therapy gets the AHP passport.
    page.goto(f"{live_server}/admin/rules")
    page.get_by_label("Passport").select_option(label=world.template.name)
    page.get_by_label("Occupational Therapy").check()
    page.get_by_role("button", name="Check who gains it").click()
    expect(page.locator("#rule-preview")).to_contain_text("1 person gains")   # Oscar, in place (htmx)
    page.get_by_role("button", name=re.compile("Add rule: 1 person gains it")).click()
    expect(page.locator("#flash")).to_contain_text("Rule added")

    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\nE1,Ann Able,ann@example.test,,Cardiology,2026-01-05,\n"
                   f"E1,Bea Bold,bea@example.test,,,31/02/2026,\n", encoding="utf-8")
    page.goto(f"{live_server}/people/")
    page.get_by_role("link", name="Import people").click()
    page.get_by_label(re.compile("file of people")).set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name=re.compile("Nothing was imported: 3 problems in bad.csv"))).to_be_visible()
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()     # read out first, without htmx too
    problems = page.locator("table").last
    expect(problems).to_contain_text("No team is called “Cardiology”")
    expect(problems).to_contain_text("Also on row 2.")
    assert_no_axe_violations(page)

    good = tmp_path / "ward.csv"
    good.write_text(f"{HEADER}\nE1,Ann Able,ann@example.test,Healthcare Assistant,Occupational Therapy,2026-01-05,\n"
                    f"E2,Bea Bold,bea@example.test,Porter,,05/01/2026,\n", encoding="utf-8")
    page.get_by_label(re.compile("file of people")).set_input_files(str(good))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Ready to import ward.csv")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Import 2 changes").click()
    expect(page.locator("#flash")).to_contain_text("Imported ward.csv: 2 added, 0 updated, 0 unchanged.")
    page.get_by_role("link", name="Not now: back to People").click()     # the import offers to invite them

    page.get_by_label(re.compile("Search by name")).press_sequentially("ann", delay=20)
    page.locator("#people-results").get_by_role("link", name="Ann Able").click()
    expect(page.get_by_text("assigned by rule: Occupational Therapy team")).to_be_visible()
