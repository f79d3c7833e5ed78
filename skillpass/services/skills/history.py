"""A person's improvement (PRODUCT.md §6.5): each area's self-assessed level over their submitted assessments,
as a table and as the geometry of one small line chart per area (the template draws it; skillpass/charts.py's
approach: numbers only here). Two queries whatever the number of areas and assessments."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models.skills import SelfAssessedLevel, SelfAssessment, SkillArea, SkillLevel


@dataclass(frozen=True)
class Taken:
    id: int
    submitted_on: dt.date


@dataclass
class AreaHistory:
    area_id: int
    name: str
    levels: list[SkillLevel | None]     # one per assessment (None: the area was not in it)
    points: list[tuple[float, float, SkillLevel]] | None = None
    path: str = ""

    @property
    def change(self) -> str:
        """"Foundation to Intermediate", "Intermediate throughout", or "" with fewer than one level."""
        known = [lv for lv in self.levels if lv is not None]
        if not known:
            return ""
        if known[0] == known[-1]:
            return f"{known[-1].label} throughout" if len(known) > 1 else known[-1].label
        return f"{known[0].label} to {known[-1].label}"


@dataclass
class Improvement:
    assessments: list[Taken]
    areas: list[AreaHistory]
    width: int = 300
    height: int = 150
    left: int = 92
    right: int = 288
    top: int = 12
    bottom: int = 120

    def y(self, level: int) -> float:
        return round(self.bottom - (self.bottom - self.top) * level / 4, 1)

    @property
    def ticks(self) -> list[tuple[float, str]]:
        return [(self.y(int(level)), level.label) for level in SkillLevel]

    @property
    def xs(self) -> list[float]:
        span = max(len(self.assessments) - 1, 1)
        if len(self.assessments) == 1:
            return [round((self.left + self.right) / 2, 1)]
        return [round(self.left + (self.right - self.left) * i / span, 1) for i in range(len(self.assessments))]


def improvement(person_id: int, framework_id: int) -> Improvement:
    taken = [Taken(aid, on) for aid, on in db.session.execute(
        select(SelfAssessment.id, SelfAssessment.submitted_on).where(
            SelfAssessment.person_id == person_id, SelfAssessment.framework_id == framework_id,
            SelfAssessment.submitted_on.is_not(None)).order_by(SelfAssessment.submitted_at, SelfAssessment.id))]
    index = {t.id: i for i, t in enumerate(taken)}
    found: dict[int, AreaHistory] = {}
    if taken:
        for area_id, name, assessment_id, level in db.session.execute(
                select(SkillArea.id, SkillArea.name, SelfAssessedLevel.assessment_id,
                       SelfAssessedLevel.level)
                .join(SkillArea, SkillArea.id == SelfAssessedLevel.area_id)
                .where(SelfAssessedLevel.assessment_id.in_(list(index)))
                .order_by(SkillArea.position, SkillArea.id)):
            history = found.setdefault(area_id, AreaHistory(area_id, name, [None] * len(taken)))
            history.levels[index[assessment_id]] = SkillLevel(level)
    result = Improvement(taken, list(found.values()))
    xs = result.xs
    for history in result.areas:
        history.points = [(xs[i], result.y(int(lv)), lv) for i, lv in enumerate(history.levels) if lv is not None]
        path, pen_up = "", True
        for i, lv in enumerate(history.levels):
            if lv is None:
                pen_up = True
                continue
            path += f"{'M' if pen_up else 'L'}{xs[i]},{result.y(int(lv))} "
            pen_up = False
        history.path = path.strip()
    return result
