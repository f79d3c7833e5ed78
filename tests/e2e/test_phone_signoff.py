"""The educator's Friday afternoon on a phone (390 px), and a learner who presses Enter once too often,
in a real browser: the queue as cards with every field and button on screen; Approve leaves "Approved —
Undo" in place and Undo brings the entry back; Reject with a picked common reason, its error on screen;
the certificate previewed in place; axe at 390 and 1280 px. And: saving equivalent training from the
keyboard, then Enter again, withdraws nothing (issue 14)."""
from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus
from skillpass.services import evidence as evidence_service
from tests import factories
from tests.e2e.conftest import assert_inside_viewport, assert_no_axe_violations, screenshot, sign_in
from tests.e2e.dates import date_group

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _queue(world):
    """Lee's equivalent training with a PDF certificate, and a competency, both waiting for Eve."""
    cert = evidence_service.save(
        evidence_service.Checked(data=factories.pdf("Fire safety"), file_type=evidence_service.PDF,
                                 filename="fire-safety-certificate.pdf"),
        person=world.learner, actor=world.learner)
    claim = Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=dt.date(2026, 1, 12),
                  method=EntryMethod.EQUIVALENT, equivalent_source="Leeds Teaching Hospitals NHS Trust",
                  status=EntryStatus.AWAITING, recorded_by_id=world.learner.id, evidence_id=cert.id)
    competency = Entry(person_id=world.learner.id, item_id=world.competency.id, completed_on=dt.date(2026, 2, 20),
                       method=EntryMethod.HERE, note="Observed by the ward sister", status=EntryStatus.AWAITING,
                       recorded_by_id=world.learner.id)
    db.session.add_all([claim, competency])
    db.session.commit()
    return claim, competency


def _status(entry_id: int) -> EntryStatus:
    db.session.expire_all()
    return db.session.get(Entry, entry_id).status


def test_the_educator_decides_on_a_phone(live_server, page, world):
    claim, competency = _queue(world)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, world.educator.email, factories.PASSWORD)
    expect(page.get_by_role("heading", name="Sign-off queue")).to_be_visible()
    card = page.locator(f"#queue-entry-{claim.id}")
    expect(card).to_contain_text("Equivalent training demonstrated")
    expect(card).not_to_contain_text("Prior learning")
    expect(card.get_by_role("button", name=re.compile("^Approve"))).to_be_visible()
    expect(card.locator("summary", has_text="Reject")).to_be_visible()
    assert_inside_viewport(page, "#queue")
    assert_inside_viewport(page, "#maincontent")
    assert_no_axe_violations(page)
    page.evaluate("document.getElementById('queue-summary').scrollIntoView()")
    screenshot(page, "phone-signoff-queue")

    # The certificate, previewed in place: the first page of the PDF, drawn as an image.
    card.locator("summary", has_text="Preview certificate").click()
    image = card.get_by_role("img", name=re.compile("First page of fire-safety-certificate.pdf"))
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    expect(card.get_by_role("link", name=re.compile("^Open the full file"))).to_be_visible()
    assert_inside_viewport(page, f"#queue-entry-{claim.id}")

    # Approve: "Approved — Undo" in its place, the message naming what and who once; Undo brings it back.
    card.get_by_role("button", name=re.compile("^Approve")).click()
    undo = page.locator(f"#queue-undo-{claim.id}")
    expect(undo).to_contain_text("Approved")
    expect(page.locator("#flash")).to_have_text(re.compile(r"^\s*Approved Fire safety for Lee Learner\.\s*$"))
    assert _status(claim.id) is EntryStatus.ACCEPTED
    assert_inside_viewport(page, f"#queue-undo-{claim.id}")
    undo.get_by_role("button", name=re.compile("^Undo")).click()
    expect(card).to_be_visible()
    expect(undo).to_have_count(0)
    expect(page.locator("#flash")).to_contain_text("awaiting sign-off again")
    assert _status(claim.id) is EntryStatus.AWAITING

    # Reject the competency: empty first (the error and the whole form on screen), then a common reason.
    other = page.locator(f"#queue-entry-{competency.id}")
    other.locator("summary", has_text="Reject").click()
    assert_inside_viewport(page, f"#queue-entry-{competency.id}")
    reject = other.get_by_role("button", name=re.compile("^Reject"))
    expect(reject).to_have_class(re.compile("nhsuk-button--warning"))
    reject.click()
    expect(other.locator(".nhsuk-error-message")).to_contain_text("Enter the reason for rejecting it")
    assert_inside_viewport(page, f"#queue-entry-{competency.id}")
    assert_no_axe_violations(page)
    other.get_by_label("Date does not match the certificate").check()
    other.get_by_role("button", name=re.compile("^Reject")).click()
    expect(other).to_have_count(0)
    assert _status(competency.id) is EntryStatus.REJECTED
    db.session.expire_all()
    assert db.session.get(Entry, competency.id).decision_reason == "Date does not match the certificate"


def test_the_queue_and_a_passports_decisions_pass_axe_at_1280(live_server, page, world):
    claim, _ = _queue(world)
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, world.educator.email, factories.PASSWORD)
    card = page.locator(f"#queue-entry-{claim.id}")
    card.locator("summary", has_text="Reject").click()
    card.locator("summary", has_text="Preview certificate").click()
    expect(card.get_by_label("Certificate has expired")).to_be_visible()
    assert_inside_viewport(page, "#maincontent")
    assert_no_axe_violations(page)

    page.goto(f"{live_server}/people/{world.learner.id}/passport")
    row = page.locator(f"#item-{world.fire.id}")
    row.locator("summary", has_text="Reject").click()
    expect(row.get_by_label("Certificate is unreadable")).to_be_visible()
    assert_no_axe_violations(page)
    row.get_by_role("button", name=re.compile("^Approve")).click()
    expect(row.get_by_role("button", name=re.compile("^Undo"))).to_be_visible()
    assert_no_axe_violations(page)
    page.set_viewport_size(PHONE)
    assert_no_axe_violations(page)


def test_enter_again_after_saving_equivalent_training_withdraws_nothing(live_server, page, world, tmp_path):
    """Keyboard only: open Record, choose equivalent training, say where, attach the certificate, Save;
    then Enter again. Focus is on the row's status, so nothing is withdrawn; Withdraw itself asks first."""
    certificate = tmp_path / "certificate.pdf"
    certificate.write_bytes(factories.pdf("Managing work and life stress"))
    sign_in(page, live_server, world.learner.email, factories.PASSWORD)
    row = page.locator(f"#item-{world.stress.id}")
    row.get_by_role("link", name="Record Managing work and life stress").focus()
    page.keyboard.press("Enter")
    # The form opens with focus on its first field (the date's day box); wait for that before moving on, or
    # the form's own focusing, once htmx has settled, would take focus from under the next key.
    expect(date_group(row, "Date completed").get_by_label("Day", exact=True)).to_be_focused()
    equivalent = page.get_by_label("Equivalent training demonstrated")
    equivalent.focus()
    page.keyboard.press("Space")
    expect(equivalent).to_be_checked()
    page.get_by_label("Organisation or qualification").focus()
    page.keyboard.type("Leeds Teaching Hospitals NHS Trust")
    row.locator('input[type="file"]').set_input_files(str(certificate))   # a file chooser is the system's
    page.get_by_role("button", name="Save Managing work and life stress").focus()
    page.keyboard.press("Enter")
    expect(row).to_contain_text("awaiting sign-off")
    expect(row.locator(".app-focus-status")).to_be_focused()

    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    expect(row).to_contain_text("awaiting sign-off")
    expect(row.get_by_role("heading", name=re.compile("^Withdraw your claim"))).to_have_count(0)
    db.session.expire_all()
    [entry] = db.session.query(Entry).filter_by(person_id=world.learner.id, item_id=world.stress.id).all()
    assert entry.status is EntryStatus.AWAITING and entry.evidence_id is not None

    # Withdraw asks first, naming the item; "Keep it" leaves the claim as it was.
    row.get_by_role("link", name=re.compile("^Withdraw")).focus()
    page.keyboard.press("Enter")
    question = row.get_by_role("heading", name="Withdraw your claim for Managing work and life stress?")
    expect(question).to_be_focused()
    expect(row).to_contain_text("Your certificate will be removed from the queue")
    assert_no_axe_violations(page)
    page.keyboard.press("Enter")
    row.get_by_role("link", name=re.compile("^Keep it")).click()
    expect(row).to_contain_text("awaiting sign-off")
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status is EntryStatus.AWAITING
