"""Confirmed levels and targets, without HTTP (PRODUCT.md §6.5, issue 16 part C): a confirmation is appended
and kept as the person's confirmed standing, the latest counting; targets are checked, set, removed and
audited; a person's own target overrides their job role's where the standing is worked out."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import AuditEvent, ConfirmedLevel, SkillLevel, SkillStanding, SkillTarget
from skillpass.services.errors import NotAllowed, ValidationFailed
from skillpass.services.skills import confirmations, standing, targets
from skillpass.services.skills.standing import TargetState
from tests import factories

L = SkillLevel
DAY = dt.date(2026, 3, 2)


@pytest.fixture
def setting(app):
    w = factories.world()
    fw = factories.skills_framework()
    areas = {a.name: a for a in standing.live_areas(fw.id)}
    db.session.commit()
    return w, fw, areas


def _self(person, area, level):
    row = standing.kept_row(person.id, area.id)
    row.self_level, row.self_reason, row.self_assessed_on = int(level), "why", dt.date(2026, 3, 1)
    db.session.flush()


def _events(action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action.value)))


def test_a_confirmation_is_appended_kept_beside_the_self_assessed_level_and_the_latest_counts(setting):
    w, fw, a = setting
    email = a["Email"]
    _self(w.learner, email, L.INTERMEDIATE)
    confirmations.confirm(actor=w.educator, person=w.learner, area=email, level="2", note="", today=DAY)
    later = dt.date(2026, 3, 9)
    confirmations.confirm(actor=w.admin, person=w.learner, area=email, level="1", note="Could not attach a file",
                          today=later)
    rows = db.session.scalars(select(ConfirmedLevel).order_by(ConfirmedLevel.id)).all()
    assert [(r.level, r.confirmed_by_name, r.confirmed_on) for r in rows] == [
        (2, "Eve Educator", DAY), (1, "Ada Admin", later)]
    kept = db.session.get(SkillStanding, (w.learner.id, email.id))
    assert (kept.self_level, kept.confirmed_level, kept.confirmed_by_name, kept.confirmed_note) == (
        2, 1, "Ada Admin", "Could not attach a file")
    row = confirmations.area_standing(w.learner, email)
    assert (row.self_level, row.confirmed_level, row.counting, row.counting_source) == (
        L.INTERMEDIATE, L.FOUNDATION, L.FOUNDATION, "confirmed")
    assert [h.level for h in confirmations.history(w.learner.id, email.id)] == [1, 2]
    events = _events(Action.SKILL_LEVEL_CONFIRMED)
    assert len(events) == 2 and events[0].person_id == w.learner.id
    assert events[1].summary == "Email: confirmed Foundation for Lee Learner (self-assessed Intermediate)"


@pytest.mark.parametrize("self_level, level, note, error", [
    (L.INTERMEDIATE, "3", "", "Say why you confirm Advanced: Lee Learner assessed themselves as Intermediate"),
    (None, "1", "", "Say how you know Lee Learner is Foundation: they have not assessed this area yet"),
    (L.INTERMEDIATE, "", "", None),
    (L.INTERMEDIATE, "7", "note", None),
    (L.INTERMEDIATE, "2", "a\x00b", None),
])
def test_a_confirmation_is_refused_in_place_and_nothing_is_written(setting, self_level, level, note, error):
    w, fw, a = setting
    if self_level is not None:
        _self(w.learner, a["Email"], self_level)
    with pytest.raises(ValidationFailed) as refused:
        confirmations.confirm(actor=w.educator, person=w.learner, area=a["Email"], level=level, note=note, today=DAY)
    field = "note" if error or "\x00" in note else "level"
    assert field in refused.value.errors
    if error:
        assert refused.value.errors["note"] == error
    assert db.session.scalars(select(ConfirmedLevel)).all() == []


def test_the_same_level_as_self_assessed_needs_no_note_and_nobody_confirms_their_own(setting):
    w, fw, a = setting
    _self(w.learner, a["Email"], L.ADVANCED)
    confirmations.confirm(actor=w.educator, person=w.learner, area=a["Email"], level="3", note="", today=DAY)
    with pytest.raises(NotAllowed):
        confirmations.confirm(actor=w.educator, person=w.educator, area=a["Email"], level="3", note="x", today=DAY)
    with pytest.raises(NotAllowed):      # an educator of another team
        confirmations.confirm(actor=w.other_educator, person=w.learner, area=a["Email"], level="3", note="x",
                              today=DAY)


@pytest.mark.parametrize("minimum, maximum, expected", [
    ("2", "", (2, None)), ("2", "2", (2, None)), ("1", "3", (1, 3)),
    ("3", "2", {"maximum": "The maximum must be the same level as the minimum or higher (Advanced)"}),
    ("", "", {"minimum": "Choose the minimum level"}),
    ("0", "", {"minimum": "Choose a minimum level from the list"}),
    ("2", "x", {"maximum": "Choose a maximum level from the list"}),
])
def test_a_target_range_is_checked(minimum, maximum, expected):
    if isinstance(expected, dict):
        with pytest.raises(ValidationFailed) as refused:
            targets.check_range(minimum, maximum)
        assert refused.value.errors == expected
    else:
        assert targets.check_range(minimum, maximum) == expected


def test_a_persons_own_target_overrides_their_job_roles_until_it_is_removed(setting):
    w, fw, a = setting
    email = a["Email"]
    db.session.add(SkillTarget(area_id=email.id, job_role=w.learner.job_role, minimum=3))
    _self(w.learner, email, L.INTERMEDIATE)
    row = confirmations.area_standing(w.learner, email)
    assert (row.target.words, row.target.source, row.state) == ("Advanced", "job role: Support Worker", TargetState.BELOW)

    targets.set_person_target(actor=w.educator, person=w.learner, area=email, minimum="1", maximum="2")
    row = confirmations.area_standing(w.learner, email)
    assert (row.target.words, row.target.source, row.state) == ("Foundation to Intermediate", "own target",
                                                                TargetState.MEETS)
    targets.set_person_target(actor=w.admin, person=w.learner, area=email, minimum="2", maximum="")
    assert db.session.scalars(select(SkillTarget).where(SkillTarget.person_id == w.learner.id)).one().minimum == 2

    assert targets.clear_person_target(actor=w.educator, person=w.learner, area=email) is True
    assert targets.clear_person_target(actor=w.educator, person=w.learner, area=email) is False
    row = confirmations.area_standing(w.learner, email)
    assert row.target.source == "job role: Support Worker" and row.gap == 1
    assert len(_events(Action.SKILL_TARGET_SET)) == 2
    [cleared] = _events(Action.SKILL_TARGET_CLEARED)
    assert cleared.before == {"minimum": 2, "maximum": None} and cleared.person_id == w.learner.id
    with pytest.raises(NotAllowed):
        targets.set_person_target(actor=w.learner, person=w.learner, area=email, minimum="4", maximum="")


def test_job_roles_targets_are_set_for_a_role_nobody_holds_yet_and_changed_area_by_area(setting):
    w, fw, a = setting
    values = {a["Email"].id: ("2", ""), a["Spreadsheets"].id: ("1", "3"), a["Word processing"].id: ("", "")}
    assert targets.set_role_targets(actor=w.admin, framework=fw, job_role="  Ward   clerk ", values=values,
                                    new=True) == 2
    grid = targets.role_grid(fw)
    assert "Ward clerk" in grid.roles and grid.people.get("Ward clerk", 0) == 0
    assert {"Support Worker", "Practice Educator", "L&D Lead"} <= set(grid.roles)
    assert grid.target("Ward clerk", a["Spreadsheets"].id).words == "Foundation to Advanced"
    assert grid.target("Ward clerk", a["Word processing"].id) is None

    # Again: one area cleared, one changed, one the same.
    values = {a["Email"].id: ("", ""), a["Spreadsheets"].id: ("1", "3"), a["Word processing"].id: ("4", "")}
    assert targets.set_role_targets(actor=w.admin, framework=fw, job_role="Ward clerk", values=values) == 2
    grid = targets.role_grid(fw)
    assert grid.target("Ward clerk", a["Email"].id) is None
    assert grid.target("Ward clerk", a["Word processing"].id).words == "Super-user"
    events = _events(Action.SKILL_ROLE_TARGETS_SET)
    assert len(events) == 2
    assert events[1].before == {"Email": "Intermediate", "Word processing": "no target"}
    assert events[1].after == {"Email": "no target", "Word processing": "Super-user"}


@pytest.mark.parametrize("role, values, field", [
    ("", {}, "job_role"),
    ("x" * 121, {}, "job_role"),
    ("Porter\x1b", {}, "job_role"),
    ("Porter", {}, "__all__"),                       # a new role with no target at all
    ("Porter", {"Email": ("", "2")}, "area-{Email}-minimum"),
    ("Porter", {"Email": ("3", "1")}, "area-{Email}-maximum"),
])
def test_job_roles_targets_are_refused_whole(setting, role, values, field):
    w, fw, a = setting
    with pytest.raises(ValidationFailed) as refused:
        targets.set_role_targets(actor=w.admin, framework=fw, job_role=role, new=True,
                                 values={a[name].id: v for name, v in values.items()})
    assert field.replace("{Email}", str(a["Email"].id)) in refused.value.errors
    assert db.session.scalars(select(SkillTarget)).all() == []
    with pytest.raises(NotAllowed):
        targets.set_role_targets(actor=w.educator, framework=fw, job_role="Porter", values={})
