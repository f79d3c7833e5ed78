"""What is kept per worker between requests, and when it stops being good.

The admin home's figures, team matrices and passport pages take tens to hundreds of
milliseconds to work out and are asked for again and again while nothing changes.
Each is kept under a key that ends with the data version (services/data_version.py),
which every committed write of data raises: once anything is written, every key
moves on and the next request works things out afresh. The day and the warning
window are part of the keys that depend on them.

Nothing is shown stale: what one worker keeps is what any other would work out, so several web
servers answer alike (the admin home is counted afresh in a few aggregates over the kept dates,
services/item_dates.py).

Set CACHE_PAGES = False to work everything out on every request (the tests do,
except the tests of this).
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from flask import current_app

from skillpass.extensions import db
from skillpass.services import data_version


class Kept:
    """A small least-recently-used store, safe to share between a worker's threads."""

    def __init__(self, entries: int):
        self._entries = entries
        self._items: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._entries:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


FIGURES = Kept(entries=16)          # the admin home's figures and team matrices (up to a few MB each)
PASSPORT_PAGES = Kept(entries=64)   # passport page bodies (about 200 kB for 90 items)


def key(*parts) -> tuple | None:
    """The key for *parts* as the data stands now, or None when nothing is to be kept (kept pages are off,
    or this request has written data it has not committed yet)."""
    if not current_app.config.get("CACHE_PAGES", True):
        return None
    if data_version.pending(db.session):
        return None
    version = data_version.current(db.session)
    return None if version is None else (str(db.engine.url), *parts, version)
