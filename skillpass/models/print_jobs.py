"""Bulk prints: one PDF of many passports, made in the background."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from skillpass.extensions import db
from skillpass.models._types import UTCDateTime, enum_column, utcnow


class PrintJobStatus(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    READY = "ready"
    FAILED = "failed"


class PrintJob(db.Model):
    __tablename__ = "print_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    person_ids: Mapped[list] = mapped_column(JSON)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    status: Mapped[PrintJobStatus] = mapped_column(enum_column(PrintJobStatus, "print_job_status"),
                                                   default=PrintJobStatus.QUEUED)
    stored_name: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When it last moved on (started, or finished a passport): a job that stops moving has lost the
    # worker that was making it.
    progressed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    @property
    def percent(self) -> int:
        return (100 * self.done) // self.total if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (PrintJobStatus.READY, PrintJobStatus.FAILED)
