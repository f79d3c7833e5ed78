"""Is the application able to work: the health check's question, asked of the database."""
from __future__ import annotations

from sqlalchemy import text

from skillpass.extensions import db


def database_answers() -> bool:
    """True when the database answers a trivial query. A failure leaves the session usable."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        db.session.rollback()
        return False
    return True
