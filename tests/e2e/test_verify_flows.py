"""The verify link, end to end (issue 18, part B): a learner downloads their printed passport, the test reads the
QR code off the PDF's first page (rendered as a picture: nothing else is scanned), opens the address it holds and
sees the verify page with their items and no employee number; then the learner withdraws the link and the same
address answers that it was withdrawn."""
from __future__ import annotations

import datetime as dt

import pypdfium2
import zxingcpp
from playwright.sync_api import expect

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus
from tests import factories
from tests.conftest import TODAY
from tests.e2e.conftest import assert_inside_viewport, assert_no_axe_violations, sign_in


def _qr_of_first_page(pdf_path) -> list[str]:
    document = pypdfium2.PdfDocument(str(pdf_path))
    try:
        image = document[0].render(scale=3).to_pil()
    finally:
        document.close()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)
            if barcode.format == zxingcpp.BarcodeFormat.QRCode]


def test_the_printed_qr_code_opens_the_verify_page_until_the_link_is_withdrawn(live_server, page, world, tmp_path):
    world.learner.employee_number = "E40417"
    db.session.add(Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=TODAY - dt.timedelta(days=40),
                         method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id))
    db.session.commit()
    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    page.goto(live_server + "/passport")
    # Laying out the PDF can take a few seconds on a busy machine: wait for the file, not for a time.
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("link", name="Download PDF").first.click(timeout=60_000)
    pdf = tmp_path / "passport.pdf"
    download.value.save_as(pdf)

    [address] = _qr_of_first_page(pdf)
    assert address.startswith(live_server + "/v/")

    page.goto(address)
    expect(page.get_by_role("heading", level=1, name="Lee Learner")).to_be_visible()
    expect(page.get_by_role("heading", name="AHP Support Worker Skills Passport")).to_be_visible()
    expect(page.get_by_text("Fire safety")).to_be_visible()
    expect(page.get_by_text("Authentic and current")).to_be_visible()
    assert "E40417" not in page.content() and world.learner.email not in page.content()
    assert_no_axe_violations(page)
    page.set_viewport_size({"width": 320, "height": 800})
    assert_inside_viewport(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    # The learner withdraws it from their passport's header.
    page.goto(live_server + "/passport")
    page.get_by_role("link", name="Verify link").click()
    expect(page.get_by_role("heading", name="Your verify link")).to_be_visible()
    expect(page.get_by_role("link", name=address)).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Withdraw the link", exact=True).click()
    expect(page.get_by_text("The verify link has been withdrawn")).to_be_visible()
    expect(page.get_by_text("You have no live verify link")).to_be_visible()

    page.goto(address)
    expect(page.get_by_role("heading", name="This link has been withdrawn")).to_be_visible()
    expect(page.get_by_text("Fire safety")).to_have_count(0)
