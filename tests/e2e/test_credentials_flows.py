"""Verified records on a phone (issue 18, part A): a learner goes from My passport to their verified records,
reads what the file holds and downloads it; an admin rotates the signing key after being asked, focus on the
question and then on the key section, never on the button that rotates. Both pages fit at 320 px and pass axe."""
from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus
from tests import factories
from tests.conftest import TODAY
from tests.e2e.conftest import assert_inside_viewport, assert_no_axe_violations, sign_in

PHONE = {"width": 320, "height": 800}


def test_a_learner_downloads_their_verified_records_from_my_passport(live_server, page, world):
    db.session.add(Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=dt.date(2026, 1, 10),
                         method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id))
    db.session.commit()
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    page.goto(live_server + "/passport")
    page.get_by_role("link", name="Verified records").click()
    expect(page.get_by_role("heading", name="Verified records", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Fire safety (CSTF-FIRE)")).to_be_visible()
    assert_inside_viewport(page, "main")
    assert_no_axe_violations(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download all as one file").click()
    assert download.value.suggested_filename == f"skillpass-lee-learner-{TODAY.isoformat()}.jwt"
    assert download.value.path().read_text().count(".") >= 2


def test_an_admin_rotates_the_signing_key_after_being_asked(live_server, page, world):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, world.admin.email, factories.PASSWORD)
    page.goto(live_server + "/admin/signing-key")
    first = page.locator("#signing-key dd code").first.inner_text()
    assert_inside_viewport(page, "main")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Rotate the key").click()
    expect(page.get_by_role("heading", name="Rotate the signing key?")).to_be_focused()
    assert_inside_viewport(page, "#signing-key")
    page.get_by_role("button", name="Yes, rotate the key").click()
    expect(page.locator("#flash")).to_contain_text("The signing key has been rotated")
    expect(page.get_by_role("heading", name="The key in use")).to_be_focused()
    second = page.locator("#signing-key dd code").first.inner_text()
    assert second != first
    expect(page.locator("#signing-key")).to_contain_text(first)      # retired, still listed (and published)
    assert_no_axe_violations(page)
