"""A completions import is one thing: its page lists what it made, and a bad import is revoked in one action,
with one reason, each entry revoked and audited, and the passports no longer count them."""
from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import AuditEvent, Entry, EntryMethod, EntryStatus, ImportBatch, Person
from skillpass.services import decisions, import_batches

from tests import factories
from tests.conftest import HTMX


def _import(client, world, people):
    rows = "".join(f"{p.employee_number},CSTF-FIRE,2025-0{i + 1}-14\r\n" for i, p in enumerate(people))
    content = "Employee Number,Item,Completed On\r\n" + rows
    html = client.post("/admin/import/completions", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(content.encode()), "bad-esr.csv")}).get_data(as_text=True)
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)
    response = client.post("/admin/import/completions/confirm", data={"token": token, "filename": "bad-esr.csv"})
    assert response.status_code == 303 and "/admin/import/runs/" in response.headers["Location"]
    # Its progress page (the import ran as a job, at once in the tests) moves on to the import's page.
    finished = client.get(response.headers["Location"])
    assert finished.status_code == 303
    return finished


def _count(action):
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def _people(world, n):
    return [world.learner, world.other_learner, world.educator] + [
        factories.person(team=world.team_a, email=f"p{i}@example.test") for i in range(n - 3)]


def test_an_import_is_kept_as_one_and_its_page_lists_its_entries(as_admin, world):
    people = _people(world, 5)
    db.session.commit()
    response = _import(as_admin, world, people)
    batch = db.session.scalar(select(ImportBatch))
    assert response.headers["Location"].endswith(f"/admin/imports/{batch.id}")
    assert (batch.filename, batch.entry_count, batch.imported_by_id) == ("bad-esr.csv", 5, world.admin.id)
    page = as_admin.get(f"/admin/imports/{batch.id}").get_data(as_text=True)
    assert "Imported bad-esr.csv: 5 completions added" in page and "Revoke 5 entries" in page
    assert all(p.name in page for p in people) and "14 Jan 2025" in page
    # Listed on the import page, and linked from the audit log.
    assert f'href="/admin/imports/{batch.id}">bad-esr.csv</a>' in as_admin.get("/admin/import/completions").get_data(as_text=True)
    audit = as_admin.get("/admin/audit?action=import.completions").get_data(as_text=True)
    assert f'href="/admin/imports/{batch.id}">See the import</a>' in audit


def test_a_bad_import_is_revoked_in_one_action_with_one_reason(as_admin, as_learner, world):
    people = _people(world, 4)
    db.session.commit()
    _import(as_admin, world, people)
    batch = db.session.scalar(select(ImportBatch))
    # One entry already revoked by hand: left as it is.
    first = db.session.scalar(select(Entry).where(Entry.person_id == world.other_learner.id))
    decisions.revoke(actor=world.admin, entry=first, person=world.other_learner, item=world.fire, reason="Typo")
    db.session.commit()
    assert "Complete" in as_learner.get("/passport").get_data(as_text=True)
    revoked_before = _count(Action.ENTRY_REVOKED)

    response = as_admin.post(f"/admin/imports/{batch.id}/revoke", data={"reason": "Level 1 rows read as Level 2"})
    assert response.status_code == 303
    page = as_admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 entries revoked; 1 already revoked or not accepted, left as they were." in page
    db.session.expire_all()
    entries = db.session.scalars(select(Entry).order_by(Entry.id)).all()
    assert [e.status for e in entries] == [EntryStatus.REVOKED] * 4
    assert {e.decision_reason for e in entries if e.person_id != world.other_learner.id} == {"Level 1 rows read as Level 2"}
    assert _count(Action.ENTRY_REVOKED) - revoked_before == 3 and _count(Action.IMPORT_REVOKED) == 1
    # The passport no longer counts it, and says why.
    passport = as_learner.get("/passport").get_data(as_text=True)
    row = re.search(r'id="item-%d".*?</tr>' % world.fire.id, passport, re.S).group(0)
    assert "Not yet recorded" in row and "Imported record" not in row.split("History")[0]
    # Nothing is left to revoke: the form is gone and a second revocation changes nothing.
    assert "there is nothing to revoke" in page
    again = as_admin.post(f"/admin/imports/{batch.id}/revoke", data={"reason": "again"})
    assert again.status_code == 303 and _count(Action.IMPORT_REVOKED) == 1


def test_revoking_without_a_reason_is_refused_in_place(as_admin, world):
    _import(as_admin, world, [world.learner])
    batch = db.session.scalar(select(ImportBatch))
    response = as_admin.post(f"/admin/imports/{batch.id}/revoke", data={"reason": "   "})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Enter the reason for revoking these entries" in html
    assert "<h1>Import of bad-esr.csv</h1>" in html
    partial = as_admin.post(f"/admin/imports/{batch.id}/revoke", data={"reason": "x" * 1001}, headers=HTMX)
    body = partial.get_data(as_text=True)
    assert partial.status_code == 422
    assert 'id="import-batch"' in body and "<h1>" not in body and "x" * 1001 in body     # the input kept
    assert db.session.scalar(select(Entry)).status is EntryStatus.ACCEPTED


def test_revoking_by_htmx_swaps_the_import_in_place(as_admin, world):
    _import(as_admin, world, [world.learner, world.other_learner])
    batch = db.session.scalar(select(ImportBatch))
    response = as_admin.post(f"/admin/imports/{batch.id}/revoke", data={"reason": "Wrong file"}, headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="import-batch"' in body and "2 entries revoked." in body
    assert "<h1>" not in body and "nothing to revoke" in body


def test_the_admin_own_entries_are_left_for_another_admin(app, world):
    batch = import_batches.start(actor=world.admin, filename="mine.csv")
    mine = Entry(person_id=world.admin.id, item_id=world.fire.id, completed_on=world.learner.start_date,
                 method=EntryMethod.IMPORTED, status=EntryStatus.ACCEPTED, recorded_by_id=world.admin.id)
    theirs = Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=world.learner.start_date,
                   method=EntryMethod.IMPORTED, status=EntryStatus.ACCEPTED, recorded_by_id=world.admin.id)
    db.session.add_all([mine, theirs])
    db.session.flush()
    import_batches.add_entries(batch, [mine, theirs])
    done = import_batches.revoke_all(actor=db.session.get(Person, world.admin.id), batch=batch, reason="Bad file")
    assert (done.revoked, done.left, done.own) == (1, 0, 1)
    assert (mine.status, theirs.status) == (EntryStatus.ACCEPTED, EntryStatus.REVOKED)
    assert "1 of your own left: another admin revokes them" in done.message
