"""Deciding entries: sign-off and approval, rejection with a reason, revocation.

Who may decide: never the person whose entry it is (admins included);
educators for the teams they support; admins for everyone. A decision is
made once: the entry's version check makes a second, simultaneous decision
match no row, and a database trigger refuses any other change of state.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, literal_column, or_, select
from sqlalchemy.orm.exc import StaleDataError

from skillpass import clock
from skillpass.extensions import db
from skillpass.inputs import CONTROL_MESSAGE, has_control
from skillpass.labels import Action
from skillpass.models import Confirmation, Entry, EntryMethod, EntryStatus, Evidence, Item, ItemKind, Person
from skillpass.permissions import can_decide_for
from skillpass.services import audit, notifications
from skillpass.services.entries import ENTRY_FIELDS, queue_kind, waits_after_rejection  # noqa: F401 - for the queue
from skillpass.services.errors import Conflict, DecidedElsewhere, NotAllowed, ValidationFailed

REASON_MAX = 1000
# How long the educator who approved an entry may take it back ("Approved — Undo"), as if never decided.
UNDO_WINDOW = dt.timedelta(minutes=2)


def _check_actor(actor: Person, entry: Entry, person: Person) -> None:
    if entry.person_id != person.id:
        raise ValueError("entry and person do not match")
    if not can_decide_for(actor, person):
        if actor.id == person.id:
            raise NotAllowed("Nobody decides their own entries: another educator or an admin must.")
        raise NotAllowed("Only educators of their team, or admins, decide this person's entries.")


def _who_decided(entry: Entry) -> str:
    if entry.decided_by_name:
        return f" by {entry.decided_by_name}"
    return ""


def _stale(entry: Entry) -> Conflict:
    return DecidedElsewhere(
        "Someone decided this entry a moment ago, so your decision was not saved. The row now shows theirs.",
        field="__all__",
    )


def _describe(entry: Entry, item: Item) -> str:
    """The entry in the audit log, in the words the passport uses for it."""
    return f"{item.title}: {entry.description}"


@dataclass(frozen=True)
class Decision:
    entry: Entry
    action: str       # entry.signed_off / entry.approved / entry.rejected / entry.revoked
    message: str      # for the person who decided, in words


OTHER_REASON = "other"


def pick_reason(picked: str, typed: str, common) -> str:
    """The reason a rejection gives: one of the organisation's common reasons as picked, or the words
    typed (for "Other", or from a form that offers no list). A pick that is not on the list is no pick."""
    picked = (picked or "").strip()
    if picked and picked != OTHER_REASON and picked in common:
        return picked
    return typed or ""


def decide(*, actor: Person, entry: Entry, person: Person, item: Item, approve: bool, reason: str = "",
           notify: bool = True) -> Decision:
    """Approve or reject an entry awaiting sign-off or approval. notify=False: the caller tells the learner
    (notify_decided) once it knows the decision stands, e.g. after a whole batch of approvals."""
    _check_actor(actor, entry, person)
    reason = (reason or "").strip()
    if entry.status is not EntryStatus.AWAITING:
        raise Conflict(
            f"This entry is already {entry.status.label.lower()}{_who_decided(entry)}: nothing was changed.",
            field="__all__",
        )
    if has_control(reason):
        raise ValidationFailed({"reason": CONTROL_MESSAGE})
    if not approve and not reason:
        raise ValidationFailed({"reason": "Enter the reason for rejecting it: the learner will see it."})
    if len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": f"Keep the reason to {REASON_MAX:,} characters or fewer."})

    kind = queue_kind(entry, item)
    before = audit.snapshot(entry, ENTRY_FIELDS)
    entry.stamp(EntryStatus.ACCEPTED if approve else EntryStatus.REJECTED, by=actor, at=clock.now(), reason=reason)
    try:
        db.session.flush()
    except StaleDataError as error:
        raise _stale(entry) from error
    if approve:
        action = Action.ENTRY_SIGNED_OFF if kind == "competency" else Action.ENTRY_APPROVED
        verb = "signed off" if kind == "competency" else "approved"
        message = f"{verb.capitalize()} {item.title} for {person.name}."
    else:
        action, verb = Action.ENTRY_REJECTED, "rejected"
        message = f"{person.name}: {item.title} rejected. They will see your reason."
    audit.log(
        actor=actor, action=action, subject=entry, person_id=person.id,
        summary=f"{_describe(entry, item)} ({kind}) {verb}" + (f": {reason}" if reason else ""),
        before=before, after=audit.snapshot(entry, ENTRY_FIELDS),
    )
    if notify:
        notifications.entry_decided(entry, person, item, kind=kind)   # after the decision; a failed send is recorded
    return Decision(entry=entry, action=action, message=message)


def notify_decided(entry: Entry, person: Person, item: Item) -> None:
    """Tell the learner about a decision made with notify=False."""
    notifications.entry_decided(entry, person, item, kind=queue_kind(entry, item))


def revoke(*, actor: Person, entry: Entry, person: Person, item: Item, reason: str) -> Decision:
    """Take back an accepted entry, with a reason: it no longer counts."""
    _check_actor(actor, entry, person)
    reason = (reason or "").strip()
    if entry.status is not EntryStatus.ACCEPTED:
        raise Conflict(f"Only an accepted entry can be revoked; this one is {entry.status.label.lower()}.",
                       field="__all__")
    if has_control(reason):
        raise ValidationFailed({"reason": CONTROL_MESSAGE})
    if not reason:
        raise ValidationFailed({"reason": "Enter the reason for revoking it: the learner will see it."})
    if len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": f"Keep the reason to {REASON_MAX:,} characters or fewer."})
    before = audit.snapshot(entry, ENTRY_FIELDS)
    # The sign-off stays in the audit log; the entry now carries who revoked it.
    entry.stamp(EntryStatus.REVOKED, by=actor, at=clock.now(), reason=reason)
    try:
        db.session.flush()
    except StaleDataError as error:
        raise _stale(entry) from error
    audit.log(
        actor=actor, action=Action.ENTRY_REVOKED, subject=entry, person_id=person.id,
        summary=f"{_describe(entry, item)} revoked: {reason}",
        before=before, after=audit.snapshot(entry, ENTRY_FIELDS),
    )
    notifications.entry_decided(entry, person, item)
    return Decision(entry=entry, action=Action.ENTRY_REVOKED, message=f"{person.name}: {item.title} revoked.")


def can_undo(actor: Person, entry: Entry, *, now: dt.datetime | None = None) -> bool:
    """May *actor* still take back their approval (or sign-off) of *entry*? Only the one who approved it,
    within UNDO_WINDOW, and only an entry someone else recorded and sent for a decision (not observed
    practice, a session's register or an import, which count as they are recorded)."""
    if entry.status is not EntryStatus.ACCEPTED or entry.decided_by_id != actor.id or entry.decided_at is None:
        return False
    if entry.recorded_by_id == actor.id or entry.method is EntryMethod.OBSERVED or entry.session_id is not None:
        return False
    return (now or clock.now()) - entry.decided_at <= UNDO_WINDOW


def undo_approval(*, actor: Person, entry: Entry, person: Person, item: Item) -> Decision:
    """Take back one's own approval of a moment ago: the entry awaits a decision again, exactly as it did
    (nothing deleted; the approval and its undoing stay in the audit log)."""
    _check_actor(actor, entry, person)
    if not can_undo(actor, entry):
        raise Conflict("This approval can no longer be undone here: revoke it with a reason instead.",
                       field="__all__")
    waiting = db.session.scalar(select(func.count(Entry.id)).where(
        Entry.person_id == entry.person_id, Entry.item_id == entry.item_id, Entry.status == EntryStatus.AWAITING))
    if waiting:
        raise Conflict(f"{person.name} has recorded {item.title} again since, so the approval stays: "
                       "revoke it with a reason if it should not count.", field="__all__")
    before = audit.snapshot(entry, ENTRY_FIELDS)
    entry.status = EntryStatus.AWAITING
    entry.decided_by_id, entry.decided_by_name, entry.decided_by_job_title = None, "", ""
    entry.decided_at, entry.decision_reason = None, ""
    try:
        db.session.flush()
    except StaleDataError as error:
        raise _stale(entry) from error
    audit.log(
        actor=actor, action=Action.ENTRY_APPROVAL_UNDONE, subject=entry, person_id=person.id,
        summary=f"{_describe(entry, item)}: approval undone, awaiting sign-off again",
        before=before, after=audit.snapshot(entry, ENTRY_FIELDS),
    )
    notifications.entry_decided(entry, person, item, undone=True)   # they were told it was approved
    return Decision(entry=entry, action=Action.ENTRY_APPROVAL_UNDONE,
                    message=f"Undone: {item.title} for {person.name} is awaiting sign-off again.")


def undoable_row(actor: Person, entry_id: int | None):
    """The queue row (entry, person, item, evidence) of an approval *actor* may still undo, or None."""
    if entry_id is None:
        return None
    row = queue_row(entry_id)
    return row if row is not None and can_undo(actor, row[0]) else None


KINDS = ("competency", "evidence check", "confirmation", "equivalent training demonstrated")


# The status written as in the partial indexes' own condition (as awaiting_everywhere does): with a parameter,
# SQLite cannot use an index on awaiting entries alone and reads every entry's status (0.3 s at 30,000 people).
_AWAITING = Entry.status == literal_column(f"'{EntryStatus.AWAITING.value}'")


def _awaiting(actor: Person, *, team_id: int | None = None, kind: str | None = None, count: bool = False):
    """The sign-off queue as a statement: entries awaiting a decision that *actor* may make, oldest first, as
    (entry, person, item, evidence-or-None) rows; or, with *count*, how many there are."""
    if count:
        stmt = (select(func.count(Entry.id))
                .join(Person, Entry.person_id == Person.id)
                .join(Item, Entry.item_id == Item.id))
    else:
        stmt = (select(Entry, Person, Item, Evidence)
                .join(Person, Entry.person_id == Person.id)
                .join(Item, Entry.item_id == Item.id)
                .outerjoin(Evidence, Entry.evidence_id == Evidence.id)
                .order_by(Entry.recorded_at, Entry.id))
    stmt = stmt.where(_AWAITING, Person.id != actor.id, Person.active.is_(True))
    if not actor.is_admin:
        stmt = stmt.where(Person.team_id.in_([t.id for t in actor.supported_teams]))
    if team_id is not None:
        stmt = stmt.where(Person.team_id == team_id)
    if kind == "equivalent training demonstrated":
        stmt = stmt.where(Entry.method == EntryMethod.EQUIVALENT)
    elif kind == "competency":
        stmt = stmt.where(Entry.method != EntryMethod.EQUIVALENT, Item.kind == ItemKind.COMPETENCY)
    elif kind in ("evidence check", "confirmation"):   # queue_kind's words, as a query
        checked = (Item.confirmation == Confirmation.EVIDENCE) & Entry.evidence_id.is_not(None)
        stmt = stmt.where(Entry.method != EntryMethod.EQUIVALENT, Item.kind != ItemKind.COMPETENCY,
                          checked if kind == "evidence check" else ~checked)
    return stmt


def awaiting_for(actor: Person, *, team_id: int | None = None, kind: str | None = None):
    """The whole sign-off queue: entries awaiting a decision that *actor* may make, oldest first.

    Returns (entry, person, item, evidence-or-None) rows, from one query.
    """
    return db.session.execute(_awaiting(actor, team_id=team_id, kind=kind)).all()


# Rows of the queue on one page. Each row is a few kilobytes of markup with its own forms: a whole team's
# queue at once (525 entries for an educator of a 300-person team at 30,000 people) took 100-180 ms and
# 2.9 MB to draw.
QUEUE_PAGE_SIZE = 50


@dataclass(frozen=True)
class QueuePage:
    rows: list          # (entry, person, item, evidence-or-None), oldest first
    waiting: int        # how many wait with these filters, on every page
    page: int           # this page, 1 to pages
    pages: int
    size: int

    @property
    def first(self) -> int:
        """The position in the queue of this page's first row (from 1)."""
        return (self.page - 1) * self.size + 1


def awaiting_page(actor: Person, *, team_id: int | None = None, kind: str | None = None, page: int = 1,
                  size: int = QUEUE_PAGE_SIZE, total: int | None = None) -> QueuePage:
    """One page of the sign-off queue (a page past the end is the last page), and how many wait with these
    filters: a query for the page and, with a filter, one to count, whatever the queue's length. *total*:
    awaiting_count(actor), which with no filter counts the very same entries (an admin's 50,000 counted here
    cost 0.2 s at 30,000 people, each looking up its person; awaiting_count reads its index alone)."""
    if total is not None and team_id is None and kind is None:
        waiting = total
    else:
        waiting = db.session.scalar(_awaiting(actor, team_id=team_id, kind=kind, count=True)) or 0
    pages = max(1, -(-waiting // size))
    page = min(max(page, 1), pages)
    stmt = _awaiting(actor, team_id=team_id, kind=kind).limit(size).offset((page - 1) * size)
    rows = db.session.execute(stmt).all()
    return QueuePage(rows=rows, waiting=waiting, page=page, pages=pages, size=size)


def awaiting_count(actor: Person) -> int:
    """How many entries wait for *actor*: the number in the header."""
    if actor.is_admin:
        return awaiting_everywhere(except_person=actor.id)
    stmt = (
        select(func.count(Entry.id))
        .join(Person, Entry.person_id == Person.id)
        .where(Entry.status == EntryStatus.AWAITING, Person.id != actor.id, Person.active.is_(True),
               Person.team_id.in_([t.id for t in actor.supported_teams]))
    )
    return db.session.scalar(stmt) or 0


def awaiting_everywhere(*, except_person: int | None = None) -> int:
    """Every entry awaiting a decision, of everyone still here (but *except_person*): all of them, counted on the
    index of awaiting entries alone, less those of the few people who have left. Joining each awaiting entry to
    its person instead cost 0.2–0.4 s a page at 30,000 people (50,000 waiting), on every admin page."""
    # The status written as it stands in the index's own condition, not as a parameter: SQLite then reads the
    # partial index alone (2 ms for 50,000), where a parameter makes it look at every row's status (100 ms).
    awaiting = Entry.status == literal_column(f"'{EntryStatus.AWAITING.value}'")
    total = db.session.scalar(select(func.count()).select_from(Entry).where(awaiting))
    not_counted = select(Person.id).where(or_(Person.active.is_(False), Person.id == except_person))
    gone = db.session.scalar(select(func.count()).select_from(Entry).where(awaiting, Entry.person_id.in_(not_counted)))
    return (total or 0) - (gone or 0)


def item_of(entry: Entry) -> Item:
    """The item an entry is recorded against."""
    return db.session.get(Item, entry.item_id)


def queue_row(entry_id: int):
    """One queue row (entry, person, item, evidence-or-None), to show it again with its error; None if gone."""
    return db.session.execute(
        select(Entry, Person, Item, Evidence)
        .join(Person, Entry.person_id == Person.id)
        .join(Item, Entry.item_id == Item.id)
        .outerjoin(Evidence, Entry.evidence_id == Evidence.id)
        .where(Entry.id == entry_id)
    ).first()


def decidable(actor: Person, entry_ids: list[int]) -> dict[int, tuple[Entry, Person, Item]]:
    """Of these entries, the ones *actor* may decide, by id, with their person and item (one query).

    An entry they may not decide, or one that does not exist, is simply not there."""
    if not entry_ids:
        return {}
    found = db.session.execute(
        select(Entry, Person, Item).join(Person, Person.id == Entry.person_id).join(Item, Item.id == Entry.item_id)
        .where(Entry.id.in_(entry_ids))).all()
    return {entry.id: (entry, person, item) for entry, person, item in found if can_decide_for(actor, person)}
