"""Deployment settings an admin may change; environment values are the defaults."""
from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from skillpass.extensions import db


class Setting(db.Model):
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class DataVersion(db.Model):
    """One row, one number: raised by every committed write of data (services/data_version.py).

    Figures kept between requests (the admin home, team matrices, passport pages) are keyed by it.
    The newest audit id cannot serve: on PostgreSQL ids are handed out in the order writes begin,
    not the order they commit, so a slower write could land under an id already seen."""
    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
