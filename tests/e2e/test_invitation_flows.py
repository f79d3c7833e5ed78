"""Issue 15's first "done when", in a real browser with a real SMTP server: an admin imports 50 people
through the people import, invites them all; the 50 messages arrive; one person follows their link,
chooses a password and lands on My passport; the used link then refuses a second use. And "Forgotten
your password?" from the sign-in page, to a new password. axe on every new page."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import assert_inside_viewport, assert_no_axe_violations, sign_in, sign_out
from tests.mailbox import Mailbox, mailbox, smtp_server  # noqa: F401 - fixtures

HEADER = "employee_number,name,email,job_role,team,start_date,role"
PASSWORD = "tangerine-lighthouse-orbit"  # nosec B105 - a test password


def _local(link: str, live_server: str) -> str:
    """The emailed address on the test server (the app builds it from the request's host and port)."""
    parts = urlsplit(link)
    assert parts.scheme in ("http", "https") and parts.path.startswith(("/invitation/", "/reset-password/"))
    return live_server + parts.path


def test_fifty_imported_people_are_invited_and_one_chooses_a_password(live_server, page, world, mailbox, tmp_path):
    people = tmp_path / "fifty.csv"
    people.write_text(HEADER + "\n" + "".join(
        f"E7{n:04d},Newcomer {n:02d},newcomer{n:02d}@example.test,Healthcare Assistant,Physiotherapy,2026-02-16,\n"
        for n in range(50)), encoding="utf-8")
    sign_in(page, live_server, world.admin.email, factories.PASSWORD)
    page.goto(f"{live_server}/admin/import/people")
    page.get_by_label(re.compile("file of people")).set_input_files(str(people))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("button", name="Import 50 changes").click()
    expect(page.locator("#flash")).to_contain_text("Imported fifty.csv: 50 added")
    expect(page.get_by_role("heading", name="Invite the 50 people just added")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Invite 50 people").click()
    expect(page.locator("#flash")).to_contain_text("Invitations to 50 people on their way.")
    expect(page.locator("#people-results")).to_contain_text("Invited")

    assert len(mailbox.messages) == 50
    assert {m["To"] for m in mailbox.messages} == {f"newcomer{n:02d}@example.test" for n in range(50)}
    [message] = mailbox.to("newcomer07@example.test")
    assert "Newcomer 07" in Mailbox.text(message)
    [link] = Mailbox.links(message)
    sign_out(page)

    page.goto(_local(link, live_server))
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    expect(page.get_by_text("newcomer07@example.test")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_label("New password", exact=True).fill("password1234")
    page.get_by_label("Confirm new password").fill("password1234")
    page.get_by_role("button", name="Set my password").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()     # a guessable one is refused in place
    assert_no_axe_violations(page)
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm new password").fill(PASSWORD)
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_role("heading", name="My passport")).to_be_visible()
    expect(page.locator("#flash")).to_contain_text("Welcome to SkillPass: your password is set.")
    sign_out(page)

    page.goto(_local(link, live_server))
    expect(page.get_by_role("heading", name="This link has already been used")).to_be_visible()
    expect(page.get_by_role("button", name="Set my password")).to_have_count(0)
    assert_no_axe_violations(page)
    sign_in(page, live_server, "newcomer07@example.test", PASSWORD)
    expect(page.get_by_role("heading", name="My passport")).to_be_visible()


def test_forgotten_password_from_the_sign_in_page_on_a_phone(live_server, page, world, mailbox):
    page.set_viewport_size({"width": 320, "height": 740})
    page.goto(f"{live_server}/sign-in")
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.get_by_role("heading", name="Forgotten your password?")).to_be_visible()
    assert_no_axe_violations(page)
    assert_inside_viewport(page)
    page.get_by_label("Email address").fill(world.learner.email)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert_inside_viewport(page)
    [message] = mailbox.to(world.learner.email)
    page.goto(_local(Mailbox.links(message)[0], live_server))
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    assert_inside_viewport(page)
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm new password").fill(PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("heading", name="My passport")).to_be_visible()
    expect(page.locator("#flash")).to_contain_text("You are signed out everywhere else.")


def test_without_smtp_an_admin_reads_the_invitation_in_the_outbox_and_its_link_works(live_server, page, world):
    import datetime as dt

    from skillpass.extensions import db
    from skillpass.models import Person

    nia = Person(name="Nia Newcomer", email="nia@example.test", start_date=dt.date(2026, 2, 1))
    db.session.add(nia)
    db.session.commit()
    sign_in(page, live_server, world.admin.email, factories.PASSWORD)
    page.goto(f"{live_server}/people/")
    page.get_by_label(re.compile("Search by name")).press_sequentially("nia", delay=20)
    expect(page.locator("#people-results")).to_contain_text("Never invited")
    page.goto(f"{live_server}/people/invite")
    expect(page.get_by_role("heading", name="Invite everyone who has never signed in")).to_be_visible()
    assert_no_axe_violations(page)
    page.goto(f"{live_server}/admin")
    page.get_by_role("link", name=re.compile("^Email: messages")).click()
    expect(page.get_by_role("heading", name="Email")).to_be_visible()
    expect(page.get_by_text("No message yet.")).to_be_visible()
    page.goto(f"{live_server}/people/{nia.id}/edit")
    expect(page.get_by_text("Sign-in: Never invited.")).to_be_visible()
    page.get_by_role("button", name="Invite by email").click()
    expect(page.locator("#flash")).to_contain_text("kept in the outbox")
    page.goto(f"{live_server}/admin/email")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="You are invited to SkillPass: choose your password").click()
    expect(page.locator("#message-text")).to_contain_text("Dear Nia Newcomer")
    assert_no_axe_violations(page)
    link = page.locator("#message-text a").first
    href = link.get_attribute("href")
    sign_out(page)
    page.goto(href)
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
