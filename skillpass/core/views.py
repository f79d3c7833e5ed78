"""Home (sends each role to where it works) and the health check."""
from __future__ import annotations

from flask import Blueprint, jsonify, redirect, url_for
from flask_login import current_user

from skillpass.access import PUBLIC, SIGNED_IN, guard
from skillpass.services import health

bp = Blueprint("core", __name__)


@bp.get("/")
@guard(SIGNED_IN)
def index():
    if current_user.is_educator:
        return redirect(url_for("signoff.index"))
    if current_user.is_admin:
        return redirect(url_for("admin.home"))
    return redirect(url_for("passport.index"))


@bp.get("/healthz")
@guard(PUBLIC)
def healthz():
    if not health.database_answers():
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
