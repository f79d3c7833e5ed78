"""Changes to people, audited."""
from __future__ import annotations

from skillpass.models import Person, Team
from skillpass.services import audit


def set_supported_teams(*, actor: Person, educator: Person, teams: list[Team]) -> None:
    before = sorted(t.name for t in educator.supported_teams)
    educator.supported_teams = list(teams)
    after = sorted(t.name for t in teams)
    if before == after:
        return
    audit.log(actor=actor, action="person.teams_changed", subject=educator, person_id=educator.id,
              summary=f"{educator.name} supports: {', '.join(after) or 'no team'}",
              before={"supported_teams": before}, after={"supported_teams": after})
