"""Reading import files as real exports come: separators, header aliases, extra columns, workbooks, dates."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from skillpass.services import completions_import, import_files, people_import
from skillpass.services.import_files import columns, csv_rows, date_problem, parse_date, separator, upload_text


@pytest.mark.parametrize("text, expected", [
    ("employee_number,item,completed_on\r\n1,A,2026-01-05\r\n", ","),
    ("Employee Number;Competence Name;Achievement Date\r\n1;NHS|CSTF|Fire Safety - 2 Years|;05/01/2026\r\n", ";"),
    ("Employee Number\tCompetence Name\tAchievement Date\n1\tA, B\t05/01/2026\n", "\t"),
    ("\ufeffname;email;start_date\n", ";"),
    ('"Name, in full",email,start_date\n', ","),      # a comma inside quotes is not a separator
    ('"a;b;c",d\n', ","),
    ("item\n", ","),                                   # one column: a comma, as the fallback
    ("", ","),
])
def test_the_separator_is_found_from_the_header(text, expected):
    assert separator(text) == expected


def test_rows_are_read_with_the_separator_found():
    text = "\ufeffEmployee Number;Competence Name;Achievement Date\r\n200123;NHS|CSTF|Fire Safety - 2 Years|;05 Jan 2026\r\n"
    assert list(csv_rows(text)) == [(1, ["Employee Number", "Competence Name", "Achievement Date"]),
                                    (2, ["200123", "NHS|CSTF|Fire Safety - 2 Years|", "05 Jan 2026"])]


@pytest.mark.parametrize("header, read_as, ignored", [
    (["employee_number", "item", "completed_on"], {"employee_number": [0], "item": [1], "completed_on": [2]}, []),
    (["Employee Number", "Competence Name", "Achievement Date", "Expiry Date", "Org L3", "Position"],
     {"employee_number": [0], "item": [1], "completed_on": [2], "expires_on": [3]}, ["Org L3", "Position"]),
    (["EMPLOYEE  NUMBER", "competency_name", "ACHIEVEMENT-DATE"],
     {"employee_number": [0], "item": [1], "completed_on": [2]}, []),
    # SkillPass's own records export: its Code first, else its Item, names the item; its Email whose record it
    # is, where the employee number does not say; its Passport (with the Item's title), How and Activity.
    (["Employee number", "Name", "Team", "Job role", "Item", "Code", "Status", "Completed on", "Expires on", "How",
      "Signed off by", "Sign-off date", "Passport", "Required now", "Email", "Activity"],
     {"employee_number": [0], "item": [5, 4], "status": [6], "completed_on": [7], "expires_on": [8], "how": [9],
      "passport": [12], "email": [14], "activity": [15]},
     ["Name", "Team", "Job role", "Signed off by", "Sign-off date", "Required now"]),
])
def test_completions_headers_by_their_aliases(header, read_as, ignored):
    found = columns(header, aliases=completions_import.ALIASES, required=completions_import.REQUIRED)
    assert found.problems == [] and found.sources == read_as and found.ignored == ignored


@pytest.mark.parametrize("header, read_as", [
    (["Employee Number", "Full Name", "Email Address", "Start Date", "Job Title", "Team"],
     {"employee_number": [0], "name": [1], "email": [2], "start_date": [3], "job_role": [4], "team": [5]}),
    (["name", "email", "start_date", "role"], {"name": [0], "email": [1], "start_date": [2], "role": [3]}),
])
def test_people_headers_by_their_aliases(header, read_as):
    found = columns(header, aliases=people_import.ALIASES, required=people_import.REQUIRED)
    assert found.problems == [] and found.sources == read_as


def test_a_missing_column_names_its_aliases_and_a_column_twice_is_a_problem():
    found = columns(["Full Name", "Email", "email"], aliases=people_import.ALIASES, required=people_import.REQUIRED)
    assert [(p.row, p.column, p.reason) for p in found.problems] == [
        (1, "email", "A column appears twice."),
        (1, "start_date", "Missing column: start_date (or date started)."),
    ]


def test_a_cell_is_read_from_its_first_source_that_is_not_empty():
    found = columns(["Item", "Code"], aliases=completions_import.ALIASES, required=set())
    assert found.read(["Fire safety", "CSTF-FIRE"]) == {"item": "CSTF-FIRE"}
    assert found.read(["Local induction", ""]) == {"item": "Local induction"}
    assert found.extra_cells(["a", "b", ""]) is False and found.extra_cells(["a", "b", "c"]) is True


@pytest.mark.parametrize("raw, expected", [
    ("2026-01-05", dt.date(2026, 1, 5)),
    ("05/01/2026", dt.date(2026, 1, 5)),
    ("5/1/2026", dt.date(2026, 1, 5)),
    ("05-01-2026", dt.date(2026, 1, 5)),
    ("05.01.2026", dt.date(2026, 1, 5)),
    ("2026/01/05", dt.date(2026, 1, 5)),
    ("05 Jan 2026", dt.date(2026, 1, 5)),
    ("5 jan 2026", dt.date(2026, 1, 5)),
    ("05-JAN-2026", dt.date(2026, 1, 5)),
    ("5 January 2026", dt.date(2026, 1, 5)),
    ("2026-01-05 00:00:00", dt.date(2026, 1, 5)),
    ("2026-01-05T09:30", dt.date(2026, 1, 5)),
    ("05/01/2026 14:05", dt.date(2026, 1, 5)),
    ("  2026-01-05  ", dt.date(2026, 1, 5)),
    ("05/01/26", None),
    ("5 Jan 26", None),
    ("05-JAN-26", None),
    ("26-01-05", None),
    ("31/02/2026", None),
    ("yesterday", None),
    ("", None),
])
def test_date_forms(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw, says", [
    ("05/01/26", "two-digit year"),
    ("5 Jan 26", "two-digit year"),
    ("05-01-26 00:00:00", "two-digit year"),
    ("yesterday", "is not a date: use 2026-01-05, 05/01/2026 or 5 Jan 2026"),
    ("", "Enter the date"),
])
def test_why_a_date_is_refused(raw, says):
    assert says in date_problem(raw)


def _workbook(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.create_sheet("Second")["A1"] = "never read"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_workbooks_first_sheet_is_read_with_its_dates_and_numbers():
    data = _workbook([["Employee Number", "Competence Name", "Achievement Date", None],
                      [200123, "NHS|CSTF|Fire Safety - 2 Years|", dt.datetime(2026, 1, 5), None],
                      [200124.0, "CSTF-IG", "05 Jan 2026"]])
    assert import_files.is_workbook(data)
    assert list(csv_rows(upload_text(data))) == [
        (1, ["Employee Number", "Competence Name", "Achievement Date"]),
        (2, ["200123", "NHS|CSTF|Fire Safety - 2 Years|", "2026-01-05"]),
        (3, ["200124", "CSTF-IG", "05 Jan 2026"])]


def test_a_broken_workbook_is_unreadable_and_text_is_decoded():
    with pytest.raises(import_files.Unreadable, match="cannot be read as an Excel workbook"):
        upload_text(b"PK\x03\x04 not really a zip")
    assert upload_text("name;café\n".encode("cp1252")) == "name;café\n"
    assert upload_text("\ufeffname\n".encode("utf-8")) == "name\n"
