"""The skills framework editor's forms. They read what was posted; services.skills checks it, and its
messages, keyed by field, are shown in place with the text as typed."""
from __future__ import annotations

from wtforms import StringField

from skillpass.forms import PostedForm


class FrameworkForm(PostedForm):
    name = StringField(default="")
    description = StringField(default="")


class StatusForm(PostedForm):
    """action=publish, archive or restore."""

    action = StringField(default="")


class CopyForm(PostedForm):
    name = StringField(default="")


class AreaForm(PostedForm):
    name = StringField(default="")
    description = StringField(default="")


class StatementForm(PostedForm):
    wording = StringField(default="")
    level = StringField(default="")


class StatementEditForm(PostedForm):
    wording = StringField(default="")


class MoveForm(PostedForm):
    direction = StringField(default="")


class RemoveForm(PostedForm):
    """action=remove (retire when used) or action=restore."""

    action = StringField(default="")


class ExemptionForm(PostedForm):
    area_id = StringField(default="")
    level = StringField(default="")
    item_id = StringField(default="")
    qualification = StringField(default="")


class RouteForm(PostedForm):
    area_id = StringField(default="")
    level = StringField(default="")
    item_id = StringField(default="")
    course_title = StringField(default="")
    course_url = StringField(default="")
