"""Email: every message sent or kept (the outbox), and the one-time links that invitations and password
resets carry (only a hash of each link's secret is stored)."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from skillpass.extensions import db
from skillpass.models._types import UTCDateTime, enum_column, utcnow


class MessageStatus(enum.Enum):
    KEPT = "kept"        # no SMTP server configured (development): kept here, read in the app
    QUEUED = "queued"    # written by a request, sent once that request has committed
    SENT = "sent"
    FAILED = "failed"    # the SMTP server refused it or could not be reached: tried again next time

    @property
    def label(self) -> str:
        return {"kept": "Kept in the outbox", "queued": "Waiting to be sent", "sent": "Sent",
                "failed": "Failed"}[self.value]


class Message(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    # The same key is never sent twice (a digest of one day, say); None: no such promise.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[MessageStatus] = mapped_column(enum_column(MessageStatus, "message_status"), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class LinkPurpose(enum.Enum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"  # nosec B105 - a purpose's name, not a password


class OneTimeLink(db.Model):
    __tablename__ = "one_time_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    purpose: Mapped[LinkPurpose] = mapped_column(enum_column(LinkPurpose, "link_purpose"))
    # SHA-256 of the secret in the link: the table alone opens nothing.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # A newer link of the same purpose was sent to the person: this one no longer works.
    replaced_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_one_time_link_person_purpose", "person_id", "purpose"),)
