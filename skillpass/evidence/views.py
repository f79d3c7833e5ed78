"""Evidence downloads and previews: only the learner, the educators of their team and admins."""
from __future__ import annotations

from flask import Blueprint, Response, abort, g, send_file

from skillpass.access import VIEW_EVIDENCE, guard
from skillpass.services import evidence as evidence_service
from skillpass.services import evidence_preview

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


@bp.get("/<int:evidence_id>/preview")
@guard(VIEW_EVIDENCE)
def preview(evidence_id: int):
    """The certificate's first page (a PDF) or the image, redrawn as a small PNG to show beside the queue
    row; a panel saying there is no preview when it cannot be drawn (the full file is linked beside it)."""
    evidence = g.evidence
    path = evidence_service.path_of(evidence)
    if not path.is_file():
        abort(404)
    try:
        png = evidence_preview.preview_png(path, evidence.content_type)
    except evidence_preview.NoPreview:
        png = evidence_preview.placeholder_png()
    response = Response(png, mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
