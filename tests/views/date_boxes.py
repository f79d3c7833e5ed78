"""What the NHS.UK date input's three boxes show, for tests that check a typed date was kept."""
from __future__ import annotations

import datetime as dt
import re


def boxes(html: str, name: str = "completed_on") -> tuple[str, ...]:
    """The values of the day, month and year boxes posted as ``<name>-day`` … (the first such input each)."""
    values = []
    for part in ("day", "month", "year"):
        tag = re.search(rf'<input[^>]*name="{name}-{part}"[^>]*>', html, re.S)
        value = re.search(r'value="([^"]*)"', tag.group(0)) if tag else None
        values.append(value.group(1) if value else None)
    return tuple(values)


def shows_date(html: str, iso: str, name: str = "completed_on") -> bool:
    """True when the boxes hold the date (as the form writes it back: no leading zeros)."""
    date = dt.date.fromisoformat(iso)
    return boxes(html, name) == (str(date.day), str(date.month), str(date.year))
