"""My skills (PRODUCT.md §6.5): where the signed-in person stands in each published framework, their gaps and
what would close them; their self-assessment, one area at a time (htmx saves each answer as it changes and
shows the level it makes; without JavaScript, each area's answers are saved together); the check and submit
pages; their improvement over time and each past assessment as it was submitted.

Everything here is the signed-in person's own: the framework routes act on their own draft only
(access.SKILLS_FRAMEWORK), a past assessment is theirs (access.OWN_ASSESSMENT).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from skillpass import htmx, transaction
from skillpass.access import OWN_ASSESSMENT, SIGNED_IN, SKILLS_FRAMEWORK, guard
from skillpass.clock import now, today
from skillpass.forms import PostedForm
from skillpass.models import SkillLevel, TemplateStatus
from skillpass.services import submissions
from skillpass.services.errors import Conflict, DomainError
from skillpass.services.skills import assessments, history, routes, standing

bp = Blueprint("skills", __name__, url_prefix="/skills")

NO_DRAFT = "Start an assessment first: nothing was saved."


def _me():
    return current_user._get_current_object()


def _assessable():
    """The framework of the address, if people can assess themselves against it now (published)."""
    if g.framework.status != TemplateStatus.PUBLISHED:
        abort(404)
    return g.framework


@bp.get("")
@guard(SIGNED_IN)
def index():
    me = _me()
    frameworks = assessments.published_frameworks()
    ids = [fw.id for fw in frameworks]
    counts = assessments.answered_counts(me.id, ids)
    last = assessments.last_submitted_on(me.id, ids)
    cards = []
    for fw in frameworks:
        areas = standing.live_areas(fw.id)
        rows = standing.for_person(me, fw.id, areas=areas)
        options = routes.for_areas(me.id, [a.id for a in areas])
        gaps = [(row, routes.closing(options.get(row.area_id, []), row.counting, row.target.minimum))
                for row in rows if row.gap]
        cards.append(dict(framework=fw, rows=rows, gaps=gaps, draft=counts.get(fw.id),
                          last_on=last.get(fw.id)))
    return render_template("skills/index.html", cards=cards)


@bp.get("/<int:framework_id>/assess")
@guard(SKILLS_FRAMEWORK)
def assess(framework_id: int):
    return _overview()


def _overview(*, errors: dict | None = None, status: int = 200):
    framework = _assessable()
    draft = assessments.draft(current_user.id, framework.id)
    previous = assessments.submitted(current_user.id, framework.id)
    areas = assessments.progress(framework.id, draft)
    return render_template("skills/assess.html", framework=framework, draft=draft, areas=areas,
                           previous=previous[-1] if previous else None, errors=errors or {}), status


@bp.post("/<int:framework_id>/assess/start")
@guard(SKILLS_FRAMEWORK)
def start(framework_id: int):
    framework = _assessable()
    form = PostedForm()
    if not form.validate():
        return _overview(errors={"__all__": form.form_errors[0] if form.form_errors else "Try again."}, status=422)
    try:
        submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint)
    except submissions.AlreadySubmitted:
        transaction.discard()
        return redirect(url_for("skills.assess", framework_id=framework.id), code=303)
    except DomainError as error:
        return _overview(errors=error.errors, status=422)
    draft, copied = assessments.start(actor=_me(), framework=framework)
    if copied:
        flash("Your new assessment starts from your last submitted answers: change only what has improved.")
    first = next((p for p in assessments.progress(framework.id, draft) if not p.complete), None)
    target = (url_for("skills.area", framework_id=framework.id, area_id=first.area.id) if first
              else url_for("skills.assess", framework_id=framework.id))
    if htmx.is_request():
        return htmx.redirect(make_response("", 204), target)
    return redirect(target, code=303)


def _area_page(progress, draft, *, errors=None, status=200, posted=None):
    framework = g.framework
    areas = standing.live_areas(framework.id)
    at = next(i for i, a in enumerate(areas) if a.id == progress.area.id)
    return render_template(
        "skills/area.html", framework=framework, p=progress, draft=draft, errors=errors or {},
        answers={**{sid: ("yes" if v else "no") for sid, v in progress.answers.items()}, **(posted or {})},
        previous_area=areas[at - 1] if at > 0 else None, next_area=areas[at + 1] if at + 1 < len(areas) else None,
        position=at + 1, count=len(areas), level_names={int(lv): lv.label for lv in SkillLevel}), status


@bp.route("/<int:framework_id>/assess/<int:area_id>", methods=["GET", "POST"])
@guard(SKILLS_FRAMEWORK)
def area(framework_id: int, area_id: int):
    """One area: its statements by level, Yes or No each. A POST saves the answers it carries: one statement
    from htmx (answering with the area's level panel), every statement from the page's button."""
    framework = _assessable()
    draft = assessments.draft(current_user.id, framework.id)
    if request.method == "GET":
        if draft is None:
            flash("Start your assessment here first.")
            return redirect(url_for("skills.assess", framework_id=framework.id))
        return _area_page(assessments.area_progress(g.area, draft), draft)

    form = PostedForm()
    statements = assessments.live_statements([g.area.id])[g.area.id]
    posted = {f"s{s.id}": request.form.get(f"s{s.id}") for s in statements if request.form.get(f"s{s.id}")}
    errors: dict[str, str] = {}
    if form.validate():
        try:
            given = assessments.parse_answers(request.form, statements)
            if draft is None:      # submitted in another tab meanwhile: these answers start the next one
                draft, _ = assessments.start(actor=_me(), framework=framework)
            assessments.answer(actor=_me(), assessment=draft, area=g.area, given=given)
        except DomainError as error:
            errors = error.errors
    else:
        errors = {"__all__": form.form_errors[0] if form.form_errors else "Try again."}
    progress = assessments.area_progress(g.area, draft)
    if errors:
        if htmx.is_htmx():
            return render_template("skills/_level.html", p=progress, errors=errors), 422
        return _area_page(progress, draft, errors=errors, status=422,
                          posted={sid: v for sid, v in posted.items() if f"{sid}" not in errors})
    if htmx.is_htmx():
        return render_template("skills/_level.html", p=progress, errors={})
    if request.form.get("action") == "stop":
        flash(f"Your answers for {g.area.name} are saved. Come back to your assessment whenever you like.")
        return redirect(url_for("skills.assess", framework_id=framework.id), code=303)
    areas = standing.live_areas(framework.id)
    at = next(i for i, a in enumerate(areas) if a.id == g.area.id)
    if at + 1 < len(areas):
        return redirect(url_for("skills.area", framework_id=framework.id, area_id=areas[at + 1].id), code=303)
    return redirect(url_for("skills.check", framework_id=framework.id), code=303)


@bp.get("/<int:framework_id>/assess/check")
@guard(SKILLS_FRAMEWORK)
def check(framework_id: int):
    return _check_page()


def _check_page(*, errors: dict | None = None, status: int = 200):
    framework = _assessable()
    draft = assessments.draft(current_user.id, framework.id)
    if draft is None:
        if status >= 400:
            return _overview(errors=errors, status=status)
        flash("You have no assessment in progress: start one here.")
        return redirect(url_for("skills.assess", framework_id=framework.id))
    areas = assessments.progress(framework.id, draft)
    return render_template("skills/check.html", framework=framework, draft=draft, areas=areas,
                           errors=errors or {}, incomplete=[p for p in areas if not p.complete],
                           today_date=today()), status


@bp.post("/<int:framework_id>/assess/submit")
@guard(SKILLS_FRAMEWORK)
def submit(framework_id: int):
    framework = _assessable()
    form = PostedForm()
    if not form.validate():
        return _check_page(errors={"__all__": form.form_errors[0] if form.form_errors else "Try again."}, status=422)
    try:
        submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint)
    except submissions.AlreadySubmitted:
        transaction.discard()
        flash(assessments.ALREADY_SUBMITTED)
        return redirect(url_for("skills.index"), code=303)
    except DomainError as error:
        return _check_page(errors=error.errors, status=422)
    draft = assessments.draft(current_user.id, framework.id)
    try:
        if draft is None:
            raise Conflict(assessments.ALREADY_SUBMITTED)
        assessments.submit(actor=_me(), assessment=draft, today=today(), now=now())
    except Conflict as error:
        transaction.discard()
        flash(next(iter(error.errors.values())))
        return redirect(url_for("skills.index"), code=303)
    flash(f"Your assessment of {framework.name} is submitted: your levels are below.")
    target = url_for("skills.index") + f"#framework-{framework.id}"
    if htmx.is_request():
        return htmx.redirect(make_response("", 204), target)
    return redirect(target, code=303)


@bp.get("/<int:framework_id>/improvement")
@guard(SKILLS_FRAMEWORK)
def improvement(framework_id: int):
    return render_template("skills/improvement.html", framework=g.framework,
                           chart=history.improvement(current_user.id, g.framework.id))


@bp.get("/assessments/<int:assessment_id>")
@guard(OWN_ASSESSMENT)
def assessment(assessment_id: int):
    taken = g.assessment
    if taken.submitted_on is None:
        return redirect(url_for("skills.assess", framework_id=taken.framework_id))
    framework = assessments.framework(taken.framework_id)
    return render_template("skills/assessment.html", assessment=taken, framework=framework,
                           levels=assessments.snapshot_levels(taken.id))
