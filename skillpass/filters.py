"""Jinja filters and globals shared by every template."""
from __future__ import annotations

import datetime as dt

from flask import Flask

from skillpass import rules


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

    @app.template_filter("datetime")
    def format_datetime(value):
        if value is None:
            return ""
        return f"{rules.format_date(value.date())}, {value.strftime('%H:%M')} UTC"

    @app.template_filter("hours")
    def format_hours(value):
        if value is None:
            return ""
        text = f"{value:f}".rstrip("0").rstrip(".")
        return f"{text} hour" if text == "1" else f"{text} hours"

    app.jinja_env.globals.update(
        settings=get_settings,
        today=today,
        Status=rules.Status,
        describe_frequency=rules.describe_frequency,
    )
