"""A synthetic trust for the benchmark: people, teams, three passports of about 45
items, three years of history, straight into a migrated database (its indexes as
the migrations make them). Teams scale with people: 30,000 people (the largest
trusts, issue 19) make 360 teams and about 3.9 million entries; 5,000 make 60
teams and about 645,000.

The entries, the bulk of it, go in through the driver itself: executemany in
large batches on SQLite, COPY on PostgreSQL (psycopg 3's cursor.copy), each value
first passed through its column's own bind processor, so what is stored is what
the ORM would store. A line on stderr every few thousand people says how far it
has got, at what rate, and how long is left.
"""
from __future__ import annotations

import datetime as dt
import random
import sys
import time
from dataclasses import dataclass

from sqlalchemy import insert, select, text

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


TEAMS_A_PERSON = 360 / 30000    # 30,000 people in 360 teams, as the trust
BATCH = 50000                   # entries a batch on SQLite (executemany)


def generate(*, people: int = 30000, today: dt.date, seed: int = 7, progress=None) -> Trust:
    """Build the trust; *progress* (a file, stderr by default) gets a line every few thousand people."""
    progress = progress if progress is not None else sys.stderr
    rng = random.Random(seed)
    n_people = max(20, people)
    n_teams = max(3, round(n_people * TEAMS_A_PERSON))
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
    writer = _EntryWriter(db.session.connection())
    every = max(500, min(5000, n_people // 10))
    started = time.perf_counter()
    for index, (person_id, role, team_id, start_date) in enumerate(rows):
        held = [templates[0], templates[1 + index % 2]]
        for template, items, sections in held:
            assigned_on = max(start_date, today - dt.timedelta(days=3 * 365))
            assignments.append({"person_id": person_id, "template_id": template.id, "assigned_on": assigned_on,
                                "source": AssignmentSource.MANUAL, "source_detail": "", "created_at": dt.datetime.now(dt.timezone.utc)})
            for item in items:
                for completed_on, status in _history(rng, item, start_date, today):
                    entries.append((person_id, item.id, completed_on, status))
        if len(entries) >= BATCH:
            writer.write(entries)
            total_entries += len(entries)
            entries = []
        if (index + 1) % every == 0 and index + 1 < len(rows):
            _progress(progress, index + 1, len(rows), total_entries + len(entries), started)
    if entries:
        writer.write(entries)
        total_entries += len(entries)
    writer.close()
    _progress(progress, len(rows), len(rows), total_entries, started)
    db.session.execute(insert(Assignment), assignments)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # The planner's statistics, as autovacuum would gather them soon after a load this size (and would
        # otherwise gather in the middle of the measurements).
        db.session.execute(text("ANALYZE"))
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


def _progress(out, done: int, total: int, entries: int, started: float) -> None:
    elapsed = time.perf_counter() - started
    rate = done / elapsed if elapsed else 0.0
    left = (total - done) / rate if rate else 0.0
    print(f"  generated {done:,} of {total:,} people, {entries:,} entries, {rate:,.0f} people/s, "
          f"{elapsed:.0f} s so far, about {left:.0f} s left", file=out, flush=True)


class _EntryWriter:
    """Entries (person, item, completed on, status) straight through the driver, in the session's transaction:
    executemany on SQLite, COPY on PostgreSQL. Every other column gets what the benchmark has always written
    (recorded by the person at noon on the day, version 1); each value goes through its column's bind processor
    (enums to their stored strings, timestamps to what the dialect stores), once per distinct value."""

    GIVEN = ("person_id", "item_id", "completed_on", "status", "recorded_at")
    FIXED = {"method": EntryMethod.HERE, "equivalent_source": "", "note": "", "decided_by_name": "",
             "decided_by_job_title": "", "decision_reason": "", "version": 1}

    def __init__(self, connection):
        table = Entry.__table__
        self.dialect = connection.dialect
        self.raw = connection.connection.driver_connection
        fixed = dict(self.FIXED)
        for column in table.columns:
            # Columns with a plain default the benchmark never set (activity, verified_credential …) get it.
            if column.name in self.GIVEN or column.name in fixed or column.name == "id":
                continue
            if column.default is not None and column.default.is_scalar:
                fixed[column.name] = column.default.arg
        self.fixed_names = list(fixed)
        self.fixed_values = tuple(self._bind(table.c[name], value) for name, value in fixed.items())
        self.names = ["person_id", "item_id", "completed_on", "status", "recorded_at", "recorded_by_id",
                      *self.fixed_names]
        self._date = self._memo(table.c.completed_on)
        self._status = self._memo(table.c.status)
        self._noon = self._memo(table.c.recorded_at)
        self._copy = None
        if self.dialect.name == "postgresql":
            self._cursor = self.raw.cursor()
            self._copy_cm = self._cursor.copy(f"COPY entry ({', '.join(self.names)}) FROM STDIN")
            self._copy = self._copy_cm.__enter__()
        else:
            marks = ", ".join("?" for _ in self.names)
            self._sql = f"INSERT INTO entry ({', '.join(self.names)}) VALUES ({marks})"

    def _bind(self, column, value):
        process = column.type._cached_bind_processor(self.dialect)
        return process(value) if process else value

    def _memo(self, column):
        cache = {}
        process = column.type._cached_bind_processor(self.dialect)

        def bind(value):
            try:
                return cache[value]
            except KeyError:
                cache[value] = out = process(value) if process else value
                return out
        return bind

    def _row(self, person_id, item_id, completed_on, status):
        noon = dt.datetime.combine(completed_on, dt.time(12), dt.timezone.utc)
        return (person_id, item_id, self._date(completed_on), self._status(status), self._noon(noon), person_id,
                *self.fixed_values)

    def write(self, entries) -> None:
        rows = [self._row(*entry) for entry in entries]
        if self._copy is not None:
            for row in rows:
                self._copy.write_row(row)
        else:
            self.raw.cursor().executemany(self._sql, rows)

    def close(self) -> None:
        if self._copy is not None:
            self._copy_cm.__exit__(None, None, None)
            self._cursor.close()
            self._copy = None
