"""Admin screens. Settings: organisation name, warning window, upload size limit."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from skillpass.access import ADMIN, guard
from skillpass.extensions import db
from skillpass.services.errors import DomainError
from skillpass.services.settings import get_settings
from skillpass.services.settings_admin import UPLOAD_CEILING_MB, update_settings

bp = Blueprint("admin", __name__, url_prefix="/admin")

LABELS = {"organisation_name": "organisation name", "warning_days": "warning window", "max_upload_mb": "upload limit"}


@bp.route("/settings", methods=["GET", "POST"])
@guard(ADMIN)
def settings():
    current = get_settings()
    values = {"organisation_name": current.organisation_name, "warning_days": str(current.warning_days),
              "max_upload_mb": str(current.max_upload_mb)}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {key: request.form.get(key, "") for key in values}
        try:
            changed = update_settings(actor=current_user, **values)
        except DomainError as error:
            db.session.rollback()
            errors = error.errors
        else:
            db.session.commit()
            flash("Saved: " + ", ".join(LABELS[k] for k in changed) + "." if changed else "Nothing changed.")
            return redirect(url_for("admin.settings"), code=303)
    return render_template("admin/settings.html", values=values, errors=errors,
                           ceiling=UPLOAD_CEILING_MB), (422 if errors else 200)
