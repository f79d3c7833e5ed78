"""Count the SQL statements a block of code sends: for constant-query tests."""
from __future__ import annotations

import contextlib

from sqlalchemy import event

from skillpass.extensions import db


class QueryLog:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def __repr__(self) -> str:
        return f"<{self.count} queries>\n" + "\n".join(s.splitlines()[0][:120] for s in self.statements)


@contextlib.contextmanager
def count_queries():
    log = QueryLog()

    def before(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "PRAGMA")):
            log.statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", before)
