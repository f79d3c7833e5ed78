"""Changes to people, audited."""
from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from skillpass import clock
from skillpass.extensions import db
from skillpass.inputs import CONTROL_MESSAGE, has_control, refuse_controls, to_id
from skillpass.rules import EARLIEST_DATE, TOO_EARLY
from skillpass.labels import Action, describe_changes
from skillpass.models import (
    Assignment,
    AssignmentSource,
    PassportTemplate,
    Person,
    Role,
    Team,
    TemplateStatus,
)
from skillpass.services import assignment_rules, audit
from skillpass.services.errors import ValidationFailed


def set_supported_teams(*, actor: Person, educator: Person, teams: list[Team]) -> None:
    before = sorted(t.name for t in educator.supported_teams)
    educator.supported_teams = list(teams)
    after = sorted(t.name for t in teams)
    if before == after:
        return
    audit.log(actor=actor, action=Action.PERSON_TEAMS_CHANGED, subject=educator, person_id=educator.id,
              summary=f"{educator.name} supports: {', '.join(after) or 'no team'}",
              before={"supported_teams": before}, after={"supported_teams": after})


# ---------------------------------------------------------------- people

PERSON_FIELDS = ["name", "email", "employee_number", "job_role", "team_id", "start_date", "role", "active"]
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class PersonForm:
    name: str = ""
    email: str = ""
    employee_number: str = ""
    job_role: str = ""
    team_id: str = ""
    start_date: str = ""
    role: str = "learner"


def _clean(form: PersonForm, *, person: Person | None, today: dt.date) -> dict:
    errors: dict[str, str] = {}
    refuse_controls(errors, name=form.name, email=form.email, employee_number=form.employee_number,
                    job_role=form.job_role)
    if errors:
        raise ValidationFailed(errors)
    name = " ".join(form.name.split())
    email = form.email.strip().lower()
    number = form.employee_number.strip() or None
    job_role = " ".join(form.job_role.split())
    if not name:
        errors["name"] = "Enter the person's full name."
    elif len(name) > 200:
        errors["name"] = "Use 200 characters or fewer."
    if not EMAIL.match(email) or len(email) > 254:
        errors["email"] = "Enter an email address in the right format, like name@example.nhs.uk."
    else:
        clash = db.session.scalar(select(Person).where(func.lower(Person.email) == email))
        if clash is not None and clash is not person:
            errors["email"] = f"{clash.name} already has this email address."
    if number is not None:
        if len(number) > 40:
            errors["employee_number"] = "Use 40 characters or fewer."
        else:
            clash = db.session.scalar(select(Person).where(Person.employee_number == number))
            if clash is not None and clash is not person:
                errors["employee_number"] = f"{clash.name} already has this employee number."
    if len(job_role) > 120:
        errors["job_role"] = "Use 120 characters or fewer."
    team = None
    if form.team_id:
        team_id = to_id(form.team_id)
        team = db.session.get(Team, team_id) if team_id else None
        if team is None or (team.archived_at is not None and (person is None or person.team_id != team.id)):
            errors["team_id"] = "Choose a team from the list."
    try:
        start = dt.date.fromisoformat(form.start_date.strip())
    except ValueError:
        start = None
        errors["start_date"] = "Enter the date they joined the organisation, for example 2026-01-05."
    if start is not None and start > today + dt.timedelta(days=366):
        errors["start_date"] = "The start date must be within the next year."
    elif start is not None and start < EARLIEST_DATE:
        errors["start_date"] = TOO_EARLY
    try:
        role = Role(form.role)
    except ValueError:
        role = None
        errors["role"] = "Choose learner, educator or admin."
    if errors:
        raise ValidationFailed(errors)
    return dict(name=name, email=email, employee_number=number, job_role=job_role, team=team,
                start_date=start, role=role)


def temporary_password() -> str:
    """Easy to read out over the phone; must be changed at the first sign-in."""
    return "-".join(secrets.token_hex(2) for _ in range(4))


def create_person(*, actor: Person, form: PersonForm, today: dt.date) -> tuple[Person, str]:
    values = _clean(form, person=None, today=today)
    password = temporary_password()
    person = Person(**values, must_change_password=True)
    person.set_password(password)
    db.session.add(person)
    db.session.flush()
    audit.log(actor=actor, action=Action.PERSON_CREATED, subject=person, person_id=person.id,
              summary=f"{person.name} added as {person.role.label.lower()}",
              after=audit.snapshot(person, PERSON_FIELDS))
    assignment_rules.apply_to(person, actor=actor, today=today)
    return person, password


def _team_names(before: dict, after: dict) -> dict:
    """The names of the teams a change of team names, for its audit summary (one query, only then)."""
    if before["team_id"] == after["team_id"]:
        return {}
    ids = {before["team_id"], after["team_id"]} - {None}
    return {"team_id": {t.id: t.name for t in db.session.scalars(select(Team).where(Team.id.in_(ids)))}}


def update_person(*, actor: Person, person: Person, form: PersonForm, today: dt.date) -> list[str]:
    values = _clean(form, person=person, today=today)
    before = audit.snapshot(person, PERSON_FIELDS)
    if actor.id == person.id and values["role"] is not Role.ADMIN:
        raise ValidationFailed({"role": "You cannot take away your own admin role: ask another admin."})
    for key, value in values.items():
        setattr(person, key, value)
    if person.role is not Role.EDUCATOR:
        person.supported_teams = []
    db.session.flush()
    after = audit.snapshot(person, PERSON_FIELDS)
    changed = [k for k in PERSON_FIELDS if before[k] != after[k]]
    if changed:
        audit.log(actor=actor, action=Action.PERSON_CHANGED, subject=person, person_id=person.id,
                  summary=f"{person.name}: {describe_changes(before, after, _team_names(before, after))}",
                  before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    if {"team_id", "job_role"} & set(changed):
        assignment_rules.apply_to(person, actor=actor, today=today)
    return changed


def set_active(*, actor: Person, person: Person, active: bool, today: dt.date | None = None) -> None:
    if actor.id == person.id and not active:
        raise ValidationFailed("You cannot deactivate yourself: ask another admin.", field="__all__")
    if person.active == active:
        return
    person.active = active
    person.new_session_token()   # a deactivated person's sessions end now
    audit.log(actor=actor, action=Action.PERSON_REACTIVATED if active else Action.PERSON_DEACTIVATED, subject=person,
              person_id=person.id, summary=f"{person.name} {'reactivated' if active else 'deactivated'}",
              before={"active": not active}, after={"active": active})
    if active and today is not None:
        assignment_rules.apply_to(person, actor=actor, today=today)


def reset_password(*, actor: Person, person: Person) -> str:
    password = temporary_password()
    person.set_password(password)
    person.must_change_password = True
    person.new_session_token()
    audit.log(actor=actor, action=Action.PERSON_PASSWORD_RESET, subject=person, person_id=person.id,
              summary=f"Temporary password set for {person.name}")
    return password


# ---------------------------------------------------------------- assignments by hand

def assign(*, actor: Person, person: Person, template: PassportTemplate, today: dt.date,
           recommendation_id: int | None = None) -> Assignment:
    """By hand; or, with *recommendation_id*, on approving the questionnaire's recommendation (which the
    assignment then names, so the passport can say why)."""
    live = db.session.scalar(select(Assignment).where(
        Assignment.person_id == person.id, Assignment.template_id == template.id, Assignment.removed_on.is_(None)))
    if live is not None:
        raise ValidationFailed({"template_id": f"{person.name} already has {template.name}."})
    if template.status is not TemplateStatus.PUBLISHED:
        raise ValidationFailed({"template_id": "Only a published passport can be assigned."})
    how = "by hand" if recommendation_id is None else "on the questionnaire's recommendation"
    assignment = Assignment(person_id=person.id, template_id=template.id, assigned_on=today,
                            source=AssignmentSource.MANUAL, source_detail=how, assigned_by_id=actor.id,
                            recommendation_id=recommendation_id)
    db.session.add(assignment)
    db.session.flush()
    audit.log(actor=actor, action=Action.ASSIGNMENT_ADDED, subject=assignment, person_id=person.id,
              summary=f"{template.name} assigned to {person.name} {how}",
              after={"template": template.name, "assigned_on": today})
    return assignment


def unassign(*, actor: Person, person: Person, template: PassportTemplate, today: dt.date,
             recommendation_id: int | None = None) -> Assignment:
    """By hand; or, with *recommendation_id*, on approving the questionnaire's recommendation to end it."""
    live = db.session.scalar(select(Assignment).where(
        Assignment.person_id == person.id, Assignment.template_id == template.id, Assignment.removed_on.is_(None)))
    if live is None:
        raise ValidationFailed({"template_id": f"{person.name} does not have {template.name}."})
    live.removed_on = today
    live.removed_by_id = actor.id
    live.removed_by_recommendation_id = recommendation_id
    db.session.flush()
    how = "" if recommendation_id is None else " on the questionnaire's recommendation"
    audit.log(actor=actor, action=Action.ASSIGNMENT_REMOVED, subject=live, person_id=person.id,
              summary=f"{template.name} no longer assigned to {person.name}{how}: entries kept, items not required",
              before={"removed_on": None}, after={"removed_on": today})
    return live


# ---------------------------------------------------------------- teams

def save_team(*, actor: Person, team: Team | None, name: str) -> Team:
    if has_control(name):
        raise ValidationFailed({"name": CONTROL_MESSAGE})
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed({"name": "Enter the team's name."})
    if len(name) > 120:
        raise ValidationFailed({"name": "Use 120 characters or fewer."})
    clash = db.session.scalar(select(Team).where(func.lower(Team.name) == name.lower()))
    if clash is not None and clash is not team:
        raise ValidationFailed({"name": f"There is already a team called {clash.name}."})
    if team is None:
        team = Team(name=name)
        db.session.add(team)
        db.session.flush()
        audit.log(actor=actor, action=Action.TEAM_CREATED, subject=team, person_id=None, summary=f"Team {name} created",
                  after={"name": name})
    elif team.name != name:
        before = team.name
        team.name = name
        audit.log(actor=actor, action=Action.TEAM_RENAMED, subject=team, person_id=None,
                  summary=f"Team {before} renamed {name}", before={"name": before}, after={"name": name})
    return team


def set_team_archived(*, actor: Person, team: Team, archived: bool) -> None:
    if (team.archived_at is not None) == archived:
        return
    team.archived_at = clock.now() if archived else None
    audit.log(actor=actor, action=Action.TEAM_ARCHIVED if archived else Action.TEAM_RESTORED, subject=team,
              person_id=None,
              summary=f"Team {team.name} {'archived' if archived else 'restored'}",
              before={"archived": not archived}, after={"archived": archived})
