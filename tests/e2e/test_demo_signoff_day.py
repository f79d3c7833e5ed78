"""Issue "sign-off" done-when, on the demo trust, in a real browser:

1. the demo learner records a competency; the demo educator approves it from the
   queue; the learner sees it Complete with the sign-off; the PDF prints the
   educator's name, job title and date;
2. a prior-learning claim with a certificate is rejected with a reason, the
   learner sees it, submits again, it is accepted; the audit log shows the four steps.
"""
from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from skillpass import demo
from skillpass.extensions import db
from skillpass.models import Entry, EntryStatus, Item, Person
from tests import factories
from tests.conftest import TODAY
from tests.e2e.conftest import sign_in, sign_out
from tests.e2e.dates import fill_date

PDF = factories.pdf()


def _as(page, live_server, email):
    if page.get_by_role("button", name="Sign out").count():
        sign_out(page)
    sign_in(page, live_server, email, demo.DEMO_PASSWORD)


def test_a_competency_recorded_approved_and_printed(live_server, page, app):
    demo.seed(today=TODAY)
    db.session.commit()
    hoist = db.session.scalar(select(Item).where(Item.title == "Safe use of a hoist (observed practice)"))
    sam = db.session.scalar(select(Person).where(Person.email == demo.LEARNER_EMAIL))

    # The learner's earlier entry waits; they withdraw it and record the competency again, today.
    _as(page, live_server, demo.LEARNER_EMAIL)
    row = page.locator(f"#item-{hoist.id}")
    row.get_by_role("link", name=re.compile("^Withdraw")).click()
    row.get_by_role("button", name=re.compile("^Yes, withdraw")).click()
    expect(page.locator("#flash")).to_contain_text("withdrawn")
    row.get_by_role("link", name=re.compile("^Record")).click()
    row.get_by_role("button", name=re.compile("^Save")).click()
    expect(row).to_contain_text("awaiting sign-off")

    # The educator approves it from the queue.
    _as(page, live_server, demo.EDUCATOR_EMAIL)
    entry = db.session.scalar(select(Entry).where(Entry.item_id == hoist.id, Entry.person_id == sam.id,
                                                  Entry.status == EntryStatus.AWAITING))
    queue_row = page.locator(f"#queue-entry-{entry.id}")
    expect(queue_row).to_contain_text("Sam Taylor")
    before = int(re.match(r"\d+", page.locator("#queue-count").inner_text()).group(0))
    queue_row.get_by_role("button", name=re.compile("^Approve")).click()
    expect(queue_row).to_have_count(0)
    expect(page.locator("#queue-count")).to_have_text(re.compile(rf"^{before - 1}\b"))

    # The learner sees it Complete with the sign-off; the PDF prints it.
    _as(page, live_server, demo.LEARNER_EMAIL)
    row = page.locator(f"#item-{hoist.id}")
    expect(row).to_contain_text("Complete")
    expect(row).to_contain_text("Signed off by Priya Shah, Practice Educator, 2 Mar 2026")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(download.value.path()).pages).split())
    found = re.search(r"Safe use of a hoist.{0,300}", text)
    assert found and "Priya Shah, Practice Educator" in found.group(0) and "2 Mar 2026" in found.group(0), text[:3000]


def test_a_prior_learning_claim_rejected_resubmitted_and_accepted(live_server, page, app, tmp_path):
    demo.seed(today=TODAY)
    db.session.commit()
    conflict = db.session.scalar(select(Item).where(Item.code == "CSTF-CR"))
    certificate = tmp_path / "conflict-resolution.pdf"
    certificate.write_bytes(PDF)

    def claim(source):
        row = page.locator(f"#item-{conflict.id}")
        row.get_by_role("link", name=re.compile("^Record")).click()
        fill_date(row, "Date completed", "3", "3", "2025")
        row.get_by_label("Equivalent training demonstrated").check()
        row.get_by_label("Organisation or qualification").fill(source)
        row.get_by_label(re.compile("evidence", re.I)).set_input_files(str(certificate))
        row.get_by_role("button", name=re.compile("^Save")).click()
        expect(row).to_contain_text("awaiting sign-off")
        expect(row).to_contain_text("conflict-resolution.pdf")

    _as(page, live_server, demo.LEARNER_EMAIL)
    claim("Online course")

    _as(page, live_server, demo.EDUCATOR_EMAIL)
    page.get_by_label("Kind").select_option("equivalent training demonstrated")
    # The filter swaps the queue in: wait for it (the URL follows the swap), or a row opened now is redrawn closed.
    expect(page).to_have_url(re.compile(r"[?&]kind=equivalent"))
    queue_row = page.locator("#queue tbody[id^=queue-entry-]", has_text="Conflict Resolution")
    expect(queue_row).to_contain_text("Equivalent training demonstrated at Online course, 3 Mar 2025")
    expect(queue_row.get_by_role("link", name=re.compile("conflict-resolution.pdf"))).to_be_visible()
    queue_row.locator("summary", has_text="Reject").click()
    queue_row.get_by_label("Other").check()
    queue_row.get_by_label("Reason in your own words").fill("Name the organisation that ran the course.")
    queue_row.get_by_role("button", name=re.compile("^Reject")).click()
    expect(queue_row).to_have_count(0)

    _as(page, live_server, demo.LEARNER_EMAIL)
    row = page.locator(f"#item-{conflict.id}")
    expect(row).to_contain_text("was rejected by Priya Shah: Name the organisation that ran the course.")
    claim("Leeds Teaching Hospitals NHS Trust")

    _as(page, live_server, demo.EDUCATOR_EMAIL)
    queue_row = page.locator("#queue tbody[id^=queue-entry-]", has_text="Conflict Resolution")
    queue_row.get_by_role("button", name=re.compile("^Approve")).click()
    expect(queue_row).to_have_count(0)

    _as(page, live_server, demo.LEARNER_EMAIL)
    row = page.locator(f"#item-{conflict.id}")
    expect(row).to_contain_text("Complete")
    expect(row).to_contain_text("Equivalent training demonstrated at Leeds Teaching Hospitals NHS Trust, 3 Mar 2025")
    expect(row).to_contain_text("Accepted by Priya Shah, Practice Educator, 2 Mar 2026")

    _as(page, live_server, demo.ADMIN_EMAIL)
    page.goto(f"{live_server}/admin/audit?person=Sam+Taylor")
    results = page.locator("#audit-results")
    for action in ("Entry recorded", "Rejected", "Approved"):
        expect(results).to_contain_text(action)
    texts = results.locator("tbody tr").all_inner_texts()
    conflict_rows = [t for t in texts if "Conflict Resolution" in t]
    assert len(conflict_rows) == 4, conflict_rows
    assert ["Approved" in conflict_rows[0], "Entry recorded" in conflict_rows[1],
            "Rejected" in conflict_rows[2], "Entry recorded" in conflict_rows[3]] == [True] * 4
