"""An admin in a real browser adds an area and its statements to a draft skills framework in place, is told
in place what publishing still needs, then publishes it (issue 16, part A)."""
from __future__ import annotations

from playwright.sync_api import expect

from skillpass.extensions import db
from skillpass.models import TemplateStatus
from tests import factories
from tests.e2e.conftest import assert_inside_viewport, assert_no_axe_violations, sign_in

STATEMENTS = {"Foundation": "I can attach a file to an email", "Intermediate": "I can set up an email rule",
              "Advanced": "I can share a mailbox with my team", "Super-user": "I can show others how to filter mail"}


def test_admin_adds_an_area_and_its_statements_in_place_and_publishes(live_server, page, world):
    factories.skills_framework(name="IT user skills", areas=("Spreadsheets",), per_level=1,
                               status=TemplateStatus.DRAFT)
    db.session.commit()
    sign_in(page, live_server, world.admin.email, factories.PASSWORD)
    page.get_by_role("link", name="Skills frameworks").click()
    expect(page.get_by_role("row", name="IT user skills")).to_contain_text("Draft")
    page.get_by_role("link", name="IT user skills").click()
    page.wait_for_load_state("domcontentloaded")

    page.get_by_label("Area name").fill("Email")
    page.get_by_role("button", name="Add area").click()
    expect(page.locator("#flash")).to_contain_text("Area added: Email.")
    area = page.locator("section.app-editor-section", has=page.get_by_role("heading", name="Email", exact=True))
    wording = area.get_by_label("Statement", exact=True)
    expect(wording).to_be_focused()            # ready for its first statement
    expect(area).to_contain_text("No statement yet at: Foundation, Intermediate, Advanced, Super-user.")

    # Publishing now is refused, saying which area lacks which levels.
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("This framework cannot be published yet")).to_be_visible()
    expect(page.get_by_role("link", name="Email has no statement at Foundation, Intermediate, Advanced and "
                                        "Super-user.")).to_be_visible()
    page.wait_for_load_state("domcontentloaded")
    assert_no_axe_violations(page)

    area = page.locator("section.app-editor-section", has=page.get_by_role("heading", name="Email", exact=True))
    for level, text in STATEMENTS.items():
        area.get_by_label("Level").select_option(label=level)
        area.get_by_label("Statement", exact=True).fill(text)
        area.get_by_role("button", name="Add statement").click()
        expect(page.locator("#flash")).to_contain_text(f"Statement added to Email at {level}: {text}")
        expect(area.get_by_text(text, exact=True)).to_be_visible()
        expect(area.get_by_label("Statement", exact=True)).to_be_focused()
    expect(area).not_to_contain_text("No statement yet at")
    assert_inside_viewport(page, "#framework-body")

    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#flash")).to_contain_text("IT user skills is published")
    expect(page.locator("h1")).to_contain_text("Published")
