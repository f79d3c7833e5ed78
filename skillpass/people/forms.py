"""The people screens' forms. They read what was posted; services.people checks it (its messages, keyed
by field, are shown in place with what was typed)."""
from __future__ import annotations

from wtforms import StringField

from skillpass.forms import DateInputField, IdField, IdsField, PostedForm


class PersonDetailsForm(PostedForm):
    """A person's details, as typed: handed to services.people as its PersonForm. The start date is typed in
    the NHS.UK date input: the service is given it as YYYY-MM-DD, or empty when it is not a date (the field's
    own message then takes the place of the service's)."""

    name = StringField(default="")
    email = StringField(default="")
    employee_number = StringField(default="")
    job_role = StringField(default="")
    team_id = StringField(default="")
    start_date = DateInputField("Start date")
    role = StringField(default="")

    @property
    def values(self) -> dict:
        values = super().values
        values["start_date"] = self.start_date.data.isoformat() if self.start_date.data else ""
        return values


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
