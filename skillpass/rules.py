"""The date rules of PRODUCT.md §3, as pure functions.

No database and no Flask here: everything arrives as plain values, "today"
included, so the rules can be tested as a table and reused by every screen
(passport, team matrix, forecasts, impact previews).
"""
from __future__ import annotations

import calendar
import datetime as dt
import enum
from functools import lru_cache
from dataclasses import dataclass

DEFAULT_WARNING_DAYS = 60
# The earliest date a completion or a start can have: anything before is a mistyped year.
EARLIEST_DATE = dt.date(1950, 1, 1)
TOO_EARLY = "That is before 1950: check the year."


class Status(enum.Enum):
    COMPLETE = "complete"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    OVERDUE = "overdue"
    TODO = "todo"
    NOT_REQUIRED = "not_required"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def colour(self) -> str:
        """NHS.UK tag colour; the word is always shown beside it."""
        return _COLOURS[self]

    @property
    def counts_as_met(self) -> bool:
        return self in (Status.COMPLETE, Status.EXPIRING)

    @property
    def counts_as_unmet(self) -> bool:
        return self in (Status.OVERDUE, Status.EXPIRED)


_LABELS = {
    Status.COMPLETE: "Complete",
    Status.EXPIRING: "Expiring",
    Status.EXPIRED: "Expired",
    Status.OVERDUE: "Overdue",
    Status.TODO: "To do",
    Status.NOT_REQUIRED: "Not required",
}
_COLOURS = {
    Status.COMPLETE: "green",
    Status.EXPIRING: "orange",
    Status.EXPIRED: "red",
    Status.OVERDUE: "red",
    Status.TODO: "blue",
    Status.NOT_REQUIRED: "grey",
}


# ---------------------------------------------------------------- dates

@lru_cache(maxsize=8192)   # team pages format the same few thousand dates tens of thousands of times
def format_date(d: dt.date) -> str:
    """19 Jan 2026 — the one date format people see."""
    return f"{d.day} {d.strftime('%b %Y')}"


@lru_cache(maxsize=65536)  # pure, and a team matrix asks for the same (date, months) over and over
def add_months(d: dt.date, months: int) -> dt.date:
    """Calendar months; a day past the end of the target month is clamped.

    31 Aug + 6 months = 28 Feb (29 Feb in a leap year); 29 Feb + 12 months = 28 Feb.
    """
    total = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(total, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(d.day, last_day))


@dataclass(frozen=True)
class Offset:
    """A section's due offset: N days, weeks or months."""

    amount: int
    unit: str  # "days" | "weeks" | "months"

    def __post_init__(self):
        if self.amount < 0:
            raise ValueError("an offset cannot be negative")
        if self.unit not in ("days", "weeks", "months"):
            raise ValueError(f"unknown offset unit {self.unit!r}")

    def after(self, d: dt.date) -> dt.date:
        if self.unit == "months":
            return add_months(d, self.amount)
        days = self.amount * 7 if self.unit == "weeks" else self.amount
        return d + dt.timedelta(days=days)

    def describe(self) -> str:
        if self.amount == 0:
            return "day one"
        unit = self.unit[:-1] if self.amount == 1 else self.unit
        return f"{self.amount} {unit}"


def describe_frequency(months: int | None) -> str:
    """How the passport names a frequency: Once, Annual, Every 3 years …"""
    if months is None:
        return "Once"
    if months == 12:
        return "Annual"
    if months % 12 == 0:
        return f"Every {months // 12} years"
    if months == 1:
        return "Monthly"
    return f"Every {months} months"


# ---------------------------------------------------------------- due and expiry

@dataclass(frozen=True)
class Due:
    on: dt.date
    reason: str  # "start date 5 Jan 2026 + 2 weeks"


def assignment_anchor(start_date: dt.date, assigned_on: dt.date) -> dt.date:
    """A = the later of the start date and the assignment date."""
    return assigned_on if assigned_on > start_date else start_date


def item_anchor(a: dt.date, item_added_on: dt.date) -> dt.date:
    """The base of D: the later of A and the day the item was added."""
    return item_added_on if item_added_on > a else a


def anchor_of(start_date: dt.date, assigned_on: dt.date, item_added_on: dt.date) -> dt.date:
    """The day an item's due date counts from: the latest of start, assignment and the item's arrival.

    The team figures take it in two steps (A once per person and passport, then the item's base),
    the same two functions."""
    return item_anchor(assignment_anchor(start_date, assigned_on), item_added_on)


def anchor_date(start_date: dt.date, assigned_on: dt.date) -> tuple[dt.date, str]:
    """A = the later of the start date and the assignment date, with its name."""
    a = assignment_anchor(start_date, assigned_on)
    return a, ("start date" if a == start_date else "assigned")


def due_on(*, start_date: dt.date, assigned_on: dt.date, item_added_on: dt.date, offset: Offset) -> dt.date:
    """D alone, without its reason: for the team-wide figures, where millions are computed."""
    return offset.after(anchor_of(start_date, assigned_on, item_added_on))


def due_date(
    *, start_date: dt.date, assigned_on: dt.date, item_added_on: dt.date, offset: Offset
) -> Due:
    """D = base + offset, base being the later of A and the day the item was added."""
    a, base_name = anchor_date(start_date, assigned_on)
    base = item_anchor(a, item_added_on)
    if base != a:
        base_name = "item added"
    on = offset.after(base)
    if offset.amount == 0:
        reason = f"{base_name} {format_date(base)} (day one)"
    else:
        reason = f"{base_name} {format_date(base)} + {offset.describe()}"
    return Due(on=on, reason=reason)


def expiry_date(completed_on: dt.date, frequency_months: int | None) -> dt.date | None:
    """E = completion date + frequency; one-off items never expire."""
    if frequency_months is None:
        return None
    return add_months(completed_on, frequency_months)


# ---------------------------------------------------------------- status

@dataclass(frozen=True)
class ItemState:
    status: Status
    due: Due | None             # when there is no accepted entry
    expires_on: dt.date | None  # when there is an accepted entry of a recurring item
    completed_on: dt.date | None
    frequency_months: int | None
    awaiting: bool              # an entry awaits sign-off
    mandatory: bool
    required: bool
    # The chain rule's words (PRODUCT.md §6.3): what was counted, and what renewing it needs now.
    refresher: bool = False     # the counted completion was the refresher
    by_certificate: bool = False  # E is the certificate's own expiry, earlier than the rule's
    renewal: str = ""           # "" | REFRESHER_DUE | FULL_COURSE_NEEDED
    renew_by: dt.date | None = None  # with a refresher: the last day one keeps the chain (E + grace)
    grace_months: int = 0

    @property
    def label(self) -> str:
        return status_line(self.status, awaiting=self.awaiting, completed_on=self.completed_on,
                           mandatory=self.mandatory)

    @property
    def word(self) -> str:
        """The status word alone, as its tag shows it ("Optional · not done" for an optional item not done)."""
        return status_word(self.status, mandatory=self.mandatory)

    @property
    def colour(self) -> str:
        """The tag colour beside the word: an optional item is never red."""
        return status_colour(self.status, mandatory=self.mandatory)

    @property
    def awaiting_words(self) -> str | None:
        """"awaiting sign-off" or "renewal awaiting sign-off", when an entry awaits one (the passport's tag);
        nothing beside Not required, as in the status line."""
        if not self.awaiting or self.status is Status.NOT_REQUIRED:
            return None
        return awaiting_words(self.completed_on)

    @property
    def counts(self) -> bool:
        """Does this item count towards compliance at all?"""
        return self.required and self.mandatory

    @property
    def short_date_line(self) -> str:
        """The due or expiry date alone, as the team matrix and its export show it."""
        return short_date_line(self.status, due_on=self.due.on if self.due else None,
                               expires_on=self.expires_on, completed_on=self.completed_on,
                               refresher=self.refresher, by_certificate=self.by_certificate, renewal=self.renewal)

    @property
    def date_line(self) -> str:
        """The due or expiry date shown, with its one-line reason: the short line, then why."""
        line = self.short_date_line
        if self.status is Status.NOT_REQUIRED:
            return line
        if self.completed_on is not None:
            if self.expires_on is None:
                return line
            return long_expiry_line(self.status, expires_on=self.expires_on, completed_on=self.completed_on,
                                    frequency_months=self.frequency_months, refresher=self.refresher,
                                    by_certificate=self.by_certificate, renewal=self.renewal,
                                    renew_by=self.renew_by, grace_months=self.grace_months)
        if self.due is None:
            return line
        return f"{line}: {self.due.reason}"


def awaiting_words(completed_on: dt.date | None) -> str:
    """What an entry awaiting sign-off is called beside a status: a renewal once the item was done."""
    return "renewal awaiting sign-off" if completed_on is not None else "awaiting sign-off"


# An optional item that is not done (or has lapsed) says so in grey: it never counts, so it is never red.
OPTIONAL_NOT_DONE = "Optional · not done"
OPTIONAL_EXPIRED = "Optional · expired"
_OPTIONAL_WORDS = {Status.TODO: OPTIONAL_NOT_DONE, Status.OVERDUE: OPTIONAL_NOT_DONE, Status.EXPIRED: OPTIONAL_EXPIRED}


def status_word(status: Status, *, mandatory: bool = True) -> str:
    """The word a status is shown with: its label, or for an optional item not done "Optional · not done"."""
    if not mandatory and status in _OPTIONAL_WORDS:
        return _OPTIONAL_WORDS[status]
    return status.label


def status_colour(status: Status, *, mandatory: bool = True) -> str:
    """The NHS.UK tag colour shown beside the word: grey for an optional item not done, never red."""
    if not mandatory and status in _OPTIONAL_WORDS:
        return "grey"
    return status.colour


def status_css(status: Status, *, mandatory: bool = True) -> str:
    """The class suffix a cell or row is coloured by: "optional" for an optional item not done."""
    if not mandatory and status in _OPTIONAL_WORDS:
        return "optional"
    return status.value


def status_line(status: Status, *, awaiting: bool, completed_on: dt.date | None, mandatory: bool = True) -> str:
    """The status word, and the awaiting marker after it: "Expiring · renewal awaiting sign-off"."""
    word = status_word(status, mandatory=mandatory)
    if not awaiting or status is Status.NOT_REQUIRED:
        return word
    return f"{word} · {awaiting_words(completed_on)}"


def days_from(today: dt.date, on: dt.date) -> str:
    """How far a date is from today, in words: "today", "tomorrow", "in 23 days", "yesterday", "12 days ago"."""
    days = (on - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    return f"in {days} days" if days > 0 else f"{-days} days ago"


def expires_in(today: dt.date, expires_on: dt.date) -> str:
    """"expires in 23 days", "expires tomorrow", "expired today", "expired 3 days ago": the to-do list's words
    for an expiry (an item expires on E itself, PRODUCT.md §3)."""
    days = (expires_on - today).days
    return f"{'expires' if days > 0 else 'expired'} {days_from(today, expires_on)}"


def short_date_line(status: Status, *, due_on: dt.date | None, expires_on: dt.date | None,
                    completed_on: dt.date | None, refresher: bool = False, by_certificate: bool = False,
                    renewal: str = "") -> str:
    """The date a status is about, in the words every output uses: "Due 19 Jan 2026",
    "Expires 15 Jan 2028: completed 15 Jan 2026", "Completed 3 Mar 2025: one-off, does not expire".
    The passport adds the reason after it (ItemState.date_line)."""
    if status is Status.NOT_REQUIRED:
        if completed_on is not None:
            return f"No longer required: last completed {format_date(completed_on)}"
        return "No longer required"
    if completed_on is not None:
        if expires_on is None:
            return f"Completed {format_date(completed_on)}: one-off, does not expire"
        verb = "Expired" if status is Status.EXPIRED else "Expires"
        done = f"{'refresher' if refresher else 'completed'} {format_date(completed_on)}"
        line = f"{verb} {format_date(expires_on)}: {done}"
        if by_certificate:
            line = f"{verb} {format_date(expires_on)}: certificate's own expiry ({done})"
        return f"{line} · {renewal}" if renewal else line
    if due_on is None:
        return ""
    return f"Due {format_date(due_on)}"


def item_state(
    *,
    today: dt.date,
    due: Due,
    frequency_months: int | None,
    latest_accepted_on: dt.date | None,
    awaiting: bool = False,
    mandatory: bool = True,
    required: bool = True,
    warning_days: int = DEFAULT_WARNING_DAYS,
    chain: Chain | None = None,
    has_refresher: bool = False,
    grace_months: int = 0,
) -> ItemState:
    """The status of one item for one person on day *today* (PRODUCT.md §3; with *chain*, the chain rule of
    §6.3 decides what was completed and when it expires, and latest_accepted_on is not read)."""
    expires_on = None
    by_certificate = refresher = False
    if chain is not None:
        latest_accepted_on = chain.completed_on
        expires_on = chain.expires_on
        by_certificate = chain.by_certificate
        refresher = chain.counted is not None and chain.counted.refresher
    elif latest_accepted_on is not None:
        expires_on = expiry_date(latest_accepted_on, frequency_months)
    if not required:
        status = Status.NOT_REQUIRED
    else:
        status = status_of(today=today, due_on=due.on, expires_on=expires_on,
                           latest_accepted_on=latest_accepted_on, warning_days=warning_days)
    renewal, renew_by = ("", None) if not required else renewal_of(
        status, today=today, expires_on=expires_on, has_refresher=has_refresher, grace_months=grace_months,
        counted=latest_accepted_on is not None, completed_on=latest_accepted_on, frequency_months=frequency_months)
    return ItemState(
        status=status,
        due=due if latest_accepted_on is None else None,
        expires_on=expires_on,
        completed_on=latest_accepted_on,
        frequency_months=frequency_months,
        awaiting=awaiting,
        mandatory=mandatory,
        required=required,
        refresher=refresher,
        by_certificate=by_certificate,
        renewal=renewal,
        renew_by=renew_by,
        grace_months=grace_months,
    )


def status_of(*, today: dt.date, due_on: dt.date, expires_on: dt.date | None, latest_accepted_on: dt.date | None,
              warning_days: int) -> Status:
    """The status table of PRODUCT.md §3, for a required item: the first row that applies."""
    if latest_accepted_on is not None:
        if expires_on is None or today < expires_on - dt.timedelta(days=warning_days):
            return Status.COMPLETE
        if today < expires_on:
            return Status.EXPIRING
        return Status.EXPIRED
    if today > due_on:
        return Status.OVERDUE
    return Status.TODO


# The chain rule of qualifications (§6.3) and compliance live in modules of their own, read through here.
from skillpass.compliance import (  # noqa: E402  (after everything they import from here)
    OPTIONAL_INDEX, TALLIED, TALLY_INDEX, TALLY_SIZE, Compliance, compliance)
from skillpass.chain_rule import (  # noqa: E402
    FULL_COURSE_NEEDED, REFRESHER_DUE, TOO_LATE, Chain, Link, Standing, chain_of, link_order, long_expiry_line,
    refresher_limit, renewal_of, standing_of)

__all__ = ["OPTIONAL_INDEX", "TALLIED", "TALLY_INDEX", "TALLY_SIZE", "Compliance", "compliance", "FULL_COURSE_NEEDED",
           "REFRESHER_DUE", "TOO_LATE", "Chain", "Link", "Standing", "chain_of", "link_order", "long_expiry_line",
           "refresher_limit", "renewal_of", "standing_of"]
