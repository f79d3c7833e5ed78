"""Bulk prints: one PDF of many passports, made in the background."""
from __future__ import annotations

import datetime as dt
import enum

from flask import current_app
from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from skillpass import clock
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
    # The job queue (skillpass/jobs.py, print/bulk.py): how many times a worker has claimed it (each claim
    # raises it, with a conditional UPDATE, so two workers never make it at once; every write of a running
    # job is checked against it, so one that lost its claim writes nothing), which worker holds it
    # ("host:pid:token"), and when it was last handed to the queue.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    enqueued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The address the passports' links resolve against, as the page that asked saw it (a print handed to
    # the queue again is made as it would have been).
    base_url: Mapped[str] = mapped_column(String(500), default="", server_default="")

    __mapper_args__ = {"version_id_col": attempts, "version_id_generator": False}

    @property
    def percent(self) -> int:
        return (100 * self.done) // self.total if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (PrintJobStatus.READY, PrintJobStatus.FAILED)

    @property
    def waiting_for_worker(self) -> bool:
        """Not finished, and no worker has moved it on for longer than a worker's lease: none has picked it
        up yet, or the one making it stopped and another is yet to take it over. Not a failure: it is made
        once a worker runs (print/bulk.py hands stranded prints to the queue again)."""
        if self.finished:
            return False
        moments = [m for m in (self.created_at, self.enqueued_at, self.progressed_at) if m is not None]
        lease = dt.timedelta(seconds=current_app.config["JOBS_LEASE_SECONDS"])
        return bool(moments) and clock.now() - max(moments) > lease
