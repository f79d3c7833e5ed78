"""Trusted issuers (admins): the other organisations whose credentials are accepted, live and ended; adding one
(its keys pasted, or fetched from its address), changing one (name, agreement, note, keys replaced), ending one.
Services: services/credentials/service.py. (Its forms are here, not in a shared forms.py, to keep the
parts of issue 18 apart.)"""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import StringField

from skillpass import htmx
from skillpass.access import ADMIN, guard
from skillpass.credentials.views import bp
from skillpass.extensions import db
from skillpass.forms import Checkbox, PostedForm, form_problems
from skillpass.models import TrustedIssuer
from skillpass.services.credentials import trusted_issuers as service
from skillpass.services.errors import DomainError


class TrustedIssuerForm(PostedForm):
    name = StringField(default="")
    issuer_id = StringField(default="")
    jwks = StringField(default="")
    jwks_url = StringField(default="")
    accepted_by_agreement = Checkbox()
    note = StringField(default="")
    #: "fetch": fetch the keys from the address into the form; anything else saves.
    action = StringField(default="")
    controls = ("action",)


def _done(message: str) -> Response:
    flash(message)
    if htmx.is_htmx():
        return htmx.redirect(Response(""), url_for("credentials.trusted_issuers"))
    return redirect(url_for("credentials.trusted_issuers"), code=303)


@bp.get("/admin/trusted-issuers")
@guard(ADMIN)
def trusted_issuers():
    """The live trusted issuers, each with Change and End; the ended ones below."""
    live, ended = service.issuers()
    return render_template("credentials/trusted/index.html", live=live, ended=ended)


def _fetch_into(form: TrustedIssuerForm) -> tuple[dict, str]:
    """The "Fetch the keys" button: the keys at the address put into the form (not saved yet)."""
    try:
        form.jwks.data = service.fetch_jwks(form.jwks_url.data or "")
    except DomainError as error:
        return error.errors, ""
    count = len(service.parse_jwks(form.jwks.data)["keys"])
    return {}, f"{count} key{'s' if count != 1 else ''} fetched from {form.jwks_url.data.strip()}: check them below, then save."


def _render(template: str, partial: str, status: int, **context):
    if htmx.is_htmx():
        return render_template(partial, **context), status
    return render_template(template, **context), status


@bp.route("/admin/trusted-issuers/new", methods=["GET", "POST"])
@guard(ADMIN)
def trusted_issuer_new():
    form = TrustedIssuerForm()
    errors: dict[str, str] = {}
    fetched = ""
    if request.method == "POST":
        errors = form_problems(form)
        if not errors and form.action.data == "fetch":
            errors, fetched = _fetch_into(form)
        elif not errors:
            try:
                issuer = service.add_issuer(
                    actor=current_user, name=form.name.data or "", issuer_id=form.issuer_id.data or "",
                    jwks_text=form.jwks.data or "", jwks_url=form.jwks_url.data or "",
                    accepted_by_agreement=bool(form.accepted_by_agreement.data), note=form.note.data or "")
            except DomainError as error:
                errors = error.errors
            else:
                return _done(f"{issuer.name} added to the trusted issuers: their credentials can be brought in.")
    return _render("credentials/trusted/new.html", "credentials/trusted/_form.html", 422 if errors else 200,
                   form=form, errors=errors, fetched=fetched, issuer=None)


@bp.route("/admin/trusted-issuers/<int:issuer_id>/edit", methods=["GET", "POST"])
@guard(ADMIN)
def trusted_issuer_edit(issuer_id: int):
    issuer = db.get_or_404(TrustedIssuer, issuer_id)
    if request.method == "GET":
        form = TrustedIssuerForm(formdata=None, name=issuer.name, issuer_id=issuer.issuer_id,
                                 jwks_url=issuer.jwks_url, accepted_by_agreement=issuer.accepted_by_agreement,
                                 note=issuer.note)
    else:
        form = TrustedIssuerForm()
    errors: dict[str, str] = {}
    fetched = ""
    if request.method == "POST":
        errors = form_problems(form)
        if not errors and form.action.data == "fetch":
            errors, fetched = _fetch_into(form)
        elif not errors:
            try:
                had = issuer.jwks
                service.change_issuer(
                    actor=current_user, issuer=issuer, name=form.name.data or "", jwks_text=form.jwks.data or "",
                    jwks_url=form.jwks_url.data or "", accepted_by_agreement=bool(form.accepted_by_agreement.data),
                    note=form.note.data or "")
            except DomainError as error:
                errors = error.errors
            else:
                replaced = " Their pinned keys were replaced." if issuer.jwks != had else ""
                return _done(f"{issuer.name} changed.{replaced}")
    return _render("credentials/trusted/edit.html", "credentials/trusted/_form.html", 422 if errors else 200,
                   form=form, errors=errors, fetched=fetched, issuer=issuer)


@bp.route("/admin/trusted-issuers/<int:issuer_id>/end", methods=["GET", "POST"])
@guard(ADMIN)
def trusted_issuer_end(issuer_id: int):
    """End a trusted issuer: asks first. Ended, never deleted: what was brought in keeps its provenance."""
    issuer = db.get_or_404(TrustedIssuer, issuer_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        errors = form_problems(PostedForm())
        if not errors:
            try:
                service.end_issuer(actor=current_user, issuer=issuer)
            except DomainError as error:
                return _done(error.errors["__all__"])
            return _done(f"{issuer.name} ended: their credentials are no longer brought in. What was brought in "
                         "from them keeps its provenance.")
    return render_template("credentials/trusted/end.html", issuer=issuer, errors=errors), 422 if errors else 200
