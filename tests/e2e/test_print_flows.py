"""The printed passport in the browser: printed from Chromium (the same page a person prints with Ctrl+P),
every page says whose passport it is and a continued table repeats its section's name; the page passes axe
and fits a phone's screen."""
from __future__ import annotations

import io

from playwright.sync_api import expect
from pypdf import PdfReader

from skillpass.extensions import db
from tests import factories
from tests.e2e.conftest import assert_inside_viewport, assert_no_axe_violations, sign_in


def _long_passport(world, items=40):
    for n in range(items):
        factories.item(world.week2, f"Long topic number {n:02d}", frequency_months=12, position=10 + n)
    db.session.commit()


def test_a_browser_print_names_the_person_on_every_page(live_server, page, world):
    _long_passport(world)
    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    page.goto(f"{live_server}/people/{world.learner.id}/passport/print")
    expect(page.get_by_role("button", name="Print this page")).to_be_visible()
    # On screen the name is in the page's head once; the tables' heads say it only on paper.
    expect(page.locator(".running-person").first).to_be_hidden()
    pdf = page.pdf(prefer_css_page_size=True)      # Chromium's print, with the print stylesheet
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) >= 3
    for number, text in enumerate(pages, 1):
        assert "Skills passport: Lee Learner" in text, (number, text[:200])
        assert f"Page {number} of {len(pages)}" in text, number
    continued = [text for text in pages if "Long topic number" in text][1:]
    assert continued
    for text in continued:
        assert "Within 2 weeks" in text.split("Topic (Corporate lead)")[0], text[:120]   # just above its columns
    assert "Signatures" in pages[-1]
    assert "Toolbar" not in pages[0] and "Download PDF" not in " ".join(pages)


def test_the_print_page_passes_axe_and_fits_a_phone(live_server, page, world):
    _long_passport(world, items=3)
    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server}/people/{world.learner.id}/passport/print")
        expect(page.get_by_role("heading", name="Skills passport", exact=True)).to_be_visible()
        assert_no_axe_violations(page)
        assert_inside_viewport(page)
