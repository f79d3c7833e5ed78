"""What would close a gap (PRODUCT.md §6.5): the passport items and courses an admin linked to an area and
level, and whether the person has completed them (an accepted entry of a linked item is evidence an educator
sees when confirming a level)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.models import Entry, EntryStatus, Item
from skillpass.models.skills import SkillArea, SkillLevel, SkillRoute


@dataclass(frozen=True)
class RouteOption:
    route_id: int
    area_id: int
    level: SkillLevel
    title: str               # the item's title, or the course's
    url: str = ""            # a course's address ("" for an item)
    item_id: int | None = None
    completed_on: dt.date | None = None   # the person's latest accepted completion of the item

    @property
    def is_item(self) -> bool:
        return self.item_id is not None


def for_areas(person_id: int, area_ids: list[int]) -> dict[int, list[RouteOption]]:
    """Every live route of these areas, by area and level, with the person's completion of each item: two
    queries whatever the numbers."""
    if not area_ids:
        return {}
    rows = db.session.execute(
        select(SkillRoute, Item.title).outerjoin(Item, Item.id == SkillRoute.item_id)
        .join(SkillArea, SkillArea.id == SkillRoute.area_id)
        .where(SkillRoute.area_id.in_(area_ids), SkillRoute.retired_at.is_(None))
        .order_by(SkillRoute.area_id, SkillRoute.level, SkillRoute.id)).all()
    item_ids = sorted({r.item_id for r, _ in rows if r.item_id})
    done = {}
    if item_ids:
        done = dict(db.session.execute(
            select(Entry.item_id, func.max(Entry.completed_on))
            .where(Entry.person_id == person_id, Entry.item_id.in_(item_ids), Entry.status == EntryStatus.ACCEPTED)
            .group_by(Entry.item_id)).all())
    found: dict[int, list[RouteOption]] = {aid: [] for aid in area_ids}
    for route, item_title in rows:
        found[route.area_id].append(RouteOption(
            route.id, route.area_id, SkillLevel(route.level),
            item_title if route.item_id else route.course_title,
            "" if route.item_id else route.course_url, route.item_id, done.get(route.item_id)))
    return found


def closing(options: list[RouteOption], now: SkillLevel | None, target_minimum: SkillLevel) -> list[RouteOption]:
    """The options that would take someone from *now* up to the target: levels above now, up to the target."""
    floor = -1 if now is None else int(now)
    return [o for o in options if floor < o.level <= target_minimum]
