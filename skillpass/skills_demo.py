"""The demo trust's skills (PRODUCT.md §6.5): two published frameworks, job-role targets, exemptions, routes,
and people's self-assessments, so My skills, the person's Skills page and the team's Skills report all have
something to show.

Called by demo.seed() after the people and their passports exist. Written with the models directly; every
self-assessed level and its reason come from levels.assess() of the answers written, and SkillStanding is kept
as the writers keep it (latest submitted assessment, latest confirmation). Deterministic for a given "today".
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from sqlalchemy import insert

from skillpass.demo_data import demo_certificate
from skillpass.extensions import db
from skillpass.models import (
    ConfirmedLevel,
    InformalEntry,
    Item,
    Person,
    SelfAssessedLevel,
    SelfAssessment,
    SelfAssessmentAnswer,
    SkillArea,
    SkillExemption,
    SkillRoute,
    SkillsFramework,
    SkillStanding,
    SkillStatement,
    SkillTarget,
    TemplateStatus,
)
from skillpass.services import evidence as evidence_service
from skillpass.services.skills.levels import assess
from skillpass.skills_demo_data import (
    COURSE_ROUTES,
    DCF_AREAS,
    DCF_FRAMEWORK,
    EXEMPTIONS,
    IT_AREAS,
    IT_FRAMEWORK,
    ITEM_EXEMPTIONS,
    ITEM_ROUTES,
    ROLE_TARGETS,
)
from skillpass.subjects import normalise_name

# The demo learner's IT user skills, area by area in IT_AREAS order: (level reached, yes answers at the next
# level) in the first assessment, two weeks after starting, and in the second, five months later.
LEARNER_IT = [
    ((1, 1), (2, 1)), ((1, 2), (1, 2)), ((1, 0), (2, 0)), ((1, 1), (2, 1)), ((0, 1), (1, 1)),
    ((0, 0), (1, 0)), ((0, 0), (0, 1)), ((1, 1), (2, 0)), ((1, 1), (1, 2)), ((1, 0), (2, 1)),
    ((0, 1), (1, 0)), ((1, 1), (2, 0)), ((1, 0), (1, 1)), ((2, 0), (3, 0)), ((1, 1), (1, 1)),
]
# In the first one they also said yes to every Intermediate statement of Collaboration without finishing
# Foundation: the reason says so ("counted once Foundation is complete").
LEARNER_ALSO_YES = {(0, "Collaboration and shared documents"): 2}
# The Digital Capabilities draft, begun three days ago: the first three domains answered.
LEARNER_DCF_DRAFT = [(1, 1), (2, 0), (1, 1)]
CONFIRMED_NOTE = ("Observed Sam sending a referral by secure email with the right attachments and filing the "
                  "reply in the team mailbox; more confident than their self-assessment says.")


@dataclass
class Framework:
    row: SkillsFramework
    areas: list[SkillArea]
    statements: dict[int, dict[int, list[int]]] = field(default_factory=dict)   # area id → level → statement ids


def _utc(d: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(hour, 0), tzinfo=dt.timezone.utc)


def seed(today: dt.date, *, people: list[Person], staff: list[Person], learner: Person, educator: Person,
         admin: Person, items: list[Item]) -> None:
    """Frameworks, targets, exemptions, routes, assessments and one confirmed level. *people* are the
    learners (the demo learner first); *staff* the educators, who assess themselves too."""
    long_ago = today - dt.timedelta(days=6 * 365)
    it = _framework(*IT_FRAMEWORK, IT_AREAS, long_ago)
    dcf = _framework(*DCF_FRAMEWORK, DCF_AREAS, long_ago)
    _targets([it, dcf], admin, today - dt.timedelta(days=400))
    _exemptions_and_routes(it, items, long_ago)

    assessments: list[tuple[SelfAssessment, Framework, dict[int, dict[int, list[bool]]]]] = []
    first = learner.start_date + dt.timedelta(days=14)
    for n, when in enumerate((first, today - dt.timedelta(days=35))):
        pattern = {a.id: _answers(it, a, *LEARNER_IT[i][n], also=LEARNER_ALSO_YES.get((n, a.name)))
                   for i, a in enumerate(it.areas)}
        assessments.append((_assessment(learner, it, when), it, pattern))
    draft = SelfAssessment(person_id=learner.id, framework_id=dcf.row.id, started_at=_utc(today - dt.timedelta(days=3)))
    assessments.append((draft, dcf, {a.id: _answers(dcf, a, *LEARNER_DCF_DRAFT[i])
                                     for i, a in enumerate(dcf.areas[:len(LEARNER_DCF_DRAFT)])}))

    # Repeatable demo data, not security.
    rng = random.Random(f"skillpass-demo-skills-{today.isoformat()}")  # nosec B311
    for index, person in enumerate(people[1:] + staff, start=1):
        if index % 5 == 3 and person not in staff:
            continue   # not assessed yet: the report shows "Not assessed"
        assessments += _history(rng, person, it, today, base=2 if person in staff else rng.choice((0, 1, 1, 2)))
        if index % 3 == 0:
            assessments += _history(rng, person, dcf, today, base=rng.choice((0, 1, 2)), times=1)
    _write(assessments)
    confirmed = ConfirmedLevel(person_id=learner.id, area_id=_area(it, "Email").id, level=2, note=CONFIRMED_NOTE,
                               confirmed_on=today - dt.timedelta(days=20), confirmed_by_id=educator.id,
                               confirmed_by_name=educator.name, confirmed_at=_utc(today - dt.timedelta(days=20), 15))
    db.session.add(confirmed)
    _qualification(people, educator, today)
    db.session.flush()
    _keep_standing(assessments, [confirmed])
    db.session.flush()


def _framework(name: str, description: str, areas, created: dt.date) -> Framework:
    row = SkillsFramework(name=name, description=description, status=TemplateStatus.PUBLISHED, created_at=_utc(created))
    db.session.add(row)
    db.session.flush()
    area_rows = [SkillArea(framework_id=row.id, position=p, name=n, description=d, created_at=_utc(created))
                 for p, (n, d, _) in enumerate(areas)]
    db.session.add_all(area_rows)
    db.session.flush()
    statements = [SkillStatement(area_id=area.id, level=level, position=p, wording=wording, created_at=_utc(created))
                  for area, (_, _, by_level) in zip(area_rows, areas)
                  for level, wordings in enumerate(by_level, start=1) for p, wording in enumerate(wordings)]
    db.session.add_all(statements)
    db.session.flush()
    fw = Framework(row, area_rows, {a.id: {level: [] for level in range(1, 5)} for a in area_rows})
    for s in statements:
        fw.statements[s.area_id][s.level].append(s.id)
    return fw


def _area(fw: Framework, name: str) -> SkillArea:
    return next(a for a in fw.areas if a.name == name)


def _targets(frameworks: list[Framework], admin: Person, on: dt.date) -> None:
    """Every demo job role's targets, set long before most people started."""
    rows = []
    for role, rules in ROLE_TARGETS.items():
        for fw in frameworks:
            for area in fw.areas:
                rule = next((r for r in rules if r[0] == fw.row.name and r[1] in (area.name, "*")), None)
                if rule is not None:
                    rows.append(SkillTarget(area_id=area.id, job_role=role, minimum=rule[2], maximum=rule[3],
                                            set_by_id=admin.id, set_at=_utc(on)))
    db.session.add_all(rows)


def _exemptions_and_routes(it: Framework, items: list[Item], on: dt.date) -> None:
    by_code = {i.code: i for i in items if i.code}
    by_title = {i.title: i for i in items}
    rows: list = [SkillExemption(framework_id=it.row.id, area_id=_area(it, area).id, level=level, qualification=q,
                                 normalised=normalise_name(q), created_at=_utc(on)) for q, area, level in EXEMPTIONS]
    rows += [SkillExemption(framework_id=it.row.id, area_id=_area(it, area).id, level=level,
                            item_id=by_code[code].id, created_at=_utc(on)) for code, area, level in ITEM_EXEMPTIONS]
    rows += [SkillRoute(area_id=_area(it, area).id, level=level, item_id=by_title[title].id, created_at=_utc(on))
             for title, area, level in ITEM_ROUTES]
    rows += [SkillRoute(area_id=_area(it, area).id, level=level, course_title=title, course_url=url, created_at=_utc(on))
             for title, url, area, level in COURSE_ROUTES]
    db.session.add_all(rows)


def _answers(fw: Framework, area: SkillArea, level: int, partial: int, also: int | None = None) -> dict[int, list[bool]]:
    """Yes to every statement up to *level*, to the first *partial* of the next, and to every statement of
    the level *also* (a yes above a gap); no to the rest."""
    by_level = fw.statements[area.id]
    return {lv: [lv <= level or lv == also or (lv == level + 1 and n < partial) for n in range(len(ids))]
            for lv, ids in by_level.items()}


def _assessment(person: Person, fw: Framework, on: dt.date) -> SelfAssessment:
    return SelfAssessment(person_id=person.id, framework_id=fw.row.id, started_at=_utc(on - dt.timedelta(days=2), 14),
                          submitted_on=on, submitted_at=_utc(on, 16))


def _history(rng: random.Random, person: Person, fw: Framework, today: dt.date, *, base: int, times: int = 2):
    """One or two submitted assessments, some months apart, the later one a little better."""
    on = max(person.start_date + dt.timedelta(days=14), today - dt.timedelta(days=rng.randint(120, 300)))
    if on > today - dt.timedelta(days=5):
        return []
    levels = {a.id: min(4, max(0, base + rng.choice((-1, 0, 0, 1)))) for a in fw.areas}
    made = []
    for _ in range(times if rng.random() < 0.6 else 1):
        pattern = {}
        for a in fw.areas:
            following = fw.statements[a.id].get(levels[a.id] + 1, [])
            pattern[a.id] = _answers(fw, a, levels[a.id], rng.randint(0, max(0, len(following) - 1)))
        made.append((_assessment(person, fw, on), fw, pattern))
        on += dt.timedelta(days=rng.randint(60, 150))
        if on > today - dt.timedelta(days=3):
            break
        levels = {aid: min(4, level + (rng.random() < 0.4)) for aid, level in levels.items()}
    return made


def _write(assessments) -> None:
    """The assessments, their answers (in bulk) and, for each submitted one, the level each area came to."""
    db.session.add_all(a for a, _, _ in assessments)
    db.session.flush()
    answers, levels = [], []
    for a, fw, pattern in assessments:
        at = a.submitted_at or _utc(a.started_at.date(), 15)
        for area_id, by_level in pattern.items():
            for level, said in by_level.items():
                answers += [dict(assessment_id=a.id, statement_id=sid, answer=yes, answered_at=at)
                            for sid, yes in zip(fw.statements[area_id][level], said)]
            if a.submitted_on is not None:
                level, reason = assess(by_level)
                levels.append(dict(assessment_id=a.id, area_id=area_id, level=int(level), reason=reason))
    db.session.execute(insert(SelfAssessmentAnswer), answers)
    db.session.execute(insert(SelfAssessedLevel), levels)


def _keep_standing(assessments, confirmations: list[ConfirmedLevel]) -> None:
    """SkillStanding as the writers keep it: the latest submitted assessment's levels, the latest confirmation."""
    latest: dict[tuple[int, int], SelfAssessment] = {}
    for a, _, _ in assessments:
        if a.submitted_on is not None:
            key = (a.person_id, a.framework_id)
            if key not in latest or (a.submitted_at, a.id) > (latest[key].submitted_at, latest[key].id):
                latest[key] = a
    rows: dict[tuple[int, int], SkillStanding] = {}
    reached = {(r.assessment_id, r.area_id): r for r in db.session.scalars(
        db.select(SelfAssessedLevel).where(SelfAssessedLevel.assessment_id.in_([a.id for a in latest.values()])))}
    by_id = {a.id: a for a in latest.values()}
    for (assessment_id, area_id), r in reached.items():
        a = by_id[assessment_id]
        rows[(a.person_id, area_id)] = SkillStanding(person_id=a.person_id, area_id=area_id, self_level=r.level,
                                                     self_reason=r.reason, self_assessed_on=a.submitted_on)
    for c in sorted(confirmations, key=lambda c: (c.confirmed_at, c.id)):
        row = rows.setdefault((c.person_id, c.area_id), SkillStanding(person_id=c.person_id, area_id=c.area_id))
        row.confirmed_level, row.confirmed_on = c.level, c.confirmed_on
        row.confirmed_by_name, row.confirmed_note = c.confirmed_by_name, c.note
    db.session.add_all(rows.values())


def _qualification(people: list[Person], educator: Person, today: dt.date) -> None:
    """One Physiotherapy colleague holds ECDL module 3 from before joining, logged as informal learning with its
    certificate: their Word processing level reads "exempt to Intermediate: ECDL module 3"."""
    person = next(p for p in people[1:] if p.team_id == educator.team_id)
    done = person.start_date - dt.timedelta(days=700)
    certificate = evidence_service.Checked(data=demo_certificate(person.name, "ECDL module 3: Word processing", done,
                                                                 "BCS, The Chartered Institute for IT"),
                                           file_type=evidence_service.PDF, filename="ECDL module 3 certificate.pdf")
    db.session.add(InformalEntry(person_id=person.id, title="ECDL module 3", completed_on=done, hours=None,
                                 reflection="Passed before joining the trust.", recorded_by_id=person.id,
                                 recorded_at=_utc(min(today, person.start_date + dt.timedelta(days=3)), 12),
                                 evidence_id=evidence_service.save(certificate, person=person, actor=person).id))
