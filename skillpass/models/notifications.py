"""What email each person chooses to receive (PRODUCT.md §6.7), and the secret of their unsubscribe links.

No row: everything on (the defaults). A row is made when the person saves their choices, or when a digest
first goes to them (its unsubscribe link needs the secret)."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from skillpass.extensions import db


class EmailPreference(db.Model):
    __tablename__ = "email_preference"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    decisions: Mapped[bool] = mapped_column(default=True)        # an entry of mine approved, rejected, revoked
    learner_digest: Mapped[bool] = mapped_column(default=True)   # my weekly digest: due or expiring soon
    queue_digest: Mapped[bool] = mapped_column(default=True)     # educators: the daily sign-off queue
    lapse_summary: Mapped[bool] = mapped_column(default=True)    # educators: the monthly 30/60/90-day lapses
    # The secret in every unsubscribe link of this person, kept with its SHA-256 (what a link is found by).
    token: Mapped[str] = mapped_column(String(64))
    token_key: Mapped[str] = mapped_column(String(64), unique=True)
