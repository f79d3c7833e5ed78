"""The template editor's sections and items: add, edit (with the impact of a change shown first), move,
remove and restore, each in place with htmx and as a plain form without JavaScript."""
from __future__ import annotations

from flask import flash, redirect, render_template, request
from flask_login import current_user

from skillpass import htmx
from skillpass.access import ADMIN, guard
from skillpass.clock import today
from skillpass.extensions import db
from skillpass.labels import field_labels
from skillpass.models import PassportTemplate
from skillpass.services import impact as impact_service
from skillpass.services import submissions
from skillpass.services import templates_admin as service
from skillpass.services.errors import DomainError
from skillpass.services.settings import get_settings
from skillpass.template_editor.forms import (
    ItemEditForm,
    ItemForm,
    ItemRemoveForm,
    MoveForm,
    SectionEditForm,
    SectionForm,
)
from skillpass.template_editor.views import (
    NEW_ITEM,
    _block_info,
    _body_response,
    _editor,
    _editor_url,
    _item_or_404,
    _item_values,
    _page,
    _partial,
    _row,
    _section_or_404,
    _section_response,
    bp,
)

# ---------------------------------------------------------------- sections

@bp.post("/<int:template_id>/sections")
@guard(ADMIN)
def add_section(template_id: int):
    template = db.get_or_404(PassportTemplate, template_id)
    values = SectionForm().values
    try:
        submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint)
        section = service.add_section(actor=current_user, template=template, **values)
    except DomainError as error:
        if htmx.is_htmx():
            return _body_response(template, 422, new_section=dict(values=values, errors=error.errors))
        return _page(template, 422, new_section=dict(values=values, errors=error.errors))
    message = f"Section added: {section.name}."
    if htmx.is_htmx():
        return _body_response(template, announce=message, focus=f"section-{section.id}-title")
    flash(message)
    return redirect(_editor_url(template.id, f"section-{section.id}"), code=303)


@bp.get("/sections/<int:section_id>")
@guard(ADMIN)
def section_head(section_id: int):
    """The section's heading and actions (what Cancel brings back)."""
    section, template = _section_or_404(section_id)
    if not htmx.is_htmx():
        return redirect(_editor_url(template.id, f"section-{section.id}"))
    context = _editor(template)
    return _partial("admin/templates/_section_head.html", **context, **_block_info(context, section.id),
                    focus=f"section-{section.id}-edit", state={})


@bp.route("/sections/<int:section_id>/edit", methods=["GET", "POST"])
@guard(ADMIN)
def section_edit(section_id: int):
    """Rename a section or change its due offset; an offset change shows its impact first."""
    section, template = _section_or_404(section_id)
    values = {"name": section.name, "offset_amount": str(section.offset_amount),
              "offset_unit": section.offset_unit.value}
    errors: dict[str, str] = {}
    preview = None
    if request.method == "POST":
        form = SectionEditForm()
        values = form.values
        try:
            checked = service.check_section(**values)
        except DomainError as error:
            errors = error.errors
        else:
            before = service.offset_of(section)
            fingerprint = f"{checked.offset.amount} {checked.offset.unit}"
            if checked.offset != before and form.confirmed.data != fingerprint:
                preview = impact_service.impact(
                    today=today(), warning_days=get_settings().warning_days, template_id=template.id,
                    section_offset={section.id: checked.offset},
                    what=f"{section.name}: due {before.describe()} → {checked.offset.describe()} after the anchor date")
                if not preview.people:
                    preview = None
            if preview is None:
                changed = service.update_section(actor=current_user, section=section, values=checked)
                message = f"Section saved: {section.name}." if changed else "Nothing changed."
                if not htmx.is_htmx():
                    flash(message)
                    return redirect(_editor_url(template.id, f"section-{section.id}"), code=303)
                if changed:
                    # The whole section is drawn again: its name is also in its table's caption and its
                    # "Add an item to …" link, which the head alone would leave saying the old name.
                    return htmx.retarget(_section_response(template, section.id, announce=message,
                                                           focus=f"section-{section.id}-edit"),
                                         f"#section-{section.id}", "outerHTML")
                context = _editor(template)
                return _partial("admin/templates/_section_head.html", **context, **_block_info(context, section.id),
                                announce=message, focus=f"section-{section.id}-edit", state={})
            preview.fingerprint = fingerprint
    context = dict(section=section, template=template, values=values, errors=errors, preview=preview,
                   inline=htmx.is_htmx())
    status = 422 if errors else 200
    if htmx.is_htmx():
        return render_template("admin/templates/_section_form.html", **context), status
    return render_template("admin/templates/section_edit.html", **context), status


@bp.post("/sections/<int:section_id>/move")
@guard(ADMIN)
def section_move(section_id: int):
    section, template = _section_or_404(section_id)
    direction = MoveForm().direction.data
    moved = service.move_section(actor=current_user, section=section, direction=direction)
    message = f"{section.name} moved {direction}." if moved else f"{section.name} is already at that end."
    if htmx.is_htmx():
        return _body_response(template, announce=message, focus=f"section-{section.id}-move-{direction}")
    flash(message)
    return redirect(_editor_url(template.id, f"section-{section.id}"), code=303)


@bp.post("/sections/<int:section_id>/remove")
@guard(ADMIN)
def section_remove(section_id: int):
    section, template = _section_or_404(section_id)
    name = section.name
    try:
        service.remove_section(actor=current_user, section=section)
    except DomainError as error:
        message = next(iter(error.errors.values()))
        if htmx.is_htmx():
            return _body_response(template, 422, section_error={section_id: message},
                                  focus=f"section-{section_id}-error")
        return _page(template, 422, section_error={section_id: message})
    message = f"Section removed: {name}."
    if htmx.is_htmx():
        return _body_response(template, announce=message, focus="add-section-title")
    flash(message)
    return redirect(_editor_url(template.id), code=303)


@bp.post("/sections/<int:section_id>/items")
@guard(ADMIN)
def add_item(section_id: int):
    section, template = _section_or_404(section_id)
    values = ItemForm().values
    values["section_id"] = str(section.id)
    try:
        # The form is claimed first: the same form sent twice is refused as such, not as a second code.
        submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint)
        checked = service.check_item(values, template=template)
        item = service.add_item(actor=current_user, template=template, values=checked, today=today())
    except DomainError as error:
        state = dict(new_item={section.id: dict(values=values, errors=error.errors)})
        if htmx.is_htmx():
            return _section_response(template, section.id, 422, focus=f"new-{section.id}-errors", **state)
        return _page(template, 422, **state)
    message = f"Item added to {section.name}: {item.title}."
    if htmx.is_htmx():
        return _section_response(template, section.id, announce=message, focus=f"new-{section.id}-title",
                                 new_item={section.id: dict(values=NEW_ITEM, errors={}, open=True)})
    flash(message)
    return redirect(_editor_url(template.id, f"item-{item.id}"), code=303)


@bp.get("/items/<int:item_id>")
@guard(ADMIN)
def item_row(item_id: int):
    """One item's row in the editor (what Cancel brings back)."""
    item, template = _item_or_404(item_id)
    if not htmx.is_htmx():
        return redirect(_editor_url(template.id, f"item-{item.id}"))
    return _row(template, item, focus=f"item-{item.id}-edit")


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@guard(ADMIN)
def item_edit(item_id: int):
    """Edit every field of an item. A new frequency or section shows its impact first."""
    item, template = _item_or_404(item_id)
    values = _item_values(item)
    errors: dict[str, str] = {}
    preview = None
    if request.method == "POST":
        form = ItemEditForm()
        values = form.values
        try:
            checked = service.check_item(values, template=template, item=item)
        except DomainError as error:
            errors = error.errors
        else:
            preview = service.item_change_impact(item, template, checked, confirmed=form.confirmed.data,
                                                 today=today(), warning_days=get_settings().warning_days)
            if preview is None:
                old_section = item.section_id
                changed = service.update_item(actor=current_user, item=item, values=checked)
                message = f"Saved {item.title}" + (f": {field_labels(changed)}."
                                                   if changed else ": nothing changed.")
                if not htmx.is_htmx():
                    flash(message)
                    return redirect(_editor_url(template.id, f"item-{item.id}"), code=303)
                if item.section_id != old_section:
                    response = _body_response(template, announce=message, focus=f"item-{item.id}-edit")
                    return htmx.retarget(response, "#template-body", "outerHTML")
                return _row(template, item, announce=message, focus=f"item-{item.id}-edit")
    context = _editor(template)
    status = 422 if errors else 200
    args = dict(context, item=item, values=values, errors=errors, preview=preview, inline=htmx.is_htmx())
    if htmx.is_htmx():
        return render_template("admin/templates/_item_form_row.html", **args), status
    return render_template("admin/templates/item_edit.html", **args), status


@bp.post("/items/<int:item_id>/move")
@guard(ADMIN)
def item_move(item_id: int):
    item, template = _item_or_404(item_id)
    direction = MoveForm().direction.data
    moved = service.move_item(actor=current_user, item=item, direction=direction)
    message = f"{item.title} moved {direction}." if moved else f"{item.title} is already at that end."
    if htmx.is_htmx():
        return _section_response(template, item.section_id, announce=message,
                                 focus=f"item-{item.id}-move-{direction}")
    flash(message)
    return redirect(_editor_url(template.id, f"item-{item.id}"), code=303)


@bp.post("/items/<int:item_id>/remove")
@guard(ADMIN)
def item_remove(item_id: int):
    """action=remove: archive (it has entries) or delete (nobody recorded it); action=restore: bring it back."""
    item, template = _item_or_404(item_id)
    form = ItemRemoveForm()
    action = form.action.data
    title, section_id = item.title, item.section_id
    if action == "remove" and form.confirmed.data != "archive" and _asks_first(item):
        return _archive_confirmation(template, item)
    if action == "remove":
        outcome = service.remove_item(actor=current_user, item=item)
        message = (f"{title} archived: people's records of it are kept; it is no longer required."
                   if outcome == "archived" else f"{title} removed: nobody had recorded it.")
    elif action == "restore":
        service.restore_item(actor=current_user, item=item)
        message = f"{title} restored: it is required again."
    else:
        return redirect(_editor_url(template.id, f"item-{item.id}"), code=303)
    if htmx.is_htmx():
        return _section_response(template, section_id, announce=message, focus=f"section-{section_id}-title")
    flash(message)
    return redirect(_editor_url(template.id, f"section-{section_id}"), code=303)


def _asks_first(item) -> bool:
    """Archiving a mandatory item someone has recorded changes what people must do: it is confirmed first."""
    return item.archived_at is None and item.mandatory and service.has_entries(item)


def _archive_confirmation(template, item):
    """Who the item stops being required for, and the buttons to archive it or keep it: in the item's row
    with htmx, as a page without JavaScript. Nothing is written."""
    preview = impact_service.archive_impact(item=item, today=today(), warning_days=get_settings().warning_days)
    context = dict(_editor(template), item=item, preview=preview, inline=htmx.is_htmx())
    if htmx.is_htmx():
        response = _partial("admin/templates/_item_archive_row.html", **context, focus=f"item-{item.id}-archive")
        return htmx.retarget(response, f"#item-{item.id}", "outerHTML")
    return render_template("admin/templates/item_archive.html", **context)
