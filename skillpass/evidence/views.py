"""Evidence downloads: only the learner, the educators of their team and admins."""
from __future__ import annotations

from flask import Blueprint, abort, g, send_file

from skillpass.access import VIEW_EVIDENCE, guard
from skillpass.services import evidence as evidence_service

bp = Blueprint("evidence", __name__, url_prefix="/evidence")


@bp.get("/<int:evidence_id>")
@guard(VIEW_EVIDENCE)
def download(evidence_id: int):
    evidence = g.evidence
    path = evidence_service.path_of(evidence)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=evidence.content_type,
        as_attachment=True,
        download_name=evidence.original_name,
        max_age=0,
        etag=False,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
