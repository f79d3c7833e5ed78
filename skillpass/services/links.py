"""One-time links (an invitation, a password reset): a random secret in the address, only its SHA-256
kept; each expires, works once, and a newer link of the same purpose for the same person ends the older."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update

from skillpass import clock
from skillpass.extensions import db
from skillpass.models import LinkPurpose, OneTimeLink, Person

MAX_TOKEN_LENGTH = 100


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(*, person: Person, purpose: LinkPurpose, lifetime: dt.timedelta, actor: Person | None = None) -> str:
    """A new link's secret; every earlier live link of this purpose for this person stops working."""
    now = clock.now()
    db.session.execute(update(OneTimeLink).where(
        OneTimeLink.person_id == person.id, OneTimeLink.purpose == purpose, OneTimeLink.used_at.is_(None),
        OneTimeLink.replaced_at.is_(None)).values(replaced_at=now))
    token = secrets.token_urlsafe(32)
    db.session.add(OneTimeLink(person_id=person.id, purpose=purpose, token_hash=_hash(token),
                               created_by_id=getattr(actor, "id", None), created_at=now, expires_at=now + lifetime))
    db.session.flush()
    return token


@dataclass(frozen=True)
class Checked:
    link: OneTimeLink | None
    person: Person | None
    problem: str | None       # None (it works), "unknown", "used", "replaced", "expired", "inactive"


def check(token: str, purpose: LinkPurpose) -> Checked:
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return Checked(None, None, "unknown")
    found = db.session.execute(select(OneTimeLink, Person).join(Person, Person.id == OneTimeLink.person_id)
                               .where(OneTimeLink.token_hash == _hash(token), OneTimeLink.purpose == purpose)).first()
    if found is None:
        return Checked(None, None, "unknown")
    link, person = found
    if link.used_at is not None:
        problem = "used"
    elif link.replaced_at is not None:
        problem = "replaced"
    elif link.expires_at <= clock.now():
        problem = "expired"
    elif not person.active:
        problem = "inactive"
    else:
        problem = None
    return Checked(link, person, problem)


def use(link: OneTimeLink) -> bool:
    """Mark the link used; False if another request used it first (only one of two at once wins)."""
    done = db.session.execute(update(OneTimeLink).where(OneTimeLink.id == link.id, OneTimeLink.used_at.is_(None))
                              .values(used_at=clock.now()).execution_options(synchronize_session=False))
    return done.rowcount == 1
