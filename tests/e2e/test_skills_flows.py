"""My skills on a phone (390 px, issue 16 part B): a learner starts an assessment, answers an area with htmx
(the level panel changes as each answer is saved, without a reload), stops, comes back to find their answers
kept, checks and submits; My skills then shows the submitted level as their self-assessed one."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from skillpass.extensions import db
from tests import factories
from tests.e2e.conftest import assert_inside_viewport, assert_no_axe_violations, sign_in

PHONE = {"width": 390, "height": 844}


def test_a_learner_answers_an_area_stops_returns_and_submits(live_server, page, world):
    factories.skills_framework(areas=("Email", "Spreadsheets", "Word processing"))
    db.session.commit()
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    page.goto(live_server + "/skills")
    expect(page.get_by_role("link", name="My skills")).to_be_visible()
    page.get_by_role("button", name=re.compile("Start an assessment")).click()

    expect(page.get_by_role("heading", name="Email", level=1)).to_be_visible()
    page.wait_for_load_state("load")      # htmx has taken the radios over before any is chosen
    panel = page.locator("#area-level-panel")
    expect(panel).to_contain_text("Your level in Email: Inexperienced")
    assert_no_axe_violations(page)
    assert_inside_viewport(page, "main")
    page.evaluate("window.notReloaded = true")
    for n in (1, 2):
        page.get_by_role("group", name=f"Email: level 1 statement {n}").get_by_label("Yes").check()
        expect(panel).to_contain_text(f"{n} of 8 statements answered")
    expect(panel).to_contain_text("Your level in Email: Foundation")
    expect(panel).to_contain_text("all Foundation statements answered yes; 0 of 2 Intermediate")
    page.get_by_role("group", name="Email: level 2 statement 1").get_by_label("Yes").check()
    expect(panel).to_contain_text("1 of 2 Intermediate")
    assert page.evaluate("window.notReloaded") is True          # saved with htmx, no page load
    # The level panel sits in a polite live region, so the new level is announced.
    assert page.locator("[aria-live=polite] #area-level-panel").count() == 1

    # Stop, and come back later from My skills: the answers are kept.
    page.goto(live_server + "/skills")
    page.get_by_role("link", name=re.compile(r"Continue your assessment .*\(0 of 3 areas answered\)")).click()
    expect(page.locator("[data-area='Email']")).to_contain_text("3 of 8")
    page.locator("[data-area='Email']").get_by_role("link", name="Email").click()
    expect(page.get_by_role("group", name="Email: level 1 statement 2").get_by_label("Yes")).to_be_checked()
    expect(panel).to_contain_text("Your level in Email: Foundation")

    page.get_by_role("link", name="Back to your assessment").click()
    page.get_by_role("link", name="Check and submit").click()
    expect(page.locator("[data-check-levels] [data-area='Email']")).to_contain_text("Foundation")
    expect(page.locator("[data-incomplete]")).to_contain_text("not answered counts as not yes")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Submit assessment").click()
    expect(page.locator("#flash")).to_contain_text("Your assessment of IT user skills is submitted")
    row = page.locator("[data-skills-standing] tr[data-area='Email']")
    expect(row.locator("[data-self]")).to_contain_text("Foundation")
    expect(page.get_by_role("button", name=re.compile("Assess again"))).to_be_visible()
    assert_inside_viewport(page, "main")
    assert_no_axe_violations(page)

    page.get_by_role("link", name=re.compile("Your improvement")).click()
    expect(page.locator("[data-improvement-table] tr[data-area='Email']")).to_contain_text("Foundation")
    assert_inside_viewport(page, "main")
    assert_no_axe_violations(page)
