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
