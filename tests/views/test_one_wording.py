"""One wording: a status, its awaiting marker and its date line read the same on the passport page, the team
matrix, the matrix's CSV and XLSX exports and the printed passport (the PDF's source), and they are the words
of rules.py: rules.status_line, rules.short_date_line, and ItemState.date_line (the short line and its reason)
where there is room for the reason (the passport and the print)."""
from __future__ import annotations

import csv
import datetime as dt
import html as html_lib
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from skillpass import rules
from skillpass.extensions import db
from skillpass.models import Assignment, Entry, EntryMethod, EntryStatus
from skillpass.rules import Status
from tests import factories
from tests.conftest import TODAY

D = dt.date
START = D(2026, 1, 5)
COLUMN = "AHP Support Worker Skills Passport: {title}"


def _entry(person, item, on, status=EntryStatus.ACCEPTED):
    db.session.add(Entry(person_id=person.id, item_id=item.id, completed_on=on, method=EntryMethod.HERE,
                         status=status, recorded_by_id=person.id))


# (case, start date, which item, accepted completion, awaiting entry, the status rules.py must give)
CASES = [
    ("complete", START, "fire", D(2025, 6, 1), None, Status.COMPLETE),
    ("complete-one-off", START, "stress", D(2026, 2, 2), None, Status.COMPLETE),
    ("expiring", START, "fire", D(2024, 4, 1), None, Status.EXPIRING),
    ("expired", START, "fire", D(2023, 12, 1), None, Status.EXPIRED),
    ("overdue", START, "fire", None, None, Status.OVERDUE),
    ("to-do", D(2026, 2, 25), "fire", None, None, Status.TODO),
    ("awaiting-sign-off", START, "fire", None, D(2026, 2, 20), Status.OVERDUE),
    ("renewal-awaiting-sign-off", START, "fire", D(2024, 4, 1), D(2026, 2, 20), Status.EXPIRING),
    ("not-required", START, "fire", D(2025, 6, 1), None, Status.NOT_REQUIRED),
    # An optional item is never red: not done (whether or not its due date has passed) it says so in grey.
    ("optional-not-done", D(2025, 6, 1), "optional", None, None, Status.OVERDUE),
    ("optional-to-do", START, "optional", None, None, Status.TODO),
    ("optional-not-done-awaiting", D(2025, 6, 1), "optional", None, D(2026, 2, 20), Status.OVERDUE),
    ("optional-complete", START, "optional", D(2026, 2, 2), None, Status.COMPLETE),
]


def _expected(world, start, item, accepted, awaiting, status) -> rules.ItemState:
    """What rules.py says, from the plain values alone."""
    section = world.week2 if item is world.fire else world.month6
    due = rules.due_date(start_date=start, assigned_on=start, item_added_on=item.added_on,
                         offset=rules.Offset(section.offset_amount, section.offset_unit.value))
    state = rules.item_state(today=TODAY, due=due, frequency_months=item.frequency_months,
                             latest_accepted_on=accepted, awaiting=awaiting is not None,
                             required=status is not Status.NOT_REQUIRED, mandatory=item.mandatory)
    assert state.status is status
    return state


def _text(fragment: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def _passport_page(client, person, item) -> tuple[str, str]:
    """The status tags (joined as the status line joins them) and the date line of the item's row."""
    page = client.get(f"/people/{person.id}/passport").get_data(as_text=True)
    start = page.index(f'id="item-{item.id}"')
    row = page[start:page.index("</tr>", start)]
    tags = [_text(t) for t in re.findall(r'<strong class="nhsuk-tag[^"]*app-status[^"]*">(.*?)</strong>', row)]
    colours = re.findall(r'<strong class="nhsuk-tag nhsuk-tag--([a-z]+) app-status">', row)
    assert colours and (item.mandatory or "red" not in colours)
    date_line = re.search(r'Due or expiry </span>(.*?)</td>', row, re.S).group(1)
    return " · ".join(tags), _text(date_line)


def _print_page(client, person, item) -> tuple[str, str]:
    page = client.get(f"/people/{person.id}/passport/print").get_data(as_text=True)
    start = page.index(f"<strong>{item.title}</strong>")
    row = page[start:page.index("</tr>", start)]
    found = re.search(r'<span class="tag tag--([a-z]+)">(.*?)</span>', row, re.S)
    colour, tag = found.groups()
    assert item.mandatory or colour != "red"
    date_line = re.search(r'<span class="date-line">(.*?)</span>', row, re.S).group(1)
    return _text(tag), _text(date_line)


def _matrix_cell(client, world, person, item) -> tuple[str, str]:
    page = client.get(f"/team/?team={world.team_a.id}").get_data(as_text=True)
    start = page.index(f">{person.name}</a>")
    row = page[start:page.index("</tr>", start)]
    if not item.mandatory:
        assert not re.search(rf'app-cell--(overdue|expired)"><a class="app-cell__link" href="[^"]*#item-{item.id}"', row)
    cell = re.search(rf'#item-{item.id}"><span class="nhsuk-u-visually-hidden">[^<]*</span>(.*?)'
                     r'<span class="app-cell__date">(.*?)</span></a>', row, re.S)
    return _text(cell.group(1)), _text(cell.group(2))


def _exported_cells(client, world, person, item) -> list[str]:
    """The item's cell in the person's row of the matrix export, as CSV and as XLSX."""
    query = f"team={world.team_a.id}"
    column = COLUMN.format(title=item.title) + (f" [{item.code}]" if item.code else "")
    table = list(csv.reader(io.StringIO(
        client.get(f"/team/export/matrix?format=csv&{query}").get_data(as_text=True).lstrip("\ufeff"))))
    from_csv = next(r for r in table if r[1] == person.name)[table[0].index(column)]
    sheet = load_workbook(io.BytesIO(client.get(f"/team/export/matrix?format=xlsx&{query}").data)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    from_xlsx = next(r for r in rows if r[1] == person.name)[rows[0].index(column)]
    return [from_csv, from_xlsx]


@pytest.mark.parametrize("case, start, which, accepted, awaiting, status", CASES, ids=[c[0] for c in CASES])
def test_every_output_says_a_status_and_its_date_line_one_way(as_admin, world, case, start, which, accepted,
                                                               awaiting, status):
    item = getattr(world, which)
    person = factories.person(name=f"Wording {case}", team=world.team_a, start_date=start)
    assignment = factories.assign(person, world.template, on=start)
    if accepted:
        _entry(person, item, accepted)
    if awaiting:
        _entry(person, item, awaiting, status=EntryStatus.AWAITING)
    if status is Status.NOT_REQUIRED:
        assignment.removed_on = D(2026, 2, 1)
    db.session.commit()

    state = _expected(world, start, item, accepted, awaiting, status)
    word = rules.status_line(state.status, awaiting=state.awaiting, completed_on=state.completed_on,
                             mandatory=state.mandatory)
    short = rules.short_date_line(state.status, due_on=state.due.on if state.due else None,
                                  expires_on=state.expires_on, completed_on=state.completed_on)
    assert (state.label, state.short_date_line) == (word, short)
    assert state.date_line.startswith(short)
    if awaiting:
        assert word.endswith("renewal awaiting sign-off" if accepted else " · awaiting sign-off")
    if not item.mandatory and accepted is None:
        assert word.startswith("Optional · not done") and state.colour == "grey"

    # The passport page and the print: the status line, and the date line with its reason.
    assert _passport_page(as_admin, person, item) == (word, state.date_line)
    assert _print_page(as_admin, person, item) == (word, state.date_line)

    if status is Status.NOT_REQUIRED:
        # A passport no longer held has no column in the matrix: "Not required" shows only where history does.
        assert db.session.scalar(select(Assignment.removed_on).where(Assignment.id == assignment.id))
        return
    # The matrix and its exports: the same status line, and the same date line without the reason.
    assert _matrix_cell(as_admin, world, person, item) == (word, short)
    assert _exported_cells(as_admin, world, person, item) == [f"{word}: {short}"] * 2
