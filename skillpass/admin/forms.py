"""The admin screens' forms. They read what was posted; the services check it (their messages, keyed by
field, are shown in place with what was typed: the settings' numbers stay text)."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import StringField

from skillpass.forms import IdField, IdsField, PostedForm, TextsField


class SettingsForm(PostedForm):
    organisation_name = StringField(default="")
    warning_days = StringField(default="")
    max_upload_mb = StringField(default="")
    reject_reasons = StringField(default=None)   # one a line; not sent: left as they are
    #: The warning window whose impact was shown and confirmed.
    confirmed = StringField()
    controls = ("confirmed",)


class TeamForm(PostedForm):
    """A new team's name."""

    name = StringField(default="")


class TeamActionForm(PostedForm):
    """Rename (action=rename, the default, with name), archive (action=archive) or restore a team."""

    action = StringField()
    name = StringField(default="")


class RuleForm(PostedForm):
    """An assignment rule: a passport for everyone in the ticked teams and/or job roles."""

    template_id = IdField()
    team = IdsField()
    job_role = TextsField()
    #: The choice whose preview (who gains the passport) was shown and confirmed.
    confirmed = StringField()
    controls = ("confirmed",)


class RuleArchiveForm(PostedForm):
    """What happens to the passports an archived rule gave: passports=keep or passports=remove."""

    passports = StringField(default="")


class FirstFileField(FileField):
    """The first file sent under the name, or None when it has no name (no file was chosen)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist[:1])


class UploadForm(PostedForm):
    """A CSV to check before importing it."""

    reads_files = True
    file = FirstFileField()


class ImportConfirmForm(PostedForm):
    """The checked file's token and its name, from the preview."""

    token = StringField(default="")
    filename = StringField(default="import.csv")


class RevokeImportForm(PostedForm):
    """The one reason for revoking an import's entries."""

    reason = StringField(default="")
