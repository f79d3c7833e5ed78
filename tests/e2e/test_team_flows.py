"""An educator in a real browser: their team's matrix, filtered in place (the URL
follows, the back button works), who lapses in the next 60 days, an Excel
export, and the whole team's passports printed as one PDF behind a progress bar."""
from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus
from tests import factories
from tests.e2e.conftest import assert_no_axe_violations, sign_in


def _accepted(person, item, on):
    db.session.add(Entry(person_id=person.id, item_id=item.id, completed_on=on, method=EntryMethod.HERE,
                         status=EntryStatus.ACCEPTED, recorded_by_id=person.id))


def test_educator_reads_the_team_exports_it_and_prints_it(live_server, page, world, tmp_path):
    # Physiotherapy (team A): the learner's fire safety expires 1 Apr 2026 (30 days after today, 2 Mar 2026);
    # a new starter has nothing due yet; the educator holds the passport too and is overdue.
    steady = factories.person(name="Sam Steady", team=world.team_a, email="sam@example.test",
                              start_date=dt.date(2026, 2, 23))
    factories.assign(steady, world.template)
    _accepted(world.learner, world.fire, dt.date(2024, 4, 1))
    db.session.commit()

    sign_in(page, live_server, world.educator.email, factories.PASSWORD)
    page.get_by_role("link", name="Team", exact=True).click()
    expect(page.get_by_role("heading", name="Team compliance")).to_be_visible()
    results = page.locator("#team-results")
    expect(results).to_contain_text("3 people shown")
    expect(page.locator(".app-matrix").get_by_role("link", name="Sam Steady", exact=True)).to_be_visible()
    cell = results.get_by_role("link", name="Lee Learner, Fire safety: Expiring")
    expect(cell).to_be_visible()
    cell.focus()
    expect(cell.locator(".app-cell__date")).to_be_visible()
    expect(cell).to_contain_text("Expires 1 Apr 2026")
    assert_no_axe_violations(page)

    # Who lapses in the next 60 days.
    lapsing = page.locator(".app-lapse-list")
    expect(lapsing).to_contain_text("Lee Learner")
    expect(lapsing).to_contain_text("Fire safety: expires 1 Apr 2026")

    # Only people out of compliance (the educator, whose fire safety is overdue): swapped in place, the URL follows, Back restores it.
    page.get_by_label("Only people out of compliance").check()
    expect(results).to_contain_text("out of compliance")
    expect(page.locator(".app-matrix").get_by_role("link", name="Sam Steady", exact=True)).to_have_count(0)
    expect(page).to_have_url(re.compile(r"[?&]out=1"))
    page.go_back()
    expect(page.locator(".app-matrix").get_by_role("link", name="Sam Steady", exact=True)).to_be_visible()
    page.go_forward()
    expect(page.locator(".app-matrix").get_by_role("link", name="Sam Steady", exact=True)).to_have_count(0)

    # The matrix as an Excel workbook, as filtered.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Excel compliance matrix").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(open(download.path(), "rb").read())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Employee number", "Name", "Team", "Job role", "Compliance %")
    names = [r[1] for r in rows[1:]]
    assert names == ["Eve Educator"]

    # The whole team as one PDF, with a progress bar while it is made.
    page.get_by_label("Only people out of compliance").uncheck()
    expect(page.locator(".app-matrix").get_by_role("link", name="Sam Steady", exact=True)).to_be_visible()
    page.get_by_role("button", name="Print 3 passports as one PDF").click()
    expect(page.get_by_role("heading", name="Passports: Physiotherapy")).to_be_visible()
    assert_no_axe_violations(page)
    link = page.get_by_role("link", name="Download the PDF")
    expect(link).to_be_visible(timeout=60_000)
    expect(link).to_be_focused()
    with page.expect_download() as download_info:
        link.click()
    reader = PdfReader(download_info.value.path())
    text = [p.extract_text() for p in reader.pages]
    starts = [i for i, t in enumerate(text) if "Skills passport" in t and "Page 1 of" in t]
    assert len(starts) == 3, text
    for name in ("Eve Educator", "Lee Learner", "Sam Steady"):
        assert any(name in text[i] for i in starts), name


def test_admin_overview_answers_how_compliant_we_are(live_server, page, world):
    _accepted(world.learner, world.fire, dt.date(2023, 4, 1))   # expired
    db.session.commit()
    sign_in(page, live_server, world.admin.email, factories.PASSWORD)
    expect(page.get_by_role("heading", name="How compliant are we?")).to_be_visible()
    expect(page.locator(".app-figure").first).to_contain_text("compliant")
    ranked = page.get_by_role("table", name="Teams ranked by compliance, least compliant first")
    expect(ranked.get_by_role("link", name="Physiotherapy")).to_be_visible()
    worst = page.get_by_role("table", name="Items with the most people overdue or expired")
    expect(worst).to_contain_text("Fire safety")
    assert_no_axe_violations(page)
    ranked.get_by_role("link", name="Physiotherapy").click()
    expect(page.locator("#team-results h2").first).to_have_text("Physiotherapy")
    page.get_by_role("link", name="See the monthly compliance trend").wait_for(state="detached")
    expect(page.get_by_role("table", name="Compliance by month")).to_be_visible()
    assert_no_axe_violations(page)


def test_new_admin_pages_have_no_accessibility_violations(live_server, page, world):
    """axe-core on the pages not already checked in a flow: lists, full-page fallbacks, confirmations."""
    _accepted(world.learner, world.fire, dt.date(2024, 4, 1))
    db.session.commit()
    sign_in(page, live_server, world.admin.email, factories.PASSWORD)
    for path in ("/admin/templates/", f"/admin/templates/items/{world.fire.id}/edit",
                 f"/admin/templates/sections/{world.week2.id}/edit", f"/team/trend?team={world.team_a.id}",
                 "/team/?days=90&status=expiring"):
        page.goto(f"{live_server}{path}")
        assert_no_axe_violations(page)
    # The impact preview on the full-page (no JavaScript) item form, and the archive confirmation.
    page.goto(f"{live_server}/admin/templates/items/{world.fire.id}/edit")
    page.get_by_label("Renew every (months)").fill("12")
    page.get_by_role("button", name="Save Fire safety").click()
    expect(page.locator(".app-impact")).to_contain_text("1 person becomes Expired.")
    assert_no_axe_violations(page)
    page.goto(f"{live_server}/admin/templates/{world.template.id}")
    page.get_by_role("button", name="Archive…").click()
    expect(page.get_by_role("heading", name=f"Archive {world.template.name}?")).to_be_visible()
    assert_no_axe_violations(page)
    page.goto(f"{live_server}/admin/settings")
    page.get_by_label("Warning window").fill("14")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".app-impact")).to_contain_text("1 person becomes Complete.")
    assert_no_axe_violations(page)
