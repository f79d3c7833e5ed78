"""An import of historic completions, kept as one thing: who brought which file in, when, and which entries
it made, so that a bad import can be found and revoked in one action."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from skillpass.extensions import db
from skillpass.models._types import UTCDateTime, utcnow

# Each imported entry points to its import (an entry is in one import at most). A table of its own, so
# that the entry table, which its triggers keep from being changed, is not rebuilt.
import_batch_entry = Table(
    "import_batch_entry",
    db.metadata,
    Column("entry_id", Integer, ForeignKey("entry.id"), primary_key=True),
    Column("import_batch_id", Integer, ForeignKey("import_batch.id"), nullable=False, index=True),
)


class ImportBatch(db.Model):
    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(120))
    imported_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Entries it made (a large import lands in batches: this counts what landed).
    entry_count: Mapped[int] = mapped_column(default=0)
