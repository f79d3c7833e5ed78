"""Issue 16's day in a real browser: a learner assesses themselves in three areas and sees their gaps against
their job role's targets; their educator confirms one area; the team's skills report shows all three cells
with the right words (the confirmed level counting where there is one)."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from skillpass.extensions import db
from skillpass.models import SkillTarget
from skillpass.services.skills import standing
from tests import factories
from tests.e2e.conftest import assert_no_axe_violations, sign_in, sign_out


def _answer(page, area: str, yes_up_to: int) -> None:
    """Answer the area's one statement a level: yes up to *yes_up_to*, no above; wait for each save."""
    panel = page.locator("#area-level-panel")
    for level in range(1, 5):
        group = page.get_by_role("group", name=f"{area}: level {level} statement 1")
        group.get_by_label("Yes" if level <= yes_up_to else "No").check()
        expect(panel).to_contain_text(f"{level} of 4 statements answered")


def test_assess_three_areas_see_the_gaps_confirm_one_and_read_the_team_snapshot(live_server, page, world):
    fw = factories.skills_framework(areas=("Email", "Spreadsheets", "Word processing"), per_level=1)
    areas = {a.name: a for a in standing.live_areas(fw.id)}
    role = world.learner.job_role
    db.session.add_all([
        SkillTarget(area_id=areas["Email"].id, job_role=role, minimum=2),
        SkillTarget(area_id=areas["Spreadsheets"].id, job_role=role, minimum=2),
        SkillTarget(area_id=areas["Word processing"].id, job_role=role, minimum=1),
    ])
    db.session.commit()

    # The learner: Email to Intermediate, Spreadsheets to Foundation, Word processing not even Foundation.
    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    page.get_by_role("link", name="My skills").click()
    page.get_by_role("button", name=re.compile("Start an assessment")).click()
    for area, level in (("Email", 2), ("Spreadsheets", 1), ("Word processing", 0)):
        expect(page.get_by_role("heading", name=area, level=1)).to_be_visible()
        # The area's own page, loaded to its end: htmx has taken its radios over before any is chosen.
        page.wait_for_load_state("load")
        _answer(page, area, level)
        page.get_by_role("button", name=re.compile("Save and (go to the next area|check your answers)")).click()
    expect(page.locator("[data-check-levels] [data-area='Email']")).to_contain_text("Intermediate")
    page.get_by_role("button", name="Submit assessment").click()
    expect(page.locator("#flash")).to_contain_text("submitted")

    gaps = page.locator("main")
    expect(gaps).to_contain_text("Spreadsheets: Foundation now, target Intermediate")
    expect(gaps).to_contain_text("Word processing: Inexperienced now, target Foundation")
    email = page.locator("[data-skills-standing] tr[data-area='Email']")
    expect(email.locator("[data-state]")).to_contain_text("Meets target")
    expect(email.locator("[data-target]")).to_contain_text(f"job role: {role}")
    assert_no_axe_violations(page)
    sign_out(page)

    # The educator confirms Spreadsheets at Intermediate, from the learner's page.
    sign_in(page, live_server, world.educator.email, factories.PASSWORD)
    page.goto(f"{live_server}/people/{world.learner.id}/skills")
    sheets = page.locator(f"#skill-area-{areas['Spreadsheets'].id}")
    expect(sheets.locator("[data-self]")).to_contain_text("Foundation")
    sheets.get_by_role("link", name="Confirm level in Spreadsheets").click()
    sheets.get_by_label("Intermediate", exact=True).check()
    sheets.get_by_label("Note").fill("Built the ward's rota sheet with formulas while I watched")
    sheets.get_by_role("button", name="Confirm level in Spreadsheets").click()
    expect(page.locator(f"#skill-area-{areas['Spreadsheets'].id}-done")).to_have_text("Confirmed: Intermediate")
    # Self-assessed and confirmed side by side, never mixed.
    expect(sheets.locator("[data-self]")).to_contain_text("Foundation")
    expect(sheets.locator("[data-confirmed]")).to_contain_text("Intermediate")

    # The team's snapshot: all three cells with their words.
    page.get_by_role("link", name="Skills", exact=True).first.click()
    row = page.locator("[data-skills-snapshot] tr[data-person='Lee Learner']")
    cells = row.locator("td")
    expect(cells).to_have_count(3)
    expect(cells.nth(0)).to_contain_text("Intermediate · Meets target (Intermediate)")
    expect(cells.nth(1)).to_contain_text("Intermediate · Meets target (Intermediate)")
    expect(cells.nth(2)).to_contain_text("Inexperienced · Below target (Foundation)")
    expect(cells.nth(2)).to_have_attribute("data-state", "below")
    assert_no_axe_violations(page)
