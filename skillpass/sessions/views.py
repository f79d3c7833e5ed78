"""Training sessions (registers): an educator or admin records one item, one date, many people; each gets an
entry accepted at once that names the session. A list of recent sessions, each session's page, its print and
PDF, and its signed attendance sheet."""
from __future__ import annotations

import re

from flask import Blueprint, Response, abort, flash, g, make_response, redirect, render_template, request, \
    send_file, url_for
from flask_login import current_user

from skillpass import htmx
from skillpass.access import STAFF, VIEW_SESSION, guard
from skillpass.clock import today
from skillpass.inputs import ids, to_id
from skillpass.permissions import can_view_person
from skillpass.print.pdf import render_document
from skillpass.rules import format_date
from skillpass.services import evidence as evidence_service
from skillpass.services import sessions, submissions
from skillpass.services.errors import DomainError
from skillpass.services.settings import get_settings
from skillpass.sessions.forms import SessionForm

bp = Blueprint("sessions", __name__, url_prefix="/sessions")


@bp.get("/")
@guard(STAFF)
def index():
    return render_template("sessions/index.html", rows=sessions.recent_sessions(current_user))


@bp.route("/new", methods=["GET", "POST"])
@guard(STAFF)
def new():
    if request.method == "GET":
        form = SessionForm(formdata=None, item=to_id(request.args.get("item", "")), held_on=today(),
                           q=request.args.get("q", ""))
        return _form(form, {}, 200)
    form = SessionForm()
    form.validate()
    errors = {"held_on": form.held_on.errors[0]} if form.held_on.errors else {}
    if form.action.data != "save":
        # Searching or choosing another item: nothing is recorded, the form comes back as it was typed.
        return _form(form, {}, 200)
    item = sessions.session_item(form.item.data)
    if not errors:
        try:
            submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint)
            recorded = sessions.record_session(
                actor=current_user, item=item, held_on=form.held_on.data, trainer=form.trainer.data or "",
                venue=form.venue.data or "", person_ids=form.people.data,
                numbers_text=form.employee_numbers.data or "", upload=request.files.get("evidence"),
                max_upload_mb=get_settings().max_upload_mb, today=today())
        except DomainError as error:
            errors = error.errors
        else:
            return _recorded(recorded, item)
    return _form(form, errors, 422)


def _recorded(recorded: sessions.Recorded, item):
    count = len(recorded.entries)
    flash(f"{item.title}: training session of {format_date(recorded.session.held_on)} recorded for {count} "
          f"{'person' if count == 1 else 'people'}, accepted at once.")
    if recorded.left_out:
        flash("Left out: " + "; ".join(recorded.left_out) + ".")
    url = url_for("sessions.detail", session_id=recorded.session.id)
    if htmx.is_htmx():
        return htmx.redirect(make_response("", 200), url)
    return redirect(url, code=303)


def _form(form: SessionForm, errors: dict, status: int):
    item = sessions.session_item(form.item.data)
    ticked = tuple(form.people.data or ())
    context = dict(form=form, errors=errors, choices=sessions.item_choices(), item=item, ticked=set(ticked),
                   people=sessions.candidates(current_user, item, q=form.q.data or "", ticked=ticked))
    if htmx.is_htmx():
        return render_template("sessions/_form.html", **context), status
    return render_template("sessions/new.html", **context), status


@bp.get("/new/people")
@guard(STAFF)
def people():
    """The people to tick for an item, narrowed by the search: the list region of the form, for htmx."""
    item_id, q = to_id(request.args.get("item", "")), request.args.get("q", "")
    if not htmx.is_htmx():
        return redirect(url_for("sessions.new", item=item_id, q=q or None))
    item = sessions.session_item(item_id)
    ticked = tuple(ids(request.args.getlist("people")))
    return render_template("sessions/_people.html", item=item, ticked=set(ticked), errors={},
                           people=sessions.candidates(current_user, item, q=q, ticked=ticked))


@bp.get("/<int:session_id>")
@guard(VIEW_SESSION)
def detail(session_id: int):
    return render_template("sessions/detail.html", view=sessions.session_view(g.training_session),
                           can_view_person=lambda p: can_view_person(current_user, p))


def _print_html(for_pdf: bool) -> str:
    return render_template("sessions/print.html", view=sessions.session_view(g.training_session),
                           organisation=get_settings().organisation_name, for_pdf=for_pdf, today=today())


@bp.get("/<int:session_id>/print")
@guard(VIEW_SESSION)
def print_page(session_id: int):
    return _print_html(for_pdf=False)


@bp.get("/<int:session_id>/register.pdf")
@guard(VIEW_SESSION)
def pdf(session_id: int):
    document = render_document(_print_html(for_pdf=True), base_url=request.url_root)
    session = g.training_session
    slug = re.sub(r"[^A-Za-z0-9]+", "-", sessions.session_view(session).item.title).strip("-").lower() or "session"
    return Response(document.write_pdf(), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="register-{slug}-{session.held_on.isoformat()}.pdf"'})


@bp.get("/<int:session_id>/sheet")
@guard(VIEW_SESSION)
def sheet(session_id: int):
    """The signed attendance sheet, to those who may see the session (it names everyone who attended)."""
    view = sessions.session_view(g.training_session)
    if view.sheet is None:
        abort(404)
    path = evidence_service.path_of(view.sheet)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=view.sheet.content_type, as_attachment=True,
                         download_name=view.sheet.original_name, max_age=0, etag=False)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
