"""The email page on a phone (390 px): a learner turns their weekly digest off; the choices swap in place
with focus on their heading and the page has no axe violations; a digest's unsubscribe link asks first and
its button turns that digest off."""
from __future__ import annotations

from playwright.sync_api import expect

from skillpass.extensions import db
from skillpass.services import notifications
from tests import factories
from tests.e2e.conftest import assert_inside_viewport, assert_no_axe_violations, sign_in, sign_out

PHONE = {"width": 390, "height": 844}


def test_a_learner_chooses_their_email_and_unsubscribes_from_a_link(live_server, page, world):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    page.goto(live_server + "/account/email")
    digest = page.get_by_label("My weekly digest: what is due or expiring in the next 30 days")
    decisions = page.get_by_label("When an entry of mine is approved, rejected or revoked")
    expect(digest).to_be_checked()
    assert_inside_viewport(page, "#email-choices")
    assert_no_axe_violations(page)

    digest.uncheck()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.locator("#email-choices")).to_contain_text("Your email choices have been saved.")
    expect(page.get_by_role("heading", name="Email me")).to_be_focused()
    expect(page.get_by_label("My weekly digest: what is due or expiring in the next 30 days")).not_to_be_checked()
    expect(decisions).to_be_checked()
    assert_no_axe_violations(page)

    sign_out(page)
    token = notifications.rows_for([world.learner.id])[world.learner.id].token
    db.session.commit()
    assert page.goto(f"{live_server}/unsubscribe/decisions/{token}").status == 404   # not a digest's link
    page.goto(f"{live_server}/unsubscribe/queue/{token}")
    expect(page.get_by_role("heading", name="Stop the daily digest of your sign-off queue?")).to_be_visible()
    assert_inside_viewport(page, "main")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    db.session.expire_all()
    assert notifications.choices_of(world.learner)["queue_digest"] is False
