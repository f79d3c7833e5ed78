"""Reports on skills (issue 16, part D): counts meeting target per area, the people furthest from target, the
monthly trend of targets met, the printed section; all without HTTP, and in a fixed number of queries."""
import datetime as dt
import random

from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import (
    ConfirmedLevel, Person, SelfAssessedLevel, SelfAssessment, SkillExemption, SkillLevel, SkillTarget, Entry,
    EntryMethod, EntryStatus, TemplateStatus,
)
from skillpass.services.figures import Scope, people_query
from skillpass.services.skills import reports, standing
from skillpass.subjects import normalise_name
from tests import factories
from tests.querycount import count_queries

L = SkillLevel
TODAY = dt.date(2026, 3, 2)


def _areas(fw):
    return {a.name: a for a in standing.live_areas(fw.id)}


def _set(person, area, *, self_level=None, confirmed=None):
    row = standing.kept_row(person.id, area.id)
    if self_level is not None:
        row.self_level, row.self_reason, row.self_assessed_on = int(self_level), "why", dt.date(2026, 3, 1)
    if confirmed is not None:
        row.confirmed_level, row.confirmed_on, row.confirmed_by_name = int(confirmed), dt.date(2026, 3, 2), "Eve"
    db.session.flush()


def _team(name="Ward 1"):
    return factories.team(name)


def _everyone(team):
    return people_query(Scope(team_ids=(team.id,)))


def test_counts_per_area_and_the_people_furthest_from_target(app):
    fw = factories.skills_framework()
    a = _areas(fw)
    team = _team()
    hca = "Healthcare assistant"
    ann = factories.person(name="Ann", team=team, job_role=hca)
    bob = factories.person(name="Bob", team=team, job_role=hca)
    cat = factories.person(name="Cat", team=team, job_role=hca)
    dan = factories.person(name="Dan", team=team, job_role="Porter")     # no targets at all
    db.session.add_all([SkillTarget(area_id=a["Email"].id, job_role=hca, minimum=2),
                        SkillTarget(area_id=a["Spreadsheets"].id, job_role=hca, minimum=3, maximum=3),
                        SkillTarget(area_id=a["Spreadsheets"].id, person_id=cat.id, minimum=1)])
    _set(ann, a["Email"], self_level=L.ADVANCED)                          # meets (above the minimum)
    _set(ann, a["Spreadsheets"], self_level=L.SUPER_USER)                 # above the range: counts as meeting
    _set(bob, a["Email"], self_level=L.ADVANCED, confirmed=L.INEXPERIENCED)   # confirmed counts: 2 short
    _set(bob, a["Spreadsheets"], self_level=L.FOUNDATION)                 # 2 short
    _set(cat, a["Email"], self_level=L.FOUNDATION)                        # 1 short; spreadsheets not assessed
    _set(dan, a["Email"], self_level=L.FOUNDATION)
    db.session.commit()

    report = reports.report(fw, _everyone(team))
    counts = {c.name: c for c in report.counts}
    assert counts["Email"].words == "Email: 1 of 3 meet their target"
    assert (counts["Email"].below, counts["Email"].not_assessed) == (2, 0)
    assert counts["Spreadsheets"].words == "Spreadsheets: 1 of 3 meet their target"
    assert (counts["Spreadsheets"].below, counts["Spreadsheets"].not_assessed) == (1, 1)
    assert counts["Word processing"].words == "Word processing: nobody has a target"
    assert (report.meets, report.with_target, report.total) == (2, 6, 4)

    assert [(f.person.name, f.total_gap) for f in report.furthest] == [("Bob", 4), ("Cat", 1)]
    assert report.furthest[0].gaps == ["Email: Inexperienced now, target Intermediate",
                                       "Spreadsheets: Foundation now, target Advanced"]
    assert [p.name for p in report.snapshot.people] == ["Ann", "Bob", "Cat", "Dan"]


def test_a_held_qualification_counts_towards_meeting_a_target(app):
    w = factories.world()
    fw = factories.skills_framework()
    a = _areas(fw)
    db.session.add_all([
        SkillExemption(framework_id=fw.id, area_id=a["Email"].id, level=2, qualification="ECDL module 7",
                       normalised=normalise_name("ECDL module 7")),
        SkillTarget(area_id=a["Email"].id, person_id=w.learner.id, minimum=2),
    ])
    ecdl = factories.item(w.month6, "ECDL module 7", position=9)
    db.session.add(Entry(person_id=w.learner.id, item_id=ecdl.id, completed_on=dt.date(2025, 5, 1),
                         method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=w.learner.id))
    db.session.commit()
    report = reports.report(fw, _everyone(w.team_a))
    assert {c.name: c.meets for c in report.counts}["Email"] == 1
    assert reports.trend(fw, _everyone(w.team_a), today=TODAY)[0].meets == 1   # held today: every month


def test_pages_keep_counts_over_everyone(app):
    fw = factories.skills_framework(areas=("Email",))
    team = _team()
    area = _areas(fw)["Email"]
    db.session.add(SkillTarget(area_id=area.id, job_role="Nurse", minimum=1))
    for i in range(7):
        p = factories.person(name=f"Person {i}", team=team, job_role="Nurse")
        _set(p, area, self_level=L.FOUNDATION if i % 2 else L.INEXPERIENCED)
    db.session.commit()
    report = reports.report(fw, _everyone(team), page=2, page_size=3)
    assert (report.page, report.pages, report.total) == (2, 3, 7)
    assert [p.name for p in report.snapshot.people] == ["Person 3", "Person 4", "Person 5"]
    assert report.counts[0].meets == 3 and report.counts[0].with_target == 7
    assert reports.report(fw, _everyone(team), page=99, page_size=3).page == 3


def test_the_one_pass_agrees_with_the_standing_of_every_cell(app):
    """The counts and gaps over everyone apply AreaStanding's rule to plain numbers: random data, same answers."""
    rng = random.Random(16)
    fw = factories.skills_framework(areas=("A", "B", "C", "D"))
    areas = list(_areas(fw).values())
    team = _team()
    roles = ["Nurse", "Porter", ""]
    for area in areas:
        for role in roles[:2]:
            if rng.random() < 0.8:
                low = rng.randint(1, 4)
                db.session.add(SkillTarget(area_id=area.id, job_role=role, minimum=low,
                                           maximum=rng.choice([None, rng.randint(low, 4)])))
    people = [factories.person(name=f"P{i:02d}", team=team, job_role=rng.choice(roles)) for i in range(30)]
    db.session.flush()
    for p in people:
        for area in areas:
            if rng.random() < 0.2:
                db.session.add(SkillTarget(area_id=area.id, person_id=p.id, minimum=rng.randint(1, 4)))
            if rng.random() < 0.7:
                _set(p, area, self_level=rng.choice([None, *L]), confirmed=rng.choice([None, None, *L]))
    db.session.commit()
    report = reports.report(fw, _everyone(team), page_size=100)
    snap = report.snapshot
    for count in report.counts:
        cells = [snap.cells[(p.id, count.area_id)] for p in snap.people]
        assert count.with_target == sum(1 for c in cells if c.target is not None)
        assert count.meets == sum(1 for c in cells if c.target is not None and c.state.meets)
    gaps = sorted(((sum(c.gap for c in snap.row(p.id)), p.name) for p in snap.people), key=lambda g: (-g[0], g[1]))
    assert [(f.total_gap, f.person.name) for f in report.furthest] == [g for g in gaps if g[0]][:reports.FURTHEST]


def _assessed(person, fw, on, levels: dict):
    a = SelfAssessment(person_id=person.id, framework_id=fw.id, submitted_on=on,
                       submitted_at=dt.datetime.combine(on, dt.time(12), dt.timezone.utc))
    db.session.add(a)
    db.session.flush()
    for area, level in levels.items():
        db.session.add(SelfAssessedLevel(assessment_id=a.id, area_id=area.id, level=int(level)))


def test_the_trend_follows_dated_assessments_and_confirmations_against_todays_targets(app):
    w = factories.world()
    fw = factories.skills_framework(areas=("Email", "Spreadsheets"))
    a = _areas(fw)
    learner = w.learner
    db.session.add_all([SkillTarget(area_id=a["Email"].id, person_id=learner.id, minimum=2),
                        SkillTarget(area_id=a["Spreadsheets"].id, person_id=learner.id, minimum=1)])
    _assessed(learner, fw, dt.date(2025, 6, 10), {a["Email"]: L.FOUNDATION, a["Spreadsheets"]: L.FOUNDATION})
    _assessed(learner, fw, dt.date(2025, 11, 3), {a["Email"]: L.INTERMEDIATE, a["Spreadsheets"]: L.FOUNDATION})
    db.session.add(ConfirmedLevel(person_id=learner.id, area_id=a["Spreadsheets"].id, level=0,
                                  confirmed_on=dt.date(2026, 1, 20), confirmed_by_id=w.educator.id))
    db.session.commit()
    points = reports.trend(fw, _everyone(w.team_a), today=TODAY)
    by_month = {p.month_end.strftime("%Y-%m"): (p.meets, p.with_target) for p in points}
    assert len(points) == 12 and points[-1].month_end == TODAY
    assert by_month["2025-04"] == (0, 2)      # nothing assessed yet
    assert by_month["2025-06"] == (1, 2)      # spreadsheets met, email short
    assert by_month["2025-11"] == (2, 2)
    assert by_month["2026-01"] == (1, 2)      # the educator confirmed Inexperienced: confirmed counts
    assert by_month["2026-03"] == (1, 2) and points[-1].percent == 50


def test_every_figure_is_a_fixed_number_of_queries_whatever_the_people_and_areas(app):
    def build(n_people, n_areas, tag):
        fw = factories.skills_framework(name=f"F{tag}", areas=tuple(f"Area {tag}{i}" for i in range(n_areas)))
        team = _team(f"Team {tag}")
        areas = standing.live_areas(fw.id)
        for area in areas:
            db.session.add(SkillTarget(area_id=area.id, job_role=f"Role {tag}", minimum=2))
        for i in range(n_people):
            p = factories.person(name=f"{tag} {i}", team=team, job_role=f"Role {tag}")
            db.session.add(SkillTarget(area_id=areas[0].id, person_id=p.id, minimum=1))
            for area in areas:
                _set(p, area, self_level=L.FOUNDATION, confirmed=L.INTERMEDIATE if i % 2 else None)
            _assessed(p, fw, dt.date(2025, 9, 1), {area: L.FOUNDATION for area in areas})
        db.session.commit()
        return fw, team

    counted = []
    for n_people, n_areas, tag in ((2, 1, "s"), (12, 5, "l")):
        fw, team = build(n_people, n_areas, tag)
        with count_queries() as log:
            reports.report(fw, _everyone(team))
        with count_queries() as trend_log:
            reports.trend(fw, _everyone(team), today=TODAY)
        with count_queries() as print_log:
            reports.print_sections(list(db.session.scalars(select(Person.id).where(Person.team_id == team.id))))
        counted.append((log.count, trend_log.count, print_log.count))
        fw.status = TemplateStatus.ARCHIVED     # the print reads each published framework: keep one
        db.session.commit()
    assert counted[0] == counted[1], counted


def test_the_printed_section_names_frameworks_where_the_person_stands_or_has_a_target(app):
    w = factories.world()
    fw = factories.skills_framework()
    factories.skills_framework(name="Unused framework")
    a = _areas(fw)
    _set(w.learner, a["Email"], self_level=L.FOUNDATION)
    _assessed(w.learner, fw, dt.date(2025, 9, 1), {a["Email"]: L.FOUNDATION})
    _assessed(w.learner, fw, dt.date(2026, 2, 1), {a["Email"]: L.FOUNDATION})
    db.session.add(SkillTarget(area_id=a["Email"].id, person_id=w.other_learner.id, minimum=1))
    db.session.commit()
    sections = reports.print_sections([w.learner.id, w.other_learner.id, w.educator.id])
    assert [(s.framework.name, s.assessed_on) for s in sections[w.learner.id]] == [("IT user skills", dt.date(2026, 2, 1))]
    assert [(s.framework.name, s.assessed_on) for s in sections[w.other_learner.id]] == [("IT user skills", None)]
    assert sections[w.educator.id] == []


def test_the_report_opens_on_the_framework_most_assessments_were_submitted_against(app):
    from skillpass.models import SelfAssessment

    unused = factories.skills_framework("A framework nobody used yet")
    used = factories.skills_framework("IT user skills")
    someone = factories.person()
    db.session.add_all([
        SelfAssessment(person_id=someone.id, framework_id=used.id, submitted_on=dt.date(2026, 2, 1)),
        SelfAssessment(person_id=someone.id, framework_id=unused.id),       # a draft does not count
    ])
    db.session.flush()
    frameworks = reports.published_frameworks()
    assert [f.name for f in frameworks] == ["A framework nobody used yet", "IT user skills"]
    assert reports.choose_framework(frameworks, None) is used
    assert reports.choose_framework(frameworks, unused.id) is unused
    assert reports.choose_framework(frameworks[:1], None) is unused
