"""The team page's compliance matrix: every active person in scope × every live item of the
passports they hold, kept per worker until the data changes, and its status filter."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from skillpass import rules
from skillpass.extensions import db
from skillpass.models import Assignment, EntryStatus, Person, Team
from skillpass.qualification import PassportStanding
from skillpass.rules import Status
from skillpass.services import kept
from skillpass.services.figures.scope import (
    Column,
    Member,
    Scope,
    TemplateInfo,
    awaiting_items,
    columns_of,
    held_by_person,
    kept_completions,
    passports_named,
    people_query,
)
from skillpass.services.figures.walk import Cell, Plan, walk

KEPT = kept.FIGURES
# A matrix bigger than this many cells (a whole trust) is not kept: its memory would outweigh the time saved.
KEEP_MATRIX_CELLS = 60_000


@dataclass
class Row:
    person: Member
    team_name: str
    cells: dict[int, Cell]
    compliance: rules.Compliance = field(default_factory=rules.Compliance)
    team_id: int | None = None
    # Where the person stands with each passport they hold, held as a qualification (PRODUCT.md §6.3), by
    # template id: worked out by the walk from the very statuses of these cells.
    standings: dict[int, PassportStanding] = field(default_factory=dict)

    @property
    def out_of_compliance(self) -> bool:
        return self.compliance.overdue + self.compliance.expired > 0

    def has(self, status: Status) -> bool:
        return any(c.status is status for c in self.cells.values())


@dataclass
class Matrix:
    columns: list[Column]
    rows: list[Row]
    today: dt.date
    overall: rules.Compliance = field(default_factory=rules.Compliance)
    awaiting: int = 0
    passports: list[TemplateInfo] = field(default_factory=list)   # every passport held in scope, by name

    @property
    def templates(self) -> list[tuple[TemplateInfo, int]]:
        """(template, number of its columns), in column order: the header's first row."""
        out: list[tuple[TemplateInfo, int]] = []
        for column in self.columns:
            if out and out[-1][0].id == column.template.id:
                out[-1] = (out[-1][0], out[-1][1] + 1)
            else:
                out.append((column.template, 1))
        return out


def build_matrix(scope: Scope, *, today: dt.date, warning_days: int, keep: bool = False) -> Matrix:
    """Every active person in scope × every live item of the templates they hold.

    With keep, the matrix is kept per worker until the data changes (like the admin home's figures):
    the team page asks for the same matrix again as its filters, pages and forecast window change.
    A kept matrix holds plain values only, and nobody changes it after it is built."""
    key = kept.key("matrix", scope, today, warning_days) if keep else None
    if key is not None and (cached := KEPT.get(key)) is not None:
        return cached
    matrix = compute_matrix(scope, today=today, warning_days=warning_days)
    if key is not None and len(matrix.rows) * max(1, len(matrix.columns)) <= KEEP_MATRIX_CELLS:
        KEPT.put(key, matrix)
    return matrix


def compute_matrix(scope: Scope, *, today: dt.date, warning_days: int) -> Matrix:
    return matrix_of(people_query(scope), template_id=scope.template_id, today=today, warning_days=warning_days)


# Up to this many people, a matrix's queries list them by id (bound values, well under any driver's limit).
LISTED_PEOPLE = 1000


def matrix_of(ids, *, template_id: int | None, today: dt.date, warning_days: int) -> Matrix:
    """The matrix of the people *ids* selects (a select of person ids), over their live assignments (of
    *template_id* only, if given): their rows by name, the columns of the passports they hold, and the figures of
    those rows. The team page builds it for the people of the page it shows (figures/team_page.py)."""
    people = db.session.execute(
        select(Person.id, Person.name, Person.job_role, Person.employee_number, Person.start_date,
               Team.name.label("team_name"), Person.team_id)
        .outerjoin(Team, Team.id == Person.team_id)
        .where(Person.id.in_(ids)).order_by(Person.name, Person.id)).all()
    if len(people) <= LISTED_PEOPLE:
        # The rest of the matrix's queries name these people rather than select them again: given a subquery,
        # PostgreSQL read every kept date of the trust to join a team's (300 people: 210-270 ms, named: 9 ms).
        ids = [person.id for person in people]
    assignment_q = select(Assignment.person_id, Assignment.template_id, Assignment.assigned_on).where(
        Assignment.person_id.in_(ids), Assignment.removed_on.is_(None))
    if template_id:
        assignment_q = assignment_q.where(Assignment.template_id == template_id)
    assignments = db.session.execute(assignment_q).all()
    template_ids = {template_id for _, template_id, _ in assignments}
    plan = Plan(columns_of(template_ids), today=today, warning_days=warning_days, cells=True)
    awaiting = awaiting_items(ids, template_ids)
    matrix = Matrix(columns=plan.columns, rows=[], today=today, passports=passports_named(template_ids))
    awaiting_total = 0
    for person, tally, cells, standings in walk(plan, people, held_by_person(assignments),
                                                kept_completions(ids, template_ids, plan.columns), awaiting):
        member = Member(person.id, person.name, person.job_role or "", person.employee_number, person.start_date)
        matrix.rows.append(Row(person=member, team_name=person.team_name or "", cells=cells,
                               compliance=rules.Compliance.of_tally(tally), team_id=person.team_id,
                               standings=standings))
        waiting = awaiting.get(person.id)
        if waiting:
            awaiting_total += len({plan.subject_of[item_id] for item_id, cell in cells.items() if cell.awaiting})
    for column, compliance in plan.column_figures():
        column.compliance = compliance
    matrix.overall = rules.Compliance.of_tally(plan.overall)
    matrix.awaiting = awaiting_total
    return matrix


class Awaiting:
    """The status filter's "awaiting sign-off": a flag on a cell, not a status, offered beside them."""
    value = "awaiting"
    label = EntryStatus.AWAITING.label


AWAITING = Awaiting()


def filter_rows(matrix: Matrix, *, status: Status | Awaiting | None, out_only: bool) -> list[Row]:
    rows = matrix.rows
    if status is AWAITING:
        rows = [r for r in rows if any(c.awaiting for c in r.cells.values())]
    elif status is not None:
        rows = [r for r in rows if r.has(status)]
    if out_only:
        rows = [r for r in rows if r.out_of_compliance]
    return rows
