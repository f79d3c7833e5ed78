"""Decisions that are safe and quick (issue 14, part 3), through the test client, full page and htmx:
"Approved — Undo" in place on the queue and the passport row; Reject with the organisation's common
reasons (admin-editable in Settings); Withdraw asks first, naming the item; focus after a save never lands
on Withdraw; certificates preview in place (a PDF's first page, an image), never trusting the file."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from skillpass import clock
from skillpass.extensions import db
from skillpass.models import AuditEvent, Entry, EntryMethod, EntryStatus
from skillpass.services import evidence as evidence_service
from tests import factories
from tests.conftest import HTMX
from tests.views.test_signoff_views import (_decide, _decide_on_passport, _entry, _item_row, _page, _queue_row,
                                            _reloaded, _triggers, queue)  # noqa: F401 - queue is a fixture

UTC = dt.timezone.utc


def _undo(client, entry, *, htmx=True, passport=False):
    url = (f"/people/{entry.person_id}/passport/entries/{entry.id}/undo" if passport
           else f"/sign-off/entries/{entry.id}/undo")
    return client.post(url, headers=HTMX if htmx else {})


# ------------------------------------------------------------- Approved — Undo

def test_undo_from_the_queue_puts_the_entry_back_where_it_was(as_educator, world, queue):
    entry = queue["certificate"]
    assert _decide(as_educator, entry, "approve").status_code == 200
    response = _undo(as_educator, entry)
    html = _page(response)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tbody id="queue-entry-{entry.id}"') and 'data-focus' in html.split(">")[0]
    assert "Undone: Managing work and life stress for Lee Learner is awaiting sign-off again." in html
    assert '<span id="queue-summary-text" hx-swap-oob="outerHTML"><strong>3</strong> waiting.' in html
    assert "queueChanged" in _triggers(response)
    entry = _reloaded(entry.id)
    assert entry.status is EntryStatus.AWAITING and entry.decided_by_id is None
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "entry.approval_undone")).all()
    assert event.actor_id == world.educator.id and event.subject_id == entry.id


def test_without_javascript_the_undo_is_a_form_on_the_next_page_only(as_educator, queue):
    entry = queue["certificate"]
    response = _decide(as_educator, entry, "approve", htmx=False)
    assert response.status_code == 303
    page = _page(as_educator.get(response.headers["Location"]))
    assert page.count("Approved Managing work and life stress for Lee Learner.") == 1   # the flash, once
    assert f'<tbody id="queue-undo-{entry.id}"' in page and f'action="/sign-off/entries/{entry.id}/undo"' in page
    assert f'queue-undo-{entry.id}' not in _page(as_educator.get("/sign-off/"))          # the next page: gone
    # The form still works while the window lasts.
    response = _undo(as_educator, entry, htmx=False)
    assert response.status_code == 303
    assert "awaiting sign-off again" in _page(as_educator.get(response.headers["Location"]))
    assert _reloaded(entry.id).status is EntryStatus.AWAITING


def test_an_undo_too_late_is_refused_with_a_message_and_nothing_changes(as_educator, queue, monkeypatch):
    entry = queue["certificate"]
    _decide(as_educator, entry, "approve")
    later = clock.now() + dt.timedelta(minutes=3)
    monkeypatch.setattr(clock, "now", lambda: later)
    response = _undo(as_educator, entry)
    html = _page(response)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tbody id="queue-undo-{entry.id}"')
    assert "can no longer be undone here: revoke it with a reason instead." in html
    assert _reloaded(entry.id).status is EntryStatus.ACCEPTED


def test_another_educator_cannot_undo_someone_elses_approval(app, as_educator, as_admin, queue):
    entry = queue["certificate"]
    _decide(as_educator, entry, "approve")
    response = _undo(as_admin, entry)
    assert response.status_code == 200 and "can no longer be undone" in _page(response)
    assert _reloaded(entry.id).status is EntryStatus.ACCEPTED


def test_approving_on_the_passport_row_shows_approved_undo_and_undo_restores_the_row(as_educator, world, queue):
    entry = queue["certificate"]
    response = _decide_on_passport(as_educator, entry, "approve")
    row = _item_row(_page(response), world.stress.id)
    assert f'action="/people/{world.learner.id}/passport/entries/{entry.id}/undo"' in row
    assert "Approved —</strong>" in row and "data-undo-expires" in row
    assert _page(response).count("Approved Managing work and life stress for Lee Learner.") == 1
    response = _undo(as_educator, entry, passport=True)
    row = _item_row(_page(response), world.stress.id)
    assert response.status_code == 200 and "awaiting sign-off" in row and "/undo" not in row
    assert _reloaded(entry.id).status is EntryStatus.AWAITING


def test_passport_approval_without_javascript_offers_undo_on_the_next_page(as_educator, world, queue):
    entry = queue["certificate"]
    response = _decide_on_passport(as_educator, entry, "approve", htmx=False)
    assert response.status_code == 303
    page = _page(as_educator.get(f"/people/{world.learner.id}/passport"))
    assert f'action="/people/{world.learner.id}/passport/entries/{entry.id}/undo"' in page
    again = _page(as_educator.get(f"/people/{world.learner.id}/passport"))
    assert "/undo" not in again


# ------------------------------------------------------------- Reject with common reasons

def test_reject_offers_the_common_reasons_and_a_warning_button(as_educator, queue):
    row = _queue_row(_page(as_educator.get("/sign-off/")), queue["prior"].id)
    for reason in ("Certificate is unreadable", "Certificate is for a different course or level",
                   "Certificate has expired", "Date does not match the certificate"):
        assert f'value="{reason}"' in row
    assert 'value="other"' in row and "Reason in your own words" in row
    assert 'nhsuk-button nhsuk-button--warning nhsuk-button--small app-button-inline" type="submit">Reject' in row
    assert "Preview certificate" not in row          # no file, no preview


def test_a_picked_reason_is_the_reason_the_learner_sees(as_educator, queue):
    entry = queue["prior"]
    response = _decide(as_educator, entry, "reject", reason_choice="Certificate has expired")
    assert response.status_code == 200
    assert _reloaded(entry.id).decision_reason == "Certificate has expired"


def test_other_takes_the_words_typed_and_a_pick_off_the_list_is_no_pick(as_educator, queue):
    entry = queue["prior"]
    response = _decide(as_educator, entry, "reject", "Name on it is not yours", reason_choice="other")
    assert response.status_code == 200 and _reloaded(entry.id).decision_reason == "Name on it is not yours"
    entry = queue["certificate"]
    response = _decide(as_educator, entry, "reject", reason_choice="Because I said so")
    assert response.status_code == 422 and "Enter the reason for rejecting it" in _page(response)
    assert _reloaded(entry.id).status is EntryStatus.AWAITING


def test_a_refused_rejection_without_javascript_keeps_the_pick(as_educator, queue):
    entry = queue["prior"]
    response = _decide(as_educator, entry, "reject", "", reason_choice="other", htmx=False)
    html = _page(response)
    assert response.status_code == 422 and "<html" in html
    assert f'id="reason-{entry.id}-other" name="reason_choice" type="radio" value="other" checked' in html


def test_the_admin_edits_the_common_reasons_in_settings(as_admin, as_educator, queue):
    page = _page(as_admin.get("/admin/settings"))
    assert "Common reasons for rejecting" in page and "Certificate is unreadable\nCertificate" in page
    response = as_admin.post("/admin/settings", data={
        "organisation_name": "Test Trust", "warning_days": "60", "max_upload_mb": "10", "confirmed": "60",
        "reject_reasons": "Wrong person's name\n\n  Not signed by the assessor  \n"})
    assert response.status_code == 303
    row = _queue_row(_page(as_educator.get("/sign-off/")), queue["prior"].id)
    assert 'value="Wrong person&#39;s name"' in row or "value=\"Wrong person's name\"" in row
    assert 'value="Not signed by the assessor"' in row and "Certificate is unreadable" not in row
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "settings.changed")).all()
    assert "common reasons for rejecting" in event.summary


def test_settings_refuse_too_many_reasons_in_place(as_admin):
    response = as_admin.post("/admin/settings", data={
        "organisation_name": "Test Trust", "warning_days": "60", "max_upload_mb": "10", "confirmed": "60",
        "reject_reasons": "\n".join(f"Reason {n}" for n in range(13))})
    html = _page(response)
    assert response.status_code == 422 and "Keep to 12 reasons or fewer" in html and "Reason 12" in html


# ------------------------------------------------------------- Withdraw asks first

@pytest.fixture
def claim(world):
    return _entry(world.learner, world.fire, method=EntryMethod.EQUIVALENT, source="Leeds Teaching Hospitals")


def test_withdraw_is_a_question_first_as_a_page(as_learner, world, claim):
    row = _item_row(_page(as_learner.get("/passport")), world.fire.id)
    assert f'href="/entries/{claim.id}/withdraw?row={world.fire.id}"' in row and "<form action=\"/entries" not in row
    page = _page(as_learner.get(f"/entries/{claim.id}/withdraw?row={world.fire.id}"))
    assert "Withdraw your claim for Fire safety?" in page and "It will be removed from the queue" in page
    assert "nhsuk-button--warning app-button-inline\" type=\"submit\">Yes, withdraw" in page and "Keep it" in page
    assert _reloaded(claim.id).status is EntryStatus.AWAITING        # asking changes nothing
    response = as_learner.post(f"/entries/{claim.id}/withdraw", data={"row": str(world.fire.id)})
    assert response.status_code == 303 and _reloaded(claim.id).status is EntryStatus.WITHDRAWN


def test_withdraw_asks_in_the_row_with_htmx_and_focus_goes_to_the_question(as_learner, world, claim):
    response = as_learner.get(f"/entries/{claim.id}/withdraw?row={world.fire.id}", headers=HTMX)
    html = _page(response)
    assert html.lstrip().startswith(f'<tr id="item-{world.fire.id}"') and "<html" not in html
    question = html.index("Withdraw your claim for Fire safety?")
    assert 'tabindex="-1" data-focus>' in html[:question] and len(re.findall(r" data-focus[ >]", html)) == 1
    assert f'hx-get="/people/{world.learner.id}/passport/items/{world.fire.id}"' in html   # Keep it: the row again
    response = as_learner.post(f"/entries/{claim.id}/withdraw", data={"row": str(world.fire.id)}, headers=HTMX)
    assert response.status_code == 200 and _reloaded(claim.id).status is EntryStatus.WITHDRAWN


def test_asking_to_withdraw_a_decided_entry_says_so(as_learner, world, claim):
    claim.status = EntryStatus.WITHDRAWN
    db.session.commit()
    response = as_learner.get(f"/entries/{claim.id}/withdraw")
    assert response.status_code == 303
    assert "no longer awaiting sign-off" in _page(as_learner.get(response.headers["Location"]))


def test_focus_after_saving_lands_on_the_rows_status_not_on_withdraw(as_learner, world):
    response = as_learner.post(f"/people/{world.learner.id}/passport/items/{world.fire.id}/record", headers=HTMX,
                               data={"completed_on": "2026-02-20", "method": "equivalent",
                                     "equivalent_source": "Leeds Teaching Hospitals", "note": ""})
    row = _item_row(_page(response), world.fire.id)
    assert response.status_code == 200 and "Withdraw" in row
    assert len(re.findall(r" data-focus[ >]", row)) == 1 and '<span class="app-focus-status" data-focus>' in row


# ------------------------------------------------------------- certificate previews

def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (3000, 1500), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize("data, file_type", [(factories.pdf(), evidence_service.PDF), (_png(), evidence_service.PNG),
                                             (b"%PDF-1.4 not really a pdf", evidence_service.PDF)])
def test_the_preview_is_a_small_png_drawn_afresh(as_educator, as_learner, world, data, file_type):
    evidence = evidence_service.save(evidence_service.Checked(data=data, file_type=file_type, filename="cert"),
                                     person=world.learner, actor=world.learner)
    entry = _entry(world.learner, world.stress, evidence=evidence)
    row = _queue_row(_page(as_educator.get("/sign-off/")), entry.id)
    assert "Preview certificate" in row and f'src="/evidence/{evidence.id}/preview"' in row
    assert "Open the full file" in row
    for client in (as_educator, as_learner):
        response = client.get(f"/evidence/{evidence.id}/preview")
        assert response.status_code == 200 and response.mimetype == "image/png"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        image = Image.open(io.BytesIO(response.data))
        assert image.format == "PNG" and max(image.size) <= 1200


def test_the_preview_is_refused_to_other_teams(app, world):
    from tests.conftest import sign_in
    evidence = evidence_service.save(evidence_service.Checked(data=factories.pdf(), file_type=evidence_service.PDF,
                                                              filename="cert.pdf"),
                                     person=world.learner, actor=world.learner)
    db.session.commit()
    other = sign_in(app.test_client(), world.other_educator)
    assert other.get(f"/evidence/{evidence.id}/preview").status_code == 403
