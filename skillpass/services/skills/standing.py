"""Where people stand in a framework's areas: the self-assessed, confirmed and exempt levels, the level that
counts, the target and the gap (PRODUCT.md §6.5), for one person or thousands in the same few queries.

The level that counts is the confirmed one where there is one, else the self-assessed one (marked as such);
a held exemption raises it to its minimum. The gap is the target's minimum minus that level, when positive.
A target set for the person overrides their job role's.
"""
from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased

from skillpass.extensions import db
from skillpass.models import Entry, EntryStatus, InformalEntry, Item, ItemName, Person, Team
from skillpass.models.skills import SkillArea, SkillExemption, SkillLevel, SkillStanding, SkillTarget


class TargetState(enum.Enum):
    """How a level stands against its target, with the word and tag colour shown beside every colour."""

    MEETS = ("meets", "Meets target", "green")
    ABOVE = ("above", "Above target range", "blue")
    BELOW = ("below", "Below target", "red")
    NOT_ASSESSED = ("not_assessed", "Not assessed", "grey")
    NO_TARGET = ("no_target", "No target", "white")

    def __init__(self, key: str, word: str, colour: str):
        self.key, self.word, self.colour = key, word, colour

    @property
    def meets(self) -> bool:
        return self in (TargetState.MEETS, TargetState.ABOVE)


@dataclass(frozen=True)
class Target:
    minimum: SkillLevel
    maximum: SkillLevel | None
    source: str          # "own target" or "job role: Healthcare support worker"

    @property
    def words(self) -> str:
        if self.maximum is None or self.maximum == self.minimum:
            return self.minimum.label
        return f"{self.minimum.label} to {self.maximum.label}"


@dataclass
class AreaStanding:
    area_id: int
    area_name: str
    self_level: SkillLevel | None = None
    self_reason: str = ""
    self_on: dt.date | None = None
    confirmed_level: SkillLevel | None = None
    confirmed_on: dt.date | None = None
    confirmed_by: str = ""
    confirmed_note: str = ""
    exempt_level: SkillLevel | None = None
    exempt_by: list[str] = field(default_factory=list)
    target: Target | None = None

    @property
    def counting(self) -> SkillLevel | None:
        """The level that counts: confirmed, else self-assessed, raised by an exemption."""
        base = self.confirmed_level if self.confirmed_level is not None else self.self_level
        if self.exempt_level is not None and (base is None or self.exempt_level > base):
            return self.exempt_level
        return base

    @property
    def counting_source(self) -> str:
        """Where the level that counts comes from, in words: "confirmed", "self-assessed" or the exemption."""
        level = self.counting
        if level is None:
            return ""
        base = self.confirmed_level if self.confirmed_level is not None else self.self_level
        if self.exempt_level is not None and (base is None or self.exempt_level > base):
            return self.exempt_reason
        return "confirmed" if self.confirmed_level is not None else "self-assessed"

    @property
    def exempt_reason(self) -> str:
        if self.exempt_level is None:
            return ""
        return f"exempt to {self.exempt_level.label}: {', '.join(self.exempt_by)}"

    @property
    def gap(self) -> int:
        """Levels short of the target's minimum (0 when met, when there is no target, or when not assessed)."""
        if self.target is None or self.counting is None:
            return 0
        return max(0, self.target.minimum - self.counting)

    @property
    def state(self) -> TargetState:
        level = self.counting
        if level is None:
            return TargetState.NOT_ASSESSED
        if self.target is None:
            return TargetState.NO_TARGET
        if level < self.target.minimum:
            return TargetState.BELOW
        if self.target.maximum is not None and level > self.target.maximum:
            return TargetState.ABOVE
        return TargetState.MEETS

    @property
    def gap_words(self) -> str:
        """"Spreadsheets: Foundation now, target Intermediate" — the learner's gap line (empty without one)."""
        if not self.gap:
            return ""
        return f"{self.area_name}: {self.counting.label} now, target {self.target.words}"

    @property
    def cell_words(self) -> str:
        """A report cell: the level and how it stands, e.g. "Foundation · Below target (Intermediate)"."""
        level = self.counting
        if level is None:
            return TargetState.NOT_ASSESSED.word if self.target is None else (
                f"{TargetState.NOT_ASSESSED.word} (target {self.target.words})")
        if self.target is None:
            return level.label
        return f"{level.label} · {self.state.word} ({self.target.words})"


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    job_role: str
    team_name: str


@dataclass
class Snapshot:
    """Areas × people: every cell a standing."""

    areas: list[SkillArea]
    people: list[PersonRow]
    cells: dict[tuple[int, int], AreaStanding]

    def row(self, person_id: int) -> list[AreaStanding]:
        return [self.cells[(person_id, area.id)] for area in self.areas]


def live_areas(framework_id: int) -> list[SkillArea]:
    return list(db.session.scalars(
        select(SkillArea).where(SkillArea.framework_id == framework_id, SkillArea.retired_at.is_(None))
        .order_by(SkillArea.position, SkillArea.id)))


def snapshot(framework_id: int, people: Select | list[int], *, areas: list[SkillArea] | None = None) -> Snapshot:
    """Every person in *people* (a select of person ids, or a list of them) against every live area."""
    if areas is None:
        areas = live_areas(framework_id)
    area_ids = [a.id for a in areas]
    rows = [PersonRow(pid, name, role or "", team or "") for pid, name, role, team in db.session.execute(
        select(Person.id, Person.name, Person.job_role, Team.name).outerjoin(Team, Team.id == Person.team_id)
        .where(Person.id.in_(people)).order_by(Person.name, Person.id))]
    cells = {(p.id, a.id): AreaStanding(a.id, a.name) for p in rows for a in areas}
    if not rows or not areas:
        return Snapshot(areas, rows, cells)

    for s in db.session.scalars(select(SkillStanding).where(
            SkillStanding.person_id.in_(people), SkillStanding.area_id.in_(area_ids))):
        cell = cells.get((s.person_id, s.area_id))
        if cell is None:
            continue
        if s.self_level is not None:
            cell.self_level, cell.self_reason, cell.self_on = SkillLevel(s.self_level), s.self_reason, s.self_assessed_on
        if s.confirmed_level is not None:
            cell.confirmed_level = SkillLevel(s.confirmed_level)
            cell.confirmed_on, cell.confirmed_by, cell.confirmed_note = s.confirmed_on, s.confirmed_by_name, s.confirmed_note

    _apply_targets(rows, area_ids, people, cells)
    for (pid, aid), (level, names) in exemptions_held(framework_id, people).items():
        cell = cells.get((pid, aid))
        if cell is not None:
            cell.exempt_level, cell.exempt_by = level, names
    return Snapshot(areas, rows, cells)


def for_person(person: Person, framework_id: int, *, areas: list[SkillArea] | None = None) -> list[AreaStanding]:
    return snapshot(framework_id, [person.id], areas=areas).row(person.id)


def kept_row(person_id: int, area_id: int) -> SkillStanding:
    """The kept standing of a person in an area, made when first needed (writers update it in their
    transaction: a submitted assessment its self-assessed level, a confirmation its confirmed level)."""
    row = db.session.get(SkillStanding, (person_id, area_id))
    if row is None:
        row = SkillStanding(person_id=person_id, area_id=area_id)
        db.session.add(row)
    return row


def _apply_targets(rows: list[PersonRow], area_ids: list[int], people, cells) -> None:
    roles = {p.job_role for p in rows if p.job_role}
    by_role: dict[tuple[str, int], SkillTarget] = {}
    if roles:
        for t in db.session.scalars(select(SkillTarget).where(
                SkillTarget.job_role.in_(sorted(roles)), SkillTarget.area_id.in_(area_ids))):
            by_role[(t.job_role, t.area_id)] = t
    own = {(t.person_id, t.area_id): t for t in db.session.scalars(select(SkillTarget).where(
        SkillTarget.person_id.in_(people), SkillTarget.area_id.in_(area_ids)))}
    for p in rows:
        for aid in area_ids:
            t = own.get((p.id, aid))
            source = "own target"
            if t is None:
                t = by_role.get((p.job_role, aid))
                source = f"job role: {p.job_role}"
            if t is not None:
                cells[(p.id, aid)].target = Target(
                    SkillLevel(t.minimum), SkillLevel(t.maximum) if t.maximum is not None else None, source)


def exemptions_held(framework_id: int, people: Select | list[int]) -> dict[tuple[int, int], tuple[SkillLevel, list[str]]]:
    """Per (person, area), the highest minimum level their held qualifications give, and which give it.

    Held: an accepted entry of the named item or of any item sharing its code; for a named qualification,
    an accepted entry of an item with that title, code or national name, or informal learning of that
    title with its evidence attached. Expiry does not matter: a qualification once gained is held."""
    named = aliased(Item)
    same = aliased(Item)
    by_item = (
        select(Entry.person_id, SkillExemption.area_id, SkillExemption.level, named.title)
        .select_from(SkillExemption)
        .join(named, named.id == SkillExemption.item_id)
        .join(same, or_(same.id == named.id, (named.code.is_not(None)) & (same.code == named.code)))
        .join(Entry, Entry.item_id == same.id)
        .where(SkillExemption.framework_id == framework_id, SkillExemption.retired_at.is_(None),
               Entry.status == EntryStatus.ACCEPTED, Entry.person_id.in_(people))
    )
    name_match = or_(
        func.lower(func.trim(Item.title)) == SkillExemption.normalised,
        func.lower(func.trim(Item.code)) == SkillExemption.normalised,
        Item.id.in_(select(ItemName.item_id).where(ItemName.normalised == SkillExemption.normalised)),
    )
    by_name = (
        select(Entry.person_id, SkillExemption.area_id, SkillExemption.level, SkillExemption.qualification)
        .select_from(SkillExemption)
        .join(Item, name_match)
        .join(Entry, Entry.item_id == Item.id)
        .where(SkillExemption.framework_id == framework_id, SkillExemption.retired_at.is_(None),
               SkillExemption.normalised != "", Entry.status == EntryStatus.ACCEPTED, Entry.person_id.in_(people))
    )
    by_informal = (
        select(InformalEntry.person_id, SkillExemption.area_id, SkillExemption.level, SkillExemption.qualification)
        .select_from(SkillExemption)
        .join(InformalEntry, func.lower(func.trim(InformalEntry.title)) == SkillExemption.normalised)
        .where(SkillExemption.framework_id == framework_id, SkillExemption.retired_at.is_(None),
               SkillExemption.normalised != "", InformalEntry.withdrawn_at.is_(None),
               InformalEntry.evidence_id.is_not(None), InformalEntry.person_id.in_(people))
    )
    found: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    for pid, aid, level, name in db.session.execute(by_item.union(by_name, by_informal)):
        found[(pid, aid)][name] = max(level, found[(pid, aid)].get(name, 0))
    held = {}
    for key, names in found.items():
        top = max(names.values())
        held[key] = (SkillLevel(top), sorted(n for n, lv in names.items() if lv == top))
    return held
