"""Jinja filters and globals shared by every template."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask

from skillpass import rules


# The words people see for the fields the code and the audit log record.
FIELD_LABELS = {
    "frequency_months": "frequency",
    "section_id": "section",
    "team_id": "team",
    "item_id": "item",
    "person_id": "person",
    "template_id": "passport",
    "evidence_id": "evidence file",
    "decided_by_id": "decided by",
    "offset_amount": "due offset",
    "offset_unit": "due offset unit",
    "prior_learning_accepted": "prior learning accepted",
    "warning_days": "warning window",
    "max_upload_mb": "upload size limit",
    "organisation_name": "organisation name",
    "employee_number": "employee number",
    "start_date": "start date",
    "job_role": "job role",
}


def field_label(name: str) -> str:
    """"frequency_months" -> "frequency": a field's name as people say it."""
    return FIELD_LABELS.get(name, name.replace("_", " "))


def field_labels(names) -> str:
    return ", ".join(field_label(n) for n in names)


def register(app: Flask) -> None:
    from skillpass.clock import today
    from skillpass.services.settings import get_settings

    @app.template_filter("date")
    def format_date(value):
        if value is None or value == "":
            return ""
        if isinstance(value, dt.datetime):
            value = value.date()
        return rules.format_date(value)

    zone = ZoneInfo(app.config.get("TIMEZONE", "Europe/London"))

    @app.template_filter("datetime")
    def format_datetime(value):
        """A moment in the organisation's time zone: "5 Jan 2026, 14:03"."""
        if value is None:
            return ""
        local = value.astimezone(zone)
        return f"{rules.format_date(local.date())}, {local.strftime('%H:%M')}"

    app.add_template_filter(field_label, "field_label")

    from skillpass.services import submissions

    # Every form that creates something carries a one-time token: {{ submission_field() }}.
    app.add_template_global(submissions.field, "submission_field")

    @app.template_filter("hours")
    def format_hours(value):
        if value is None:
            return ""
        text = f"{value:f}".rstrip("0").rstrip(".")
        return f"{text} hour" if text == "1" else f"{text} hours"

    app.jinja_env.globals.update(
        settings=get_settings,
        queue_total=_queue_total,
        today=today,
        Status=rules.Status,
        describe_frequency=rules.describe_frequency,
    )


def _queue_total() -> int:
    """The number beside "Sign-off queue" in the header: one query, only for staff."""
    from flask_login import current_user

    from skillpass.services.decisions import awaiting_count

    return awaiting_count(current_user) if current_user.is_authenticated else 0
