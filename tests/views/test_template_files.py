"""A passport template as a file (issue 18, item 5): exported with everything that defines the passport and
nothing about people, valid against docs/passport-template.schema.json; imported, after a preview, as a new
draft through the editor's own checks; refused in place with the section, item and field named; and the same
template again when exported, imported into a second SkillPass (its own database) and exported there."""
from __future__ import annotations

import datetime as dt
import html as html_lib
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import select

from skillpass import create_app
from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import AuditEvent, Item, ItemKind, PassportTemplate, TemplateStatus
from skillpass.services import national_names
from skillpass.services.templates_admin import files

from tests import factories
from tests.conftest import SHARED_BYTECODE, IsolatedClient, base_config, sign_in

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "passport-template.schema.json").read_text())


@pytest.fixture
def shaped(world):
    """The world's passport, with a refresher, national names, an optional item and an archived one."""
    world.fire.refresher_title, world.fire.refresher_description, world.fire.grace_months = (
        "Fire safety update", "30 minutes online", 3)
    national_names.set_names(world.fire, ["NHS|CSTF|Fire Safety - 2 Years|", "Fire Safety Awareness"])
    gone = factories.item(world.month6, "Old topic", position=9)
    gone.archived_at = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    db.session.commit()
    return world


def _export(client, template_id):
    response = client.get(f"/admin/templates/{template_id}/export.json")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response


def _upload(client, data: bytes, name="passport.json"):
    return client.post("/admin/templates/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _confirm(client, html):
    content = html_lib.unescape(re.search(r'name="content" value="([^"]*)"', html).group(1))
    filename = html_lib.unescape(re.search(r'name="filename" value="([^"]*)"', html).group(1))
    submission = re.search(r'name="submission" value="([^"]*)"', html).group(1)
    return client.post("/admin/templates/import/confirm",
                       data={"content": content, "filename": filename, "submission": submission})


def test_the_export_is_an_attachment_valid_against_the_schema_with_nothing_about_people(as_admin, shaped):
    response = _export(as_admin, shaped.template.id)
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="skillpass-template-ahp-support-worker-skills-passport-v1.json"')
    assert response.mimetype == "application/json"
    data = response.get_json()
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert (data["schema"], data["schema_version"], data["exported_from"]) == (files.SCHEMA, 1, "Test Trust")
    template = data["template"]
    assert template["name"] == "AHP Support Worker Skills Passport"
    assert [(s["name"], s["position"], s["offset"]) for s in template["sections"]] == [
        ("Within 2 weeks", 0, {"amount": 2, "unit": "weeks"}), ("Within 6 months", 1, {"amount": 6, "unit": "months"})]
    fire = template["sections"][0]["items"][0]
    assert fire == {"title": "Fire safety", "description": "", "code": "CSTF-FIRE", "kind": "learning",
                    "frequency_months": 24, "evidence": "optional", "prior_learning_accepted": True,
                    "confirmation": "at_once", "mandatory": True, "corporate_lead": "Estates",
                    "refresher_title": "Fire safety update", "refresher_description": "30 minutes online",
                    "grace_months": 3, "national_names": ["NHS|CSTF|Fire Safety - 2 Years|", "Fire Safety Awareness"]}
    titles = [i["title"] for i in template["sections"][1]["items"]]
    assert titles == ["Managing work and life stress", "Moving a patient with a hoist", "Reflective practice"]
    text = response.get_data(as_text=True)
    for private in ("Lee Learner", "lee@example.test", '"id"', "template_id", "section_id", "assigned"):
        assert private not in text
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == Action.TEMPLATE_EXPORTED)).all()
    assert event.actor_id == shaped.admin.id and "AHP Support Worker Skills Passport" in event.summary


def test_only_an_admin_downloads_a_template(as_educator, as_learner, world):
    for client in (as_educator, as_learner):
        assert client.get(f"/admin/templates/{world.template.id}/export.json").status_code == 403


def test_the_editor_and_the_index_link_to_the_file_flows(as_admin, world):
    page = as_admin.get(f"/admin/templates/{world.template.id}").get_data(as_text=True)
    assert f'href="/admin/templates/{world.template.id}/export.json"' in page and "Download as a file" in page
    assert 'href="/admin/templates/import"' in as_admin.get("/admin/templates/").get_data(as_text=True)


def test_import_previews_then_makes_a_new_draft_named_apart(as_admin, shaped):
    data = _export(as_admin, shaped.template.id).get_data()
    page = as_admin.get("/admin/templates/import")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.get_data(as_text=True)
    response = _upload(as_admin, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "Ready to import passport.json" in html
    assert ("A template named AHP Support Worker Skills Passport already exists: it will be imported as "
            "AHP Support Worker Skills Passport (imported).") in html
    assert "CSTF-FIRE" in html and "NHS|CSTF|Fire Safety - 2 Years|" in html and "Within 6 months" in html
    assert "Fire safety in AHP Support Worker Skills Passport already has here: it will join that subject" in html
    # The preview wrote nothing.
    assert db.session.scalar(select(PassportTemplate).where(PassportTemplate.name.like("%(imported)"))) is None
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == Action.TEMPLATE_IMPORTED)).all()

    response = _confirm(as_admin, html)
    assert response.status_code == 303
    new = db.session.scalar(select(PassportTemplate).where(
        PassportTemplate.name == "AHP Support Worker Skills Passport (imported)"))
    assert response.headers["Location"].endswith(f"/admin/templates/{new.id}")
    assert new.status is TemplateStatus.DRAFT
    items = db.session.scalars(select(Item).where(Item.template_id == new.id).order_by(Item.id)).all()
    assert [i.title for i in items] == ["Fire safety", "Managing work and life stress",
                                        "Moving a patient with a hoist", "Reflective practice"]
    fire = items[0]
    assert (fire.code, fire.frequency_months, fire.refresher_title, fire.grace_months, fire.corporate_lead) == (
        "CSTF-FIRE", 24, "Fire safety update", 3, "Estates")
    assert items[2].kind is ItemKind.COMPETENCY and not items[2].prior_learning_accepted
    assert not items[3].mandatory
    assert national_names.names_of([fire.id])[fire.id] == ["NHS|CSTF|Fire Safety - 2 Years|", "Fire Safety Awareness"]
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == Action.TEMPLATE_IMPORTED)).all()
    assert event.subject_id == new.id and "passport.json" in event.summary and "Test Trust" in event.summary
    editor = as_admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "imported from passport.json as a draft" in editor
    # The same confirmation again makes nothing more.
    again = _confirm(as_admin, html)
    assert again.status_code == 422
    assert db.session.scalar(select(PassportTemplate).where(
        PassportTemplate.name.like("AHP Support Worker Skills Passport (imported%"))).id == new.id


def _file(**template) -> dict:
    item = {"title": "Fire safety", "description": "", "code": "NEW-FIRE", "kind": "learning",
            "frequency_months": 12, "evidence": "optional", "prior_learning_accepted": True,
            "confirmation": "at_once", "mandatory": True, "corporate_lead": "", "refresher_title": "",
            "refresher_description": "", "grace_months": 0, "national_names": []}
    body = {"name": "Ward passport", "description": "",
            "sections": [{"name": "Day one", "position": 0, "offset": {"amount": 0, "unit": "days"},
                          "items": [item]}]}
    body.update(template)
    return {"schema": files.SCHEMA, "schema_version": 1, "exported_at": "2026-03-01T09:00:00Z",
            "exported_from": "Northgate NHS Trust", "template": body}


def _with_item(**changes) -> dict:
    data = _file()
    data["template"]["sections"][0]["items"][0].update(changes)
    return data


@pytest.mark.parametrize("content, message", [
    pytest.param(b"name,email\nA,a@example.test\n", "This file is not JSON", id="not-json"),
    pytest.param(json.dumps({"name": "x"}).encode(), "not a SkillPass passport template: it has no", id="no-schema"),
    pytest.param(json.dumps({**_file(), "schema": "https://example.org/other"}).encode(),
                 "its schema is “https://example.org/other”", id="another-schema"),
    pytest.param(json.dumps({**_file(), "schema_version": 2}).encode(),
                 "This template was exported by a newer SkillPass (file version 2; this SkillPass reads version 1)",
                 id="newer"),
    pytest.param(json.dumps(_with_item(kind=None)).encode(),
                 "Section 1 “Day one”, item 1 “Fire safety”: “kind” is missing.", id="missing-field"),
    pytest.param(json.dumps(_with_item(frequency_months="12")).encode(),
                 "Section 1 “Day one”, item 1 “Fire safety”: “frequency_months” must be a whole number, not &#34;12&#34;.",
                 id="wrong-type"),
    pytest.param(json.dumps(_with_item(grace_months=30, refresher_title="Update")).encode(),
                 "Section 1 “Day one”, item 1 “Fire safety”: “grace_months”", id="editor-limit"),
    pytest.param(json.dumps(_with_item(frequency_months=None, refresher_title="Update")).encode(),
                 "A refresher renews something that expires", id="editor-rule"),
    pytest.param(json.dumps(_file(sections=[{"name": "Later", "position": 0, "offset": {"amount": 5000, "unit": "days"},
                                             "items": []}])).encode(),
                 "Section 1 “Later”: “offset_amount”", id="section-offset"),
    pytest.param(json.dumps(_with_item(kind="hobby")).encode(),
                 "“kind”: Choose whether the learner", id="unknown-kind"),
])
def test_a_file_that_cannot_be_imported_is_refused_in_place_and_makes_nothing(as_admin, world, content, message):
    before = db.session.scalar(select(PassportTemplate.id).order_by(PassportTemplate.id.desc()))
    response = _upload(as_admin, content, "ward.json")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html, html[html.find("nhsuk-error-summary"):][:1500]
    assert "Nothing was imported from ward.json" in html and 'id="template-file-error"' in html
    assert "Error: Import a passport template" in html
    assert db.session.scalar(select(PassportTemplate.id).order_by(PassportTemplate.id.desc())) == before


def test_a_national_name_another_subject_lists_here_is_refused_with_the_editors_words(as_admin, world):
    national_names.set_names(world.stress, ["NHS|CSTF|Stress|"])
    db.session.commit()
    html = _upload(as_admin, json.dumps(_with_item(national_names=["NHS|CSTF|Stress|"])).encode()).get_data(as_text=True)
    assert "item 1 “Fire safety”: “national_names”" in html and "already answers to" in html


def test_no_file_and_a_tampered_confirmation_are_refused(as_admin, world):
    response = as_admin.post("/admin/templates/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose the passport template file" in response.get_data(as_text=True)
    response = as_admin.post("/admin/templates/import/confirm", data={"content": "{", "filename": "x.json"})
    assert response.status_code == 422 and "This file is not JSON" in response.get_data(as_text=True)


def test_only_an_admin_imports(as_educator, world):
    assert as_educator.get("/admin/templates/import").status_code == 403
    assert _upload(as_educator, json.dumps(_file()).encode()).status_code == 403


def _second_app(tmp_path, migrated_template):
    import shutil
    path = tmp_path / "second.db"
    shutil.copy(migrated_template, path)
    config = base_config(f"sqlite:///{path}", tmp_path / "second")
    config["ORGANISATION_NAME"] = "Second Trust"
    second = create_app(config)
    second.jinja_env.bytecode_cache = SHARED_BYTECODE
    second.test_client_class = IsolatedClient
    return second


def test_round_trip_into_a_second_skillpass_gives_the_same_template(as_admin, shaped, tmp_path, migrated_template):
    """Export → import in another SkillPass (its own database) → export there: the same template part."""
    if not isinstance(migrated_template, Path):
        pytest.skip("the second instance is a SQLite file copy")
    first = _export(as_admin, shaped.template.id).get_json()
    second = _second_app(tmp_path, migrated_template)
    with second.app_context():
        admin = factories.person(name="Sam Second", role=factories.Role.ADMIN, email="sam@second.test")
        db.session.commit()
        client = sign_in(second.test_client(), admin)
        html = _upload(client, json.dumps(first).encode()).get_data(as_text=True)
        assert "already exists" not in html and "already has here" not in html
        response = _confirm(client, html)
        assert response.status_code == 303
        new_id = int(response.headers["Location"].rsplit("/", 1)[1])
        again = _export(client, new_id).get_json()
        assert db.session.get(PassportTemplate, new_id).status is TemplateStatus.DRAFT
        db.session.remove()
        db.engine.dispose()
    jsonschema.validate(again, SCHEMA)
    assert again["template"] == first["template"]
    assert again["exported_from"] == "Second Trust"
