"""What each person chooses to receive by email, one-click unsubscribe, and the message a learner gets when
an entry of theirs is decided (PRODUCT.md §6.7).

Choices: decisions on my entries, my weekly digest, and for educators the daily queue digest and the monthly
lapse summary. No row: all on. Each digest carries an unsubscribe link (``List-Unsubscribe`` and
``List-Unsubscribe-Post``, RFC 8058) whose secret is the person's, found by its SHA-256 and compared in
constant time; following it turns that one kind off.

A decision (approved or signed off, rejected with its reason, revoked with its reason) is told at once, in the
request that makes it; a failed SMTP delivery is recorded as failed (mail.send) and never fails the decision.
An approval undone within its two minutes sends nothing more: the learner was told, and sees the entry
awaiting sign-off again on their passport.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Iterable

from flask import current_app
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import EmailPreference, Entry, EntryStatus, Item, Person
from skillpass.services import audit, mail

# The choices, in the order the account page shows them: (field, words, educators only).
CHOICES = (
    ("decisions", "When an entry of mine is approved, rejected or revoked", False),
    ("learner_digest", "My weekly digest: what is due or expiring in the next 30 days", False),
    ("queue_digest", "A daily digest of my sign-off queue (only when something is waiting)", True),
    ("lapse_summary", "A monthly summary of who lapses in the next 30, 60 and 90 days in my teams", True),
)
# The digests an unsubscribe link turns off, by the name in its address.
UNSUBSCRIBE_KINDS = {"digest": "learner_digest", "queue": "queue_digest", "lapses": "lapse_summary"}
DIGEST_NAMES = {"learner_digest": "your weekly digest", "queue_digest": "the daily digest of your sign-off queue",
                "lapse_summary": "the monthly lapse summary of your teams"}


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_row(person_id: int) -> EmailPreference:
    token = secrets.token_urlsafe(32)
    return EmailPreference(person_id=person_id, decisions=True, learner_digest=True, queue_digest=True,
                           lapse_summary=True, token=token, token_key=_key(token))


def choices_of(person: Person) -> dict[str, bool]:
    """The person's choices (all on when they have never chosen)."""
    row = db.session.get(EmailPreference, person.id)
    return {name: (getattr(row, name) if row is not None else True) for name, _, _ in CHOICES}


def choices(person: Person) -> list[tuple[str, str, bool]]:
    """(field, words, on) of the choices this person has: educators and admins also the two team digests."""
    chosen = choices_of(person)
    staff = person.is_educator or person.is_admin
    return [(name, words, chosen[name]) for name, words, for_staff in CHOICES if staff or not for_staff]


def save_choices(person: Person, wanted: Iterable[str]) -> bool:
    """Keep what the person chose (the fields ticked; any other of theirs off); audited. False: no change."""
    wanted = set(wanted)
    row = db.session.get(EmailPreference, person.id)
    if row is None:
        row = _new_row(person.id)
        db.session.add(row)
    before = {name: getattr(row, name) for name, _, _ in CHOICES}
    for name, _, _ in choices(person):
        setattr(row, name, name in wanted)
    after = {name: getattr(row, name) for name, _, _ in CHOICES}
    db.session.flush()
    if before == after:
        return False
    audit.log(actor=person, action=Action.EMAIL_CHOICES_CHANGED, subject=person, person_id=person.id,
              summary=f"{person.name} changed the email they receive", before=before, after=after)
    return True


def rows_for(person_ids: Iterable[int], *, make: bool = False) -> dict[int, EmailPreference]:
    """The preference rows of these people, one query; with *make*, rows (and secrets) for those without."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    found = {r.person_id: r for r in db.session.scalars(select(EmailPreference)
                                                          .where(EmailPreference.person_id.in_(ids)))}
    if make:
        new = [_new_row(pid) for pid in ids if pid not in found]
        if new:
            db.session.add_all(new)
            db.session.flush()
            found.update((r.person_id, r) for r in new)
    return found


def wants(rows: dict[int, EmailPreference], person_id: int, choice: str) -> bool:
    row = rows.get(person_id)
    return True if row is None else bool(getattr(row, choice))


def unsubscribe_link(row: EmailPreference, choice: str) -> str:
    kind = next(k for k, v in UNSUBSCRIBE_KINDS.items() if v == choice)
    return mail.link("notifications.unsubscribe", kind=kind, unsubscribe_token=row.token)


def digest_headers(link: str) -> dict:
    """One-click unsubscribe (RFC 8058): mail programs show an Unsubscribe button that POSTs to *link*."""
    return {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def by_token(kind: str, token: str) -> tuple[Person, str] | None:
    """(person, choice) an unsubscribe address stands for, or None (a wrong or unknown address)."""
    choice = UNSUBSCRIBE_KINDS.get(kind)
    if choice is None or not token or len(token) > 64:
        return None
    found = db.session.execute(select(EmailPreference, Person).join(Person, Person.id == EmailPreference.person_id)
                               .where(EmailPreference.token_key == _key(token))).first()
    if found is None or not hmac.compare_digest(found[0].token.encode(), token.encode()):
        return None
    return found[1], choice


def unsubscribe(person: Person, choice: str) -> bool:
    """Turn one digest off (the one-click POST); audited. False: it was off already (a second click)."""
    row = db.session.get(EmailPreference, person.id)
    if row is None or not getattr(row, choice):
        return False
    setattr(row, choice, False)
    db.session.flush()
    audit.log(actor=None, action=Action.EMAIL_UNSUBSCRIBED, subject=person, person_id=person.id,
              summary=f"{person.name} unsubscribed from {DIGEST_NAMES[choice]} (by the link in it)",
              before={choice: True}, after={choice: False})
    return True


# ---------------------------------------------------------------- a decision, told to the learner

_WORDS = {EntryStatus.ACCEPTED: "approved", EntryStatus.REJECTED: "rejected", EntryStatus.REVOKED: "revoked"}


UNDONE = "put back to awaiting sign-off"


def entry_decided(entry: Entry, person: Person, item: Item, *, kind: str = "", undone: bool = False) -> None:
    """Tell *person* that *entry* was decided (or, *undone*, that its approval was taken back), if they want
    to hear it and are active. Never raises for a mail problem: a refused delivery is recorded failed
    (retried by the next reminders run)."""
    verb = UNDONE if undone and entry.status is EntryStatus.AWAITING else _WORDS.get(entry.status)
    if verb is None or not person.active or not person.email:
        return
    if verb == "approved" and kind == "competency":
        verb = "signed off"
    if not wants(rows_for([person.id]), person.id, "decisions"):
        return
    try:
        passport = mail.link("passport.index") + f"#item-{item.id}"
        account = mail.link("notifications.account")
    except mail.MailNotConfigured:
        current_app.logger.warning("decision email not sent: no SKILLPASS_BASE_URL outside a request")
        return
    mail.send(to=person.email, person=person, kind="entry_decided", template="entry_decided", queue=True,
              subject=f"{item.title}: {verb}",
              context=dict(name=person.name, verb=verb, UNDONE=UNDONE, item=item.title, entry=entry.description,
                           reason=entry.decision_reason if entry.status is not EntryStatus.ACCEPTED else "",
                           decided_by=entry.decided_by_name, passport=passport, account=account,
                           link=passport))
