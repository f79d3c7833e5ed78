"""The passport-template editor (admins): templates, sections and items.

Sections and items are edited in place with htmx; every action is also a plain
form that works without JavaScript (full pages and redirects). A change that
moves due dates or expiries (an item's frequency or section, a section's
offset) first shows its impact on the people holding the passport, and is
made only when the admin confirms that same change.
"""
from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from skillpass import htmx
from skillpass.access import ADMIN, guard
from skillpass.clock import today
from skillpass.extensions import db
from skillpass.labels import field_labels
from skillpass.models import Item, PassportTemplate, Section, TemplateStatus
from skillpass.services import national_names, submissions
from skillpass.services import templates_admin as service
from skillpass.services.errors import DomainError
from skillpass.template_editor.forms import CopyForm, NewTemplateForm, StatusForm, TemplateForm

bp = Blueprint("editor", __name__, url_prefix="/admin/templates")


# ---------------------------------------------------------------- what the editor shows

def _editor(template: PassportTemplate) -> dict:
    """Everything the editor page shows, in a constant number of queries."""
    return service.editor(template).context()


def _block_info(context: dict, section_id: int) -> dict:
    blocks = context["blocks"]
    index = next(i for i, b in enumerate(blocks) if b.section.id == section_id)
    return dict(block=blocks[index], first=index == 0, last=index == len(blocks) - 1)


def _item_values(item: Item) -> dict:
    return dict(title=item.title, description=item.description, corporate_lead=item.corporate_lead,
                code=item.code or "", frequency_months=str(item.frequency_months or ""), kind=item.kind.value,
                evidence=item.evidence.value, confirmation=item.confirmation.value,
                prior_learning_accepted=item.prior_learning_accepted,
                mandatory=item.mandatory, section_id=str(item.section_id),
                national_names="\n".join(national_names.names_of([item.id]).get(item.id, [])),
                refresher_title=item.refresher_title, refresher_description=item.refresher_description,
                grace_months=str(item.grace_months))


NEW_ITEM = dict(title="", description="", corporate_lead="", code="", national_names="", frequency_months="", kind="learning",
                evidence="optional", confirmation="at_once", prior_learning_accepted=True, mandatory=True,
                refresher_title="", refresher_description="", grace_months="0")


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
        values = NewTemplateForm().values
        try:
            submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint)
            template = service.create_template(actor=current_user, **values)
        except DomainError as error:
            errors = error.errors
        else:
            flash(f"{template.name} created as a draft. Add its sections and items, then publish it.")
            return redirect(_editor_url(template.id), code=303)
    listed = service.template_list()
    return render_template("admin/templates/index.html", templates=listed.templates, item_counts=listed.item_counts,
                           holder_counts=listed.holder_counts, values=values, errors=errors), (422 if errors else 200)


@bp.route("/<int:template_id>", methods=["GET", "POST"])
@guard(ADMIN)
def template(template_id: int):
    """The editor; a POST saves the name and description."""
    template = db.get_or_404(PassportTemplate, template_id)
    if request.method == "POST":
        values = TemplateForm().values
        try:
            changed = service.update_template(actor=current_user, template=template, **values)
        except DomainError as error:
            return _page(template, 422, details=dict(values=values, errors=error.errors))
        flash(f"Saved {field_labels(changed)}." if changed else "Nothing changed.")
        return redirect(_editor_url(template.id), code=303)
    return _page(template)


@bp.post("/<int:template_id>/status")
@guard(ADMIN)
def status(template_id: int):
    """Publish (action=publish), archive (action=archive, confirm=yes after a preview) or restore a template."""
    template = db.get_or_404(PassportTemplate, template_id)
    form = StatusForm()
    action = form.action.data
    if action == "publish":
        try:
            service.publish(actor=current_user, template=template)
        except DomainError as error:
            return _page(template, 422, status_error=next(iter(error.errors.values())))
        flash(f"{template.name} is published: it can now be given to people, by hand or by an assignment rule.")
    elif action == "archive":
        if form.confirm.data != "yes":
            return render_template("admin/templates/archive.html", template=template,
                                   plan=service.archive_plan(template))
        plan = service.archive_template(actor=current_user, template=template, today=today())
        flash(f"{template.name} archived: {len(plan.assignments)} "
              f"{'person no longer has' if len(plan.assignments) == 1 else 'people no longer have'} it "
              f"(their records are kept) and {len(plan.rules)} rule{'' if len(plan.rules) == 1 else 's'} stopped.")
        return redirect(url_for("editor.index"), code=303)
    elif action == "restore":
        service.restore_template(actor=current_user, template=template)
        if template.status is TemplateStatus.PUBLISHED:
            flash(f"{template.name} restored. Give it to people again by hand or with an assignment rule.")
        else:
            flash(f"{template.name} restored as a draft: add an item, then publish it.")
    return redirect(_editor_url(template.id), code=303)


@bp.post("/<int:template_id>/copy")
@guard(ADMIN)
def copy(template_id: int):
    template = db.get_or_404(PassportTemplate, template_id)
    name = CopyForm().name.data
    try:
        submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint)
        new = service.copy_template(actor=current_user, template=template, name=name, today=today())
    except DomainError as error:
        return _page(template, 422, copy=dict(name=name, errors=error.errors))
    flash(f"{new.name} created as a draft copy of {template.name}.")
    return redirect(_editor_url(new.id), code=303)


# ---------------------------------------------------------------- fragments

def _partial(name: str, status: int = 200, *, announce: str = "", **context):
    """A fragment for htmx, with the live region updated out of band when there is news."""
    response = htmx.announce(make_response(render_template(name, **context), status), announce)
    return htmx.add_vary(response)


def _body_response(template: PassportTemplate, status: int = 200, *, announce: str = "", focus: str = "",
                   **state):
    return _partial("admin/templates/_body.html", status, announce=announce, **_editor(template), state=state,
                    focus=focus)


def _section_or_404(section_id: int) -> tuple[Section, PassportTemplate]:
    section = db.get_or_404(Section, section_id)
    return section, db.session.get(PassportTemplate, section.template_id)


def _item_or_404(item_id: int) -> tuple[Item, PassportTemplate]:
    item = db.get_or_404(Item, item_id)
    return item, db.session.get(PassportTemplate, item.template_id)


def _section_response(template, section_id, status=200, *, announce="", focus="", **state):
    context = _editor(template)
    return _partial("admin/templates/_section.html", status, announce=announce, **context,
                    **_block_info(context, section_id), state=state, focus=focus)


def _row(template, item, *, announce="", focus=""):
    context = _editor(template)
    info = _block_info(context, item.section_id)
    live = [i for i in info["block"].items if i.archived_at is None]
    return _partial("admin/templates/_item_row.html", announce=announce, **context, item=item,
                    item_first=bool(live) and live[0].id == item.id, item_last=bool(live) and live[-1].id == item.id,
                    focus=focus)


