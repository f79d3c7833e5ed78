"""A synthetic trust for the benchmark: people, teams, three passports of about 45
items, three years of history. Written with bulk inserts, straight into a
migrated database; every figure scales with --scale (1.0 = the trust of the
issue: 5,000 people, 60 teams, about 500,000 entries).
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import insert, select

from skillpass.extensions import db
from skillpass.models import (
    Assignment,
    AssignmentSource,
    Entry,
    EntryMethod,
    EntryStatus,
    Item,
    ItemKind,
    OffsetUnit,
    PassportTemplate,
    Person,
    Role,
    Section,
    Team,
    TemplateStatus,
    educator_teams,
)
from skillpass.models.people import hash_password

PASSWORD = "bench-password-not-secret"
JOB_ROLES = ["Healthcare Assistant", "Physiotherapy Assistant", "Occupational Therapy Assistant", "Porter",
             "Rehabilitation Assistant", "Staff Nurse", "Ward Clerk", "Therapy Support Worker",
             "Dietetic Assistant", "Speech and Language Therapy Assistant"]
SECTIONS = [("Onboarding (day one)", 0, "days"), ("Within 2 weeks", 2, "weeks"), ("Within 6 months", 6, "months"),
            ("Annual refreshers", 12, "months")]


@dataclass
class Trust:
    people: int
    teams: int
    entries: int
    big_team_id: int
    big_team_size: int
    learner_email: str
    educator_email: str
    admin_email: str


def generate(*, scale: float = 1.0, today: dt.date, seed: int = 7) -> Trust:
    rng = random.Random(seed)
    n_people = max(20, int(5000 * scale))
    n_teams = max(3, int(60 * scale))
    big_team = min(300, max(10, n_people // 4))

    teams = [{"name": f"Ward {i + 1:02d}" if i else "Ward 01 (the big one)"} for i in range(n_teams)]
    db.session.execute(insert(Team), teams)
    team_ids = list(db.session.scalars(select(Team.id).order_by(Team.id)))

    templates = []
    for name, kind in (("Core Skills (CSTF)", "recurring"), ("AHP Support Worker Skills Passport", "mixed"),
                       ("Healthcare Assistant Passport", "mixed")):
        template = PassportTemplate(name=name, status=TemplateStatus.PUBLISHED, description=f"Benchmark: {name}")
        db.session.add(template)
        db.session.flush()
        sections = [Section(template_id=template.id, name=s, offset_amount=a, offset_unit=OffsetUnit(u), position=i)
                    for i, (s, a, u) in enumerate(SECTIONS)]
        db.session.add_all(sections)
        db.session.flush()
        items = []
        for i in range(45):
            section = sections[i % len(sections)]
            if kind == "recurring":
                frequency = rng.choice([12, 24, 36])
            else:
                frequency = rng.choice([None, None, None, 12, 36])
            items.append(Item(
                template_id=template.id, section_id=section.id, position=i, title=f"{name.split()[0]} topic {i + 1:02d}",
                description="Benchmark item", corporate_lead=rng.choice(["Estates", "Therapies", "Learning and Development"]),
                code=f"B{template.id}-{i + 1:02d}", frequency_months=frequency,
                kind=ItemKind.COMPETENCY if kind == "mixed" and i % 5 == 0 else ItemKind.LEARNING,
                mandatory=i % 9 != 8, added_on=today - dt.timedelta(days=8 * 365)))
        db.session.add_all(items)
        db.session.flush()
        templates.append((template, items, {s.id: s for s in sections}))

    password_hash = hash_password(PASSWORD)
    people = []
    for i in range(n_people):
        if i < big_team:
            team_id = team_ids[0]
        else:
            team_id = team_ids[1 + (i % (len(team_ids) - 1))]
        role = Role.LEARNER
        if i % 33 == 1:
            role = Role.EDUCATOR
        if i in (2, 3):
            role = Role.ADMIN
        people.append({
            "name": f"Person {i:05d}", "email": f"person{i:05d}@bench.example", "employee_number": f"B{i:06d}",
            "job_role": rng.choice(JOB_ROLES), "team_id": team_id, "role": role,
            "start_date": today - dt.timedelta(days=rng.randint(30, 6 * 365)), "password_hash": password_hash,
            "active": True, "must_change_password": False, "session_token": f"{i:032x}",
        })
    db.session.execute(insert(Person), people)
    rows = db.session.execute(select(Person.id, Person.role, Person.team_id, Person.start_date).order_by(Person.id)).all()

    # Educators support their own team, and the big team.
    supports = []
    for person_id, role, team_id, _ in rows:
        if role is Role.EDUCATOR:
            supports.append({"person_id": person_id, "team_id": team_id})
            if team_id != team_ids[0]:
                supports.append({"person_id": person_id, "team_id": team_ids[0]})
    if supports:
        db.session.execute(insert(educator_teams), supports)

    assignments = []
    entries = []
    total_entries = 0
    for index, (person_id, role, team_id, start_date) in enumerate(rows):
        held = [templates[0], templates[1 + index % 2]]
        for template, items, sections in held:
            assigned_on = max(start_date, today - dt.timedelta(days=3 * 365))
            assignments.append({"person_id": person_id, "template_id": template.id, "assigned_on": assigned_on,
                                "source": AssignmentSource.MANUAL, "source_detail": "", "created_at": dt.datetime.now(dt.timezone.utc)})
            for item in items:
                for completed_on, status in _history(rng, item, start_date, today):
                    entries.append({"person_id": person_id, "item_id": item.id, "completed_on": completed_on,
                                    "method": EntryMethod.HERE, "status": status, "recorded_by_id": person_id,
                                    "recorded_at": dt.datetime.combine(completed_on, dt.time(12), dt.timezone.utc),
                                    "equivalent_source": "", "note": "", "decided_by_name": "",
                                    "decided_by_job_title": "", "decision_reason": "", "version": 1})
        if len(entries) >= 20000:
            db.session.execute(insert(Entry), entries)
            total_entries += len(entries)
            entries = []
    if entries:
        db.session.execute(insert(Entry), entries)
        total_entries += len(entries)
    db.session.execute(insert(Assignment), assignments)
    db.session.commit()

    by_role = {}
    for person_id, role, team_id, _ in rows:
        by_role.setdefault(role, []).append(person_id)
    learner = db.session.get(Person, next(p for p in by_role[Role.LEARNER]))
    educator = db.session.get(Person, by_role[Role.EDUCATOR][0])
    admin = db.session.get(Person, by_role[Role.ADMIN][0])
    return Trust(people=n_people, teams=n_teams, entries=total_entries, big_team_id=team_ids[0],
                 big_team_size=big_team, learner_email=learner.email, educator_email=educator.email,
                 admin_email=admin.email)


def _history(rng: random.Random, item: Item, start_date: dt.date, today: dt.date):
    """Completions over the last three years: renewed on time, mostly; a few late, a few missing;
    the newest now and then still awaiting sign-off."""
    if rng.random() < 0.08:
        return []
    first = max(start_date, today - dt.timedelta(days=3 * 365)) + dt.timedelta(days=rng.randint(0, 40))
    if first > today:
        return []
    out = []
    if item.frequency_months is None:
        out.append((first, EntryStatus.ACCEPTED))
    else:
        on = first
        while on <= today:
            out.append((on, EntryStatus.ACCEPTED))
            step = item.frequency_months * 30 + rng.randint(-20, 60)
            on = on + dt.timedelta(days=step)
    if out and rng.random() < 0.02:
        out[-1] = (out[-1][0], EntryStatus.AWAITING)
    return out
