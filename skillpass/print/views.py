"""The printed passport: an A4 page, and the same template as a PDF."""
from __future__ import annotations

import re

from flask import Blueprint, Response, g, request
from flask_login import current_user

from skillpass.access import VIEW_PERSON, guard
from skillpass.clock import today
from skillpass.print import render
from skillpass.services.credentials import verify_links
from skillpass.services.settings import get_settings

bp = Blueprint("print", __name__)


@bp.get("/people/<int:person_id>/passport/print")
@guard(VIEW_PERSON)
def passport(person_id: int):
    return render.passport_html(g.person, settings=get_settings(), for_pdf=False, verify=_verify(g.person))


def _verify(person):
    """The verify link (made on the first print) and its QR code, for the first page."""
    return verify_links.printed(verify_links.live_link(person, current_user).token)


@bp.get("/people/<int:person_id>/passport.pdf")
@guard(VIEW_PERSON)
def passport_pdf(person_id: int):
    pdf = render.passport_document(g.person, settings=get_settings(), base_url=request.url_root,
                                   verify=_verify(g.person)).write_pdf()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", g.person.name).strip("-").lower() or "passport"
    filename = f"skills-passport-{slug}-{today().isoformat()}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
