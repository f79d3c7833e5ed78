"""The admin home's figures: the organisation at a glance, from the same walk as the matrix,
kept per worker and, after a write, shown stale while a thread counts them again."""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field, replace

from sqlalchemy import func, select

from skillpass import clock, rules
from skillpass.extensions import db
from skillpass.models import Assignment, Entry, EntryStatus, Person, Team
from skillpass.rules import TALLY_SIZE
from skillpass.services import kept
from skillpass.services.figures.scope import (Scope, columns_of, held_by_person, latest_completions,
                                             passports_named, people_query)
from skillpass.services.figures.standing import PassportFigure, Tally
from skillpass.services.figures.walk import Plan, walk

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
    current: bool = True        # False: the last figures worked out, while newer ones are being counted
    # Per passport held as a qualification: how many meet it, are about to lose it, do not meet it (§6.3).
    passports: list[PassportFigure] = field(default_factory=list)


def overview(*, today: dt.date, warning_days: int, team_ids: tuple[int, ...] | None = None,
             stale_ok: bool = False) -> Overview:
    """The organisation at a glance: compliance, counts, teams ranked worst first, items most often out.

    Kept per worker until the data changes (or the day, or the warning window): a trust of 5,000
    people means hundreds of thousands of statuses, about a second's work, not redone on every visit.
    With stale_ok, once anything has been written the last figures come back at once, marked not
    current, while a background thread counts again; the next look gets the new ones."""
    key = kept.key("overview", today, warning_days, team_ids)
    if key is None:
        return compute_overview(today=today, warning_days=warning_days, team_ids=team_ids)
    if (cached := KEPT.get(key)) is not None:
        return cached
    if stale_ok and (last := kept.last_before(key)) is not None:
        kept.refresh_in_background(KEPT, key, lambda: compute_overview(today=today, warning_days=warning_days,
                                                                       team_ids=team_ids))
        return replace(last, current=False)
    result = compute_overview(today=today, warning_days=warning_days, team_ids=team_ids)
    kept.remember(KEPT, key, result)
    return result


def refreshing(today: dt.date, warning_days: int, team_ids: tuple[int, ...] | None = None
               ) -> threading.Thread | None:
    """The background count of these figures, if one is under way (for tests and the benchmark)."""
    return kept.refreshing("overview", today, warning_days, team_ids)


def compute_overview(*, today: dt.date, warning_days: int, team_ids: tuple[int, ...] | None) -> Overview:
    """The same statuses as the matrix, from the same walk, counted straight into team and item figures
    (no cells kept)."""
    ids = people_query(Scope(team_ids=team_ids))
    people = db.session.execute(
        select(Person.id, Person.start_date, Person.team_id, Team.name.label("team_name"))
        .outerjoin(Team, Team.id == Person.team_id)
        .where(Person.id.in_(ids))).all()
    assignments = db.session.execute(
        select(Assignment.person_id, Assignment.template_id, Assignment.assigned_on)
        .where(Assignment.person_id.in_(ids), Assignment.removed_on.is_(None))).all()
    template_ids = {template_id for _, template_id, _ in assignments}
    plan = Plan(columns_of(template_ids), today=today, warning_days=warning_days, cells=False)
    latest = latest_completions(ids if team_ids is not None else None, template_ids)
    awaiting_total = db.session.scalar(
        select(func.count(Entry.id)).join(Person, Person.id == Entry.person_id)
        .where(Entry.status == EntryStatus.AWAITING, Person.active.is_(True),
               *([Person.team_id.in_(team_ids)] if team_ids is not None else [])))

    teams: dict[str, tuple[TeamFigure, list[int]]] = {}
    standings = Tally()
    for person, tally, _, held in walk(plan, people, held_by_person(assignments), latest):
        standings.add(person.team_id, person.team_name, held)
        name = person.team_name or "No team"
        found = teams.get(name)
        if found is None:
            found = teams[name] = (TeamFigure(name=name, team_id=person.team_id, people=0,
                                              compliance=rules.Compliance()), [0] * TALLY_SIZE)
        figure, team_tally = found
        figure.people += 1
        for index in range(TALLY_SIZE):
            team_tally[index] += tally[index]
    for figure, tally in teams.values():
        figure.compliance = rules.Compliance.of_tally(tally)
    item_figures = [ItemFigure(item_id=column.item.id, title=column.item.title, template_name=column.template.name,
                               compliance=compliance) for column, compliance in plan.column_figures()]
    ranked = sorted((figure for figure, _ in teams.values()),
                    key=lambda t: (t.compliance.percent if t.compliance.percent is not None else 101, t.name))
    worst = sorted((i for i in item_figures if i.out), key=lambda i: (-i.out, i.title))[:10]
    return Overview(overall=rules.Compliance.of_tally(plan.overall), awaiting=awaiting_total, people=len(people),
                    teams=ranked, items=worst, worked_out_at=clock.now(),
                    passports=standings.figures(passports_named(template_ids)))
