"""An import of historic completions as one thing: its page lists the entries it made, and revokes them
together with one reason (a bad file undone in one action). Past imports are listed on the import page."""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user

from skillpass import htmx
from skillpass.access import ADMIN, guard
from skillpass.admin.forms import RevokeImportForm
from skillpass.admin.views import bp
from skillpass.extensions import db
from skillpass.models import ImportBatch
from skillpass.services import import_batches
from skillpass.services.errors import Conflict, DomainError


def _render(batch: ImportBatch, *, status: int = 200, errors=None, reason: str = "", message: str = ""):
    context = dict(page=import_batches.page(batch), errors=errors or {}, reason=reason, message=message)
    template = "admin/_import_batch.html" if htmx.is_htmx() else "admin/import_batch.html"
    return htmx.add_vary(Response(render_template(template, **context), status=status))


@bp.get("/imports/<int:batch_id>")
@guard(ADMIN)
def import_batch(batch_id: int):
    """The entries an import made, with their status now."""
    return _render(db.get_or_404(ImportBatch, batch_id))


@bp.post("/imports/<int:batch_id>/revoke")
@guard(ADMIN)
def revoke_import(batch_id: int):
    """Revoke every accepted entry of the import, with one reason."""
    batch = db.get_or_404(ImportBatch, batch_id)
    reason = RevokeImportForm().reason.data or ""
    try:
        done = import_batches.revoke_all(actor=current_user, batch=batch, reason=reason)
    except Conflict as error:      # rolled back (409): nothing revoked
        return _render(batch, status=409, errors=error.errors, reason=reason)
    except DomainError as error:
        return _render(batch, status=422, errors=error.errors, reason=reason)
    if htmx.is_htmx():
        return _render(batch, message=done.message)
    flash(done.message)
    return redirect(url_for("admin.import_batch", batch_id=batch.id), code=303)
