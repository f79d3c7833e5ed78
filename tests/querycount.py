"""Count the SQL statements a block of code sends: for constant-query tests."""
from __future__ import annotations

import contextlib

from sqlalchemy import event

from skillpass.extensions import db


_KEPT_DATES_WRITES = ("INSERT INTO ITEM_DATES", "UPDATE ITEM_DATES", "DELETE FROM ITEM_DATES",
                      "INSERT INTO PASSPORT_DATES", "UPDATE PASSPORT_DATES", "DELETE FROM PASSPORT_DATES",
                      # The trend's month ends (services/trend_months.py): the same, and one upsert of their sums.
                      "INSERT INTO TREND_MONTHS ", "UPDATE TREND_MONTHS ", "DELETE FROM TREND_MONTHS ",
                      "INSERT INTO TREND_MONTH_COUNTS ",
                      # The admin home's counts of the kept dates (services/date_counts.py): one upsert a table.
                      "INSERT INTO ITEM_DATE_COUNTS ", "INSERT INTO PASSPORT_DATE_COUNTS ",
                      # ... and, only when a write changed a kept row, the builds those upserts add to and (on
                      # PostgreSQL) the lock they share (date_counts.add_difference): never read by a page.
                      "SELECT DATE_COUNTS_BUILT.GENERATION, DATE_COUNTS_BUILT.CUTOFF, DATE_COUNTS_BUILT.WINDOW_END "
                      "\nFROM DATE_COUNTS_BUILT ORDER BY",
                      "SELECT PG_ADVISORY_XACT_LOCK_SHARED(")


class QueryLog:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    @property
    def kept_dates_writes(self) -> int:
        """The kept dates' own writes (services/item_dates.py, services/trend_months.py): 0 to 3 statements a table
        (rows removed, changed, added), by what a write changed, never by how many rows."""
        return sum(1 for s in self.statements if s.lstrip().upper().startswith(_KEPT_DATES_WRITES))

    @property
    def without_kept_dates_writes(self) -> int:
        return self.count - self.kept_dates_writes

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
