"""A learner corrects their own entry (PRODUCT.md §6.2): within 14 days of recording it, and while no educator
has decided it, a correction is a new entry that supersedes the old one. Both are kept and both audited
("entry.corrected"); the old one stops counting (status *superseded*, a move the database allows once). After
that, or once an educator signed it off or approved it, only an educator can revoke it."""
from __future__ import annotations

import datetime as dt

from skillpass.labels import Action
from skillpass.models import Entry, EntryActivity, EntryMethod, EntryStatus, Item, Person
from skillpass.rules import format_date
from skillpass.services import audit
from skillpass.services.entries import ENTRY_FIELDS, record_entry
from skillpass.services.errors import Conflict, NotAllowed

CORRECTION_DAYS = 14
#: A certificate's expiry the correction does not change: the corrected entry's is carried over.
KEEP = object()
ASK_AN_EDUCATOR = "Ask an educator of your team to revoke it if it is wrong."


def why_not(entry: Entry, *, actor_id: int, today: dt.date) -> str | None:
    """Why *actor* cannot correct this entry, in words; None when they can."""
    if entry.person_id != actor_id or entry.recorded_by_id != actor_id:
        return "Only the learner corrects their own entry."
    if entry.method not in (EntryMethod.HERE, EntryMethod.EQUIVALENT):
        return f"{entry.how} is not corrected by the learner. {ASK_AN_EDUCATOR}"
    if entry.status is EntryStatus.ACCEPTED and entry.decided_by_id is not None:
        return (f"{entry.decided_by_name or 'An educator'} has already accepted this entry, so it can no longer be "
                f"corrected. {ASK_AN_EDUCATOR}")
    if entry.status not in (EntryStatus.ACCEPTED, EntryStatus.AWAITING):
        return f"This entry is {entry.status.label.lower()} and can no longer be corrected."
    recorded_on = entry.recorded_at.date()
    if (today - recorded_on).days > CORRECTION_DAYS:
        return (f"An entry can be corrected for {CORRECTION_DAYS} days after it was recorded; this one was recorded "
                f"on {format_date(recorded_on)}. {ASK_AN_EDUCATOR}")
    return None


def can_correct(entry: Entry | None, *, actor_id: int, today: dt.date) -> bool:
    return entry is not None and why_not(entry, actor_id=actor_id, today=today) is None


def correct_entry(*, actor: Person, entry: Entry, item: Item, completed_on: dt.date | None, method: EntryMethod,
                  today: dt.date, equivalent_source: str = "", note: str = "", upload=None,
                  max_upload_mb: int = 10, activity: EntryActivity | None = None,
                  certificate_expires_on=KEEP) -> Entry:
    """Record the correction of *entry*: a new entry, by the same rules as a record, that supersedes it.
    Which activity it was and the certificate's own expiry (PRODUCT.md §6.3) carry over unless given
    (*activity* None, *certificate_expires_on* KEEP); None for the expiry clears it.

    Raises NotAllowed (someone else's entry) or Conflict (too late, or decided) with the reason, and
    ValidationFailed, as record_entry does, for the new values."""
    if entry.person_id != actor.id:
        raise NotAllowed("Only the learner corrects their own entry.")
    refusal = why_not(entry, actor_id=actor.id, today=today)
    if refusal:
        raise Conflict(refusal, field="__all__")
    before = audit.snapshot(entry, ENTRY_FIELDS)
    was = entry.description
    correction = record_entry(actor=actor, person=actor, item=item, completed_on=completed_on, method=method,
                              today=today, equivalent_source=equivalent_source, note=note, upload=upload,
                              max_upload_mb=max_upload_mb, supersedes=entry,
                              activity=(activity if activity is not None else entry.activity
                                        if item.has_refresher else EntryActivity.INITIAL),
                              certificate_expires_on=(entry.certificate_expires_on if certificate_expires_on is KEEP
                                                      else certificate_expires_on))
    audit.log(
        actor=actor, action=Action.ENTRY_CORRECTED, subject=entry, person_id=actor.id,
        summary=f"{item.title}: entry of {format_date(entry.completed_on)} ({was}) corrected by a new entry",
        before=before, after=audit.snapshot(entry, ENTRY_FIELDS),
    )
    return correction
