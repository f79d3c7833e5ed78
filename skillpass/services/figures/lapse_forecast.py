"""Who lapses next: mandatory items now in date that expire, or fall due, within a window."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from skillpass.rules import Status
from skillpass.services.figures.matrix import Matrix, Row
from skillpass.services.figures.scope import ItemInfo, Member
from skillpass.services.figures.walk import Cell


@dataclass
class Lapse:
    person: Member
    team_name: str
    item: ItemInfo
    cell: Cell

    @property
    def kind(self) -> str:
        return "expires" if self.cell.completed_on is not None else "due"


@dataclass
class Forecast:
    days: int
    today: dt.date
    lapses: list[Lapse]

    @property
    def weeks(self) -> list[tuple[dt.date, int, int]]:
        """(Monday, expiries, due dates) for each week from this one to the end of the window."""
        by_day: dict[tuple[dt.date, str], int] = defaultdict(int)
        for lapse in self.lapses:
            by_day[(lapse.cell.lapse_on, lapse.kind)] += 1
        return week_counts(self.today, self.days, by_day)

    @property
    def by_person(self) -> list[tuple[Member, str, list[Lapse]]]:
        groups: dict[int, list[Lapse]] = defaultdict(list)
        people: dict[int, tuple[Member, str]] = {}
        for lapse in self.lapses:
            groups[lapse.person.id].append(lapse)
            people[lapse.person.id] = (lapse.person, lapse.team_name)
        out = [(people[pid][0], people[pid][1], sorted(ls, key=lambda x: (x.cell.lapse_on, x.item.title)))
               for pid, ls in groups.items()]
        return sorted(out, key=lambda g: (g[2][0].cell.lapse_on, g[0].name))

    @property
    def people(self) -> int:
        return len({lapse.person.id for lapse in self.lapses})

    def within(self, days: int) -> tuple[int, int]:
        """(items, people) that lapse within the first *days* of the window: the same rule as ``forecast``."""
        end = self.today + dt.timedelta(days=days)
        inside = [lapse for lapse in self.lapses
                  if lapse.cell.lapse_on < end or lapse.kind == "expires" and lapse.cell.lapse_on == end]
        return len(inside), len({lapse.person.id for lapse in inside})


def week_counts(today: dt.date, days: int, by_day: dict[tuple[dt.date, str], int]) -> list[tuple[dt.date, int, int]]:
    """(Monday, expiries, due dates) for each week from today's to the end of the window, from the lapses counted
    by (day, "expires" or "due")."""
    start = today - dt.timedelta(days=today.weekday())
    end = today + dt.timedelta(days=days)
    weeks = []
    monday = start
    while monday <= end:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    expiring: dict[dt.date, int] = defaultdict(int)
    due: dict[dt.date, int] = defaultdict(int)
    for (on, kind), count in by_day.items():
        week = on - dt.timedelta(days=on.weekday())
        (expiring if kind == "expires" else due)[week] += count
    return [(w, expiring[w], due[w]) for w in weeks]


def forecast(matrix: Matrix, rows: list[Row], *, days: int) -> Forecast:
    """Mandatory items now in date that lapse within *days*: an expiry, or a due date not yet met."""
    today = matrix.today
    end = today + dt.timedelta(days=days)
    items = {c.item.id: c.item for c in matrix.columns}
    lapses = []
    for row in rows:
        for item_id, cell in row.cells.items():
            if not cell.mandatory or cell.status not in (Status.COMPLETE, Status.EXPIRING, Status.TODO):
                continue
            on = cell.lapse_on
            if on is None:
                continue
            # Expiring items lapse on their expiry day; a to-do item becomes overdue the day after it is due.
            if cell.completed_on is not None and today <= on <= end or cell.completed_on is None and today <= on < end:
                lapses.append(Lapse(person=row.person, team_name=row.team_name, item=items[item_id], cell=cell))
    return Forecast(days=days, today=today, lapses=lapses)
