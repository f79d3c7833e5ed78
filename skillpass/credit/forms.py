"""The credit mapping forms. They read what was posted; services.credit_mappings checks it, and its messages,
keyed by field, are shown in place with what was typed and ticked."""
from __future__ import annotations

from wtforms import StringField

from skillpass.forms import IdField, IdsField, PostedForm


class MappingForm(PostedForm):
    """A new mapping: its source (source_kind=item with source_item, or source_kind=qualification with
    source_qualification), the items it counts as (target, ticked boxes) and a note."""

    source_kind = StringField(default="")
    source_item = IdField()
    source_qualification = StringField(default="")
    target = IdsField()
    note = StringField(default="")
    #: The choice whose impact was shown and confirmed.
    confirmed = StringField()
    controls = ("confirmed",)
