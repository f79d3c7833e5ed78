"""The educator's Friday afternoon, in a real browser: clear the queue inline
and watch the count in the header fall; reject with a reason; the learner
sees it; and the new pages pass axe-core."""
from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus, ItemKind
from tests import factories
from tests.e2e.conftest import assert_no_axe_violations, sign_in, sign_out
from tests.e2e.dates import date_group


def _awaiting(world, how_many):
    """Competency entries awaiting sign-off from several learners of the educator's team."""
    items = [world.competency] + [
        factories.item(world.month6, f"Competency {n}", kind=ItemKind.COMPETENCY, position=10 + n) for n in range(2)
    ]
    entries = []
    learners = [world.learner] + [
        factories.person(name=f"Learner {n}", team=world.team_a, email=f"learner{n}@example.test") for n in range(2)
    ]
    for learner in learners[1:]:
        factories.assign(learner, world.template)
    for learner in learners:
        for item in items[: how_many // len(learners) + 1]:
            if len(entries) == how_many:
                break
            entries.append(Entry(person_id=learner.id, item_id=item.id, completed_on=dt.date(2026, 2, 20),
                                 method=EntryMethod.HERE, status=EntryStatus.AWAITING, recorded_by_id=learner.id))
    db.session.add_all(entries)
    db.session.commit()
    return entries


def test_educator_clears_the_queue_inline_and_the_count_falls(live_server, page, world):
    entries = _awaiting(world, 5)
    sign_in(page, live_server, world.educator.email, factories.PASSWORD)
    expect(page.get_by_role("heading", name="Sign-off queue")).to_be_visible()
    count = page.locator("#queue-count")
    expect(count).to_have_text(re.compile(r"^5"))
    assert_no_axe_violations(page)

    # Approve one inline: its row leaves, the count falls, the live region says so.
    first = page.locator(f"#queue-entry-{entries[0].id}")
    first.get_by_role("button", name=re.compile("^Approve")).click()
    expect(first).to_have_count(0)
    expect(count).to_have_text(re.compile(r"^4"))
    expect(page.locator("#flash")).to_contain_text("Signed off")
    # The words above the table follow, and focus goes on to the next row (not its Approve button: a
    # second press of Enter must not decide someone else's entry).
    expect(page.locator("#queue-summary")).to_have_text("4 waiting.")
    second = page.locator(f"#queue-entry-{entries[1].id}")
    expect(second).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    expect(second).to_be_visible()
    # Enter on a ticked box does not submit "Approve selected".
    second.get_by_role("checkbox").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    expect(second).to_be_visible()
    second.get_by_role("checkbox").uncheck()

    # Reject one: a reason is needed, kept in place when missing.
    second.locator("summary", has_text="Reject").click()
    second.get_by_role("button", name=re.compile("^Reject")).click()
    expect(second).to_contain_text("Enter the reason for rejecting it")
    assert_no_axe_violations(page)
    second.get_by_label("Other").check()
    second.get_by_label("Reason in your own words").fill("Please repeat it with a patient present.")
    second.get_by_role("button", name=re.compile("^Reject")).click()
    expect(second).to_have_count(0)
    expect(count).to_have_text(re.compile(r"^3"))

    # Approve the rest at once, with "select all".
    page.get_by_label("Select all", exact=True).check()
    for entry in entries[2:]:
        expect(page.locator(f"#select-{entry.id}")).to_be_checked()
    # Unticking one unticks "Select all"; ticking it again ticks it.
    page.locator(f"#select-{entries[2].id}").uncheck()
    expect(page.get_by_label("Select all", exact=True)).not_to_be_checked()
    page.locator(f"#select-{entries[2].id}").check()
    expect(page.get_by_label("Select all", exact=True)).to_be_checked()
    page.get_by_role("button", name="Approve selected").click()
    expect(page.locator("#queue")).to_contain_text("3 approved.")
    expect(page.locator(".app-results")).to_be_focused()
    expect(page.locator("#flash")).to_contain_text("3 approved.")
    expect(page.locator("#queue")).to_contain_text("Nothing is waiting")
    expect(count).to_have_text(re.compile(r"^0"))

    db.session.expire_all()
    statuses = sorted(e.status.value for e in db.session.query(Entry).all())
    assert statuses == ["accepted"] * 4 + ["rejected"]

    # The learner sees the rejection and its reason.
    sign_out(page)
    rejected_learner = db.session.get(type(world.learner), entries[1].person_id)
    sign_in(page, live_server, rejected_learner.email, factories.PASSWORD)
    expect(page.locator(f"#item-{entries[1].item_id}")).to_contain_text(
        "was rejected by Eve Educator: Please repeat it with a patient present.")


def test_educator_signs_off_and_records_observed_practice_on_a_passport(live_server, page, world):
    entry = Entry(person_id=world.learner.id, item_id=world.competency.id, completed_on=dt.date(2026, 2, 20),
                  method=EntryMethod.HERE, status=EntryStatus.AWAITING, recorded_by_id=world.learner.id)
    extra = factories.item(world.month6, "Safe use of a hoist", kind=ItemKind.COMPETENCY, position=20)
    db.session.add(entry)
    db.session.commit()
    sign_in(page, live_server, world.educator.email, factories.PASSWORD)
    page.goto(f"{live_server}/people/{world.learner.id}/passport")
    row = page.locator(f"#item-{world.competency.id}")
    assert_no_axe_violations(page)
    row.get_by_role("button", name=re.compile("^Sign off")).click()
    expect(row).to_contain_text("Complete")
    expect(row).to_contain_text("Signed off by Eve Educator, Practice Educator, 2 Mar 2026")
    expect(page.locator("#queue-count")).to_have_text(re.compile(r"^0"))

    hoist = page.locator(f"#item-{extra.id}")
    hoist.get_by_role("link", name=re.compile("^Record observed practice")).click()
    expect(date_group(hoist, "Date observed")).to_be_visible()
    assert_no_axe_violations(page)
    hoist.get_by_role("button", name=re.compile("^Save")).click()
    expect(hoist).to_contain_text("Complete")
    expect(hoist).to_contain_text("Observed practice, 2 Mar 2026")

    # Its history expands in place.
    row.locator("summary", has_text="History").click()
    expect(row.locator(".app-history")).to_contain_text("Signed off by Eve Educator")


def test_admin_pages_pass_axe(live_server, page, world):
    _awaiting(world, 2)
    sign_in(page, live_server, world.admin.email, factories.PASSWORD)
    page.goto(f"{live_server}/sign-off/")
    assert_no_axe_violations(page)
    page.goto(f"{live_server}/admin/audit")
    assert_no_axe_violations(page)
    page.goto(f"{live_server}/people/{world.educator.id}/teams")
    assert_no_axe_violations(page)
    page.goto(f"{live_server}/people/{world.learner.id}/edit")
    assert_no_axe_violations(page)
    page.goto(f"{live_server}/admin/teams")
    assert_no_axe_violations(page)
    page.goto(f"{live_server}/admin/rules")
    page.get_by_role("button", name="Check who gains it").click()
    expect(page.get_by_text("Choose at least one team or one job role.")).to_have_count(2)
    assert_no_axe_violations(page)
    page.get_by_label("Passport").select_option(label=world.template.name)
    page.get_by_label("Occupational Therapy").check()
    page.get_by_role("button", name="Check who gains it").click()
    expect(page.locator("#rule-preview")).to_contain_text("1 person gains")
    assert_no_axe_violations(page)
    page.goto(f"{live_server}/people/new")
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_text("Enter the person's full name.")).to_have_count(2)
    assert_no_axe_violations(page)
    page.goto(f"{live_server}/admin/settings")
    page.get_by_label("Warning window").fill("a lot")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Enter the warning window in days as a whole number")).to_have_count(2)
    assert_no_axe_violations(page)
    page.goto(f"{live_server}/people/{world.learner.id}/passport/items/{world.competency.id}/history")
    assert_no_axe_violations(page)
