"""Compliance (PRODUCT.md §3): (Complete + Expiring) ÷ (Complete + Expiring + Overdue + Expired) over mandatory
items, with the counts kept beside every percentage. Pure, as rules.py."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from skillpass.rules import ItemState, Status

# The statuses a Compliance counts, each in the field named after its value; code that keeps counts
# as plain lists in a hot loop (the team figures) keeps them in this order, optional items last.
TALLIED = (Status.COMPLETE, Status.EXPIRING, Status.OVERDUE, Status.EXPIRED, Status.TODO)
TALLY_INDEX = {status: index for index, status in enumerate(TALLIED)}
OPTIONAL_INDEX = len(TALLIED)
TALLY_SIZE = len(TALLIED) + 1


@dataclass
class Compliance:
    complete: int = 0
    expiring: int = 0
    overdue: int = 0
    expired: int = 0
    todo: int = 0
    optional: int = field(default=0)  # shown, never counted

    @property
    def met(self) -> int:
        return self.complete + self.expiring

    @property
    def due(self) -> int:
        return self.complete + self.expiring + self.overdue + self.expired

    @property
    def percent(self) -> int | None:
        """Whole-number percentage, rounded down so 99.6 % never shows as 100 %; None if nothing is due yet."""
        if self.due == 0:
            return None
        return (100 * self.met) // self.due

    @classmethod
    def of_tally(cls, tally: list[int]) -> Compliance:
        """The figures of a plain list of counts kept in TALLIED order, optional items last."""
        return cls(**{status.value: tally[index] for index, status in enumerate(TALLIED)},
                   optional=tally[OPTIONAL_INDEX])

    def count(self, status: Status, n: int = 1) -> None:
        """Count *n* mandatory items of *status* (an item not required counts nowhere)."""
        if status is not Status.NOT_REQUIRED:
            setattr(self, status.value, getattr(self, status.value) + n)

    def add(self, state: ItemState) -> None:
        if state.status is Status.NOT_REQUIRED:
            return
        if not state.mandatory:
            self.optional += 1
            return
        self.count(state.status)

    def describe(self) -> str:
        if self.percent is None:
            return "Nothing due yet"
        return f"{self.percent}% compliant: {self.met} of {self.due} due items in date"


def compliance(states: Iterable[ItemState]) -> Compliance:
    """(Complete + Expiring) ÷ (Complete + Expiring + Overdue + Expired), over mandatory items."""
    result = Compliance()
    for state in states:
        result.add(state)
    return result


