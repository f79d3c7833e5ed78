"""Where people stand (PRODUCT.md §6.5): the level that counts, targets by job role and by person, exemptions,
the gap; for many people in a fixed number of queries."""
import datetime as dt

from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import (
    Entry, EntryMethod, EntryStatus, Evidence, InformalEntry, Person, SkillExemption, SkillLevel, SkillTarget,
)
from skillpass.services.skills import standing
from skillpass.services.skills.standing import TargetState
from skillpass.subjects import normalise_name
from tests import factories
from tests.querycount import count_queries

L = SkillLevel


def _areas(fw):
    return {a.name: a for a in standing.live_areas(fw.id)}


def _set(person, area, *, self_level=None, confirmed=None):
    row = standing.kept_row(person.id, area.id)
    if self_level is not None:
        row.self_level, row.self_reason, row.self_assessed_on = int(self_level), "why", dt.date(2026, 3, 1)
    if confirmed is not None:
        row.confirmed_level, row.confirmed_on, row.confirmed_by_name = int(confirmed), dt.date(2026, 3, 2), "Eve"
    db.session.flush()


def test_confirmed_counts_over_self_assessed_and_targets_come_from_the_role_unless_the_person_has_one(app):
    fw = factories.skills_framework()
    a = _areas(fw)
    hca = factories.person(name="Hana", job_role="Healthcare assistant")
    db.session.add_all([
        SkillTarget(area_id=a["Email"].id, job_role="Healthcare assistant", minimum=2),
        SkillTarget(area_id=a["Spreadsheets"].id, job_role="Healthcare assistant", minimum=2),
        SkillTarget(area_id=a["Spreadsheets"].id, person_id=hca.id, minimum=1, maximum=1),
    ])
    _set(hca, a["Email"], self_level=L.ADVANCED, confirmed=L.FOUNDATION)
    _set(hca, a["Spreadsheets"], self_level=L.INTERMEDIATE)
    email, sheets, words = standing.for_person(hca, fw.id)

    assert (email.self_level, email.confirmed_level, email.counting) == (L.ADVANCED, L.FOUNDATION, L.FOUNDATION)
    assert email.counting_source == "confirmed"
    assert email.target.source == "job role: Healthcare assistant"
    assert email.gap == 1 and email.state is TargetState.BELOW
    assert email.gap_words == "Email: Foundation now, target Intermediate"

    assert sheets.target.source == "own target" and sheets.target.words == "Foundation"
    assert sheets.counting_source == "self-assessed"
    assert sheets.state is TargetState.ABOVE and sheets.state.meets and sheets.gap == 0

    assert words.state is TargetState.NOT_ASSESSED and words.target is None


def test_a_held_qualification_raises_the_level_and_says_why(app):
    w = factories.world()
    fw = factories.skills_framework()
    a = _areas(fw)
    db.session.add_all([
        SkillExemption(framework_id=fw.id, area_id=a["Email"].id, level=2, item_id=w.fire.id),
        SkillExemption(framework_id=fw.id, area_id=a["Spreadsheets"].id, level=3,
                       qualification="ECDL module 4", normalised=normalise_name("ECDL module 4")),
        SkillExemption(framework_id=fw.id, area_id=a["Word processing"].id, level=1,
                       qualification="Managing work and life stress",
                       normalised=normalise_name("Managing work and life stress")),
    ])
    lee = w.learner
    _set(lee, a["Email"], self_level=L.FOUNDATION)
    accepted = dict(person_id=lee.id, completed_on=dt.date(2025, 1, 1), method=EntryMethod.HERE,
                    recorded_by_id=lee.id, status=EntryStatus.ACCEPTED)
    db.session.add(Entry(item_id=w.fire.id, **accepted))
    db.session.add(Entry(item_id=w.stress.id, **dict(accepted, status=EntryStatus.REJECTED)))
    ev = Evidence(stored_name="x" * 32, original_name="ecdl.pdf", content_type="application/pdf", size=1,
                  sha256="0" * 64, person_id=lee.id, uploaded_by_id=lee.id)
    db.session.add(ev)
    db.session.flush()
    db.session.add(InformalEntry(person_id=lee.id, title="ECDL Module 4 ", completed_on=dt.date(2024, 5, 1),
                                 evidence_id=ev.id, recorded_by_id=lee.id))
    db.session.flush()
    email, sheets, words = standing.for_person(lee, fw.id)
    assert email.counting is L.INTERMEDIATE and email.counting_source == "exempt to Intermediate: Fire safety"
    assert sheets.counting is L.ADVANCED and sheets.exempt_by == ["ECDL module 4"]
    assert words.counting is None, "a rejected entry holds nothing"


def test_the_snapshot_costs_the_same_queries_for_three_people_or_thirty(app):
    fw = factories.skills_framework()
    a = _areas(fw)
    db.session.add(SkillTarget(area_id=a["Email"].id, job_role="Porter", minimum=1))

    def crowd(n):
        for i in range(n):
            p = factories.person(job_role="Porter")
            for area in a.values():
                _set(p, area, self_level=L(i % 5))
        db.session.commit()
        people = select(Person.id).where(Person.job_role == "Porter")
        with count_queries() as log:
            snap = standing.snapshot(fw.id, people)
        return log.count, snap

    few, snap = crowd(3)
    many, snap = crowd(27)
    assert len(snap.people) == 30 and len(snap.cells) == 90
    assert few == many


def test_routes_that_would_close_a_gap_and_whether_the_person_completed_them(app):
    from skillpass.models import SkillRoute
    from skillpass.services.skills import routes

    w = factories.world()
    fw = factories.skills_framework()
    a = _areas(fw)
    db.session.add_all([
        SkillRoute(area_id=a["Email"].id, level=1, course_title="Email basics", course_url="https://learn.example/e1"),
        SkillRoute(area_id=a["Email"].id, level=2, item_id=w.stress.id),
        SkillRoute(area_id=a["Email"].id, level=4, course_title="Mail merge masterclass"),
    ])
    db.session.add(Entry(person_id=w.learner.id, item_id=w.stress.id, completed_on=dt.date(2026, 2, 1),
                         method=EntryMethod.HERE, recorded_by_id=w.learner.id, status=EntryStatus.ACCEPTED))
    db.session.flush()
    options = routes.for_areas(w.learner.id, [a["Email"].id, a["Spreadsheets"].id])
    assert options[a["Spreadsheets"].id] == []
    email = options[a["Email"].id]
    assert [o.title for o in email] == ["Email basics", "Managing work and life stress", "Mail merge masterclass"]
    assert email[1].completed_on == dt.date(2026, 2, 1) and email[0].completed_on is None
    assert [o.title for o in routes.closing(email, L.FOUNDATION, L.INTERMEDIATE)] == ["Managing work and life stress"]
    assert [o.level for o in routes.closing(email, None, L.INTERMEDIATE)] == [L.FOUNDATION, L.INTERMEDIATE]
