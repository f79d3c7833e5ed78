"""What is kept per worker between requests, and when it stops being good.

The admin home's figures, team matrices and passport pages take tens to hundreds of
milliseconds to work out and are asked for again and again while nothing changes.
Each is kept under a key that ends with the data version (services/data_version.py),
which every committed write of data raises: once anything is written, every key
moves on and the next request works things out afresh. The day and the warning
window are part of the keys that depend on them.

What takes longest (the admin home's figures: about a second for a trust) can also be shown
stale: the last result kept for the same question, whatever the data version, comes back at
once while a thread of the worker works it out again (remember, last_before,
refresh_in_background).

Set CACHE_PAGES = False to work everything out on every request (the tests do,
except the tests of this).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable

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


# ---------------------------------------------------------------- keep the last result, refresh in the background

# The last result worked out for each question (the key without its data version), whatever the data
# version, and the background refreshes under way: what a page shows while a newer result is worked out.
_LAST: dict[tuple, tuple[int, object]] = {}
_REFRESHING: dict[tuple, threading.Thread] = {}
_LAST_LOCK = threading.Lock()


def remember(store: Kept, key: tuple, result) -> None:
    """Keep *result* under *key*, and as the last result of its question unless a newer one is kept."""
    store.put(key, result)
    with _LAST_LOCK:
        last = _LAST.get(key[:-1])
        if last is None or last[0] <= key[-1]:
            _LAST[key[:-1]] = (key[-1], result)


def last_before(key: tuple):
    """The last result of *key*'s question worked out at an older data version, or None."""
    with _LAST_LOCK:
        last = _LAST.get(key[:-1])
    return last[1] if last is not None and last[0] < key[-1] else None


def refresh_in_background(store: Kept, stale: tuple, compute: Callable[[], object]) -> threading.Thread:
    """Work *compute* out again on a thread of this worker and remember it under the key of *stale*'s
    question as the data stands then (one thread at a time for each question)."""
    app = current_app._get_current_object()
    question = stale[:-1]
    with _LAST_LOCK:
        running = _REFRESHING.get(question)
        if running is not None and running.is_alive():
            return running
        thread = threading.Thread(target=_refresh, args=(app, store, question[1:], compute), daemon=True,
                                  name=f"{question[1]}-refresh")
        _REFRESHING[question] = thread
    thread.start()
    return thread


def _refresh(app, store: Kept, parts: tuple, compute: Callable[[], object]) -> None:
    with app.app_context():
        try:
            now = key(*parts)
            if now is not None and store.get(now) is None:
                remember(store, now, compute())
        except Exception:  # a worker must not die of it: the next look works it out again in the request
            app.logger.exception("refreshing %s in the background failed", parts[0])
        finally:
            db.session.remove()


def refreshing(*parts) -> threading.Thread | None:
    """The background refresh of key(*parts)'s question, if one is under way (for tests and the benchmark)."""
    question = (str(db.engine.url), *parts)
    with _LAST_LOCK:
        thread = _REFRESHING.get(question)
    return thread if thread is not None and thread.is_alive() else None


def wait_for_refreshes(timeout: float = 60) -> None:
    """Wait for every background refresh of this process to end (the benchmark, before timing the next page)."""
    with _LAST_LOCK:
        threads = list(_REFRESHING.values())
    for thread in threads:
        thread.join(timeout)
