"""Training sessions: one item, one date, many people (a register)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from skillpass.extensions import db
from skillpass.models._types import UTCDateTime, utcnow


class TrainingSession(db.Model):
    """A session an educator or admin ran or recorded: each attendee's entry names it (Entry.session_id).

    The signed attendance sheet, when there is one, is an Evidence file kept in the recorder's name (it lists
    everyone who attended, so it is served from the session page, never from a learner's passport)."""

    __tablename__ = "training_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    held_on: Mapped[dt.date]
    trainer: Mapped[str] = mapped_column(String(200))
    venue: Mapped[str] = mapped_column(String(200), default="")
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
