"""Jinja filters and globals shared by every template."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask, before_render_template
from jinja2 import Template, nodes

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

    before_render_template.connect(_queue_total_for_the_header, app)
    app.jinja_env.globals.update(
        settings=get_settings,
        today=today,
        Status=rules.Status,
        describe_frequency=rules.describe_frequency,
    )
    # A passport held as a qualification (issue 17, part B): Meets, About to lose, Does not meet, in that order.
    app.jinja_env.globals["Standing"] = rules.Standing


def _queue_total_for_the_header(app: Flask, template: Template, context: dict, **extra) -> None:
    """The number beside "Sign-off queue" in a staff member's page header: counted here, once for the page (one
    query), and passed in as a value. Partials, and the printed passport, carry no header and cost nothing."""
    from flask_login import current_user

    if "queue_total" in context or not _has_header(app, template):
        return
    if current_user.is_authenticated and (current_user.is_admin or current_user.is_educator):
        from skillpass.services.decisions import awaiting_count

        context["queue_total"] = awaiting_count(current_user)


_EXTENDS_BASE: dict[str, bool] = {}


def _has_header(app: Flask, template: Template) -> bool:
    """Whether the template is a page built on base.html (read from its source once per name)."""
    name = template.name
    if name is None:
        return False
    if name not in _EXTENDS_BASE:
        source = app.jinja_env.loader.get_source(app.jinja_env, name)[0]
        extends = app.jinja_env.parse(source).find(nodes.Extends)
        _EXTENDS_BASE[name] = (extends is not None and isinstance(extends.template, nodes.Const)
                               and extends.template.value == "base.html")
    return _EXTENDS_BASE[name]
