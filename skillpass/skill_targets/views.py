"""A person's skills page for staff (PRODUCT.md §6.5): each published framework's areas, self-assessed and
confirmed side by side, the target and the gap. Those who may decide for the person (their educator, an
admin; never themselves) confirm a level or set the person's own target from a row: in the row with htmx,
as a page without JavaScript."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from skillpass import htmx
from skillpass.access import DECIDE_FOR_PERSON, VIEW_PERSON, guard
from skillpass.clock import today
from skillpass.models import SkillLevel
from skillpass.permissions import can_decide_for
from skillpass.services import submissions
from skillpass.services.errors import DomainError
from skillpass.services.skills import confirmations, targets
from skillpass.skill_targets.forms import ConfirmForm, TargetForm

bp = Blueprint("skill_targets", __name__)


def _skills_url(person, area_id: int | None = None) -> str:
    return url_for("skill_targets.person", person_id=person.id) + (f"#skill-area-{area_id}" if area_id else "")


def _area_or_404(area_id: int):
    area = confirmations.live_area(area_id)
    if area is None:
        abort(404)
    return area


def _flags(person) -> dict:
    return dict(person=person, can_decide=can_decide_for(current_user, person), levels=list(SkillLevel))


@bp.get("/people/<int:person_id>/skills")
@guard(VIEW_PERSON)
def person(person_id: int):
    person = g.person
    return render_template("skill_targets/person.html", frameworks=confirmations.person_skills(person),
                           **_flags(person))


@bp.get("/people/<int:person_id>/skills/<int:area_id>")
@guard(VIEW_PERSON)
def row(person_id: int, area_id: int):
    """One area's row as it stands (what Cancel brings back with htmx); the page without it."""
    area = _area_or_404(area_id)
    if not htmx.is_htmx():
        return redirect(_skills_url(g.person, area.id))
    return _row_response(g.person, area)


def _row_response(person, area, *, message: str = "", done: str = ""):
    """The area's row for htmx: as it now stands, with what was just done (focused) and the news."""
    row = confirmations.area_standing(person, area)
    response = make_response(render_template("skill_targets/_row.html", row=row, done={area.id: done} if done else {},
                                             **_flags(person)))
    htmx.announce(response, message)
    if done:
        htmx.trigger(response, "skillsChanged")
    return htmx.add_vary(response)


def _saved(person, area, message: str, done: str):
    if htmx.is_htmx():
        return _row_response(person, area, message=message, done=done)
    flash(message)
    return redirect(_skills_url(person, area.id), code=303)


def _form_response(template: str, context: dict, status: int):
    """The form in the area's row (htmx) or as its own page."""
    if htmx.is_htmx():
        return htmx.add_vary(make_response(render_template(f"skill_targets/_{template}_row.html", **context), status))
    return render_template(f"skill_targets/{template}.html", **context), status


@bp.route("/people/<int:person_id>/skills/<int:area_id>/confirm", methods=["GET", "POST"])
@guard(DECIDE_FOR_PERSON)
def confirm(person_id: int, area_id: int):
    """Record the level an educator confirms, with a note (required when it differs from the self-assessed
    level); shown beside the self-assessed level, never in its place."""
    person = g.person
    area = _area_or_404(area_id)
    row = confirmations.area_standing(person, area)
    current = row.confirmed_level if row.confirmed_level is not None else row.self_level
    values = {"level": "" if current is None else str(int(current)), "note": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = ConfirmForm().values
        try:
            submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint)
            confirmed = confirmations.confirm(actor=current_user, person=person, area=area, level=values["level"],
                                              note=values["note"], today=today())
        except DomainError as error:
            errors = error.errors
        else:
            level = SkillLevel(confirmed.level).label
            return _saved(person, area, f"{person.name}: {area.name} confirmed as {level}.", f"Confirmed: {level}")
    context = dict(area=area, row=row, values=values, errors=errors,
                   evidence=confirmations.evidence(person, row),
                   history=confirmations.history(person.id, area.id), **_flags(person))
    return _form_response("confirm", context, 422 if errors else 200)


@bp.route("/people/<int:person_id>/skills/<int:area_id>/target", methods=["GET", "POST"])
@guard(DECIDE_FOR_PERSON)
def target(person_id: int, area_id: int):
    """Set the person's own target in the area (a level or a range), overriding their job role's; or remove
    it, so their job role's counts again."""
    person = g.person
    area = _area_or_404(area_id)
    own = targets.person_target(person.id, area.id)
    values = {"minimum": str(own.minimum) if own else "", "maximum": str(own.maximum or "") if own else ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = TargetForm()
        values = form.values
        try:
            if form.action.data == "clear":
                removed = targets.clear_person_target(actor=current_user, person=person, area=area)
                role_words = _role_words(person, area)
                message = (f"{person.name}: {area.name} own target removed; {role_words}." if removed
                           else f"{person.name} has no own target in {area.name}: {role_words}.")
                return _saved(person, area, message, "Target: " + role_words)
            saved = targets.set_person_target(actor=current_user, person=person, area=area,
                                              minimum=values["minimum"], maximum=values["maximum"])
        except DomainError as error:
            errors = error.errors
        else:
            return _saved(person, area, f"{person.name}: own target in {area.name} set to {saved.words}.",
                          f"Target set: {saved.words}")
    context = dict(area=area, row=confirmations.area_standing(person, area), own=own, values=values, errors=errors,
                   role_target=targets.role_target(person.job_role, area.id), **_flags(person))
    return _form_response("target", context, 422 if errors else 200)


def _role_words(person, area) -> str:
    role = targets.role_target(person.job_role, area.id)
    if role is None:
        return f"no target for {person.job_role}" if person.job_role else "no job role target"
    return f"the job role's target counts ({role.words})"
