"""A learner's informal learning log: changing and deleting their own entries (adding is in views.py).

Each action works inline (htmx swaps the log section, the entry's row becoming its form) and as a full page
without JavaScript. Deleting asks first, naming the entry. Only the owner reaches these routes
(access.OWN_INFORMAL). An entry deleted meanwhile (another tab, a second press) answers with the log as it
stands and says so, never an error page.
"""
from __future__ import annotations

from flask import flash, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from skillpass import htmx, transaction
from skillpass.access import OWN_INFORMAL, guard
from skillpass.clock import today
from skillpass.passport.forms import InformalForm, field_errors
from skillpass.passport.views import bp
from skillpass.services import informal as informal_service
from skillpass.services.errors import Conflict, DomainError
from skillpass.services.passport import build_passport
from skillpass.services.settings import get_settings

LOG = "#informal-learning"


def _log(**extra):
    """The informal learning section as it now stands, for htmx."""
    person = current_user._get_current_object()
    passport = build_passport(person, today=today(), warning_days=get_settings().warning_days)
    context = dict(passport=passport, person=person, can_record=True,
                   informal_form=InformalForm(formdata=None, completed_on=today()), informal_errors={})
    context.update(extra)
    return render_template("passport/_informal.html", **context)


def _gone(error: DomainError):
    """Deleted a moment ago (another tab): the log as it stands, with the news; nothing was changed."""
    transaction.discard()
    message = next(iter(error.errors.values()))
    if htmx.is_htmx():
        return htmx.announce(make_response(_log()), message)
    flash(message)
    return redirect(url_for("passport.index") + LOG, code=303)


@bp.get("/informal/<int:informal_id>/edit")
@guard(OWN_INFORMAL)
def informal_edit(informal_id: int):
    entry = g.informal
    if entry.withdrawn_at is not None:
        return _gone(Conflict(informal_service.GONE))
    form = InformalForm(formdata=None, obj=entry)
    if htmx.is_htmx():
        return _log(editing=entry.id, edit_form=form, edit_errors={})
    return render_template("passport/informal_edit.html", entry=entry, edit_form=form, edit_errors={})


@bp.post("/informal/<int:informal_id>/edit")
@guard(OWN_INFORMAL)
def informal_update(informal_id: int):
    entry = g.informal
    form = InformalForm()
    errors: dict[str, str] = {}
    if form.validate():
        try:
            informal_service.edit_informal(
                actor=current_user, entry=entry, title=form.title.data, completed_on=form.completed_on.data,
                hours=form.hours.data, reflection=form.reflection.data, upload=request.files.get("evidence"),
                max_upload_mb=get_settings().max_upload_mb, today=today(),
            )
        except Conflict as error:
            return _gone(error)
        except DomainError as error:
            errors = error.errors
        else:
            message = f"Saved your changes to {entry.title}."
            if not htmx.is_htmx():
                flash(message)
                return redirect(url_for("passport.index") + f"#informal-{entry.id}", code=303)
            return htmx.announce(make_response(_log(saved=entry.id)), message)
    else:
        errors = field_errors(form)
    if htmx.is_htmx():
        return _log(editing=entry.id, edit_form=form, edit_errors=errors), 422
    return render_template("passport/informal_edit.html", entry=entry, edit_form=form, edit_errors=errors), 422


@bp.get("/informal/<int:informal_id>/delete")
@guard(OWN_INFORMAL)
def informal_remove_confirm(informal_id: int):
    if g.informal.withdrawn_at is not None:
        return _gone(Conflict(informal_service.GONE))
    if htmx.is_htmx():
        return _log(removing=g.informal.id)
    return render_template("passport/informal_remove.html", entry=g.informal)


@bp.post("/informal/<int:informal_id>/delete")
@guard(OWN_INFORMAL)
def informal_remove(informal_id: int):
    entry = g.informal
    try:
        informal_service.remove_informal(actor=current_user, entry=entry)
    except Conflict as error:
        return _gone(error)
    message = f"Deleted from your informal learning log: {entry.title}."
    if not htmx.is_htmx():
        flash(message)
        return redirect(url_for("passport.index") + LOG, code=303)
    return htmx.announce(make_response(_log(removed=True)), message)
