"""Looking people, teams, passports and rules up for the staff screens: the read side of the people
list, the team and rule pages and the forms that offer a choice of them. Each function is one or two
queries, whatever the number of rows; what a viewer may see comes from the access rules."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select

from skillpass.extensions import db
from skillpass.permissions import visible_team_ids
from skillpass.models import (
    Assignment,
    AssignmentRule,
    PassportTemplate,
    Person,
    Role,
    Team,
    TemplateStatus,
    educator_teams,
)
from skillpass.services import search

# ---------------------------------------------------------------- people

STATUSES = ("active", "deactivated", "all")


@dataclass(frozen=True)
class PeopleFilters:
    q: str = ""
    team: int | None = None
    job_role: str = ""
    role: str = ""
    status: str = "active"


@dataclass
class PeoplePage:
    people: list[Person]
    total: int
    page: int
    pages: int


def _people_query(viewer: Person, filters: PeopleFilters) -> Select:
    stmt = select(Person).outerjoin(Team, Person.team_id == Team.id)
    if not viewer.is_admin:
        stmt = stmt.where(Person.team_id.in_([t.id for t in viewer.supported_teams]))
    if filters.q:
        # The search words are literal: % and _ match themselves.
        stmt = stmt.where(or_(*(
            search.contains(column, filters.q)
            for column in (Person.name, Person.email, Person.employee_number, Person.job_role, Team.name)
        )))
    if filters.team:
        stmt = stmt.where(Person.team_id == filters.team)
    if filters.job_role:
        stmt = stmt.where(Person.job_role == filters.job_role)
    if filters.role:
        stmt = stmt.where(Person.role == Role(filters.role))
    if filters.status == "active":
        stmt = stmt.where(Person.active.is_(True))
    elif filters.status == "deactivated":
        stmt = stmt.where(Person.active.is_(False))
    return stmt


def find_people(viewer: Person, filters: PeopleFilters, *, page: int, page_size: int) -> PeoplePage:
    """One page of the people this viewer may see that match the filters: active first, then by name.
    A page past the last is the last."""
    stmt = _people_query(viewer, filters)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    pages = max(1, -(-total // page_size))
    page = min(page, pages)
    people = db.session.scalars(
        stmt.order_by(Person.active.desc(), Person.name, Person.id).limit(page_size).offset((page - 1) * page_size)
    ).all()
    return PeoplePage(people=list(people), total=total, page=page, pages=pages)


def job_roles(viewer: Person | None = None) -> list[str]:
    """The job roles people hold, by name; for an educator only those in the teams they support."""
    visible = visible_team_ids(viewer) if viewer is not None else None
    return list(db.session.scalars(
        select(Person.job_role).where(Person.job_role != "",
                                      *([Person.team_id.in_(visible)] if visible is not None else []))
        .distinct().order_by(Person.job_role)))


# ---------------------------------------------------------------- teams

def teams(*, archived: bool = False) -> list[Team]:
    """Every live team by name; with archived, the archived ones too (after the live ones)."""
    stmt = select(Team)
    if not archived:
        return list(db.session.scalars(stmt.where(Team.archived_at.is_(None)).order_by(Team.name)))
    return list(db.session.scalars(stmt.order_by(Team.archived_at.is_not(None), Team.name)))


def teams_to_filter_by(viewer: Person) -> list[Team]:
    """The teams the people list offers as a filter: every team, archived ones included, for admins."""
    if viewer.is_admin:
        return list(db.session.scalars(select(Team).order_by(Team.name)))
    return list(viewer.supported_teams)


def teams_for_person_form(person: Person | None = None) -> list[Team]:
    """The live teams, and the person's own team even if it has been archived since."""
    return [t for t in db.session.scalars(select(Team).order_by(Team.name))
            if t.archived_at is None or (person is not None and person.team_id == t.id)]


@dataclass
class TeamsPage:
    teams: list[Team]
    counts: dict[int | None, int]       # active people by team
    educators: dict[int, list[str]]     # who signs off each team's competencies


def teams_page() -> TeamsPage:
    counts = dict(db.session.execute(
        select(Person.team_id, func.count(Person.id)).where(Person.active.is_(True)).group_by(Person.team_id)).all())
    educators: dict[int, list[str]] = {}
    for team_id, name in db.session.execute(
            select(educator_teams.c.team_id, Person.name).join(Person, Person.id == educator_teams.c.person_id)
            .where(Person.active.is_(True), Person.role.in_([Role.EDUCATOR, Role.ADMIN])).order_by(Person.name)):
        educators.setdefault(team_id, []).append(name)
    return TeamsPage(teams=teams(archived=True), counts=counts, educators=educators)


# ---------------------------------------------------------------- passports and rules

def published_templates() -> list[PassportTemplate]:
    return list(db.session.scalars(select(PassportTemplate).where(PassportTemplate.status == TemplateStatus.PUBLISHED)
                                   .order_by(PassportTemplate.name)))


def assignments_of(person: Person) -> tuple[list[tuple[Assignment, PassportTemplate]], list[PassportTemplate]]:
    """The passports a person holds (with their assignment), and the published ones they could be given."""
    live = db.session.execute(
        select(Assignment, PassportTemplate).join(PassportTemplate, Assignment.template_id == PassportTemplate.id)
        .where(Assignment.person_id == person.id, Assignment.removed_on.is_(None)).order_by(PassportTemplate.name)
    ).all()
    held = {a.template_id for a, _ in live}
    return [tuple(row) for row in live], [t for t in published_templates() if t.id not in held]


def assignment_rules() -> list[AssignmentRule]:
    """Every rule, live ones first, oldest first."""
    return list(db.session.scalars(select(AssignmentRule).order_by(AssignmentRule.archived_at.is_not(None),
                                                                   AssignmentRule.id)))


def person_by_email(email: str) -> Person | None:
    """The person with this address, whatever its case (the caller lower-cases and checks it)."""
    return db.session.scalar(select(Person).where(func.lower(Person.email) == email))
