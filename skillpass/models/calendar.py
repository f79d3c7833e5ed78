"""A person's private calendar feed: the secret in its address (PRODUCT.md §6.7)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from skillpass.extensions import db
from skillpass.models._types import UTCDateTime, utcnow


class CalendarFeed(db.Model):
    """One row per person who has asked for a feed address; resetting the address replaces both values.

    The feed is found by ``token_key`` (the SHA-256 of the token, so the lookup compares nothing an
    attacker chose byte by byte) and then ``token`` is compared in constant time. The token itself is kept
    because the person's account page shows their address again."""
    __tablename__ = "calendar_feed"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    token: Mapped[str] = mapped_column(String(64))
    token_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
