"""Qualifications (PRODUCT.md §6.3) as pure functions: the chain of an initial activity and its refreshers,
the expiry it gives (a certificate's own expiry when earlier), what renewing needs, and where a person
stands with a passport held as a qualification. No database and no Flask, as rules.py."""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Iterable

from skillpass.rules import Status, add_months, expiry_date, format_date




REFRESHER_DUE = "refresher due"
FULL_COURSE_NEEDED = "full course needed"
TOO_LATE = "too late: the full course is needed"


def renewal_of(status: Status, *, today: dt.date, expires_on: dt.date | None, has_refresher: bool,
               grace_months: int, counted: bool, completed_on: dt.date | None = None,
               frequency_months: int | None = None) -> tuple[str, dt.date | None]:
    """What renewing an item with a refresher needs on *today* (PRODUCT.md §6.3), with the last day a
    refresher would still do: "refresher due" while it is Expiring, or Expired before that day; "full course
    needed" once it has passed. That day is the chain's own limit (refresher_limit: the counted completion +
    frequency + grace), which is E + G whenever E is the rule's; when a certificate's own expiry made E
    earlier, the row still names the day a refresher would keep the chain, never one the chain contradicts.
    Nothing for an item without a refresher or one in date."""
    if not has_refresher or not counted or expires_on is None:
        return "", None
    renew_by = (refresher_limit(completed_on, frequency_months, grace_months)
                if completed_on is not None and frequency_months is not None else None)
    if renew_by is None:
        renew_by = add_months(expires_on, grace_months)
    if status is Status.EXPIRED and today > renew_by:
        return FULL_COURSE_NEEDED, renew_by
    if status in (Status.EXPIRING, Status.EXPIRED):
        return REFRESHER_DUE, renew_by
    return "", renew_by


def _months(n: int | None) -> str:
    return f"{n} month{'' if n == 1 else 's'}"


def _grace_words(grace_months: int) -> str:
    return f"grace {_months(grace_months)}" if grace_months else "no grace period"


def long_expiry_line(status: Status, *, expires_on: dt.date, completed_on: dt.date, frequency_months: int | None,
                     refresher: bool = False, by_certificate: bool = False, renewal: str = "",
                     renew_by: dt.date | None = None, grace_months: int = 0) -> str:
    """The passport's expiry line with its reason: "Expires 3 Mar 2027: refresher 3 Mar 2026 + 12 months",
    "Expires 1 Jun 2026: the certificate's own expiry, earlier than completed 3 Mar 2025 + 24 months", and
    after it what renewing needs ("Full course needed: refresher was due by 3 Jun 2026 (grace 3 months)")."""
    verb = "Expired" if status is Status.EXPIRED else "Expires"
    done = f"{'refresher' if refresher else 'completed'} {format_date(completed_on)}"
    if by_certificate:
        line = f"{verb} {format_date(expires_on)}: the certificate's own expiry"
        if frequency_months is not None:
            line += f", earlier than {done} + {_months(frequency_months)}"
        else:
            line += f" ({done})"
    else:
        line = f"{verb} {format_date(expires_on)}: {done} + {_months(frequency_months)}"
    if renewal == FULL_COURSE_NEEDED and renew_by is not None:
        line += f". Full course needed: refresher was due by {format_date(renew_by)} ({_grace_words(grace_months)})"
    elif renewal == REFRESHER_DUE and renew_by is not None:
        line += f". Refresher due by {format_date(renew_by)} ({_grace_words(grace_months)})"
    return line


@dataclass(frozen=True, slots=True)
class Link:
    """One accepted completion as the chain rule reads it: when, whether it was the refresher (not the initial
    activity), and the certificate's own expiry, if it has one. *key* names the entry (its id) for callers
    that mark the links that did not count; the rule never reads it."""
    completed_on: dt.date
    refresher: bool = False
    certificate_expires_on: dt.date | None = None
    key: object = None


@dataclass(frozen=True, slots=True)
class Chain:
    """What the accepted completions of a subject give an item (PRODUCT.md §6.3).

    counted: the last link of the latest unbroken chain, what the expiry counts from (None: nothing counts);
    expires_on: E, the earlier of the rule's (counted + frequency) and that link's certificate's own expiry;
    too_late: the keys of refreshers that did not count (after their chain's limit, or with no initial before);
    started_on: the initial completion the counted chain started with."""
    counted: Link | None
    expires_on: dt.date | None
    rule_expires_on: dt.date | None
    too_late: frozenset = frozenset()
    started_on: dt.date | None = None

    @property
    def completed_on(self) -> dt.date | None:
        return self.counted.completed_on if self.counted is not None else None

    @property
    def by_certificate(self) -> bool:
        """E is the certificate's own expiry, earlier than the rule's (or the rule gives none)."""
        return self.expires_on is not None and self.expires_on != self.rule_expires_on


def refresher_limit(completed_on: dt.date, frequency_months: int | None, grace_months: int) -> dt.date | None:
    """The last day a refresher keeps a chain going: the previous link + frequency + grace (None: no limit),
    added as the row says it, (completion + frequency) + grace, so a month end gives the day renewal_of names."""
    if frequency_months is None:
        return None
    return add_months(add_months(completed_on, frequency_months), grace_months)


def link_order(link: Link) -> tuple:
    """The order the chain rule reads links in: by day; of one day, the initial activity before refreshers; of
    one day and one activity, a record without a certificate's own expiry before one with, and of two
    certificates the earlier expiry last. The last read counts, so a certificate's own expiry is never hidden by
    a record of the same day without one (an import and the learner's own record, say), and the result never
    depends on the order the links arrive in."""
    own = link.certificate_expires_on
    return (link.completed_on, link.refresher, own is not None, -own.toordinal() if own is not None else 0)


def chain_of(links: Iterable[Link], *, frequency_months: int | None, grace_months: int = 0,
             has_refresher: bool = False) -> Chain:
    """The chain rule of PRODUCT.md §6.3 over a subject's accepted completions, in any order.

    An item without a refresher counts its latest completion, whatever it was recorded as (§3). With one:
    an initial completion always starts a new chain; a refresher extends the chain when it is completed no
    later than the previous link + frequency + grace, and otherwise (or with no initial before it) does not
    count. The latest chain counts; E = its last link + frequency, or that link's certificate's own expiry
    when earlier. Links of one day are read in link_order: initial first, then refreshers."""
    ordered = sorted(links, key=link_order)
    last: Link | None = None
    started: dt.date | None = None
    too_late = []
    for link in ordered:
        if not has_refresher or not link.refresher:
            last, started = link, link.completed_on
            continue
        limit = refresher_limit(last.completed_on, frequency_months, grace_months) if last is not None else None
        if last is None or (limit is not None and link.completed_on > limit):
            too_late.append(link.key)
            continue
        last = link
    if last is None:
        return Chain(counted=None, expires_on=None, rule_expires_on=None, too_late=frozenset(too_late))
    rule = expiry_date(last.completed_on, frequency_months)
    own = last.certificate_expires_on
    expires = own if own is not None and (rule is None or own < rule) else rule
    return Chain(counted=last, expires_on=expires, rule_expires_on=rule, too_late=frozenset(too_late),
                 started_on=started)


class Standing(enum.Enum):
    """Where a person stands with a passport held as a qualification (PRODUCT.md §6.3)."""
    MEETS = "meets"
    ABOUT_TO_LOSE = "about_to_lose"
    DOES_NOT_MEET = "does_not_meet"

    @property
    def label(self) -> str:
        return {"meets": "Meets", "about_to_lose": "About to lose", "does_not_meet": "Does not meet"}[self.value]

    @property
    def colour(self) -> str:
        return {"meets": "green", "about_to_lose": "orange", "does_not_meet": "red"}[self.value]


def standing_of(statuses: Iterable[Status]) -> Standing:
    """Meets when every mandatory item is Complete or Expiring; about to lose when it meets and any is
    Expiring; otherwise does not meet (a new starter with items still To do does not meet it yet).
    *statuses*: the mandatory, required items' statuses. A passport with none meets it."""
    expiring = False
    for status in statuses:
        if status is Status.EXPIRING:
            expiring = True
        elif status is not Status.COMPLETE:
            return Standing.DOES_NOT_MEET
    return Standing.ABOUT_TO_LOSE if expiring else Standing.MEETS
