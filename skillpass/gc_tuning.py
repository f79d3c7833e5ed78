"""Garbage-collector settings for a serving process.

A team page builds tens of thousands of small objects (a cell per person and
item) that live until the response is sent. With Python's defaults every 700
new objects start a collection, and the older generations — which hold the
whole application, its compiled templates and its caches — are walked again
and again: measured on the team matrix of 300 people, a third of the page's time.

`tune()` runs once a worker has imported the application (app.py, which gunicorn
loads). It collects once, then freezes what is alive (gc.freeze: the app's own
long-lived objects are never walked again), and makes young collections less
frequent. Reference counting still frees almost everything at once; only
cycles wait a little longer.
"""
from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000


def tune() -> None:
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
