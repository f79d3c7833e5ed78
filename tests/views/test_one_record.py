"""One record, every passport (PRODUCT.md §6.1): a person holding two passports with CSTF-FIRE records it once,
and both rows show that completion, each with its own expiry, on every output; codes are unique per passport."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from openpyxl import load_workbook

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus
from tests import factories
from tests.conftest import HTMX

AHP = "AHP Support Worker Skills Passport"


def _two_passports(world):
    core = factories.template("Core Skills (CSTF)")
    core_fire = factories.item(factories.section(core, "Day one", 0), "Fire Safety", code="CSTF-FIRE",
                               frequency_months=12, names=("NHS|CSTF|Fire Safety - 2 Years|",))
    factories.assign(world.learner, core)
    # Recorded once, against the AHP passport's item (every 24 months); the core item renews every 12.
    db.session.add(Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=dt.date(2025, 4, 15),
                         method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id))
    db.session.commit()
    return core, core_fire


def test_the_passport_shows_the_one_completion_on_both_rows_each_with_its_own_expiry(as_learner, world):
    _, core_fire = _two_passports(world)
    html = as_learner.get("/passport").get_data(as_text=True)
    assert "Expires 15 Apr 2027: completed 15 Apr 2025 + 24 months" in html
    assert "Expires 15 Apr 2026: completed 15 Apr 2025 + 12 months" in html
    core_row = html[html.index(f'id="item-{core_fire.id}"'):]
    core_row = core_row[:core_row.index("</tr>")]
    assert "Completed here, 15 Apr 2025" in core_row and f"recorded in {AHP}" in core_row
    assert "Expiring" in core_row
    # The htmx row alone says the same.
    row = as_learner.get(f"/people/{world.learner.id}/passport/items/{core_fire.id}", headers=HTMX)
    assert f"recorded in {AHP}" in row.get_data(as_text=True)


def test_the_print_shows_both_rows_and_where_it_was_recorded(as_learner, world):
    _two_passports(world)
    html = as_learner.get(f"/people/{world.learner.id}/passport/print").get_data(as_text=True)
    assert html.count("Completed here, 15 Apr 2025") == 2 and f"recorded in {AHP}" in html


def test_the_matrix_its_exports_and_the_compliance_figures_count_it_for_both(as_admin, world):
    _two_passports(world)
    rows = list(csv.reader(io.StringIO(as_admin.get(f"/team/export/matrix?format=csv&team={world.team_a.id}")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    lee = next(r for r in rows if r[1] == "Lee Learner")
    ahp = rows[0].index(f"{AHP}: Fire safety [CSTF-FIRE]")
    core = rows[0].index("Core Skills (CSTF): Fire Safety [CSTF-FIRE]")
    assert lee[ahp] == "Complete: Expires 15 Apr 2027: completed 15 Apr 2025"
    assert lee[core] == "Expiring: Expires 15 Apr 2026: completed 15 Apr 2025"
    assert lee[4:7] == ["100", "2", "2"]      # both due, both met: not 1 of 2
    book = load_workbook(io.BytesIO(as_admin.get(f"/team/export/matrix?format=xlsx&team={world.team_a.id}").data))
    values = list(book.active.iter_rows(values_only=True))
    [lee_x] = [v for v in values[1:] if v[1] == "Lee Learner"]
    assert lee_x[ahp] == lee[ahp] and lee_x[core] == lee[core]
    page = as_admin.get(f"/team/?team={world.team_a.id}").get_data(as_text=True)
    assert page.count("Expires 15 Apr 2026") >= 1 and page.count("Expires 15 Apr 2027") >= 1


def test_an_awaiting_entry_for_the_subject_blocks_recording_it_again_in_the_other_passport(as_learner, world):
    _, core_fire = _two_passports(world)
    db.session.add(Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=dt.date(2026, 2, 1),
                         method=EntryMethod.EQUIVALENT, equivalent_source="Leeds", status=EntryStatus.AWAITING,
                         recorded_by_id=world.learner.id))
    db.session.commit()
    page = as_learner.get("/passport").get_data(as_text=True)
    core_row = page[page.index(f'id="item-{core_fire.id}"'):]
    assert f"awaiting sign-off (equivalent training demonstrated), recorded in {AHP}" in core_row[:core_row.index("</tr>")]
    response = as_learner.post(f"/people/{world.learner.id}/passport/items/{core_fire.id}/record",
                               data={"completed_on": "2026-02-20", "method": "here"})
    assert response.status_code == 422 and "already awaiting sign-off" in response.get_data(as_text=True)
    assert db.session.query(Entry).filter(Entry.item_id == core_fire.id).count() == 0


def test_the_editor_refuses_a_second_code_in_a_passport_and_keeps_the_names_typed(as_admin, world):
    url = f"/admin/templates/sections/{world.month6.id}/items"
    form = {"title": "Fire safety (practical)", "description": "", "corporate_lead": "", "code": "cstf-fire",
            "national_names": "NHS|CSTF|Fire Safety - 1 Year|", "frequency_months": "12", "kind": "learning",
            "evidence": "optional", "mandatory": "yes", "section_id": str(world.month6.id)}
    for headers in ({}, HTMX):
        response = as_admin.post(url, data=form, headers=headers)
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "Fire safety in this passport already has the code cstf-fire" in html
        assert f'id="new-{world.month6.id}-code-error"' in html
        assert "NHS|CSTF|Fire Safety - 1 Year|</textarea>" in html
    # Another code is taken, with its names, and the editor shows them.
    form["code"] = "CSTF-FIRE-PRACTICAL"
    assert as_admin.post(url, data=form).status_code == 303
    editor = as_admin.get(f"/admin/templates/{world.template.id}").get_data(as_text=True)
    assert "Answers to: NHS|CSTF|Fire Safety - 1 Year|" in editor


def _rows_of(html: str) -> dict[str, str]:
    """Each <tr id="item-…"> of an htmx answer, by id, with whether it comes out of band."""
    rows = {}
    for part in html.split("<tr id=")[1:]:
        row_id = part.split('"')[1]
        rows[row_id] = part[:part.index(">")]
    return rows


def test_a_change_made_from_one_passports_row_redraws_every_row_of_the_subject(as_learner, as_educator, world):
    """Withdrawn from the Core Skills row, an entry recorded against the AHP item: the answer is the row it was
    sent from, in place, and the AHP row out of band, so neither shows what is no longer true."""
    _, core_fire = _two_passports(world)
    pending = Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=dt.date(2026, 2, 20),
                    method=EntryMethod.EQUIVALENT, equivalent_source="Leeds", status=EntryStatus.AWAITING,
                    recorded_by_id=world.learner.id)
    db.session.add(pending)
    db.session.commit()
    page = as_learner.get("/passport").get_data(as_text=True)
    core_row = page[page.index(f'id="item-{core_fire.id}"'):]
    assert f'/entries/{pending.id}/withdraw?row={core_fire.id}"' in core_row[:core_row.index("</tr>")]
    # Withdraw asks first, and its answer goes to the same row.
    question = as_learner.get(f"/entries/{pending.id}/withdraw?row={core_fire.id}", headers=HTMX).get_data(as_text=True)
    assert question.lstrip().startswith(f'<tr id="item-{core_fire.id}"') and f'name="row" value="{core_fire.id}"' in question

    answer = as_learner.post(f"/entries/{pending.id}/withdraw", data={"row": str(core_fire.id)}, headers=HTMX)
    assert answer.status_code == 200
    rows = _rows_of(answer.get_data(as_text=True))
    assert list(rows) == [f"item-{core_fire.id}", f"item-{world.fire.id}"]
    assert "hx-swap-oob" not in rows[f"item-{core_fire.id}"]
    assert 'hx-swap-oob="true"' in rows[f"item-{world.fire.id}"]
    assert "awaiting sign-off" not in answer.get_data(as_text=True)

    # Without JavaScript: back to the row it was sent from.
    again = Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=dt.date(2026, 2, 21),
                  method=EntryMethod.EQUIVALENT, equivalent_source="Leeds", status=EntryStatus.AWAITING,
                  recorded_by_id=world.learner.id)
    db.session.add(again)
    db.session.commit()
    plain = as_learner.post(f"/entries/{again.id}/withdraw", data={"row": str(core_fire.id)})
    assert plain.status_code == 303 and plain.headers["Location"].endswith(f"#item-{core_fire.id}")


def test_an_approval_from_the_other_passports_row_answers_with_that_row(as_educator, world):
    _, core_fire = _two_passports(world)
    pending = Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=dt.date(2026, 2, 20),
                    method=EntryMethod.EQUIVALENT, equivalent_source="Leeds", status=EntryStatus.AWAITING,
                    recorded_by_id=world.learner.id)
    db.session.add(pending)
    db.session.commit()
    answer = as_educator.post(f"/people/{world.learner.id}/passport/entries/{pending.id}/decision",
                              data={"decision": "approve", "row": str(core_fire.id)}, headers=HTMX)
    assert answer.status_code == 200
    rows = _rows_of(answer.get_data(as_text=True))
    assert list(rows) == [f"item-{core_fire.id}", f"item-{world.fire.id}"]
    assert "Equivalent training demonstrated at Leeds, 20 Feb 2026" in answer.get_data(as_text=True)


def test_a_name_another_passport_lists_as_another_subject_is_refused_in_the_editor(world):
    """Two subjects answering to one name would make every import file that names it stop: the editor says so
    when the second is listed, and lets the same subject (the same code) list it in another passport."""
    from skillpass.services import templates_admin
    from skillpass.services.errors import ValidationFailed

    _two_passports(world)
    values = {"title": "Moving and handling", "code": "CSTF-MH2", "frequency_months": "24", "kind": "learning",
              "evidence": "optional", "confirmation": "at_once", "section_id": str(world.fire.section_id),
              "national_names": "NHS|CSTF|Fire Safety - 2 Years|"}
    with pytest.raises(ValidationFailed) as refused:
        templates_admin.check_item(values, template=world.template)
    assert "Fire Safety (Core Skills (CSTF)) already answers to" in refused.value.errors["national_names"]
    # The same subject in another passport may list it.
    ahp_values = {**values, "title": "Fire safety", "code": world.fire.code or "CSTF-FIRE",
                  "section_id": str(world.fire.section_id)}
    checked = templates_admin.check_item(ahp_values, template=world.template, item=world.fire)
    assert checked.national_names == ("NHS|CSTF|Fire Safety - 2 Years|",)
