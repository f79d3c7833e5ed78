"""The admin home's figures: the organisation at a glance, counted by the database over the kept dates
(services/item_dates.py) with the rules every passport follows; kept per worker until the data changes."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import case, func, select

from skillpass import clock, rules
from skillpass.extensions import db
from skillpass.models import Entry, EntryStatus, Item, PassportTemplate, Person, Team
from skillpass.rules import OPTIONAL_INDEX, TALLY_INDEX, TALLY_SIZE, Status
from skillpass.services import decisions, item_dates, kept
from skillpass.services.figures.scope import passports_named
from skillpass.services.figures.standing import STANDINGS, PassportFigure, Tally

KEPT = kept.FIGURES


@dataclass
class TeamFigure:
    name: str
    team_id: int | None
    people: int
    compliance: rules.Compliance


@dataclass
class ItemFigure:
    item_id: int
    title: str
    template_name: str
    compliance: rules.Compliance

    @property
    def out(self) -> int:
        return self.compliance.overdue + self.compliance.expired


@dataclass
class Overview:
    overall: rules.Compliance
    awaiting: int
    people: int
    teams: list[TeamFigure]
    items: list[ItemFigure]
    worked_out_at: dt.datetime | None = None
    # Per passport held as a qualification: how many meet it, are about to lose it, do not meet it (§6.3).
    passports: list[PassportFigure] = field(default_factory=list)


def overview(*, today: dt.date, warning_days: int, team_ids: tuple[int, ...] | None = None) -> Overview:
    """The organisation at a glance: compliance, counts, teams ranked worst first, items most often out.

    Counted afresh after every write (a few aggregates over the kept dates, whatever the size of the trust), and
    kept per worker until the data changes (or the day, or the warning window): every server shows the same
    figures, current."""
    key = kept.key("overview", today, warning_days, team_ids)
    if key is None:
        return compute_overview(today=today, warning_days=warning_days, team_ids=team_ids)
    if (cached := KEPT.get(key)) is not None:
        return cached
    result = compute_overview(today=today, warning_days=warning_days, team_ids=team_ids)
    KEPT.put(key, result)
    return result


def compute_overview(*, today: dt.date, warning_days: int, team_ids: tuple[int, ...] | None) -> Overview:
    """The same statuses as the matrix, counted by the database over the kept dates (services/item_dates.py),
    by the rules of rules.status_of read as date ranges: of the mandatory items done, those whose expiry is on
    or before today are Expired and those before the warning window's end Expiring, the rest Complete; of those
    not done, those due before today are Overdue, the rest To do. Only the rows in those ranges are read
    (through their indexes); the totals come from one row per passport held. A constant number of queries."""
    soon = today + dt.timedelta(days=warning_days)
    dates = item_dates.TABLE.c
    held = item_dates.PASSPORTS.c
    scoped = (lambda column: [column.in_(team_ids)]) if team_ids is not None else (lambda column: [])
    teams: dict[int | None, tuple[TeamFigure, list[int]]] = {}
    people = 0
    for team_id, name, count in db.session.execute(
            select(Person.team_id, Team.name, func.count(Person.id)).outerjoin(Team, Team.id == Person.team_id)
            .where(Person.active.is_(True), *scoped(Person.team_id)).group_by(Person.team_id, Team.name)):
        teams[team_id] = (TeamFigure(name=name or "No team", team_id=team_id, people=count,
                                     compliance=rules.Compliance()), [0] * TALLY_SIZE)
        people += count
    # Done (Complete until shown otherwise), not done (To do until shown otherwise), optional: per team.
    for team_id, done, missing, optional in db.session.execute(
            select(held.team_id, func.sum(held.done), func.sum(held.missing), func.sum(held.optional))
            .where(*scoped(held.team_id)).group_by(held.team_id)):
        tally = teams[team_id][1]
        tally[COMPLETE], tally[TODO], tally[OPTIONAL_INDEX] = done or 0, missing or 0, optional or 0
    by_item: dict[int, list[int]] = {}
    expired = (dates.expires_on <= today).label("expired")
    for team_id, item_id, is_expired, count in db.session.execute(
            select(dates.team_id, dates.item_id, expired, func.count())
            .where(dates.completed_on.is_not(None), dates.expires_on.is_not(None), dates.expires_on <= soon,
                   *scoped(dates.team_id))
            .group_by(dates.team_id, dates.item_id, expired)):
        place = EXPIRED if is_expired else EXPIRING
        for tally in (teams[team_id][1], by_item.setdefault(item_id, [0] * TALLY_SIZE)):
            tally[place] += count
            tally[COMPLETE] -= count
    for team_id, item_id, count in db.session.execute(
            select(dates.team_id, dates.item_id, func.count())
            .where(dates.completed_on.is_(None), dates.due_on < today, *scoped(dates.team_id))
            .group_by(dates.team_id, dates.item_id)):
        for tally in (teams[team_id][1], by_item.setdefault(item_id, [0] * TALLY_SIZE)):
            tally[OVERDUE] += count
            tally[TODO] -= count
    overall = [0] * TALLY_SIZE
    for figure, tally in teams.values():
        figure.compliance = rules.Compliance.of_tally(tally)
        for index in range(TALLY_SIZE):
            overall[index] += tally[index]
    if team_ids is None:
        awaiting_total = decisions.awaiting_everywhere()
    else:
        awaiting_total = db.session.scalar(
            select(func.count(Entry.id)).join(Person, Person.id == Entry.person_id)
            .where(Entry.status == EntryStatus.AWAITING, Person.active.is_(True), Person.team_id.in_(team_ids)))
    ranked = sorted((figure for figure, _ in teams.values()),
                    key=lambda t: (t.compliance.percent if t.compliance.percent is not None else 101, t.name))
    return Overview(overall=rules.Compliance.of_tally(overall), awaiting=awaiting_total, people=people,
                    teams=ranked, items=_worst_items(by_item, scoped), worked_out_at=clock.now(),
                    passports=_standings(today=today, soon=soon, scoped=scoped))


def _worst_items(by_item: dict[int, list[int]], scoped, *, count: int = 10) -> list[ItemFigure]:
    """The items most often out (overdue or expired), worst first, then by title: *by_item* holds their
    ranges; the totals of done and not done are counted for those shown only."""
    out = {item_id: tally[OVERDUE] + tally[EXPIRED] for item_id, tally in by_item.items()}
    out = {item_id: n for item_id, n in out.items() if n}
    if not out:
        return []
    names = {item_id: (title, template_name) for item_id, title, template_name in db.session.execute(
        select(Item.id, Item.title, PassportTemplate.name).join(PassportTemplate, PassportTemplate.id == Item.template_id)
        .where(Item.id.in_(out)))}
    shown = sorted(out, key=lambda item_id: (-out[item_id], names[item_id][0]))[:count]
    # Each holder of an item's passport has one row for it: done = holders less those not done (read through the
    # index of items not done, short), never a count of every row of the item.
    dates, held = item_dates.TABLE.c, item_dates.PASSPORTS.c
    template_of = dict(db.session.execute(select(Item.id, Item.template_id).where(Item.id.in_(shown))).all())
    holders = dict(db.session.execute(
        select(held.template_id, func.count()).where(held.template_id.in_(set(template_of.values())),
                                                     *scoped(held.team_id)).group_by(held.template_id)).all())
    not_done = dict(db.session.execute(
        select(dates.item_id, func.count()).where(dates.item_id.in_(shown), dates.completed_on.is_(None),
                                                  *scoped(dates.team_id)).group_by(dates.item_id)).all())
    for item_id in shown:
        tally = by_item[item_id]
        tally[TODO] += not_done.get(item_id, 0)
        tally[COMPLETE] += holders.get(template_of[item_id], 0) - not_done.get(item_id, 0)
    return [ItemFigure(item_id=item_id, title=names[item_id][0], template_name=names[item_id][1],
                       compliance=rules.Compliance.of_tally(by_item[item_id])) for item_id in shown]


def _standings(*, today: dt.date, soon: dt.date, scoped) -> list[PassportFigure]:
    """Who meets, is about to lose, does not meet each passport held (PRODUCT.md §6.3, rules.standing_of), from
    one row per passport held: a mandatory item not done, or the first expiry on or before today, stops it;
    the first expiry within the warning window makes it about to be lost; a passport with nothing mandatory
    is met."""
    held = item_dates.PASSPORTS.c
    standing = case(((held.missing > 0) | (held.first_expiry <= today), 2), (held.first_expiry <= soon, 1),
                    else_=0).label("standing")
    tally = Tally()
    template_ids = set()
    for template_id, team_id, team_name, place, count in db.session.execute(
            select(held.template_id, held.team_id, Team.name, standing, func.count())
            .outerjoin(Team, Team.id == held.team_id).where(*scoped(held.team_id))
            .group_by(held.template_id, held.team_id, Team.name, standing)):
        template_ids.add(template_id)
        tally.add_count(template_id, team_id, team_name, STANDINGS[place], count)
    return tally.figures(passports_named(template_ids))


COMPLETE, EXPIRING, OVERDUE, EXPIRED, TODO = (TALLY_INDEX[status] for status in (
    Status.COMPLETE, Status.EXPIRING, Status.OVERDUE, Status.EXPIRED, Status.TODO))
