"""The template editor's forms. They read what was posted; services.templates_admin checks it and its
messages, keyed by field, are shown in place with the text as typed (offsets and frequencies stay text)."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import StringField

from skillpass.forms import Checkbox, PostedForm


class TemplateForm(PostedForm):
    """A passport's name and description (the editor's details form)."""

    name = StringField(default="")
    description = StringField(default="")


class NewTemplateForm(TemplateForm):
    starter_sections = Checkbox()


class StatusForm(PostedForm):
    """Publish, archive (confirm=yes after its preview) or restore."""

    action = StringField()
    confirm = StringField()


class CopyForm(PostedForm):
    name = StringField(default="")


class SectionForm(PostedForm):
    name = StringField(default="")
    offset_amount = StringField(default="")
    offset_unit = StringField(default="")


class SectionEditForm(SectionForm):
    #: The offset whose impact was shown and confirmed ("3 months").
    confirmed = StringField()
    controls = ("confirmed",)


class MoveForm(PostedForm):
    direction = StringField(default="")


class ItemForm(PostedForm):
    title = StringField(default="")
    description = StringField(default="")
    corporate_lead = StringField(default="")
    code = StringField(default="")
    national_names = StringField(default="")
    frequency_months = StringField(default="")
    kind = StringField(default="")
    evidence = StringField(default="")
    confirmation = StringField(default=None)   # None: not sent (an older form), as the model decides
    prior_learning_accepted = Checkbox()
    mandatory = Checkbox()
    section_id = StringField(default="")
    # The refresher and its grace (PRODUCT.md §6.3); None: not sent (an older form), the item keeps its own.
    refresher_title = StringField(default=None)
    refresher_description = StringField(default=None)
    grace_months = StringField(default=None)


class ItemEditForm(ItemForm):
    #: The change whose impact was shown and confirmed.
    confirmed = StringField()
    controls = ("confirmed",)


class ItemRemoveForm(PostedForm):
    """action=remove or action=restore; confirmed=archive once the impact of archiving a used mandatory item
    was shown."""

    action = StringField()
    confirmed = StringField()


class TemplateFileUpload(PostedForm):
    """A passport template file (.json) to preview before importing it."""

    reads_files = True
    file = FileField()     # the first file sent; None when none was chosen


class TemplateFileConfirm(PostedForm):
    """The checked file (compact JSON) and its name, from the preview."""

    content = StringField(default="")
    filename = StringField(default="")
