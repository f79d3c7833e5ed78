"""Failed sign-ins, kept briefly so every worker shares one throttle."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from skillpass.extensions import db
from skillpass.models._types import UTCDateTime, utcnow


class SignInFailure(db.Model):
    __tablename__ = "sign_in_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A keyed hash of the lower-cased email typed, so the table holds no addresses.
    email_key: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        Index("ix_sign_in_failure_email_at", "email_key", "at"),
        Index("ix_sign_in_failure_ip_at", "ip", "at"),
    )
