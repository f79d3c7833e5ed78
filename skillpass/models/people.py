"""People, their roles, and teams."""
from __future__ import annotations

import datetime as dt
import enum
import secrets

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from skillpass.extensions import db
from skillpass.models._types import UTCDateTime, enum_column, utcnow


def hash_password(password: str) -> str:
    """Werkzeug's scrypt by default; PASSWORD_HASH_METHOD may name a cheaper one for tests."""
    method = "scrypt"
    if has_app_context():
        method = current_app.config.get("PASSWORD_HASH_METHOD", method)
    return generate_password_hash(password, method=method)


class Role(enum.Enum):
    LEARNER = "learner"
    EDUCATOR = "educator"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.capitalize()


educator_teams = Table(
    "educator_team",
    db.metadata,
    Column("person_id", ForeignKey("person.id"), primary_key=True),
    Column("team_id", ForeignKey("team.id"), primary_key=True),
)


class Team(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<Team {self.name}>"


class Person(UserMixin, db.Model):
    # The job roles of everyone active, found a role at a time (figures.scope.everyones_job_roles).
    __table_args__ = (Index("ix_person_active_job_role", "active", "job_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    employee_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    job_role: Mapped[str] = mapped_column(String(120), default="")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    start_date: Mapped[dt.date]
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), default=Role.LEARNER)
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # Part of the session cookie's user id: a new one signs out every session
    # of this person (on sign-out, a password change, deactivation).
    session_token: Mapped[str | None] = mapped_column(String(64))
    # Single sign-on (auth/sso.py): the provider's subject last signed in with, and when.
    sso_subject: Mapped[str | None] = mapped_column(String(255))
    sso_signed_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    team: Mapped[Team | None] = relationship(lazy="joined", innerjoin=False)
    # Loaded when asked for (educators, on a few pages), not with every person signed in.
    supported_teams: Mapped[list[Team]] = relationship(secondary=educator_teams, lazy="select", order_by=Team.name)

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def new_session_token(self) -> None:
        self.session_token = secrets.token_urlsafe(32)

    def get_id(self) -> str:  # Flask-Login: what the session cookie holds
        return f"{self.id}:{self.session_token or ''}"

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive people cannot sign in
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_educator(self) -> bool:
        return self.role is Role.EDUCATOR

    def supports(self, other: "Person") -> bool:
        """Does this educator support the team the other person is in?"""
        return (
            self.role is Role.EDUCATOR
            and other.team_id is not None
            and any(t.id == other.team_id for t in self.supported_teams)
        )

    def __repr__(self) -> str:
        return f"<Person {self.email}>"


