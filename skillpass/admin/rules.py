"""Admin screens: assignment rules. A new rule shows who gains its passport before it is saved; archiving one
asks what happens to the passports it gave."""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from skillpass import htmx
from skillpass.access import ADMIN, guard
from skillpass.admin.forms import RuleArchiveForm, RuleForm
from skillpass.admin.views import bp
from skillpass.clock import today
from skillpass.extensions import db
from skillpass.models import AssignmentRule
from skillpass.services import assignment_rules, directory, submissions
from skillpass.services.errors import DomainError

@bp.route("/rules", methods=["GET", "POST"])
@guard(ADMIN)
def rules():
    """Assignment rules: a passport for everyone in chosen teams and/or job roles. A new rule shows who gains
    the passport first, and is saved when that preview is confirmed."""
    errors: dict[str, str] = {}
    chosen = {"template_id": None, "teams": set(), "job_roles": set()}
    preview = None
    if request.method == "POST":
        form = RuleForm()
        chosen = {"template_id": form.template_id.data, "teams": set(form.team.data),
                  "job_roles": set(form.job_role.data)}
        choice = dict(template_id=chosen["template_id"], team_ids=sorted(chosen["teams"]),
                      job_roles=sorted(chosen["job_roles"]))
        try:
            if form.confirmed.data:     # a Save: the form is taken once, however often it is sent
                submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint)
            preview = assignment_rules.preview_rule(**choice)
            if form.confirmed.data == preview.fingerprint:
                rule, added = assignment_rules.create_rule(actor=current_user, today=today(), **choice)
            else:
                rule = None
        except DomainError as error:
            errors, preview = error.errors, None
        else:
            if rule is not None:
                flash(f"Rule added: {rule.template.name} for {rule.describe()}. "
                      f"{added} {'person' if added == 1 else 'people'} given it now.")
                if htmx.is_htmx():
                    return htmx.redirect(Response(""), url_for("admin.rules"))
                return redirect(url_for("admin.rules"), code=303)
    context = dict(rules=directory.assignment_rules(), templates=directory.published_templates(),
                   teams=directory.teams(), job_roles=directory.job_roles(), errors=errors, chosen=chosen,
                   preview=preview)
    if htmx.is_htmx():
        return render_template("admin/_rule_form.html", **context), (422 if errors else 200)
    return render_template("admin/rules.html", **context), (422 if errors else 200)


@bp.route("/rules/<int:rule_id>/archive", methods=["GET", "POST"])
@guard(ADMIN)
def archive_rule(rule_id: int):
    """Archive a rule, choosing what happens to the passports it gave: kept, or removed (entries kept)."""
    rule = db.get_or_404(AssignmentRule, rule_id)
    if rule.archived_at is not None:
        return redirect(url_for("admin.rules"), code=303)
    plan = assignment_rules.archive_plan(rule)
    errors: dict[str, str] = {}
    choice = ""
    if request.method == "POST":
        choice = RuleArchiveForm().passports.data
        if choice not in ("keep", "remove") and plan.removable:
            errors["passports"] = "Choose whether the people given the passport by this rule keep it."
        else:
            kept, removed = assignment_rules.archive_rule(actor=current_user, rule=rule, remove=choice == "remove",
                                                          today=today())
            flash(f"Rule archived: {rule.template.name} for {rule.describe()}. "
                  + (f"{removed} {'passport' if removed == 1 else 'passports'} it gave removed (records kept)"
                     if removed else "Who has the passport keeps it") + ".")
            if htmx.is_htmx():
                return htmx.redirect(Response(""), url_for("admin.rules"))
            return redirect(url_for("admin.rules"), code=303)
    context = dict(rule=rule, plan=plan, errors=errors, choice=choice, inline=htmx.is_htmx())
    status = 422 if errors else 200
    if htmx.is_htmx():
        return render_template("admin/_rule_archive.html", **context), status
    return render_template("admin/rule_archive.html", **context), status
