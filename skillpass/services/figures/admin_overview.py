"""The admin home's figures: the organisation at a glance, counted by the database over the kept dates
(services/item_dates.py) with the rules every passport follows; kept per worker until the data changes."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import case, func, literal, select, union_all

from skillpass import clock, rules
from skillpass.extensions import db
from skillpass.models import Entry, EntryStatus, Item, PassportTemplate, Person, Team
from skillpass.rules import OPTIONAL_INDEX, TALLY_INDEX, TALLY_SIZE, Status
from skillpass.services import date_counts, decisions, item_dates, kept
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
    not done, those due before today are Overdue, the rest To do.

    With the kept dates' counts built against a cutoff on or before today (services/date_counts.py), the
    totals and the ranges before the cutoff are read from them, and only the rows from the cutoff to today or
    the window's end from the kept dates (Counted); otherwise every row in the ranges is read from the kept
    dates through their indexes (Aggregated, also the reference the tests hold the counts to). Either way, a
    constant number of queries."""
    build = date_counts.current(today)
    source = Aggregated() if build is None else Counted(build)
    return counted_overview(source, today=today, warning_days=warning_days, team_ids=team_ids)


def counted_overview(source, *, today: dt.date, warning_days: int, team_ids: tuple[int, ...] | None) -> Overview:
    """The overview from *source*'s counts (Aggregated or Counted: the same rows, counted two ways)."""
    soon = today + dt.timedelta(days=warning_days)
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
    for team_id, done, missing, optional in source.held(scoped):
        tally = teams[team_id][1]
        tally[COMPLETE], tally[TODO], tally[OPTIONAL_INDEX] = done or 0, missing or 0, optional or 0
    # Of those, Expired, Expiring and Overdue, by team and by item.
    by_team, by_item_ranges = source.ranges(today=today, soon=soon, scoped=scoped)
    by_item: dict[int, list[int]] = {}
    for found, tally_of in ((by_team, lambda team_id: teams[team_id][1]),
                            (by_item_ranges, lambda item_id: by_item.setdefault(item_id, [0] * TALLY_SIZE))):
        for key, expired, expiring, overdue in found:
            if expired or expiring or overdue:
                tally = tally_of(key)
                tally[EXPIRED] += expired
                tally[EXPIRING] += expiring
                tally[COMPLETE] -= expired + expiring
                tally[OVERDUE] += overdue
                tally[TODO] -= overdue
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
                    teams=ranked, items=_worst_items(source, by_item, scoped), worked_out_at=clock.now(),
                    passports=_standings(source, today=today, soon=soon, scoped=scoped))


def _worst_items(source, by_item: dict[int, list[int]], scoped, *, count: int = 10) -> list[ItemFigure]:
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
    template_of = dict(db.session.execute(select(Item.id, Item.template_id).where(Item.id.in_(shown))).all())
    holders = source.holders(set(template_of.values()), scoped)
    not_done = source.not_done(shown, scoped)
    for item_id in shown:
        tally = by_item[item_id]
        tally[TODO] += not_done.get(item_id, 0)
        tally[COMPLETE] += holders.get(template_of[item_id], 0) - not_done.get(item_id, 0)
    return [ItemFigure(item_id=item_id, title=names[item_id][0], template_name=names[item_id][1],
                       compliance=rules.Compliance.of_tally(by_item[item_id])) for item_id in shown]


def _standings(source, *, today: dt.date, soon: dt.date, scoped) -> list[PassportFigure]:
    """Who meets, is about to lose, does not meet each passport held (PRODUCT.md §6.3, rules.standing_of), from
    one row per passport held: a mandatory item not done, or the first expiry on or before today, stops it;
    the first expiry within the warning window makes it about to be lost; a passport with nothing mandatory
    is met."""
    tally = Tally()
    template_ids = set()
    names = dict(db.session.execute(select(Team.id, Team.name).where(*scoped(Team.id))).all())
    for template_id, team_id, place, count in source.standings(today=today, soon=soon, scoped=scoped):
        template_ids.add(template_id)
        tally.add_count(template_id, team_id, names.get(team_id), STANDINGS[place], count)
    return tally.figures(passports_named(template_ids))


class Aggregated:
    """The admin home's counts read from the kept dates themselves: every row in the ranges, through their
    indexes (about 490,000 rows for a trust of 30,000)."""

    def held(self, scoped):
        """(team id, mandatory done, mandatory not done, optional) of the passports held."""
        held = item_dates.PASSPORTS.c
        return db.session.execute(
            select(held.team_id, func.sum(held.done), func.sum(held.missing), func.sum(held.optional))
            .where(*scoped(held.team_id)).group_by(held.team_id)).all()

    def ranges(self, *, today, soon, scoped):
        """(team id, expired, expiring, overdue) of each team and (item id, …) of each item: the items done that
        expire on or before *soon* (on or before *today*: expired), and those not done due before *today*."""
        dates = item_dates.TABLE.c
        by_team: dict[int | None, list[int]] = {}
        by_item: dict[int, list[int]] = {}
        expired = (dates.expires_on <= today).label("expired")
        for team_id, item_id, is_expired, count in db.session.execute(
                select(dates.team_id, dates.item_id, expired, func.count())
                .where(dates.completed_on.is_not(None), dates.expires_on.is_not(None), dates.expires_on <= soon,
                       *scoped(dates.team_id))
                .group_by(dates.team_id, dates.item_id, expired)):
            for tally in (by_team.setdefault(team_id, [0, 0, 0]), by_item.setdefault(item_id, [0, 0, 0])):
                tally[0 if is_expired else 1] += count
        for team_id, item_id, count in db.session.execute(
                select(dates.team_id, dates.item_id, func.count())
                .where(dates.completed_on.is_(None), dates.due_on < today, *scoped(dates.team_id))
                .group_by(dates.team_id, dates.item_id)):
            for tally in (by_team.setdefault(team_id, [0, 0, 0]), by_item.setdefault(item_id, [0, 0, 0])):
                tally[2] += count
        return ([(key, *tally) for key, tally in by_team.items()],
                [(key, *tally) for key, tally in by_item.items()])

    def holders(self, template_ids, scoped) -> dict[int, int]:
        held = item_dates.PASSPORTS.c
        return dict(db.session.execute(
            select(held.template_id, func.count()).where(held.template_id.in_(template_ids), *scoped(held.team_id))
            .group_by(held.template_id)).all())

    def not_done(self, item_ids, scoped) -> dict[int, int]:
        dates = item_dates.TABLE.c
        return dict(db.session.execute(
            select(dates.item_id, func.count()).where(dates.item_id.in_(item_ids), dates.completed_on.is_(None),
                                                      *scoped(dates.team_id)).group_by(dates.item_id)).all())

    def standings(self, *, today, soon, scoped):
        """(template id, team id, standing's place in STANDINGS, count) of the passports held."""
        held = item_dates.PASSPORTS.c
        standing = case(((held.missing > 0) | (held.first_expiry <= today), 2), (held.first_expiry <= soon, 1),
                        else_=0).label("standing")
        return db.session.execute(
            select(held.template_id, held.team_id, standing, func.count()).where(*scoped(held.team_id))
            .group_by(held.template_id, held.team_id, standing)).all()


class Counted:
    """The same counts from a build of the kept dates' counts (services/date_counts.py, which says how they add
    up): the totals and the ranges as of the build's cutoff C and window's end E from the counts, a row per team
    and item (or team and passport); from the kept dates, only the rows between C and today, and between E and
    today's window's end: on the day of a build, one day's rows."""

    def __init__(self, build: date_counts.Build):
        self.build = build

    def _spans(self, today, soon):
        """(from, to, sign): the rows expiring from C to today (inclusive) move from Expiring to Expired; those
        after E up to today's window's end (or after it up to E) come into (or leave) Expiring."""
        cut, end = self.build.cutoff, self.build.window_end
        return (cut, today), (min(end, soon), max(end, soon), 1 if soon >= end else -1)

    @staticmethod
    def _team(column):
        return case((column == 0, None), else_=column)

    def held(self, scoped):
        c = date_counts.PASSPORTS.c
        team = self._team(c.team_id)
        return [row[:4] for row in db.session.execute(
            select(team, func.sum(c.done), func.sum(c.missing), func.sum(c.optional), func.sum(c.held))
            .where(c.generation == self.build.generation, *scoped(c.team_id)).group_by(team)) if row[4]]

    def ranges(self, *, today, soon, scoped):
        c, dates = date_counts.ITEMS.c, item_dates.TABLE.c
        (cut, _), (low, high, sign) = self._spans(today, soon)
        done = [dates.completed_on.is_not(None), dates.expires_on.is_not(None), *scoped(dates.team_id)]
        zero = literal(0)

        def parts(key_of_counts, key_of_dates):
            counts = select(key_of_counts.label("k"), c.expired_before.label("expired"), c.expiring.label("expiring"),
                            c.overdue_before.label("overdue")).where(c.generation == self.build.generation,
                                                                     *scoped(c.team_id))
            passed = select(key_of_dates.label("k"), func.count().label("expired"), (-func.count()).label("expiring"),
                            zero.label("overdue")).where(*done, dates.expires_on >= cut, dates.expires_on <= today
                                                         ).group_by(key_of_dates)
            window = select(key_of_dates.label("k"), zero.label("expired"), (sign * func.count()).label("expiring"),
                            zero.label("overdue")).where(*done, dates.expires_on > low, dates.expires_on <= high
                                                         ).group_by(key_of_dates)
            overdue = select(key_of_dates.label("k"), zero.label("expired"), zero.label("expiring"),
                             func.count().label("overdue")).where(
                dates.completed_on.is_(None), dates.due_on >= cut, dates.due_on < today, *scoped(dates.team_id)
            ).group_by(key_of_dates)
            every = union_all(counts, passed, window, overdue).subquery()
            return db.session.execute(select(every.c.k, func.sum(every.c.expired), func.sum(every.c.expiring),
                                             func.sum(every.c.overdue)).group_by(every.c.k)).all()

        return parts(self._team(c.team_id), dates.team_id), parts(c.item_id, dates.item_id)

    def holders(self, template_ids, scoped) -> dict[int, int]:
        c = date_counts.PASSPORTS.c
        return dict(db.session.execute(
            select(c.template_id, func.sum(c.held)).where(c.generation == self.build.generation,
                                                          c.template_id.in_(template_ids), *scoped(c.team_id))
            .group_by(c.template_id)).all())

    def not_done(self, item_ids, scoped) -> dict[int, int]:
        c = date_counts.ITEMS.c
        return dict(db.session.execute(
            select(c.item_id, func.sum(c.not_done)).where(c.generation == self.build.generation,
                                                          c.item_id.in_(item_ids), *scoped(c.team_id))
            .group_by(c.item_id)).all())

    def standings(self, *, today, soon, scoped):
        """Every holder, those stopped and those about to lose it as of C, from the counts; the passports with
        every item done whose first expiry falls between C and today, or between E and today's window's end,
        from the kept rows (their index): the rest meet it."""
        c, held = date_counts.PASSPORTS.c, item_dates.PASSPORTS.c
        (cut, _), (low, high, sign) = self._spans(today, soon)
        zero = literal(0)
        every_done = [held.missing == 0, held.first_expiry.is_not(None), *scoped(held.team_id)]
        team = self._team(c.team_id)
        counts = select(c.template_id.label("t"), team.label("team"), c.held.label("held"),
                        c.stopped_before.label("stopped"), c.expiring.label("expiring")).where(
            c.generation == self.build.generation, *scoped(c.team_id))
        passed = select(held.template_id, held.team_id, zero, func.count(), -func.count()).where(
            *every_done, held.first_expiry >= cut, held.first_expiry <= today).group_by(held.template_id, held.team_id)
        window = select(held.template_id, held.team_id, zero, zero, sign * func.count()).where(
            *every_done, held.first_expiry > low, held.first_expiry <= high).group_by(held.template_id, held.team_id)
        every = union_all(counts, passed, window).subquery()
        found = []
        for template_id, team_id, holders, stopped, expiring in db.session.execute(
                select(every.c.t, every.c.team, func.sum(every.c.held), func.sum(every.c.stopped),
                       func.sum(every.c.expiring)).group_by(every.c.t, every.c.team)):
            for place, count in ((0, holders - stopped - expiring), (1, expiring), (2, stopped)):
                if count:
                    found.append((template_id, team_id, place, count))
        return found


COMPLETE, EXPIRING, OVERDUE, EXPIRED, TODO = (TALLY_INDEX[status] for status in (
    Status.COMPLETE, Status.EXPIRING, Status.OVERDUE, Status.EXPIRED, Status.TODO))
