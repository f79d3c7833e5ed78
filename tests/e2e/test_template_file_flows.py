"""In a real browser: an admin downloads a passport template as a file from its page, imports that file (a
preview first, with the name it will take), and finds the new draft in the editor with its items; the import page
and its preview fit a 320 px screen."""
from __future__ import annotations

import json

from playwright.sync_api import expect

from skillpass.extensions import db
from skillpass.services import national_names
from tests import factories
from tests.e2e.conftest import assert_inside_viewport, assert_no_axe_violations, resize, sign_in


def test_an_admin_downloads_a_template_and_imports_it_as_a_new_draft(live_server, page, world, tmp_path):
    national_names.set_names(world.fire, ["NHS|CSTF|Fire Safety - 2 Years|"])
    db.session.commit()
    sign_in(page, live_server, world.admin.email, factories.PASSWORD)
    page.goto(f"{live_server}/admin/templates/{world.template.id}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as a file").click()
    assert download.value.suggested_filename == "skillpass-template-ahp-support-worker-skills-passport-v1.json"
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert json.loads(saved.read_text(encoding="utf-8"))["template"]["name"] == "AHP Support Worker Skills Passport"

    page.goto(f"{live_server}/admin/templates/")
    page.get_by_role("link", name="Import a passport template from a file").click()
    expect(page.get_by_role("heading", name="Import a passport template", exact=True)).to_be_visible()
    page.get_by_label("Passport template file (.json)").set_input_files(str(saved))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name=f"Ready to import {saved.name}")).to_be_visible()
    expect(page.get_by_text("it will be imported as AHP Support Worker Skills Passport (imported)")).to_be_visible()
    expect(page.get_by_role("table", name="Within 2 weeks: due 2 weeks after the start date")).to_contain_text(
        "NHS|CSTF|Fire Safety - 2 Years|")
    assert_no_axe_violations(page)
    resize(page, 320)
    assert_inside_viewport(page, "main")
    page.get_by_role("button", name="Import as a draft").click()

    expect(page.get_by_role("heading", name="AHP Support Worker Skills Passport (imported)")).to_be_visible()
    expect(page.locator("#flash")).to_contain_text("imported from")
    expect(page.get_by_text("Draft:", exact=True)).to_be_visible()
    expect(page.locator("main")).to_contain_text("Fire safety")
    expect(page.locator("main")).to_contain_text("Reflective practice")


def test_a_file_of_another_kind_is_refused_in_place(live_server, page, world, tmp_path):
    other = tmp_path / "people.json"
    other.write_text('{"people": []}', encoding="utf-8")
    sign_in(page, live_server, world.admin.email, factories.PASSWORD)
    page.goto(f"{live_server}/admin/templates/import")
    page.get_by_label("Passport template file (.json)").set_input_files(str(other))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was imported from people.json")
    expect(page.locator("#template-file-error")).to_contain_text("not a SkillPass passport template")
    resize(page, 320)
    assert_inside_viewport(page, "main")
    assert_no_axe_violations(page)
