"""An ESR-style completions file fills exactly the items whose names it lists (PRODUCT.md §6.1): a Level 1 row
never fills a Level 2 item, a 1-year name never the 2-year item; unknown subjects are skipped, not errors."""
from __future__ import annotations

import io
import re

from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import Entry, TemplateStatus

from tests import factories

HEADER = "employee_number,item,completed_on,expires_on"
MH2 = "NHS|CSTF|Moving and Handling - Level 2 - 2 Years|"
FIRE2 = "NHS|CSTF|Fire Safety - 2 Years|"
RESUS = "NHS|CSTF|Resuscitation - Level 2 - Adult Basic Life Support - 1 Year|"
PREVENT = "NHS|CSTF|Preventing Radicalisation - Basic Prevent Awareness - 3 Years|"


def _upload(client, content: str):
    return client.post("/admin/import/completions", data={"file": (io.BytesIO(content.encode("utf-8")), "esr.csv")},
                       content_type="multipart/form-data")


def _core(world):
    core = factories.template("Core Skills (CSTF)")
    section = factories.section(core, "Within 2 weeks", 2, "weeks")
    items = dict(
        mh2=factories.item(section, "Moving and Handling (level 2)", code="CSTF-MH2", frequency_months=24,
                           names=(MH2,)),
        fire=factories.item(section, "Fire Safety", code="CSTF-FIRE", frequency_months=24, names=(FIRE2,),
                            position=1),
        resus=factories.item(section, "Resuscitation (level 2, adult basic life support)", code="CSTF-RESUS",
                             frequency_months=12, names=(RESUS,), position=2),
        prevent=factories.item(section, "Preventing Radicalisation", code="CSTF-PREV", frequency_months=36,
                               names=(PREVENT,), position=3),
    )
    factories.assign(world.learner, core)
    db.session.commit()
    return core, items


def test_an_esr_file_fills_exactly_the_items_whose_names_it_lists(as_admin, world):
    _, items = _core(world)
    n = world.learner.employee_number
    content = "\n".join([
        HEADER,
        f"{n},NHS|CSTF|Moving and Handling - Level 1 - 3 Years|,2025-01-10,",
        f"{n},{MH2},2025-02-10,",
        f"{n},NHS|CSTF|Fire Safety - 1 Year|,2025-03-10,",
        f"{n},nhs|cstf|fire safety - 2 years,2025-04-10,",
        f"{n},{RESUS},2025-05-10,",
        f"{n},{PREVENT},2025-05-11,",
        f"{n},123|LOCAL|Sharps Awareness|,2025-06-10,",
        f"{n},123|LOCAL|Sharps Awareness|,2025-06-11,",
        f"{n},NHS|CSTF|Resuscitation - Level 2 - Adult Basic Life Support - 2 Years|,2025-06-12,",
    ]) + "\n"
    response = _upload(as_admin, content)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Nothing was imported" not in html
    assert "<strong>4</strong> completions to add" in html
    assert "<strong>5</strong> rows skipped, not in any passport" in html
    skipped = html[html.index('id="skipped"'):]
    skipped = skipped[:skipped.index("</table>")]
    for name in ("NHS|CSTF|Moving and Handling - Level 1 - 3 Years|", "NHS|CSTF|Fire Safety - 1 Year|",
                 "123|LOCAL|Sharps Awareness|"):
        assert f'<td class="nhsuk-table__cell">{name}</td>' in skipped
    assert '123|LOCAL|Sharps Awareness|</td><td class="nhsuk-table__cell nhsuk-table__cell--numeric">2</td>' in skipped
    assert f"Did you mean {FIRE2} (CSTF-FIRE)?" in skipped
    assert f"Did you mean {RESUS} (CSTF-RESUS)?" in skipped
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)
    assert as_admin.post("/admin/import/completions/confirm",
                         data={"token": token, "filename": "esr.csv"}).status_code == 303
    filled = {(e.item_id, e.completed_on.isoformat()) for e in db.session.scalars(select(Entry))}
    assert filled == {(items["mh2"].id, "2025-02-10"), (items["fire"].id, "2025-04-10"),
                      (items["resus"].id, "2025-05-10"), (items["prevent"].id, "2025-05-11")}


def test_a_file_of_only_unknown_subjects_adds_nothing_and_is_not_an_error(as_admin, world):
    _core(world)
    html = _upload(as_admin, f"{HEADER}\n{world.learner.employee_number},123|LOCAL|Sharps Awareness|,2025-06-10,\n"
                   ).get_data(as_text=True)
    assert "Nothing was imported" not in html and "Nothing to add from esr.csv" in html
    assert "<strong>1</strong> row skipped, not in any passport" in html


def test_an_unknown_person_still_stops_the_import_even_on_a_skipped_row(as_admin, world):
    _core(world)
    response = _upload(as_admin, f"{HEADER}\nE99999,123|LOCAL|Sharps Awareness|,2025-06-10,\n")
    assert response.status_code == 422 and "Nobody has the employee number" in response.get_data(as_text=True)


def test_a_name_listed_only_in_a_draft_is_refused_with_the_reason(as_admin, world):
    draft = factories.template("Ward induction")
    draft.status = TemplateStatus.DRAFT
    factories.item(factories.section(draft, "Day one", 0), "Ward tour", names=("LOCAL|Ward tour|",))
    db.session.commit()
    response = _upload(as_admin, f"{HEADER}\n{world.learner.employee_number},local|ward tour,2025-03-14,\n")
    assert response.status_code == 422 and "is only in Ward induction, which is draft" in response.get_data(
        as_text=True)
