"""Who may act on whose passport: plain rules of two people, no Flask and no database.

The one home of these rules: ``access`` guards the routes with them, services check them again before
they change anything, and views pass their answers to templates (``can_decide``, ``can_record``).
"""
from __future__ import annotations


def can_view_person(user, person) -> bool:
    """Their own passport, a supported team's, or anyone's for an admin."""
    return user.id == person.id or user.is_admin or user.supports(person)


def can_decide_for(user, person) -> bool:
    """Sign-off, approval, rejection, revocation, observed practice: an educator of the person's team or an
    admin, and never on one's own passport."""
    return user.id != person.id and (user.is_admin or user.supports(person))


def can_record_for(user, person) -> bool:
    """Learners record for themselves; deciding for others comes with sign-off."""
    return user.id == person.id


def visible_team_ids(user) -> tuple[int, ...] | None:
    """The teams whose people and figures a person may see: None means every team (admins)."""
    if user.is_admin:
        return None
    if user.is_educator:
        return tuple(sorted(t.id for t in user.supported_teams))
    return ()
