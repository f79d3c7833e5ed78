"""The printed passport: an A4 page, and the same template as a PDF."""
from __future__ import annotations

import re

from flask import Blueprint, Response, g, render_template

from skillpass.access import VIEW_PERSON, guard
from skillpass.clock import today
from skillpass.print.pdf import render_pdf
from skillpass.services.passport import build_passport
from skillpass.services.settings import get_settings

bp = Blueprint("print", __name__)


def render_passport_html(person, *, for_pdf: bool) -> str:
    settings = get_settings()
    passport = build_passport(person, today=today(), warning_days=settings.warning_days)
    return render_template("print/passport.html", passport=passport, person=person, for_pdf=for_pdf)


@bp.get("/people/<int:person_id>/passport/print")
@guard(VIEW_PERSON)
def passport(person_id: int):
    return render_passport_html(g.person, for_pdf=False)


@bp.get("/people/<int:person_id>/passport.pdf")
@guard(VIEW_PERSON)
def passport_pdf(person_id: int):
    html = render_passport_html(g.person, for_pdf=True)
    pdf = render_pdf(html)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", g.person.name).strip("-").lower() or "passport"
    filename = f"skills-passport-{slug}-{today().isoformat()}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
