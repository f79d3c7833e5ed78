"""With CSRF on, the admin forms read through WTForms (template editor, people, settings, rules) save what
was typed: their CSRF token is checked once, by CSRFProtect, and never reaches a service as a value."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import AssignmentRule, Item, PassportTemplate, Person, Section
from skillpass.services.settings import get_settings
from skillpass.services.assignment_rules import rule_fingerprint
from tests import factories
from tests.conftest import HTMX
from tests.views.test_route_permissions import _form_token, _hx_token


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def admin(app, world):
    client = app.test_client()
    token = _form_token(client.get("/sign-in").get_data(as_text=True))
    response = client.post("/sign-in", data={"email": world.admin.email, "password": factories.PASSWORD,
                                             "csrf_token": token})
    assert response.status_code == 303
    return client


def _token(client, url: str) -> str:
    return _form_token(client.get(url).get_data(as_text=True))


def test_csrf_is_on(app):
    assert app.config["WTF_CSRF_ENABLED"] is True


def test_template_editor_forms_save_with_the_token(admin, world):
    token = _token(admin, "/admin/templates/")
    assert admin.post("/admin/templates/", data={"name": "Ward passport"}).status_code == 400
    created = admin.post("/admin/templates/", data={"name": "Ward passport", "starter_sections": "y",
                                                    "csrf_token": token})
    assert created.status_code == 303
    new = db.session.scalar(select(PassportTemplate).where(PassportTemplate.name == "Ward passport"))
    assert new is not None
    assert db.session.scalars(select(Section).where(Section.template_id == new.id)).all()   # starter sections

    page = admin.get(f"/admin/templates/{world.template.id}").get_data(as_text=True)
    added = admin.post(f"/admin/templates/{world.template.id}/sections",
                       data={"name": "Within a year", "offset_amount": "12", "offset_unit": "months"},
                       headers={**HTMX, "X-CSRFToken": _hx_token(page)})
    assert added.status_code == 200
    section = db.session.scalar(select(Section).where(Section.name == "Within a year"))
    item = admin.post(f"/admin/templates/sections/{section.id}/items",
                      headers={**HTMX, "X-CSRFToken": _hx_token(page)},
                      data={"title": "Hand hygiene", "frequency_months": "12", "kind": "learning",
                            "evidence": "optional", "mandatory": "y", "corporate_lead": "Infection Control"})
    assert item.status_code == 200
    assert db.session.scalar(select(Item).where(Item.title == "Hand hygiene")).section_id == section.id


def test_people_settings_and_rules_save_with_the_token(admin, world):
    created = admin.post("/people/new", data={
        "name": "Nia New", "email": "nia@example.test", "job_role": "Porter", "team_id": str(world.team_a.id),
        "start_date": "2026-03-01", "role": "learner", "csrf_token": _token(admin, "/people/new")})
    assert created.status_code == 200 and "Nia New" in created.get_data(as_text=True)
    assert db.session.scalar(select(Person).where(Person.email == "nia@example.test")) is not None

    saved = admin.post("/admin/settings", data={
        "organisation_name": "Renamed Trust", "warning_days": str(get_settings().warning_days),
        "max_upload_mb": "10", "csrf_token": _token(admin, "/admin/settings")})
    assert saved.status_code == 303
    db.session.expire_all()
    assert get_settings().organisation_name == "Renamed Trust"

    ruled = admin.post("/admin/rules", data={
        "template_id": str(world.template.id), "team": [str(world.team_b.id)], "job_role": ["Porter"],
        "confirmed": rule_fingerprint(world.template.id, [world.team_b.id], ["Porter"]),
        "csrf_token": _token(admin, "/admin/rules")})
    assert ruled.status_code == 303
    assert db.session.scalars(select(AssignmentRule)).all()
