"""Monthly compliance per team over the last months, each as of its month's end: past month ends from the rows
kept as writes happen (services/trend_months.py), today over the kept dates, and any month end not yet built
walked from the entries themselves (walk_months, what the kept rows are derived and checked by)."""
from __future__ import annotations

import bisect
import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Hashable

from sqlalchemy import func, or_, select

from skillpass import rules
from skillpass.rules import TALLY_INDEX, TALLY_SIZE
from skillpass.extensions import db
from skillpass.models import Assignment, Entry, EntryActivity, EntryMethod, EntryStatus, Item, Person, Section, Team
from skillpass.services.credit import credit_map
from skillpass.services.figures.scope import Scope, of_subjects, people_query, subject_items
from skillpass.subjects import normalise_name, subject_key

def month_ends(today: dt.date, months: int = 12) -> list[dt.date]:
    """The last day of each of the last *months* months, the current month counting as of today."""
    out = [today]
    year, month = today.year, today.month
    for _ in range(months - 1):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        out.append(dt.date(year, month, calendar.monthrange(year, month)[1]))
    return list(reversed(out))


@dataclass
class TrendLine:
    name: str
    points: list[tuple[dt.date, rules.Compliance]]


def trend(scope: Scope, *, today: dt.date, warning_days: int, months: int = 12,
          walk_limit: int | None = None) -> list[TrendLine]:
    """Monthly compliance per team, each as of its month's end (walk_months says what "as of" means).

    Past month ends come from the rows kept as writes happen (services/trend_months.py) where they are built
    with this warning window; the current month, as of today, is counted over the kept dates; a month end not
    yet built is walked from the entries, unless more than *walk_limit* people are in scope: then its point is
    None (being counted: the job worker builds it within minutes). A constant number of queries."""
    from skillpass.services import item_dates, trend_months

    ends = month_ends(today, months)
    past = ends[:-1]
    everyone = replace(scope, template_id=None)
    names = {team_id: name or "No team" for team_id, name in db.session.execute(
        select(Person.team_id, Team.name).outerjoin(Team, Team.id == Person.team_id)
        .where(Person.id.in_(people_query(everyone))).distinct())}
    tallies: dict[str, dict[dt.date, list[int] | None]] = {
        name: {m: [0] * TALLY_SIZE for m in ends} for name in set(names.values())}
    built = trend_months.built(past, warning_days)
    for month_end, team_id, tally in trend_months.counted(scope, sorted(built)):
        if any(tally):      # a sum left at nothing (everyone it counted has left, or moved team) names no line
            _add(tallies[names[team_id]][month_end], tally)
    walked = [m for m in past if m not in built]
    counted_today = not item_dates.needs_rebuild()
    if not counted_today:
        walked.append(today)
    if walked and walk_limit is not None and tallies and db.session.scalar(
            select(func.count()).select_from(people_query(everyone).subquery())) > walk_limit:
        for points in tallies.values():
            for m in walked:
                points[m] = None
        walked = [today] if not counted_today else []
    if walked:
        people, by_person = walk_months(people_query(everyone), walked, warning_days=warning_days,
                                        template_id=scope.template_id)
        team_of = {person_id: team_id for person_id, _, team_id, _ in people}
        for (person_id, _), counts in by_person.items():
            points = tallies[names[team_of[person_id]]]
            for m, tally in zip(walked, counts):
                _add(points[m], tally)
    if counted_today:
        for team_id, tally in trend_months.today_counts(scope, today=today, warning_days=warning_days):
            _add(tallies[names[team_id]][today], tally)
    return [TrendLine(name=name, points=[(m, None if points[m] is None else rules.Compliance.of_tally(points[m]))
                                         for m in ends])
            for name, points in sorted(tallies.items())]


def trend_walked(scope: Scope, *, today: dt.date, warning_days: int, months: int = 12) -> list[TrendLine]:
    """The same lines, every month end walked from the entries: what the kept rows are checked against."""
    ends = month_ends(today, months)
    everyone = replace(scope, template_id=None)
    names = {team_id: name or "No team" for team_id, name in db.session.execute(
        select(Person.team_id, Team.name).outerjoin(Team, Team.id == Person.team_id)
        .where(Person.id.in_(people_query(everyone))).distinct())}
    tallies = {name: [[0] * TALLY_SIZE for _ in ends] for name in set(names.values())}
    people, by_person = walk_months(people_query(everyone), ends, warning_days=warning_days,
                                    template_id=scope.template_id)
    team_of = {person_id: team_id for person_id, _, team_id, _ in people}
    for (person_id, _), counts in by_person.items():
        for into, tally in zip(tallies[names[team_of[person_id]]], counts):
            _add(into, tally)
    return [TrendLine(name=name, points=[(m, rules.Compliance.of_tally(t)) for m, t in zip(ends, points)])
            for name, points in sorted(tallies.items())]


def _add(into: list[int], tally) -> None:
    for index, n in enumerate(tally):
        into[index] += n


def walk_months(ids, ends: list[dt.date], *, warning_days: int, template_id: int | None = None,
                ) -> tuple[list[tuple[int, dt.date, int | None, str]], dict[tuple[int, int], list[list[int]]]]:
    """How each passport held by the people *ids* selects stood as of each day of *ends*, from the entries:
    (the people: id, start date, team id, job role; per (person id, template id), a tally in rules.TALLIED order
    for each day of *ends*, in that order). *template_id* narrows it to one passport.

    As of a day M: people who had started then, the assignments live then, items that existed then (added on
    or before M, not yet archived), and the entries completed on or before M that were accepted (revoked ones
    count until their revocation). Frequencies and offsets are today's. Mandatory items only."""
    if not ends:
        return [], {}
    first = min(ends)
    people = db.session.execute(select(Person.id, Person.start_date, Person.team_id, Person.job_role)
                                .where(Person.id.in_(ids))).all()
    assignments = db.session.execute(select(
        Assignment.person_id, Assignment.template_id, Assignment.assigned_on, Assignment.removed_on).where(
        Assignment.person_id.in_(ids), or_(Assignment.removed_on.is_(None), Assignment.removed_on > first),
        *([Assignment.template_id == template_id] if template_id else []))).all()
    template_ids = {a.template_id for a in assignments}
    columns = _items_ever(template_ids)
    # By (person, subject): an entry counts for every item of its subject (PRODUCT.md §6.1).
    # Each completion with what the chain rule reads (PRODUCT.md §6.3): refresher or not, a certificate's expiry.
    completions: dict[tuple[int, Hashable], list[tuple]] = defaultdict(list)
    chained: set[tuple[int, Hashable]] = set()      # the (person, subject)s read whole, as the chain rule does
    credit = credit_map()
    if template_ids:
        for person_id, item_id, code, completed_on, status, decided_at, activity, own_expiry, method, source in \
                db.session.execute(
                select(Entry.person_id, Entry.item_id, Item.code, Entry.completed_on, Entry.status, Entry.decided_at,
                       Entry.activity, Entry.certificate_expires_on, Entry.method, Entry.equivalent_source)
                .join(Item, Item.id == Entry.item_id)
                .where(Entry.person_id.in_(ids),
                       or_(subject_items(template_ids), *of_subjects(credit.by_subject),
                           *([Entry.method == EntryMethod.EQUIVALENT] if credit.by_name else [])),
                       or_(Entry.status == EntryStatus.ACCEPTED, Entry.status == EntryStatus.REVOKED))):
            # A revoked entry counted from its completion until it was revoked.
            until = decided_at if status is EntryStatus.REVOKED else None
            refresher = activity is EntryActivity.REFRESHER
            done = (completed_on, until, refresher, own_expiry)
            key = subject_key(item_id, code)
            name_key = normalise_name(source) if method is EntryMethod.EQUIVALENT else ""
            for subject in {key} | credit.targets_of(key, method_equivalent=bool(name_key), source_name_key=name_key):
                completions[(person_id, subject)].append(done)
                if refresher or own_expiry is not None:
                    chained.add((person_id, subject))
    for key in completions:
        completions[key].sort(key=lambda c: c[0])

    held: dict[int, list] = defaultdict(list)
    for a in assignments:
        held[a.person_id].append(a)
    by_template: dict[int, list[tuple[Item, rules.Offset, dt.date | None, Hashable]]] = defaultdict(list)
    for item, section in columns:
        if not item.mandatory:
            continue
        archived = item.archived_at.date() if item.archived_at else None
        by_template[item.template_id].append(
            (item, rules.Offset(section.offset_amount, section.offset_unit.value), archived,
             subject_key(item.id, item.code)))

    out: dict[tuple[int, int], list[list[int]]] = {}
    last = max(ends)
    for person_id, start_date, _team_id, _job_role in people:
        for assignment in held.get(person_id, ()):
            if rules.assignment_anchor(start_date, assignment.assigned_on) > last:
                continue        # nothing of it counted by then (a new starter's passport, at a past month's end)
            removed = assignment.removed_on
            counts = out.get((person_id, assignment.template_id))
            if counts is None:
                counts = out[(person_id, assignment.template_id)] = [[0] * TALLY_SIZE for _ in ends]
            for item, offset, archived, subject in by_template.get(assignment.template_id, ()):
                since = rules.anchor_of(start_date, assignment.assigned_on, item.added_on)
                due = rules.due_on(start_date=start_date, assigned_on=assignment.assigned_on,
                                   item_added_on=item.added_on, offset=offset)
                done = completions.get((person_id, subject), ())
                dates = [d[0] for d in done]
                frequency = item.frequency_months
                whole = item.has_refresher or (person_id, subject) in chained
                for m, tally in zip(ends, counts):
                    if since > m or (removed is not None and removed <= m) or (archived is not None and archived <= m):
                        continue
                    index = bisect.bisect_right(dates, m)
                    if whole:
                        chain = rules.chain_of(
                            [rules.Link(d, refresher, own) for d, until, refresher, own in done[:index]
                             if until is None or until.date() > m],
                            frequency_months=frequency, grace_months=item.grace_months,
                            has_refresher=item.has_refresher)
                        latest, expires = chain.completed_on, chain.expires_on
                    else:
                        latest = None
                        while index > 0:
                            completed_on, until = done[index - 1][:2]
                            if until is None or until.date() > m:
                                latest = completed_on
                                break
                            index -= 1
                        expires = rules.expiry_date(latest, frequency) if latest is not None else None
                    status = rules.status_of(today=m, due_on=due, expires_on=expires, latest_accepted_on=latest,
                                             warning_days=warning_days)
                    tally[TALLY_INDEX[status]] += 1
    return [tuple(p) for p in people], out


def _items_ever(template_ids: set[int]) -> list[tuple[Item, Section]]:
    """Items of these templates, archived ones included (they counted until archived)."""
    if not template_ids:
        return []
    return [(i, s) for i, s in db.session.execute(
        select(Item, Section).join(Section, Section.id == Item.section_id)
        .where(Item.template_id.in_(template_ids)))]

