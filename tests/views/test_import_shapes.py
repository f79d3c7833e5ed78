"""Imports take real files: ESR-shaped exports (semicolons, tabs, aliases, extra columns), Excel workbooks, the
dates people type, and SkillPass's own records export, read back without editing."""
from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import Workbook
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus, Person
from skillpass.services import assignment_rules, decisions

from tests import factories
from tests.conftest import HTMX

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(client, url, data: bytes, name: str):
    return client.post(url, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _confirm(client, url, html):
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)
    filename = re.search(r'name="filename" value="([^"]*)"', html).group(1)
    return client.post(url, data={"token": token, "filename": filename})


def _workbook(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _entries(person):
    return db.session.scalars(select(Entry).where(Entry.person_id == person.id).order_by(Entry.id)).all()


def test_an_esr_export_with_semicolons_aliases_and_extra_columns_is_previewed_and_imported(as_admin, world):
    number = world.learner.employee_number
    content = ("\ufeffEmployee Number;Full Name;Competence Name;Achievement Date;Expiry Date;Org L3\r\n"
               f"{number};Lee Learner;CSTF-FIRE;05 Jan 2026 00:00:00;05/01/2028;Therapies\r\n")
    response = _upload(as_admin, "/admin/import/completions", content.encode("utf-8"), "esr.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "<strong>1</strong> completion to add" in html
    assert re.search(r"Columns ignored \(not used by this import\):\s*Full Name, Org L3\.", html)
    assert _confirm(as_admin, "/admin/import/completions/confirm", html).status_code == 303
    [entry] = _entries(world.learner)
    assert (entry.item_id, entry.completed_on, entry.method) == (world.fire.id, dt.date(2026, 1, 5), EntryMethod.IMPORTED)


def test_tab_separated_and_a_two_digit_year_is_refused_in_place(as_admin, world):
    number = world.learner.employee_number
    content = f"Employee Number\tCompetency Name\tAchievement Date\n{number}\tCSTF-FIRE\t05/01/26\n"
    response = _upload(as_admin, "/admin/import/completions", content.encode("utf-8"), "esr.txt")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Nothing was imported" in html
    assert "two-digit year" in html and _entries(world.learner) == []


def test_an_excel_workbook_of_completions_is_read_from_its_first_sheet(as_admin, world):
    data = _workbook([["Employee Number", "Competence Name", "Achievement Date", "Expiry Date", "Grade"],
                      [int(world.learner.employee_number) if world.learner.employee_number.isdigit()
                       else world.learner.employee_number, "CSTF-FIRE", dt.datetime(2025, 6, 1), None, "Band 3"]])
    html = _upload(as_admin, "/admin/import/completions", data, "esr.xlsx").get_data(as_text=True)
    assert "<strong>1</strong> completion to add" in html and "Grade" in html
    assert _confirm(as_admin, "/admin/import/completions/confirm", html).status_code == 303
    assert [e.completed_on for e in _entries(world.learner)] == [dt.date(2025, 6, 1)]


def test_a_file_that_is_not_a_workbook_says_so(as_admin, world):
    response = _upload(as_admin, "/admin/import/completions", b"PK\x03\x04garbage", "esr.xlsx")
    assert response.status_code == 422 and "cannot be read as an Excel workbook" in response.get_data(as_text=True)


def test_people_from_an_excel_export_with_aliases(as_admin, world):
    data = _workbook([["Employee Number", "Full Name", "Email Address", "Start Date", "Team", "Payroll"],
                      ["300001", "Zoe Zephyr", "zoe@example.test", dt.datetime(2026, 2, 2), "Physiotherapy", "X1"]])
    html = _upload(as_admin, "/admin/import/people", data, "esr-people.xlsx").get_data(as_text=True)
    assert "<strong>1</strong> to add" in html and "Payroll" in html
    assert _confirm(as_admin, "/admin/import/people/confirm", html).status_code == 303
    zoe = db.session.scalar(select(Person).where(Person.email == "zoe@example.test"))
    assert (zoe.name, zoe.employee_number, zoe.start_date) == ("Zoe Zephyr", "300001", dt.date(2026, 2, 2))


def test_a_semicolon_people_file_with_ignored_columns_previews_as_an_htmx_request_too(as_admin, world):
    content = "Full Name;Email Address;Start Date;Car park permit\nZoe Zephyr;zoe@example.test;2026/02/02;yes\n"
    response = as_admin.post("/admin/import/people", headers=HTMX, content_type="multipart/form-data",
                             data={"file": (io.BytesIO(content.encode()), "people.csv")})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<strong>1</strong> to add" in html and "Car park permit" in html


def _own_export(client, fmt):
    response = client.get(f"/team/export/records?format={fmt}")
    assert response.status_code == 200
    return response.get_data()


def test_the_records_export_reimports_without_editing(as_admin, world):
    """SkillPass's own records export, CSV or Excel, goes back in as it is: its Code names the item, its Status
    keeps records that do not count out, and what is on record already is not added twice."""
    now = dt.datetime(2026, 2, 1, 9, 0, tzinfo=dt.timezone.utc)
    kept = Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=dt.date(2025, 5, 1),
                 method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id, recorded_at=now)
    refused = Entry(person_id=world.other_learner.id, item_id=world.fire.id, completed_on=dt.date(2025, 6, 1),
                    method=EntryMethod.HERE, status=EntryStatus.REJECTED, recorded_by_id=world.other_learner.id,
                    recorded_at=now, decision_reason="No certificate")
    db.session.add_all([kept, refused])
    db.session.commit()
    kept_id = kept.id
    for fmt, name in (("csv", "records.csv"), ("xlsx", "records.xlsx")):
        html = _upload(as_admin, "/admin/import/completions", _own_export(as_admin, fmt), name).get_data(as_text=True)
        assert "Nothing to add from" in html and "<strong>1</strong> already on record" in html, html
        assert re.search(r"Skipped, not counted in the source file:\s*<strong>1</strong> Rejected", html)
        assert re.search(r"Columns ignored \(not used by this import\):\s*Name, Team, Job role, Signed off by, "
                         r"Sign-off date, Required now\.", html)
    # Revoked since the export: the export brings it back in, once.
    data = _own_export(as_admin, "csv")
    db.session.expire_all()
    decisions.revoke(actor=db.session.get(Person, world.admin.id), entry=db.session.get(Entry, kept_id),
                     person=db.session.get(Person, world.learner.id), item=world.fire, reason="Wrong person")
    db.session.commit()
    html = _upload(as_admin, "/admin/import/completions", data, "records.csv").get_data(as_text=True)
    assert "<strong>1</strong> completion to add" in html
    assert _confirm(as_admin, "/admin/import/completions/confirm", html).status_code == 303
    assert [(e.status, e.method) for e in _entries(world.learner)] == [
        (EntryStatus.REVOKED, EntryMethod.HERE), (EntryStatus.ACCEPTED, EntryMethod.IMPORTED)]


def test_the_people_preview_shows_start_dates_and_which_rule_given_passports_a_move_ends(as_admin, world):
    core = factories.template("Core Skills (CSTF)")
    db.session.commit()
    assignment_rules.create_rule(actor=world.admin, template_id=core.id, team_ids=[world.team_a.id], job_roles=[],
                                 today=dt.date(2026, 3, 1))
    db.session.commit()
    learner = world.learner
    content = ("Employee Number,Full Name,Email Address,Team,Start Date\n"
               f"{learner.employee_number},{learner.name},{learner.email},Occupational Therapy,05 Jan 2026 00:00:00\n"
               "300002,Nia Newstarter,nia@example.test,Physiotherapy,2026/02/09\n")
    html = _upload(as_admin, "/admin/import/people", content.encode(), "people.csv").get_data(as_text=True)
    assert '<td class="nhsuk-table__cell">9 Feb 2026</td>' in html           # the one date format
    assert "Passports that end" in html and "1 person moves" in html
    row = re.search(r"<td class=\"nhsuk-table__cell\">Lee Learner</td>(.*?)</tr>", html, re.S).group(1)
    assert "team: Occupational Therapy" in row and "Ends a passport</strong> Core Skills (CSTF)" in row
    # Nia, who joins a ruled team, loses nothing; a move the rules allow warns of nothing.
    assert html.count("Ends a passport") == 1
    calm = content.replace("Occupational Therapy", "Physiotherapy")
    assert "Passports that end" not in _upload(as_admin, "/admin/import/people", calm.encode(), "p.csv").get_data(as_text=True)


def test_passports_ending_reads_the_rules_once_for_many_people(app, world):
    core = factories.template("Core Skills (CSTF)")
    db.session.commit()
    assignment_rules.create_rule(actor=world.admin, template_id=core.id, team_ids=[world.team_a.id],
                                 job_roles=["Support Worker"], today=dt.date(2026, 3, 1))
    learner, educator = world.learner, world.educator
    assert assignment_rules.passports_ending([
        (learner, {"job_role": "Senior Support Worker"}),       # out of the rule's job role
        (educator, {"team": world.team_b}),                      # never had it: nothing ends
        (learner, {"name": "Lee L"}),                            # not a move
    ]) == {learner.id: ["Core Skills (CSTF)"]}
    assert assignment_rules.passports_ending([(learner, {"team": None})]) == {learner.id: ["Core Skills (CSTF)"]}
    assert assignment_rules.passports_ending([(learner, {"team": world.team_a})]) == {}
