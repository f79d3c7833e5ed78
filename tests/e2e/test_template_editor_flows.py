"""An admin in a real browser builds a passport from nothing, gives it to a team by
rule, imports 200 people and their historic completions, sees the right statuses,
then changes a frequency inline and reads who it moves before saving it."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import Person
from tests import factories
from tests.e2e.conftest import assert_no_axe_violations, sign_in

PEOPLE_HEADER = "employee_number,name,email,job_role,team,start_date,role"
# Today is 2 Mar 2026 (tests.conftest.TODAY) and the warning window 60 days.
# Fire safety renewed every 12 months: done 1 Dec 2025 → Complete (expires 1 Dec 2026);
# 1 Apr 2025 → Expiring (1 Apr 2026); 1 Dec 2024 → Expired (1 Dec 2025); nothing → To do.
COMPLETED = {0: "2025-12-01", 1: "2025-04-01", 2: "2024-12-01"}
EXPECTED = {0: "Complete", 1: "Expiring", 2: "Expired", 3: "To do"}


def _add_item(page, section: str, title: str, *, code: str, months: str, competency: bool = False):
    block = page.locator("section.app-editor-section", has=page.get_by_role("heading", name=section, exact=True))
    details = block.locator("details.app-add-item")
    if details.get_attribute("open") is None:   # it stays open after an item is added, for the next one
        block.get_by_text(f"Add an item to {section}").click()
    form = block.locator("details.app-add-item form")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Reference code (optional)").fill(code)
    form.get_by_label("Renew every (months)").fill(months)
    if competency:
        form.get_by_label("Competency: an educator signs it off").check()
    form.get_by_role("button", name=re.compile("Add item")).click()
    expect(page.locator("#flash")).to_contain_text(f"Item added to {section}: {title}.")
    # The form stays open with focus moved to its title (after htmx settles), ready for the next item:
    # wait for that move, or typing into the next field could land in the title.
    expect(block.locator("details.app-add-item form").get_by_label("Title")).to_be_focused()


def _scripts_ready(page):
    """Wait for the page just opened to have run its scripts. It shows its links and forms before
    then, but htmx wires up the in-place ones (hx-get, hx-post) only once the document has loaded
    (DOMContentLoaded), when app.js also moves focus: clicked sooner, such a link or form is the plain
    one of the page without JavaScript (a full page, not the edit in place the test goes on to use)."""
    page.wait_for_load_state("domcontentloaded")


def test_admin_builds_a_passport_rules_it_to_a_team_and_imports_its_history(live_server, page, world, tmp_path):
    sign_in(page, live_server, world.admin.email, factories.PASSWORD)
    page.get_by_role("link", name="Templates").click()
    page.get_by_label("Name").fill("Ward Induction Passport")
    page.get_by_label("Start with the usual sections").uncheck()
    page.get_by_role("button", name="Create draft").click()
    expect(page.locator("#flash")).to_contain_text("Ward Induction Passport created as a draft")
    expect(page.get_by_text("Draft: nobody can be given this passport")).to_be_visible()

    # A passport with nothing in it cannot be published.
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Add at least one item before publishing")).to_be_visible()
    _scripts_ready(page)   # the refusal is a full page: its "Add section" form is sent by htmx only then

    # A section, inline: a bad offset is refused in place with the name kept.
    page.get_by_label("Section name").fill("Within 2 weeks")
    page.locator("#new-section-offset_amount").fill("two")
    page.get_by_role("button", name="Add section").click()
    expect(page.get_by_text("Enter the due offset as a whole number, for example 2.").first).to_be_visible()
    expect(page.get_by_label("Section name")).to_have_value("Within 2 weeks")
    # The error summary takes focus once htmx has settled: wait for it, or it could take the focus
    # from the field being typed into, and the typing with it.
    expect(page.locator("#new-section-errors")).to_be_focused()
    page.locator("#new-section-offset_amount").fill("2")
    page.get_by_role("button", name="Add section").click()
    expect(page.locator("#flash")).to_contain_text("Section added: Within 2 weeks.")
    expect(page.get_by_role("heading", name="Within 2 weeks", exact=True)).to_be_focused()

    _add_item(page, "Within 2 weeks", "Fire safety", code="WARD-FIRE", months="12")
    _add_item(page, "Within 2 weeks", "Hand hygiene", code="WARD-HH", months="12")
    # An item left out in error is refused in place, then added.
    block = page.locator("section.app-editor-section").first
    form = block.locator("details.app-add-item form")
    form.get_by_label("Renew every (months)").fill("0")
    form.get_by_role("button", name=re.compile("Add item")).click()
    expect(block.get_by_text("Enter the item's title").first).to_be_visible()
    expect(block.locator("details.app-add-item form").get_by_label("Renew every (months)")).to_have_value("0")
    expect(block.locator(".nhsuk-error-summary")).to_be_focused()
    assert_no_axe_violations(page)
    _add_item(page, "Within 2 weeks", "Using the hoist", code="WARD-HOIST", months="", competency=True)

    # Reorder: the hoist competency to the top, while Fire safety is open for editing in the same
    # section: the section is redrawn, and the half-typed edit is kept as it was.
    page.get_by_role("link", name="Edit Fire safety").click()
    editing = page.locator("tr.app-row--editing")
    editing.get_by_label("Title").fill("Fire safety and evacu")
    page.get_by_role("button", name="Move up Using the hoist").click()
    expect(page.locator("#flash")).to_contain_text("Using the hoist moved up.")
    # Wait for the edit to be put back, as htmx settles: until then the redrawn section's buttons are
    # not yet wired up (a second move would be a plain form, a whole page), and the edit not yet back.
    expect(page.locator("tr.app-row--editing").get_by_label("Title")).to_have_value("Fire safety and evacu")
    page.get_by_role("button", name="Move up Using the hoist").click()
    expect(page.locator("section.app-editor-section tbody tr").first).to_contain_text("Using the hoist")
    expect(page.get_by_role("button", name="Move up Using the hoist")).to_have_count(0)
    expect(page.locator("tr.app-row--editing").get_by_label("Title")).to_have_value("Fire safety and evacu")
    page.locator("tr.app-row--editing").get_by_role("link", name="Cancel").click()
    expect(page.locator("tr.app-row--editing")).to_have_count(0)
    # Cancelled in place (the row back, focus on its Edit link), not by reloading the page.
    expect(page.get_by_role("link", name="Edit Fire safety")).to_be_focused()

    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#flash")).to_contain_text("Ward Induction Passport is published")
    assert_no_axe_violations(page)

    # By rule to a team.
    page.goto(f"{live_server}/admin/rules")
    page.get_by_label("Passport").select_option(label="Ward Induction Passport")
    page.get_by_label("Occupational Therapy").check()
    page.get_by_role("button", name="Check who gains it").click()
    expect(page.locator("#rule-preview")).to_contain_text("2 people gain Ward Induction Passport now.")
    expect(page.locator("#rule-preview")).to_contain_text("Occupational Therapy: 2")
    page.get_by_role("button", name=re.compile("Add rule: 2 people gain it")).click()
    expect(page.locator("#flash")).to_contain_text("Rule added: Ward Induction Passport for Occupational Therapy team")

    # 200 people from a CSV, then their historic completions.
    people = tmp_path / "ward-people.csv"
    rows = [f"W{i:04d},Ward Person {i:03d},ward{i:03d}@example.test,Healthcare Assistant,Occupational Therapy,"
            f"2025-01-06," for i in range(200)]
    people.write_text(PEOPLE_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    page.goto(f"{live_server}/admin/import/people")
    page.get_by_label(re.compile("file of people")).set_input_files(str(people))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("button", name="Import 200 changes").click()
    expect(page.locator("#flash")).to_contain_text("Imported ward-people.csv: 200 added")

    completions = tmp_path / "ward-fire.csv"
    lines = ["employee_number,item,completed_on,expires_on"]
    lines += [f"W{i:04d},WARD-FIRE,{COMPLETED[i % 4]}," for i in range(200) if i % 4 in COMPLETED]
    completions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.goto(f"{live_server}/admin/import/completions")
    page.get_by_label(re.compile("file of completions")).set_input_files(str(completions))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("button", name="Import 150 completions").click()
    expect(page.locator("#flash")).to_contain_text("Imported ward-fire.csv: 150 completions added")

    ids = dict(db.session.execute(select(Person.employee_number, Person.id)
                                  .where(Person.employee_number.like("W%"))).all())
    for i in range(4):
        page.goto(f"{live_server}/people/{ids[f'W{i:04d}']}/passport")
        row = page.locator("tr", has=page.get_by_text("Fire safety", exact=True))
        expect(row.locator(".app-status").first).to_have_text(EXPECTED[i])
        # The rule gave it on 2 Mar 2026, after the start date: due 2 weeks later.
        expect(page.locator("tr", has=page.get_by_text("Hand hygiene", exact=True))).to_contain_text(
            "Due 16 Mar 2026: assigned 2 Mar 2026 + 2 weeks")
    expect(page.get_by_text("assigned by rule: Occupational Therapy team")).to_be_visible()

    # Fire safety every 24 months instead: the inline edit shows who moves before it is saved.
    page.get_by_role("link", name="Templates").click()
    page.get_by_role("link", name="Ward Induction Passport").click()
    expect(page.get_by_role("heading", name="Ward Induction Passport", level=1)).to_be_visible()
    _scripts_ready(page)   # its "Edit" links open the edit in place only then
    page.get_by_role("link", name="Edit Fire safety").click()
    editing = page.locator("tr.app-row--editing")
    editing.get_by_label("Renew every (months)").fill("24")
    editing.get_by_role("button", name="Save Fire safety").click()
    impact = page.locator(".app-impact")
    expect(impact).to_contain_text("100 people become Complete.")
    expect(impact).to_contain_text("Fire safety: annual → every 2 years")
    expect(impact.locator("table")).to_contain_text("Expiring")
    # Its heading takes focus once htmx has settled, and wired up the Save button under it.
    expect(impact.get_by_role("heading", name="Before you save: who this moves")).to_be_focused()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Save: 100 people change status").click()
    expect(page.locator("#flash")).to_contain_text("Saved Fire safety: frequency.")
    row = page.locator("tr", has=page.get_by_text("Fire safety", exact=True))
    expect(row).to_contain_text("Every 2 years")
    expect(row.get_by_role("link", name="Edit Fire safety")).to_be_focused()

    page.goto(f"{live_server}/people/{ids['W0002']}/passport")
    fire = page.locator("tr", has=page.get_by_text("Fire safety", exact=True))
    expect(fire.locator(".app-status").first).to_have_text("Complete")
    expect(fire).to_contain_text("Expires 1 Dec 2026: completed 1 Dec 2024 + 24 months")
