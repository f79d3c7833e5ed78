"""Who may reach which route: every rule in one place.

Each view declares its policy with ``@guard(...)``; ``enforce()`` runs before
every request, loads the object the URL names, checks the role and the
relationship (own passport, supported team, admin), and keeps what it loaded
on ``g`` so the view does not load it twice. A route without a policy is
refused, so a new route cannot slip through unguarded.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from typing import Callable

from flask import abort, current_app, g, redirect, request, url_for
from flask_login import current_user

from skillpass import htmx
from skillpass.extensions import db
from skillpass.inputs import to_id
from skillpass.permissions import visible_team_ids  # noqa: F401 - the views ask access for it
from skillpass.permissions import can_decide_for, can_record_for, can_view_person

PUBLIC = "public"
SIGNED_IN = "signed_in"
ADMIN = "admin"
STAFF = "staff"                  # educators and admins
VIEW_PERSON = "view_person"      # own passport, a supported team's, or admin
RECORD_FOR_PERSON = "record_for_person"
OWN_ENTRY = "own_entry"
DECIDE_ENTRY = "decide_entry"          # an educator of the entry's person's team, or an admin; never their own
DECIDE_FOR_PERSON = "decide_for_person"
VIEW_EVIDENCE = "view_evidence"        # the learner, their team's educators, admins
TEAM = "team"                          # educators (the teams they support) and admins (any team)
OWN_PRINT_JOB = "own_print_job"        # a bulk print, by whoever asked for it
VIEW_SESSION = "view_session"          # a training session: admins, its recorder, educators of its people
OWN_INFORMAL = "own_informal"          # an entry of one's own informal learning log


def guard(policy: str) -> Callable:
    if policy not in POLICIES:
        raise ValueError(f"unknown access policy {policy!r}")

    def decorate(view):
        view.access_policy = policy
        return view

    return decorate


def _person(args) -> bool:
    from skillpass.models import Person

    g.person = db.get_or_404(Person, args["person_id"])
    return can_view_person(current_user, g.person)


def _record(args) -> bool:
    from skillpass.models import Person

    g.person = db.get_or_404(Person, args["person_id"])
    return can_record_for(current_user, g.person)


def _own_entry(args) -> bool:
    from skillpass.models import Entry

    g.entry = db.get_or_404(Entry, args["entry_id"])
    return g.entry.person_id == current_user.id


def _decide_entry(args) -> bool:
    from skillpass.models import Entry, Person

    g.entry = db.get_or_404(Entry, args["entry_id"])
    if "person_id" in args and args["person_id"] != g.entry.person_id:
        abort(404)   # an entry named under another person's passport is not there
    g.person = db.session.get(Person, g.entry.person_id)
    return can_decide_for(current_user, g.person)


def _decide_for_person(args) -> bool:
    from skillpass.models import Person

    g.person = db.get_or_404(Person, args["person_id"])
    return can_decide_for(current_user, g.person)


def _view_evidence(args) -> bool:
    from skillpass.models import Evidence, Person

    g.evidence = db.get_or_404(Evidence, args["evidence_id"])
    g.person = db.session.get(Person, g.evidence.person_id)
    return can_view_person(current_user, g.person)


def visible_teams(user) -> list:
    """The live teams a staff member may choose from, by name: every team for admins, the teams they
    support for educators, none for anyone else."""
    from sqlalchemy import select

    from skillpass.models import Team

    if user.is_admin:
        return list(db.session.scalars(select(Team).where(Team.archived_at.is_(None)).order_by(Team.name)))
    if user.is_educator:
        return sorted(user.supported_teams, key=lambda t: t.name)
    return []


def _team(args) -> bool:
    """Staff only; every team the request names, in its address or its form, must be one they may see.

    The view is handed the team it may use as ``g.team_id`` (None: every team the viewer may see),
    read from the one place that view reads its own values (the form of a POST, the address of a
    GET), so what was checked is what is used."""
    if not (current_user.is_admin or current_user.is_educator):
        return False
    named = request.args.getlist("team") + (request.form.getlist("team") if request.method == "POST" else [])
    visible = visible_team_ids(current_user)
    for raw in named:
        if raw == "":
            continue
        team_id = to_id(raw)
        if team_id is None or (visible is not None and team_id not in visible):
            return False
    source = request.form if request.method == "POST" else request.args
    g.team_id = to_id(source.get("team", ""))
    return True


def _own_print_job(args) -> bool:
    from skillpass.models import PrintJob

    g.job = db.get_or_404(PrintJob, args["job_id"])
    return g.job.requested_by_id == current_user.id


def _view_session(args) -> bool:
    from skillpass.models import TrainingSession
    from skillpass.services.sessions import can_view

    g.training_session = db.get_or_404(TrainingSession, args["session_id"])
    return can_view(current_user, g.training_session)


def _own_informal(args) -> bool:
    from skillpass.models import InformalEntry

    g.informal = db.get_or_404(InformalEntry, args["informal_id"])
    return g.informal.person_id == current_user.id


POLICIES: dict[str, Callable[[dict], bool] | None] = {
    PUBLIC: None,
    SIGNED_IN: lambda args: True,
    ADMIN: lambda args: current_user.is_admin,
    STAFF: lambda args: current_user.is_admin or current_user.is_educator,
    VIEW_PERSON: _person,
    RECORD_FOR_PERSON: _record,
    OWN_ENTRY: _own_entry,
    DECIDE_ENTRY: _decide_entry,
    DECIDE_FOR_PERSON: _decide_for_person,
    VIEW_EVIDENCE: _view_evidence,
    TEAM: _team,
    OWN_PRINT_JOB: _own_print_job,
    VIEW_SESSION: _view_session,
    OWN_INFORMAL: _own_informal,
}


# Self-assessment (issue 16, part B): every signed-in person assesses themselves against a framework that is
# not a draft (an archived one keeps its history; the views assess only against a published one), one live area
# of it at a time; a submitted assessment is seen by its own person here (staff see a person's on their pages).
SKILLS_FRAMEWORK = "skills_framework"
OWN_ASSESSMENT = "own_assessment"


def _skills_framework(args) -> bool:
    from skillpass.models import SkillArea, SkillsFramework, TemplateStatus

    g.framework = db.get_or_404(SkillsFramework, args["framework_id"])
    if g.framework.status == TemplateStatus.DRAFT:
        abort(404)
    if "area_id" in args:
        g.area = db.get_or_404(SkillArea, args["area_id"])
        if g.area.framework_id != g.framework.id or g.area.retired_at is not None:
            abort(404)
    return True


def _own_assessment(args) -> bool:
    from skillpass.models import SelfAssessment

    g.assessment = db.get_or_404(SelfAssessment, args["assessment_id"])
    return g.assessment.person_id == current_user.id


POLICIES.update({SKILLS_FRAMEWORK: _skills_framework, OWN_ASSESSMENT: _own_assessment})


# The questionnaire (issue 17, part D): an admin answers it for someone; a recommendation it made is decided by
# an educator of the person's team or an admin, never the person themselves.
ANSWER_FOR_PERSON = "answer_for_person"
DECIDE_RECOMMENDATION = "decide_recommendation"


def _answer_for_person(args) -> bool:
    from skillpass.models import Person

    g.person = db.get_or_404(Person, args["person_id"])
    return current_user.is_admin


def _decide_recommendation(args) -> bool:
    from skillpass.models import Person, Recommendation

    g.recommendation = db.get_or_404(Recommendation, args["recommendation_id"])
    g.person = db.session.get(Person, g.recommendation.person_id)
    return can_decide_for(current_user, g.person)


POLICIES.update({ANSWER_FOR_PERSON: _answer_for_person, DECIDE_RECOMMENDATION: _decide_recommendation})


# Verifiable passports (issue 18): a person's credentials and their verify link are theirs to download and
# withdraw, and any admin's (PRODUCT.md §6.6); their educators see the passport, not the signed file.
OWN_OR_ADMIN = "own_or_admin"


def _own_or_admin(args) -> bool:
    from skillpass.models import Person

    g.person = db.get_or_404(Person, args["person_id"])
    return current_user.id == g.person.id or current_user.is_admin


POLICIES.update({OWN_OR_ADMIN: _own_or_admin})

def policy_for(endpoint: str | None) -> str | None:
    if endpoint is None:
        return None
    if endpoint == "static" or endpoint.endswith(".static"):
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_policy", None)


def enforce():
    """before_request: authenticate, then authorise by the view's policy."""
    if request.endpoint is None:  # 404 / 405 follow their own path
        return None
    policy = policy_for(request.endpoint)
    if policy is None:
        current_app.logger.error("route %s has no access policy; refused", request.endpoint)
        abort(403)
    if policy == PUBLIC:
        return None
    if not current_user.is_authenticated:
        if htmx.is_request():
            # Back to the page the person was on (not the fragment) once signed in.
            page = urlsplit(htmx.current_url())
            back = page.path + (f"?{page.query}" if page.query else "") if page.path else None
            response = current_app.response_class("Your session has ended. Please sign in again.", status=401)
            return htmx.redirect(response, url_for("auth.sign_in", next=back))
        # Only a page can be gone back to: after a refused POST, home instead.
        back = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.sign_in", next=back))
    if current_user.must_change_password and request.endpoint not in (
        "auth.change_password", "auth.sign_out"
    ):
        if htmx.is_request():
            return htmx.redirect(current_app.response_class(status=204), url_for("auth.change_password"))
        return redirect(url_for("auth.change_password"))
    check = POLICIES[policy]
    if not check(request.view_args or {}):
        abort(403)
    return None
