"""The skills framework editor (admins, PRODUCT.md §6.5): the list of frameworks, a framework's name,
status (publish, archive, restore) and copy, and its exemptions and routes.

Everything is edited in place with htmx and is also a plain form that works without JavaScript (full pages
and redirects); a refusal comes back 422 with its messages in place and the input kept.
"""
from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from skillpass import htmx
from skillpass.access import ADMIN, guard
from skillpass.extensions import db
from skillpass.labels import field_labels
from skillpass.models import Item, TemplateStatus
from skillpass.models.skills import SkillArea, SkillExemption, SkillLevel, SkillRoute, SkillsFramework
from skillpass.services import submissions
from skillpass.services.errors import DomainError
from skillpass.services.skills import framework_links, frameworks
from skillpass.skills_editor.forms import CopyForm, ExemptionForm, FrameworkForm, RouteForm, StatusForm

bp = Blueprint("skills_editor", __name__, url_prefix="/admin/skills")

#: Sent by every change to the areas: the exemptions and routes (whose area lists name them) fetch again.
AREAS_CHANGED = "frameworkAreasChanged"


# ---------------------------------------------------------------- what the editor shows

def editor_url(framework_id: int, anchor: str = "") -> str:
    return url_for("skills_editor.framework", framework_id=framework_id) + (f"#{anchor}" if anchor else "")


def page(framework: SkillsFramework, status: int = 200, **state):
    return render_template("admin/skills/editor.html", **frameworks.editor(framework).context(),
                           state=state, focus=""), status


def partial(name: str, status: int = 200, *, announce: str = "", areas_changed: bool = False, **context):
    """A fragment for htmx, with the live region's news out of band."""
    response = htmx.announce(make_response(render_template(name, **context), status), announce)
    if areas_changed:
        htmx.trigger(response, AREAS_CHANGED)
    return htmx.add_vary(response)


def claim() -> None:
    submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint)


# ---------------------------------------------------------------- frameworks

@bp.route("/", methods=["GET", "POST"])
@guard(ADMIN)
def index():
    values = {"name": "", "description": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = FrameworkForm().values
        try:
            claim()
            framework = frameworks.create_framework(actor=current_user, **values)
        except DomainError as error:
            errors = error.errors
        else:
            flash(f"{framework.name} created as a draft. Add its areas and their statements, then publish it.")
            return redirect(editor_url(framework.id), code=303)
    listed = frameworks.framework_list()
    return render_template("admin/skills/index.html", frameworks=listed.frameworks, area_counts=listed.area_counts,
                           values=values, errors=errors), (422 if errors else 200)


@bp.route("/<int:framework_id>", methods=["GET", "POST"])
@guard(ADMIN)
def framework(framework_id: int):
    """The editor; a POST saves the name and description."""
    framework = db.get_or_404(SkillsFramework, framework_id)
    if request.method == "POST":
        values = FrameworkForm().values
        try:
            changed = frameworks.update_framework(actor=current_user, framework=framework, **values)
        except DomainError as error:
            return page(framework, 422, details=dict(values=values, errors=error.errors))
        flash(f"Saved {field_labels(changed)}." if changed else "Nothing changed.")
        return redirect(editor_url(framework.id), code=303)
    return page(framework)


@bp.post("/<int:framework_id>/status")
@guard(ADMIN)
def status(framework_id: int):
    """Publish (refused in place with each area's missing levels), archive or restore."""
    framework = db.get_or_404(SkillsFramework, framework_id)
    action = StatusForm().action.data
    if action == "publish":
        try:
            frameworks.publish(actor=current_user, framework=framework)
        except DomainError as error:
            return page(framework, 422, status_errors=error.errors)
        flash(f"{framework.name} is published: people can assess themselves against it.")
    elif action == "archive":
        frameworks.archive(actor=current_user, framework=framework)
        flash(f"{framework.name} archived: nobody starts a new assessment against it; every assessment, "
              f"level and target is kept.")
    elif action == "restore":
        frameworks.restore(actor=current_user, framework=framework)
        flash(f"{framework.name} restored as {'published' if framework.status is TemplateStatus.PUBLISHED else 'a draft'}.")
    return redirect(editor_url(framework.id), code=303)


@bp.post("/<int:framework_id>/copy")
@guard(ADMIN)
def copy(framework_id: int):
    framework = db.get_or_404(SkillsFramework, framework_id)
    name = CopyForm().name.data
    try:
        claim()
        new = frameworks.copy_framework(actor=current_user, framework=framework, name=name)
    except DomainError as error:
        return page(framework, 422, copy=dict(name=name, errors=error.errors))
    flash(f"{new.name} created as a draft copy of {framework.name} (targets are not copied).")
    return redirect(editor_url(new.id), code=303)


# ---------------------------------------------------------------- exemptions and routes

def _links(framework: SkillsFramework, status: int = 200, *, announce: str = "", focus: str = "", **state):
    return partial("admin/skills/_links.html", status, announce=announce, **frameworks.editor(framework).context(),
                   state=state, focus=focus)


@bp.get("/<int:framework_id>/links")
@guard(ADMIN)
def links(framework_id: int):
    """The exemptions and routes (fetched again when the areas change)."""
    framework = db.get_or_404(SkillsFramework, framework_id)
    if not htmx.is_htmx():
        return redirect(editor_url(framework.id, "exemptions"))
    return _links(framework)


def _added(framework, first_field: str, message: str, anchor: str):
    if htmx.is_htmx():
        return _links(framework, announce=message, focus=first_field)
    flash(message)
    return redirect(editor_url(framework.id, anchor), code=303)


def _refused(framework, key: str, values: dict, errors: dict):
    state = {key: dict(values=values, errors=errors)}
    if htmx.is_htmx():
        return _links(framework, 422, **state)
    return page(framework, 422, **state)


@bp.post("/<int:framework_id>/exemptions")
@guard(ADMIN)
def add_exemption(framework_id: int):
    framework = db.get_or_404(SkillsFramework, framework_id)
    values = ExemptionForm().values
    try:
        claim()
        exemption = framework_links.add_exemption(actor=current_user, framework=framework, **values)
    except DomainError as error:
        return _refused(framework, "new_exemption", values, error.errors)
    area = db.session.get(SkillArea, exemption.area_id)
    held = exemption.qualification or db.session.get(Item, exemption.item_id).title
    return _added(framework, "new-exemption-item_id", f"Exemption added: holding {held} sets at least "
                  f"{SkillLevel(exemption.level).label} in {area.name}.", "exemptions")


@bp.post("/<int:framework_id>/routes")
@guard(ADMIN)
def add_route(framework_id: int):
    framework = db.get_or_404(SkillsFramework, framework_id)
    values = RouteForm().values
    try:
        claim()
        route = framework_links.add_route(actor=current_user, framework=framework, **values)
    except DomainError as error:
        return _refused(framework, "new_route", values, error.errors)
    area = db.session.get(SkillArea, route.area_id)
    return _added(framework, "new-route-area_id", f"Route added to {SkillLevel(route.level).label} in {area.name}.",
                  "routes")


@bp.post("/exemptions/<int:exemption_id>/retire")
@guard(ADMIN)
def exemption_retire(exemption_id: int):
    exemption = db.get_or_404(SkillExemption, exemption_id)
    framework = db.session.get(SkillsFramework, exemption.framework_id)
    framework_links.retire_exemption(actor=current_user, exemption=exemption)
    message = "Exemption retired: it no longer sets anyone's level."
    if htmx.is_htmx():
        return _links(framework, announce=message, focus="exemptions-title")
    flash(message)
    return redirect(editor_url(framework.id, "exemptions"), code=303)


@bp.post("/routes/<int:skill_route_id>/retire")
@guard(ADMIN)
def route_retire(skill_route_id: int):
    route = db.get_or_404(SkillRoute, skill_route_id)
    area = db.session.get(SkillArea, route.area_id)
    framework = db.session.get(SkillsFramework, area.framework_id)
    framework_links.retire_route(actor=current_user, route=route)
    message = "Route retired: it is no longer offered to close a gap."
    if htmx.is_htmx():
        return _links(framework, announce=message, focus="routes-title")
    flash(message)
    return redirect(editor_url(framework.id, "routes"), code=303)
