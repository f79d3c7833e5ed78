"""A large import (people, or historic completions) confirmed by an admin and made by the job worker."""
from __future__ import annotations

import datetime as dt
import enum

from flask import current_app
from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from skillpass import clock
from skillpass.extensions import db
from skillpass.models._types import UTCDateTime, enum_column, utcnow


class ImportKind(enum.Enum):
    PEOPLE = "people"
    COMPLETIONS = "completions"


class ImportRunStatus(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    READY = "ready"
    FAILED = "failed"
    STOPPED = "stopped"     # a batch lost a race with someone's change: what came before it is kept


class ImportRun(db.Model):
    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[ImportKind] = mapped_column(enum_column(ImportKind, "import_kind"))
    # The preview's one-time token, and its checked file (UPLOAD_FOLDER/imports/<token>.csv, removed when the
    # run ends) as the admin named it.
    token: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(120))
    # What the checked preview counted when it was confirmed: {"added", "updated", "unchanged"} for people,
    # {"added", "already"} for completions. The words and the import's audit entry say these, however many
    # runs it took.
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    status: Mapped[ImportRunStatus] = mapped_column(enum_column(ImportRunStatus, "import_run_status"),
                                                    default=ImportRunStatus.QUEUED)
    outcome: Mapped[str] = mapped_column(Text, default="")      # the words the admin sees when it ends
    # A completions import's one batch (made at confirmation, so a run handed on adds to the same one); a
    # people import's own audit entry, once written (the "invite the people just added" link).
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))
    event_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    enqueued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    progressed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # As a bulk print's (models/print_jobs.py): each claim raises attempts with a conditional UPDATE, and
    # every later write of the run is checked against it (a worker that lost its claim writes nothing).
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    claimed_by: Mapped[str | None] = mapped_column(String(120))

    __mapper_args__ = {"version_id_col": attempts, "version_id_generator": False}

    @property
    def percent(self) -> int:
        return (100 * self.done) // self.total if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (ImportRunStatus.READY, ImportRunStatus.FAILED, ImportRunStatus.STOPPED)

    @property
    def what(self) -> str:
        return "people" if self.kind is ImportKind.PEOPLE else "completions"

    @property
    def waiting_for_worker(self) -> bool:
        """Not finished, and no worker has moved it on for longer than a lease (none has taken it yet, or the
        one making it stopped): it is handed on again, and goes on where it stopped, once a worker runs."""
        if self.finished:
            return False
        moments = [m for m in (self.created_at, self.enqueued_at, self.progressed_at) if m is not None]
        lease = dt.timedelta(seconds=current_app.config["JOBS_LEASE_SECONDS"])
        return bool(moments) and clock.now() - max(moments) > lease
