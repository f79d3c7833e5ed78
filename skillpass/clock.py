"""Today, injectable: SKILLPASS_TODAY (config FIXED_TODAY) fixes it for demos and tests."""
from __future__ import annotations

import datetime as dt

from flask import current_app, has_app_context


def today() -> dt.date:
    if has_app_context():
        fixed = current_app.config.get("FIXED_TODAY")
        if fixed:
            return fixed
    return dt.date.today()


def now() -> dt.datetime:
    """This moment, in UTC; on a fixed "today", that day at the present time of day,
    so that what is recorded and decided never lies after the "today" the pages show."""
    moment = dt.datetime.now(dt.timezone.utc)
    if has_app_context():
        fixed = current_app.config.get("FIXED_TODAY")
        if fixed:
            return dt.datetime.combine(fixed, moment.timetz())
    return moment
