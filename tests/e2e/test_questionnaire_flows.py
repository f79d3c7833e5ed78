"""The questionnaire, in a real browser (issue 17's "done when"): a new person signs in for the first time and
is asked; they answer; an educator approves the recommendation; the passport appears with its reason; they
change the answer; the educator approves the end; the passport's items are Not required, their record kept."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from skillpass.extensions import db
from skillpass.services.questionnaire import questions
from skillpass.services.settings import ASK_QUESTIONNAIRE, set_setting
from tests import factories
from tests.e2e.conftest import assert_inside_viewport, assert_no_axe_violations, sign_in, sign_out


def _setup(world):
    driving = factories.template("Driving at work")
    section = factories.section(driving, "Within 4 weeks of being given it", 4, "weeks")
    checks = factories.item(section, "Vehicle daily safety checks")
    question = questions.add_question(actor=world.admin, text="Do you drive a trust vehicle?",
                                      hint="Pool cars, vans and minibuses count.", kind="yes_no")
    alone = questions.add_question(actor=world.admin, text="Do you work alone?", kind="yes_no")
    yes = questions.question_view(question).options[0].option
    questions.update_question(actor=world.admin, question=question, text=question.text, hint=question.hint,
                              labels={}, retire=set(), new_options="", recommends={yes.id: {driving.id}})
    set_setting(ASK_QUESTIONNAIRE, "1")
    newcomer = factories.person(name="Nia Newstarter", team=world.team_a, email="nia@example.test")
    db.session.commit()
    return driving, checks, question, alone, newcomer


def _decide_first(page, live_server, world, words: str, outcome: str):
    """The educator approves the one recommendation waiting, in place."""
    sign_in(page, live_server, world.educator.email, factories.PASSWORD)
    page.goto(f"{live_server}/recommendations")
    expect(page.get_by_role("heading", name=re.compile("^Recommendations"))).to_contain_text("1 waiting")
    card = page.locator(".app-recommendation").first
    expect(card).to_contain_text(words)
    assert_no_axe_violations(page)
    card.get_by_role("button", name=re.compile("^Approve")).click()
    expect(page.locator(".app-recommendation--done")).to_contain_text(outcome)
    expect(page.get_by_role("heading", name=re.compile("^Recommendations"))).to_contain_text("0 waiting")
    sign_out(page)


def test_a_new_person_is_asked_and_the_questionnaire_gives_then_ends_a_passport(live_server, page, world):
    driving, checks, question, alone, newcomer = _setup(world)

    # First sign-in: asked before anything else.
    sign_in(page, live_server, newcomer.email, factories.PASSWORD)
    expect(page.get_by_role("heading", name="Which passports do you need?")).to_be_visible()
    expect(page.get_by_role("link", name="Skip for now")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Save answers").click()        # nothing chosen: refused in place
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose an answer to this question.")
    page.get_by_role("group", name="Do you drive a trust vehicle?").get_by_label("Yes").check()
    page.get_by_role("group", name="Do you work alone?").get_by_label("No").check()
    page.get_by_role("button", name="Save answers").click()
    expect(page.locator("#flash")).to_contain_text("Recommended: Driving at work.")
    expect(page.locator(f"#question-{question.id}")).to_contain_text("Driving at work: waiting for approval")
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name="My passport")).to_be_visible()
    expect(page.locator("#passport-items")).not_to_contain_text("Driving at work")
    sign_out(page)

    _decide_first(page, live_server, world, "Recommended by the questionnaire: Do you drive a trust vehicle? Yes",
                  "Driving at work assigned to Nia Newstarter, from today.")

    # The passport has appeared, saying why; not asked again.
    sign_in(page, live_server, newcomer.email, factories.PASSWORD)
    expect(page.get_by_role("heading", name="My passport")).to_be_visible()
    expect(page.get_by_role("heading", name="Driving at work")).to_be_visible()
    expect(page.locator(f"#template-{driving.id} + p")).to_contain_text(
        "recommended by the questionnaire: Do you drive a trust vehicle? Yes")
    row = page.locator(f"#item-{checks.id}")
    row.get_by_role("link", name=re.compile("^Record")).click()
    row.get_by_role("button", name=re.compile("^Save")).click()     # today is the default date
    expect(row).to_contain_text("Complete")

    # They change the answer (from the header's link): ending it waits for approval.
    page.get_by_role("link", name="Questionnaire").click()
    page.get_by_role("group", name="Do you drive a trust vehicle?").get_by_label("No").check()
    page.get_by_role("button", name="Save answers").click()
    expect(page.locator("#flash")).to_contain_text("To end: Driving at work.")
    expect(page.locator(f"#question-{question.id}")).to_contain_text("Driving at work: ending it is waiting for approval")
    expect(page.get_by_text("Earlier answers (1)")).to_be_visible()
    sign_out(page)

    _decide_first(page, live_server, world, "Their answer changed: Do you drive a trust vehicle? No",
                  "Driving at work ended for Nia Newstarter: their records are kept, its items are Not required.")

    sign_in(page, live_server, newcomer.email, factories.PASSWORD)
    section = page.locator(f"#template-{driving.id}").locator("xpath=..")
    expect(section).to_contain_text("This passport is no longer assigned")
    row = page.locator(f"#item-{checks.id}")
    expect(row).to_contain_text("Not required")
    expect(row).to_contain_text("2 Mar 2026")                          # the record is kept


def test_the_questionnaire_and_the_queue_fit_a_phone(live_server, page, world):
    _, _, question, alone, newcomer = _setup(world)
    page.set_viewport_size({"width": 390, "height": 800})
    sign_in(page, live_server, newcomer.email, factories.PASSWORD)
    page.get_by_role("group", name="Do you drive a trust vehicle?").get_by_label("Yes").check()
    page.get_by_role("group", name="Do you work alone?").get_by_label("No").check()
    page.get_by_role("button", name="Save answers").click()
    expect(page.locator(f"#question-{question.id}")).to_contain_text("waiting for approval")
    assert_inside_viewport(page)
    sign_out(page)
    sign_in(page, live_server, world.educator.email, factories.PASSWORD)
    page.goto(f"{live_server}/recommendations")
    page.get_by_label("Note (optional)").fill("Drives the community van on Tuesdays.")
    assert_inside_viewport(page)
    page.get_by_role("button", name=re.compile("^Decline")).click()
    expect(page.locator(".app-recommendation--done")).to_contain_text("declined")
    assert_inside_viewport(page)
