"""A SQLite file runs in WAL mode (skillpass/sqlite_mode.py): a reader is never blocked by a writer's open
transaction, even one holding the file's exclusive lock (as a large import's batch does once it spills to the
file, and as every writer does while it commits). Two connections to one real file, as two processes have."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from skillpass import create_app
from skillpass.extensions import db

from tests.conftest import PG_URL, base_config

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="SQLite's journal mode: PostgreSQL has none")


def _file_app(tmp_path):
    return create_app(base_config(f"sqlite:///{tmp_path / 'wal.db'}", tmp_path))


def _writer_holding_the_file(path) -> sqlite3.Connection:
    """Another process's connection in the middle of a write that holds the file's exclusive lock."""
    writer = sqlite3.connect(path, isolation_level=None, timeout=0)
    writer.execute("BEGIN EXCLUSIVE")
    writer.execute("INSERT INTO notes (words) VALUES ('written, not committed')")
    return writer


def test_the_apps_connections_put_a_file_in_wal_mode(tmp_path):
    app = _file_app(tmp_path)
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA synchronous")).scalar() == 2       # FULL: see sqlite_mode.py
        db.session.remove()
        db.engine.dispose()
    with sqlite3.connect(tmp_path / "wal.db") as raw:          # the file's own mode, whoever opens it next
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_in_memory_database_is_left_alone(tmp_path):
    app = create_app(base_config("sqlite://", tmp_path))
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "memory"
        db.session.remove()


def test_a_reader_is_not_blocked_by_a_writers_open_transaction(tmp_path):
    app = _file_app(tmp_path)
    with app.app_context():
        db.session.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, words TEXT)"))
        db.session.execute(text("INSERT INTO notes (words) VALUES ('committed')"))
        db.session.commit()
        db.session.remove()
        writer = _writer_holding_the_file(tmp_path / "wal.db")
        try:
            # The app's reader does not wait (no busy timeout needed) and sees what was committed, not the rest.
            db.session.execute(text("PRAGMA busy_timeout = 0"))
            assert db.session.execute(text("SELECT words FROM notes ORDER BY id")).scalars().all() == ["committed"]
            db.session.remove()
            writer.execute("COMMIT")
            assert db.session.execute(text("SELECT count(*) FROM notes")).scalar() == 2
        finally:
            writer.close()
            db.session.remove()
            db.engine.dispose()


def test_in_the_old_rollback_journal_mode_the_same_reader_is_blocked(tmp_path):
    """What the test above guards against: the same two connections, the file in SQLite's default mode."""
    path = tmp_path / "journal.db"
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, words TEXT)")
        setup.execute("INSERT INTO notes (words) VALUES ('committed')")
    setup.close()
    writer = _writer_holding_the_file(path)
    reader = sqlite3.connect(path, timeout=0)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            reader.execute("SELECT words FROM notes").fetchall()
    finally:
        reader.close()
        writer.close()
