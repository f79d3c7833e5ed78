"""Reports on skills (PRODUCT.md §6.5): a team's or the organisation's snapshot of skills and gaps.

For everyone in scope, in one pass over plain rows (a trust is 5,000 people × 15 areas): how many meet their
target in each area, and who is furthest from target. The snapshot itself (areas × people, every cell an
``AreaStanding``) is built by ``standing.snapshot`` for one page of people at a time. The trend of the share
meeting target is worked out from the dated self-assessments and confirmations, against today's targets and
the qualifications held today. Every figure here is a fixed number of queries whatever the numbers.

The level that counts and how it stands against a target are those of ``standing.AreaStanding``; the pass
over everyone applies the same rule to plain numbers (a test holds the two together).
"""
from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select

from skillpass.extensions import db
from skillpass.models import Person, Team, TemplateStatus
from skillpass.models.skills import (
    ConfirmedLevel, SelfAssessedLevel, SelfAssessment, SkillArea, SkillsFramework, SkillExemption, SkillStanding, SkillTarget,
)
from skillpass.services import exports
from skillpass.services.figures.monthly_trend import month_ends
from skillpass.services.skills import standing

PAGE_SIZE = 50
FURTHEST = 10


def published_frameworks() -> list[SkillsFramework]:
    """The frameworks a report can be about: the published ones, by name."""
    return list(db.session.scalars(select(SkillsFramework).where(
        SkillsFramework.status == TemplateStatus.PUBLISHED).order_by(SkillsFramework.name, SkillsFramework.id)))


def choose_framework(frameworks: list[SkillsFramework], wanted: int | None) -> SkillsFramework | None:
    """The framework asked for if it is on offer, else the one most assessments were submitted against (the
    first by name when none were): the report opens on figures, not on a framework nobody has used yet."""
    for framework in frameworks:
        if framework.id == wanted:
            return framework
    if len(frameworks) < 2:
        return frameworks[0] if frameworks else None
    used = dict(db.session.execute(
        select(SelfAssessment.framework_id, func.count()).where(
            SelfAssessment.framework_id.in_([f.id for f in frameworks]), SelfAssessment.submitted_on.is_not(None))
        .group_by(SelfAssessment.framework_id)).all())
    return max(frameworks, key=lambda f: (used.get(f.id, 0), -frameworks.index(f)))


@dataclass
class AreaCount:
    area_id: int
    name: str
    people: int = 0          # everyone in scope
    with_target: int = 0     # of them, those with a target in this area
    meets: int = 0           # of those, whose level meets it (or is above its range)
    below: int = 0           # assessed and below target
    not_assessed: int = 0    # with a target, no level yet

    @property
    def words(self) -> str:
        """"Email: 12 of 20 meet their target"."""
        if not self.with_target:
            return f"{self.name}: nobody has a target"
        return f"{self.name}: {self.meets} of {self.with_target} meet their target"

    @property
    def percent(self) -> int | None:
        return round(100 * self.meets / self.with_target) if self.with_target else None


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    job_role: str
    team_name: str
    employee_number: str = ""


@dataclass
class FarFrom:
    """Someone far from target: the levels they are short in total, and their gaps in words."""
    person: Member
    total_gap: int
    gaps: list[str] = field(default_factory=list)


@dataclass
class Report:
    framework: SkillsFramework
    areas: list[SkillArea]
    counts: list[AreaCount]
    furthest: list[FarFrom]
    total: int                     # people in scope
    page: int
    pages: int
    snapshot: standing.Snapshot    # this page of people only

    @property
    def with_target(self) -> int:
        return sum(c.with_target for c in self.counts)

    @property
    def meets(self) -> int:
        return sum(c.meets for c in self.counts)


# ---------------------------------------------------------------- the pass over everyone

def members(people: Select) -> list[Member]:
    """Everyone in *people* (a select of person ids), by name: the order of the snapshot and its pages."""
    return [Member(pid, name, role or "", team or "", number or "") for pid, name, role, team, number in _plain(
        select(Person.id, Person.name, Person.job_role, Team.name, Person.employee_number)
        .outerjoin(Team, Team.id == Person.team_id)
        .where(Person.id.in_(people)).order_by(Person.name, Person.id))]


def _rows(stmt):
    """Plain rows, no ORM: the loads over everyone are tens of thousands of rows."""
    return db.session.connection().execute(stmt).all()


def _plain(stmt):
    """Tuples straight from the driver's cursor, for loads of integers and strings only (nothing the
    driver would hand over unconverted, as SQLite does dates): no result rows made for 75,000 cells."""
    result = db.session.connection().execute(stmt)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def _target_sources(people: Select, everyone: list[Member], area_ids: list[int]):
    """Own targets by (person, area) and job-role targets by (role, area), each as (minimum, maximum)."""
    roles = {m.job_role for m in everyone if m.job_role}
    by_role: dict[tuple[str, int], tuple[int, int | None]] = {}
    own: dict[tuple[int, int], tuple[int, int | None]] = {}
    if not area_ids:
        return own, by_role
    if roles:
        for role, aid, low, high in _plain(select(
                SkillTarget.job_role, SkillTarget.area_id, SkillTarget.minimum, SkillTarget.maximum).where(
                SkillTarget.job_role.in_(sorted(roles)), SkillTarget.area_id.in_(area_ids))):
            by_role[(role, aid)] = (low, high)
    for pid, aid, low, high in _plain(select(
            SkillTarget.person_id, SkillTarget.area_id, SkillTarget.minimum, SkillTarget.maximum).where(
            SkillTarget.person_id.in_(people), SkillTarget.area_id.in_(area_ids))):
        own[(pid, aid)] = (low, high)
    return own, by_role


def _targets(people: Select, everyone: list[Member], area_ids: list[int]) -> dict:
    """Per (person, area), the (minimum, maximum) of the target that applies: their own, else their role's."""
    own, by_role = _target_sources(people, everyone, area_ids)
    targets = {}
    for m in everyone:
        for aid in area_ids:
            t = own.get((m.id, aid)) or by_role.get((m.job_role, aid))
            if t is not None:
                targets[(m.id, aid)] = t
    return targets


def _exempt(framework_id: int, people: Select) -> dict[tuple[int, int], int]:
    """The exempt level per (person, area) (standing.exemptions_held), not asked for when the framework names
    no qualification (the common case: then the entries are not read at all)."""
    if db.session.scalar(select(func.count()).select_from(SkillExemption).where(
            SkillExemption.framework_id == framework_id, SkillExemption.retired_at.is_(None))) == 0:
        return {}
    return {key: int(level) for key, (level, _) in standing.exemptions_held(framework_id, people).items()}


def _counting(framework_id: int, people: Select, area_ids: list[int]) -> dict[int, dict[int, int]]:
    """The level that counts per person and area, as AreaStanding.counting: confirmed, else self-assessed,
    raised by an exemption; no key where there is none."""
    counting: dict[int, dict[int, int]] = defaultdict(dict)
    if not area_ids:
        return counting
    for pid, aid, own_level, confirmed in _plain(select(
            SkillStanding.person_id, SkillStanding.area_id, SkillStanding.self_level, SkillStanding.confirmed_level)
            .where(SkillStanding.person_id.in_(people), SkillStanding.area_id.in_(area_ids))):
        if confirmed is not None:
            counting[pid][aid] = confirmed
        elif own_level is not None:
            counting[pid][aid] = own_level
    wanted = set(area_ids)
    for (pid, aid), level in _exempt(framework_id, people).items():
        if aid in wanted:
            base = counting[pid].get(aid)
            if base is None or level > base:
                counting[pid][aid] = level
    return counting


def tally(framework_id: int, people: Select, everyone: list[Member], areas: list[SkillArea]):
    """Counts meeting target per area, and the people furthest from target (top FURTHEST by total gap, then
    by name), in one pass over everyone's cells.

    Written for 75,000 cells a look: levels grouped by person, each job role's targets listed once, and
    plain lists counted, rather than a dictionary lookup by (person, area) per cell."""
    area_ids = [a.id for a in areas]
    index_of = {aid: i for i, aid in enumerate(area_ids)}
    levels = _counting(framework_id, people, area_ids)
    own, by_role = _target_sources(people, everyone, area_ids)
    role_targets: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for (role, aid), (low, _) in by_role.items():
        role_targets[role].append((aid, low))
    own_targets: dict[int, dict[int, int]] = defaultdict(dict)
    for (pid, aid), (low, _) in own.items():
        own_targets[pid][aid] = low
    n = len(area_ids)
    with_target, meets, below, not_assessed = [0] * n, [0] * n, [0] * n, [0] * n
    no_levels: dict[int, int] = {}
    gaps: list[tuple[int, int, Member]] = []
    for position, m in enumerate(everyone):
        targets = role_targets.get(m.job_role, ())
        mine = own_targets.get(m.id)
        if mine:
            merged = dict(targets)
            merged.update(mine)
            targets = merged.items()
        mine_levels = levels.get(m.id, no_levels)
        total = 0
        for aid, low in targets:
            i = index_of[aid]
            with_target[i] += 1
            level = mine_levels.get(aid)
            if level is None:
                not_assessed[i] += 1
            elif level >= low:
                meets[i] += 1
            else:
                below[i] += 1
                total += low - level
        if total:
            gaps.append((total, -position, m))
    counts = [AreaCount(a.id, a.name, people=len(everyone), with_target=with_target[i], meets=meets[i],
                        below=below[i], not_assessed=not_assessed[i]) for i, a in enumerate(areas)]
    top = heapq.nlargest(FURTHEST, gaps, key=lambda g: (g[0], g[1]))
    return counts, [FarFrom(m, total) for total, _, m in top]


def report(framework: SkillsFramework, people: Select, *, page: int = 1, page_size: int = PAGE_SIZE) -> Report:
    """The snapshot report of *people* (a select of person ids) in *framework*: counts and the furthest over
    everyone, the areas × people table for one page of them."""
    areas = standing.live_areas(framework.id)
    everyone = members(people)
    counts, furthest = tally(framework.id, people, everyone, areas)
    pages = max(1, -(-len(everyone) // page_size))
    page = min(max(page, 1), pages)
    shown = [m.id for m in everyone[(page - 1) * page_size: page * page_size]]
    far_ids = [f.person.id for f in furthest]
    # One snapshot for this page and the furthest: their cells, gaps in words, in the same queries.
    both = standing.snapshot(framework.id, sorted(set(shown) | set(far_ids)), areas=areas)
    for far in furthest:
        far.gaps = [cell.gap_words for cell in both.row(far.person.id) if cell.gap]
    on_page = set(shown)
    snap = standing.Snapshot(areas, [p for p in both.people if p.id in on_page],
                             {k: v for k, v in both.cells.items() if k[0] in on_page})
    return Report(framework, areas, counts, furthest, len(everyone), page, pages, snap)


# ---------------------------------------------------------------- exports

EXPORT_CHUNK = 1000


def snapshot_table(framework: SkillsFramework, people: Select) -> exports.Table:
    """The snapshot of everyone in *people* as a table: who, then a column per area with the level that
    counts, how it stands and the target, in the words of ``AreaStanding.cell_words`` (a workbook fills the
    cell in the state's colour beside them). Built a thousand people at a time, so memory stays bounded."""
    areas = standing.live_areas(framework.id)
    everyone = members(people)
    header = ["Employee number", "Name", "Team", "Job role"] + [a.name for a in areas]

    def body():
        for start in range(0, len(everyone), EXPORT_CHUNK):
            chunk = everyone[start:start + EXPORT_CHUNK]
            snap = standing.snapshot(framework.id, [m.id for m in chunk], areas=areas)
            for m in chunk:
                yield ([m.employee_number, m.name, m.team_name, m.job_role]
                       + [exports.Tagged(cell.cell_words, cell.state.colour) for cell in snap.row(m.id)])

    return exports.Table(header=header, rows=body())


# ---------------------------------------------------------------- the trend

@dataclass(frozen=True)
class TrendPoint:
    month_end: dt.date
    meets: int
    with_target: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.meets / self.with_target) if self.with_target else None


def trend(framework: SkillsFramework, people: Select, *, today: dt.date, months: int = 12) -> list[TrendPoint]:
    """The share of (person, area) targets met as of each month's end (this month: today), from the dated
    self-assessments and confirmations, against today's targets and the qualifications held today."""
    areas = standing.live_areas(framework.id)
    area_ids = [a.id for a in areas]
    ends = month_ends(today, months)
    if not area_ids:
        return [TrendPoint(end, 0, 0) for end in ends]
    everyone = members(people)
    targets = _targets(people, everyone, area_ids)
    exempt = _exempt(framework.id, people)
    events = []   # (date, order, kind, key, level): 0 self-assessed, 1 confirmed
    for pid, aid, on, level in _rows(
            select(SelfAssessment.person_id, SelfAssessedLevel.area_id, SelfAssessment.submitted_on,
                   SelfAssessedLevel.level)
            .join(SelfAssessedLevel, SelfAssessedLevel.assessment_id == SelfAssessment.id)
            .where(SelfAssessment.framework_id == framework.id, SelfAssessment.submitted_on.is_not(None),
                   SelfAssessment.submitted_on <= today, SelfAssessment.person_id.in_(people),
                   SelfAssessedLevel.area_id.in_(area_ids))
            .order_by(SelfAssessment.submitted_on, SelfAssessment.submitted_at, SelfAssessment.id)):
        events.append((on, 0, (pid, aid), level))
    for pid, aid, on, level in _rows(
            select(ConfirmedLevel.person_id, ConfirmedLevel.area_id, ConfirmedLevel.confirmed_on, ConfirmedLevel.level)
            .where(ConfirmedLevel.person_id.in_(people), ConfirmedLevel.area_id.in_(area_ids),
                   ConfirmedLevel.confirmed_on <= today)
            .order_by(ConfirmedLevel.confirmed_on, ConfirmedLevel.confirmed_at, ConfirmedLevel.id)):
        events.append((on, 1, (pid, aid), level))
    events.sort(key=lambda e: e[0])     # stable: each kind keeps its own order within a day

    own: dict[tuple[int, int], int] = {}
    confirmed: dict[tuple[int, int], int] = {}

    def meets(key) -> bool:
        base = confirmed.get(key, own.get(key))
        extra = exempt.get(key)
        if extra is not None and (base is None or extra > base):
            base = extra
        return base is not None and base >= targets[key][0]

    met = sum(1 for key in targets if meets(key))
    points, index = [], 0
    for end in ends:
        while index < len(events) and events[index][0] <= end:
            on, kind, key, level = events[index]
            index += 1
            before = meets(key) if key in targets else None
            (confirmed if kind else own)[key] = level
            if before is not None:
                met += meets(key) - before
        points.append(TrendPoint(end, met, len(targets)))
    return points


# ---------------------------------------------------------------- the passport's printed section

@dataclass
class PrintedFramework:
    framework: SkillsFramework
    rows: list[standing.AreaStanding]
    assessed_on: dt.date | None        # the person's latest submitted assessment of this framework


def print_sections(person_ids: list[int]) -> dict[int, list[PrintedFramework]]:
    """Per person, the published frameworks where they have a standing or a target, each with its standing
    table and the date of their latest assessment: for everyone at once (a bulk print), a fixed number of
    queries per published framework."""
    out: dict[int, list[PrintedFramework]] = {pid: [] for pid in person_ids}
    if not person_ids:
        return out
    frameworks = published_frameworks()
    latest = {(pid, fid): on for pid, fid, on in db.session.execute(
        select(SelfAssessment.person_id, SelfAssessment.framework_id, func.max(SelfAssessment.submitted_on))
        .where(SelfAssessment.person_id.in_(person_ids), SelfAssessment.submitted_on.is_not(None))
        .group_by(SelfAssessment.person_id, SelfAssessment.framework_id))}
    for framework in frameworks:
        snap = standing.snapshot(framework.id, person_ids)
        for person in snap.people:
            rows = snap.row(person.id)
            if any(r.self_level is not None or r.confirmed_level is not None or r.exempt_level is not None
                   or r.target is not None for r in rows):
                out[person.id].append(PrintedFramework(framework, rows, latest.get((person.id, framework.id))))
    return out
