"""Entries against items, evidence files, and informal learning."""
from __future__ import annotations

import datetime as dt
import enum
from collections import namedtuple
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillpass.extensions import db
from skillpass.models._types import UTCDateTime, enum_column, utcnow
from skillpass.rules import format_date


class EntryMethod(enum.Enum):
    HERE = "here"              # completed here
    EQUIVALENT = "equivalent"  # equivalent training demonstrated elsewhere
    OBSERVED = "observed"      # observed practice, recorded by an educator
    IMPORTED = "imported"      # brought in from another system

    @property
    def label(self) -> str:
        return {
            "here": "Completed here",
            "equivalent": "Equivalent training demonstrated",
            "observed": "Observed practice",
            "imported": "Imported record",
        }[self.value]

    def describe(self, equivalent_source: str = "", *, session: bool = False, by_staff: bool = False,
                 verified: bool = False) -> str:
        """How an entry was made, in the words every output uses: the passport, the queue, the print, the
        export ("Equivalent training demonstrated at Leeds Teaching Hospitals", "Observed practice" …).

        *session*: the entry was made by a training session's register ("Attended a training session");
        *by_staff*: a completion recorded for the learner by an admin, not by the learner; *verified*: brought
        in as a verified credential from the organisation *equivalent_source* names (PRODUCT.md §6.6)."""
        if session:
            return SESSION_WORDS
        if self is EntryMethod.EQUIVALENT and verified:
            return f"{self.label}: verified credential from {equivalent_source}"
        if self is EntryMethod.EQUIVALENT and equivalent_source:
            return f"{self.label} at {equivalent_source}"
        if self is EntryMethod.HERE and by_staff:
            return f"{self.label}, recorded by an admin"
        return self.label


SESSION_WORDS = "Attended a training session"


class EntryActivity(enum.Enum):
    """Which activity of an item with a refresher an entry records (PRODUCT.md §6.3); every entry of an item
    without one is the initial activity."""
    INITIAL = "initial"
    REFRESHER = "refresher"

    @property
    def label(self) -> str:
        return {"initial": "Initial activity", "refresher": "Refresher"}[self.value]


class EntryStatus(enum.Enum):
    ACCEPTED = "accepted"
    AWAITING = "awaiting"    # awaiting sign-off or approval
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"  # corrected by its learner: a newer entry (supersedes_id) takes its place

    @property
    def label(self) -> str:
        return {
            "accepted": "Accepted",
            "awaiting": "Awaiting sign-off",
            "rejected": "Rejected",
            "withdrawn": "Withdrawn",
            "revoked": "Revoked",
            "superseded": "Corrected",
        }[self.value]


class Evidence(db.Model):
    """An uploaded file, stored outside static/ under a random name."""

    id: Mapped[int] = mapped_column(primary_key=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EntryWords:
    """What an entry says, worked out from its columns alone: shared by the mapped Entry and the plain read-only
    rows a page reads entries as (EntryRecord), so both say the same words."""
    __slots__ = ()

    @property
    def is_refresher(self) -> bool:
        return self.activity is EntryActivity.REFRESHER

    @property
    def is_live(self) -> bool:
        return self.status in (EntryStatus.ACCEPTED, EntryStatus.AWAITING)

    @property
    def self_declared(self) -> bool:
        """An accepted record of the learner's own that counted at once, without anyone checking it."""
        return (self.status is EntryStatus.ACCEPTED and self.method is EntryMethod.HERE
                and self.decided_by_id is None)

    @property
    def how(self) -> str:
        """How it was made, in words: "Completed here", "Equivalent training demonstrated at …" …"""
        return self.method.describe(self.equivalent_source, session=self.session_id is not None,
                                    by_staff=self.recorded_by_id != self.person_id,
                                    verified=self.verified_credential)

    @property
    def description(self) -> str:
        """The entry in words, how and when: "Equivalent training demonstrated at …, 1 Jun 2025". The same on
        the passport, the sign-off queue and the print (the export's "How" column is ``how``)."""
        return f"{self.how}, {format_date(self.completed_on)}"


class Entry(EntryWords, db.Model):
    """One record against an item. Never edited in place: a correction is a new entry.

    Only the decision fields change, once, as the entry moves out of
    *awaiting* (or from *accepted* to *revoked*).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    completed_on: Mapped[dt.date]
    method: Mapped[EntryMethod] = mapped_column(enum_column(EntryMethod, "entry_method"))
    equivalent_source: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    # The training session whose register recorded it (services/sessions.py), if any.
    session_id: Mapped[int | None] = mapped_column(ForeignKey("training_session.id"), index=True)
    status: Mapped[EntryStatus] = mapped_column(enum_column(EntryStatus, "entry_status"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The decision (sign-off, rejection, withdrawal, revocation) with a snapshot
    # of the decider's name and job title as they were, for print.
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_by_name: Mapped[str] = mapped_column(String(200), default="")
    decided_by_job_title: Mapped[str] = mapped_column(String(120), default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    # A learner's correction: the entry this one takes the place of (that one is then *superseded*).
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id"), unique=True)
    # Optimistic lock: a decision only applies to the version it was made on.
    version: Mapped[int] = mapped_column(default=1)
    # The initial activity or the refresher (PRODUCT.md §6.3), and the certificate's own expiry, if it has one.
    activity: Mapped[EntryActivity] = mapped_column(
        enum_column(EntryActivity, "entry_activity"), default=EntryActivity.INITIAL, server_default="initial")
    certificate_expires_on: Mapped[dt.date | None]
    # Brought in as a verified credential from another organisation (PRODUCT.md §6.6): equivalent_source names
    # the issuer, and the credential itself is kept beside it (models/credentials.py ImportedCredential).
    verified_credential: Mapped[bool] = mapped_column(default=False, server_default=text("false"))

    evidence: Mapped[Evidence | None] = relationship(lazy="raise")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_entry_person_item", "person_id", "item_id"),
        # At most one entry per person and item awaits a decision at a time.
        Index(
            "uq_entry_one_awaiting",
            "person_id",
            "item_id",
            unique=True,
            sqlite_where=text("status = 'awaiting'"),
            postgresql_where=text("status = 'awaiting'"),
        ),
        # The sign-off queue, oldest first (services/decisions.py): a page of it without sorting every entry that
        # waits; the person and item in it, so a page further on passes the entries before it on the index alone.
        Index("ix_entry_awaiting_queue", "recorded_at", "id", "person_id", "item_id",
              sqlite_where=text("status = 'awaiting'"), postgresql_where=text("status = 'awaiting'")),
        CheckConstraint(
            "method <> 'equivalent' OR equivalent_source <> ''", name="equivalent_needs_source"
        ),
        # The few entries the chain rule reads whole (the team figures find them by these).
        Index("ix_entry_certificate_expiry", "certificate_expires_on",
              sqlite_where=text("certificate_expires_on IS NOT NULL"),
              postgresql_where=text("certificate_expires_on IS NOT NULL")),
        Index("ix_entry_refresher", "activity",
              sqlite_where=text("activity = 'refresher'"), postgresql_where=text("activity = 'refresher'")),
        # A team's few entries with a certificate's own expiry, found by person (the team matrix asks which of its
        # people's subjects the chain rule reads whole): without it, every entry of those people was read.
        Index("ix_entry_person_certificate", "person_id", "item_id",
              sqlite_where=text("certificate_expires_on IS NOT NULL"),
              postgresql_where=text("certificate_expires_on IS NOT NULL")),
        CheckConstraint(
            "certificate_expires_on IS NULL OR certificate_expires_on > completed_on",
            name="certificate_expires_after_completion",
        ),
    )

    def stamp(self, status: EntryStatus, *, by, at: dt.datetime, reason: str | None = None) -> None:
        """Record a decision on this entry (a sign-off, an approval, a rejection, a revocation, a withdrawal,
        an observer's own sign-off): its new status, who made it, with their name and job title as they are
        now (for print), when, and the reason when one is given."""
        self.status = status
        self.decided_by_id = by.id
        self.decided_by_name = by.name
        self.decided_by_job_title = by.job_role
        self.decided_at = at
        if reason is not None:
            self.decision_reason = reason


class InformalEntry(db.Model):
    """Free learning outside any template: title, date, hours, reflection."""

    __tablename__ = "informal_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    completed_on: Mapped[dt.date]
    hours: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    reflection: Mapped[str] = mapped_column(Text, default="")
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (CheckConstraint("hours IS NULL OR hours >= 0", name="hours_not_negative"),)


# The columns an EntryRecord carries: every column of Entry but its optimistic lock.
ENTRY_RECORD_FIELDS = tuple(c.key for c in Entry.__table__.columns if c.key != "version")


class EntryRecord(namedtuple("EntryRecord", ENTRY_RECORD_FIELDS), EntryWords):
    """An entry read as a plain row, for the pages that only read entries (a passport: services/passport.py):
    the same attributes and words as Entry, at a tenth of the cost of a mapped object. Read with
    ``select(*entry_record_columns())``; write through Entry."""
    __slots__ = ()


def entry_record_columns():
    return [Entry.__table__.c[name] for name in ENTRY_RECORD_FIELDS]
