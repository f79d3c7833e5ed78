"""A passport held as a qualification (PRODUCT.md §6.3): where a person stands with it, and which items cause
that. The rule itself is rules.standing_of; this keeps its answer with the items behind it, in the words every
output uses ("About to lose": the items Expiring; "Does not meet": "2 overdue, 1 to do"). Pure, as rules.py."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Iterable

from skillpass.rules import Standing, Status, standing_of

# The order "Does not meet" counts its items in: what is late first.
_STOPPING_ORDER = (Status.OVERDUE, Status.EXPIRED, Status.TODO)


@dataclass(frozen=True, slots=True)
class PassportStanding:
    """One person's standing with one passport they hold, with its mandatory items that are not Complete
    (item key, status), in passport order. Plain values: safe to keep between requests."""
    standing: Standing
    causes: tuple[tuple[Hashable, Status], ...] = ()

    @property
    def label(self) -> str:
        return self.standing.label

    @property
    def colour(self) -> str:
        return self.standing.colour

    @property
    def expiring(self) -> tuple[Hashable, ...]:
        """The items Expiring: what "About to lose" is about to lose it by."""
        return tuple(key for key, status in self.causes if status is Status.EXPIRING)

    @property
    def stopping(self) -> tuple[tuple[Hashable, Status], ...]:
        """The items that stop it meeting the passport (neither Complete nor Expiring)."""
        return tuple((key, status) for key, status in self.causes if not status.counts_as_met)

    @property
    def why(self) -> tuple[tuple[Hashable, Status], ...]:
        """The items behind the standing: the Expiring ones when about to lose it, the ones that stop it
        when it does not meet it, none when it meets it."""
        if self.standing is Standing.ABOUT_TO_LOSE:
            return tuple((key, Status.EXPIRING) for key in self.expiring)
        if self.standing is Standing.DOES_NOT_MEET:
            return self.stopping
        return ()

    @property
    def stopping_words(self) -> str:
        """How many items stop it, by status: "2 overdue, 1 to do" ("" when nothing does)."""
        counts: dict[Status, int] = {}
        for _, status in self.stopping:
            counts[status] = counts.get(status, 0) + 1
        order = [s for s in _STOPPING_ORDER if s in counts] + [s for s in counts if s not in _STOPPING_ORDER]
        return ", ".join(f"{counts[status]} {status.label.lower()}" for status in order)


def passport_standing(statuses: Iterable[tuple[Hashable, Status]]) -> PassportStanding:
    """The standing (rules.standing_of) over the mandatory, required items of one passport, given as (item key,
    status) in passport order, kept with the items that are not Complete. Complete items may be left out by a
    caller in a hurry (the team figures' walk): standing_of reads them as met, so they change nothing, and a
    passport with every item Complete (or none) shares one answer."""
    causes = tuple(pair for pair in statuses if pair[1] is not Status.COMPLETE)
    if not causes:
        return _ALL_COMPLETE
    return PassportStanding(standing_of(status for _, status in causes), causes)


_ALL_COMPLETE = PassportStanding(standing_of(()))
