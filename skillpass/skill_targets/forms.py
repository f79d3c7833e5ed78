"""The forms of confirmed levels and targets: they read what was posted; the services check it and their
messages, keyed by field, are shown in place with the choice kept."""
from __future__ import annotations

from wtforms import StringField

from skillpass.forms import PostedForm


class ConfirmForm(PostedForm):
    level = StringField(default="")
    note = StringField(default="")


class TargetForm(PostedForm):
    """action=set (minimum, maximum) or action=clear (use the job role's target again)."""

    action = StringField(default="set")
    minimum = StringField(default="")
    maximum = StringField(default="")
    controls = ("action",)


class RoleForm(PostedForm):
    """A job role's name; its areas' selects (area-<id>-minimum, area-<id>-maximum) are read by the view."""

    job_role = StringField(default="")
