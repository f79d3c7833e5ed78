"""Recording learning: entries against items, withdrawals, informal learning."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from skillpass import clock
from skillpass.extensions import db
from skillpass.inputs import refuse_controls
from skillpass.labels import Action
from skillpass.models import (
    Assignment,
    Confirmation,
    Entry,
    EntryActivity,
    EntryMethod,
    EntryStatus,
    EvidenceRule,
    InformalEntry,
    Item,
    ItemKind,
    Person,
)
from skillpass.permissions import can_decide_for
from skillpass.rules import EARLIEST_DATE, TOO_EARLY, format_date
from skillpass.services import audit
from skillpass.services import evidence as evidence_service
from skillpass.services.errors import Conflict, NotAllowed, ValidationFailed
from skillpass.services.subjects import same_subject

ALREADY_AWAITING = "An entry for this item is already awaiting sign-off. Withdraw it first if it needs correcting."

ENTRY_FIELDS = [
    "person_id", "item_id", "completed_on", "method", "equivalent_source", "note",
    "evidence_id", "status", "decided_by_id", "decided_at", "decision_reason", "supersedes_id",
    "activity", "certificate_expires_on",
]


def _live_assignment(person: Person, item: Item) -> Assignment | None:
    return db.session.scalar(
        select(Assignment).where(
            Assignment.person_id == person.id,
            Assignment.template_id == item.template_id,
            Assignment.removed_on.is_(None),
        )
    )


def rejected_last(person_id: int, item_id: int) -> bool:
    """Whether this person's latest decided entry of this item was rejected (PRODUCT.md §6.2): then their next
    own record waits for an educator, whatever the item says, until one is accepted."""
    latest = db.session.scalar(
        select(Entry.status)
        .where(Entry.person_id == person_id, Entry.item_id == item_id,
               Entry.status.in_([EntryStatus.ACCEPTED, EntryStatus.REJECTED]))
        .order_by(func.coalesce(Entry.decided_at, Entry.recorded_at).desc(), Entry.id.desc())
        .limit(1))
    return latest is EntryStatus.REJECTED


def initial_status(*, actor: Person, person: Person, item: Item, method: EntryMethod,
                   after_rejection: bool = False) -> EntryStatus:
    """PRODUCT.md §4 and §6.2: what an entry needs before it counts."""
    if method is EntryMethod.EQUIVALENT:
        return EntryStatus.AWAITING         # always approved by an educator
    if method in (EntryMethod.OBSERVED, EntryMethod.IMPORTED):
        return EntryStatus.ACCEPTED
    if method is EntryMethod.HERE and actor.id != person.id:
        return EntryStatus.ACCEPTED     # an admin's record for the learner: in their name, at once
    if item.kind is ItemKind.COMPETENCY:
        return EntryStatus.AWAITING         # always signed off
    if after_rejection:
        return EntryStatus.AWAITING         # after a rejection, the next own record waits, whatever the item says
    if item.confirmation in (Confirmation.EVIDENCE, Confirmation.EDUCATOR):
        return EntryStatus.AWAITING
    return EntryStatus.ACCEPTED


def completion_date_problem(completed_on: dt.date | None, *, today: dt.date, missing: str) -> str | None:
    """What is wrong with the date learning was completed (a record or informal learning), or None.

    *missing* is the message for no date at all, in the words of the form that asked for it."""
    if completed_on is None:
        return missing
    if completed_on > today:
        return f"The date cannot be in the future: today is {format_date(today)}."
    if completed_on < EARLIEST_DATE:
        return TOO_EARLY
    return None


#: What an equivalent-training claim asks for, in the learner's words and the queue's (never "prior learning").
EQUIVALENT_KIND = "equivalent training demonstrated"


def queue_kind(entry: Entry, item: Item) -> str:
    """What an awaiting entry asks for: "equivalent training demonstrated", "competency", "evidence check" (a learning item whose
    file an educator checks) or "confirmation" (an educator confirms it: the item says so, or the learner's
    last record of it was rejected)."""
    if entry.method is EntryMethod.EQUIVALENT:
        return EQUIVALENT_KIND
    if item.kind is ItemKind.COMPETENCY:
        return "competency"
    if item.confirmation is Confirmation.EVIDENCE and entry.evidence_id is not None:
        return "evidence check"
    return "confirmation"


def waits_after_rejection(entry: Entry, item: Item) -> bool:
    """An own record that waits only because the learner's last record of the item was rejected: the item
    itself would have let it count at once (PRODUCT.md §6.2)."""
    return (entry.method is EntryMethod.HERE and item.kind is ItemKind.LEARNING
            and item.confirmation is Confirmation.AT_ONCE)


def record_entry(
    *,
    actor: Person,
    person: Person,
    item: Item,
    completed_on: dt.date | None,
    method: EntryMethod,
    today: dt.date,
    equivalent_source: str = "",
    note: str = "",
    upload=None,
    max_upload_mb: int = 10,
    supersedes: Entry | None = None,
    activity: EntryActivity = EntryActivity.INITIAL,
    certificate_expires_on: dt.date | None = None,
) -> Entry:
    """Record learning against an item. Raises ValidationFailed with per-field messages.

    *activity*: the initial activity or the refresher (PRODUCT.md §6.3), the latter only for an item that has
    one. *certificate_expires_on*: the certificate's own expiry, for equivalent training or an entry with an
    evidence file; after the completion date.

    *supersedes*: the learner's own entry this one corrects (services/corrections.py checks they may): it
    stops counting (status *superseded*) once everything here is valid, and the new entry names it.

    *upload* is an uploaded evidence file (werkzeug FileStorage), checked by
    its content; it is written to disk only once everything else is valid.
    """
    errors: dict[str, str] = {}
    refuse_controls(errors, equivalent_source=equivalent_source if method is EntryMethod.EQUIVALENT else "",
                    note=note)
    equivalent_source = (equivalent_source or "").strip()
    note = (note or "").strip()

    if method is EntryMethod.OBSERVED:
        if not can_decide_for(actor, person):
            if actor.id == person.id:
                raise NotAllowed("You cannot record observed practice for yourself.")
            raise NotAllowed("Only an educator of their team, or an admin, records observed practice.")
        if item.kind is not ItemKind.COMPETENCY:
            raise ValidationFailed("Observed practice is recorded for competencies only.", field="__all__")
    # An admin may record any item for anyone else (a learning item: completed here, in the admin's name).
    by_staff = method is EntryMethod.HERE and actor.id != person.id and actor.is_admin
    if method in (EntryMethod.HERE, EntryMethod.EQUIVALENT) and actor.id != person.id and not by_staff:
        raise NotAllowed("Only the learner records their own completions.")

    if item.archived_at is not None or _live_assignment(person, item) is None:
        raise ValidationFailed("This item is not part of a passport assigned to you.", field="__all__")

    date_problem = completion_date_problem(
        completed_on, today=today,
        missing=(f"Enter the date you observed {person.name} practising it, for example 15/01/2026."
                 if method is EntryMethod.OBSERVED else "Enter the date you completed it, for example 15/01/2026."))
    if date_problem:
        errors["completed_on"] = date_problem
    elif by_staff and completed_on < person.start_date:
        errors["completed_on"] = (f"That is before {person.name}'s start date ({format_date(person.start_date)}):"
                                  " training done before they joined is equivalent training, which they record.")
    elif method is EntryMethod.HERE and completed_on < person.start_date:
        errors["completed_on"] = (
            f"That is before your start date ({format_date(person.start_date)}). If you did this training"
            " before you joined, choose Equivalent training demonstrated and name where you did it."
        )

    if method is EntryMethod.EQUIVALENT:
        if not item.prior_learning_accepted:
            errors["method"] = "This item does not accept equivalent training: it must be completed here."
        elif not equivalent_source:
            errors["equivalent_source"] = "Enter the organisation or qualification where you did the training."
        elif "equivalent_source" not in errors and len(equivalent_source) > 200:
            errors["equivalent_source"] = "Use 200 characters or fewer."
    else:
        equivalent_source = ""

    if "note" not in errors and len(note) > 2000:
        errors["note"] = "Keep the note to 2,000 characters or fewer."

    checked = None
    if item.evidence is EvidenceRule.NONE and getattr(upload, "filename", ""):
        errors["evidence"] = "This item takes no evidence file."    # whatever the file is, it is not wanted
    else:
        try:
            checked = evidence_service.check(upload, max_mb=max_upload_mb)
        except ValidationFailed as error:
            errors.update(error.errors)
    # A correction without a new file keeps the file of the entry it corrects.
    carried = (supersedes.evidence_id if supersedes is not None and not getattr(upload, "filename", "")
               and item.evidence is not EvidenceRule.NONE else None)
    if (item.evidence is EvidenceRule.REQUIRED and method is not EntryMethod.OBSERVED and not by_staff
            and checked is None and carried is None and "evidence" not in errors):
        errors["evidence"] = "Attach a certificate or other evidence: this item needs one."
    elif (method is EntryMethod.HERE and item.kind is ItemKind.LEARNING and item.confirmation is Confirmation.EVIDENCE
            and checked is None and carried is None and "evidence" not in errors):
        errors["evidence"] = "Attach a certificate or other evidence: an educator checks it before it counts."

    if activity is EntryActivity.REFRESHER and not item.has_refresher:
        errors["activity"] = "This item has no refresher: record it as the initial activity."
    if certificate_expires_on is not None:
        if method is not EntryMethod.EQUIVALENT and checked is None and carried is None and "evidence" not in errors:
            errors["certificate_expires_on"] = ("A certificate's expiry goes with its certificate: attach the "
                                                "certificate, or leave the expiry date empty.")
        elif completed_on is not None and certificate_expires_on <= completed_on:
            errors["certificate_expires_on"] = (f"The certificate's expiry date must be after the date completed "
                                                f"({format_date(completed_on)}).")

    # The entry a correction supersedes is no obstacle to it: it gives its place.
    not_superseded = [Entry.id != supersedes.id] if supersedes is not None else []
    pending = db.session.scalar(
        select(Entry.id).where(
            Entry.person_id == person.id, Entry.item_id.in_(same_subject(item)), Entry.status == EntryStatus.AWAITING,
            *not_superseded,
        ).limit(1)
    )
    if pending is not None and "completed_on" not in errors:
        errors["completed_on"] = (
            "An entry for this item already awaits sign-off: approve or reject it instead."
            if method is EntryMethod.OBSERVED or by_staff else ALREADY_AWAITING
        )

    if "completed_on" not in errors and completed_on is not None and db.session.scalar(select(Entry.id).where(
            Entry.person_id == person.id, Entry.item_id.in_(same_subject(item)), Entry.completed_on == completed_on,
            Entry.method == method, Entry.status == EntryStatus.ACCEPTED, *not_superseded)) is not None:
        # The same record again adds nothing but noise to the passport and its print.
        errors["completed_on"] = (f"This is on the passport already: {method.label.lower()} on "
                                  f"{format_date(completed_on)}. Choose another date if you did it again.")

    if errors:
        raise ValidationFailed(errors)

    now = clock.now()
    if supersedes is not None:
        supersedes.stamp(EntryStatus.SUPERSEDED, by=actor, at=now)
        try:
            db.session.flush()
        except StaleDataError as error:
            raise Conflict("This entry was decided or corrected a moment ago, so nothing was corrected. Its row "
                           "now shows where it stands.", field="__all__") from error
    evidence = evidence_service.save(checked, person=person, actor=actor) if checked else None
    entry = Entry(
        person_id=person.id,
        item_id=item.id,
        completed_on=completed_on,
        method=method,
        equivalent_source=equivalent_source,
        note=note,
        evidence_id=evidence.id if evidence is not None else carried,
        status=initial_status(actor=actor, person=person, item=item, method=method,
                              after_rejection=method is EntryMethod.HERE and rejected_last(person.id, item.id)),
        recorded_by_id=actor.id,
        recorded_at=now,
        supersedes_id=getattr(supersedes, "id", None),
        activity=activity,
        certificate_expires_on=certificate_expires_on,
    )
    if method is EntryMethod.OBSERVED or by_staff:
        # The observer's (or the admin's) record is their sign-off: name and job title as they are today.
        entry.stamp(entry.status, by=actor, at=now)
    db.session.add(entry)
    try:
        db.session.flush()
    except IntegrityError as error:
        # uq_entry_one_awaiting: another request recorded one a moment ago. A record is the only write of its
        # transaction (with its form's claim and its evidence file, which go with the rollback:
        # services/evidence.py), so the session is made usable again here, for the page that says so.
        db.session.rollback()
        raise ValidationFailed({"completed_on": ALREADY_AWAITING}) from error
    corrected = (f", correcting the entry of {format_date(supersedes.completed_on)}" if supersedes is not None
                 else "")
    audit.log(
        actor=actor,
        action=Action.ENTRY_CORRECTED if supersedes is not None else Action.ENTRY_RECORDED,
        subject=entry,
        person_id=person.id,
        summary=f"{item.title}{activity_words(entry, item)}: {entry.description} "
                f"({entry.status.label.lower()}){corrected}",
        after=audit.snapshot(entry, ENTRY_FIELDS),
    )
    return entry


def activity_words(entry: Entry, item: Item) -> str:
    """What an entry of an item with a refresher was, and its certificate's own expiry, for a summary:
    " (refresher: BLS update, 1 hour; certificate expires 1 Dec 2026)"; "" when there is nothing to say."""
    words = []
    if entry.is_refresher:
        words.append(f"refresher: {item.refresher_title}" if item.refresher_title else "refresher")
    elif item.has_refresher:
        words.append("initial activity")
    if entry.certificate_expires_on is not None:
        words.append(f"certificate expires {format_date(entry.certificate_expires_on)}")
    return f" ({'; '.join(words)})" if words else ""


def withdraw_entry(*, actor: Person, entry: Entry) -> Entry:
    """A learner takes back their own entry before it is decided."""
    if entry.person_id != actor.id:
        raise NotAllowed("Only the learner can withdraw their own entry.")
    if entry.status is not EntryStatus.AWAITING:
        raise ValidationFailed(
            f"This entry is {entry.status.label.lower()} and can no longer be withdrawn.", field="__all__"
        )
    before = audit.snapshot(entry, ENTRY_FIELDS)
    entry.stamp(EntryStatus.WITHDRAWN, by=actor, at=clock.now())
    try:
        db.session.flush()
    except StaleDataError as error:
        # The version lock: someone decided or withdrew it since this request read it.
        raise Conflict(
            "This entry was changed a moment ago, so nothing was withdrawn. Its row now shows where it stands.",
            field="__all__",
        ) from error
    item = db.session.get(Item, entry.item_id)
    audit.log(
        actor=actor,
        action=Action.ENTRY_WITHDRAWN,
        subject=entry,
        person_id=entry.person_id,
        summary=f"{item.title}: entry of {format_date(entry.completed_on)} withdrawn",
        before=before,
        after=audit.snapshot(entry, ENTRY_FIELDS),
    )
    return entry


INFORMAL_FIELDS = ["person_id", "title", "completed_on", "hours", "reflection", "evidence_id"]


def check_informal(*, title: str, completed_on: dt.date | None, hours: Decimal | None, reflection: str,
                   today: dt.date, upload=None, max_upload_mb: int = 10):
    """An informal entry's fields as they will be stored (title, reflection, hours, the checked upload), or
    ValidationFailed with every problem by field: the same checks when it is added and when it is edited."""
    errors: dict[str, str] = {}
    refuse_controls(errors, title=title, reflection=reflection)
    title = (title or "").strip()
    reflection = (reflection or "").strip()
    if "title" in errors:
        pass
    elif not title:
        errors["title"] = "Enter what you learned, for example 'Shadowed the falls team'."
    elif len(title) > 200:
        errors["title"] = "Use 200 characters or fewer."
    date_problem = completion_date_problem(completed_on, today=today, missing="Enter the date of the learning.")
    if date_problem:
        errors["completed_on"] = date_problem
    if hours is not None and (not hours.is_finite() or hours < 0 or hours > 999):
        errors["hours"] = "Enter hours between 0 and 999, for example 1.5."
    elif hours is not None:
        hours = hours.quantize(Decimal("0.01"))   # as stored: 1e-999999 is 0.00, not a number the database refuses
    if "reflection" not in errors and len(reflection) > 4000:
        errors["reflection"] = "Keep the reflection to 4,000 characters or fewer."
    checked = None
    try:
        checked = evidence_service.check(upload, max_mb=max_upload_mb)
    except ValidationFailed as error:
        errors.update(error.errors)
    if errors:
        raise ValidationFailed(errors)
    return title, reflection, hours, checked


def add_informal(
    *,
    actor: Person,
    person: Person,
    title: str,
    completed_on: dt.date | None,
    hours: Decimal | None,
    reflection: str,
    today: dt.date,
    upload=None,
    max_upload_mb: int = 10,
) -> InformalEntry:
    if actor.id != person.id:
        raise NotAllowed("Only the learner adds to their informal learning log.")
    title, reflection, hours, checked = check_informal(
        title=title, completed_on=completed_on, hours=hours, reflection=reflection, today=today, upload=upload,
        max_upload_mb=max_upload_mb)
    evidence = evidence_service.save(checked, person=person, actor=actor) if checked else None
    entry = InformalEntry(
        person_id=person.id,
        title=title,
        completed_on=completed_on,
        hours=hours,
        evidence_id=getattr(evidence, "id", None),
        reflection=reflection,
        recorded_by_id=actor.id,
        recorded_at=clock.now(),
    )
    db.session.add(entry)
    db.session.flush()
    audit.log(
        actor=actor,
        action=Action.INFORMAL_ADDED,
        subject=entry,
        person_id=person.id,
        summary=f"Informal learning: {title} on {format_date(completed_on)}",
        after=audit.snapshot(entry, INFORMAL_FIELDS),
    )
    return entry
