"""Bringing in verified credentials from another organisation: an admin for anyone
(/people/<id>/credentials/import) and a person for themselves (/passport/credentials/import). Step one checks
the file and shows what would happen to each credential; step two (Bring them in) checks it again and records
them. Service: services/credentials/importing.py. (Its form is here, to keep the parts of issue 18 apart.)"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import StringField

from skillpass.access import ADMIN, SIGNED_IN, guard
from skillpass.clock import today
from skillpass.credentials.views import bp
from skillpass.extensions import db
from skillpass.forms import PostedForm, form_problems
from skillpass.models import Person
from skillpass.services.credentials import importing
from skillpass.services.errors import DomainError


class ImportForm(PostedForm):
    """The credentials pasted (the files are read from the request's files), the email address they were
    issued to when it is not the person's address here, and, on the confirming step, the file checked."""
    pasted = StringField(default="")
    former_email = StringField(default="")
    checked = StringField(default="")
    #: "confirm": bring in what the check showed (verified again first).
    step = StringField(default="")
    controls = ("step",)


@bp.app_template_global()
def credential_check_words(entry) -> str:
    """For the sign-off queue: what was checked of an entry brought in as a verified credential, or ""."""
    return importing.entry_check_words(entry)


@bp.route("/people/<int:person_id>/credentials/import", methods=["GET", "POST"])
@guard(ADMIN)
def import_for(person_id: int):
    return _import(db.get_or_404(Person, person_id), own=False)


@bp.route("/passport/credentials/import", methods=["GET", "POST"])
@guard(SIGNED_IN)
def import_own():
    return _import(current_user, own=True)


def _uploads() -> list[tuple[str, bytes]]:
    return [(f.filename or "the file", f.read(importing.MAX_FILE_BYTES + 1))
            for f in request.files.getlist("file") if f and f.filename]


def _import(person: Person, *, own: bool):
    form = ImportForm()
    errors: dict[str, str] = {}
    result = None
    text = ""
    if request.method == "POST":
        errors = form_problems(form)
        try:
            if errors:
                raise DomainError(errors)
            if form.step.data == "confirm":
                text = form.checked.data or ""
                result, entries = importing.bring_in(text, actor=current_user, person=person,
                                                     former_email=form.former_email.data or "", today=today())
                accepted = sum(e.status.value == "accepted" for e in entries)
                waiting = len(entries) - accepted
                parts = []
                if accepted:
                    parts.append(f"{accepted} accepted at once by agreement")
                if waiting:
                    parts.append(f"{waiting} awaiting an educator's approval")
                flash(f"{len(entries)} verified credential{'s' if len(entries) != 1 else ''} brought in: "
                      + " and ".join(parts) + ".")
                target = (url_for("passport.index") if own
                          else url_for("passport.detail", person_id=person.id))
                return redirect(target, code=303)
            text = importing.read_upload(_uploads(), form.pasted.data or "")
            result = importing.check(text, person=person, former_email=form.former_email.data or "",
                                     today=today())
            importing.audit_refusals(actor=current_user, person=person, result=result)
        except DomainError as error:
            errors = error.errors
            if form.step.data == "confirm" and text:
                # Show what the file holds now, with why nothing was brought in.
                result = importing.check(text, person=person, former_email=form.former_email.data or "",
                                         today=today())
    action = url_for("credentials.import_own") if own else url_for("credentials.import_for", person_id=person.id)
    # A check is an answer, not a refused form (200, its refusals audited and kept); a form that cannot be
    # checked, or a confirmation that brought nothing in, is 422 with the input kept.
    return render_template("credentials/importing/page.html", form=form, errors=errors, result=result, text=text,
                           person=person, own=own, action=action, importing=importing), 422 if errors else 200
