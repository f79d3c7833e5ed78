"""The Excel workbooks open ready to read: status fills beside the words, widths, frozen header, filters,
percentages as numbers. Each test reads the downloaded workbook back with openpyxl."""
from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus
from skillpass.services import exports

AHP = "AHP Support Worker Skills Passport"


def _accepted(person, item, on):
    db.session.add(Entry(person_id=person.id, item_id=item.id, completed_on=on, method=EntryMethod.HERE,
                         status=EntryStatus.ACCEPTED, recorded_by_id=person.id))


def _sheet(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data)).active


def _cell(sheet, name, column_title):
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[1].value == name:
            return row[header.index(column_title)]
    raise AssertionError(f"no row for {name}")


def test_the_matrix_workbook_fills_each_status_cell_and_keeps_its_words(as_admin, world):
    _accepted(world.learner, world.fire, dt.date(2024, 4, 1))      # expires 1 Apr 2026: Expiring
    _accepted(world.learner, world.stress, dt.date(2026, 1, 20))   # Complete
    db.session.commit()
    sheet = _sheet(as_admin, f"/team/export/matrix?format=xlsx&team={world.team_a.id}")

    expected = {
        f"{AHP}: Fire safety [CSTF-FIRE]": ("Expiring: Expires 1 Apr 2026", exports.FILLS["orange"]),
        f"{AHP}: Managing work and life stress": ("Complete: ", exports.FILLS["green"]),
        f"{AHP}: Moving a patient with a hoist": ("To do: ", exports.FILLS["blue"]),
    }
    for column, (words, (fill, text)) in expected.items():
        cell = _cell(sheet, "Lee Learner", column)
        assert cell.value.startswith(words), (column, cell.value)     # the word is still there: never colour alone
        assert cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb == "00" + fill, column
        assert cell.font.color.rgb == "00" + text, column

    # An optional item not done counts against nobody: grey, never red or blue, whatever its words.
    optional = _cell(sheet, "Lee Learner", f"{AHP}: Reflective practice")
    assert optional.fill.fgColor.rgb == "00" + exports.FILLS["grey"][0]
    # The header is bold, shaded and wraps; the people columns carry no fill.
    assert all(c.font.bold and c.alignment.wrap_text for c in sheet[1])
    assert _cell(sheet, "Lee Learner", "Name").fill.fill_type is None


def test_an_overdue_mandatory_item_is_red_in_the_workbook(as_admin, world):
    sheet = _sheet(as_admin, f"/team/export/matrix?format=xlsx&team={world.team_a.id}")
    fire = _cell(sheet, "Lee Learner", f"{AHP}: Fire safety [CSTF-FIRE]")
    assert fire.value.startswith("Overdue") and fire.fill.fgColor.rgb == "00" + exports.FILLS["red"][0]


def test_the_matrix_workbook_stores_compliance_as_a_percentage(as_admin, world):
    _accepted(world.learner, world.fire, dt.date(2025, 6, 1))
    db.session.commit()
    sheet = _sheet(as_admin, f"/team/export/matrix?format=xlsx&team={world.team_a.id}")
    lee = _cell(sheet, "Lee Learner", "Compliance %")
    assert lee.value == 1 and lee.number_format == "0%" and lee.data_type == "n"   # 100 %, a number
    eve = _cell(sheet, "Eve Educator", "Compliance %")
    assert eve.value == 0 and eve.number_format == "0%"
    assert _cell(sheet, "Lee Learner", "Met").value == 1      # counts stay counts


def test_the_matrix_workbook_freezes_the_header_and_names_and_filters_every_column(as_admin, world):
    sheet = _sheet(as_admin, f"/team/export/matrix?format=xlsx&team={world.team_a.id}")
    columns = sheet.max_column
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(columns)}{sheet.max_row}"
    assert sheet.max_row == 3           # header, Eve, Lee
    widths = {letter: sheet.column_dimensions[letter].width for letter in
              (get_column_letter(n) for n in range(1, columns + 1))}
    assert all(exports.MIN_WIDTH < w <= exports.MAX_WIDTH + 2 for w in widths.values()), widths
    # As wide as what they hold: a status cell's words fit, a name column is wider than a count.
    status = _cell(sheet, "Lee Learner", f"{AHP}: Fire safety [CSTF-FIRE]")
    assert widths[status.column_letter] >= len(status.value)
    assert widths["B"] > widths["F"]


def test_the_records_workbook_sets_widths_and_still_imports_back(as_admin, world):
    _accepted(world.learner, world.fire, dt.date(2025, 5, 1))
    db.session.commit()
    sheet = _sheet(as_admin, "/team/export/records?format=xlsx")
    header = [c.value for c in sheet[1]]
    assert header == exports.RECORD_HEADER
    for number, title in enumerate(header, 1):
        width = sheet.column_dimensions[get_column_letter(number)].width
        assert width >= min(len(title), exports.HEADER_WIDTH), title
    how = header.index("How") + 1
    assert sheet.column_dimensions[get_column_letter(how)].width >= len("Completed here")
    assert sheet.freeze_panes == "C2" and sheet.auto_filter.ref == f"A1:P{sheet.max_row}"
    completed = _cell(sheet, "Lee Learner", "Completed on")
    assert completed.value == dt.datetime(2025, 5, 1) and completed.number_format == "d mmm yyyy"


def test_widths_are_measured_on_the_first_rows_and_kept_within_bounds():
    rows = [["a" * 200, dt.date(2026, 1, 1), exports.Percent(85), exports.Tagged("Complete: Expires 1 Jan 2027", "green")]]
    widths = exports.column_widths(["Reflection", "When", "Compliance %", "A passport: a long item title [CODE]"], rows)
    assert widths[0] == exports.MAX_WIDTH + 2                  # a long note is cut to the widest column
    assert widths[1] == 11 + 2                                 # "30 Sep 2026" fits
    assert widths[2] == len("Compliance %") + 2
    assert widths[3] == len("Complete: Expires 1 Jan 2027") + 2


def test_csv_keeps_whole_percentages_and_plain_words():
    table = exports.Table(header=["Compliance %", "Fire"],
                          rows=iter([[exports.Percent(85), exports.Tagged("=Overdue: Due 1 Jan", "red")]]))
    text = "".join(exports.csv_chunks(table))
    assert text.endswith("85,'=Overdue: Due 1 Jan\r\n")      # neutralised like any other text
