"""A framework's areas and their statements: add, edit, move, retire or remove, restore — each in place with
htmx (the area, or the whole list of areas, swapped) and as a plain form without JavaScript."""
from __future__ import annotations

from flask import flash, redirect, render_template, request
from flask_login import current_user

from skillpass import htmx
from skillpass.access import ADMIN, guard
from skillpass.extensions import db
from skillpass.models.skills import SkillArea, SkillLevel, SkillsFramework, SkillStatement
from skillpass.services.errors import DomainError
from skillpass.services.skills import framework_parts as service
from skillpass.services.skills import frameworks
from skillpass.skills_editor.forms import AreaForm, MoveForm, RemoveForm, StatementEditForm, StatementForm
from skillpass.skills_editor.views import bp, claim, editor_url, page, partial


def _area_or_404(area_id: int) -> tuple[SkillArea, SkillsFramework]:
    area = db.get_or_404(SkillArea, area_id)
    return area, db.session.get(SkillsFramework, area.framework_id)


def _statement_or_404(statement_id: int) -> tuple[SkillStatement, SkillArea, SkillsFramework]:
    statement = db.get_or_404(SkillStatement, statement_id)
    area, framework = _area_or_404(statement.area_id)
    return statement, area, framework


def _area_info(context: dict, area_id: int) -> dict:
    blocks = [b for b in context["blocks"]]
    index = next(i for i, b in enumerate(blocks) if b.area.id == area_id)
    return dict(block=blocks[index], first=index == 0, last=index == len(blocks) - 1)


def _body(framework, status=200, *, announce="", focus="", areas_changed=True, **state):
    return partial("admin/skills/_body.html", status, announce=announce, areas_changed=areas_changed,
                   **frameworks.editor(framework).context(), state=state, focus=focus)


def _area(framework, area_id, status=200, *, announce="", focus="", areas_changed=False, **state):
    context = frameworks.editor(framework).context()
    return partial("admin/skills/_area.html", status, announce=announce, areas_changed=areas_changed, **context,
                   **_area_info(context, area_id), state=state, focus=focus)


# ---------------------------------------------------------------- areas

@bp.post("/<int:framework_id>/areas")
@guard(ADMIN)
def add_area(framework_id: int):
    framework = db.get_or_404(SkillsFramework, framework_id)
    values = AreaForm().values
    try:
        claim()
        area = service.add_area(actor=current_user, framework=framework, **values)
    except DomainError as error:
        state = dict(new_area=dict(values=values, errors=error.errors))
        if htmx.is_htmx():
            return _body(framework, 422, areas_changed=False, **state)
        return page(framework, 422, **state)
    message = f"Area added: {area.name}. Add its statements at each level."
    if htmx.is_htmx():
        return _body(framework, announce=message, focus=f"new-statement-{area.id}-wording")
    flash(message)
    return redirect(editor_url(framework.id, f"area-{area.id}"), code=303)


@bp.get("/areas/<int:area_id>")
@guard(ADMIN)
def area(area_id: int):
    """One area with its statements (what Cancel brings back)."""
    area, framework = _area_or_404(area_id)
    if not htmx.is_htmx():
        return redirect(editor_url(framework.id, f"area-{area.id}"))
    return _area(framework, area.id, focus=f"area-{area.id}-edit")


@bp.route("/areas/<int:area_id>/edit", methods=["GET", "POST"])
@guard(ADMIN)
def area_edit(area_id: int):
    area, framework = _area_or_404(area_id)
    values = {"name": area.name, "description": area.description}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = AreaForm().values
        try:
            changed = service.update_area(actor=current_user, area=area, **values)
        except DomainError as error:
            errors = error.errors
        else:
            message = f"Area saved: {area.name}." if changed else "Nothing changed."
            if htmx.is_htmx():
                return htmx.retarget(_area(framework, area.id, announce=message, focus=f"area-{area.id}-edit",
                                           areas_changed=bool(changed)), f"#area-{area.id}", "outerHTML")
            flash(message)
            return redirect(editor_url(framework.id, f"area-{area.id}"), code=303)
    context = dict(area=area, framework=framework, values=values, errors=errors, inline=htmx.is_htmx())
    status = 422 if errors else 200
    if htmx.is_htmx():
        return render_template("admin/skills/_area_form.html", **context), status
    return render_template("admin/skills/area_edit.html", **context), status


@bp.post("/areas/<int:area_id>/move")
@guard(ADMIN)
def area_move(area_id: int):
    area, framework = _area_or_404(area_id)
    direction = MoveForm().direction.data
    moved = service.move_area(actor=current_user, area=area, direction=direction)
    message = f"{area.name} moved {direction}." if moved else f"{area.name} is already at that end."
    if htmx.is_htmx():
        return _body(framework, announce=message, focus=f"area-{area.id}-move-{direction}")
    flash(message)
    return redirect(editor_url(framework.id, f"area-{area.id}"), code=303)


@bp.post("/areas/<int:area_id>/remove")
@guard(ADMIN)
def area_remove(area_id: int):
    """action=remove: retire it (someone answered it, or a level, target, exemption or route names it) or
    delete it (nothing did); action=restore: bring a retired one back."""
    area, framework = _area_or_404(area_id)
    action, name = RemoveForm().action.data, area.name
    focus = "add-area-title"
    try:
        if action == "remove":
            outcome = service.remove_area(actor=current_user, area=area)
            message = (f"{name} retired: people's answers and levels in it are kept; nobody is asked about it now."
                       if outcome == "retired" else f"{name} removed: nobody had answered it.")
            focus = f"area-{area.id}-title" if outcome == "retired" else focus
        elif action == "restore":
            service.restore_area(actor=current_user, area=area)
            message, focus = f"{name} restored.", f"area-{area.id}-title"
        else:
            return redirect(editor_url(framework.id, f"area-{area.id}"), code=303)
    except DomainError as error:
        message = next(iter(error.errors.values()))
        if htmx.is_htmx():
            return _body(framework, 422, areas_changed=False, area_error={area_id: message},
                         focus=f"area-{area_id}-error")
        return page(framework, 422, area_error={area_id: message})
    if htmx.is_htmx():
        return _body(framework, announce=message, focus=focus)
    flash(message)
    return redirect(editor_url(framework.id, focus), code=303)


# ---------------------------------------------------------------- statements

@bp.post("/areas/<int:area_id>/statements")
@guard(ADMIN)
def add_statement(area_id: int):
    area, framework = _area_or_404(area_id)
    values = StatementForm().values
    try:
        claim()
        statement = service.add_statement(actor=current_user, area=area, **values)
    except DomainError as error:
        state = dict(new_statement={area.id: dict(values=values, errors=error.errors)})
        if htmx.is_htmx():
            return _area(framework, area.id, 422, **state)
        return page(framework, 422, **state)
    message = f"Statement added to {area.name} at {SkillLevel(statement.level).label}: {statement.wording}"
    if htmx.is_htmx():
        # Ready for the next statement at the same level.
        return _area(framework, area.id, announce=message, focus=f"new-statement-{area.id}-wording",
                     new_statement={area.id: dict(values={"wording": "", "level": str(statement.level)}, errors={})})
    flash(message)
    return redirect(editor_url(framework.id, f"statement-{statement.id}"), code=303)


@bp.route("/statements/<int:statement_id>/edit", methods=["GET", "POST"])
@guard(ADMIN)
def statement_edit(statement_id: int):
    """Reword a statement (its level stays: a statement at another level is a new statement)."""
    statement, area, framework = _statement_or_404(statement_id)
    values = {"wording": statement.wording}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = StatementEditForm().values
        try:
            changed = service.update_statement(actor=current_user, statement=statement, area=area, **values)
        except DomainError as error:
            errors = error.errors
        else:
            message = "Statement saved." if changed else "Nothing changed."
            if htmx.is_htmx():
                return htmx.retarget(_area(framework, area.id, announce=message,
                                           focus=f"statement-{statement.id}-edit"), f"#area-{area.id}", "outerHTML")
            flash(message)
            return redirect(editor_url(framework.id, f"statement-{statement.id}"), code=303)
    context = dict(statement=statement, area=area, framework=framework, values=values, errors=errors,
                   level=SkillLevel(statement.level), inline=htmx.is_htmx())
    status = 422 if errors else 200
    if htmx.is_htmx():
        return render_template("admin/skills/_statement_form.html", **context), status
    return render_template("admin/skills/statement_edit.html", **context), status


@bp.post("/statements/<int:statement_id>/move")
@guard(ADMIN)
def statement_move(statement_id: int):
    statement, area, framework = _statement_or_404(statement_id)
    direction = MoveForm().direction.data
    moved = service.move_statement(actor=current_user, statement=statement, area=area, direction=direction)
    message = f"Statement moved {direction}." if moved else "The statement is already at that end."
    if htmx.is_htmx():
        return _area(framework, area.id, announce=message, focus=f"statement-{statement.id}-move-{direction}")
    flash(message)
    return redirect(editor_url(framework.id, f"statement-{statement.id}"), code=303)


@bp.post("/statements/<int:statement_id>/remove")
@guard(ADMIN)
def statement_remove(statement_id: int):
    """action=remove: retire it (someone answered it) or delete it; action=restore: bring it back."""
    statement, area, framework = _statement_or_404(statement_id)
    action = RemoveForm().action.data
    level = SkillLevel(statement.level)
    if action == "remove":
        outcome = service.remove_statement(actor=current_user, statement=statement, area=area)
        message = (f"Statement retired from {area.name} at {level.label}: people's answers to it are kept."
                   if outcome == "retired" else f"Statement removed from {area.name} at {level.label}.")
    elif action == "restore":
        service.restore_statement(actor=current_user, statement=statement, area=area)
        message = f"Statement restored in {area.name} at {level.label}."
    else:
        return redirect(editor_url(framework.id, f"area-{area.id}"), code=303)
    focus = f"area-{area.id}-level-{int(level)}"
    if htmx.is_htmx():
        return _area(framework, area.id, announce=message, focus=focus)
    flash(message)
    return redirect(editor_url(framework.id, focus), code=303)
