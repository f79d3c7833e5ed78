"""Domain errors that carry field names, so a form can show them in place."""
from __future__ import annotations


class DomainError(Exception):
    """Something the person asked for cannot be done; ``errors`` maps field → message."""

    def __init__(self, errors: dict[str, str] | str, field: str | None = None):
        if isinstance(errors, str):
            errors = {field or "__all__": errors}
        self.errors = errors
        super().__init__("; ".join(errors.values()))


class ValidationFailed(DomainError):
    pass


class NotAllowed(DomainError):
    pass


class Conflict(DomainError):
    """Somebody else changed it first."""


class DecidedElsewhere(Conflict):
    """Someone else's decision landed between reading the entry and writing ours."""
