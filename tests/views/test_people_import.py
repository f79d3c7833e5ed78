"""CSV import of people: preview with every row checked, then all or nothing."""
from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.models import Assignment, AssignmentRule, AuditEvent, Person

HEADER = "employee_number,name,email,job_role,team,start_date,role"


def _upload(client, content: bytes | str, name="people.csv"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post("/admin/import/people", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _confirm(client, preview_html):
    token = re.search(r'name="token" value="([0-9a-f]{32})"', preview_html).group(1)
    filename = re.search(r'name="filename" value="([^"]*)"', preview_html).group(1)
    return client.post("/admin/import/people/confirm", data={"token": token, "filename": filename})


def _people():
    return db.session.scalar(select(func.count()).select_from(Person))


def test_the_template_csv_has_the_headers_and_an_example(as_admin):
    response = as_admin.get("/admin/import/people/template.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == HEADER.split(",") and len(rows) == 2


def test_a_good_file_is_previewed_then_imported_with_rules_applied(as_admin, world):
    db.session.add(AssignmentRule(template_id=world.template.id, teams=[world.team_b], job_roles=[]))
    db.session.commit()
    before = _people()
    content = (
        "\ufeff" + HEADER + "\r\n"
        f"{world.learner.employee_number},Lee Learner,{world.learner.email},Senior Support Worker,Physiotherapy,2026-01-05,learner\r\n"
        "E70001,Zoë Ångström,zoe@example.test,Porter,Occupational Therapy,05/01/2026,\r\n"
        "E70002,Siobhán O'Neill,siobhan@example.test,,,2026-02-01,educator\r\n"
    )
    preview = _upload(as_admin, content)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Ready to import people.csv" in html
    assert "<strong>2</strong> to add" in html and "<strong>1</strong> to update" in html
    assert _people() == before                                   # nothing yet
    done = _confirm(as_admin, html)
    assert done.status_code == 303
    assert _people() == before + 2
    zoe = db.session.scalar(select(Person).where(Person.employee_number == "E70001"))
    assert zoe.name == "Zoë Ångström" and zoe.team_id == world.team_b.id and zoe.password_hash is None
    assert db.session.scalar(select(Assignment).where(Assignment.person_id == zoe.id)).rule_id is not None
    db.session.refresh(world.learner)
    assert world.learner.job_role == "Senior Support Worker"
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import.people")).all()
    assert event.after == {"file": "people.csv", "added": 2, "updated": 1, "unchanged": 0}
    # The same file again changes nothing.
    again = _upload(as_admin, content).get_data(as_text=True)
    assert "<strong>0</strong> to add" in again and "<strong>3</strong> already up to date" in again


BAD_FILES = [
    pytest.param("name,email\nA,a@example.test\n", [(1, "start_date", "Missing column: start_date")], id="missing-header"),
    pytest.param(HEADER + ",email\n", [(1, "email", "A column appears twice.")], id="twice"),
    pytest.param(HEADER + "\nE1,Ann,ann@example.test,,,05/01/26,\n", [(2, "start_date", "two-digit year")],
                 id="two-digit-year"),
    pytest.param(HEADER + "\nE1,Ann,ann@example.test,,Cardiology,2026-01-05,\n",
                 [(2, "team", "No team is called “Cardiology”")], id="unknown-team"),
    pytest.param(HEADER + "\nE1,Ann,ann@example.test,,,2026-01-05,\nE1,Bea,bea@example.test,,,2026-01-05,\n",
                 [(3, "employee_number", "Also on row 2.")], id="duplicate-employee-number"),
    pytest.param(HEADER + "\nE1,Ann,ann@example.test,,,2029-01-05,\nE2,Bea,bea@example.test,,,31/02/2026,\n",
                 [(2, "start_date", "More than a year in the future."), (3, "start_date", "is not a date")],
                 id="future-and-unparseable-dates"),
    pytest.param(HEADER + "\nE1,Ann,ann@example.test,,,05/01/1026,\n",
                 [(2, "start_date", "That is before 1950: check the year.")], id="mistyped-year"),
    pytest.param(HEADER + "\nE1,,not-an-email,,,2026-01-05,boss\n",
                 [(2, "name", "Enter the person"), (2, "email", "is not an email address"), (2, "role", "is not learner")],
                 id="several-in-one-row"),
    pytest.param("", [(1, "", "The file is empty")], id="empty"),
]


@pytest.mark.parametrize("content, expected", BAD_FILES)
def test_a_bad_file_imports_nothing_and_says_which_rows_and_why(as_admin, world, content, expected):
    before = _people()
    response = _upload(as_admin, content.replace("\n", "\r\n"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Nothing was imported" in html
    cells = re.findall(r'<tr class="nhsuk-table__row"><td class="nhsuk-table__cell">(\d+)</td>'
                       r'<td class="nhsuk-table__cell">([^<]*)</td><td class="nhsuk-table__cell">([^<]*)</td>', html)
    for row, column, reason in expected:
        assert any(int(r) == row and (c == column or column in c) and reason in html_reason
                   for r, c, html_reason in [(r, c, t.replace("&#39;", "'")) for r, c, t in cells]), (row, column, reason, cells)
    assert 'name="token"' not in html
    assert _people() == before


def test_windows_text_is_read_too(as_admin, world):
    content = (HEADER + "\r\nE1,Renée Dubois,renee@example.test,,,2026-01-05,\r\n").encode("cp1252")
    html = _upload(as_admin, content).get_data(as_text=True)
    assert "<strong>1</strong> to add" in html
    _confirm(as_admin, html)
    assert db.session.scalar(select(Person.name).where(Person.employee_number == "E1")) == "Renée Dubois"


def test_a_file_of_5000_people_is_checked_and_imported(as_admin, world):
    lines = [HEADER] + [f"P{n:05d},Person {n},person{n}@example.test,Porter,Physiotherapy,2025-06-01,"
                        for n in range(5000)]
    html = _upload(as_admin, "\n".join(lines)).get_data(as_text=True)
    assert "<strong>5000</strong> to add" in html
    assert _confirm(as_admin, html).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.job_role == "Porter")) == 5000


def test_only_admins_import(as_educator):
    assert _upload(as_educator, HEADER + "\n").status_code == 403
    assert as_educator.get("/admin/import/people/template.csv").status_code == 403


def test_on_an_update_a_missing_column_or_empty_cell_keeps_what_is_on_record(as_admin, world):
    """A staff-record extract without roles or teams must not turn educators into learners or empty their teams."""
    eve = world.educator
    # No role column, no team column: Eve stays an educator in Physiotherapy; only her job role changes.
    content = ("employee_number,name,email,job_role,start_date\r\n"
               f"{eve.employee_number},{eve.name},{eve.email},Clinical Educator,{eve.start_date.isoformat()}\r\n")
    html = _upload(as_admin, content).get_data(as_text=True)
    assert "<strong>1</strong> to update" in html and "job role: Clinical Educator" in html
    assert "role: Learner" not in html and "team:" not in html
    assert _confirm(as_admin, html).status_code == 303
    db.session.refresh(eve)
    assert (eve.role.value, eve.team_id, eve.job_role) == ("educator", world.team_a.id, "Clinical Educator")
    # Empty cells, with every column present, keep them too.
    content = (HEADER + "\r\n"
               f",{eve.name},{eve.email},,,{eve.start_date.isoformat()},\r\n")
    again = _upload(as_admin, content).get_data(as_text=True)
    assert "<strong>1</strong> already up to date" in again
    db.session.refresh(eve)
    assert (eve.employee_number, eve.role.value, eve.team_id) == (world.educator.employee_number, "educator",
                                                                  world.team_a.id)


def test_an_admin_cannot_take_away_their_own_admin_role_by_import(as_admin, world):
    ada = world.admin
    content = (HEADER + "\r\n"
               f"{ada.employee_number},{ada.name},{ada.email},,,{ada.start_date.isoformat()},learner\r\n")
    response = _upload(as_admin, content)
    html = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 422 and "This is you: you cannot take away your own admin role" in html
    db.session.refresh(ada)
    assert ada.role.value == "admin"


def test_a_person_cannot_be_imported_into_an_archived_team(as_admin, world):
    from skillpass import clock
    world.team_b.archived_at = clock.now()
    db.session.commit()
    before = _people()
    response = _upload(as_admin, HEADER + "\r\nE1,Ann,ann@example.test,,Occupational Therapy,2026-01-05,\r\n")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "“Occupational Therapy” is archived: restore it under Teams first" in html
    assert _people() == before


def test_someone_already_in_an_archived_team_can_stay_in_it(as_admin, world):
    """Re-importing a whole staff extract must not fail on the people an archived team still holds."""
    from skillpass import clock
    world.team_a.archived_at = clock.now()
    db.session.commit()
    lee = world.learner
    content = (HEADER + "\r\n"
               f"{lee.employee_number},{lee.name},{lee.email},Senior Support Worker,Physiotherapy,"
               f"{lee.start_date.isoformat()},learner\r\n")
    html = _upload(as_admin, content).get_data(as_text=True)
    assert "<strong>1</strong> to update" in html and "Nothing was imported" not in html


def test_the_preview_lists_who_is_added_and_flags_a_namesake(as_admin, world):
    content = (HEADER + "\r\n"
               "E70001,Lee Learner,lee.learner@newmail.test,Porter,Occupational Therapy,2026-01-05,\r\n"
               "E70002,Zoë Ångström,zoe@example.test,,,2026-01-05,educator\r\n")
    html = _upload(as_admin, content).get_data(as_text=True)
    assert "Import 2 changes" in html and "Cancel: choose another file" in html
    assert "<td class=\"nhsuk-table__cell\">lee.learner@newmail.test</td>" in html
    assert "Occupational Therapy, Porter" in html and "No team (Educator)" in html
    assert ("Someone called Lee Learner is already here (Physiotherapy, lee@example.test): "
            "check this is not the same person with a new email.") in html
    assert "1 person to add has the name of someone already here:" in html
    assert "<li>lee.learner@newmail.test: Someone called Lee Learner" in html


def test_a_file_with_nothing_new_offers_no_import(as_admin, world):
    lee = world.learner
    content = (HEADER + "\r\n"
               f"{lee.employee_number},{lee.name},{lee.email},{lee.job_role},Physiotherapy,"
               f"{lee.start_date.isoformat()},learner\r\n")
    html = _upload(as_admin, content).get_data(as_text=True)
    assert "Nothing to change in people.csv" in html and "<strong>1</strong> already up to date" in html
    assert 'name="token"' not in html and "Import 0" not in html and "Choose another file" in html


def test_checked_files_are_kept_only_to_be_confirmed_and_not_for_ever(app, as_admin, world):
    """A checked file holds names and emails: nothing is kept when there is nothing to import, and a
    preview nobody confirmed is removed after a day."""
    import os
    import time
    from pathlib import Path
    folder = Path(app.config["UPLOAD_FOLDER"]) / "imports"
    lee = world.learner
    same = (HEADER + "\r\n" f"{lee.employee_number},{lee.name},{lee.email},{lee.job_role},Physiotherapy,"
            f"{lee.start_date.isoformat()},learner\r\n")
    _upload(as_admin, same)
    assert list(folder.glob("*.csv")) == []
    html = _upload(as_admin, HEADER + "\r\nE1,Ann,ann@example.test,,,2026-01-05,\r\n").get_data(as_text=True)
    [kept] = list(folder.glob("*.csv"))
    assert kept.stem in html
    stale = time.time() - 2 * 24 * 3600
    os.utime(kept, (stale, stale))
    _upload(as_admin, HEADER + "\r\nE2,Bea,bea@example.test,,,2026-01-05,\r\n")
    assert not kept.exists() and len(list(folder.glob("*.csv"))) == 1
    assert "That preview has expired" in as_admin.get(
        _confirm(as_admin, html).headers["Location"]).get_data(as_text=True)


# ------------------------------------------------------------- large imports, in batches

def test_a_large_import_is_made_in_batches_each_committed_and_all_of_it_lands(as_admin, world, monkeypatch):
    """Each batch is its own transaction (other writers get in between); together they import
    everything, rules applied, each person audited once and the import once."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from skillpass.services import people_import

    monkeypatch.setattr(people_import, "BATCH", 3)
    db.session.add(AssignmentRule(template_id=world.template.id, teams=[world.team_b], job_roles=[]))
    db.session.commit()
    rows = [f"B{i:03d},Batch Person {i},batch{i}@example.test,Porter,Occupational Therapy,2026-01-05,"
            for i in range(10)]
    rows.append(f"{world.learner.employee_number},Lee Learner,{world.learner.email},Team Lead,,2026-01-05,")
    html = _upload(as_admin, HEADER + "\n" + "\n".join(rows) + "\n").get_data(as_text=True)
    commits = []

    def count(session):
        commits.append(1)

    event.listen(Session, "after_commit", count)
    try:
        done = _confirm(as_admin, html)
    finally:
        event.remove(Session, "after_commit", count)
    assert done.status_code == 303
    assert len(commits) >= 4                      # 11 changes, 3 at a time
    made = db.session.scalars(select(Person).where(Person.employee_number.like("B%"))).all()
    assert len(made) == 10
    assert all(db.session.scalar(select(Assignment).where(Assignment.person_id == p.id)).rule_id for p in made)
    db.session.refresh(world.learner)
    assert world.learner.job_role == "Team Lead"
    actions = [a for (a,) in db.session.execute(select(AuditEvent.action).where(
        AuditEvent.action.in_(["person.created", "person.changed", "import.people", "assignment.added"])))]
    assert actions.count("person.created") == 10 and actions.count("person.changed") == 1
    assert actions.count("import.people") == 1 and actions.count("assignment.added") == 10


def test_apply_batches_yields_after_each_batch(app, world):
    import datetime as dt

    from skillpass.services import people_import

    text = HEADER + "\n" + "\n".join(f"Y{i},Y {i},y{i}@example.test,,,2026-01-05," for i in range(7)) + "\n"
    plan = people_import.plan(text, today=dt.date(2026, 3, 2), actor=world.admin)
    assert [done for done in people_import.apply_batches(plan, actor=world.admin, today=dt.date(2026, 3, 2),
                                                          filename="y.csv", size=3)] == [3, 6, 7]


def test_control_characters_in_a_cell_are_a_problem_of_that_row_and_column(as_admin):
    response = _upload(as_admin, HEADER + "\nE1,Ann\x01Other,ann@example.test,,,2026-01-05,\n")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Holds hidden control characters" in html and "\x01" not in html
    assert _people() >= 0 and db.session.scalar(select(Person).where(Person.email == "ann@example.test")) is None


def test_an_import_stopped_part_way_keeps_what_landed_says_so_and_can_be_finished(as_admin, world, monkeypatch):
    """A batch loses a race with someone's change (a clashing email added at that moment): the batches
    before it are kept, the audit log and the message say how far it went, and confirming the same preview
    again imports the rest, nobody twice."""
    import sqlite3

    from sqlalchemy.exc import IntegrityError

    from skillpass.services import people_import

    monkeypatch.setattr(people_import, "BATCH", 3)
    real = people_import._apply_batch
    calls = []

    def second_batch_loses_a_race(batch, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise IntegrityError("INSERT INTO person", {}, sqlite3.IntegrityError("UNIQUE constraint failed: person.email"))
        return real(batch, **kwargs)

    monkeypatch.setattr(people_import, "_apply_batch", second_batch_loses_a_race)
    rows = [f"R{i:03d},Race Person {i},race{i}@example.test,,,2026-01-05," for i in range(10)]
    html = _upload(as_admin, HEADER + "\n" + "\n".join(rows) + "\n").get_data(as_text=True)
    stopped = _confirm(as_admin, html)
    assert stopped.status_code == 303
    page = as_admin.get(stopped.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "stopped after 3 of 10 people" in page and "What was imported is kept." in page
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.email.like("race%"))) == 3
    assert "stopped after 3 of 10 people" in db.session.scalar(
        select(AuditEvent.summary).where(AuditEvent.action == "import.people"))

    finished = _confirm(as_admin, html)          # the same preview, confirmed again
    assert finished.status_code == 303
    assert "Imported people.csv: 7 added" in as_admin.get(finished.headers["Location"],
                                                          follow_redirects=True).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.email.like("race%"))) == 10
