"""What the blueprints' forms share: a form read from the posted fields alone, and the few fields the
app reads in its own way (ids, lists, ticked boxes).

The forms parse; the services validate. A form here hands the view the posted values as they were typed
(text stays text, so a service can say "Enter a number …" beside what the person wrote) and coerces only
what cannot fail: an id or a list of ids (`skillpass.inputs`), a ticked box, a list of choices.
CSRFProtect has already checked the token of every POST before a view builds its form.
"""
from __future__ import annotations

import datetime as dt
import re

from flask import request
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, StringField
from wtforms.utils import unset_value
from wtforms.validators import ValidationError

from skillpass.inputs import ids, to_id
from skillpass.services.submissions import redisplaying

_POSTED = object()


def _posted(reads_files: bool):
    """The posted fields (or files) of a POST; None otherwise, so a form built on a GET keeps its defaults."""
    if request.method != "POST":
        return None
    return request.files if reads_files else request.form


def form_problems(form) -> dict[str, str]:
    """What refuses the whole form rather than one field, as the error summary's "__all__": the message of
    a form only drawn again (its CSRF check fails then, and that error is never shown as it stands)."""
    refusal = redisplaying()
    return {"__all__": refusal} if refusal else {}


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

    def validate(self, extra_validators=None) -> bool:
        """As FlaskForm's, except that a form only drawn again (skillpass/unsaved.py) always refuses, with the
        message that says why at the top of the form."""
        valid = super().validate(extra_validators)
        if refusal := redisplaying():
            self.form_errors.append(refusal)
            return False
        return valid

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


DATE_PARTS = ("day", "month", "year")
_NUMBER = re.compile(r"[0-9]{1,9}")
_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class DateInputField(Field):
    """A date typed in the NHS.UK date input: three boxes posted as ``<name>-day``, ``<name>-month`` and
    ``<name>-year``. When none of the three is posted it reads one ``<name>=YYYY-MM-DD`` value instead (posts
    made by scripts and tests); an empty one is then no date, left for the service to ask for.

    ``data`` is the date, or None. ``parts`` keeps what was typed in each box, to show it again; ``bad_parts``
    names the boxes with a problem. The problem is put in the design system's words, naming the field by its
    label, when the form validates (so a view may change the label first: "Date observed"). Whether the date
    may be in the future, or before someone's start, is for the services to say."""

    def __init__(self, label=None, validators=None, *, required: bool = True, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.required = required
        self.parts = dict.fromkeys(DATE_PARTS, "")
        self.bad_parts: tuple[str, ...] = ()
        self.problem: tuple[str, ...] | None = None

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        self.bad_parts, self.problem = (), None
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = data
        self.process_data(data)
        if formdata is None:
            return
        posted = [formdata.get(f"{self.name}-{part}") for part in DATE_PARTS]
        if any(value is not None for value in posted):
            self.raw_data = [value or "" for value in posted]
            self._read_parts(self.raw_data)
        else:
            self.raw_data = formdata.getlist(self.name)
            self._read_iso(self.raw_data[0] if self.raw_data else "")

    def process_data(self, value):
        self.data = value if isinstance(value, dt.date) else None
        self.parts = dict.fromkeys(DATE_PARTS, "")
        if self.data is not None:
            self.parts = {"day": str(self.data.day), "month": str(self.data.month), "year": str(self.data.year)}

    def _read_iso(self, value: str):
        value = value.strip()
        self.data = None
        if not value:
            return
        try:
            self.data = dt.date.fromisoformat(value) if _ISO.fullmatch(value) else None
        except ValueError:
            self.data = None
        if self.data is None:
            self._refuse(("real",), DATE_PARTS)
        else:
            self.process_data(self.data)

    def _read_parts(self, values: list[str]):
        self.data = None
        self.parts = dict(zip(DATE_PARTS, (value.strip() for value in values)))
        typed = {part: "".join(value.split()) for part, value in self.parts.items()}
        missing = tuple(part for part in DATE_PARTS if not typed[part])
        if len(missing) == 3:
            if self.required:
                self._refuse(("missing",), DATE_PARTS)
            return
        if missing:
            self._refuse(("include", *missing), missing)
            return
        not_numbers = tuple(part for part in DATE_PARTS if not _NUMBER.fullmatch(typed[part]))
        if not_numbers:
            self._refuse(("real",), not_numbers)
            return
        day, month, year = (int(typed[part]) for part in DATE_PARTS)
        out_of_range = tuple(part for part, ok in (("day", 1 <= day <= 31), ("month", 1 <= month <= 12)) if not ok)
        if out_of_range:
            self._refuse(("real",), out_of_range)
        elif len(typed["year"]) != 4:
            self._refuse(("year",), ("year",))
        else:
            try:
                self.data = dt.date(year, month, day)
            except ValueError:
                self._refuse(("real",), ("day",) if year >= dt.MINYEAR else ("year",))

    def _refuse(self, problem: tuple[str, ...], parts: tuple[str, ...]):
        self.data, self.problem, self.bad_parts = None, problem, parts

    @property
    def first_bad_part(self) -> str:
        """The box the error summary links to: the first with a problem (the day when the whole date is)."""
        return self.bad_parts[0] if self.bad_parts else "day"

    def message(self) -> str | None:
        """The problem in the design system's words, or None."""
        if self.problem is None:
            return None
        label = self.label.text
        named = label[:1].lower() + label[1:]
        kind, *parts = self.problem
        if kind == "missing":
            return f"Enter the {named}."
        if kind == "include":
            return f"{label} must include a {' and '.join(parts)}."
        if kind == "year":
            return "Year must include 4 numbers."
        return f"{label} must be a real date."

    def pre_validate(self, form):
        if self.problem is not None:
            raise ValidationError(self.message())


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
