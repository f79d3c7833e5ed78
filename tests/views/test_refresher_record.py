"""Recording an item with a refresher, and a certificate with its own expiry (PRODUCT.md §6.3), over HTTP:
the Record form asks which activity only when the item has a refresher, offers the certificate's expiry with
a certificate or equivalent training, checks it against the completion in place with the input kept, and
saves both into the entry and its audit event; a correction carries them over unless changed."""
from __future__ import annotations

import datetime as dt
import io
import re

from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import AuditEvent, Entry, EntryActivity, EntryMethod, EntryStatus, ItemKind
from tests import factories
from tests.conftest import HTMX
from tests.views.date_boxes import boxes, shows_date

PDF = factories.pdf()


def _give_refresher(item, title="Fire safety update, 1 hour", grace=3, description="Online, with a quiz."):
    item.refresher_title, item.refresher_description, item.grace_months = title, description, grace
    db.session.commit()


def _url(world, item=None, kind="record"):
    return f"/people/{world.learner.id}/passport/items/{(item or world.fire).id}/{kind}"


def _post(client, url, *, file=False, htmx=True, **fields):
    data = {"completed_on": "2026-02-20", "method": "here", "note": ""}
    data.update(fields)
    if file:
        data["evidence"] = (io.BytesIO(PDF), "certificate.pdf")
    return client.post(url, data=data, content_type="multipart/form-data", headers=HTMX if htmx else {})


def _entries(world, item=None):
    return db.session.scalars(select(Entry).where(Entry.person_id == world.learner.id,
                                                  Entry.item_id == (item or world.fire).id).order_by(Entry.id)).all()


def _recorded_event(entry):
    return db.session.scalar(select(AuditEvent).where(AuditEvent.subject_type == "Entry",
                                                      AuditEvent.subject_id == entry.id,
                                                      AuditEvent.action.in_(["entry.recorded", "entry.corrected"]))
                             .order_by(AuditEvent.id.desc()).limit(1))


def test_an_item_without_a_refresher_asks_nothing_and_records_the_initial_activity(as_learner, world):
    form = as_learner.get(_url(world), headers=HTMX).get_data(as_text=True)
    assert "Which did you complete?" not in form and 'name="activity"' not in form
    assert _post(as_learner, _url(world)).status_code == 200
    [entry] = _entries(world)
    assert entry.activity is EntryActivity.INITIAL and entry.certificate_expires_on is None
    # A refresher posted anyway (a script) is the initial activity: the item has none.
    assert _post(as_learner, _url(world, world.stress), activity="refresher").status_code == 200
    assert _entries(world, world.stress)[0].activity is EntryActivity.INITIAL


def test_an_item_with_a_refresher_asks_which_and_needs_an_answer(as_learner, world):
    _give_refresher(world.fire)
    for headers in (HTMX, {}):
        form = as_learner.get(_url(world), headers=headers).get_data(as_text=True)
        assert "Which did you complete?" in form
        assert f'id="record-{world.fire.id}-activity-initial"' in form
        assert "The initial activity: Fire safety" in form
        assert "The refresher: Fire safety update, 1 hour" in form and "Online, with a quiz." in form
        assert not re.search(r'name="activity"[^>]*checked', form)      # nothing chosen for them
    for htmx in (True, False):
        refused = _post(as_learner, _url(world), htmx=htmx, note="kept", **{
            "completed_on-day": "20", "completed_on-month": "2", "completed_on-year": "2026"})
        html = refused.get_data(as_text=True)
        assert refused.status_code == 422
        assert "Choose which you completed: the initial activity or the refresher." in html
        assert f'href="#record-{world.fire.id}-activity-initial"' in html
        assert shows_date(html, "2026-02-20") and "kept</textarea>" in html
    assert _entries(world) == []


def test_both_activities_are_recorded_and_audited(as_learner, world):
    _give_refresher(world.fire)
    first = _post(as_learner, _url(world), activity="initial", completed_on="2026-01-20")
    assert first.status_code == 200
    [initial] = _entries(world)
    assert initial.activity is EntryActivity.INITIAL and _recorded_event(initial).after["activity"] == "initial"
    assert "Fire safety (initial activity): Completed here, 20 Jan 2026" in _recorded_event(initial).summary
    row = _post(as_learner, _url(world), activity="refresher", completed_on="2026-02-20").get_data(as_text=True)
    refresher = _entries(world)[-1]
    assert refresher.activity is EntryActivity.REFRESHER
    event = _recorded_event(refresher)
    assert event.after["activity"] == "refresher" and event.after["certificate_expires_on"] is None
    assert "refresher: Fire safety update, 1 hour" in event.summary
    # The row counts the refresher and says so, in its reason line and under the entry.
    assert "Expires 20 Feb 2028: refresher 20 Feb 2026 + 24 months" in row
    assert "Refresher: Fire safety update, 1 hour" in row
    assert "Record refresher" in row


def test_the_certificates_expiry_is_offered_with_a_certificate_or_equivalent_training(as_learner, world):
    form = as_learner.get(_url(world), headers=HTMX).get_data(as_text=True)
    assert "Certificate&#39;s expiry date (if it has one)" in form
    assert f'id="record-{world.fire.id}-expiry-day"' in form and 'name="certificate_expires_on-day"' in form
    world.fire.evidence = world.fire.evidence.NONE
    world.fire.prior_learning_accepted = False
    db.session.commit()
    form = as_learner.get(_url(world), headers=HTMX).get_data(as_text=True)
    assert "Certificate&#39;s expiry date" not in form       # no certificate can come with it


def test_a_certificate_expiring_before_the_completion_is_refused_in_place_with_the_input_kept(as_learner, world):
    for htmx in (True, False):
        refused = _post(as_learner, _url(world), htmx=htmx, method="equivalent", equivalent_source="Leeds Trust",
                        completed_on="2025-06-01", **{"certificate_expires_on-day": "1",
                                                      "certificate_expires_on-month": "5",
                                                      "certificate_expires_on-year": "2025"})
        html = refused.get_data(as_text=True)
        assert refused.status_code == 422
        assert "The certificate&#39;s expiry date must be after the date completed (1 Jun 2025)." in html
        assert f'id="record-{world.fire.id}-expiry-error"' in html
        assert f'href="#record-{world.fire.id}-expiry-day"' in html
        assert boxes(html, "certificate_expires_on") == ("1", "5", "2025")
        assert 'value="Leeds Trust"' in html
    impossible = _post(as_learner, _url(world), method="equivalent", equivalent_source="Leeds Trust",
                       completed_on="2025-06-01", **{"certificate_expires_on-day": "31",
                                                     "certificate_expires_on-month": "2",
                                                     "certificate_expires_on-year": "2027"})
    assert impossible.status_code == 422
    assert "Certificate&#39;s expiry date must be a real date." in impossible.get_data(as_text=True)
    assert _entries(world) == []


def test_a_certificates_expiry_needs_the_certificate(as_learner, world):
    refused = _post(as_learner, _url(world), certificate_expires_on="2027-01-01")
    assert refused.status_code == 422
    assert "attach the certificate, or leave the expiry date empty" in refused.get_data(as_text=True)
    assert _entries(world) == []


def test_an_earlier_certificate_expiry_is_the_items_expiry_and_the_row_says_why(as_learner, world):
    # Completed 20 Feb 2026 with a certificate expiring 1 Dec 2026, earlier than 20 Feb 2028 (every 24 months).
    response = _post(as_learner, _url(world), file=True, certificate_expires_on="2026-12-01")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    [entry] = _entries(world)
    assert entry.certificate_expires_on == dt.date(2026, 12, 1) and entry.status is EntryStatus.ACCEPTED
    assert _recorded_event(entry).after["certificate_expires_on"] == "2026-12-01"
    assert ("Expires 1 Dec 2026: the certificate&#39;s own expiry, earlier than completed 20 Feb 2026 + 24 months"
            in html)
    assert "Certificate expires 1 Dec 2026" in html


def test_equivalent_training_keeps_its_certificates_expiry_for_approval(as_learner, world):
    response = _post(as_learner, _url(world), method="equivalent", equivalent_source="Leeds Trust",
                     completed_on="2025-06-01", certificate_expires_on="2026-06-01")
    assert response.status_code == 200
    [entry] = _entries(world)
    assert entry.status is EntryStatus.AWAITING and entry.certificate_expires_on == dt.date(2026, 6, 1)
    assert "certificate expires 1 Jun 2026: awaiting sign-off" in response.get_data(as_text=True)


def test_a_correction_carries_the_activity_and_the_expiry_over_unless_changed(as_learner, world):
    _give_refresher(world.fire)
    _post(as_learner, _url(world), activity="initial", completed_on="2026-01-20")
    _post(as_learner, _url(world), activity="refresher", file=True, completed_on="2026-02-20",
          certificate_expires_on="2026-12-01")
    old = _entries(world)[-1]
    form = as_learner.get(f"/entries/{old.id}/correct", headers=HTMX).get_data(as_text=True)
    assert re.search(r'value="refresher"\s+checked', form)
    assert boxes(form, "certificate_expires_on") == ("1", "12", "2026")
    # A correction of the date alone (the question and the expiry not sent) keeps both.
    response = as_learner.post(f"/entries/{old.id}/correct", data={"completed_on": "2026-02-21", "method": "here"},
                               headers=HTMX)
    assert response.status_code == 200
    correction = _entries(world)[-1]
    assert correction.supersedes_id == old.id and correction.completed_on == dt.date(2026, 2, 21)
    assert correction.activity is EntryActivity.REFRESHER
    assert correction.certificate_expires_on == dt.date(2026, 12, 1) and correction.evidence_id == old.evidence_id
    event = _recorded_event(correction)
    assert event.after["activity"] == "refresher" and event.after["certificate_expires_on"] == "2026-12-01"
    # Changed: the initial activity, and the expiry boxes left empty.
    again = as_learner.post(f"/entries/{correction.id}/correct", headers=HTMX,
                            data={"completed_on": "2026-02-21", "method": "here", "activity": "initial",
                                  "certificate_expires_on-day": "", "certificate_expires_on-month": "",
                                  "certificate_expires_on-year": ""})
    assert again.status_code == 200
    latest = _entries(world)[-1]
    assert latest.activity is EntryActivity.INITIAL and latest.certificate_expires_on is None


def test_observed_practice_of_a_competency_with_a_refresher_asks_which_too(as_educator, world):
    world.competency.frequency_months = 12
    _give_refresher(world.competency, title="Hoist update, 30 minutes", grace=0, description="")
    url = _url(world, world.competency, "observed")
    form = as_educator.get(url, headers=HTMX).get_data(as_text=True)
    assert "Which did Lee Learner complete?" in form and "The refresher: Hoist update, 30 minutes" in form
    assert world.competency.kind is ItemKind.COMPETENCY
    saved = as_educator.post(url, data={"completed_on": "2026-02-20", "method": "observed", "activity": "initial"},
                             headers=HTMX)
    assert saved.status_code == 200
    [entry] = _entries(world, world.competency)
    assert entry.method is EntryMethod.OBSERVED and entry.activity is EntryActivity.INITIAL
