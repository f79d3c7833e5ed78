"""Build a person's passport: templates, sections, rows with derived statuses.

A constant number of queries whatever the number of items or entries:
assignments, entries, items, sections, and templates no longer assigned;
then everything is put together in Python with the pure date rules.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from skillpass import rules
from skillpass.extensions import db
from skillpass.qualification import PassportStanding, passport_standing
from skillpass.services.corrections import can_correct
from skillpass.services import credit_mappings, passport_reads
from skillpass.services.credit import credit_map
from skillpass.services.entries import queue_kind
from skillpass.services.subjects import same_subject
from skillpass.subjects import normalise_name, subject_key
from skillpass.models import (
    Assignment,
    Entry,
    EntryMethod,
    EntryStatus,
    Evidence,
    InformalEntry,
    Item,
    PassportTemplate,
    Person,
    Section,
)


@dataclass
class Row:
    item: Item
    section: Section
    state: rules.ItemState
    accepted: Entry | None = None   # the latest accepted entry (what counts)
    pending: Entry | None = None    # the latest entry awaiting sign-off
    rejected: Entry | None = None   # a rejection newer than anything live
    history: list[Entry] = field(default_factory=list)
    # Where the accepted entry was made, when it was recorded against another passport's item of the same
    # subject (PRODUCT.md §6.1): that passport's name; "" when it was recorded here.
    recorded_in: str = ""
    pending_in: str = ""
    # Credit across passports: what met this row when the counted entry is another item's (or a named
    # qualification) mapped onto it ("Care Certificate standard 13"); "" otherwise.
    met_by: str = ""
    # Where that credit came from: the passport of the entry that met it, or "a named qualification".
    credit_from: str = ""
    # The refreshers that did not count (PRODUCT.md §6.3): too late for their chain, or with no initial before.
    too_late: frozenset = frozenset()

    @property
    def frequency(self) -> str:
        return rules.describe_frequency(self.item.frequency_months)

    @property
    def accepted_words(self) -> str:
        """The counted entry in words, how and when, as the passport and its print show it: the entry's own
        description, or, when credit across passports met the row, "Met by Care Certificate standard 13
        (credit from a named qualification), 1 Jun 2025"."""
        if self.accepted is None:
            return ""
        if self.met_by:
            return (f"Met by {self.met_by} (credit from {self.credit_from}), "
                    f"{rules.format_date(self.accepted.completed_on)}")
        return self.accepted.description

    def correctable(self, actor_id: int, today: dt.date) -> Entry | None:
        """The entry of this row *actor* may still correct (the one awaiting first), or None."""
        return next((e for e in (self.pending, self.accepted) if can_correct(e, actor_id=actor_id, today=today)), None)

    def corrected_from(self, entry: Entry | None) -> Entry | None:
        """The entry *entry* corrected (superseded), if it is a correction."""
        if entry is None or entry.supersedes_id is None:
            return None
        return next((e for e in self.history if e.id == entry.supersedes_id), None)

    @property
    def bucket(self) -> str | None:
        """The one summary count this row is in (PassportCounts): "awaiting" when an entry awaits sign-off,
        whatever the status until then; otherwise its status's value. None for an optional item or one no
        longer required, which count nowhere."""
        if not self.state.counts:
            return None
        return AWAITING if self.state.awaiting else self.state.status.value

    @property
    def record_words(self) -> str:
        """The Record action's words, always starting "Record": for an item with a refresher, "Record refresher"
        while its chain can continue and "Record full course" once it cannot (PRODUCT.md §6.3)."""
        if self.accepted is None:
            return "Record"
        if self.item.has_refresher:
            return "Record full course" if self.state.renewal == rules.FULL_COURSE_NEEDED else "Record refresher"
        return "Record renewal" if self.item.frequency_months else "Record again"

    def too_late_entries(self) -> list[Entry]:
        """This item's refreshers that did not count (PRODUCT.md §6.3), newest first."""
        return sorted((e for e in self.history if e.id in self.too_late),
                      key=lambda e: (e.completed_on, e.id), reverse=True)

    @property
    def waiting_for(self) -> str:
        """What the entry awaiting sign-off waits for, in the queue's words ("evidence check", "confirmation" …)."""
        return queue_kind(self.pending, self.item) if self.pending is not None else ""


AWAITING = "awaiting"
# What ?show= may ask for: a summary count's rows, each with the words its count is shown with.
BUCKETS = {status.value: status.label for status in (rules.Status.OVERDUE, rules.Status.EXPIRED,
                                                     rules.Status.EXPIRING, rules.Status.TODO, rules.Status.COMPLETE)}
BUCKETS[AWAITING] = "Awaiting sign-off"


@dataclass
class PassportCounts:
    """The summary's counts of mandatory items, each item counted once: an item with an entry awaiting
    sign-off counts under Awaiting sign-off only, whatever its status until the entry is decided."""
    complete: int = 0
    expiring: int = 0
    overdue: int = 0
    expired: int = 0
    todo: int = 0
    awaiting: int = 0
    optional: int = 0   # shown, never counted
    optional_not_done: int = 0  # of those, the ones not done (or lapsed): "Optional · not done", in grey
    mandatory: int = 0  # the number of mandatory items required now: the counts above (optional aside) add up to it

    def of(self, bucket: str) -> int:
        return getattr(self, bucket)


@dataclass
class SectionView:
    section: Section
    rows: list[Row]
    offset: rules.Offset

    @property
    def compliance(self) -> rules.Compliance:
        return rules.compliance(r.state for r in self.rows)

    @property
    def progress(self) -> tuple[int, int]:
        """(done, total) over the section's required items: done means Complete or Expiring."""
        required = [r for r in self.rows if r.state.required]
        return sum(1 for r in required if r.state.status.counts_as_met), len(required)


@dataclass
class TemplateView:
    template: PassportTemplate
    assignment: Assignment | None   # the live assignment, or None if no longer assigned
    sections: list[SectionView]

    @property
    def live(self) -> bool:
        return self.assignment is not None

    @property
    def rows(self) -> list[Row]:
        return [r for s in self.sections for r in s.rows]

    @property
    def standing(self) -> PassportStanding | None:
        """Where the person stands with this passport held as a qualification (PRODUCT.md §6.3), over its
        mandatory items required now, with the rows behind it (keyed by item id); None once no longer assigned."""
        if not self.live:
            return None
        return passport_standing((r.item.id, r.state.status) for r in self.rows
                                 if r.state.mandatory and r.state.required)

    def rows_behind(self, held: PassportStanding) -> list[Row]:
        """The rows behind a standing (PassportStanding.why), in passport order."""
        keys = {key for key, _ in held.why}
        return [r for r in self.rows if r.item.id in keys]


@dataclass
class Passport:
    person: Person
    today: dt.date
    templates: list[TemplateView]
    informal: list[InformalEntry]
    evidence: dict[int, Evidence] = field(default_factory=dict)
    warning_days: int = rules.DEFAULT_WARNING_DAYS

    @property
    def counts(self) -> PassportCounts:
        """The summary's counts: every mandatory item once (Row.bucket), optional items beside them."""
        counts = PassportCounts()
        for row in self.rows:
            if row.bucket is not None:
                setattr(counts, row.bucket, counts.of(row.bucket) + 1)
                counts.mandatory += 1
            elif row.state.required:
                counts.optional += 1
                counts.optional_not_done += not row.state.status.counts_as_met
        return counts

    def shown(self, show: str | None) -> list[tuple[TemplateView, list[tuple[SectionView, list[Row]]]]]:
        """The passports and sections to draw, each section with the rows to draw: those of one summary count
        (?show=overdue, sections without one left out), or all of them. A section's progress stays its own."""
        out = []
        for tv in self.templates:
            sections = [(sv, sv.rows if show not in BUCKETS else [r for r in sv.rows if r.bucket == show])
                        for sv in tv.sections]
            if show in BUCKETS:
                sections = [(sv, rows) for sv, rows in sections if rows]
                if not sections:
                    continue
            out.append((tv, sections))
        return out

    def evidence_of(self, entry) -> Evidence | None:
        """An entry's (or informal entry's) evidence file, if it has one."""
        return self.evidence.get(entry.evidence_id) if entry is not None and entry.evidence_id else None

    @property
    def rows(self) -> list[Row]:
        return [r for t in self.templates for r in t.rows]

    @property
    def compliance(self) -> rules.Compliance:
        return rules.compliance(r.state for r in self.rows)

    def row(self, item_id: int) -> Row | None:
        return next((r for r in self.rows if r.item.id == item_id), None)

    def same_subject(self, row: Row) -> list[Row]:
        """The other rows of this passport that are the same subject as *row* (its code, in another passport
        the person holds): one record changes them all."""
        key = subject_key(row.item.id, row.item.code)
        return [r for r in self.rows if r is not row and subject_key(r.item.id, r.item.code) == key]

    def section(self, section_id: int) -> SectionView | None:
        return next((s for t in self.templates for s in t.sections if s.section.id == section_id), None)


def _offset(section: Section) -> rules.Offset:
    return rules.Offset(section.offset_amount, section.offset_unit.value)


def build_passport(person: Person, *, today: dt.date, warning_days: int, with_informal: bool = True) -> Passport:
    assignments = db.session.scalars(
        select(Assignment)
        .where(Assignment.person_id == person.id)
        .options(joinedload(Assignment.template))
        .order_by(Assignment.assigned_on, Assignment.id)
    ).all()
    live = {a.template_id: a for a in assignments if a.removed_on is None}

    entries = passport_reads.entries_of(person.id)     # plain rows: a passport only reads them
    entry_item_ids = {e.item_id for e in entries}

    # Items of live templates, plus any item this person has history against.
    items = passport_reads.items_of(person.id) if live or entry_item_ids else []
    section_ids = {i.section_id for i in items}
    sections = {
        s.id: s
        for s in db.session.scalars(
            select(Section).where(Section.id.in_(section_ids)).order_by(Section.position, Section.id)
        )
    } if section_ids else {}

    templates = {a.template_id: a.template for a in assignments}
    missing = {i.template_id for i in items} - templates.keys()
    if missing:
        for t in db.session.scalars(select(PassportTemplate).where(PassportTemplate.id.in_(missing))):
            templates[t.id] = t

    # One record, every passport (PRODUCT.md §6.1): entries are grouped by subject (an item's code, or the
    # item itself), so an entry against any item of a subject counts on every row of it.
    item_by_id = {i.id: i for i in items}
    subject_of = {i.id: subject_key(i.id, i.code) for i in items}
    by_item: dict[int, list[Entry]] = {}
    by_subject: dict = {}
    # Credit across passports: accepted entries that count for another subject, with what the row says met it.
    credit = credit_map()
    credited: dict = {}
    credit_words: dict[tuple[int, object], str] = {}
    credit_from: dict[tuple[int, object], str] = {}
    for e in entries:
        by_item.setdefault(e.item_id, []).append(e)
        key = subject_of.get(e.item_id, e.item_id)
        by_subject.setdefault(key, []).append(e)
        if credit and e.status is EntryStatus.ACCEPTED:
            name_key = normalise_name(e.equivalent_source) if e.method is EntryMethod.EQUIVALENT else ""
            for target in credit.targets_of(key, method_equivalent=bool(name_key), source_name_key=name_key):
                credited.setdefault(target, []).append(e)
                from_item = credit.met_by(key, target)
                credit_words[(e.id, target)] = from_item or credit.met_by(("qualification", name_key), target)
                source = item_by_id.get(e.item_id)
                credit_from[(e.id, target)] = (templates[source.template_id].name if from_item and source is not None
                                               else credit_mappings.NAMED_QUALIFICATION)

    def made_in(entry: Entry | None, item: Item) -> str:
        other = item_by_id.get(entry.item_id) if entry is not None and entry.item_id != item.id else None
        return templates[other.template_id].name if other is not None and other.template_id != item.template_id \
            else ""

    views: list[TemplateView] = []
    order = list(live.keys()) + [tid for tid in templates if tid not in live]
    for tid in order:
        template = templates[tid]
        assignment = live.get(tid)
        t_items = [i for i in items if i.template_id == tid]
        if assignment is not None:
            # Archived items stay only where the person has history against them.
            t_items = [i for i in t_items if i.archived_at is None or i.id in entry_item_ids]
        else:
            t_items = [i for i in t_items if i.id in entry_item_ids]
        if not t_items and assignment is None:
            continue
        section_views: list[SectionView] = []
        by_section: dict[int, list] = {}
        for item in t_items:
            by_section.setdefault(item.section_id, []).append(item)
        for sid in sorted(by_section, key=lambda s: (sections[s].position, s)):
            section = sections[sid]
            offset = _offset(section)
            rows = []
            for item in by_section[sid]:
                key = subject_of[item.id]
                row = _row(person, item, section, assignment, by_subject.get(key, []), today,
                           warning_days, own=by_item.get(item.id, []), credited=credited.get(key, ()), offset=offset)
                if row.accepted is not None and (row.accepted.id, key) in credit_words:
                    row.met_by = credit_words[(row.accepted.id, key)]
                    row.credit_from = credit_from[(row.accepted.id, key)]
                else:
                    row.recorded_in = made_in(row.accepted, item)
                row.pending_in = made_in(row.pending, item)
                rows.append(row)
            section_views.append(SectionView(section=section, rows=rows, offset=offset))
        views.append(TemplateView(template=template, assignment=assignment, sections=section_views))

    informal = []
    if with_informal:
        informal = db.session.scalars(
            select(InformalEntry)
            .where(InformalEntry.person_id == person.id, InformalEntry.withdrawn_at.is_(None))
            .order_by(InformalEntry.completed_on.desc(), InformalEntry.id.desc())
        ).all()
    evidence = {
        e.id: e for e in db.session.scalars(select(Evidence).where(Evidence.person_id == person.id))
    }
    return Passport(person=person, today=today, templates=views, informal=list(informal), evidence=evidence,
                    warning_days=warning_days)


_NOTHING_COUNTED = rules.Chain(counted=None, expires_on=None, rule_expires_on=None)


def chain_of_entries(accepted, item: Item) -> rules.Chain:
    """The chain rule (PRODUCT.md §6.3) over accepted entries, for *item*: its frequency, grace and refresher.
    Entries of one day are read in the chain rule's order (rules.link_order), then in the order they were
    recorded, so of two alike the latest recorded counts."""
    if not accepted:
        return _NOTHING_COUNTED
    if not item.has_refresher and all(e.certificate_expires_on is None for e in accepted):
        # What nearly every row is: no refresher, no certificate of its own: the latest completion counts (§3),
        # as the chain rule would say, without building its links.
        latest = max(accepted, key=lambda e: (e.completed_on, e.recorded_at, e.id))
        expires = rules.expiry_date(latest.completed_on, item.frequency_months)
        return rules.Chain(counted=rules.Link(latest.completed_on, latest.is_refresher, None, key=latest.id),
                           expires_on=expires, rule_expires_on=expires, started_on=latest.completed_on)
    ordered = sorted(accepted, key=lambda e: (e.completed_on, e.recorded_at, e.id))
    return rules.chain_of([rules.Link(e.completed_on, e.is_refresher, e.certificate_expires_on, key=e.id)
                           for e in ordered],
                          frequency_months=item.frequency_months, grace_months=item.grace_months,
                          has_refresher=item.has_refresher)


def refreshers_too_late(person_id: int, item: Item) -> frozenset:
    """The ids of this person's refreshers of *item*'s subject that did not count (PRODUCT.md §6.3), for a row's
    history, read by the chain rule as the row reads them (credit aside: it is never a refresher of its own)."""
    if not item.has_refresher:
        return frozenset()
    accepted = db.session.scalars(select(Entry).where(
        Entry.person_id == person_id, Entry.item_id.in_(same_subject(item)),
        Entry.status == EntryStatus.ACCEPTED)).all()
    return chain_of_entries(accepted, item).too_late


def _row(person, item, section, assignment, subject_history, today, warning_days, *, own, credited=(),
         offset: rules.Offset | None = None) -> Row:
    """A row from the entries of the item's subject (what counts, what awaits) and its own history;
    *credited*: accepted entries of other subjects mapped onto this one; *offset*: the section's, worked out once
    for all its rows."""
    history = own
    accepted = [e for e in subject_history if e.status is EntryStatus.ACCEPTED]
    accepted += [e for e in credited if e not in accepted]
    chain = chain_of_entries(accepted, item)
    latest_accepted = next((e for e in accepted if e.id == chain.counted.key), None) if chain.counted else None
    pending = [e for e in subject_history if e.status is EntryStatus.AWAITING]
    latest_pending = pending[-1] if pending else None
    rejected = None
    if history:
        newest = max(history, key=lambda e: (e.recorded_at, e.id))
        if newest.status in (EntryStatus.REJECTED, EntryStatus.REVOKED):
            rejected = newest
    required = assignment is not None and item.archived_at is None
    if assignment is not None:
        due = rules.due_date(
            start_date=person.start_date,
            assigned_on=assignment.assigned_on,
            item_added_on=item.added_on,
            offset=_offset(section) if offset is None else offset,
        )
    else:
        due = rules.Due(on=today, reason="no longer assigned")
    state = rules.item_state(
        today=today,
        due=due,
        frequency_months=item.frequency_months,
        latest_accepted_on=latest_accepted.completed_on if latest_accepted else None,
        awaiting=latest_pending is not None,
        mandatory=item.mandatory,
        required=required,
        warning_days=warning_days,
        chain=chain,
        has_refresher=item.has_refresher,
        grace_months=item.grace_months,
    )
    return Row(
        item=item,
        section=section,
        state=state,
        accepted=latest_accepted,
        pending=latest_pending,
        rejected=rejected,
        history=list(history),
        too_late=chain.too_late,
    )
