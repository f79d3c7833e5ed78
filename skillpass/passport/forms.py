from flask_wtf import FlaskForm
from wtforms import DecimalField, StringField, TextAreaField
from wtforms.validators import Optional

from skillpass.forms import DateInputField, form_problems
from skillpass.models import EntryMethod


class RecordForm(FlaskForm):
    completed_on = DateInputField("Date completed")     # "Date observed" on the educator's form: the view says so
    # The radios are drawn by the template; the value is checked against EntryMethod in the view.
    method = StringField("How", default=EntryMethod.HERE.value)
    equivalent_source = StringField("Organisation or qualification")
    note = TextAreaField("Note (optional)")
    # An item with a refresher asks which was completed (PRODUCT.md §6.3); None: not asked, or not sent.
    activity = StringField("Which did you complete?", default=None)
    # A certificate's own expiry, when it has one (optional; checked against the completion by the service).
    certificate_expires_on = DateInputField("Certificate's expiry date", required=False)


class InformalForm(FlaskForm):
    title = StringField("What did you learn?")
    completed_on = DateInputField("Date")
    hours = DecimalField("Hours (optional)", validators=[Optional()], places=2)
    reflection = TextAreaField("Reflection (optional)")


def field_errors(form) -> dict[str, str]:
    """WTForms' parse errors, first message per field, in our words (a date's are already)."""
    errors = form_problems(form)
    for name, messages in form.errors.items():
        if name == "csrf_token":
            continue
        if name == "hours":
            errors[name] = "Enter hours as a number, for example 1.5."
        elif name == "method":
            errors[name] = "Choose how you completed it."
        else:
            errors[name] = messages[0]
    return errors
