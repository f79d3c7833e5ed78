"""The people list: live search, so any passport is two clicks from home."""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from skillpass import htmx, transaction
from skillpass.access import ADMIN, STAFF, guard
from skillpass.extensions import db
from skillpass.inputs import page_number, to_id
from skillpass.clock import today
from skillpass.models import PassportTemplate, Person, Role
from skillpass.people.forms import ActiveForm, AssignmentForm, PersonDetailsForm, SupportedTeamsForm
from skillpass.services.errors import DomainError, ValidationFailed
from skillpass.services import people as people_service
from skillpass.services import directory, invitations, submissions

bp = Blueprint("people", __name__, url_prefix="/people")

PAGE_SIZE = 50


def _filters() -> directory.PeopleFilters:
    args = request.args
    role = args.get("role") or ""
    status = args.get("status") or "active"
    return directory.PeopleFilters(
        q=(args.get("q") or "").strip()[:100],
        team=to_id(args.get("team", "")),
        job_role=(args.get("job_role") or "").strip()[:120],
        role=role if role in {r.value for r in Role} else "",
        status=status if status in directory.STATUSES else "active",
    )


@bp.get("/")
@guard(STAFF)
def index():
    filters = _filters()
    found = directory.find_people(current_user, filters, page=page_number(request.args.get("page")),
                                  page_size=PAGE_SIZE)
    shown = {k: v for k, v in asdict(filters).items() if v and not (k == "status" and v == "active")}
    # Signed in / invited / never invited, for admins (who invite): two queries for the page.
    states = invitations.states([p.id for p in found.people]) if current_user.is_admin else {}
    context = dict(people=found.people, states=states, q=filters.q, filters=asdict(filters), total=found.total,
                   page_size=PAGE_SIZE, page=found.page, pages=found.pages,
                   page_url=lambda n: url_for("people.index", **shown, page=n), filtered=bool(shown))
    if htmx.is_htmx():
        return render_template("people/_results.html", **context)
    # The job roles of the people this viewer can see: an educator is offered only their teams' ones.
    return render_template("people/index.html", teams=directory.teams_to_filter_by(current_user),
                           job_roles=directory.job_roles(current_user), roles=list(Role), **context)


@bp.route("/<int:person_id>/teams", methods=["GET", "POST"])
@guard(ADMIN)
def supported_teams(person_id: int):
    """The teams an educator supports: whose entries they sign off and whose passports they see."""
    person = db.get_or_404(Person, person_id)
    if person.role is not Role.EDUCATOR:
        abort(404)
    teams = directory.teams()
    if request.method == "POST":
        chosen = set(SupportedTeamsForm().team.data)
        people_service.set_supported_teams(actor=current_user, educator=person,
                                           teams=[t for t in teams if t.id in chosen])
        names = ", ".join(t.name for t in person.supported_teams) or "no team"
        flash(f"{person.name} now supports {names}.")
        return redirect(url_for("passport.detail", person_id=person.id), code=303)
    return render_template("people/teams.html", person=person, teams=teams,
                           chosen={t.id for t in person.supported_teams})


# ---------------------------------------------------------------- admin: people

def _form_from_request() -> tuple[people_service.PersonForm, PersonDetailsForm]:
    details = PersonDetailsForm()
    return people_service.PersonForm(**details.values), details


def _start_date_field(start: dt.date) -> PersonDetailsForm:
    """The start date's boxes on a form not yet sent."""
    return PersonDetailsForm(formdata=None, start_date=start)


def _errors_of(error: DomainError, details: PersonDetailsForm) -> dict[str, str]:
    """The service's messages, with the date input's own where the start date was not a date at all."""
    problem = details.start_date.message()
    return {**error.errors, "start_date": problem} if problem else error.errors


def _form_from_person(person: Person) -> people_service.PersonForm:
    return people_service.PersonForm(
        name=person.name, email=person.email, employee_number=person.employee_number or "",
        job_role=person.job_role, team_id=str(person.team_id or ""), start_date=person.start_date.isoformat(),
        role=person.role.value,
    )


def _teams_for_form(person: Person | None = None):
    return directory.teams_for_person_form(person)


@bp.route("/new", methods=["GET", "POST"])
@guard(ADMIN)
def new():
    form, errors = people_service.PersonForm(start_date=today().isoformat()), {}
    details = _start_date_field(today())
    if request.method == "POST":
        form, details = _form_from_request()
        try:
            submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint,
                              already="This form was sent twice: the person was added the first time, and not "
                                      "again. Find them under People; if you did not see their temporary password, "
                                      "set a new one from their page.")
            person, password = people_service.create_person(actor=current_user, form=form, today=today())
        except DomainError as error:
            errors = _errors_of(error, details)
        else:
            return render_template("people/password.html", person=person, password=password, created=True)
    return render_template("people/form.html", form=form, errors=errors, person=None, start=details.start_date,
                           teams=_teams_for_form(), roles=list(Role)), (422 if errors else 200)


def _assignments(person: Person):
    return directory.assignments_of(person)


@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
@guard(ADMIN)
def edit(person_id: int):
    person = db.get_or_404(Person, person_id)
    form, errors = _form_from_person(person), {}
    details = _start_date_field(person.start_date)
    if request.method == "POST":
        form, details = _form_from_request()
        try:
            changed = people_service.update_person(actor=current_user, person=person, form=form, today=today())
        except DomainError as error:
            errors = _errors_of(error, details)
        else:
            flash(f"{person.name}: saved." if changed else "Nothing changed.")
            return redirect(url_for("people.edit", person_id=person.id), code=303)
    live, available = _assignments(person)
    return render_template("people/form.html", form=form, errors=errors, person=person, start=details.start_date,
                           teams=_teams_for_form(person), invite_state=invitations.states([person.id])[person.id],
                           roles=list(Role), assignments=live, available=available), (422 if errors else 200)


@bp.post("/<int:person_id>/active")
@guard(ADMIN)
def set_active(person_id: int):
    person = db.get_or_404(Person, person_id)
    active = ActiveForm().active.data == "1"
    try:
        people_service.set_active(actor=current_user, person=person, active=active, today=today())
    except DomainError as error:
        transaction.discard()
        flash(next(iter(error.errors.values())))
    else:
        flash(f"{person.name} {'can sign in again' if active else 'is deactivated: they cannot sign in; their records are kept'}.")
    return redirect(url_for("people.edit", person_id=person.id), code=303)


@bp.post("/<int:person_id>/password")
@guard(ADMIN)
def reset_password(person_id: int):
    person = db.get_or_404(Person, person_id)
    password = people_service.reset_password(actor=current_user, person=person)
    return render_template("people/password.html", person=person, password=password, created=False)


@bp.post("/<int:person_id>/assignments")
@guard(ADMIN)
def assignments(person_id: int):
    """Add (action=add) or remove (action=remove) a passport template by hand."""
    person = db.get_or_404(Person, person_id)
    form = AssignmentForm()
    template = db.session.get(PassportTemplate, form.template_id.data) if form.template_id.data else None
    try:
        if template is None:
            raise ValidationFailed({"template_id": "Choose a passport."})
        if form.action.data == "remove":
            people_service.unassign(actor=current_user, person=person, template=template, today=today())
            message = f"{template.name} is no longer assigned to {person.name}. Their records are kept."
        else:
            people_service.assign(actor=current_user, person=person, template=template, today=today())
            message = f"{template.name} assigned to {person.name}."
    except DomainError as error:
        transaction.discard()
        message = next(iter(error.errors.values()))
    flash(message)
    return redirect(url_for("people.edit", person_id=person.id) + "#assignments", code=303)
