"""Verify links: the short link (and QR code) every printed passport carries to its public verify page
(PRODUCT.md §6.6), and the rate limit of that page.

A person has at most one live link (the partial unique index uq_verify_link_live): every print of their passport
carries the same one until the learner or an admin withdraws it; the next print then makes a new one. A withdrawn
link is kept and answers "withdrawn" for ever.

The token is 12 characters of a 29-character alphabet without look-alikes (no 0/o, 1/l/i, u/v): about 58 bits,
chosen by `secrets`, short enough to type from paper, far too many to guess at the page's rate limit.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from skillpass import clock
from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import Person, SignInFailure, VerifyLink

ALPHABET = "abcdefghjkmnpqrstwxyz23456789"   # no i, l, o, u, v, 0, 1: nothing read as something else
TOKEN_LENGTH = 12

# The verify page's rate limit: this many views a minute from one client address, counted in the database so
# every web server shares it (the table the sign-in throttle uses, under a key of its own).
VIEWS_PER_MINUTE = 30
WINDOW = dt.timedelta(minutes=1)
_THROTTLE_KEY = hashlib.sha256(b"skillpass verify page views").hexdigest()


def new_token() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(TOKEN_LENGTH))


def _live(person_id: int) -> VerifyLink | None:
    return db.session.scalar(select(VerifyLink).where(VerifyLink.person_id == person_id,
                                                      VerifyLink.withdrawn_at.is_(None)))


def current(person: Person) -> VerifyLink | None:
    """The person's live link, or None (nothing is made)."""
    return _live(person.id)


def live_link(person: Person, actor) -> VerifyLink:
    """The person's live link, made (and audited) when they have none. Two prints at once: one insert wins
    (the partial unique index), the other reads the winner's link."""
    link = _live(person.id)
    if link is not None:
        return link
    try:
        with db.session.begin_nested():
            link = _insert(person, actor)
    except IntegrityError:
        link = _live(person.id)
        if link is not None:
            return link
        with db.session.begin_nested():   # a token collision (about 2^-58 a print), not a race: once more
            link = _insert(person, actor)
    _audit_made(person, link, actor)
    return link


def _insert(person: Person, actor) -> VerifyLink:
    link = VerifyLink(person_id=person.id, token=new_token(), created_at=clock.now(),
                      created_by_id=getattr(actor, "id", None))
    db.session.add(link)
    db.session.flush()
    return link


def _audit_made(person: Person, link: VerifyLink, actor) -> None:
    # Written after the savepoint, in the request's own transaction (its flush is what marks the request as
    # one that wrote: transaction.py commits it).
    from skillpass.services import audit

    audit.log(actor=actor, action=Action.VERIFY_LINK_MADE, subject=link, person_id=person.id,
              summary=f"Verify link made for {person.name}'s printed passport")
    db.session.flush()


def live_links(people: list[Person], actor) -> dict[int, VerifyLink]:
    """Everyone's live link, for a bulk print: read in one query, the missing ones made in one go."""
    ids = [p.id for p in people]
    links = {link.person_id: link for link in db.session.scalars(
        select(VerifyLink).where(VerifyLink.person_id.in_(ids), VerifyLink.withdrawn_at.is_(None)))} if ids else {}
    missing = [p for p in people if p.id not in links]
    if missing:
        try:
            with db.session.begin_nested():
                links.update(_make_many(missing, actor))
        except IntegrityError:   # someone printed one of them at the same moment: one by one, as a single print
            for person in missing:
                links[person.id] = live_link(person, actor)
    return links


def _make_many(people: list[Person], actor) -> dict[int, VerifyLink]:
    """New links for *people* (none of whom has a live one), audited: three statements however many."""
    from skillpass.models import AuditEvent

    now, actor_id = clock.now(), getattr(actor, "id", None)
    db.session.execute(insert(VerifyLink), [dict(person_id=p.id, token=new_token(), created_at=now,
                                                 created_by_id=actor_id) for p in people])
    made = {link.person_id: link for link in db.session.scalars(select(VerifyLink).where(
        VerifyLink.person_id.in_([p.id for p in people]), VerifyLink.withdrawn_at.is_(None)))}
    # As audit.log writes them, in one statement.
    db.session.execute(insert(AuditEvent), [dict(
        at=now, actor_id=actor_id, action=Action.VERIFY_LINK_MADE, subject_type="VerifyLink",
        subject_id=made[p.id].id, person_id=p.id,
        summary=f"Verify link made for {p.name}'s printed passport") for p in people])
    return made


def withdraw(person: Person, actor) -> VerifyLink | None:
    """Withdraw the person's live link (its page answers "withdrawn" from now); the next print makes a new one.
    None when there was none."""
    from skillpass.services import audit

    link = _live(person.id)
    if link is None:
        return None
    link.withdrawn_at = clock.now()
    link.withdrawn_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.log(actor=actor, action=Action.VERIFY_LINK_WITHDRAWN, subject=link, person_id=person.id,
              summary=f"Verify link withdrawn for {person.name}: printed passports no longer verify")
    return link


def renew(person: Person, actor) -> VerifyLink:
    """Withdraw the live link (if any) and make a new one at once."""
    withdraw(person, actor)
    return live_link(person, actor)


def holder(link: VerifyLink) -> Person:
    return db.session.get_one(Person, link.person_id)


def find(token: str) -> VerifyLink | None:
    if len(token) != TOKEN_LENGTH or any(c not in ALPHABET for c in token):
        return None
    return db.session.scalar(select(VerifyLink).where(VerifyLink.token == token))


# The printed link and its QR code -------------------------------------------------------------------------------

def url(token: str, *, base_url: str | None = None) -> str:
    """The verify page's absolute address: SKILLPASS_BASE_URL when set, else *base_url* (a bulk print's thread
    has no request: the address of the request that started it), else the request's."""
    from skillpass.services.credentials import issuing

    if base_url and not current_app.config.get("BASE_URL"):
        parts = urlsplit(base_url)
        adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
        return adapter.build("credentials.verify", {"token": token}, force_external=True)
    return issuing.link("credentials.verify", token=token)


@dataclass(frozen=True)
class Printed:
    """What a printed passport carries: the link's address, in words, and its QR code as a data: URI."""
    url: str
    qr: str


def printed(token: str, *, base_url: str | None = None) -> Printed:
    import segno

    address = url(token, base_url=base_url)
    buffer = io.BytesIO()
    # SVG: vector, so WeasyPrint draws it crisp at any size; a quiet zone of 4 modules, as scanners need.
    segno.make(address, error="m", micro=False).save(buffer, kind="svg", scale=1, border=4, xmldecl=False,
                                                       svgns=True, nl=False)
    return Printed(url=address, qr="data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode())


# The verify page's rate limit ------------------------------------------------------------------------------------

def limit() -> int:
    return int(current_app.config.get("VERIFY_VIEWS_PER_MINUTE", VIEWS_PER_MINUTE))


def count_view(address: str) -> int:
    """Count one view of a verify page from *address* (the caller commits it, whatever the answer) and return
    how many there have been in the last minute, this one included."""
    now = dt.datetime.now(dt.timezone.utc)   # real time, as the sign-in throttle
    address = (address or "unknown")[:64]
    db.session.add(SignInFailure(email_key=_THROTTLE_KEY, ip=address, at=now))
    db.session.execute(delete(SignInFailure).where(SignInFailure.email_key == _THROTTLE_KEY,
                                                   SignInFailure.at < now - dt.timedelta(hours=1)))
    db.session.flush()
    return db.session.scalar(select(func.count(SignInFailure.id)).where(
        SignInFailure.email_key == _THROTTLE_KEY, SignInFailure.ip == address, SignInFailure.at > now - WINDOW))


# What the verify page shows --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckedItem:
    """One item as the verify page shows it: its title and code, the counted record's dates, the status word,
    and the verdict on the record (authentic and current, expired on…, revoked on…, or none to check)."""
    title: str
    code: str
    completed_on: dt.date | None
    expires_on: dt.date | None
    word: str
    colour: str
    verdict: str          # "current" | "expired" | "revoked" | "none"
    revoked_on: dt.date | None = None


@dataclass(frozen=True)
class CheckedPassport:
    name: str
    items: list[CheckedItem]


@dataclass(frozen=True)
class Checked:
    name: str
    organisation: str
    passports: list[CheckedPassport]
    today: dt.date


def check(person: Person, *, today: dt.date | None = None) -> Checked:
    """The person's passports as the public verify page shows them, from the records as they are now: an entry
    revoked (or corrected) since the passport was printed shows so. Nothing else about the person is read out:
    no employee number, email, job role, team, notes, evidence or who signed. A constant number of queries."""
    from skillpass.models import EntryStatus
    from skillpass.services.passport import build_passport
    from skillpass.services.settings import get_settings
    from skillpass.rules import Status

    settings = get_settings()
    today = today or clock.today()
    passport = build_passport(person, today=today, warning_days=settings.warning_days, with_informal=False)
    out = []
    for tv in passport.templates:
        if not tv.live:
            continue
        items = []
        for row in tv.rows:
            accepted = row.accepted
            # Every record of the subject that was ever accepted (a revoked one was accepted first): when the
            # newest of them is revoked, the item says so, whatever older record still counts.
            ever = [e for r in (row, *passport.same_subject(row)) for e in r.history
                    if e.status in (EntryStatus.ACCEPTED, EntryStatus.REVOKED)]
            newest = max(ever, key=lambda e: (e.completed_on, e.recorded_at, e.id), default=None)
            revoked_on = None
            if newest is not None and newest.status is EntryStatus.REVOKED and (
                    accepted is None or (newest.completed_on, newest.recorded_at, newest.id)
                    > (accepted.completed_on, accepted.recorded_at, accepted.id)):
                revoked_on = newest.decided_at.date() if newest.decided_at else None
                verdict = "revoked"
            elif accepted is None:
                verdict = "none"
            elif row.state.status is Status.EXPIRED or (row.state.expires_on and row.state.expires_on <= today):
                verdict = "expired"
            else:
                verdict = "current"
            items.append(CheckedItem(
                title=row.item.title, code=row.item.code or "",
                completed_on=accepted.completed_on if accepted else None,
                expires_on=row.state.expires_on if accepted else None,
                word=row.state.word, colour=row.state.colour, verdict=verdict, revoked_on=revoked_on))
        out.append(CheckedPassport(name=tv.template.name, items=items))
    return Checked(name=person.name, organisation=settings.organisation_name, passports=out, today=today)
