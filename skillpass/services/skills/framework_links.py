"""What a framework links to outside itself: exemptions (holding a qualification sets at least a level in an
area) and routes (a passport item or a course that takes someone to a level). Added and retired, never
edited or deleted: a retired one stops counting; the audit log keeps both."""
from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select

from skillpass import clock
from skillpass.extensions import db
from skillpass.inputs import refuse_controls, to_id
from skillpass.labels import Action
from skillpass.models import Item, PassportTemplate, Person, TemplateStatus
from skillpass.models.skills import SkillArea, SkillExemption, SkillLevel, SkillRoute, SkillsFramework
from skillpass.services import audit
from skillpass.services.errors import ValidationFailed
from skillpass.services.skills.framework_parts import clean
from skillpass.subjects import normalise_name


def item_choices() -> list[tuple[int, str]]:
    """Every live item of a published passport, as "Title (Passport)", by passport then place."""
    rows = db.session.execute(
        select(Item.id, Item.title, PassportTemplate.name).join(PassportTemplate, PassportTemplate.id == Item.template_id)
        .where(Item.archived_at.is_(None), PassportTemplate.status == TemplateStatus.PUBLISHED)
        .order_by(PassportTemplate.name, Item.position, Item.id))
    return [(item_id, f"{title} ({passport})") for item_id, title, passport in rows]


def _titles(item_ids: set[int]) -> dict[int, str]:
    if not item_ids:
        return {}
    return {item_id: f"{title} ({passport})" for item_id, title, passport in db.session.execute(
        select(Item.id, Item.title, PassportTemplate.name).join(PassportTemplate, PassportTemplate.id == Item.template_id)
        .where(Item.id.in_(sorted(item_ids))))}


def exemptions_of(framework_id: int) -> list[tuple[SkillExemption, str]]:
    """The framework's exemptions (live first, then retired), each with what is held in words."""
    rows = db.session.scalars(select(SkillExemption).where(SkillExemption.framework_id == framework_id)
                              .order_by(SkillExemption.retired_at.is_not(None), SkillExemption.id)).all()
    titles = _titles({r.item_id for r in rows if r.item_id})
    return [(r, titles.get(r.item_id, "") if r.item_id else r.qualification) for r in rows]


def routes_of(area_ids: list[int]) -> list[tuple[SkillRoute, str]]:
    if not area_ids:
        return []
    rows = db.session.scalars(select(SkillRoute).where(SkillRoute.area_id.in_(area_ids))
                              .order_by(SkillRoute.retired_at.is_not(None), SkillRoute.id)).all()
    titles = _titles({r.item_id for r in rows if r.item_id})
    return [(r, titles.get(r.item_id, "") if r.item_id else r.course_title) for r in rows]


def _area_and_level(framework: SkillsFramework, area_id, level, errors: dict) -> tuple[SkillArea | None, int | None]:
    area = db.session.get(SkillArea, to_id(area_id)) if to_id(area_id) is not None else None
    if area is None or area.framework_id != framework.id or area.retired_at is not None:
        errors["area_id"] = "Choose an area of this framework."
        area = None
    raw = str(level or "").strip()
    number = int(raw) if raw in ("1", "2", "3", "4") else None
    if number is None:
        errors["level"] = "Choose Foundation, Intermediate, Advanced or Super-user."
    return area, number


def _published_item(item_id, errors: dict) -> Item | None:
    from skillpass.services.skills.frameworks import published_item

    if item_id in (None, ""):
        return None
    item = published_item(to_id(item_id))
    if item is None:
        errors["item_id"] = "Choose an item of a published passport."
    return item


def add_exemption(*, actor: Person, framework: SkillsFramework, area_id, level, item_id=None,
                  qualification: str = "") -> SkillExemption:
    """Holding *item* (an accepted entry of it) or the named *qualification* sets at least *level* in *area*."""
    errors: dict[str, str] = {}
    refuse_controls(errors, qualification=qualification)
    area, number = _area_and_level(framework, area_id, level, errors)
    item = _published_item(item_id, errors)
    name = clean(qualification)
    if "item_id" not in errors and "qualification" not in errors:
        if item is None and not name:
            errors["item_id"] = "Choose a passport item, or type the name of a qualification."
        elif item is not None and name:
            errors["qualification"] = "Choose a passport item or type a qualification, not both."
        elif len(name) > 200:
            errors["qualification"] = "Use 200 characters or fewer."
    if not errors:
        same = select(SkillExemption.id).where(
            SkillExemption.framework_id == framework.id, SkillExemption.area_id == area.id,
            SkillExemption.retired_at.is_(None),
            (SkillExemption.item_id == item.id) if item else (SkillExemption.normalised == normalise_name(name)))
        if db.session.scalar(same) is not None:
            errors["item_id" if item else "qualification"] = (
                f"{area.name} already has an exemption for {item.title if item else name}: retire it first "
                f"to change its level.")
    if errors:
        raise ValidationFailed(errors)
    exemption = SkillExemption(framework_id=framework.id, area_id=area.id, level=number,
                               item_id=item.id if item else None, qualification="" if item else name,
                               normalised="" if item else normalise_name(name))
    db.session.add(exemption)
    db.session.flush()
    held = item.title if item else name
    audit.log(actor=actor, action=Action.SKILL_EXEMPTION_ADDED, subject=exemption, person_id=None,
              summary=f"{framework.name}: holding {held} sets at least {SkillLevel(number).label} in {area.name}",
              after={"area": area.name, "level": number, "held": held})
    return exemption


def retire_exemption(*, actor: Person, exemption: SkillExemption) -> None:
    if exemption.retired_at is not None:
        return
    exemption.retired_at = clock.now()
    framework = db.session.get(SkillsFramework, exemption.framework_id)
    area = db.session.get(SkillArea, exemption.area_id)
    held = exemption.qualification or db.session.get(Item, exemption.item_id).title
    audit.log(actor=actor, action=Action.SKILL_EXEMPTION_RETIRED, subject=exemption, person_id=None,
              summary=f"{framework.name}: holding {held} no longer sets a level in {area.name}",
              before={"retired_at": None}, after={"retired_at": exemption.retired_at})


def check_url(url: str, errors: dict) -> str:
    url = (url or "").strip()
    if not url or "course_url" in errors:
        return url
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or " " in url:
        errors["course_url"] = "Enter the course's address starting https://, for example https://www.e-lfh.org.uk/."
    elif len(url) > 500:
        errors["course_url"] = "Use 500 characters or fewer."
    return url


def add_route(*, actor: Person, framework: SkillsFramework, area_id, level, item_id=None, course_title: str = "",
              course_url: str = "") -> SkillRoute:
    """Completing *item*, or the course *course_title* (at *course_url*), takes someone to *level* in *area*."""
    errors: dict[str, str] = {}
    refuse_controls(errors, course_title=course_title, course_url=course_url)
    area, number = _area_and_level(framework, area_id, level, errors)
    item = _published_item(item_id, errors)
    title = clean(course_title)
    url = check_url(course_url, errors)
    if "item_id" not in errors and "course_title" not in errors:
        if item is None and not title:
            errors["item_id"] = "Choose a passport item, or type the title of a course."
        elif item is not None and (title or url):
            errors["course_title"] = "Choose a passport item or name a course, not both."
        elif len(title) > 200:
            errors["course_title"] = "Use 200 characters or fewer."
    if errors:
        raise ValidationFailed(errors)
    route = SkillRoute(area_id=area.id, level=number, item_id=item.id if item else None,
                       course_title="" if item else title, course_url="" if item else url)
    db.session.add(route)
    db.session.flush()
    what = item.title if item else title
    audit.log(actor=actor, action=Action.SKILL_ROUTE_ADDED, subject=route, person_id=None,
              summary=f"{framework.name}: {what} leads to {SkillLevel(number).label} in {area.name}",
              after={"area": area.name, "level": number, "what": what, "url": url})
    return route


def retire_route(*, actor: Person, route: SkillRoute) -> None:
    if route.retired_at is not None:
        return
    route.retired_at = clock.now()
    area = db.session.get(SkillArea, route.area_id)
    framework = db.session.get(SkillsFramework, area.framework_id)
    what = route.course_title or db.session.get(Item, route.item_id).title
    audit.log(actor=actor, action=Action.SKILL_ROUTE_RETIRED, subject=route, person_id=None,
              summary=f"{framework.name}: {what} no longer shown as a route to {SkillLevel(route.level).label} "
                      f"in {area.name}", before={"retired_at": None}, after={"retired_at": route.retired_at})
