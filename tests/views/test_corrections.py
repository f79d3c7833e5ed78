"""A learner corrects their own entry (PRODUCT.md §6.2): within 14 days, while no educator has decided it, a new
entry supersedes the old one; both are kept and audited; after that only an educator can revoke. The service
without HTTP, then the passport's Correct action with and without JavaScript."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from skillpass.extensions import db
from skillpass.models import AuditEvent, Entry, EntryMethod, EntryStatus
from skillpass.rules import Status
from skillpass.services import decisions
from skillpass.services.corrections import correct_entry
from skillpass.services.entries import record_entry
from skillpass.services.errors import Conflict, NotAllowed, ValidationFailed
from skillpass.services.passport import build_passport
from tests.conftest import HTMX, TODAY
from tests.views.date_boxes import shows_date

HERE, EQUIVALENT = EntryMethod.HERE, EntryMethod.EQUIVALENT


def _record(world, item=None, *, on=dt.date(2026, 2, 10), method=HERE, source=""):
    entry = record_entry(actor=world.learner, person=world.learner, item=item or world.fire, completed_on=on,
                         method=method, equivalent_source=source, today=TODAY)
    db.session.commit()
    return entry


def _correct(world, entry, *, on=dt.date(2026, 1, 20), method=HERE, today=TODAY, actor=None, item=None, **kw):
    return correct_entry(actor=actor or world.learner, entry=entry, item=item or world.fire, completed_on=on,
                         method=method, today=today, **kw)


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def _row(world, item=None):
    passport = build_passport(world.learner, today=TODAY, warning_days=60)
    return passport, passport.row((item or world.fire).id)


# ------------------------------------------------------------------ the service

def test_a_correction_supersedes_the_entry_both_kept_and_audited_and_the_dates_follow_it(db, world):
    old = _record(world)
    new = _correct(world, old, note="The date on my certificate.")
    db.session.commit()
    assert new.supersedes_id == old.id and new.status is EntryStatus.ACCEPTED
    assert db.session.get(Entry, old.id).status is EntryStatus.SUPERSEDED
    assert [e.subject_id for e in _events("entry.corrected")] == [new.id, old.id]
    passport, row = _row(world)
    assert row.accepted.id == new.id and row.corrected_from(row.accepted).id == old.id
    assert row.state.status is Status.COMPLETE
    assert row.state.date_line == "Expires 20 Jan 2028: completed 20 Jan 2026 + 24 months"
    assert passport.compliance.met == 1


def test_correcting_a_claim_awaiting_approval_keeps_one_awaiting(db, world):
    old = _record(world, method=EQUIVALENT, on=dt.date(2025, 6, 1), source="Leeds")
    new = _correct(world, old, on=dt.date(2025, 6, 2), method=EQUIVALENT, equivalent_source="Leeds Teaching Hospitals")
    db.session.commit()
    assert (db.session.get(Entry, old.id).status, new.status) == (EntryStatus.SUPERSEDED, EntryStatus.AWAITING)
    _, row = _row(world)
    assert row.pending.id == new.id and row.accepted is None and row.state.status is Status.OVERDUE


def test_a_correction_is_refused_after_14_days(db, world):
    old = _record(world)
    assert _correct(world, old, today=TODAY + dt.timedelta(days=14)) is not None     # the 14th day: still allowed
    db.session.rollback()
    with pytest.raises(Conflict, match="corrected for 14 days"):
        _correct(world, db.session.get(Entry, old.id), today=TODAY + dt.timedelta(days=15))


def test_a_correction_is_refused_once_an_educator_signed_it_off(db, world):
    old = _record(world, method=EQUIVALENT, on=dt.date(2025, 6, 1), source="Leeds")
    decisions.decide(actor=world.educator, entry=old, person=world.learner, item=world.fire, approve=True)
    db.session.commit()
    with pytest.raises(Conflict, match="already accepted"):
        _correct(world, old)
    assert db.session.get(Entry, old.id).status is EntryStatus.ACCEPTED


def test_nobody_corrects_someone_elses_entry(db, world):
    old = _record(world)
    with pytest.raises(NotAllowed):
        _correct(world, old, actor=world.educator)
    with pytest.raises(NotAllowed):
        _correct(world, old, actor=world.admin)


def test_a_refused_correction_leaves_the_entry_as_it_was(db, world):
    old = _record(world)
    with pytest.raises(ValidationFailed) as refused:
        _correct(world, old, on=TODAY + dt.timedelta(days=1))
    assert "future" in refused.value.errors["completed_on"]
    assert old.status is EntryStatus.ACCEPTED and not _events("entry.corrected")


def test_the_database_keeps_a_superseded_entry_superseded(db, world):
    old = _record(world)
    _correct(world, old)
    db.session.commit()
    with pytest.raises(DatabaseError):
        db.session.execute(text("UPDATE entry SET status = 'accepted' WHERE id = :id"), {"id": old.id})
    db.session.rollback()
    with pytest.raises(DatabaseError):
        db.session.execute(text("UPDATE entry SET supersedes_id = NULL WHERE supersedes_id = :id"), {"id": old.id})
    db.session.rollback()


# ------------------------------------------------------------------ the passport's Correct action

def test_the_row_offers_correct_within_14_days_and_the_form_comes_filled(as_learner, world):
    entry = _record(world)
    row = as_learner.get(f"/people/{world.learner.id}/passport/items/{world.fire.id}", headers=HTMX)
    assert f'href="/entries/{entry.id}/correct"' in row.get_data(as_text=True)
    form = as_learner.get(f"/entries/{entry.id}/correct", headers=HTMX).get_data(as_text=True)
    assert form.startswith(f'<tr id="item-{world.fire.id}"') and "Correct: Fire safety" in form
    assert shows_date(form, "2026-02-10") and f'action="/entries/{entry.id}/correct"' in form
    page = as_learner.get(f"/entries/{entry.id}/correct").get_data(as_text=True)
    assert "<h1>Correct: Fire safety</h1>" in page


def test_correct_with_htmx_swaps_the_row_showing_the_correction(as_learner, world):
    entry = _record(world)
    form = as_learner.get(f"/entries/{entry.id}/correct", headers=HTMX).get_data(as_text=True)
    token = form.split('name="submission" value="')[1].split('"')[0] if 'name="submission"' in form else ""
    data = {"completed_on": "2026-01-20", "method": "here", "note": ""}
    if token:
        data["submission"] = token
    response = as_learner.post(f"/entries/{entry.id}/correct", data=data, headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.startswith(f'<tr id="item-{world.fire.id}"')
    assert "Corrected on 2 Mar 2026, was: Completed here, 10 Feb 2026" in body
    assert "Completed here, 20 Jan 2026" in body


def test_correct_without_javascript_redirects_and_a_bad_date_is_refused_in_place(as_learner, world):
    entry = _record(world)
    bad = as_learner.post(f"/entries/{entry.id}/correct", data={"completed_on": "2027-01-01", "method": "here"})
    assert bad.status_code == 422 and "cannot be in the future" in bad.get_data(as_text=True)
    assert shows_date(bad.get_data(as_text=True), "2027-01-01")
    done = as_learner.post(f"/entries/{entry.id}/correct", data={"completed_on": "2026-01-20", "method": "here"})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"#item-{world.fire.id}")
    assert db.session.get(Entry, entry.id).status is EntryStatus.SUPERSEDED


def test_no_correct_after_14_days_and_the_route_refuses(as_learner, world):
    old = Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=dt.date(2026, 2, 1), method=HERE,
                status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id,
                recorded_at=dt.datetime(2026, 2, 10, 9, 0, tzinfo=dt.timezone.utc))
    db.session.add(old)
    db.session.commit()
    row = as_learner.get(f"/people/{world.learner.id}/passport/items/{world.fire.id}", headers=HTMX)
    assert "/correct" not in row.get_data(as_text=True)
    refused = as_learner.post(f"/entries/{old.id}/correct", data={"completed_on": "2026-01-20", "method": "here"},
                              headers=HTMX)
    assert refused.status_code == 200 and "corrected for 14 days" in refused.get_data(as_text=True)
    plain = as_learner.get(f"/entries/{old.id}/correct")
    assert plain.status_code == 303
    assert db.session.get(Entry, old.id).status is EntryStatus.ACCEPTED


def test_someone_elses_entry_cannot_be_corrected_over_http(as_educator, world):
    entry = _record(world)
    assert as_educator.post(f"/entries/{entry.id}/correct",
                            data={"completed_on": "2026-01-20", "method": "here"}).status_code == 403
    assert db.session.get(Entry, entry.id).status is EntryStatus.ACCEPTED
