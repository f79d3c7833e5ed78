"""An educator in a real browser, on a learner's skills page (issue 16, part C): confirms a level in the area's
row (a note asked for in place when it differs from the self-assessed level; focus lands on what was done,
never on a button that destroys) and sets the learner's own target, which overrides the job role's; at 390 px
everything stays on screen."""
from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from skillpass.extensions import db
from skillpass.models import SkillTarget
from skillpass.services.skills import standing
from tests import factories
from tests.e2e.conftest import assert_inside_viewport, assert_no_axe_violations, sign_in


def test_educator_confirms_a_level_inline_and_sets_the_learners_own_target(live_server, page, world):
    fw = factories.skills_framework()
    areas = {a.name: a for a in standing.live_areas(fw.id)}
    email, sheets = areas["Email"], areas["Spreadsheets"]
    row = standing.kept_row(world.learner.id, email.id)
    row.self_level, row.self_assessed_on = 2, dt.date(2026, 3, 1)
    row.self_reason = "Intermediate: all Foundation and Intermediate statements answered yes; 0 of 2 Advanced"
    db.session.add(SkillTarget(area_id=sheets.id, job_role="Support Worker", minimum=2))
    db.session.commit()

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, world.educator.email, factories.PASSWORD)
    page.goto(f"{live_server}/people/{world.learner.id}/passport")
    page.get_by_role("link", name="Skills", exact=True).click()
    expect(page.get_by_role("heading", name="IT user skills")).to_be_visible()
    assert_no_axe_violations(page)
    assert_inside_viewport(page, "main")

    # Confirm Advanced where Lee said Intermediate: the note is asked for, in place.
    email_row = page.locator(f"#skill-area-{email.id}")
    email_row.get_by_role("link", name="Confirm level in Email").click()
    form = page.locator(f"#skill-area-{email.id}")
    expect(form.get_by_role("heading", name="Confirm Lee Learner’s level: Email")).to_be_visible()
    expect(form).to_contain_text("0 of 2 Advanced")
    form.get_by_label("Advanced", exact=True).check()
    form.get_by_role("button", name="Confirm level in Email").click()
    expect(form).to_contain_text("Say why you confirm Advanced: Lee Learner assessed themselves as Intermediate")
    assert_inside_viewport(page, f"#skill-area-{email.id}")
    form.get_by_label("Note").fill("Sent a mail merge with attachments on the ward")
    form.get_by_role("button", name="Confirm level in Email").click()
    done = page.locator(f"#skill-area-{email.id}-done")
    expect(done).to_have_text("Confirmed: Advanced")
    expect(done).to_be_focused()
    expect(email_row.locator("[data-confirmed]")).to_contain_text("Advanced")
    expect(email_row.locator("[data-self]")).to_contain_text("Intermediate")

    # Lee's own target in Spreadsheets: a range, checked in place, then saved; it overrides the job role's.
    sheets_row = page.locator(f"#skill-area-{sheets.id}")
    expect(sheets_row.locator("[data-target]")).to_contain_text("job role: Support Worker")
    sheets_row.get_by_role("link", name="Set target in Spreadsheets").click()
    target = page.locator(f"#skill-area-{sheets.id}")
    expect(target).to_contain_text("Support Worker’s target: Intermediate")
    target.get_by_label("Minimum level").select_option(label="Advanced")
    target.get_by_label("Maximum level (optional)").select_option(label="Foundation")
    target.get_by_role("button", name="Set target in Spreadsheets").click()
    expect(target).to_contain_text("The maximum must be the same level as the minimum or higher")
    target.get_by_label("Maximum level (optional)").select_option(label="Super-user")
    target.get_by_role("button", name="Set target in Spreadsheets").click()
    done = page.locator(f"#skill-area-{sheets.id}-done")
    expect(done).to_have_text("Target set: Advanced to Super-user")
    expect(done).to_be_focused()
    expect(sheets_row.locator("[data-target]")).to_contain_text("Advanced to Super-user (own target)")
    assert_no_axe_violations(page)
    assert_inside_viewport(page, "main")
