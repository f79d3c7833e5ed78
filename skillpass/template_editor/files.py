"""A passport template as a file: download it from the template's page, and import one (another trust's, or
this one's from another SkillPass) as a new draft after a preview. Plain forms: the upload, its preview and the
confirmation are pages of their own, with or without JavaScript."""
from __future__ import annotations

from pathlib import Path

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from skillpass.access import ADMIN, guard
from skillpass.clock import today
from skillpass.extensions import db
from skillpass.models import PassportTemplate
from skillpass.services import submissions
from skillpass.services.errors import DomainError
from skillpass.services.settings import get_settings
from skillpass.services.templates_admin import files as service
from skillpass.template_editor.forms import TemplateFileConfirm, TemplateFileUpload
from skillpass.template_editor.views import bp

NO_FILE = "Choose the passport template file (.json) to import."


@bp.get("/<int:template_id>/export.json")
@guard(ADMIN)
def export_file(template_id: int):
    """The template as a JSON file (an attachment), audited."""
    template = db.get_or_404(PassportTemplate, template_id)
    name, text = service.export(actor=current_user, template=template,
                                organisation=get_settings().organisation_name)
    return Response(text, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def _page(status: int = 200, **context):
    context.setdefault("preview", None)
    context.setdefault("problems", [])
    return render_template("admin/templates/import.html", **context), status


@bp.route("/import", methods=["GET", "POST"])
@guard(ADMIN)
def import_file():
    """Upload a template file; it is checked and previewed, and nothing is made until it is confirmed."""
    if request.method == "GET":
        return _page()
    upload = TemplateFileUpload().file.data
    if not upload:
        return _page(422, problems=[NO_FILE])
    data = upload.stream.read(service.MAX_FILE_BYTES + 1)
    filename = Path((upload.filename or "template.json").replace("\\", "/")).name[:120]
    if len(data) > service.MAX_FILE_BYTES:
        return _page(422, problems=[f"The file is larger than {service.MAX_FILE_BYTES // (1024 * 1024)} MB: "
                                    f"a passport template file is far smaller. Check this is the right file."])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _page(422, problems=["This file is not JSON text (UTF-8): choose the .json file SkillPass "
                                    "downloaded from a passport template's page."])
    try:
        preview = service.preview(actor=current_user, text=text, today=today())
    except service.FileRefused as refused:
        return _page(422, problems=refused.problems, filename=filename)
    return _page(preview=preview, filename=filename)


@bp.post("/import/confirm")
@guard(ADMIN)
def import_confirm():
    """Make the previewed file's template, as a draft, once however often the button is pressed."""
    form = TemplateFileConfirm()
    filename = (form.filename.data or "template.json")[:120]
    try:
        submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint)
        template = service.import_template(actor=current_user, text=form.content.data or "", filename=filename,
                                           today=today())
    except service.FileRefused as refused:
        return _page(422, problems=refused.problems, filename=filename)
    except DomainError as error:     # the form sent twice, or a page from before a deploy
        return _page(422, problems=list(error.errors.values()), filename=filename)
    flash(f"{template.name} imported from {filename} as a draft. Check its sections and items, then publish it.")
    return redirect(url_for("editor.template", template_id=template.id), code=303)
