"""Credit across passports: "holding X counts as Y" (issue 17). An accepted entry of the source item (any item
of its subject), or an accepted *equivalent training demonstrated* entry naming the source qualification,
satisfies each target item, under the same date rules. A mapping is ended, never deleted."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillpass.extensions import db
from skillpass.models._types import UTCDateTime, utcnow


class CreditMapping(db.Model):
    __tablename__ = "credit_mapping"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"), index=True)
    # A named external qualification ("Care Certificate standard 13"), as the admin wrote it, and in the form
    # entries' "organisation or qualification" is compared in (skillpass.subjects.normalise_name).
    source_qualification: Mapped[str] = mapped_column(String(200), default="")
    source_key: Mapped[str] = mapped_column(String(300), default="", index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    targets: Mapped[list[CreditTarget]] = relationship(back_populates="mapping", lazy="raise",
                                                       order_by="CreditTarget.id")

    __table_args__ = (
        # Exactly one source: an item, or a named qualification.
        CheckConstraint("(source_item_id IS NULL) <> (source_qualification = '')", name="one_source"),
        CheckConstraint("source_qualification = '' OR source_key <> ''", name="qualification_has_key"),
    )

    @property
    def live(self) -> bool:
        return self.ended_at is None


class CreditTarget(db.Model):
    __tablename__ = "credit_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    mapping_id: Mapped[int] = mapped_column(ForeignKey("credit_mapping.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)

    mapping: Mapped[CreditMapping] = relationship(back_populates="targets", lazy="raise")

    __table_args__ = (UniqueConstraint("mapping_id", "item_id", name="uq_credit_target"),)
