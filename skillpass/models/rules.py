"""Assignment rules: a passport template for everyone in chosen teams and/or job roles."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Column, ForeignKey, Table, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from skillpass.extensions import db
from skillpass.models._types import UTCDateTime, utcnow
from skillpass.models.people import Person, Team
from skillpass.models.templates import Assignment, PassportTemplate

assignment_rule_teams = Table(
    "assignment_rule_team",
    db.metadata,
    Column("rule_id", ForeignKey("assignment_rule.id"), primary_key=True),
    Column("team_id", ForeignKey("team.id"), primary_key=True),
)


class AssignmentRule(db.Model):
    """Matches a person when they are in one of its teams (if it names any) and
    have one of its job roles (if it names any); it names at least one of either."""

    __tablename__ = "assignment_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("passport_template.id"), index=True)
    job_roles: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    template: Mapped[PassportTemplate] = relationship(lazy="joined")
    teams: Mapped[list[Team]] = relationship(secondary=assignment_rule_teams, lazy="selectin", order_by=Team.name)

    def matches(self, person: Person) -> bool:
        if not person.active or (not self.teams and not self.job_roles):
            return False
        if self.teams and person.team_id not in {t.id for t in self.teams}:
            return False
        if self.job_roles and person.job_role not in self.job_roles:
            return False
        return True

    def describe(self) -> str:
        """"Physiotherapy team", "Healthcare Assistant", "Ward 7 team, if Healthcare Assistant": a rule with
        teams and job roles gives its passport to the people of those teams who hold one of those roles."""
        teams = (" or ".join(t.name for t in self.teams) + (" team" if len(self.teams) == 1 else " teams")
                 if self.teams else "")
        roles = " or ".join(self.job_roles)
        if teams and roles:
            return f"{teams}, if {roles}"
        return teams or roles


# Whether the rule that gave an assignment has been archived, read with the assignment itself (a correlated
# subquery: no query of its own), so a passport can say "assigned by a rule since archived".
Assignment.rule_archived = column_property(
    select(AssignmentRule.archived_at.is_not(None)).where(AssignmentRule.id == Assignment.rule_id)
    .correlate_except(AssignmentRule).scalar_subquery()
)
