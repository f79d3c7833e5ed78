"""The dates the rules derive, kept as writes happen (issue 19, item 1).

ItemDates: one row for each mandatory item of each passport an active person holds: the completion counted
(the latest accepted one, or what the chain rule counts), when it expires, and, with nothing counted, when it
is (was) due; with the person's team beside it, so counting a team needs no join.
PassportDates: one row for each passport an active person holds: how many of its mandatory items have a
completion counted and how many have none, how many optional items it has, and the first expiry among the
counted ones (what standing_of turns on).

Statuses are not kept: they are worked out from these dates and today (rules.status_of, or the same table as
SQL ranges in figures/admin_overview.py), so nothing goes stale at midnight. services/item_dates.py writes the
rows in the same transaction as every write that changes them, and rebuilds them
(`flask rebuild-item-dates`)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, text
from sqlalchemy.orm import Mapped, mapped_column

from skillpass.extensions import db
from skillpass.models._types import UTCDateTime


class ItemDates(db.Model):
    __tablename__ = "item_dates"

    # Rows go with what they are about (an unused item deleted from a passport): they are derived, never a record.
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), primary_key=True)
    team_id: Mapped[int | None]                 # the person's team (None: no team), as the figures group them
    completed_on: Mapped[dt.date | None]        # the completion counted, if any
    expires_on: Mapped[dt.date | None]          # when that completion stops counting (None: it never does)
    due_on: Mapped[dt.date | None]              # nothing counted: when it is (was) due

    __table_args__ = (
        # What today moves: the counted completions by expiry, the items not done by due date (figures read
        # only the ranges before today and the warning window's end).
        # The person last (migration 0029): the team page counts who lapses, and who is out, person by person.
        Index("ix_item_dates_expiry", "expires_on", "team_id", "item_id", "person_id",
              sqlite_where=text("completed_on IS NOT NULL AND expires_on IS NOT NULL"),
              postgresql_where=text("completed_on IS NOT NULL AND expires_on IS NOT NULL")),
        Index("ix_item_dates_due", "due_on", "team_id", "item_id", "person_id",
              sqlite_where=text("completed_on IS NULL"), postgresql_where=text("completed_on IS NULL")),
        Index("ix_item_dates_item", "item_id", "completed_on"),
    )


class PassportDates(db.Model):
    __tablename__ = "passport_dates"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("passport_template.id", ondelete="CASCADE"),
                                             primary_key=True)
    team_id: Mapped[int | None]
    done: Mapped[int]                           # mandatory items with a completion counted
    missing: Mapped[int]                        # mandatory items with none
    optional: Mapped[int]                       # optional items (shown, never counted)
    first_expiry: Mapped[dt.date | None]        # the earliest expiry of the counted mandatory completions

    __table_args__ = (
        # What today moves for a passport with every mandatory item done: its first expiry (the admin home reads
        # the rows from the kept counts' cutoff to the warning window's end, services/date_counts.py).
        Index("ix_passport_dates_expiry", "first_expiry", "template_id", "team_id",
              sqlite_where=text("missing = 0 AND first_expiry IS NOT NULL"),
              postgresql_where=text("missing = 0 AND first_expiry IS NOT NULL")),
    )


class ItemDatesState(db.Model):
    """One row: when the kept dates were last built whole. None: never, or a migration changed what they
    mean; migrations/env.py builds them then (services/item_dates.rebuild)."""
    __tablename__ = "item_dates_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    built_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class TrendMonth(db.Model):
    """One row for each past month's end, active person and passport they held then: how that passport's
    mandatory items stood as of that day (the monthly trend, figures/monthly_trend.py), counted in the order
    rules.TALLIED fixes. Kept as writes happen for the month ends TrendMonthBuilt lists
    (services/trend_months.py); the current month, as of today, is counted over ItemDates instead."""
    __tablename__ = "trend_months"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("passport_template.id", ondelete="CASCADE"),
                                             primary_key=True)
    month_end: Mapped[dt.date] = mapped_column(primary_key=True)
    team_id: Mapped[int | None]                 # the person's team now, as the trend groups them
    job_role: Mapped[str]                       # and their job role now, as it filters them
    complete: Mapped[int]
    expiring: Mapped[int]
    overdue: Mapped[int]
    expired: Mapped[int]
    todo: Mapped[int]


class TrendMonthCount(db.Model):
    """TrendMonth's rows added up by month end, passport, team and job role, kept with them (each write adds the
    difference it made): what the trend reads, a few thousand rows for a trust of 30,000."""
    __tablename__ = "trend_month_counts"

    month_end: Mapped[dt.date] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("passport_template.id", ondelete="CASCADE"),
                                             primary_key=True)
    team_id: Mapped[int] = mapped_column(primary_key=True)     # 0: no team (a key cannot be NULL)
    job_role: Mapped[str] = mapped_column(primary_key=True)
    complete: Mapped[int]
    expiring: Mapped[int]
    overdue: Mapped[int]
    expired: Mapped[int]
    todo: Mapped[int]


class TrendMonthBuilt(db.Model):
    """The month ends whose TrendMonth rows are built for everyone, and with which warning window (Complete
    and Expiring are told apart by it): a month end missing here, or built with another window, is worked out
    from the entries when asked for until the job worker builds it (services/trend_months.ensure_built)."""
    __tablename__ = "trend_months_built"

    month_end: Mapped[dt.date] = mapped_column(primary_key=True)
    warning_days: Mapped[int]
    built_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class DateCountsBuilt(db.Model):
    """A build of the counts below: counted against a cutoff day C and the warning window's end E then (C and E:
    the day it was built, and that day's window), services/date_counts.py. The job worker makes a new one each
    day (and when the window changes) and lets go of all but the last two; none: the admin home counts the kept
    dates themselves."""
    __tablename__ = "date_counts_built"

    generation: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    cutoff: Mapped[dt.date]
    window_end: Mapped[dt.date]
    built_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ItemDateCount(db.Model):
    """ItemDates' rows added up by team and item, for each build: what the admin home reads instead of the rows
    themselves, a few tens of thousands of rows for a trust of 30,000. Kept with them (each write adds the
    difference it made to every build, services/date_counts.py). Nothing here turns on today: the admin home
    reads only the rows between the build's days and today's from ItemDates."""
    __tablename__ = "item_date_counts"

    generation: Mapped[int] = mapped_column(ForeignKey("date_counts_built.generation", ondelete="CASCADE"),
                                            primary_key=True)
    team_id: Mapped[int] = mapped_column(primary_key=True)     # 0: no team (a key cannot be NULL)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), primary_key=True)
    held: Mapped[int]                           # rows: holders of the item's passport
    not_done: Mapped[int]                       # of those, with no completion counted
    expired_before: Mapped[int]                 # done, expiring before the cutoff
    expiring: Mapped[int]                       # done, expiring from the cutoff to the window's end
    overdue_before: Mapped[int]                 # not done, due before the cutoff


class PassportDateCount(db.Model):
    """PassportDates' rows added up by team and passport, for each build, kept the same way."""
    __tablename__ = "passport_date_counts"

    generation: Mapped[int] = mapped_column(ForeignKey("date_counts_built.generation", ondelete="CASCADE"),
                                            primary_key=True)
    team_id: Mapped[int] = mapped_column(primary_key=True)     # 0: no team
    template_id: Mapped[int] = mapped_column(ForeignKey("passport_template.id", ondelete="CASCADE"),
                                             primary_key=True)
    held: Mapped[int]                           # rows: holders of the passport
    done: Mapped[int]
    missing: Mapped[int]
    optional: Mapped[int]
    stopped_before: Mapped[int]                 # an item not done, or a first expiry before the cutoff
    expiring: Mapped[int]                       # every item done, the first expiry from the cutoff to the window's end
