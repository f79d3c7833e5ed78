"""The migrations build exactly the schema the models describe, and come back down.

Each test starts from a fresh, empty database: a SQLite file in tmp_path, and,
when SKILLPASS_TEST_DATABASE_URL is set, a PostgreSQL database created and
dropped by the test.
"""
from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from skillpass import create_app
from skillpass.extensions import db as _db
from tests.conftest import PG_URL, _pg_admin_engine, _pg_url_for, base_config

# SQLite always; PostgreSQL too when the suite runs against a server (scripts/with-postgres.sh).
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(params=BACKENDS)
def empty_database_uri(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"sp_mig_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield _pg_url_for(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def fresh_app(empty_database_uri, tmp_path):
    app = create_app(base_config(empty_database_uri, tmp_path))
    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()


def _schema_differences() -> list:
    """What `flask db check` looks at: autogenerate's diff of the live database
    against the models, compared as Flask-Migrate configures it (compare_type)."""
    with _db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, _db.metadata)


def _tables() -> set[str]:
    with _db.engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def _audit_triggers() -> set[str]:
    with _db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            rows = conn.execute(text(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
                " UNION SELECT proname FROM pg_proc WHERE proname = 'audit_event_append_only'"
            ))
        else:
            rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        return {r[0] for r in rows}


def _head() -> str:
    from alembic.script import ScriptDirectory
    from flask import current_app

    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_current_head()


def test_the_database_starts_empty(fresh_app):
    assert _tables() == set()


def test_upgrade_builds_exactly_the_models(fresh_app):
    upgrade()
    assert _tables() == set(_db.metadata.tables) | {"alembic_version"}
    assert _schema_differences() == []
    with _db.engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == _head()


def test_upgrade_adds_the_audit_triggers(fresh_app):
    upgrade()
    triggers = _audit_triggers()
    if _db.engine.dialect.name == "postgresql":
        assert {"audit_event_no_change", "audit_event_no_truncate", "audit_event_append_only"} <= triggers
    else:
        assert {"audit_event_no_update", "audit_event_no_delete"} <= triggers


def test_downgrade_to_base_leaves_nothing_and_upgrade_works_again(fresh_app):
    upgrade()
    downgrade(revision="base")

    assert _tables() <= {"alembic_version"}
    assert _audit_triggers() == set()
    with _db.engine.connect() as conn:
        if "alembic_version" in _tables():
            assert conn.scalar(text("SELECT count(*) FROM alembic_version")) == 0

    upgrade()
    assert _tables() == set(_db.metadata.tables) | {"alembic_version"}
    assert _schema_differences() == []
    assert _audit_triggers()


def test_flask_db_check_passes_on_the_migrated_database(fresh_app):
    upgrade()
    result = fresh_app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, (result.output, result.exception)


def test_flask_db_check_fails_on_an_unmigrated_database(fresh_app):
    """The check is not vacuous: with nothing applied it reports the difference."""
    result = fresh_app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code != 0
