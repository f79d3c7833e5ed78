"""Admin screens. Settings: organisation name, warning window, upload size limit."""
from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from flask import (Blueprint, Response, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_login import current_user

from skillpass import htmx, transaction
from skillpass.access import ADMIN, guard
from skillpass.admin.forms import ImportConfirmForm, SettingsForm, TeamActionForm, TeamForm, UploadForm

from skillpass.extensions import db
from skillpass.clock import today
from skillpass.models import ImportKind, ImportRun, ImportRunStatus, Team
from skillpass.services import (completions_import, directory, import_batches, import_files, import_runs,
                                people_import, submissions)
from skillpass.services import people as people_service
from skillpass.services.errors import DomainError
from skillpass.services.settings import get_settings
from skillpass.services import impact as impact_service
from skillpass.services import figures as figures_service
from skillpass.services.settings_admin import UPLOAD_CEILING_MB, check_settings, update_settings

bp = Blueprint("admin", __name__, url_prefix="/admin")

LABELS = {"organisation_name": "organisation name", "warning_days": "warning window", "max_upload_mb": "upload limit",
          "reject_reasons": "common reasons for rejecting"}


@bp.get("/")
@guard(ADMIN)
def home():
    """The organisation at a glance: how compliant are we, and where are the gaps?"""
    settings_now = get_settings()
    figures = figures_service.overview(today=today(), warning_days=settings_now.warning_days)
    if htmx.is_htmx():
        return htmx.add_vary(Response(render_template("admin/_overview.html", figures=figures)))
    return htmx.add_vary(Response(render_template("admin/home.html", figures=figures)))


@bp.route("/settings", methods=["GET", "POST"])
@guard(ADMIN)
def settings():
    current = get_settings()
    values = {"organisation_name": current.organisation_name, "warning_days": str(current.warning_days),
              "max_upload_mb": str(current.max_upload_mb), "reject_reasons": "\n".join(current.reject_reasons)}
    errors: dict[str, str] = {}
    preview = None
    if request.method == "POST":
        form = SettingsForm()
        values = form.values
        if values.get("reject_reasons") is None:     # a form without the list leaves it as it is
            values["reject_reasons"] = "\n".join(current.reject_reasons)
        try:
            checked = check_settings(**values)
            new_window = checked["warning_days"]
            if new_window != current.warning_days and form.confirmed.data != str(new_window):
                # A new warning window moves people between Complete and Expiring: show who first.
                preview = impact_service.impact(
                    today=today(), warning_days=current.warning_days, new_warning_days=new_window,
                    what=f"Warning window: {current.warning_days} days → {new_window} days, on every passport")
                preview.fingerprint = str(new_window)
                return render_template("admin/settings.html", values=values, errors={}, preview=preview,
                                       ceiling=UPLOAD_CEILING_MB)
            changed = update_settings(actor=current_user, **values)
        except DomainError as error:
            errors = error.errors
        else:
            flash("Saved: " + ", ".join(LABELS[k] for k in changed) + "." if changed else "Nothing changed.")
            return redirect(url_for("admin.settings"), code=303)
    return render_template("admin/settings.html", values=values, errors=errors, preview=preview,
                           ceiling=UPLOAD_CEILING_MB), (422 if errors else 200)


@bp.route("/teams", methods=["GET", "POST"])
@guard(ADMIN)
def teams():
    """Teams: create, rename, archive (never delete: people and history point at them)."""
    errors: dict[str, str] = {}
    new_name = ""
    if request.method == "POST":
        new_name = TeamForm().name.data
        try:
            submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint)
            team = people_service.save_team(actor=current_user, team=None, name=new_name)
        except DomainError as error:
            # The form has one field: a message about the form as a whole is shown beside it.
            errors = {"name": error.errors.get("name") or next(iter(error.errors.values()))}
        else:
            flash(f"Team {team.name} created.")
            return redirect(url_for("admin.teams"), code=303)
    return _teams_page(errors=errors, new_name=new_name)


def _teams_page(*, errors=None, new_name="", rename_errors=None, rename_values=None):
    page = directory.teams_page()
    failed = bool(errors or rename_errors)
    return render_template("admin/teams.html", teams=page.teams, counts=page.counts, educators=page.educators,
                           errors=errors or {}, new_name=new_name,
                           rename_errors=rename_errors or {}, rename_values=rename_values or {}), (422 if failed else 200)


@bp.post("/teams/<int:team_id>")
@guard(ADMIN)
def team(team_id: int):
    """Rename (action=rename, name=…), archive (action=archive) or restore (action=restore) a team."""
    team = db.get_or_404(Team, team_id)
    form = TeamActionForm()
    action = form.action.data
    try:
        if action == "archive":
            people_service.set_team_archived(actor=current_user, team=team, archived=True)
            message = f"Team {team.name} archived. Its people keep it until they move."
        elif action == "restore":
            people_service.set_team_archived(actor=current_user, team=team, archived=False)
            message = f"Team {team.name} restored."
        else:
            people_service.save_team(actor=current_user, team=team, name=form.name.data)
            message = f"Team renamed {team.name}."
    except DomainError as error:
        return _teams_page(rename_errors={team_id: error.errors.get("name", "")},
                           rename_values={team_id: form.name.data})
    flash(message)
    return redirect(url_for("admin.teams"), code=303)


# ---------------------------------------------------------------- imports, taken once, made by the job worker

IMPORTED_ALREADY = ("This import has already been confirmed (the button was pressed twice): it is imported once, "
                    "and nothing is imported twice.")


def _claim_import(token: str) -> bool:
    """Take the preview's token, committed with the import's run: a second confirmation of the same preview
    (two clicks, two tabs, twenty at once) finds it taken and imports nothing."""
    try:
        submissions.claim(token, actor=current_user, endpoint=request.endpoint, already=IMPORTED_ALREADY)
    except DomainError as error:
        transaction.discard()
        flash(next(iter(error.errors.values())))
        return False
    return True


def _already_running(token: str):
    """A second press of a preview whose import is under way (or done): the run's page, which follows it."""
    run = import_runs.for_token(token) if re.fullmatch(r"[0-9a-f]{32}", token) else None
    if run is None:
        return None
    flash(IMPORTED_ALREADY)
    return redirect(url_for("admin.import_run", run_id=run.id), code=303)


def _launch_import(*, kind: ImportKind, token: str, filename: str, counts: dict, total: int):
    """Record the confirmed import and hand it to the job worker (services/import_runs.py); answer with its
    progress page. Committed here, before the worker looks for it."""
    run = import_runs.create(actor=current_user, kind=kind, token=token, filename=filename, counts=counts,
                             total=total)
    db.session.commit()
    import_runs.launch(run.id)
    return redirect(url_for("admin.import_run", run_id=run.id), code=303)


def _import_destination(run: ImportRun) -> str:
    """Where a finished import moves its admin on to: what the confirming request answered before imports
    were jobs."""
    if run.status is ImportRunStatus.READY and run.kind is ImportKind.COMPLETIONS and run.batch_id:
        return url_for("admin.import_batch", batch_id=run.batch_id)
    if run.status is ImportRunStatus.READY and run.event_id is not None:
        return url_for("people.invite_many", **{"import": run.event_id})
    if run.kind is ImportKind.PEOPLE:
        return url_for("people.index")
    return url_for("admin.completions_import_start")


@bp.get("/import/runs/<int:run_id>")
@guard(ADMIN)
def import_run(run_id: int):
    """An import's progress ("Importing: 12,500 of 30,000 people"), polled by htmx (a Refresh link without
    JavaScript). Once it has ended, it moves on to the import's result, with its words."""
    run = db.get_or_404(ImportRun, run_id)
    db.session.refresh(run)
    if run.finished:
        destination = _import_destination(run)
        if htmx.is_htmx():      # the poll: a full load of this page, which says the words and moves on
            return htmx.add_vary(htmx.redirect(Response(status=204), url_for("admin.import_run", run_id=run.id)))
        flash(run.outcome)
        return htmx.add_vary(redirect(destination, code=303))
    if htmx.is_htmx():
        return htmx.add_vary(Response(render_template("admin/_import_progress.html", run=run,
                                                      ImportRunStatus=ImportRunStatus)))
    return htmx.add_vary(Response(render_template("admin/import_run.html", run=run, ImportRunStatus=ImportRunStatus)))


# ---------------------------------------------------------------- CSV import of people

PREVIEW_KEPT_FOR = 24 * 3600   # seconds: a checked file waits this long for its import to be confirmed


def _imports_folder() -> Path:
    """Where checked files wait for confirmation. Files of previews nobody confirmed (they hold names and
    emails) are removed after a day."""
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - PREVIEW_KEPT_FOR
    for old in folder.glob("*.csv"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except FileNotFoundError:   # another worker removed it first
            pass
    return folder


def _read_upload(upload, *, limit_mb: int) -> tuple[str, str]:
    """(the file as CSV text to check, "") or ("", why it cannot be read): a CSV (comma, semicolon or tab;
    UTF-8 or Windows text) or an Excel workbook's first sheet."""
    data = upload.stream.read(limit_mb * 1024 * 1024 + 1)
    problem = (f"The file must be a CSV saved as UTF-8 or Windows text, or an Excel workbook (.xlsx), "
               f"{limit_mb} MB or smaller.")
    if len(data) > limit_mb * 1024 * 1024:
        return "", problem
    try:
        text = import_files.upload_text(data)
    except import_files.Unreadable as unreadable:
        return "", unreadable.problem.reason
    return (text, "") if text is not None else ("", problem)


@bp.get("/import/people/template.csv")
@guard(ADMIN)
def people_import_template():
    return Response(people_import.template_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="skillpass-people-template.csv"'})


@bp.route("/import/people", methods=["GET", "POST"])
@guard(ADMIN)
def people_import_start():
    """Upload a CSV; every row is checked and shown before anything changes."""
    if request.method == "GET":
        return render_template("admin/import_people.html", plan=None, error=None)
    upload = UploadForm().file.data
    if upload is None:
        return render_template("admin/import_people.html", plan=None,
                               error="Choose a CSV or Excel (.xlsx) file to import."), 422
    text, error = _read_upload(upload, limit_mb=20)
    if error:
        return render_template("admin/import_people.html", plan=None, error=error), 422
    checked = people_import.plan(text, today=today(), actor=current_user)
    # An import preview's file token (not a password); kept only when there is something to import.
    token = ""  # nosec B105
    if not checked.problems and checked.changes:
        token = secrets.token_hex(16)
        (_imports_folder() / f"{token}.csv").write_text(text, encoding="utf-8")
    filename = Path(upload.filename.replace("\\", "/")).name[:120]
    return render_template("admin/import_people.html", plan=checked, error=None, token=token,
                           filename=filename), (422 if checked.problems else 200)


@bp.post("/import/people/confirm")
@guard(ADMIN)
def people_import_confirm():
    form = ImportConfirmForm()
    token, filename = form.token.data, form.filename.data[:120]
    if (running := _already_running(token)) is not None:
        return running
    path = _imports_folder() / f"{token}.csv"
    if not re.fullmatch(r"[0-9a-f]{32}", token) or not path.is_file():
        # Its file is gone: either the import was confirmed (its token is claimed, in the same commit as its
        # first batch, before the file is removed) or the preview expired. Asked in that order, a second
        # press that arrives while the first is finishing is never told its preview expired.
        if submissions.was_claimed(token):
            flash(IMPORTED_ALREADY)
            return redirect(url_for("people.index"), code=303)
        flash("That preview has expired: upload the file again.")
        return redirect(url_for("admin.people_import_start"), code=303)
    checked = people_import.plan(path.read_text(encoding="utf-8"), today=today(), actor=current_user)
    if checked.problems:   # something changed since the preview: check again, change nothing
        return render_template("admin/import_people.html", plan=checked, error=None,  # nosec B106
                               token="", filename=filename), 422
    if not _claim_import(token):
        return redirect(url_for("people.index"), code=303)
    return _launch_import(kind=ImportKind.PEOPLE, token=token, filename=filename, total=checked.changes,
                          counts={"added": len(checked.creates), "updated": len(checked.updates),
                                  "unchanged": checked.unchanged})


# ---------------------------------------------------------------- CSV import of historic completions

@bp.get("/import/completions/template.csv")
@guard(ADMIN)
def completions_import_template():
    return Response(completions_import.template_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="skillpass-completions-template.csv"'})


@bp.route("/import/completions", methods=["GET", "POST"])
@guard(ADMIN)
def completions_import_start():
    """Upload historic completions; every row is checked and shown before anything changes."""
    if request.method == "GET":
        return render_template("admin/import_completions.html", plan=None, error=None,
                               batches=import_batches.recent())
    upload = UploadForm().file.data
    if upload is None:
        return render_template("admin/import_completions.html", plan=None,
                               error="Choose a CSV or Excel (.xlsx) file to import."), 422
    text, error = _read_upload(upload, limit_mb=50)
    if error:
        return render_template("admin/import_completions.html", plan=None, error=error), 422
    checked = completions_import.plan(text, today=today())
    # An import preview's file token (not a password); kept only when there is something to import.
    token = ""  # nosec B105
    if not checked.problems and checked.rows:
        token = secrets.token_hex(16)
        (_imports_folder() / f"{token}.csv").write_text(text, encoding="utf-8")
    filename = Path(upload.filename.replace("\\", "/")).name[:120]
    return render_template("admin/import_completions.html", plan=checked, error=None, token=token,
                           filename=filename), (422 if checked.problems else 200)


@bp.post("/import/completions/confirm")
@guard(ADMIN)
def completions_import_confirm():
    form = ImportConfirmForm()
    token, filename = form.token.data, form.filename.data[:120]
    if (running := _already_running(token)) is not None:
        return running
    path = _imports_folder() / f"{token}.csv"
    if not re.fullmatch(r"[0-9a-f]{32}", token) or not path.is_file():
        # Its file is gone: either the import was confirmed (its token is claimed, in the same commit as its
        # first batch, before the file is removed) or the preview expired. Asked in that order, a second
        # press that arrives while the first is finishing is never told its preview expired.
        if submissions.was_claimed(token):
            flash(IMPORTED_ALREADY)
            return redirect(url_for("admin.completions_import_start"), code=303)
        flash("That preview has expired: upload the file again.")
        return redirect(url_for("admin.completions_import_start"), code=303)
    checked = completions_import.plan(path.read_text(encoding="utf-8"), today=today())
    if checked.problems:
        return render_template("admin/import_completions.html", plan=checked, error=None,  # nosec B106
                               token="", filename=filename), 422
    if not _claim_import(token):
        return redirect(url_for("admin.completions_import_start"), code=303)
    return _launch_import(kind=ImportKind.COMPLETIONS, token=token, filename=filename, total=len(checked.rows),
                          counts={"added": len(checked.rows), "already": checked.already})
