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
