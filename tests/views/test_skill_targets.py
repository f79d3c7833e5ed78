"""Confirmed levels and targets (PRODUCT.md §6.5, issue 16 part C): a person's skills page for staff, confirming
a level and setting a person's own target in place (htmx) and as pages (without JavaScript), job roles'
targets; each refused with its message in place, and each page in a fixed number of queries."""
from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import AuditEvent, ConfirmedLevel, SkillLevel, SkillStanding, SkillTarget
from skillpass.services.skills import standing
from tests import factories
from tests.conftest import HTMX, TODAY, sign_in
from tests.querycount import count_queries

L = SkillLevel


@pytest.fixture
def fw(world):
    framework = factories.skills_framework()
    db.session.commit()
    return framework


def _areas(fw):
    return {a.name: a for a in standing.live_areas(fw.id)}


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _self(person, area, level, reason="why"):
    row = standing.kept_row(person.id, area.id)
    row.self_level, row.self_reason, row.self_assessed_on = int(level), reason, TODAY
    db.session.commit()


def _events(action: Action) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action.value)))


# ---------------------------------------------------------------- the person's skills page

def test_the_skills_page_shows_each_area_with_actions_for_the_educator_only(app, world, fw, as_educator):
    email = _areas(fw)["Email"]
    _self(world.learner, email, L.INTERMEDIATE, "Intermediate: all Foundation and Intermediate statements answered yes; 1 of 2 Advanced")
    html = _text(as_educator.get(f"/people/{world.learner.id}/skills"))
    assert "IT user skills" in html and "No self-assessment submitted yet" in html
    assert "Intermediate: all Foundation and Intermediate statements answered yes; 1 of 2 Advanced" in html
    assert f'href="/people/{world.learner.id}/skills/{email.id}/confirm"' in html
    assert f'href="/people/{world.learner.id}/skills/{email.id}/target"' in html
    # The learner sees their own standing, and no actions: nobody confirms their own level.
    learner = sign_in(app.test_client(), world.learner)
    own = _text(learner.get(f"/people/{world.learner.id}/skills"))
    assert "Intermediate" in own and "Confirm level" not in own and "Set target" not in own
    assert learner.get(f"/people/{world.learner.id}/skills/{email.id}/confirm").status_code == 403


def test_the_passport_header_links_to_the_skills_page_for_staff(world, as_educator):
    html = _text(as_educator.get(f"/people/{world.learner.id}/passport"))
    assert f'href="/people/{world.learner.id}/skills"' in html
