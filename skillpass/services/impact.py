"""What a change to the date rules' inputs would do, before it is made.

Changing an item's frequency, a section's due offset or the warning window
moves people between statuses; so does giving an item a refresher, taking it
away or changing its grace (PRODUCT.md §6.3). ``impact()`` computes every
affected status twice with the same pure rules the passport uses (before and
after), reading each holder's completions through the chain rule as the team
figures do (a refresher's chain, a certificate's own expiry, credit across
passports), and counts the moves, so the admin reads "12 people become Overdue"
before confirming. A constant number of queries whatever the number of people.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Hashable

from sqlalchemy import or_, select

from skillpass import rules
from skillpass.extensions import db
from skillpass.models import Assignment, Entry, EntryActivity, EntryStatus, Item, Person, Section
from skillpass.rules import Status
from skillpass.services.figures.scope import Links, as_links, latest_completions, merge_done, of_subjects
from skillpass.subjects import subject_key


@dataclass(frozen=True)
class Move:
    person_id: int
    person_name: str
    item_title: str
    before: Status
    after: Status


@dataclass(frozen=True)
class DateMove:
    """One person's due date (nothing accepted yet) or expiry (a recurring item done) that the change moves."""

    person_id: int
    person_name: str
    item_title: str
    kind: str                       # "due date" or "expiry"
    before: dt.date
    after: dt.date


@dataclass(frozen=True)
class RenewalMove:
    """One person's item with a refresher whose renewal need changes (PRODUCT.md §6.3): "" (in date, or
    nothing counted), "refresher due" or "full course needed"."""

    person_id: int
    person_name: str
    item_title: str
    before: str
    after: str


@dataclass
class Impact:
    """The result: who moves from which status to which, and compliance before and after."""

    what: str                       # "Fire safety: every 24 months → every 12 months"
    people: int = 0                 # people who hold the passport(s) concerned
    states: int = 0                 # item statuses computed
    moves: list[Move] = field(default_factory=list)
    date_moves: list[DateMove] = field(default_factory=list)
    before: rules.Compliance = field(default_factory=rules.Compliance)
    after: rules.Compliance = field(default_factory=rules.Compliance)
    fingerprint: str = ""           # what the admin confirms: the exact change previewed
    renewal_moves: list[RenewalMove] = field(default_factory=list)

    @property
    def people_moved(self) -> int:
        return len({m.person_id for m in self.moves})

    @property
    def by_new_status(self) -> list[tuple[Status, int, int]]:
        """(status, people, items) for each status people move into, worst first."""
        people: dict[Status, set[int]] = defaultdict(set)
        items: dict[Status, int] = defaultdict(int)
        for m in self.moves:
            people[m.after].add(m.person_id)
            items[m.after] += 1
        order = [Status.OVERDUE, Status.EXPIRED, Status.EXPIRING, Status.TODO, Status.COMPLETE]
        return [(s, len(people[s]), items[s]) for s in order if s in people]

    @property
    def transitions(self) -> list[tuple[Status, Status, int, int]]:
        """(from, to, people, items), most people first."""
        people: dict[tuple[Status, Status], set[int]] = defaultdict(set)
        items: dict[tuple[Status, Status], int] = defaultdict(int)
        for m in self.moves:
            people[(m.before, m.after)].add(m.person_id)
            items[(m.before, m.after)] += 1
        rows = [(b, a, len(p), items[(b, a)]) for (b, a), p in people.items()]
        return sorted(rows, key=lambda r: (-r[2], r[0].value, r[1].value))

    def sentences(self) -> list[str]:
        """"12 people become Overdue", "3 people become Expiring (5 items)"."""
        out = []
        for status, people, items in self.by_new_status:
            noun = "person becomes" if people == 1 else "people become"
            extra = f" ({items} items)" if items != people else ""
            out.append(f"{people} {noun} {status.label}{extra}")
        return out

    @property
    def date_groups(self) -> list[tuple[str, dt.date, dt.date, int, int]]:
        """(kind, from, to, people, items) for each date that moves, most people first, then earliest."""
        people: dict[tuple[str, dt.date, dt.date], set[int]] = defaultdict(set)
        items: dict[tuple[str, dt.date, dt.date], int] = defaultdict(int)
        for m in self.date_moves:
            people[(m.kind, m.before, m.after)].add(m.person_id)
            items[(m.kind, m.before, m.after)] += 1
        rows = [(k, b, a, len(p), items[(k, b, a)]) for (k, b, a), p in people.items()]
        return sorted(rows, key=lambda r: (-r[3], r[1], r[0]))

    def date_sentences(self, limit: int = 10) -> list[str]:
        """"34 people: due date moves from 12 Jan 2026 to 26 Jan 2026", the largest groups first."""
        out = []
        for kind, before, after, people, items in self.date_groups[:limit]:
            who = f"{people} {'person' if people == 1 else 'people'}"
            extra = f" ({items} items)" if items != people else ""
            out.append(f"{who}{extra}: {kind} moves from {rules.format_date(before)} to {rules.format_date(after)}")
        return out

    @property
    def people_with_moved_dates(self) -> int:
        return len({m.person_id for m in self.date_moves})

    def renewal_sentences(self) -> list[str]:
        """"2 people: refresher due → full course needed", what renewing needs, the largest groups first."""
        people: dict[tuple[str, str], set[int]] = defaultdict(set)
        for m in self.renewal_moves:
            people[(m.before, m.after)].add(m.person_id)
        out = []
        for (before, after), who in sorted(people.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            n = len(who)
            out.append(f"{n} {'person' if n == 1 else 'people'}: {before or 'nothing to renew yet'} → "
                       f"{after or 'nothing to renew yet'}")
        return out

    @property
    def headline(self) -> str:
        if not self.people:
            return "Nobody holds it yet: no status changes."
        if not self.moves:
            moved = self.people_with_moved_dates
            renewing = len({m.person_id for m in self.renewal_moves})
            if renewing and not moved:
                return (f"No status changes; what renewing needs changes for {renewing} "
                        f"{'person' if renewing == 1 else 'people'}.")
            if moved:
                return (f"No status changes; {moved} {'person' if moved == 1 else 'people'} "
                        f"{'has a date that moves' if moved == 1 else 'have dates that move'}.")
            return f"No status changes for the {self.people} {'person' if self.people == 1 else 'people'} it applies to."
        return ", ".join(self.sentences()) + "."

    def date_sample(self, limit: int = 50) -> list[DateMove]:
        return sorted(self.date_moves, key=lambda m: (m.person_name, m.item_title))[:limit]

    def sample(self, limit: int = 50) -> list[Move]:
        order = {s: i for i, s in enumerate([Status.OVERDUE, Status.EXPIRED, Status.EXPIRING, Status.TODO,
                                             Status.COMPLETE])}
        return sorted(self.moves, key=lambda m: (order.get(m.after, 9), m.person_name, m.item_title))[:limit]


def impact(*, today: dt.date, warning_days: int, what: str, template_id: int | None = None,
           item_frequency: dict[int, int | None] | None = None,
           section_offset: dict[int, rules.Offset] | None = None,
           item_offset: dict[int, rules.Offset] | None = None,
           new_warning_days: int | None = None,
           item_refresher: dict[int, tuple[bool, int]] | None = None) -> Impact:
    """Statuses before and after one change, for everyone holding the template (or every template).

    *item_frequency* maps item id → new frequency; *section_offset* maps section
    id → new offset; *item_offset* maps item id → the offset of the section an
    item moves to; *new_warning_days* is a new warning window; *item_refresher*
    maps item id → (whether it has a refresher, its grace in months) after the
    change. Only the items the change can touch are computed.
    """
    item_frequency = item_frequency or {}
    section_offset = section_offset or {}
    item_offset = item_offset or {}
    item_refresher = item_refresher or {}
    result = Impact(what=what)

    item_q = select(Item).where(Item.archived_at.is_(None))
    if template_id is not None:
        item_q = item_q.where(Item.template_id == template_id)
    if new_warning_days is None:
        # Only the items the change touches (a frequency or a section's offset).
        conditions = []
        if item_frequency or item_offset or item_refresher:
            conditions.append(Item.id.in_(set(item_frequency) | set(item_offset) | set(item_refresher)))
        if section_offset:
            conditions.append(Item.section_id.in_(section_offset.keys()))
        if not conditions:
            return result
        item_q = item_q.where(or_(*conditions))
    items = db.session.scalars(item_q).all()
    template_ids = {i.template_id for i in items}
    if template_id is not None:
        template_ids.add(template_id)

    live_q = (select(Assignment, Person).join(Person, Person.id == Assignment.person_id)
              .where(Assignment.removed_on.is_(None), Person.active.is_(True)))
    if template_id is not None:
        live_q = live_q.where(Assignment.template_id == template_id)
    live = db.session.execute(live_q).all()
    result.people = len({p.id for _, p in live})
    if not items or not live:
        return result

    sections = {s.id: s for s in db.session.scalars(select(Section).where(
        Section.id.in_({i.section_id for i in items})))}

    # Each holder's completions of each subject, as the team figures read them (figures/scope.py): the latest
    # date, or every link where the chain rule needs them (a refresher, a certificate's own expiry), with
    # credit across passports merged in. An entry counts for every item of its subject (PRODUCT.md §6.1).
    holders = select(Assignment.person_id).where(Assignment.removed_on.is_(None))
    if template_id is not None:
        holders = holders.where(Assignment.template_id == template_id)
    subject_of = {i.id: subject_key(i.id, i.code) for i in items}
    # A new warning window touches every subject; any other change only those of the items it touches.
    done = latest_completions(holders, template_ids,
                              subjects=set(subject_of.values()) if new_warning_days is None else None)
    _read_whole(done, holders, items, item_refresher, subject_of)

    items_by_template: dict[int, list[Item]] = defaultdict(list)
    for item in items:
        items_by_template[item.template_id].append(item)

    after_warning = new_warning_days if new_warning_days is not None else warning_days
    for assignment, person in live:
        for item in items_by_template.get(assignment.template_id, ()):
            section = sections[item.section_id]
            offset_before = rules.Offset(section.offset_amount, section.offset_unit.value)
            offset_after = item_offset.get(item.id, section_offset.get(section.id, offset_before))
            freq_before = item.frequency_months
            freq_after = item_frequency.get(item.id, freq_before)
            refresher_before = (item.has_refresher, item.grace_months)
            refresher_after = item_refresher.get(item.id, refresher_before)
            completed = done.get(person.id, {}).get(subject_of[item.id])
            before = _state(person, assignment, item, offset_before, freq_before, completed, today, warning_days,
                            refresher=refresher_before)
            after = _state(person, assignment, item, offset_after, freq_after, completed, today, after_warning,
                           refresher=refresher_after)
            result.states += 1
            result.before.add(before)
            result.after.add(after)
            if before.status is not after.status:
                result.moves.append(Move(person_id=person.id, person_name=person.name, item_title=item.title,
                                         before=before.status, after=after.status))
            moved = _moved_date(before, after)
            if moved is not None:
                result.date_moves.append(DateMove(person.id, person.name, item.title, *moved))
            if before.renewal != after.renewal:
                result.renewal_moves.append(RenewalMove(person.id, person.name, item.title, before.renewal,
                                                        after.renewal))
    return result


def _read_whole(done: dict[int, dict], holders, items: list[Item], item_refresher: dict[int, tuple[bool, int]],
                subject_of: dict[int, Hashable]) -> None:
    """An item given a refresher by the change reads its subject's whole history: the team figures keep only
    the latest date of a subject that has none yet. One query, for those subjects only."""
    gaining = {subject_of[i.id] for i in items if not i.has_refresher and item_refresher.get(i.id, (False, 0))[0]}
    if not gaining:
        return
    found: dict[tuple[int, Hashable], list] = defaultdict(list)
    for person_id, item_id, code, on, activity, own_expiry in db.session.execute(
            select(Entry.person_id, Entry.item_id, Item.code, Entry.completed_on, Entry.activity,
                   Entry.certificate_expires_on)
            .join(Item, Item.id == Entry.item_id)
            .where(Entry.status == EntryStatus.ACCEPTED, Entry.person_id.in_(holders),
                   or_(*of_subjects(gaining)))):
        key = subject_key(item_id, code)
        if key in gaining:
            found[(person_id, key)].append(rules.Link(on, _refresher(activity), own_expiry))
    for (person_id, key), links in found.items():
        mine = done.setdefault(person_id, {})
        mine[key] = merge_done(mine.get(key), Links(links))


def _moved_date(before: rules.ItemState, after: rules.ItemState) -> tuple[str, dt.date, dt.date] | None:
    """The due date or expiry the change moves, as (kind, from, to), or None when it stays."""
    if before.due is not None and after.due is not None and before.due.on != after.due.on:
        return "due date", before.due.on, after.due.on
    if before.expires_on and after.expires_on and before.expires_on != after.expires_on:
        return "expiry", before.expires_on, after.expires_on
    return None


def _refresher(activity) -> bool:
    """Whether a stored activity (the enum, or its value from a plain row) is the refresher."""
    return activity is EntryActivity.REFRESHER or activity == EntryActivity.REFRESHER.value


def _state(person, assignment, item, offset, frequency, completed, today, warning_days, *,
           refresher: tuple[bool, int] | None = None) -> rules.ItemState:
    """The item's state for one holder: *completed* is what the team figures hold for its subject (a date,
    Links, or None), read through the chain rule (PRODUCT.md §6.3) with *refresher* = (has one, grace)."""
    due = rules.due_date(start_date=person.start_date, assigned_on=assignment.assigned_on,
                         item_added_on=item.added_on, offset=offset)
    has_refresher, grace = refresher if refresher is not None else (item.has_refresher, item.grace_months)
    chain = rules.chain_of(as_links(completed) if completed is not None else (), frequency_months=frequency,
                           grace_months=grace, has_refresher=has_refresher)
    return rules.item_state(today=today, due=due, frequency_months=frequency, latest_accepted_on=None,
                            mandatory=item.mandatory, warning_days=warning_days, chain=chain,
                            has_refresher=has_refresher, grace_months=grace)


@dataclass
class ArchiveImpact:
    """Who an item stops being required for when it is archived, with the status each has for it now."""

    title: str
    holders: list[tuple[str, Status]] = field(default_factory=list)     # (person name, status now), by name

    @property
    def people(self) -> int:
        return len(self.holders)

    @property
    def by_status(self) -> list[tuple[Status, int]]:
        counts: dict[Status, int] = defaultdict(int)
        for _, status in self.holders:
            counts[status] += 1
        order = [Status.OVERDUE, Status.EXPIRED, Status.EXPIRING, Status.TODO, Status.COMPLETE]
        return [(s, counts[s]) for s in order if counts[s]]

    @property
    def headline(self) -> str:
        if not self.holders:
            return f"Nobody holds the passport now: {self.title} stops being required for nobody."
        who = f"{self.people} {'person' if self.people == 1 else 'people'}"
        now = ", ".join(f"{n} {s.label}" for s, n in self.by_status)
        return f"{self.title} stops being required for {who} ({now} now)."


def archive_impact(*, item: Item, today: dt.date, warning_days: int) -> ArchiveImpact:
    """Everyone holding the item's passport, with the item's status for them now: archiving it makes it
    Not required for each of them (their entries are kept). Four queries whatever the number of people."""
    result = ArchiveImpact(title=item.title)
    section = db.session.get(Section, item.section_id)
    offset = rules.Offset(section.offset_amount, section.offset_unit.value)
    live = db.session.execute(
        select(Assignment, Person).join(Person, Person.id == Assignment.person_id)
        .where(Assignment.template_id == item.template_id, Assignment.removed_on.is_(None),
               Person.active.is_(True))
        .order_by(Person.name, Person.id)).all()
    # Each holder's accepted entries of the item, read through the chain rule as its passport row is.
    links: dict[int, list] = defaultdict(list)
    for person_id, on, activity, own_expiry in db.session.execute(
            select(Entry.person_id, Entry.completed_on, Entry.activity, Entry.certificate_expires_on)
            .where(Entry.item_id == item.id, Entry.status == EntryStatus.ACCEPTED)):
        links[person_id].append(rules.Link(on, _refresher(activity), own_expiry))
    for assignment, person in live:
        found = links.get(person.id)
        state = _state(person, assignment, item, offset, item.frequency_months, Links(found) if found else None,
                       today, warning_days)
        result.holders.append((person.name, state.status))
    return result
