"""SQLite files in WAL mode (issue 19): readers never wait for a writer, and a writer never waits for readers.

In SQLite's default rollback-journal mode a writer about to commit locks the whole file: every page a user asks
for waits behind an import's batch (and the job worker, a separate process, writes the same file). In WAL mode
a transaction writes to the write-ahead log beside the file (``<file>-wal``, with its index ``<file>-shm``), and
a reader goes on reading the database as it was when its transaction began. Writers still take turns, one at a
time (the busy timeout, 5 s, is how long one waits for its turn). The mode is the file's own and outlives the
connection; it is set on every new connection all the same, as it costs one statement at connect. WAL needs
every process on one host (not a network file system), which one SQLite file's SkillPass has already.

``synchronous`` stays FULL (SQLite's default): in WAL mode NORMAL would save one fsync of the log at each commit,
but a power cut or an operating-system crash could then lose the last commits, which people were told were
saved (a sign-off, a recorded completion). The database would still be whole; the records would not. At a few
commits a second, and an import's batch committing about once a second, the fsync costs little.

In-memory databases (and PostgreSQL) are left as they are.
"""
from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine


def _on_connect(connection, _record) -> None:
    if not isinstance(connection, sqlite3.Connection):
        return
    files = [row[2] for row in connection.execute("PRAGMA database_list") if row[1] == "main"]
    if not files or not files[0]:       # in memory, or a temporary database
        return
    connection.execute("PRAGMA journal_mode=WAL")


def register() -> None:
    """The factory calls this (more than once is harmless): every SQLite file the app's engines open."""
    if not event.contains(Engine, "connect", _on_connect):
        event.listen(Engine, "connect", _on_connect)
