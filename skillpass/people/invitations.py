"""Inviting people by email: one person from their page, everyone an import added (from the import's
result), or everyone who has never signed in (from the people list), each after a confirm step that
names how many."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from skillpass import transaction
from skillpass.access import ADMIN, guard
from skillpass.extensions import db
from skillpass.inputs import to_id
from skillpass.models import Message, MessageStatus, Person
from skillpass.people.views import bp
from skillpass.services import invitations, mail, submissions
from skillpass.services.errors import DomainError

ALREADY = "This form was sent twice: the invitations went the first time, and not again."


def _outcome(messages: list[Message | None], *, who: str) -> str:
    """What happened to the invitations, in one sentence."""
    failed = sum(1 for m in messages if m is not None and m.status is MessageStatus.FAILED)
    kept = sum(1 for m in messages if m is not None and m.status is MessageStatus.KEPT)
    if failed:
        return (f"{failed} of {len(messages)} invitations to {who} could not be sent: see Email, Failed. "
                "They are tried again when you invite again.")
    if kept:
        return (f"Invitation{'s' if len(messages) != 1 else ''} to {who} kept in the outbox: no email server is set "
                "up. Read them under Email.")
    if any(m is not None and m.status is MessageStatus.QUEUED for m in messages):
        # Sent once this request has committed, on a thread of its own: never lost, never sent if not saved.
        return (f"Invitation{'s' if len(messages) != 1 else ''} to {who} on {'their' if len(messages) != 1 else 'its'} "
                "way. Any the email server refuses are listed under Email, Failed, and tried again.")
    return f"Invitation{'s' if len(messages) != 1 else ''} sent to {who}."


@bp.post("/<int:person_id>/invite")
@guard(ADMIN)
def invite(person_id: int):
    person = db.get_or_404(Person, person_id)
    back = redirect(url_for("people.edit", person_id=person.id) + "#sign-in", code=303)
    try:
        submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint,
                          already=ALREADY)
    except DomainError as error:
        transaction.discard()
        flash(next(iter(error.errors.values())))
        return back
    if not person.active:
        transaction.discard()
        flash(f"{person.name} is deactivated: reactivate them before inviting them.")
        return back
    message = invitations.invite(actor=current_user, person=person)
    flash(_outcome([message], who=f"{person.name} ({person.email})"))
    return back


def _group() -> tuple[str, str, list[Person], str]:
    """(which group, its import's id, its people, how the page names them) from the address or the form."""
    import_id = to_id(request.values.get("import", ""))
    if import_id is not None:
        event, people = invitations.added_by_import(import_id)
        filename = (event.after or {}).get("file", "") if event else ""
        return "import", str(import_id), people, f"the {len(people)} people just added by the import of {filename}"
    people = invitations.never_signed_in()
    return "never", "", people, f"the {len(people)} people who have never signed in"


@bp.route("/invite", methods=["GET", "POST"])
@guard(ADMIN)
def invite_many():
    group, import_id, people, named = _group()
    if request.method == "POST" and people:
        try:
            submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint,
                              already=ALREADY)
        except DomainError as error:
            transaction.discard()
            flash(next(iter(error.errors.values())))
            return redirect(url_for("people.index"), code=303)
        messages = invitations.invite_many(actor=current_user, people=people)
        flash(_outcome(messages, who=f"{len(people)} {'person' if len(people) == 1 else 'people'}"))
        return redirect(url_for("people.index"), code=303)
    return render_template("people/invite.html", group=group, import_id=import_id, people=people, named=named,
                           smtp=mail.smtp_configured())
