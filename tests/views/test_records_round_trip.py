"""SkillPass's own records export is taken by its own completions import as it is (issue 18: "SkillPass's own
records export is refused by its own import"): exported from one SkillPass and imported into another (its own
database) holding the same people — under other employee numbers, as at another employer — and the same
passport, it gives the same accepted records, as the import records them (accepted, imported). Rows the import
cannot use are reported, never dropped silently."""
from __future__ import annotations

import csv
from html import unescape
import datetime as dt
import io
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from skillpass import create_app
from skillpass.extensions import db
from skillpass.models import Entry, EntryActivity, EntryMethod, EntryStatus, Role

from tests import factories
from tests.conftest import SHARED_BYTECODE, IsolatedClient, base_config, sign_in

NOW = dt.datetime(2026, 2, 1, 9, 0, tzinfo=dt.timezone.utc)
KEPT = ("Email", "Item", "Code", "Passport", "Completed on", "Expires on", "Activity")


def _refresher(world):
    world.fire.refresher_title, world.fire.grace_months = "Fire safety update", 3
    db.session.commit()
    return world


def _entry(world, item, on, status=EntryStatus.ACCEPTED, **values):
    entry = Entry(person_id=values.pop("person", world.learner).id, item_id=item.id, completed_on=on,
                  method=values.pop("method", EntryMethod.HERE), status=status, recorded_by_id=world.learner.id,
                  recorded_at=NOW, **values)
    db.session.add(entry)
    return entry


def _records(client) -> list[dict]:
    response = client.get("/team/export/records?format=csv")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _upload(client, data: bytes, name="records.csv"):
    return client.post("/admin/import/completions", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _confirm(client, html):
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)
    filename = re.search(r'name="filename" value="([^"]*)"', html).group(1)
    return client.post("/admin/import/completions/confirm", data={"token": token, "filename": filename})


def test_the_records_export_names_each_record_by_email_and_activity(as_admin, world):
    _refresher(world)
    _entry(world, world.fire, dt.date(2025, 5, 1), activity=EntryActivity.REFRESHER)
    _entry(world, world.stress, dt.date(2025, 6, 1))
    db.session.commit()
    rows = {r["Item"]: r for r in _records(as_admin)}
    assert (rows["Fire safety"]["Email"], rows["Fire safety"]["Activity"]) == ("lee@example.test", "Refresher")
    assert (rows["Managing work and life stress"]["Email"], rows["Managing work and life stress"]["Activity"]) == (
        "lee@example.test", "")


def test_a_row_without_a_known_person_is_reported_and_a_mismatch_refused(as_admin, world):
    content = ("Employee number,Email,Item,Code,Status,Completed on,Passport\r\n"
               f",nobody@example.test,Fire safety,CSTF-FIRE,Accepted,2025-05-01,{world.template.name}\r\n"
               f"{world.learner.employee_number},olu@example.test,Fire safety,CSTF-FIRE,Accepted,2025-05-01,"
               f"{world.template.name}\r\n")
    response = _upload(as_admin, content.encode())
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "Nobody has the email “nobody@example.test”." in html
    assert f"The employee number “{world.learner.employee_number}” is Lee Learner's but the email" in html


def _second_app(tmp_path, migrated_template):
    path = tmp_path / "second.db"
    shutil.copy(migrated_template, path)
    second = create_app(base_config(f"sqlite:///{path}", tmp_path / "second"))
    second.jinja_env.bytecode_cache = SHARED_BYTECODE
    second.test_client_class = IsolatedClient
    return second


def test_exported_from_one_skillpass_and_imported_into_another_gives_the_same_accepted_records(
        as_admin, world, tmp_path, migrated_template):
    if not isinstance(migrated_template, Path):
        pytest.skip("the second instance is a SQLite file copy")
    _refresher(world)
    _entry(world, world.fire, dt.date(2024, 4, 1))
    _entry(world, world.fire, dt.date(2026, 1, 10), activity=EntryActivity.REFRESHER)
    _entry(world, world.stress, dt.date(2025, 6, 1), certificate_expires_on=dt.date(2025, 12, 1),
           method=EntryMethod.EQUIVALENT, equivalent_source="Leeds")                   # no code: passport + title
    _entry(world, world.competency, dt.date(2025, 9, 9), method=EntryMethod.OBSERVED, person=world.other_learner)
    _entry(world, world.optional, dt.date(2025, 7, 7), status=EntryStatus.REJECTED, decision_reason="No")
    _entry(world, world.optional, dt.date(2025, 8, 8), status=EntryStatus.AWAITING)
    db.session.commit()
    exported = _records(as_admin)
    first = sorted(tuple(r[k] for k in KEPT) for r in exported if r["Status"] == "Accepted")
    assert len(first) == 4
    data = as_admin.get("/team/export/records?format=csv").get_data()
    number_here = world.learner.employee_number

    second = _second_app(tmp_path, migrated_template)
    with second.app_context():
        there = _refresher(factories.world())       # the same people and passport, other employee numbers
        assert there.learner.employee_number != number_here
        client = sign_in(second.test_client(), there.admin)
        html = _upload(client, data).get_data(as_text=True)
        assert "<strong>4</strong> completions to add" in html, html
        assert re.search(r"Skipped, not counted in the source file:\s*<strong>1</strong> Awaiting sign-off, "
                         r"<strong>1</strong> Rejected", html)
        assert _confirm(client, html).status_code == 303
        imported = _records(client)
        again = sorted(tuple(r[k] for k in KEPT) for r in imported)
        entries = db.session.scalars(select(Entry)).all()
        assert {(e.status, e.method) for e in entries} == {(EntryStatus.ACCEPTED, EntryMethod.IMPORTED)}
        stress = next(e for e in entries if e.item_id == there.stress.id)
        assert "Recorded there as: Equivalent training demonstrated at Leeds." in stress.note
        # Imported again: everything is on record already.
        html = _upload(client, data).get_data(as_text=True)
        assert "<strong>4</strong> already on record" in html and "<strong>0</strong> completions to add" in html
        db.session.remove()
        db.engine.dispose()
    assert again == first
    assert {r["Status"] for r in imported} == {"Accepted"} and {r["How"] for r in imported} == {"Imported record"}


def test_a_record_of_a_passport_archived_here_is_skipped_not_refused(as_admin, world):
    from skillpass.models import TemplateStatus
    other = factories.template("Retired passport")
    section = factories.section(other, "Day one", 0, "days")
    factories.item(section, "Old drill", code=None)
    other.status = TemplateStatus.ARCHIVED
    db.session.commit()
    content = ("Employee number,Email,Item,Code,Status,Completed on,Passport\r\n"
               f"{world.learner.employee_number},lee@example.test,Old drill,,Accepted,2025-05-01,Retired passport\r\n"
               f"{world.learner.employee_number},lee@example.test,Fire safety,CSTF-FIRE,Accepted,2025-05-01,"
               f"{world.template.name}\r\n")
    html = _upload(as_admin, content.encode()).get_data(as_text=True)
    assert "<strong>1</strong> completion to add" in html and "<strong>1</strong> row skipped, not in any passport" in html
