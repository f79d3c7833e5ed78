"""Credit across passports (admins): the mappings, live and ended; a new one, shown first as what it would
change and saved when that is confirmed; ending one, which asks first with what it would change."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from skillpass import htmx
from skillpass.access import ADMIN, guard
from skillpass.clock import today
from skillpass.credit.forms import MappingForm
from skillpass.extensions import db
from skillpass.forms import PostedForm, form_problems
from skillpass.models import CreditMapping
from skillpass.services import credit_impact, credit_mappings, submissions
from skillpass.services.errors import DomainError
from skillpass.services.settings import get_settings

bp = Blueprint("credit", __name__, url_prefix="/admin/credit")


def _done(message: str) -> Response:
    """After a save: back to the list, with the message (htmx follows HX-Redirect; without it, 303)."""
    flash(message)
    if htmx.is_htmx():
        return htmx.redirect(Response(""), url_for("credit.index"))
    return redirect(url_for("credit.index"), code=303)


@bp.get("/")
@guard(ADMIN)
def index():
    """The live mappings, each with End; the ended ones below them."""
    live, ended = credit_mappings.mappings()
    return render_template("credit/index.html", live=live, ended=ended)


@bp.route("/new", methods=["GET", "POST"])
@guard(ADMIN)
def new():
    """A new mapping: the source, the items it counts as and a note. A POST checks it and shows whose rows it
    would change; the Save button of that preview (its fingerprint) saves it."""
    form = MappingForm()
    errors: dict[str, str] = {}
    preview = None
    if request.method == "POST":
        errors = form_problems(form)
        try:
            if errors:
                raise DomainError(errors)
            if form.confirmed.data:     # a Save: the form is taken once, however often it is sent
                submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint)
            proposal = credit_mappings.check(
                source_kind=form.source_kind.data, source_item_id=form.source_item.data,
                qualification=form.source_qualification.data, target_ids=form.target.data, note=form.note.data)
            preview = credit_impact.preview(proposal, today=today(), warning_days=get_settings().warning_days)
            mapping = None
            if form.confirmed.data == preview.fingerprint:
                mapping = credit_mappings.create_mapping(actor=current_user, proposal=proposal)
        except DomainError as error:
            errors, preview = error.errors, None
        else:
            if mapping is not None:
                return _done(f"Mapping saved: {proposal.words}. {preview.headline}")
    context = dict(form=form, errors=errors, preview=preview, passports=credit_mappings.choices(),
                   chosen_targets=set(form.target.data or ()))
    status = 422 if errors else 200
    if htmx.is_htmx():
        return render_template("credit/_form.html", **context), status
    return render_template("credit/new.html", **context), status


@bp.route("/<int:mapping_id>/end", methods=["GET", "POST"])
@guard(ADMIN)
def end(mapping_id: int):
    """End a mapping: asks first, with whose rows go back to their own entries. Ended, never deleted."""
    mapping = db.get_or_404(CreditMapping, mapping_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        errors = form_problems(PostedForm())
        if not errors:
            view = credit_mappings.view_of(mapping)
            try:
                credit_mappings.end_mapping(actor=current_user, mapping=mapping)
            except DomainError as error:     # ended already (by another admin, or this form sent twice)
                return _done(error.errors["__all__"])
            return _done(f"Mapping ended: {view.words}. The rows it met count their own records again.")
    context = dict(mapping=credit_mappings.view_of(mapping), errors=errors, inline=htmx.is_htmx(),
                   preview=credit_impact.ending_preview(mapping, today=today(),
                                                          warning_days=get_settings().warning_days))
    status = 422 if errors else 200
    if htmx.is_htmx():
        return render_template("credit/_end.html", **context), status
    return render_template("credit/end.html", **context), status
