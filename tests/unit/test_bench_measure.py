"""How the bench measures a page (bench/run.py): a quick page is measured for long enough that its median spans the
machine's changes of pace, a slow one as many times as asked, and the machine's pace is sampled before each row and
said beside a budget missed."""
from __future__ import annotations

import time

from bench import run


class _Counter:
    count = 0


def _sleeper(ms: float):
    def call():
        time.sleep(ms / 1000)
    return call


def test_a_quick_page_is_measured_until_the_least_time_has_passed(monkeypatch):
    monkeypatch.setattr(run, "MIN_SECONDS", 0.3)
    monkeypatch.setattr(run._Pace, "samples", [])

    quick = run.measure("Quick", _sleeper(10), _Counter(), 5)
    slow = run.measure("Slow", _sleeper(120), _Counter(), 3)

    assert 20 <= quick["runs"] <= 31          # about 0.3 s of 10 ms runs, not 5
    assert slow["runs"] == 3                  # 0.36 s: already past the least time
    assert quick["pace"] > 0 and slow["pace"] > 0 and len(run._Pace.samples) == 2


def test_no_page_is_measured_more_than_the_most_runs(monkeypatch):
    monkeypatch.setattr(run, "MIN_SECONDS", 10)
    monkeypatch.setattr(run, "MAX_RUNS", 12)
    monkeypatch.setattr(run._Pace, "samples", [])

    assert run.measure("Instant", lambda: None, _Counter(), 5)["runs"] == 12


def test_a_missed_budget_says_the_machines_pace_and_the_table_its_range(monkeypatch):
    monkeypatch.setattr(run._Pace, "samples", [26.0, 47.0, 30.0])
    rows = [{"name": "My passport (worked out afresh, nothing kept)", "median": 29.5, "p95": 33.9, "runs": 60,
             "queries": 9, "first": 34.3, "pace": 47.0},
            {"name": "Sign-off queue", "median": 45.5, "p95": 49.1, "runs": 44, "queries": 7, "first": 45.6,
             "pace": 26.0}]
    summary = {"people": 30000, "teams": 360, "entries": 3877544, "generated_seconds": 229}

    report = run.table("PostgreSQL", summary, rows, None)

    passport, queue = (line for line in report.splitlines() if line.startswith(("| My passport", "| Sign-off")))
    assert "≤ 25 ms: **missed**" in passport
    assert "the machine's pace when measured: 47 ms for the fixed loop (this run: 26–47 ms)" in passport
    assert "≤ 100 ms: met" in queue and "pace" not in queue
    assert "took 26 to 47 ms in this run (1.81× apart)" in report
    assert run._Pace.samples == []            # the next database's run starts its own range
