"""Job roles' targets (admins): a framework's areas × job roles, each cell a level or a range; one job role's
targets edited on a form with a row per area. An admin may add a job role nobody holds yet, so targets are in
place before anyone starts. The job role travels in the query string (?job_role=…), never in the path."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from skillpass.access import ADMIN, guard
from skillpass.extensions import db
from skillpass.models import SkillLevel, SkillsFramework
from skillpass.services.errors import DomainError, ValidationFailed
from skillpass.services.skills import targets
from skillpass.skill_targets.forms import RoleForm
from skillpass.skill_targets.views import bp


@bp.get("/admin/skills/<int:framework_id>/targets")
@guard(ADMIN)
def roles(framework_id: int):
    framework = db.get_or_404(SkillsFramework, framework_id)
    return render_template("skill_targets/roles.html", grid=targets.role_grid(framework))


@bp.route("/admin/skills/<int:framework_id>/targets/role", methods=["GET", "POST"])
@guard(ADMIN)
def role(framework_id: int):
    """One job role's targets (?job_role=…), or, without one, a new job role and its targets."""
    framework = db.get_or_404(SkillsFramework, framework_id)
    grid = targets.role_grid(framework)
    errors: dict[str, str] = {}
    asked = request.form.get("job_role") if request.method == "POST" else request.args.get("job_role")
    job_role = ""
    if asked is not None:
        try:
            job_role = targets.check_role(asked)
        except ValidationFailed as error:
            errors = error.errors
    new = not job_role or job_role not in grid.roles
    values = {area.id: _cell_values(grid.target(job_role, area.id)) for area in grid.areas}
    if request.method == "POST":
        form = RoleForm()
        values = {area.id: (request.form.get(f"area-{area.id}-minimum", ""),
                            request.form.get(f"area-{area.id}-maximum", "")) for area in grid.areas}
        try:
            changed = targets.set_role_targets(actor=current_user, framework=framework, job_role=form.job_role.data,
                                               values=values, new=new)
        except DomainError as error:
            errors = error.errors
        else:
            role_name = targets.check_role(form.job_role.data)
            flash(f"Targets for {role_name} saved: {changed} area{'' if changed == 1 else 's'} changed."
                  if changed else f"Targets for {role_name}: nothing changed.")
            return redirect(url_for("skill_targets.roles", framework_id=framework.id) + "#targets", code=303)
    status = 422 if errors else 200
    return render_template("skill_targets/role.html", grid=grid, job_role=job_role if not errors.get("job_role") else "",
                           typed=asked or "", new=new, values=values, errors=errors, levels=SkillLevel.stated(),
                           people=grid.people.get(job_role, 0)), status


def _cell_values(target) -> tuple[str, str]:
    if target is None:
        return "", ""
    return str(target.minimum), str(target.maximum or "")
