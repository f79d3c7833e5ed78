"""Claims on job rows (skillpass/jobs.py): what a bulk print (print/bulk.py) and an import (services/import_runs.py)
share. The row is the truth, not the queue: a worker claims a row with a conditional UPDATE that raises its
``attempts`` (two workers that read the same row race on that one statement, and one wins), beats on it while it
works, and a row whose worker has gone is free to claim again.

A claim is named "host:pid:token". A row is free to claim when it is queued, or running with a worker that has
gone: a lease without a step or a heartbeat, its process on this host has ended, or the claim is in this
process's name but not among the claims this process holds (``MAKING``): an earlier process's that had the same
host and id (a restarted container's often has).
"""
from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
import threading

from flask import Flask, current_app
from sqlalchemy import Table, update

from skillpass import clock
from skillpass.extensions import db

# The claims this process holds, while it makes their rows' work (prints and imports both).
MAKING: set[str] = set()


def worker_name() -> str:
    """This process, as its claims name it: "host:pid" (each claim adds ":" and a token of its own)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def gone(claimed_by: str | None) -> bool:
    """Was the row claimed by a process of this host that no longer runs?"""
    host, _, pid = (claimed_by or "").rpartition(":")[0].rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:     # alive, another user's
        return False
    return False


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=current_app.config["JOBS_LEASE_SECONDS"])


def claimable(row, now: dt.datetime, *, queued, running) -> bool:
    """Free to claim: *queued*, or *running* with a worker that has gone."""
    if row.status is queued:
        return True
    if row.status is not running:
        return False
    return (now - (row.progressed_at or row.created_at) > lease() or gone(row.claimed_by)
            or ((row.claimed_by or "").startswith(worker_name() + ":") and row.claimed_by not in MAKING))


def take(table: Table, row_id: int, *, seen: int, status, running, **values) -> tuple[int, str] | None:
    """Claim the row read with *seen* attempts and *status* (committed): (its new attempt number, the claim's
    name), or None when another worker claimed it first (rolled back). *values*: more columns the claim sets."""
    name = f"{worker_name()}:{secrets.token_hex(4)}"
    MAKING.add(name)       # before the claim is seen: this process's every-minute job leaves it alone
    won = db.session.execute(
        update(table).where(table.c.id == row_id, table.c.attempts == seen, table.c.status == status)
        .values(status=running, attempts=seen + 1, claimed_by=name, progressed_at=clock.now(), **values)
    ).rowcount == 1
    if not won:
        MAKING.discard(name)
        db.session.rollback()
        return None
    db.session.commit()
    db.session.expire_all()
    return seen + 1, name


def beat(app: Flask, table: Table, row_id: int, mine: int, *, running, what: str) -> threading.Event:
    """While this worker holds the claim *mine*, say so every third of a lease, in a thread of its own (the work
    may go longer than a lease without a step): a row whose worker lives is never taken over. Set the event
    returned to stop it."""
    stop = threading.Event()

    def beating() -> None:
        with app.app_context():
            every = app.config["JOBS_LEASE_SECONDS"] / 3
            try:
                while not stop.wait(every):
                    db.session.execute(update(table).where(table.c.id == row_id, table.c.attempts == mine,
                                                           table.c.status == running)
                                       .values(progressed_at=clock.now()))
                    db.session.commit()
            except Exception:  # noqa: BLE001 - a missed beat at worst lets another worker take the row over
                app.logger.exception("%s %s: heartbeat stopped", what, row_id)
            finally:
                db.session.remove()

    threading.Thread(target=beating, name=f"{what.replace(' ', '-')}-{row_id}-heartbeat", daemon=True).start()
    return stop


def release(name: str) -> None:
    """This process no longer holds the claim *name* (its work ended, however)."""
    MAKING.discard(name)
