"""In a real browser: an ESR-style completions file is previewed with its matched, skipped and suggested rows
(PRODUCT.md §6.1: exact matching, unknown subjects skipped), then imported; the passport shows exactly those."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from skillpass.extensions import db
from tests import factories
from tests.e2e.conftest import assert_no_axe_violations, sign_in

MH2 = "NHS|CSTF|Moving and Handling - Level 2 - 2 Years|"
FIRE2 = "NHS|CSTF|Fire Safety - 2 Years|"


def test_the_import_preview_shows_matched_skipped_and_suggested_rows(live_server, page, world, tmp_path):
    core = factories.template("Core Skills (CSTF)")
    section = factories.section(core, "Within 2 weeks", 2, "weeks")
    factories.item(section, "Moving and Handling (level 2)", code="CSTF-MH2", frequency_months=24, names=(MH2,))
    factories.item(section, "Fire Safety", code="CSTF-FIRE-CORE", frequency_months=24, names=(FIRE2,), position=1)
    factories.assign(world.learner, core)
    db.session.commit()
    n = world.learner.employee_number
    esr = tmp_path / "esr.csv"
    esr.write_text("\n".join([
        "employee_number,item,completed_on,expires_on",
        f"{n},NHS|CSTF|Moving and Handling - Level 1 - 3 Years|,2025-01-10,",
        f"{n},{MH2},2025-02-10,",
        f"{n},NHS|CSTF|Fire Safety - 1 Year|,2025-03-10,",
        f"{n},{FIRE2},2025-04-10,",
        f"{n},123|LOCAL|Sharps Awareness|,2025-06-10,",
    ]) + "\n", encoding="utf-8")

    sign_in(page, live_server, world.admin.email, factories.PASSWORD)
    page.goto(f"{live_server}/admin/import/completions")
    page.get_by_label("CSV or Excel (.xlsx) file of completions").set_input_files(str(esr))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Ready to import esr.csv")).to_be_visible()
    expect(page.get_by_text("3 rows skipped, not in any passport")).to_be_visible()
    matched = page.get_by_role("table", name="What the rows were matched to")
    expect(matched).to_contain_text("Moving and Handling (level 2)")
    expect(matched).to_contain_text("Fire Safety")
    skipped = page.get_by_role("table", name="Skipped, not in any passport")
    expect(skipped).to_contain_text("NHS|CSTF|Moving and Handling - Level 1 - 3 Years|")
    expect(skipped).to_contain_text("123|LOCAL|Sharps Awareness|")
    expect(skipped.get_by_role("row", name=re.compile(r"Fire Safety - 1 Year"))).to_contain_text(
        f"Did you mean {FIRE2} (CSTF-FIRE-CORE)?")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Import 2 completions").click()
    expect(page.locator("#flash")).to_contain_text("Imported esr.csv: 2 completions added")
