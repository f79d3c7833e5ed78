"""CSV import of historic completions: codes or national names, preview, all or nothing, no duplicates."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import AuditEvent, Entry, EntryMethod, EntryStatus

HEADER = "employee_number,item,completed_on,expires_on"


def _upload(client, content: str):
    return client.post("/admin/import/completions", data={"file": (io.BytesIO(content.encode("utf-8")), "esr.csv")},
                       content_type="multipart/form-data")


def _confirm(client, html):
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)
    return client.post("/admin/import/completions/confirm", data={"token": token, "filename": "esr.csv"})


def test_completions_by_code_and_national_name_are_imported_once(as_admin, as_learner, world):
    number = world.learner.employee_number
    content = (f"\ufeff{HEADER}\r\n{number},CSTF-FIRE,2025-03-14,2027-03-14\r\n"
               f"{number},NHS|CSTF|Managing work and life stress - 3 Years|,14/01/2026,\r\n")
    html = _upload(as_admin, content).get_data(as_text=True)
    assert "<strong>2</strong> completions to add" in html
    assert _confirm(as_admin, html).status_code == 303
    entries = db.session.scalars(select(Entry).where(Entry.person_id == world.learner.id)).all()
    assert {(e.item_id, e.method, e.status) for e in entries} == {
        (world.fire.id, EntryMethod.IMPORTED, EntryStatus.ACCEPTED),
        (world.stress.id, EntryMethod.IMPORTED, EntryStatus.ACCEPTED)}
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "entry.imported")).all()
    assert sorted(e.after["row"] for e in events) == [2, 3] and all(e.after["file"] == "esr.csv" for e in events)
    assert all(e.actor_id == world.admin.id for e in events)
    # The learner's passport shows them, with their dates and statuses.
    passport = as_learner.get("/passport").get_data(as_text=True)
    assert "Expires 14 Mar 2027: completed 14 Mar 2025 + 24 months" in passport and "(imported record)" in passport
    # The same file again adds nothing.
    again = _upload(as_admin, content).get_data(as_text=True)
    assert "<strong>0</strong> completions to add" in again and "<strong>2</strong> already on record" in again


@pytest.mark.parametrize("row, column, reason", [
    ("E99999,CSTF-FIRE,2025-03-14,", "employee_number", "Nobody has the employee number"),
    ("{n},CSTF-NOPE,2025-03-14,", "item", "No item has the code or national name"),
    ("{n},CSTF-FIRE,2027-01-01,", "completed_on", "In the future."),
    ("{n},CSTF-FIRE,yesterday,", "completed_on", "is not a date"),
    ("{n},CSTF-FIRE,2025-03-14,2025-03-01", "expires_on", "Not after the completion date."),
])
def test_a_bad_row_imports_nothing_and_says_why(as_admin, world, row, column, reason):
    good = f"{world.learner.employee_number},NHS|CSTF|Managing work and life stress - 3 Years|,2026-01-14,"
    content = f"{HEADER}\n{good}\n{row.format(n=world.learner.employee_number)}\n"
    response = _upload(as_admin, content)
    html = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 422 and "Nothing was imported" in html
    assert f'<td class="nhsuk-table__cell">3</td><td class="nhsuk-table__cell">{column}</td>' in html
    assert reason in html
    assert db.session.scalars(select(Entry)).all() == []


def test_duplicate_rows_within_a_file_are_refused(as_admin, world):
    row = f"{world.learner.employee_number},CSTF-FIRE,2025-03-14,"
    html = _upload(as_admin, f"{HEADER}\n{row}\n{row}\n").get_data(as_text=True)
    assert "The same completion as row 2." in html


def test_only_admins_import_completions(as_educator):
    assert _upload(as_educator, HEADER + "\n").status_code == 403
