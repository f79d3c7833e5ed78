"""The public verify page a printed passport's QR code and short link open (PRODUCT.md §6.6), and the page where
the learner (or an admin) sees that link and withdraws or replaces it.

The verify page shows only the person's name, the organisation, and their passports' items with dates, status
and whether each record is authentic and current, expired or revoked: nothing else. It is rate-limited per
client address (counted in the database: every web server shares the count), never indexed, never cached, and
sends no referrer.
"""
from __future__ import annotations

from flask import current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import HiddenField
from wtforms.validators import AnyOf

from skillpass.access import OWN_OR_ADMIN, PUBLIC, guard
from skillpass.credentials.views import bp
from skillpass.extensions import db
from skillpass.forms import PostedForm
from skillpass.services.credentials import verify_links
from skillpass.services.settings import get_settings

WITHDRAWN = "The verify link has been withdrawn: printed passports that carry it no longer show your records."
RENEWED = "A new verify link has been made: passports printed from now carry it; the old one no longer works."
MADE = "A verify link has been made: every passport printed from now carries it."


def _public(response, status: int):
    response.status_code = status
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _plain(status: int, title: str, words: str, *, retry_after: int | None = None):
    response = _public(make_response(render_template("credentials/verify_plain.html", title=title, words=words,
                                                     organisation=get_settings().organisation_name)), status)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


@bp.get("/v/<token>")
@guard(PUBLIC)
def verify(token: str):
    """The records of the person whose printed passport carries *token*, as they are today."""
    views = verify_links.count_view(request.remote_addr or "unknown")
    # Kept whatever the answer (a refusal included): the views are what the limit counts.
    db.session.commit()
    if views > verify_links.limit():
        current_app.logger.warning("verify page rate limit reached from %s", request.remote_addr)
        return _plain(429, "Too many checks",
                      "Too many passports have been checked from your address in the last minute. "
                      "Wait a minute, then try again.", retry_after=60)
    link = verify_links.find(token)
    if link is None:
        return _plain(404, "Passport not found",
                      "No passport has this link. Check that it was typed as printed.")
    if not link.live:
        return _plain(410, "This link has been withdrawn",
                      "This link has been withdrawn by its holder or the organisation, so it no longer shows "
                      "their records. Ask them for a newly printed passport.")
    checked = verify_links.check(verify_links.holder(link))
    return _public(make_response(render_template("credentials/verify.html", checked=checked)), 200)


class VerifyLinkForm(PostedForm):
    action = HiddenField(validators=[AnyOf(("withdraw", "new"), message="Choose what to do with the link.")])


@bp.route("/people/<int:person_id>/verify-link", methods=["GET", "POST"])
@guard(OWN_OR_ADMIN)
def verify_link(person_id: int):
    """The person's live verify link with its QR code and when it was made; POST action=withdraw withdraws it,
    action=new replaces it (or makes the first)."""
    person = g.person
    if request.method == "POST":
        form = VerifyLinkForm()
        if not form.validate():
            errors = [e for field in form.errors.values() for e in field]
            return _link_page(person, refusal=errors[0] if errors else "Try again."), 422
        if form.action.data == "withdraw":
            if verify_links.withdraw(person, current_user) is not None:
                flash(WITHDRAWN)
        else:
            had = verify_links.current(person) is not None
            verify_links.renew(person, current_user)
            flash(RENEWED if had else MADE)
        return redirect(url_for("credentials.verify_link", person_id=person.id), code=303)
    return _link_page(person)


def _link_page(person, *, refusal: str = ""):
    link = verify_links.current(person)
    printed = verify_links.printed(link.token) if link else None
    return render_template("credentials/verify_link.html", person=person, link=link, printed=printed,
                           own=person.id == current_user.id, refusal=refusal)
