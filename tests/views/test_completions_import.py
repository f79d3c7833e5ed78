"""CSV import of historic completions: codes or national names, preview, all or nothing, no duplicates."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import AuditEvent, Entry, EntryMethod, EntryStatus, TemplateStatus

from tests import factories

HEADER = "employee_number,item,completed_on,expires_on"


def _upload(client, content: str):
    return client.post("/admin/import/completions", data={"file": (io.BytesIO(content.encode("utf-8")), "esr.csv")},
                       content_type="multipart/form-data")


def _confirm(client, html):
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)
    return client.post("/admin/import/completions/confirm", data={"token": token, "filename": "esr.csv"})


def _name_stress(world):
    from skillpass.services.national_names import set_names
    set_names(world.stress, ["NHS|CSTF|Managing work and life stress - 3 Years|"])
    db.session.commit()


def test_completions_by_code_and_national_name_are_imported_once(as_admin, as_learner, world):
    _name_stress(world)
    number = world.learner.employee_number
    content = (f"\ufeff{HEADER}\r\n{number},CSTF-FIRE,2025-03-14,2027-03-14\r\n"
               f"{number},NHS|CSTF|Managing work and life stress - 3 Years|,14/01/2026,\r\n")
    html = _upload(as_admin, content).get_data(as_text=True)
    assert "<strong>2</strong> completions to add" in html
    assert _confirm(as_admin, html).status_code == 303
    entries = db.session.scalars(select(Entry).where(Entry.person_id == world.learner.id)).all()
    assert {(e.item_id, e.method, e.status) for e in entries} == {
        (world.fire.id, EntryMethod.IMPORTED, EntryStatus.ACCEPTED),
        (world.stress.id, EntryMethod.IMPORTED, EntryStatus.ACCEPTED)}
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "entry.imported")).all()
    assert sorted(e.after["row"] for e in events) == [2, 3] and all(e.after["file"] == "esr.csv" for e in events)
    assert all(e.actor_id == world.admin.id for e in events)
    # The learner's passport shows them, with their dates and statuses.
    passport = as_learner.get("/passport").get_data(as_text=True)
    assert "Expires 14 Mar 2027: completed 14 Mar 2025 + 24 months" in passport and "Imported record, 14 Mar 2025" in passport
    # The same file again adds nothing.
    again = _upload(as_admin, content).get_data(as_text=True)
    assert "<strong>0</strong> completions to add" in again and "<strong>2</strong> already on record" in again
    assert "Nothing to add from esr.csv" in again and 'name="token"' not in again and "Choose another file" in again


@pytest.mark.parametrize("row, column, reason", [
    ("E99999,CSTF-FIRE,2025-03-14,", "employee_number", "Nobody has the employee number"),
    ("{n},CSTF-FIRE,2027-01-01,", "completed_on", "In the future."),
    ("{n},CSTF-FIRE,yesterday,", "completed_on", "is not a date"),
    ("{n},CSTF-FIRE,14/03/1025,", "completed_on", "That is before 1950: check the year."),
    ("{n},CSTF-FIRE,2025-03-14,2025-03-01", "expires_on", "Not after the completion date."),
])
def test_a_bad_row_imports_nothing_and_says_why(as_admin, world, row, column, reason):
    _name_stress(world)
    good = f"{world.learner.employee_number},NHS|CSTF|Managing work and life stress - 3 Years|,2026-01-14,"
    content = f"{HEADER}\n{good}\n{row.format(n=world.learner.employee_number)}\n"
    response = _upload(as_admin, content)
    html = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 422 and "Nothing was imported" in html
    assert f'<td class="nhsuk-table__cell">3</td><td class="nhsuk-table__cell">{column}</td>' in html
    assert reason in html
    assert db.session.scalars(select(Entry)).all() == []


def test_duplicate_rows_within_a_file_are_refused(as_admin, world):
    row = f"{world.learner.employee_number},CSTF-FIRE,2025-03-14,"
    html = _upload(as_admin, f"{HEADER}\n{row}\n{row}\n").get_data(as_text=True)
    assert "The same completion as row 2." in html


def test_only_admins_import_completions(as_educator):
    assert _upload(as_educator, HEADER + "\n").status_code == 403


def test_the_preview_names_the_item_and_passport_each_row_was_matched_to(as_admin, world):
    row = f"{world.learner.employee_number},CSTF-FIRE,2025-03-14,"
    html = _upload(as_admin, f"{HEADER}\n{row}\n").get_data(as_text=True)
    assert "<strong>1</strong> completion to add" in html and "Import 1 completion<" in html
    assert ('<td class="nhsuk-table__cell">Fire safety</td><td class="nhsuk-table__cell">'
            'AHP Support Worker Skills Passport</td>') in html


def test_a_draft_copy_sharing_a_code_is_never_written_into(as_admin, world):
    """A copy of a template keeps its codes while it is a draft: the import still finds the published item."""
    draft = factories.template("AHP passport (copy)")
    draft.status = TemplateStatus.DRAFT
    factories.item(factories.section(draft, "Within 2 weeks", 2, "weeks"), "Fire safety", code="CSTF-FIRE",
                   frequency_months=24)
    db.session.commit()
    html = _upload(as_admin, f"{HEADER}\n{world.learner.employee_number},CSTF-FIRE,2025-03-14,\n").get_data(as_text=True)
    assert _confirm(as_admin, html).status_code == 303
    assert [e.item_id for e in db.session.scalars(select(Entry))] == [world.fire.id]


def test_a_code_only_in_a_draft_is_refused_with_the_reason(as_admin, world):
    draft = factories.template("Ward induction")
    draft.status = TemplateStatus.DRAFT
    factories.item(factories.section(draft, "Day one", 0), "Ward tour", code="WARD-TOUR")
    db.session.commit()
    response = _upload(as_admin, f"{HEADER}\n{world.learner.employee_number},WARD-TOUR,2025-03-14,\n")
    html = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 422
    assert "“WARD-TOUR” is only in Ward induction, which is draft" in html
    assert db.session.scalars(select(Entry)).all() == []


def test_a_code_shared_by_two_published_passports_is_one_subject(as_admin, world):
    """Items sharing a code are one subject: the row goes to the item of a passport the person holds (it counts
    for every item of the subject), and to the subject's item even for someone holding neither passport."""
    other = factories.template("Core Skills (CSTF)")
    other_fire = factories.item(factories.section(other, "Annual", 0), "Fire safety", code="CSTF-FIRE",
                                frequency_months=12)
    core_only = factories.person(name="Cora Core", team=world.team_a, email="cora@example.test")
    factories.assign(core_only, other)
    db.session.commit()
    content = (f"{HEADER}\n{world.learner.employee_number},CSTF-FIRE,2025-03-14,\n"
               f"{core_only.employee_number},cstf-fire,2025-03-14,\n")
    html = _upload(as_admin, content).get_data(as_text=True)
    assert _confirm(as_admin, html).status_code == 303
    assert {(e.person_id, e.item_id) for e in db.session.scalars(select(Entry))} == {
        (world.learner.id, world.fire.id), (core_only.id, other_fire.id)}


def test_a_national_name_goes_to_the_persons_own_item_when_two_subjects_list_it(as_admin, world):
    """Another passport's coded item listing the same name must not win over the one the person holds."""
    name = "NHS|CSTF|Managing work and life stress - 3 Years|"
    from skillpass.services.national_names import set_names
    set_names(world.stress, [name])
    core = factories.template("Core Skills (CSTF)")
    factories.item(factories.section(core, "Annual", 0), "Managing work and life stress", code="CSTF-STRESS",
                   names=(name,))
    db.session.commit()
    html = _upload(as_admin, f"{HEADER}\n{world.other_learner.employee_number},{name},2025-03-14,\n"
                   ).get_data(as_text=True)
    assert _confirm(as_admin, html).status_code == 303
    assert [e.item_id for e in db.session.scalars(select(Entry))] == [world.stress.id]
    # Someone holding both passports: the row is refused rather than guessed.
    factories.assign(world.learner, core)
    db.session.commit()
    html = _upload(as_admin, f"{HEADER}\n{world.learner.employee_number},{name},2025-03-14,\n"
                   ).get_data(as_text=True).replace("&#39;", "'")
    assert "is listed by different subjects in several passports that Lee Learner holds" in html
