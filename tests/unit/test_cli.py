"""The flask commands a deployment uses: create-admin and seed-demo."""
from __future__ import annotations

from sqlalchemy import func, select

from skillpass.models import AuditEvent, Person, Role


def _admins(db):
    return db.session.scalars(select(Person).where(Person.role == Role.ADMIN)).all()


def test_create_admin_makes_the_first_admin_on_a_fresh_database(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=[
        "create-admin", "--email", "Head.Of.LD@Trust.nhs.uk", "--name", "Jo Bloggs",
        "--password", "a-long-enough-password",
    ])
    assert result.exit_code == 0, result.output
    assert "created" in result.output
    db.session.expire_all()
    [admin] = _admins(db)
    assert admin.email == "head.of.ld@trust.nhs.uk"
    assert admin.check_password("a-long-enough-password")
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "person.created")) == 1


def test_create_admin_refuses_a_short_password_and_a_taken_email(app, db):
    runner = app.test_cli_runner()
    short = runner.invoke(args=["create-admin", "--email", "a@b.org", "--name", "A", "--password", "short"])
    assert short.exit_code != 0
    assert "12 characters" in short.output
    assert _admins(db) == []

    ok = runner.invoke(args=["create-admin", "--email", "a@b.org", "--name", "A", "--password", "long-enough-pass"])
    assert ok.exit_code == 0, ok.output
    again = runner.invoke(args=["create-admin", "--email", "A@B.org", "--name", "B", "--password", "long-enough-pass"])
    assert again.exit_code != 0
    assert "already has an account" in again.output
    db.session.expire_all()
    assert len(_admins(db)) == 1


def test_create_admin_refuses_a_password_made_of_their_name_or_the_organisations(app, db):
    from skillpass.services.settings import set_setting

    set_setting("organisation_name", "Northgate NHS Trust")
    db.session.commit()
    runner = app.test_cli_runner()
    own = runner.invoke(args=["create-admin", "--email", "a@b.org", "--name", "Amara Adeyemi",
                              "--password", "amaraadeyemi1"])
    assert own.exit_code != 0 and "your own name" in own.output
    org = runner.invoke(args=["create-admin", "--email", "a@b.org", "--name", "Amara Adeyemi",
                              "--password", "Northgate2026"])
    assert org.exit_code != 0 and "the organisation's name" in org.output
    assert _admins(db) == []
    ok = runner.invoke(args=["create-admin", "--email", "a@b.org", "--name", "Amara Adeyemi",
                             "--password", "trust the tidal lemon sparrow"])   # "trust" alone names no trust
    assert ok.exit_code == 0, ok.output


def test_orphans_lists_then_removes_files_no_record_names(app, db, world):
    """A process that died between writing an upload and recording it leaves a file no row names."""
    import os
    import time
    from pathlib import Path

    from skillpass.services import evidence as evidence_service

    checked = evidence_service.Checked(data=b"%PDF-1.4 certificate", file_type=evidence_service.PDF,
                                       filename="cert.pdf")
    kept = evidence_service.save(checked, person=world.learner, actor=world.learner)
    db.session.commit()
    folder = Path(app.config["UPLOAD_FOLDER"])
    stray = folder / ("a" * 32 + ".pdf")
    stray.write_bytes(b"%PDF-1.4 nobody's")
    half = folder / ".upload-x1y2"
    half.write_bytes(b"half written")
    young = folder / ("b" * 32 + ".pdf")
    young.write_bytes(b"%PDF-1.4 still being saved")
    theirs = folder / "README.txt"          # not a name SkillPass gives: never touched
    theirs.write_text("backups are taken nightly")
    hour_ago = time.time() - 2 * 3600
    for path in (stray, half, theirs, evidence_service.path_of(kept)):
        os.utime(path, (hour_ago, hour_ago))

    runner = app.test_cli_runner()
    listed = runner.invoke(args=["orphans"])
    assert listed.exit_code == 0, listed.output
    assert str(stray) in listed.output and str(half) in listed.output
    assert str(young) not in listed.output and kept.stored_name not in listed.output
    assert "2 files without a record found" in listed.output
    assert stray.exists() and half.exists()           # listing removes nothing

    removed = runner.invoke(args=["orphans", "--remove"])
    assert removed.exit_code == 0 and "2 files without a record removed" in removed.output
    assert not stray.exists() and not half.exists()
    assert young.exists() and theirs.exists() and evidence_service.path_of(kept).exists()
    assert "No file without a record." in runner.invoke(args=["orphans"]).output
