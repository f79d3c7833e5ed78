"""The people screens' forms. They read what was posted; services.people checks it (its messages, keyed
by field, are shown in place with what was typed)."""
from __future__ import annotations

from wtforms import StringField

from skillpass.forms import IdField, IdsField, PostedForm


class PersonDetailsForm(PostedForm):
    """A person's details, as typed: handed to services.people as its PersonForm."""

    name = StringField(default="")
    email = StringField(default="")
    employee_number = StringField(default="")
    job_role = StringField(default="")
    team_id = StringField(default="")
    start_date = StringField(default="")
    role = StringField(default="")


class SupportedTeamsForm(PostedForm):
    """The teams an educator supports: one checkbox per team."""

    team = IdsField()


class ActiveForm(PostedForm):
    """active=1 lets a person sign in again; anything else deactivates them."""

    active = StringField()


class AssignmentForm(PostedForm):
    """Add (action=add, the default) or remove (action=remove) a passport."""

    template_id = IdField()
    action = StringField()
