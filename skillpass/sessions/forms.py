from wtforms import StringField, TextAreaField

from skillpass.forms import DateInputField, IdField, IdsField, PostedForm


class SessionForm(PostedForm):
    """A training session's register. ``action``: "save" records it; anything else ("search", "choose") draws
    the form again with the list narrowed or the item changed: the way to do both without JavaScript."""

    controls = ("action",)

    item = IdField("Item")
    held_on = DateInputField("Date of the session")
    trainer = StringField("Trainer")
    venue = StringField("Venue (optional)")
    q = StringField("Search")
    people = IdsField("People")
    employee_numbers = TextAreaField("Employee numbers (optional)")
    action = StringField("Action")
