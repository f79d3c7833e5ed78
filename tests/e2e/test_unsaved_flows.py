"""Never lose what was typed, in a real browser: a Save pressed after the page's token expired, or after the
idle sign-out, finds the typed note still in the form with a message that nothing was saved yet; Save then
works. The token and the idle clock are moved by re-signing the session cookie as the app would (no test-only
route), and the browser waits on what the page shows."""
from __future__ import annotations

import time

from playwright.sync_api import expect

from skillpass.unsaved import EXPIRED, SIGNED_OUT
from tests import factories
from tests.e2e.conftest import assert_no_axe_violations, sign_in
from tests.e2e.dates import date_group

NOTE = "Fire warden session on Ward 7, with the evacuation drill"


def _change_session(app, page, live_server, **changes) -> None:
    """Re-sign the browser's session cookie with *changes* (what the server would find after a while)."""
    name = app.config["SESSION_COOKIE_NAME"]
    serializer = app.session_interface.get_signing_serializer(app)
    [cookie] = [c for c in page.context.cookies() if c["name"] == name]
    data = serializer.loads(cookie["value"])
    data.update(changes)
    page.context.add_cookies([{**cookie, "value": serializer.dumps(data)}])


def _open_inline_form(page, world):
    row = page.locator(f"#item-{world.fire.id}")
    row.get_by_role("link", name="Record Fire safety").click()
    # The form takes focus to its first box once htmx has settled: wait for that, or it could move focus
    # away in the middle of typing the note.
    expect(date_group(row, "Date completed").get_by_label("Day", exact=True)).to_be_focused()
    note = page.get_by_label("Note (optional)")
    note.fill(NOTE)
    expect(note).to_have_value(NOTE)
    return row, note


def test_an_expired_page_keeps_the_typed_note_and_saves_next_time(app, live_server, page, world):
    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    row, note = _open_inline_form(page, world)
    # The page has been open too long: its token is no longer the session's.
    _change_session(app, page, live_server, csrf_token="0" * 40)
    page.get_by_role("button", name="Save Fire safety").click()

    expect(row).to_contain_text(EXPIRED)
    expect(page.get_by_label("Note (optional)")).to_have_value(NOTE)
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Save Fire safety").click()
    expect(page.locator("#flash")).to_contain_text("Fire safety: recorded")
    expect(row).not_to_contain_text(EXPIRED)


def test_a_save_after_the_idle_sign_out_comes_back_after_signing_in(app, live_server, page, world):
    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    _open_inline_form(page, world)
    # Away from the screen longer than IDLE_MINUTES.
    _change_session(app, page, live_server, seen=int(time.time()) - app.config["IDLE_MINUTES"] * 60 - 5)
    page.get_by_role("button", name="Save Fire safety").click()

    expect(page.get_by_role("heading", name="Sign in to SkillPass")).to_be_visible()
    expect(page.locator("#unsaved")).to_contain_text("Your record of Fire safety was not saved: sign in to finish it.")
    assert_no_axe_violations(page)
    page.get_by_label("Email address").fill(world.learner.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_text(SIGNED_OUT)).to_be_visible()
    expect(page.get_by_label("Note (optional)")).to_have_value(NOTE)
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Save Fire safety").click()
    expect(page.locator("#flash")).to_contain_text("Fire safety: recorded")
