"""Jinja filters and globals shared by every template."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask

from skillpass import labels, rules


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

    app.add_template_filter(labels.field_label, "field_label")
    app.add_template_global(labels.action_label, "action_label")

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
