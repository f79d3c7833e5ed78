"""Searching text the way people expect: case-insensitive, anywhere in the value, and literal.

A person who types "50%" or "a_b" means those characters, not SQL wildcards."""
from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.sql.elements import ColumnElement


def like_pattern(text: str) -> str:
    """"50%" -> "%50\\%%": the lower-cased text, its wildcards escaped, matched anywhere."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column, text: str) -> ColumnElement[bool]:
    """The column holds the text, whatever its case."""
    return func.lower(column).like(like_pattern(text), escape="\\")
