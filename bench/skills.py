"""The skills part of the synthetic trust (issue 16): a published framework of 15 areas, targets for every job
role, and three dated self-assessments a person (5,000 people at scale 1: 15,000 assessments, 225,000 assessed
levels, 75,000 kept standings), a tenth of the cells confirmed by an educator. Written with bulk inserts."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import insert, select

from skillpass.extensions import db
from skillpass.models import Person, Role, TemplateStatus
from skillpass.models.skills import (
    ConfirmedLevel, SelfAssessedLevel, SelfAssessment, SkillArea, SkillsFramework, SkillStanding, SkillStatement,
    SkillTarget,
)

AREAS = ["Email", "Word processing", "Spreadsheets", "Presentations", "Databases", "Web browsing", "Online safety",
         "Files and folders", "Electronic patient record", "Video calls", "Calendars", "Printing and scanning",
         "Passwords and security", "Data protection", "Using a tablet"]
CHUNK = 20000


def generate_skills(*, today: dt.date, seed: int = 16) -> dict:
    rng = random.Random(seed)
    framework = SkillsFramework(name="IT user skills (benchmark)", status=TemplateStatus.PUBLISHED)
    db.session.add(framework)
    db.session.flush()
    areas = []
    for position, name in enumerate(AREAS):
        area = SkillArea(framework_id=framework.id, name=name, position=position)
        db.session.add(area)
        areas.append(area)
    db.session.flush()
    db.session.execute(insert(SkillStatement), [
        {"area_id": a.id, "level": level, "position": n, "wording": f"{a.name}: statement {level}.{n + 1}"}
        for a in areas for level in range(1, 5) for n in range(2)])
    people = db.session.execute(select(Person.id, Person.job_role, Person.role).order_by(Person.id)).all()
    roles = sorted({role for _, role, _ in people if role})
    db.session.execute(insert(SkillTarget), [
        {"area_id": a.id, "job_role": role, "minimum": rng.randint(1, 3), "maximum": None}
        for a in areas for role in roles])
    educator = next(pid for pid, _, role in people if role is Role.EDUCATOR)

    dates = [today - dt.timedelta(days=days) for days in (330, 180, 40)]
    assessments = [{"person_id": pid, "framework_id": framework.id, "submitted_on": on,
                    "submitted_at": dt.datetime.combine(on, dt.time(12), dt.timezone.utc),
                    "started_at": dt.datetime.combine(on, dt.time(11), dt.timezone.utc)}
                   for pid, _, _ in people for on in dates]
    for start in range(0, len(assessments), CHUNK):
        db.session.execute(insert(SelfAssessment), assessments[start:start + CHUNK])
    ids = db.session.execute(select(SelfAssessment.id, SelfAssessment.person_id, SelfAssessment.submitted_on)
                             .where(SelfAssessment.framework_id == framework.id)
                             .order_by(SelfAssessment.person_id, SelfAssessment.submitted_on)).all()
    levels, latest = [], {}
    for assessment_id, pid, on in ids:
        for a in areas:
            level = min(4, latest.get((pid, a.id), rng.randint(0, 2)) + rng.choice([0, 0, 1]))
            latest[(pid, a.id)] = level
            levels.append({"assessment_id": assessment_id, "area_id": a.id, "level": level,
                           "reason": f"{level} (benchmark)"})
            if len(levels) >= CHUNK:
                db.session.execute(insert(SelfAssessedLevel), levels)
                levels = []
    if levels:
        db.session.execute(insert(SelfAssessedLevel), levels)
    confirmed, standings = [], []
    on = today - dt.timedelta(days=20)
    for (pid, aid), level in latest.items():
        row = {"person_id": pid, "area_id": aid, "self_level": level, "self_reason": f"{level} (benchmark)",
               "self_assessed_on": dates[-1], "confirmed_level": None, "confirmed_on": None,
               "confirmed_by_name": "", "confirmed_note": ""}
        if rng.random() < 0.1:
            sure = max(0, level - rng.choice([0, 1]))
            confirmed.append({"person_id": pid, "area_id": aid, "level": sure, "note": "", "confirmed_on": on,
                              "confirmed_by_id": educator, "confirmed_by_name": "Benchmark educator"})
            row.update(confirmed_level=sure, confirmed_on=on, confirmed_by_name="Benchmark educator")
        standings.append(row)
    for start in range(0, len(standings), CHUNK):
        db.session.execute(insert(SkillStanding), standings[start:start + CHUNK])
    if confirmed:
        db.session.execute(insert(ConfirmedLevel), confirmed)
    db.session.commit()
    return {"framework_id": framework.id, "areas": len(areas), "assessments": len(ids),
            "assessed_levels": len(ids) * len(areas), "confirmed": len(confirmed)}
