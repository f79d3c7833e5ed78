"""What the blueprints' forms share: a form read from the posted fields alone, and the few fields the
app reads in its own way (ids, lists, ticked boxes).

The forms parse; the services validate. A form here hands the view the posted values as they were typed
(text stays text, so a service can say "Enter a number …" beside what the person wrote) and coerces only
what cannot fail: an id or a list of ids (`skillpass.inputs`), a ticked box, a list of choices.
CSRFProtect has already checked the token of every POST before a view builds its form.
"""
from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, StringField

from skillpass.inputs import ids, to_id

_POSTED = object()


def _posted(reads_files: bool):
    """The posted fields (or files) of a POST; None otherwise, so a form built on a GET keeps its defaults."""
    if request.method != "POST":
        return None
    return request.files if reads_files else request.form


class PostedForm(FlaskForm):
    """A FlaskForm that reads the request's form fields only, as ``request.form.get(...)`` did: never a JSON
    body (FlaskForm's fallback) and never a file sent under a text field's name. An upload form
    (``reads_files``) reads the request's files only."""

    reads_files = False
    #: Fields that steer the request (a confirmation of a previewed change) rather than hold a value the
    #: service is given: left out of :attr:`values`.
    controls: tuple[str, ...] = ()

    def __init__(self, formdata=_POSTED, **kwargs):
        if formdata is _POSTED:
            formdata = _posted(self.reads_files)
        super().__init__(formdata=formdata, **kwargs)

    @property
    def values(self) -> dict:
        """The posted values by field name, without the CSRF token and the controls."""
        leave_out = {self.meta.csrf_field_name, *self.controls}
        return {name: field.data for name, field in self._fields.items() if name not in leave_out}


class Checkbox(BooleanField):
    """A ticked box: true when sent with any value at all, as ``bool(request.form.get(name))``."""

    false_values = ("",)


class IdField(Field):
    """An id (`skillpass.inputs.to_id`): None when missing, empty or no id at all."""

    def process_formdata(self, valuelist):
        self.data = to_id(valuelist[0]) if valuelist else None


class IdsField(Field):
    """Every valid id sent under the name (a group of checkboxes), each once, in the order sent."""

    def process_data(self, value):
        self.data = list(value or ())

    def process_formdata(self, valuelist):
        self.data = ids(valuelist)


class TextsField(Field):
    """Every value sent under the name (a group of checkboxes), as sent."""

    def process_data(self, value):
        self.data = list(value or ())

    def process_formdata(self, valuelist):
        self.data = list(valuelist)


# ---------------------------------------------------------------- forms more than one blueprint posts

class DecisionForm(PostedForm):
    """Approve or reject an entry awaiting a decision (the queue's row and the passport's row)."""
    decision = StringField()
    reason_choice = StringField(default="")   # one of the organisation's common reasons, or "other"
    reason = StringField(default="")
    row = IdField()     # the passport row it was sent from (one subject shows on several passports' rows)


class RevokeForm(PostedForm):
    """Take back an accepted entry, with the reason the learner sees."""
    reason = StringField(default="")
    row = IdField()


class WithdrawForm(PostedForm):
    """Withdraw one's own entry awaiting a decision, from the passport row it shows on."""
    row = IdField()
