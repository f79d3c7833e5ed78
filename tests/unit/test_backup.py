"""flask backup / flask restore: a round trip keeps every row of every table, and every evidence file."""
from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, select, text

from skillpass import create_app
from skillpass.extensions import db
from skillpass.models import ConfirmedLevel, Entry, EntryMethod, EntryStatus, SkillTarget
from skillpass.services import evidence as evidence_service
from skillpass.services import audit
from skillpass.services.skills import standing
from tests import factories
from tests.conftest import PG_URL, _pg_admin_engine, _pg_url_for, base_config


def _rows(url: str) -> dict[str, list]:
    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    out = {}
    with engine.connect() as conn:
        for name, table in meta.tables.items():
            order = list(table.primary_key.columns) or list(table.columns)
            out[name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
    engine.dispose()
    return out


@pytest.fixture
def empty_database(tmp_path):
    if PG_URL:
        name = f"sp_restore_{uuid.uuid4().hex[:8]}"
        admin = _pg_admin_engine()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield _pg_url_for(name)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        yield f"sqlite:///{tmp_path / 'restored.db'}"


def test_backup_and_restore_round_trip(app, world, tmp_path, empty_database):
    evidence = evidence_service.save(
        evidence_service.Checked(data=b"%PDF-1.4 a certificate", file_type=evidence_service.PDF, filename="c.pdf"),
        person=world.learner, actor=world.learner)
    entry = Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=dt.date(2026, 2, 1),
                  method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id,
                  evidence_id=evidence.id, note="Zoë's fire warden session")
    db.session.add(entry)
    db.session.flush()
    audit.log(actor=world.learner, action="entry.recorded", subject=entry, person_id=world.learner.id,
              summary="Fire safety", after={"status": "accepted"})
    # Skills (PRODUCT.md §6.5): a framework, a confirmed level and its kept standing, a job role's target.
    framework = factories.skills_framework()
    area = standing.live_areas(framework.id)[0]
    db.session.add_all([
        ConfirmedLevel(person_id=world.learner.id, area_id=area.id, level=2, note="Seen on the ward",
                       confirmed_on=dt.date(2026, 3, 1), confirmed_by_id=world.educator.id),
        SkillTarget(area_id=area.id, job_role="Support Worker", minimum=1, maximum=3),
    ])
    kept = standing.kept_row(world.learner.id, area.id)
    kept.confirmed_level, kept.confirmed_on = 2, dt.date(2026, 3, 1)
    db.session.commit()
    archive = tmp_path / "backup.tar.gz"

    result = app.test_cli_runner().invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert "1 evidence files" in result.output and archive.exists()

    restored_uploads = tmp_path / "restored-uploads"
    other = create_app({**base_config(empty_database, tmp_path), "UPLOAD_FOLDER": str(restored_uploads)})
    with other.app_context():   # as `flask restore` runs: in the restoring app's context
        result = other.test_cli_runner().invoke(args=["restore", str(archive)])
        db.engine.dispose()
    assert result.exit_code == 0, result.output

    original, copy = _rows(app.config["SQLALCHEMY_DATABASE_URI"]), _rows(empty_database)
    assert set(original) == set(copy) and "entry" in copy and "audit_event" in copy
    assert copy["skill_statement"] and copy["confirmed_level"] and copy["skill_target"] and copy["skill_standing"]
    for table in original:
        assert copy[table] == original[table], table
    assert (restored_uploads / evidence.stored_name).read_bytes() == b"%PDF-1.4 a certificate"

    # The restored database keeps its guards: the audit log is still append-only.
    engine = create_engine(empty_database)
    with pytest.raises(Exception), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event"))
    engine.dispose()

    # Restoring again over a database that now has data is refused.
    with other.app_context():
        again = other.test_cli_runner().invoke(args=["restore", str(archive)])
        db.session.remove()
        db.engine.dispose()
    assert again.exit_code != 0 and "not empty" in again.output
