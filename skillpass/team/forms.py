"""The team page's bulk print: what to print (the filters it was asked with are read as the page reads them)."""
from __future__ import annotations

from wtforms import StringField

from skillpass.forms import IdsField, PostedForm


class PrintForm(PostedForm):
    scope = StringField()       # "all": everyone the filters show; "selected": the people ticked
    person = IdsField()
