"""Self-assessment as services, without HTTP (issue 16, part B): a draft, answers, the copy of the last
submitted answers, submitting a snapshot (levels by the rule, the kept standing, the audit log), improvement."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import AuditEvent, SelfAssessedLevel, SelfAssessmentAnswer, SkillLevel, SkillStanding
from skillpass.services.errors import Conflict, ValidationFailed
from skillpass.services.skills import assessments, history, standing
from tests import factories
from tests.querycount import count_queries

NOW = dt.datetime(2026, 3, 2, 12, tzinfo=dt.timezone.utc)


def _setup():
    person = factories.person(name="Sam Self")
    fw = factories.skills_framework(areas=("Email", "Spreadsheets"))
    areas = standing.live_areas(fw.id)
    return person, fw, areas


def _yes_up_to(area, level: int) -> dict[int, bool]:
    return {s.id: s.level <= level for s in assessments.live_statements([area.id])[area.id]}


def test_a_draft_is_made_once_and_answers_are_saved_and_changed(app):
    person, fw, (email, sheets) = _setup()
    draft, copied = assessments.start(actor=person, framework=fw)
    assert copied is False and draft.submitted_on is None
    assert assessments.start(actor=person, framework=fw) == (draft, False)      # the same draft again
    assessments.answer(actor=person, assessment=draft, area=email, given=_yes_up_to(email, 1))
    p = assessments.area_progress(email, draft)
    assert (p.level, p.answered, p.total, p.complete) == (SkillLevel.FOUNDATION, 8, 8, True)
    assert p.why == "all Foundation statements answered yes; 0 of 2 Intermediate"
    assessments.answer(actor=person, assessment=draft, area=email, given=_yes_up_to(email, 2))
    assert assessments.area_progress(email, draft).level is SkillLevel.INTERMEDIATE
    # A statement of another area is not this area's to answer.
    with pytest.raises(ValidationFailed):
        assessments.answer(actor=person, assessment=draft, area=email, given=_yes_up_to(sheets, 1))
    assert assessments.answered_counts(person.id, [fw.id]) == {fw.id: (1, 2)}


def test_parse_answers_takes_yes_and_no_only():
    class S:
        def __init__(self, i):
            self.id = i

    assert assessments.parse_answers({"s1": "yes", "s2": "no", "s3": ""}, [S(1), S(2), S(3)]) == {1: True, 2: False}
    with pytest.raises(ValidationFailed) as error:
        assessments.parse_answers({"s1": "maybe"}, [S(1)])
    assert error.value.errors == {"s1": assessments.NOT_YES_NO}


def test_submitting_writes_each_areas_level_the_standing_and_the_audit_and_is_done_once(app):
    person, fw, (email, sheets) = _setup()
    draft, _ = assessments.start(actor=person, framework=fw)
    assessments.answer(actor=person, assessment=draft, area=email, given=_yes_up_to(email, 3))
    done = assessments.submit(actor=person, assessment=draft, today=dt.date(2026, 3, 2), now=NOW)
    assert [(p.area.name, p.level) for p in done] == [("Email", SkillLevel.ADVANCED),
                                                      ("Spreadsheets", SkillLevel.INEXPERIENCED)]
    kept = {r.area_id: r for r in db.session.scalars(select(SelfAssessedLevel))}
    assert kept[email.id].level == 3 and kept[email.id].reason.startswith("Advanced: all Foundation")
    assert kept[sheets.id].reason == "Inexperienced: 0 of 2 Foundation statements answered yes"
    row = db.session.get(SkillStanding, (person.id, email.id))
    assert (row.self_level, row.self_assessed_on) == (3, dt.date(2026, 3, 2))
    assert draft.submitted_on == dt.date(2026, 3, 2)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == Action.SELF_ASSESSMENT_SUBMITTED)) == 1
    with pytest.raises(Conflict):
        assessments.submit(actor=person, assessment=draft, today=dt.date(2026, 3, 2), now=NOW)
    with pytest.raises(Conflict):
        assessments.answer(actor=person, assessment=draft, area=email, given=_yes_up_to(email, 4))


def test_a_new_draft_starts_from_the_last_submitted_answers_and_improvement_follows_each_snapshot(app):
    person, fw, (email, sheets) = _setup()
    first, _ = assessments.start(actor=person, framework=fw)
    assessments.answer(actor=person, assessment=first, area=email, given=_yes_up_to(email, 1))
    assessments.submit(actor=person, assessment=first, today=dt.date(2026, 1, 5), now=NOW - dt.timedelta(days=56))
    second, copied = assessments.start(actor=person, framework=fw)
    assert copied is True and second.id != first.id
    assert assessments.answers_of(second.id) == assessments.answers_of(first.id)
    assessments.answer(actor=person, assessment=second, area=email, given=_yes_up_to(email, 2))
    assessments.submit(actor=person, assessment=second, today=dt.date(2026, 3, 2), now=NOW)
    assert db.session.scalar(select(func.count()).select_from(SelfAssessmentAnswer).where(
        SelfAssessmentAnswer.assessment_id == first.id, SelfAssessmentAnswer.answer.is_(True))) == 2

    with count_queries() as log:
        chart = history.improvement(person.id, fw.id)
    assert log.count == 2
    assert [t.submitted_on for t in chart.assessments] == [dt.date(2026, 1, 5), dt.date(2026, 3, 2)]
    by_name = {a.name: a for a in chart.areas}
    assert by_name["Email"].levels == [SkillLevel.FOUNDATION, SkillLevel.INTERMEDIATE]
    assert by_name["Email"].change == "Foundation to Intermediate"
    assert by_name["Spreadsheets"].change == "Inexperienced throughout"
    assert by_name["Email"].path.startswith("M") and " L" in by_name["Email"].path
    assert [s.area_name for s in assessments.snapshot_levels(first.id)] == ["Email", "Spreadsheets"]


def test_progress_takes_the_same_queries_whatever_the_numbers(app):
    person = factories.person(name="Sam Self")
    counts = []
    for size in (2, 7):
        fw = factories.skills_framework(name=f"F{size}", areas=tuple(f"A{n}" for n in range(size)), per_level=size)
        draft, _ = assessments.start(actor=person, framework=fw)
        with count_queries() as log:
            assessments.progress(fw.id, draft)
        counts.append(log.count)
    assert counts[0] == counts[1] == 3
