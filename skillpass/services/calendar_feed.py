"""A person's private calendar feed (PRODUCT.md §6.7): their due and expiry dates as iCalendar (RFC 5545).

Built from the passport itself (services/passport.py), so the feed's dates and words are the page's: one
all-day event per passport row that has a due or expiry date, its summary naming the item and the date
("Fire safety expires"), its description the row's status line and date line. A constant number of
queries whatever the number of items: the feed's row and its person, then the passport's own queries.

The address carries a long random token; the feed is found by the token's SHA-256 and the token then
compared in constant time. Resetting the address replaces the token, so the old address answers 404.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from icalendar import Calendar, Event
from sqlalchemy import select

from skillpass import rules
from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import CalendarFeed, EntryStatus, Person
from skillpass.services import audit
from skillpass.services.passport import Passport, Row, build_passport
from skillpass.subjects import subject_key

PRODID = "-//SkillPass//Calendar feed//EN"
# How often a subscribing calendar is asked to look again (RFC 7986 REFRESH-INTERVAL, and Outlook's own).
REFRESH = dt.timedelta(hours=12)
# Each entry of an item's subject adds to its events' SEQUENCE as it moves on: recorded (1), decided (2),
# revoked or superseded (3). Entries are never deleted and only move forward, so SEQUENCE grows whenever a
# record, a decision or a revocation can have moved the date.
_STAGE = {EntryStatus.AWAITING: 1, EntryStatus.ACCEPTED: 2, EntryStatus.REJECTED: 2, EntryStatus.WITHDRAWN: 2,
          EntryStatus.REVOKED: 3, EntryStatus.SUPERSEDED: 3}


# ---------------------------------------------------------------- the address

def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> str:
    return secrets.token_urlsafe(32)   # 256 random bits, 43 characters safe in a URL


def token_of(person: Person) -> str | None:
    """The token of the person's feed address, or None if they have not asked for one."""
    return db.session.scalar(select(CalendarFeed.token).where(CalendarFeed.person_id == person.id))


def make_address(person: Person) -> str:
    """Give the person a feed address if they have none; asking again changes nothing (a double click)."""
    feed = db.session.get(CalendarFeed, person.id)
    if feed is not None:
        return feed.token
    token = _new_token()
    db.session.add(CalendarFeed(person_id=person.id, token=token, token_key=_key(token)))
    audit.log(actor=person, action=Action.CALENDAR_ADDRESS_MADE, subject=person, person_id=person.id,
              summary=f"{person.name} made their calendar address")
    db.session.flush()
    return token


def reset_address(person: Person) -> str:
    """A new address for the person's feed: the old one answers 404 from now on."""
    feed = db.session.get(CalendarFeed, person.id)
    token = _new_token()
    if feed is None:
        db.session.add(CalendarFeed(person_id=person.id, token=token, token_key=_key(token)))
    else:
        feed.token, feed.token_key = token, _key(token)
    audit.log(actor=person, action=Action.CALENDAR_ADDRESS_RESET, subject=person, person_id=person.id,
              summary=f"{person.name} reset their calendar address")
    db.session.flush()
    return token


def person_for(token: str) -> Person | None:
    """The active person whose feed address carries *token*, or None (wrong, reset, or deactivated)."""
    if not token or len(token) > 64:
        return None
    found = db.session.execute(
        select(CalendarFeed.token, Person).join(Person, Person.id == CalendarFeed.person_id)
        .where(CalendarFeed.token_key == _key(token))
    ).first()
    if found is None or not hmac.compare_digest(found[0].encode(), token.encode()):
        return None
    person = found[1]
    return person if person.active else None


# ---------------------------------------------------------------- the events

@dataclass(frozen=True)
class FeedEvent:
    item_id: int
    on: dt.date
    summary: str
    description: str
    sequence: int
    modified: dt.datetime


def _summary(row: Row) -> str:
    what = "expires" if row.state.completed_on is not None else "due"
    optional = "" if row.item.mandatory else " (optional)"
    return f"{row.item.title} {what}{optional}"


def _date_of(row: Row) -> dt.date | None:
    """The date the passport row states: the expiry once done, else the due date; None for an item not
    required or done once and for all."""
    state = row.state
    if state.status is rules.Status.NOT_REQUIRED:
        return None
    if state.completed_on is not None:
        return state.expires_on
    return state.due.on if state.due is not None else None


def events(passport: Passport, *, since: dt.datetime) -> list[FeedEvent]:
    """One event per passport row with a due or expiry date, in the passport's order. *since* is when
    an event with no record behind it is said to have last changed (its assignment's time, else this)."""
    subjects: dict = {}
    for row in passport.rows:
        subjects.setdefault(subject_key(row.item.id, row.item.code), []).extend(row.history)
    out = []
    placed = [(row, f"{tv.template.name} · {sv.section.name}", tv.assignment)
              for tv in passport.templates for sv in tv.sections for row in sv.rows]
    for row, where, assignment in placed:
        on = _date_of(row)
        if on is None:
            continue
        history = subjects[subject_key(row.item.id, row.item.code)]
        stamps = [e.decided_at or e.recorded_at for e in history] + [e.recorded_at for e in history]
        stamps.append(assignment.created_at if assignment is not None else since)
        out.append(FeedEvent(
            item_id=row.item.id,
            on=on,
            summary=_summary(row),
            description="\n".join((row.state.label, row.state.date_line, where)),
            sequence=sum(_STAGE.get(e.status, 0) for e in history),
            modified=max(stamps),
        ))
    return out


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment.astimezone(dt.timezone.utc)


def feed(person: Person, *, today: dt.date, warning_days: int, now: dt.datetime, host: str,
         passport_url: str, organisation: str) -> bytes:
    """The person's feed as iCalendar bytes (CRLF line ends, long lines folded)."""
    passport = build_passport(person, today=today, warning_days=warning_days, with_informal=False)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    name = f"SkillPass: {person.name}"
    cal.add("x-wr-calname", name)
    cal.add("name", name)
    cal.add("x-wr-caldesc", f"Due and expiry dates of {person.name}'s skills passport, {organisation}")
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", REFRESH)
    for item in events(passport, since=now):
        modified = _utc(item.modified).replace(microsecond=0)
        event = Event()
        event.add("uid", f"skillpass-{person.id}-item-{item.item_id}@{host}")
        event.add("dtstamp", modified)
        event.add("last-modified", modified)
        event.add("sequence", item.sequence)
        event.add("dtstart", item.on)
        event.add("dtend", item.on + dt.timedelta(days=1))
        event.add("summary", item.summary)
        event.add("description", f"{item.description}\n{passport_url}")
        event.add("url", passport_url)
        event.add("transp", "TRANSPARENT")   # a date to remember, not time taken
        event.add("class", "PRIVATE")
        cal.add_component(event)
    return cal.to_ical()
