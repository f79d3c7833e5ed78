"""The admin's settings screen: organisation name, warning window, upload limit."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import AuditEvent, Entry, EntryMethod, EntryStatus
from tests.conftest import sign_in


def _settings(client, *, confirm=True, **values):
    """Post the settings form; a new warning window is confirmed as previewed unless confirm=False."""
    data = {"organisation_name": "Test Trust", "warning_days": "60", "max_upload_mb": "10"}
    data.update(values)
    if confirm:
        data["confirmed"] = data["warning_days"].strip()
    return client.post("/admin/settings", data=data)


def test_the_form_shows_the_current_settings(as_admin):
    html = as_admin.get("/admin/settings").get_data(as_text=True)
    assert 'value="Test Trust"' in html and 'value="60"' in html and 'value="10"' in html


def test_saving_changes_every_page_and_is_audited(as_admin, as_learner, world):
    response = _settings(as_admin, organisation_name="  Riverside   Community Health ", warning_days="90",
                         max_upload_mb="5")
    assert response.status_code == 303
    page = as_admin.get("/admin/settings").get_data(as_text=True)
    assert "Saved: organisation name, warning window, upload limit." in page
    assert "Riverside Community Health" in as_learner.get("/passport").get_data(as_text=True)
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "settings.changed")).all()
    assert event.actor_id == world.admin.id and event.subject_type == "Settings"
    assert event.before == {"organisation_name": "Test Trust", "warning_days": 60, "max_upload_mb": 10}
    assert event.after == {"organisation_name": "Riverside Community Health", "warning_days": 90, "max_upload_mb": 5}


def test_the_warning_window_moves_statuses_at_once(as_admin, as_learner, world):
    # Fire safety done 1 Apr 2024, renewed every 24 months: expires 1 Apr 2026, 30 days after today (2 Mar 2026).
    db.session.add(Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=dt.date(2024, 4, 1),
                         method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id))
    db.session.commit()
    row = f"/people/{world.learner.id}/passport/items/{world.fire.id}"
    assert "app-row--expiring" in as_learner.get(row, headers={"HX-Request": "true"}).get_data(as_text=True)
    _settings(as_admin, warning_days="14")
    assert "app-row--complete" in as_learner.get(row, headers={"HX-Request": "true"}).get_data(as_text=True)


def test_a_new_warning_window_shows_who_it_moves_before_it_is_saved(as_admin, as_learner, world):
    # Fire safety done 1 Apr 2024, renewed every 24 months: expires 1 Apr 2026, 30 days after today (2 Mar 2026):
    # Expiring with a 60-day window, Complete with a 14-day one.
    db.session.add(Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=dt.date(2024, 4, 1),
                         method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id))
    db.session.commit()
    response = _settings(as_admin, confirm=False, warning_days="14")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 person becomes Complete." in html
    assert "Lee Learner: Fire safety, Expiring → Complete" in html
    assert 'name="confirmed" value="14"' in html and 'value="14"' in html
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "settings.changed")).all() == []
    row = f"/people/{world.learner.id}/passport/items/{world.fire.id}"
    assert "app-row--expiring" in as_learner.get(row, headers={"HX-Request": "true"}).get_data(as_text=True)
    # A confirmation of another value than the one previewed is previewed again, not saved.
    response = as_admin.post("/admin/settings", data={"organisation_name": "Test Trust", "warning_days": "20",
                                                      "max_upload_mb": "10", "confirmed": "14"})
    assert response.status_code == 200 and 'name="confirmed" value="20"' in response.get_data(as_text=True)
    assert _settings(as_admin, warning_days="14").status_code == 303
    assert "app-row--complete" in as_learner.get(row, headers={"HX-Request": "true"}).get_data(as_text=True)


def test_the_upload_limit_applies_to_the_next_upload(as_admin, as_learner, world):
    import io

    _settings(as_admin, max_upload_mb="1")
    response = as_learner.post(
        f"/people/{world.learner.id}/passport/items/{world.fire.id}/record",
        data={"completed_on": "2026-02-20", "method": "here",
              "evidence": (io.BytesIO(b"%PDF-1.4" + b"0" * (1024 * 1024)), "big.pdf")},
        content_type="multipart/form-data", headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "The file must be 1 MB or smaller." in response.get_data(as_text=True)


def test_bad_values_are_refused_in_place_with_the_input_kept(as_admin):
    response = _settings(as_admin, organisation_name="", warning_days="ten", max_upload_mb="500")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the organisation&#39;s name" in html or "Enter the organisation's name" in html
    assert "Enter the warning window in days as a whole number" in html
    assert "Enter a number from 1 to 50." in html
    assert 'value="ten"' in html and 'value="500"' in html
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "settings.changed")).all() == []
    assert 'value="Test Trust"' in as_admin.get("/admin/settings").get_data(as_text=True)


def test_saving_the_same_values_changes_nothing(as_admin):
    _settings(as_admin)
    assert "Nothing changed." in as_admin.get("/admin/settings").get_data(as_text=True)
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "settings.changed")).all() == []


def test_only_admins_reach_settings(app, world):
    for who in (world.learner, world.educator):
        client = sign_in(app.test_client(), who)
        assert client.get("/admin/settings").status_code == 403
        assert _settings(client, organisation_name="Hacked").status_code == 403
