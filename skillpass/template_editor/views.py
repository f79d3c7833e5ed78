"""The passport-template editor (admins): templates, sections and items.

Sections and items are edited in place with htmx; every action is also a plain
form that works without JavaScript (full pages and redirects). A change that
moves due dates or expiries (an item's frequency or section, a section's
offset) first shows its impact on the people holding the passport, and is
made only when the admin confirms that same change.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from skillpass import htmx, rules
from skillpass.access import ADMIN, guard
from skillpass.clock import today
from skillpass.extensions import db
from skillpass.labels import field_labels
from skillpass.models import (
    Assignment,
    AssignmentRule,
    Entry,
    EvidenceRule,
    Item,
    ItemKind,
    PassportTemplate,
    Person,
    Section,
    TemplateStatus,
)
from skillpass.services import impact as impact_service
from skillpass.services import submissions
from skillpass.services import templates_admin as service
from skillpass.services.errors import DomainError
from skillpass.services.settings import get_settings

bp = Blueprint("editor", __name__, url_prefix="/admin/templates")


# ---------------------------------------------------------------- what the editor shows

@dataclass
class Block:
    section: Section
    items: list[Item]

    @property
    def offset(self) -> rules.Offset:
        return service.offset_of(self.section)


def _editor(template: PassportTemplate) -> dict:
    """Everything the editor page shows, in a constant number of queries."""
    sections = db.session.scalars(select(Section).where(Section.template_id == template.id)
                                  .order_by(Section.position, Section.id)).all()
    items = db.session.scalars(select(Item).where(Item.template_id == template.id)
                               .order_by(Item.position, Item.id)).all()
    used = set(db.session.scalars(select(Entry.item_id).where(
        Entry.item_id.in_(select(Item.id).where(Item.template_id == template.id))).distinct()))
    holders = db.session.scalar(select(func.count(Assignment.id)).join(Person, Person.id == Assignment.person_id)
                                .where(Assignment.template_id == template.id, Assignment.removed_on.is_(None),
                                       Person.active.is_(True)))
    giving = db.session.scalars(select(AssignmentRule).where(AssignmentRule.template_id == template.id,
                                                             AssignmentRule.archived_at.is_(None))).all()
    blocks = [Block(section=s, items=[i for i in items if i.section_id == s.id]) for s in sections]
    return dict(template=template, blocks=blocks, used=used, holders=holders, giving=giving,
                sections=sections, kinds=list(ItemKind), evidence_rules=list(EvidenceRule))


def _block(context: dict, section_id: int) -> Block:
    return next(b for b in context["blocks"] if b.section.id == section_id)


def _block_info(context: dict, section_id: int) -> dict:
    blocks = context["blocks"]
    index = next(i for i, b in enumerate(blocks) if b.section.id == section_id)
    return dict(block=blocks[index], first=index == 0, last=index == len(blocks) - 1)


def _item_values(item: Item) -> dict:
    return dict(title=item.title, description=item.description, corporate_lead=item.corporate_lead,
                code=item.code or "", frequency_months=str(item.frequency_months or ""), kind=item.kind.value,
                evidence=item.evidence.value, prior_learning_accepted=item.prior_learning_accepted,
                mandatory=item.mandatory, section_id=str(item.section_id))


def _posted_item_values() -> dict:
    form = request.form
    return dict(title=form.get("title", ""), description=form.get("description", ""),
                corporate_lead=form.get("corporate_lead", ""), code=form.get("code", ""),
                frequency_months=form.get("frequency_months", ""), kind=form.get("kind", ""),
                evidence=form.get("evidence", ""), prior_learning_accepted=bool(form.get("prior_learning_accepted")),
                mandatory=bool(form.get("mandatory")), section_id=form.get("section_id", ""))


NEW_ITEM = dict(title="", description="", corporate_lead="", code="", frequency_months="", kind="learning",
                evidence="optional", prior_learning_accepted=True, mandatory=True)


def _editor_url(template_id: int, anchor: str = "") -> str:
    return url_for("editor.template", template_id=template_id) + (f"#{anchor}" if anchor else "")


def _page(template: PassportTemplate, status: int = 200, **state):
    return render_template("admin/templates/editor.html", **_editor(template), state=state), status


# ---------------------------------------------------------------- templates

@bp.route("/", methods=["GET", "POST"])
@guard(ADMIN)
def index():
    values = {"name": "", "description": "", "starter_sections": True}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {"name": request.form.get("name", ""), "description": request.form.get("description", ""),
                  "starter_sections": bool(request.form.get("starter_sections"))}
        try:
            submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint)
            template = service.create_template(actor=current_user, **values)
        except DomainError as error:
            db.session.rollback()
            errors = error.errors
        else:
            db.session.commit()
            flash(f"{template.name} created as a draft. Add its sections and items, then publish it.")
            return redirect(_editor_url(template.id), code=303)
    templates = db.session.scalars(select(PassportTemplate).order_by(
        PassportTemplate.status == TemplateStatus.ARCHIVED, PassportTemplate.name)).all()
    item_counts = dict(db.session.execute(select(Item.template_id, func.count(Item.id))
                                          .where(Item.archived_at.is_(None)).group_by(Item.template_id)).all())
    holder_counts = dict(db.session.execute(
        select(Assignment.template_id, func.count(Assignment.id)).join(Person, Person.id == Assignment.person_id)
        .where(Assignment.removed_on.is_(None), Person.active.is_(True)).group_by(Assignment.template_id)).all())
    return render_template("admin/templates/index.html", templates=templates, item_counts=item_counts,
                           holder_counts=holder_counts, values=values, errors=errors), (422 if errors else 200)


@bp.route("/<int:template_id>", methods=["GET", "POST"])
@guard(ADMIN)
def template(template_id: int):
    """The editor; a POST saves the name and description."""
    template = db.get_or_404(PassportTemplate, template_id)
    if request.method == "POST":
        values = {"name": request.form.get("name", ""), "description": request.form.get("description", "")}
        try:
            changed = service.update_template(actor=current_user, template=template, **values)
        except DomainError as error:
            db.session.rollback()
            return _page(template, 422, details=dict(values=values, errors=error.errors))
        db.session.commit()
        flash(f"Saved {field_labels(changed)}." if changed else "Nothing changed.")
        return redirect(_editor_url(template.id), code=303)
    return _page(template)


@bp.post("/<int:template_id>/status")
@guard(ADMIN)
def status(template_id: int):
    """Publish (action=publish), archive (action=archive, confirm=yes after a preview) or restore a template."""
    template = db.get_or_404(PassportTemplate, template_id)
    action = request.form.get("action")
    if action == "publish":
        try:
            service.publish(actor=current_user, template=template)
        except DomainError as error:
            db.session.rollback()
            return _page(template, 422, status_error=next(iter(error.errors.values())))
        db.session.commit()
        flash(f"{template.name} is published: it can now be given to people, by hand or by an assignment rule.")
    elif action == "archive":
        if request.form.get("confirm") != "yes":
            return render_template("admin/templates/archive.html", template=template,
                                   plan=service.archive_plan(template))
        plan = service.archive_template(actor=current_user, template=template, today=today())
        db.session.commit()
        flash(f"{template.name} archived: {len(plan.assignments)} "
              f"{'person no longer has' if len(plan.assignments) == 1 else 'people no longer have'} it "
              f"(their records are kept) and {len(plan.rules)} rule{'' if len(plan.rules) == 1 else 's'} stopped.")
        return redirect(url_for("editor.index"), code=303)
    elif action == "restore":
        service.restore_template(actor=current_user, template=template)
        db.session.commit()
        if template.status is TemplateStatus.PUBLISHED:
            flash(f"{template.name} restored. Give it to people again by hand or with an assignment rule.")
        else:
            flash(f"{template.name} restored as a draft: add an item, then publish it.")
    return redirect(_editor_url(template.id), code=303)


@bp.post("/<int:template_id>/copy")
@guard(ADMIN)
def copy(template_id: int):
    template = db.get_or_404(PassportTemplate, template_id)
    name = request.form.get("name", "")
    try:
        submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint)
        new = service.copy_template(actor=current_user, template=template, name=name, today=today())
    except DomainError as error:
        db.session.rollback()
        return _page(template, 422, copy=dict(name=name, errors=error.errors))
    db.session.commit()
    flash(f"{new.name} created as a draft copy of {template.name}.")
    return redirect(_editor_url(new.id), code=303)


# ---------------------------------------------------------------- sections

def _partial(name: str, status: int = 200, *, announce: str = "", **context):
    """A fragment for htmx, with the live region updated out of band when there is news."""
    html = render_template(name, **context)
    if announce:
        html += render_template("_announce.html", announce=announce)
    return htmx.add_vary(make_response(html, status))


def _body_response(template: PassportTemplate, status: int = 200, *, announce: str = "", focus: str = "",
                   **state):
    return _partial("admin/templates/_body.html", status, announce=announce, **_editor(template), state=state,
                    focus=focus)


@bp.post("/<int:template_id>/sections")
@guard(ADMIN)
def add_section(template_id: int):
    template = db.get_or_404(PassportTemplate, template_id)
    values = {k: request.form.get(k, "") for k in ("name", "offset_amount", "offset_unit")}
    try:
        submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint)
        section = service.add_section(actor=current_user, template=template, **values)
    except DomainError as error:
        db.session.rollback()
        if htmx.is_htmx():
            return _body_response(template, 422, new_section=dict(values=values, errors=error.errors))
        return _page(template, 422, new_section=dict(values=values, errors=error.errors))
    db.session.commit()
    message = f"Section added: {section.name}."
    if htmx.is_htmx():
        return _body_response(template, announce=message, focus=f"section-{section.id}-title")
    flash(message)
    return redirect(_editor_url(template.id, f"section-{section.id}"), code=303)


def _section_or_404(section_id: int) -> tuple[Section, PassportTemplate]:
    section = db.get_or_404(Section, section_id)
    return section, db.session.get(PassportTemplate, section.template_id)


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
        values = {k: request.form.get(k, "") for k in ("name", "offset_amount", "offset_unit")}
        try:
            checked = service.check_section(**values)
        except DomainError as error:
            errors = error.errors
        else:
            before = service.offset_of(section)
            fingerprint = f"{checked.offset.amount} {checked.offset.unit}"
            if checked.offset != before and request.form.get("confirmed") != fingerprint:
                preview = impact_service.impact(
                    today=today(), warning_days=get_settings().warning_days, template_id=template.id,
                    section_offset={section.id: checked.offset},
                    what=f"{section.name}: due {before.describe()} → {checked.offset.describe()} after the anchor date")
                if not preview.people:
                    preview = None
            if preview is None:
                changed = service.update_section(actor=current_user, section=section, values=checked)
                db.session.commit()
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
    direction = request.form.get("direction", "")
    moved = service.move_section(actor=current_user, section=section, direction=direction)
    db.session.commit()
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
        db.session.rollback()
        message = next(iter(error.errors.values()))
        if htmx.is_htmx():
            return _body_response(template, 422, section_error={section_id: message},
                                  focus=f"section-{section_id}-error")
        return _page(template, 422, section_error={section_id: message})
    db.session.commit()
    message = f"Section removed: {name}."
    if htmx.is_htmx():
        return _body_response(template, announce=message, focus="add-section-title")
    flash(message)
    return redirect(_editor_url(template.id), code=303)


# ---------------------------------------------------------------- items

def _item_or_404(item_id: int) -> tuple[Item, PassportTemplate]:
    item = db.get_or_404(Item, item_id)
    return item, db.session.get(PassportTemplate, item.template_id)


def _section_response(template, section_id, status=200, *, announce="", focus="", **state):
    context = _editor(template)
    return _partial("admin/templates/_section.html", status, announce=announce, **context,
                    **_block_info(context, section_id), state=state, focus=focus)


@bp.post("/sections/<int:section_id>/items")
@guard(ADMIN)
def add_item(section_id: int):
    section, template = _section_or_404(section_id)
    values = _posted_item_values()
    values["section_id"] = str(section.id)
    try:
        checked = service.check_item(values, template=template)
        submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint)
        item = service.add_item(actor=current_user, template=template, values=checked, today=today())
    except DomainError as error:
        db.session.rollback()
        state = dict(new_item={section.id: dict(values=values, errors=error.errors)})
        if htmx.is_htmx():
            return _section_response(template, section.id, 422, focus=f"new-{section.id}-errors", **state)
        return _page(template, 422, **state)
    db.session.commit()
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


def _row(template, item, *, announce="", focus=""):
    context = _editor(template)
    info = _block_info(context, item.section_id)
    live = [i for i in info["block"].items if i.archived_at is None]
    return _partial("admin/templates/_item_row.html", announce=announce, **context, item=item,
                    item_first=bool(live) and live[0].id == item.id, item_last=bool(live) and live[-1].id == item.id,
                    focus=focus)


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@guard(ADMIN)
def item_edit(item_id: int):
    """Edit every field of an item. A new frequency or section shows its impact first."""
    item, template = _item_or_404(item_id)
    values = _item_values(item)
    errors: dict[str, str] = {}
    preview = None
    if request.method == "POST":
        values = _posted_item_values()
        try:
            checked = service.check_item(values, template=template)
        except DomainError as error:
            errors = error.errors
        else:
            preview = _item_impact(item, template, checked)
            if preview is None:
                old_section = item.section_id
                changed = service.update_item(actor=current_user, item=item, values=checked)
                db.session.commit()
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


def _item_impact(item: Item, template: PassportTemplate, checked: service.ItemValues):
    """The impact of a new frequency or section, unless this exact change was previewed and confirmed."""
    new_section = db.session.get(Section, checked.section_id)
    old_section = db.session.get(Section, item.section_id)
    old_offset, new_offset = service.offset_of(old_section), service.offset_of(new_section)
    if checked.frequency_months == item.frequency_months and old_offset == new_offset:
        return None
    fingerprint = f"{checked.frequency_months or 'once'} {checked.section_id}"
    if request.form.get("confirmed") == fingerprint:
        return None
    parts = []
    if checked.frequency_months != item.frequency_months:
        parts.append(f"{rules.describe_frequency(item.frequency_months).lower()} → "
                     f"{rules.describe_frequency(checked.frequency_months).lower()}")
    if old_offset != new_offset:
        parts.append(f"due {old_offset.describe()} → {new_offset.describe()} (moves to {new_section.name})")
    preview = impact_service.impact(
        today=today(), warning_days=get_settings().warning_days, template_id=template.id,
        item_frequency={item.id: checked.frequency_months}, item_offset={item.id: new_offset},
        what=f"{item.title}: " + "; ".join(parts))
    if not preview.people or item.archived_at is not None:
        return None
    preview.fingerprint = fingerprint
    return preview


@bp.post("/items/<int:item_id>/move")
@guard(ADMIN)
def item_move(item_id: int):
    item, template = _item_or_404(item_id)
    direction = request.form.get("direction", "")
    moved = service.move_item(actor=current_user, item=item, direction=direction)
    db.session.commit()
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
    action = request.form.get("action")
    title, section_id = item.title, item.section_id
    if action == "remove":
        outcome = service.remove_item(actor=current_user, item=item)
        message = (f"{title} archived: people's records of it are kept; it is no longer required."
                   if outcome == "archived" else f"{title} removed: nobody had recorded it.")
    elif action == "restore":
        service.restore_item(actor=current_user, item=item)
        message = f"{title} restored: it is required again."
    else:
        return redirect(_editor_url(template.id, f"item-{item.id}"), code=303)
    db.session.commit()
    if htmx.is_htmx():
        return _section_response(template, section_id, announce=message, focus=f"section-{section_id}-title")
    flash(message)
    return redirect(_editor_url(template.id, f"section-{section_id}"), code=303)
