"""Import at the next employer (PRODUCT.md §6.6): a passport bundle, or single credentials, brought by the learner
or by an admin for them, checked against the trusted issuers' pinned keys, their dates and their status lists,
matched to the person's items by code or national name (§6.1), and, once confirmed, made into entries of
*equivalent training demonstrated* with their provenance: awaiting an educator, or accepted at once for an issuer
accepted by agreement whose status list could be read.

Two steps, each verifying the file afresh: ``check`` says what would happen to each credential (and audits
those refused), ``bring_in`` does it in the request's one transaction. Nothing the browser sends back is
trusted: the file is carried and verified again.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from skillpass import clock
from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import (
    Assignment,
    Entry,
    EntryMethod,
    EntryStatus,
    ImportedCredential,
    Item,
    ItemName,
    Person,
    TrustedIssuer,
)
from skillpass.rules import format_date
from skillpass.services import audit
from skillpass.services.credentials import trusted_issuers, verifying
from skillpass.services.entries import ALREADY_AWAITING, ENTRY_FIELDS
from skillpass.services.errors import Conflict, ValidationFailed
from skillpass.subjects import normalise_code, normalise_name

MAX_FILE_BYTES = 1_000_000
MAX_FILES = 20

# What happens to a credential, in the check's words.
NEW = "new"
REFUSED = "refused"
UNMATCHED = "unmatched"
ALREADY = "already"
WAITING = "waiting"
ASK_EMAIL = "ask_email"

UNMATCHED_WORDS = "No item of their passports answers to it (by its code or a national name): not brought in."
ALREADY_WORDS = "Already brought in: nothing is added."
SOMEONE_ELSE = ("It was issued to someone else: neither {email} nor the address given matches the person it "
                "names.")
ASK_WORDS = ("It was issued to another email address than {email}: give the address it was issued to (the one "
             "they had there) and check again.")
NOT_EQUIVALENT = "{item} does not accept equivalent training: it must be completed here. Not brought in."
TWICE = "Another credential in this file fills {item} already: not brought in twice."


@dataclass
class Row:
    """One credential and what would happen to it."""
    verdict: verifying.Verdict
    outcome: str
    reason: str = ""
    item: Item | None = None
    issuer: TrustedIssuer | None = None

    @property
    def accepted_at_once(self) -> bool:
        return bool(self.issuer and self.issuer.accepted_by_agreement and self.verdict.status_checked)

    @property
    def checks(self) -> str:
        return check_words(self.verdict.status_checked)


@dataclass
class Check:
    rows: list[Row] = field(default_factory=list)
    reason: str = ""            # the whole file's refusal, if it is refused whole

    @property
    def to_bring_in(self) -> list[Row]:
        return [r for r in self.rows if r.outcome == NEW]

    @property
    def asks_email(self) -> bool:
        return any(r.outcome == ASK_EMAIL for r in self.rows)

    def count(self, outcome: str) -> int:
        return sum(r.outcome == outcome for r in self.rows)


def check_words(status_checked: bool) -> str:
    """What was checked of a verified credential, for the educator deciding it and the importer."""
    return ("Verified credential: signature checked, not revoked" if status_checked
            else "Verified credential: signature checked, revocation not checked (their status list could not "
                 "be reached)")


def read_upload(files: list[tuple[str, bytes]], pasted: str) -> str:
    """The credentials uploaded (each file's text) and pasted, as one text. Raises ValidationFailed."""
    if len(files) > MAX_FILES:
        raise ValidationFailed(f"Choose {MAX_FILES} files or fewer at a time.", field="file")
    texts = []
    for filename, data in files:
        if len(data) > MAX_FILE_BYTES:
            raise ValidationFailed(f"{filename} is larger than 1 MB: a passport bundle is far smaller. Choose the "
                                   ".jwt file you were given.", field="file")
        try:
            texts.append(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise ValidationFailed(f"{filename} is not a credential file: choose the .jwt file you were given.",
                                   field="file") from None
    if len(pasted or "") > MAX_FILE_BYTES:
        raise ValidationFailed("What you pasted is larger than 1 MB: a passport bundle is far smaller.",
                               field="pasted")
    text = "\n".join([*texts, (pasted or "").strip()]).strip()
    if not text:
        raise ValidationFailed("Choose the credential file (a .jwt), or paste the credential.", field="file")
    return text


def _assigned_items(person: Person) -> list[Item]:
    """The items of every passport the person holds now."""
    return list(db.session.scalars(
        select(Item).join(Assignment, Assignment.template_id == Item.template_id)
        .where(Assignment.person_id == person.id, Assignment.removed_on.is_(None), Item.archived_at.is_(None))
        .order_by(Item.template_id, Item.position, Item.id)))


class _Matcher:
    """The person's items by normalised code and by national name, read once for the whole file."""

    def __init__(self, person: Person):
        items = _assigned_items(person)
        self.by_code: dict[str, Item] = {}
        self.by_name: dict[str, Item] = {}
        by_id = {item.id: item for item in items}
        for item in items:
            if normalise_code(item.code):
                self.by_code.setdefault(normalise_code(item.code), item)
        if by_id:
            for item_id, normalised in db.session.execute(
                    select(ItemName.item_id, ItemName.normalised).where(ItemName.item_id.in_(list(by_id)))
                    .order_by(ItemName.item_id, ItemName.position)):
                self.by_name.setdefault(normalised, by_id[item_id])
        # The subjects awaiting a decision already (one entry per person and item waits at a time).
        self.waiting: set = set()
        for item_id, code in db.session.execute(
                select(Entry.item_id, Item.code).join(Item, Item.id == Entry.item_id)
                .where(Entry.person_id == person.id, Entry.status == EntryStatus.AWAITING)):
            self.waiting.add(self.subject(item_id, code))

    @staticmethod
    def subject(item_id: int, code: str | None):
        return normalise_code(code) or item_id

    def match(self, verdict: verifying.Verdict) -> Item | None:
        if verdict.code and normalise_code(verdict.code) in self.by_code:
            return self.by_code[normalise_code(verdict.code)]
        for name in verdict.national_names:
            if normalise_name(name) in self.by_name:
                return self.by_name[normalise_name(name)]
        return None


def _imported_already(person: Person) -> set[tuple[str, str]]:
    return set(db.session.execute(
        select(TrustedIssuer.issuer_id, ImportedCredential.credential_id)
        .join(TrustedIssuer, TrustedIssuer.id == ImportedCredential.trusted_issuer_id)
        .where(ImportedCredential.person_id == person.id)).tuples())


def check(text: str, *, person: Person, former_email: str, today: dt.date,
          fetch_status: Callable[[str], str | None] | None = None) -> Check:
    """What bringing in *text* for *person* would do, credential by credential. Reads the database a fixed
    number of times, however many credentials the file holds."""
    former_email = (former_email or "").strip()
    live = {issuer.issuer_id: issuer for issuer in trusted_issuers.live_issuers()}
    keys = {iss: trusted_issuers.trusted_keys(issuer) for iss, issuer in live.items()}
    verdicts, whole = verifying.verify_file(text, trusted_for=keys.get, today=today,
                                            fetch_status=fetch_status or trusted_issuers.fetch_status)
    result = Check(reason=whole)
    if whole:
        return result
    matcher = _Matcher(person)
    done = _imported_already(person)
    claimed: set = set()
    for verdict in verdicts:
        row = Row(verdict=verdict, outcome=REFUSED, reason=verdict.reason, issuer=live.get(verdict.issuer_id))
        result.rows.append(row)
        if not verdict.ok:
            continue
        if not verifying.identity_matches(verdict.subject_identifier, person.email):
            if not former_email:
                row.outcome, row.reason = ASK_EMAIL, ASK_WORDS.format(email=person.email)
                continue
            if not verifying.identity_matches(verdict.subject_identifier, former_email):
                row.reason = SOMEONE_ELSE.format(email=person.email)
                continue
        if (verdict.issuer_id, verdict.credential_id) in done:
            row.outcome, row.reason = ALREADY, ALREADY_WORDS
            continue
        item = matcher.match(verdict)
        row.item = item
        if item is None:
            row.outcome, row.reason = UNMATCHED, UNMATCHED_WORDS
            continue
        subject = matcher.subject(item.id, item.code)
        if not item.prior_learning_accepted:
            row.outcome, row.reason = UNMATCHED, NOT_EQUIVALENT.format(item=item.title)
        elif subject in matcher.waiting:
            row.outcome, row.reason = WAITING, f"{item.title}: {ALREADY_AWAITING} Not brought in."
        elif subject in claimed:
            row.outcome, row.reason = WAITING, TWICE.format(item=item.title)
        else:
            claimed.add(subject)
            row.outcome, row.reason = NEW, ""
    return result


def audit_refusals(*, actor: Person, person: Person, result: Check) -> None:
    """CREDENTIALS_REFUSED: the file refused whole, or each credential refused, with its reason."""
    refused = [r for r in result.rows if r.outcome == REFUSED]
    if not result.reason and not refused:
        return
    reasons = [result.reason] if result.reason else [
        f"{r.verdict.name or 'A credential'}"
        f"{' from ' + (r.verdict.issuer_name or r.verdict.issuer_id) if (r.verdict.issuer_name or r.verdict.issuer_id) else ''}"
        f": {r.reason}" for r in refused]
    audit.log(actor=actor, action=Action.CREDENTIALS_REFUSED, subject=person, person_id=person.id,
              summary=f"Credentials refused for {person.name}: " + " ".join(reasons),
              after={"refused": reasons})


def bring_in(text: str, *, actor: Person, person: Person, former_email: str, today: dt.date,
             fetch_status: Callable[[str], str | None] | None = None) -> tuple[Check, list[Entry]]:
    """Verify *text* again and make an entry of each credential the check would bring in, with its imported
    credential beside it. Raises ValidationFailed when there is nothing to bring in."""
    result = check(text, person=person, former_email=former_email, today=today, fetch_status=fetch_status)
    rows = result.to_bring_in
    if result.reason or not rows:
        raise ValidationFailed(result.reason or "Nothing in this file can be brought in: see why below.",
                               field="__all__")
    now = clock.now()
    entries: list[Entry] = []
    for row in rows:
        verdict, item, issuer = row.verdict, row.item, row.issuer
        until = verdict.valid_until if verdict.valid_until and verdict.valid_until > verdict.valid_from else None
        entry = Entry(person_id=person.id, item_id=item.id, completed_on=verdict.valid_from,
                      method=EntryMethod.EQUIVALENT, equivalent_source=issuer.name[:200], verified_credential=True,
                      status=EntryStatus.AWAITING, recorded_by_id=actor.id, recorded_at=now,
                      certificate_expires_on=until)
        if row.accepted_at_once:
            entry.stamp(EntryStatus.ACCEPTED, by=actor, at=now, reason=f"Accepted by agreement with {issuer.name}")
        db.session.add(entry)
        entries.append(entry)
    try:
        db.session.flush()
    except IntegrityError as error:      # another request brought one in, or recorded one, a moment ago
        db.session.rollback()
        raise Conflict("Something of these was recorded a moment ago, so nothing was brought in: check the file "
                       "again.", field="__all__") from error
    for row, entry in zip(rows, entries):
        verdict = row.verdict
        db.session.add(ImportedCredential(
            person_id=person.id, entry_id=entry.id, trusted_issuer_id=row.issuer.id, issuer_name=row.issuer.name,
            credential_id=verdict.credential_id[:500], achievement_name=verdict.name[:300],
            valid_from=verdict.valid_from, valid_until=verdict.valid_until, compact_jws=verdict.jws,
            verified_at=now, verified_by_id=actor.id, status_checked=verdict.status_checked))
        audit.log(actor=actor, action=Action.ENTRY_RECORDED, subject=entry, person_id=person.id,
                  summary=f"{row.item.title}: {entry.description} ({entry.status.label.lower()}); "
                          f"{check_words(verdict.status_checked).lower()}",
                  after=audit.snapshot(entry, ENTRY_FIELDS + ["verified_credential"]))
    try:
        db.session.flush()
    except IntegrityError as error:      # uq_imported_credential: the same file brought in twice at once
        db.session.rollback()
        raise Conflict("These credentials were brought in a moment ago: nothing more was added.",
                       field="__all__") from error
    issuers = sorted({row.issuer.name for row in rows})
    accepted = sum(e.status is EntryStatus.ACCEPTED for e in entries)
    audit.log(actor=actor, action=Action.CREDENTIALS_IMPORTED, subject=person, person_id=person.id,
              summary=f"{len(entries)} verified credential{'s' if len(entries) != 1 else ''} from "
                      f"{', '.join(issuers)} brought in for {person.name}"
                      f"{' by themselves' if actor.id == person.id else ''}: "
                      + "; ".join(f"{r.item.title} ({format_date(r.verdict.valid_from)})" for r in rows)
                      + (f". {accepted} accepted by agreement" if accepted else ". Awaiting an educator"),
              after={"credentials": [{"issuer": r.issuer.name, "credential_id": r.verdict.credential_id,
                                      "item": r.item.title, "entry_id": e.id, "status": e.status.value,
                                      "status_checked": r.verdict.status_checked} for r, e in zip(rows, entries)]})
    return result, entries


def entry_check_words(entry: Entry) -> str:
    """For the sign-off queue: what was checked of a verified credential's entry ("" for any other entry)."""
    if not entry.verified_credential:
        return ""
    status_checked = db.session.scalar(select(ImportedCredential.status_checked)
                                       .where(ImportedCredential.entry_id == entry.id))
    return check_words(bool(status_checked)) if status_checked is not None else ""
