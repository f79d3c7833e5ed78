"""Imports of historic completions, each kept as one thing (ImportBatch): its page lists the entries it made,
and a bad import is revoked in one action, with one reason, each entry revoked and audited as a revocation
always is. Entries already revoked (or no longer accepted) are left as they are; nobody revokes their own."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.orm.exc import StaleDataError

from skillpass import clock
from skillpass.extensions import db
from skillpass.inputs import CONTROL_MESSAGE, has_control
from skillpass.labels import Action
from skillpass.models import Entry, EntryStatus, ImportBatch, Item, Person, import_batch_entry
from skillpass.permissions import can_decide_for
from skillpass.rules import format_date
from skillpass.services import audit
from skillpass.services.decisions import REASON_MAX
from skillpass.services.entries import ENTRY_FIELDS
from skillpass.services.errors import Conflict, ValidationFailed

SHOWN = 500     # entries listed on an import's page; the counts cover them all


def start(*, actor: Person, filename: str) -> ImportBatch:
    batch = ImportBatch(filename=filename[:120], imported_by_id=actor.id, imported_at=clock.now(), entry_count=0)
    db.session.add(batch)
    db.session.flush()
    return batch


def add_entries(batch: ImportBatch, entries: list[Entry]) -> None:
    """Point flushed entries to their import, in one statement."""
    if entries:
        db.session.execute(insert(import_batch_entry),
                           [{"entry_id": e.id, "import_batch_id": batch.id} for e in entries])
        batch.entry_count = (batch.entry_count or 0) + len(entries)


def recent(limit: int = 20) -> list[tuple[ImportBatch, str]]:
    """The latest imports, newest first, with who made them."""
    return list(db.session.execute(
        select(ImportBatch, Person.name).join(Person, Person.id == ImportBatch.imported_by_id)
        .order_by(ImportBatch.imported_at.desc(), ImportBatch.id.desc()).limit(limit)).tuples())


@dataclass
class BatchPage:
    batch: ImportBatch
    imported_by: str
    rows: list[tuple[Entry, Person, Item]]     # the first SHOWN, by person then item
    counts: dict[EntryStatus, int]             # every entry of the import, by status

    @property
    def revocable(self) -> int:
        return self.counts.get(EntryStatus.ACCEPTED, 0)


def page(batch: ImportBatch) -> BatchPage:
    """An import's page, in three queries whatever its size."""
    in_batch = select(import_batch_entry.c.entry_id).where(import_batch_entry.c.import_batch_id == batch.id)
    rows = list(db.session.execute(
        select(Entry, Person, Item).join(Person, Person.id == Entry.person_id).join(Item, Item.id == Entry.item_id)
        .where(Entry.id.in_(in_batch)).order_by(Person.name, Person.id, Item.title, Entry.id).limit(SHOWN)).tuples())
    counts = dict(list(db.session.execute(select(Entry.status, func.count()).where(Entry.id.in_(in_batch))
                                          .group_by(Entry.status)).tuples()))
    imported_by = db.session.scalar(select(Person.name).where(Person.id == batch.imported_by_id)) or ""
    return BatchPage(batch=batch, imported_by=imported_by, rows=rows, counts=counts)


@dataclass
class Revoked:
    revoked: int
    left: int       # already revoked, or no longer accepted
    own: int        # the admin's own entries: another admin revokes them

    @property
    def message(self) -> str:
        parts = [f"{self.revoked} {'entry' if self.revoked == 1 else 'entries'} revoked"]
        if self.left:
            parts.append(f"{self.left} already revoked or not accepted, left as they were")
        if self.own:
            parts.append(f"{self.own} of your own left: another admin revokes them")
        return "; ".join(parts) + "."


def revoke_all(*, actor: Person, batch: ImportBatch, reason: str) -> Revoked:
    """Revoke every accepted entry of the import with one reason: each revoked and audited as a revocation,
    and the import's own audit entry; flushed at once."""
    reason = (reason or "").strip()
    if has_control(reason):
        raise ValidationFailed({"reason": CONTROL_MESSAGE})
    if not reason:
        raise ValidationFailed({"reason": "Enter the reason for revoking these entries: each learner will see it."})
    if len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": f"Keep the reason to {REASON_MAX:,} characters or fewer."})
    in_batch = select(import_batch_entry.c.entry_id).where(import_batch_entry.c.import_batch_id == batch.id)
    rows = db.session.execute(
        select(Entry, Person, Item).join(Person, Person.id == Entry.person_id).join(Item, Item.id == Entry.item_id)
        .where(Entry.id.in_(in_batch)).order_by(Entry.id)).tuples().all()
    now = clock.now()
    done, left, own = [], 0, 0
    for entry, person, item in rows:
        if entry.status is not EntryStatus.ACCEPTED:
            left += 1
            continue
        if not can_decide_for(actor, person):
            own += 1
            continue
        before = audit.snapshot(entry, ENTRY_FIELDS)
        entry.stamp(EntryStatus.REVOKED, by=actor, at=now, reason=reason)
        done.append((entry, person, item, before))
    try:
        db.session.flush()
    except StaleDataError as error:
        raise Conflict("Someone decided one of these entries a moment ago, so nothing was revoked. "
                       "Look at the import again and revoke what is left.", field="__all__") from error
    for entry, person, item, before in done:
        audit.log(actor=actor, action=Action.ENTRY_REVOKED, subject=entry, person_id=person.id,
                  summary=f"{item.title}: imported record, {format_date(entry.completed_on)} revoked with the "
                          f"import of {batch.filename}: {reason}",
                  before=before, after={**audit.snapshot(entry, ENTRY_FIELDS), "import": batch.id})
    if done:
        audit.log(actor=actor, action=Action.IMPORT_REVOKED, subject=batch, person_id=None,
                  summary=f"Import of {batch.filename} revoked: {len(done)} entries, {reason}",
                  after={"file": batch.filename, "revoked": len(done), "left": left, "own": own, "reason": reason})
    db.session.flush()
    return Revoked(revoked=len(done), left=left, own=own)
