"""The issue's "done when", on the demo trust itself: the demo learner records
an item and sees it Complete; the demo admin finds them and downloads the PDF,
which holds the item, its date and its status."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from skillpass import demo
from skillpass.extensions import db
from skillpass.models import Item
from tests.conftest import TODAY
from tests.e2e.conftest import sign_in, sign_out


def test_demo_learner_records_and_the_admin_prints_it(live_server, page, app):
    demo.seed(today=TODAY)
    db.session.commit()
    item = db.session.scalar(select(Item).where(Item.title == "Managing work and life stress"))

    sign_in(page, live_server, demo.LEARNER_EMAIL, demo.DEMO_PASSWORD)
    row = page.locator(f"#item-{item.id}")
    expect(row).to_contain_text("Overdue")
    row.get_by_role("link", name=re.compile("^Record")).click()
    row.get_by_role("button", name=re.compile("^Save")).click()  # today is the default date
    expect(row).to_contain_text("Complete")
    expect(row).to_contain_text("2 Mar 2026")
    expect(page.locator("#flash")).to_contain_text("Managing work and life stress: recorded 2 Mar 2026")

    sign_out(page)
    sign_in(page, live_server, demo.ADMIN_EMAIL, demo.DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="How compliant are we?")).to_be_visible()
    page.get_by_role("link", name="People", exact=True).click()
    page.get_by_label(re.compile("Search by name")).press_sequentially("sam tay", delay=20)
    page.locator("#people-results").get_by_role("link", name="Sam Taylor").click()
    expect(page.get_by_role("heading", name="Sam Taylor")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(download.value.path()).pages).split())
    assert "Sam Taylor" in text and "Northgate Community NHS Trust" in text
    match = re.search(r"Managing work and life stress.{0,200}", text)
    assert match, text[:2000]
    assert "2 Mar 2026" in match.group(0) and "Complete" in match.group(0)
