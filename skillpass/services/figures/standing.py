"""Who meets, is about to lose or does not meet each passport held as a qualification (PRODUCT.md §6.3):
the counts by passport and by team, and the people behind each count. Read from the standings the walk
worked out (walk.walk, the same statuses as the matrix's cells), so the numbers always agree with the matrix,
and cost no query of their own."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from skillpass.qualification import PassportStanding
from skillpass.rules import Standing, Status
from skillpass.services.figures.scope import TemplateInfo
from skillpass.services.figures.walk import Cell

NO_TEAM = "No team"
# The order the three standings are shown in, worst last, as the words read: meets, about to lose, does not.
STANDINGS = (Standing.MEETS, Standing.ABOUT_TO_LOSE, Standing.DOES_NOT_MEET)


@dataclass
class Counts:
    meets: int = 0
    about_to_lose: int = 0
    does_not_meet: int = 0

    def of(self, standing: Standing) -> int:
        return getattr(self, standing.value)

    def add(self, standing: Standing) -> None:
        setattr(self, standing.value, getattr(self, standing.value) + 1)

    @property
    def total(self) -> int:
        return self.meets + self.about_to_lose + self.does_not_meet


@dataclass
class TeamCounts:
    team_id: int | None     # None: people without a team
    name: str
    counts: Counts = field(default_factory=Counts)


@dataclass
class PassportFigure:
    """One passport's counts: everyone in scope who holds it, and each team of theirs."""
    template: TemplateInfo
    counts: Counts = field(default_factory=Counts)
    teams: list[TeamCounts] = field(default_factory=list)


class Tally:
    """Counts standings as people go by: per passport, overall and per team."""

    def __init__(self) -> None:
        self._counts: dict[int, Counts] = {}
        self._teams: dict[int, dict[int | None, TeamCounts]] = {}

    def add(self, team_id: int | None, team_name: str | None, standings: dict[int, PassportStanding]) -> None:
        for template_id, held in standings.items():
            counts = self._counts.get(template_id)
            if counts is None:
                counts = self._counts[template_id] = Counts()
                self._teams[template_id] = {}
            counts.add(held.standing)
            teams = self._teams[template_id]
            team = teams.get(team_id)
            if team is None:
                team = teams[team_id] = TeamCounts(team_id, team_name or NO_TEAM)
            team.counts.add(held.standing)

    def add_count(self, template_id: int, team_id: int | None, team_name: str | None, standing: Standing,
                  count: int) -> None:
        """*count* people of one team with one standing with one passport (counted by the database)."""
        counts = self._counts.get(template_id)
        if counts is None:
            counts = self._counts[template_id] = Counts()
            self._teams[template_id] = {}
        setattr(counts, standing.value, counts.of(standing) + count)
        teams = self._teams[template_id]
        team = teams.get(team_id)
        if team is None:
            team = teams[team_id] = TeamCounts(team_id, team_name or NO_TEAM)
        setattr(team.counts, standing.value, team.counts.of(standing) + count)

    def figures(self, passports: Iterable[TemplateInfo]) -> list[PassportFigure]:
        """The passports someone holds, in the order given (by name), each with its teams by name, people
        without a team last."""
        out = []
        for template in passports:
            counts = self._counts.get(template.id)
            if counts is None:
                continue
            teams = sorted(self._teams[template.id].values(), key=lambda t: (t.team_id is None, t.name.lower()))
            out.append(PassportFigure(template=template, counts=counts, teams=teams))
        return out


def standing_figures(matrix) -> list[PassportFigure]:
    """The counts of the team page: every person of the matrix (its scope, not its status filter)."""
    tally = Tally()
    for row in matrix.rows:
        tally.add(row.team_id, row.team_name, row.standings)
    return tally.figures(matrix.passports)


@dataclass(frozen=True)
class Reason:
    """An item behind a standing: which, its title, and its cell (status word and date line)."""
    item_id: int
    title: str
    status: Status
    cell: Cell | None


@dataclass(frozen=True)
class Holder:
    """A person holding a passport, with their standing and the items behind it."""
    row: object                 # the matrix row: person, team, cells
    template: TemplateInfo
    held: PassportStanding
    reasons: tuple[Reason, ...] = ()

    @property
    def standing(self) -> Standing:
        return self.held.standing


def holders(matrix, *, template_id: int | None = None, standing: Standing | None = None,
            no_team: bool = False) -> list[Holder]:
    """The people behind a count: each person of the matrix holding the passport (any, for None) with that
    standing (any, for None), by name and then passport; with *no_team*, only people without a team."""
    titles = {column.item.id: column.item.title for column in matrix.columns}
    order = {template.id: index for index, template in enumerate(matrix.passports)}
    named = {template.id: template for template in matrix.passports}
    found = []
    for row in matrix.rows:
        if no_team and row.team_id is not None:
            continue
        for held_id in sorted(row.standings, key=lambda t: order.get(t, len(order))):
            held = row.standings[held_id]
            if (template_id is not None and held_id != template_id) or (standing is not None
                                                                         and held.standing is not standing):
                continue
            reasons = tuple(Reason(item_id, titles.get(item_id, ""), status, row.cells.get(item_id))
                            for item_id, status in held.why)
            found.append(Holder(row=row, template=named.get(held_id, TemplateInfo(held_id, "")), held=held,
                                reasons=reasons))
    return found
