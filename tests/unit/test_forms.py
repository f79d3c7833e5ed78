"""The forms read what was posted as request.form.get(...) did: text as typed, missing text empty, a box
ticked when sent with any value, ids and lists coerced the way skillpass.inputs does; nothing from a JSON
body or from a file sent under a text field's name. No database: a bare Flask app is enough."""
from __future__ import annotations

import dataclasses
import io

import pytest
from flask import Flask
from werkzeug.datastructures import FileStorage, MultiDict

from skillpass.admin.forms import ImportConfirmForm, RuleForm, SettingsForm, TeamActionForm, UploadForm
from skillpass.people.forms import ActiveForm, AssignmentForm, PersonDetailsForm, SupportedTeamsForm
from skillpass.services.people import PersonForm
from skillpass.template_editor.forms import ItemEditForm, ItemForm, NewTemplateForm, SectionEditForm, StatusForm


@pytest.fixture
def app():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test-secret", WTF_CSRF_ENABLED=False)
    return app


def posted(app, data=None, **kwargs):
    if "json" not in kwargs:
        kwargs["data"] = data or {}
    return app.test_request_context("/", method="POST", **kwargs)


# ---------------------------------------------------------------- skillpass/forms.py (through the forms)

def test_missing_text_is_empty_and_boxes_unticked(app):
    with posted(app):
        assert ItemForm().values == dict(
            title="", description="", corporate_lead="", code="", national_names="", frequency_months="", kind="",
            evidence="", confirmation=None,   # None: not asked
            prior_learning_accepted=False, mandatory=False, section_id="",
            refresher_title=None, refresher_description=None, grace_months=None)   # not sent: the item keeps its own


def test_text_is_kept_as_typed_and_any_value_ticks_a_box(app):
    data = dict(title="  Fire safety ", frequency_months="twelve", kind="learning", evidence="required",
                prior_learning_accepted="false", mandatory="y", section_id="9" * 40)
    with posted(app, data):
        values = ItemForm().values
    assert values["title"] == "  Fire safety "
    assert values["frequency_months"] == "twelve"         # the service says "Enter a number …" beside it
    assert values["section_id"] == "9" * 40
    assert values["prior_learning_accepted"] is True      # bool(request.form.get(...)): "false" is a value
    assert values["mandatory"] is True


def test_first_value_of_a_repeated_field_is_read(app):
    with posted(app, MultiDict([("action", "archive"), ("action", "publish"), ("title", "one"), ("title", "two")])):
        assert StatusForm().action.data == "archive"
        assert ItemForm().title.data == "one"


def test_a_get_reads_nothing_posted(app):
    with app.test_request_context("/?name=from-the-address", method="GET"):
        form = NewTemplateForm(starter_sections=True)
        assert form.values == {"name": "", "description": "", "starter_sections": True}


def test_a_json_body_is_not_read(app):
    # FlaskForm alone would read a JSON body when no form fields are sent; request.form never did.
    with posted(app, json={"name": "From JSON", "starter_sections": "1"}):
        assert NewTemplateForm().values == {"name": "", "description": "", "starter_sections": False}


def test_a_file_sent_under_a_text_fields_name_is_not_read(app):
    data = {"name": (io.BytesIO(b"x"), "name.csv"), "description": "kept"}
    with posted(app, data, content_type="multipart/form-data"):
        assert NewTemplateForm().values == {"name": "", "description": "kept", "starter_sections": False}


def test_controls_and_the_csrf_token_are_not_values(app):
    app.config["WTF_CSRF_ENABLED"] = True
    with posted(app, {"name": "Ward 1", "offset_amount": "3", "offset_unit": "months", "confirmed": "3 months",
                      "csrf_token": "anything"}):
        form = SectionEditForm()
        assert "csrf_token" in form._fields          # the form is a real FlaskForm with CSRF on …
        assert form.values == {"name": "Ward 1", "offset_amount": "3", "offset_unit": "months"}
        assert form.confirmed.data == "3 months"      # … and the confirmation is read beside the values
    with posted(app, {"title": "T", "confirmed": "x"}):
        assert "confirmed" not in ItemEditForm().values
    with posted(app, {"organisation_name": "Trust", "warning_days": "30", "max_upload_mb": "10",
                      "confirmed": "30"}):
        # The common reasons for rejecting, not sent, are None: left as they are.
        assert SettingsForm().values == {"organisation_name": "Trust", "warning_days": "30", "max_upload_mb": "10",
                                         "reject_reasons": None}


# ---------------------------------------------------------------- people/forms.py

def test_person_details_are_the_services_person_form(app):
    with app.app_context():
        assert list(PersonDetailsForm(formdata=None)._fields) == [f.name for f in dataclasses.fields(PersonForm)]
    with posted(app, {"name": "Lee", "start_date": "2026-02-30"}):
        details = PersonDetailsForm()
        form = PersonForm(**details.values)
    # as typed; missing role is empty; a start date that is not a date is empty, the field says why
    assert form == PersonForm(name="Lee", start_date="", role="")
    assert details.start_date.message() == "Start date must be a real date."
    parts = {"start_date-day": "09", "start_date-month": "3", "start_date-year": "2026"}
    with posted(app, {"name": "Lee", **parts}):
        assert PersonDetailsForm().values["start_date"] == "2026-03-09"     # the service reads YYYY-MM-DD


def test_supported_teams_are_the_valid_ids_each_once(app):
    teams = MultiDict([("team", "3"), ("team", "x"), ("team", "1"), ("team", "3"), ("team", str(2**31)),
                       ("team", "-2"), ("team", "")])
    with posted(app, teams):
        assert SupportedTeamsForm().team.data == [3, 1]
    with posted(app):
        assert SupportedTeamsForm().team.data == []


def test_assignment_and_active(app):
    with posted(app, {"template_id": "12", "action": "remove", "active": "1"}):
        assert AssignmentForm().template_id.data == 12
        assert AssignmentForm().action.data == "remove"
        assert ActiveForm().active.data == "1"
    for raw in ("", "0", "12a", "9" * 40):
        with posted(app, {"template_id": raw}):
            assert AssignmentForm().template_id.data is None
    with posted(app):
        assert AssignmentForm().template_id.data is None
        assert ActiveForm().active.data is None


# ---------------------------------------------------------------- admin/forms.py

def test_rule_reads_every_ticked_team_and_job_role(app):
    data = MultiDict([("template_id", "4"), ("team", "2"), ("team", "nope"), ("team", "5"),
                      ("job_role", "Nurse"), ("job_role", " Porter "), ("job_role", "Nurse")])
    with posted(app, data):
        form = RuleForm()
    assert form.template_id.data == 4
    assert form.team.data == [2, 5]
    assert form.job_role.data == ["Nurse", " Porter ", "Nurse"]
    with posted(app):
        form = RuleForm()
    assert (form.template_id.data, form.team.data, form.job_role.data) == (None, [], [])


def test_team_action_and_import_confirmation_defaults(app):
    with posted(app):
        assert (TeamActionForm().action.data, TeamActionForm().name.data) == (None, "")
        assert ImportConfirmForm().values == {"token": "", "filename": "import.csv"}
    with posted(app, {"filename": ""}):
        assert ImportConfirmForm().filename.data == ""


def test_upload_is_the_first_file_or_none(app):
    with posted(app, {"file": "not a file"}):
        assert UploadForm().file.data is None
    with posted(app, {"file": (io.BytesIO(b"a,b\n"), "")}, content_type="multipart/form-data"):
        assert UploadForm().file.data is None             # a file input left empty
    with posted(app, {"file": [(io.BytesIO(b""), ""), (io.BytesIO(b"a,b\n"), "second.csv")]},
                content_type="multipart/form-data"):
        assert UploadForm().file.data is None             # request.files.get("file") was the first
    with posted(app, {"file": (io.BytesIO(b"a,b\n"), "people.csv")}, content_type="multipart/form-data"):
        upload = UploadForm().file.data
        assert isinstance(upload, FileStorage) and upload.filename == "people.csv"
