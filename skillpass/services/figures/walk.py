"""The one walk over person × passport × item that the matrix and the admin home's figures share.

This loop runs for every cell of a trust (400,000 for 5,000 people), so it is kept tight: the
rules are worked out once per distinct date rather than once per cell (ColumnRules), and counts
are kept as plain lists in the order rules.TALLIED fixes, made into Compliance figures at the end.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Hashable, Iterable, Iterator

from skillpass import rules
from skillpass.qualification import PassportStanding, passport_standing
from skillpass.rules import OPTIONAL_INDEX, TALLY_INDEX, TALLY_SIZE, Status
from skillpass.services.figures.scope import NOTHING, Column
from skillpass.subjects import subject_key

COMPLETE = Status.COMPLETE


@dataclass(slots=True)
class Cell:
    """One person's item as the matrix shows it. Cells of equal values are one object, shared between people
    (ColumnRules hands them out): nothing changes a cell once made."""
    status: Status
    due_on: dt.date | None          # no accepted entry: when it is (was) due
    expires_on: dt.date | None      # accepted and recurring: when it expires
    completed_on: dt.date | None
    awaiting: bool
    mandatory: bool
    date_line: str                  # rules.short_date_line, worked out once per distinct date
    # The cell's own part of its HTML (status words and date line), made the first time it is drawn
    # (team/views.row_cells): a shared cell is drawn for every person who has it.
    drawn: tuple[str, str] | None = field(default=None, compare=False, repr=False)

    @property
    def label(self) -> str:
        """The status word, with "awaiting sign-off" after it when an entry awaits one."""
        return rules.status_line(self.status, awaiting=self.awaiting, completed_on=self.completed_on,
                                 mandatory=self.mandatory)

    @property
    def word(self) -> str:
        """The status word alone: "Optional · not done" for an optional item not done (rules.status_word)."""
        return rules.status_word(self.status, mandatory=self.mandatory)

    @property
    def css(self) -> str:
        """The class suffix the cell is coloured by: an optional item not done is grey, never red."""
        return rules.status_css(self.status, mandatory=self.mandatory)

    @property
    def awaiting_words(self) -> str | None:
        return rules.awaiting_words(self.completed_on) if self.awaiting else None

    @property
    def counts(self) -> bool:
        return self.mandatory

    @property
    def lapse_on(self) -> dt.date | None:
        """The day it stops counting as met, or becomes overdue: the date a forecast is about."""
        if self.completed_on is not None:
            return self.expires_on
        return self.due_on


class ColumnRules:
    """A column's date rules, worked out once per distinct date rather than once per cell: a
    completion date gives an expiry and a status (they depend only on the frequency, so columns of
    one frequency share them); the date A of a person's passport (rules.assignment_anchor) gives a
    due date and the status of an item not yet done (shared by the columns of one offset and one
    arrival date). Everything comes from rules.py, so the figures follow exactly the rules every
    passport follows. Each answer carries its place in a tally (rules.TALLY_INDEX), when cells
    are drawn its date line, and the cells made from it: four at most (awaiting or not, mandatory or not), each
    made once and shared by every person whose item gives that answer (most cells of a team repeat)."""

    __slots__ = ("frequency", "offset", "added_on", "today", "warning_days", "lines", "done", "due", "grace",
                 "has_refresher", "chains")

    def __init__(self, column: Column, *, today: dt.date, warning_days: int, shared: dict, lines: bool):
        item = column.item
        self.frequency, self.offset, self.added_on = item.frequency_months, column.offset, item.added_on
        self.grace, self.has_refresher = item.grace_months, item.has_refresher
        self.today, self.warning_days, self.lines = today, warning_days, lines
        # A column with a refresher says what renewing needs after its date line, so it keeps its own answers.
        self.done: dict[dt.date, tuple] = shared.setdefault(
            ("done", self.frequency, self.grace) if self.has_refresher else ("done", self.frequency), {})
        self.due: dict[dt.date, tuple] = shared.setdefault(("due", self.offset, self.added_on), {})
        self.chains: dict = shared.setdefault(("chain", self.frequency, self.grace, self.has_refresher), {})

    def chained(self, links) -> tuple[dt.date | None, dt.date | None, Status | None, int, str | None, list | None]:
        """What a subject's links (scope.Links) give this column under the chain rule (PRODUCT.md §6.3):
        (the completion counted, E, status, its place in a tally, the date line, its cells); nothing counted gives
        (None, None, None, 0, None, None), and the column's due date applies."""
        chain = rules.chain_of(links, frequency_months=self.frequency, grace_months=self.grace,
                               has_refresher=self.has_refresher)
        completed, expires = chain.completed_on, chain.expires_on
        if completed is None:
            found = self.chains[links] = (None, None, None, 0, None, None)
            return found
        status = rules.status_of(today=self.today, due_on=self.today, expires_on=expires,
                                 latest_accepted_on=completed, warning_days=self.warning_days)
        line = None
        if self.lines:
            renewal, _ = rules.renewal_of(status, today=self.today, expires_on=expires,
                                          has_refresher=self.has_refresher, grace_months=self.grace, counted=True,
                                          completed_on=completed, frequency_months=self.frequency)
            line = rules.short_date_line(status, due_on=None, expires_on=expires, completed_on=completed,
                                         refresher=chain.counted.refresher, by_certificate=chain.by_certificate,
                                         renewal=renewal)
        found = self.chains[links] = (completed, expires, status, TALLY_INDEX[status], line, [None] * 4)
        return found

    def after(self, completed: dt.date) -> tuple[dt.date | None, Status, int, str | None, list]:
        expires = rules.expiry_date(completed, self.frequency)
        status = rules.status_of(today=self.today, due_on=self.today, expires_on=expires,
                                 latest_accepted_on=completed, warning_days=self.warning_days)
        line = None
        if self.lines:
            # A plain date on a column with a refresher is an initial completion (credit from a subject without one).
            renewal, _ = rules.renewal_of(status, today=self.today, expires_on=expires,
                                          has_refresher=self.has_refresher, grace_months=self.grace, counted=True,
                                          completed_on=completed, frequency_months=self.frequency)
            line = rules.short_date_line(status, due_on=None, expires_on=expires, completed_on=completed,
                                         renewal=renewal)
        found = self.done[completed] = (expires, status, TALLY_INDEX[status], line, [None] * 4)
        return found

    def before(self, a: dt.date) -> tuple[dt.date, Status, int, str | None, list]:
        due = rules.due_on(start_date=a, assigned_on=a, item_added_on=self.added_on, offset=self.offset)
        status = rules.status_of(today=self.today, due_on=due, expires_on=None, latest_accepted_on=None,
                                 warning_days=self.warning_days)
        line = rules.short_date_line(status, due_on=due, expires_on=None, completed_on=None) if self.lines else None
        found = self.due[a] = (due, status, TALLY_INDEX[status], line, [None] * 4)
        return found


class Plan:
    """What a walk needs of its columns, read once per column: by template, (item id, mandatory,
    the column's tally, its rules). With cells False (counting only), optional columns get no
    rules: they are counted as optional without working out a status nobody reads. With lines False, cells
    carry their dates and statuses but no date line (the kept dates, services/item_dates.py)."""

    def __init__(self, columns: list[Column], *, today: dt.date, warning_days: int, cells: bool,
                 lines: bool | None = None):
        self.columns = columns
        self.cells = cells
        self.tallies = [[0] * TALLY_SIZE for _ in columns]
        self.overall = [0] * TALLY_SIZE
        shared: dict = {}
        self.by_template: dict[int, list[tuple]] = defaultdict(list)
        # Each column reads its subject's latest completion (PRODUCT.md §6.1: one record, every passport).
        self.subject_of = {column.item.id: subject_key(column.item.id, column.item.code) for column in columns}
        for column, tally in zip(columns, self.tallies):
            item = column.item
            column_rules = (ColumnRules(column, today=today, warning_days=warning_days, shared=shared,
                                        lines=cells if lines is None else lines)
                            if cells or item.mandatory else None)
            self.by_template[item.template_id].append((item.id, self.subject_of[item.id], item.mandatory, tally,
                                                       column_rules))

    def column_figures(self) -> Iterator[tuple[Column, rules.Compliance]]:
        for column, tally in zip(self.columns, self.tallies):
            yield column, rules.Compliance.of_tally(tally)


def walk(plan: Plan, people: Iterable, held: dict[int, list[tuple[int, dt.date]]],
         latest: dict[int, dict[Hashable, dt.date]], awaiting: dict[int, set[Hashable]] | None = None,
         ) -> Iterator[tuple[object, list[int], dict[int, Cell] | None, dict[int, PassportStanding]]]:
    """For each person (a row with .id and .start_date): (the row, their tally, their cells or None, their
    standing with each passport they hold, by template id).

    *latest* and *awaiting* are keyed by subject (scope.latest_completions); cells by item id.
    Each cell is counted in the person's tally, its column's and the plan's overall one as it goes; each
    passport's mandatory statuses give its standing (PRODUCT.md §6.3, qualification.passport_standing), from
    the very statuses the cells show (only those not Complete are handed on: a Complete item changes nothing)."""
    by_template = plan.by_template
    overall = plan.overall
    want_cells = plan.cells
    waiting_by_person = awaiting or NOTHING
    for person in people:
        person_id = person.id
        start_date = person.start_date
        tally = [0] * TALLY_SIZE
        cells: dict[int, Cell] | None = {} if want_cells else None
        mine = latest.get(person_id, NOTHING)
        waiting_items = waiting_by_person.get(person_id, NOTHING)
        standings: dict[int, PassportStanding] = {}
        for template_id, assigned_on in held.get(person_id, ()):
            a = rules.assignment_anchor(start_date, assigned_on)
            not_complete = []
            for item_id, subject, mandatory, column_tally, column_rules in by_template.get(template_id, ()):
                if column_rules is None:
                    at = OPTIONAL_INDEX
                else:
                    completed = mine.get(subject)
                    if completed is not None and type(completed) is not dt.date:
                        # A subject the chain rule reads whole (a refresher, a certificate's own expiry).
                        completed, expires, status, at, line, made = (column_rules.chains.get(completed)
                                                                      or column_rules.chained(completed))
                        due = None
                        if completed is None:
                            due, status, at, line, made = column_rules.due.get(a) or column_rules.before(a)
                    elif completed is None:
                        due, status, at, line, made = column_rules.due.get(a) or column_rules.before(a)
                        expires = None
                    else:
                        expires, status, at, line, made = (column_rules.done.get(completed)
                                                           or column_rules.after(completed))
                        due = None
                    if cells is not None:
                        waiting = subject in waiting_items
                        which = 2 * waiting + mandatory
                        cell = made[which]
                        if cell is None:
                            cell = made[which] = Cell(status, due, expires, completed, waiting, mandatory, line)
                        cells[item_id] = cell
                    if not mandatory:
                        at = OPTIONAL_INDEX
                    elif status is not COMPLETE:
                        # What stops or threatens the standing; a Complete item changes nothing in it.
                        not_complete.append((item_id, status))
                tally[at] += 1
                column_tally[at] += 1
                overall[at] += 1
            standings[template_id] = passport_standing(not_complete)
        yield person, tally, cells, standings
