"""Forms taken once: each form that creates something carries a one-time token, claimed here in
the same transaction as what it creates. A second sending of the same form (a double click, a
retry, a replay, twenty at once) finds the token taken and changes nothing."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from skillpass.extensions import db
from skillpass.models._types import UTCDateTime, utcnow


class FormSubmission(db.Model):
    __tablename__ = "form_submission"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    # What the form did ("passport.record", "admin.people_import_confirm" …), for the record.
    endpoint: Mapped[str] = mapped_column(String(80))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
