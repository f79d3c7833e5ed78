"""Credit across passports (issue 17, part C): the admin's mapping pages (list, new with its preview, end), who
may reach them, and the rule end to end: the passport row, its print and history, the team matrix and its CSV
say what met the row, with the source's completion date and the row's own frequency; ending puts it back."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.models import AuditEvent, CreditMapping, Entry, EntryMethod, EntryStatus
from skillpass.services import credit_mappings
from tests import factories
from tests.conftest import HTMX, sign_in


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _accepted(person, item, on, *, method=EntryMethod.HERE, source=""):
    entry = Entry(person_id=person.id, item_id=item.id, completed_on=on, method=method, equivalent_source=source,
                  status=EntryStatus.ACCEPTED, recorded_by_id=person.id)
    db.session.add(entry)
    return entry


@pytest.fixture
def core(world):
    """Core Skills, held by the learner: Safeguarding adults, every 36 months, due 19 Jan 2026 (Overdue now).
    The AHP passport gains Safeguarding adults level 2 (every 12 months), done by the learner on 1 Jun 2025."""
    template = factories.template("Core Skills (CSTF)")
    section = factories.section(template, "Within 2 weeks", 2, "weeks")
    target = factories.item(section, "Safeguarding adults", frequency_months=36)
    factories.assign(world.learner, template)
    source = factories.item(world.week2, "Safeguarding adults level 2", frequency_months=12, position=5)
    _accepted(world.learner, source, dt.date(2025, 6, 1))
    db.session.commit()
    return template, source, target


def _form(source=None, targets=(), *, qualification="", note="", confirmed=None) -> dict:
    data = {"source_kind": "item" if source is not None else "qualification",
            "source_item": str(source.id) if source is not None else "", "source_qualification": qualification,
            "target": [str(t.id) for t in targets], "note": note}
    if confirmed:
        data["confirmed"] = confirmed
    return data


def _save(client, source=None, targets=(), **kwargs):
    """Check, then save what the preview showed, as an admin does."""
    preview = client.post("/admin/credit/new", data=_form(source, targets, **kwargs))
    assert preview.status_code == 200, _text(preview)[:2000]
    fingerprint = re.search(r'name="confirmed" value="([0-9a-f]+)"', preview.get_data(as_text=True)).group(1)
    return client.post("/admin/credit/new", data=_form(source, targets, confirmed=fingerprint, **kwargs))


def _passport_row(html: str, item) -> str:
    start = html.index(f'id="item-{item.id}"')
    return html[start:html.index("</tr>", start)]


def _matrix_row(html: str, name: str) -> str:
    start = html.index(f">{name}</a>")
    return html[start:html.index("</tr>", start)]


def _csv(client) -> list[dict]:
    return list(csv.DictReader(io.StringIO(client.get("/team/export/matrix?format=csv").get_data(as_text=True)
                                           .lstrip("\ufeff"))))


# ---------------------------------------------------------------- who may

@pytest.mark.parametrize("url", ["/admin/credit/", "/admin/credit/new"])
def test_learners_and_educators_are_refused_the_mapping_pages(app, world, url):
    for person in (world.learner, world.educator):
        client = sign_in(app.test_client(), person)
        assert client.get(url).status_code == 403
        assert client.post("/admin/credit/new", data=_form(qualification="Care Certificate", targets=[world.fire])
                           ).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(CreditMapping)) == 0


# ---------------------------------------------------------------- new

def test_a_new_mapping_is_checked_shown_then_saved(as_admin, world, core):
    _, source, target = core
    page = as_admin.get("/admin/credit/new")
    assert page.status_code == 200
    html = _text(page)
    assert '<optgroup label="Core Skills (CSTF)">' in html and f'id="target-{target.id}"' in html
    preview = as_admin.post("/admin/credit/new", data=_form(source, [target], note="Same content"))
    html = _text(preview)
    assert preview.status_code == 200
    assert "Before you save: whose rows this changes" in html
    assert "1 row of 1 person change: 1 person becomes Complete." in html
    assert "Lee Learner: Safeguarding adults (Core Skills (CSTF)), Overdue → Complete" in html
    assert db.session.scalar(select(func.count()).select_from(CreditMapping)) == 0
    fingerprint = re.search(r'name="confirmed" value="([0-9a-f]+)"', html).group(1)
    # A changed choice is shown again, not saved.
    other = as_admin.post("/admin/credit/new", data=_form(source, [target, world.fire], confirmed=fingerprint))
    assert other.status_code == 422 and db.session.scalar(select(func.count()).select_from(CreditMapping)) == 0
    saved = as_admin.post("/admin/credit/new", data=_form(source, [target], note="Same content",
                                                          confirmed=fingerprint))
    assert saved.status_code == 303 and saved.headers["Location"].endswith("/admin/credit/")
    listing = _text(as_admin.get("/admin/credit/"))
    assert ("Mapping saved: Safeguarding adults level 2 (AHP Support Worker Skills Passport) counts as: "
            "Safeguarding adults (Core Skills (CSTF)).") in listing
    assert ("<strong>Safeguarding adults level 2 (AHP Support Worker Skills Passport)</strong> counts as: "
            "Safeguarding adults (Core Skills (CSTF))") in listing
    assert "“Same content”" in listing and "added 2 Mar 2026 by Ada Admin" in listing


def test_what_is_wrong_is_shown_in_place_with_what_was_typed_and_ticked(as_admin, world, core):
    _, source, target = core
    for headers in ({}, HTMX):
        response = as_admin.post("/admin/credit/new", headers=headers, data=_form(
            qualification="", targets=[target], note="Kept note"))
        html = _text(response)
        assert response.status_code == 422
        assert 'href="#source-qualification">Enter the name of the qualification' in html
        assert f'id="target-{target.id}" name="target" type="checkbox" value="{target.id}" checked' in html
        assert "Kept note</textarea>" in html
        assert 'id="source-kind-qualification" name="source_kind" type="radio" value="qualification" checked' in html
        assert (html.lstrip().startswith('<div id="credit-form">') if headers else "<!DOCTYPE html>" in html)
    response = as_admin.post("/admin/credit/new", data=_form(source, [world.stress]))
    html = _text(response)
    assert response.status_code == 422
    assert ("Managing work and life stress is in AHP Support Worker Skills Passport, the source's own passport: "
            "choose items of other passports.") in html
    assert f'<option value="{source.id}" selected>' in html


def test_htmx_checks_in_place_and_a_save_leads_back_to_the_list(as_admin, world, core):
    _, source, target = core
    preview = as_admin.post("/admin/credit/new", data=_form(source, [target]), headers=HTMX)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and html.lstrip().startswith('<div id="credit-form">')
    fingerprint = re.search(r'name="confirmed" value="([0-9a-f]+)"', html).group(1)
    saved = as_admin.post("/admin/credit/new", data=_form(source, [target], confirmed=fingerprint), headers=HTMX)
    assert saved.headers["HX-Redirect"] == "/admin/credit/"
    assert db.session.scalar(select(func.count()).select_from(CreditMapping)) == 1


def test_the_same_save_sent_twice_saves_one_mapping(as_admin, world, core):
    _, source, target = core
    preview = as_admin.post("/admin/credit/new", data=_form(source, [target]))
    fingerprint = re.search(r'name="confirmed" value="([0-9a-f]+)"', preview.get_data(as_text=True)).group(1)
    data = {**_form(source, [target], confirmed=fingerprint), "submission": "t" * 32}
    assert as_admin.post("/admin/credit/new", data=data).status_code == 303
    again = as_admin.post("/admin/credit/new", data=data)
    assert again.status_code == 422 and "This form was sent twice" in _text(again)
    assert db.session.scalar(select(func.count()).select_from(CreditMapping)) == 1


# ---------------------------------------------------------------- the rule, end to end

def test_an_item_mapping_meets_the_row_on_the_passport_print_history_matrix_and_csv(app, as_admin, world, core):
    _, source, target = core
    learner = sign_in(app.test_client(), world.learner)
    row = _passport_row(_text(learner.get("/passport")), target)
    assert "Overdue" in row and "Met by" not in row
    assert _save(as_admin, source, [target]).status_code == 303

    row = _passport_row(_text(learner.get("/passport")), target)
    assert "Complete" in row
    assert ("Met by Safeguarding adults level 2 (credit from AHP Support Worker Skills Passport), 1 Jun 2025"
            in row)
    # The source's completion date, the row's own frequency (§6.1).
    assert "Expires 1 Jun 2028: completed 1 Jun 2025 + 36 months" in row
    assert "Expires 1 Jun 2026: completed 1 Jun 2025 + 12 months" in _passport_row(
        _text(learner.get("/passport")), source)
    printed = _text(learner.get(f"/people/{world.learner.id}/passport/print"))
    assert "Met by Safeguarding adults level 2 (credit from AHP Support Worker Skills Passport), 1 Jun 2025" in printed
    history = _text(learner.get(f"/people/{world.learner.id}/passport/items/{target.id}/history", headers=HTMX))
    assert "Counted by credit: Safeguarding adults level 2 counts as Safeguarding adults" in history
    assert "1 Jun 2025" in history

    cell = _matrix_row(_text(as_admin.get("/team/")), "Lee Learner")
    assert ('Lee Learner, Safeguarding adults: </span>Complete<span class="app-cell__date">'
            'Expires 1 Jun 2028: completed 1 Jun 2025</span>') in cell
    [lee] = [r for r in _csv(as_admin) if r["Name"] == "Lee Learner"]
    assert lee["Core Skills (CSTF): Safeguarding adults"] == "Complete: Expires 1 Jun 2028: completed 1 Jun 2025"
    assert lee["AHP Support Worker Skills Passport: Safeguarding adults level 2"] == (
        "Complete: Expires 1 Jun 2026: completed 1 Jun 2025")

    # Ending it puts the row back at once, everywhere.
    mapping = db.session.scalar(select(CreditMapping))
    asked = _text(as_admin.get(f"/admin/credit/{mapping.id}/end"))
    assert "Before you end it: whose rows this changes" in asked
    assert "Lee Learner: Safeguarding adults (Core Skills (CSTF)), Complete → Overdue" in asked
    assert as_admin.post(f"/admin/credit/{mapping.id}/end", data={}).status_code == 303
    row = _passport_row(_text(learner.get("/passport")), target)
    assert "Overdue" in row and "Met by" not in row and "Due 19 Jan 2026" in row
    [lee] = [r for r in _csv(as_admin) if r["Name"] == "Lee Learner"]
    assert lee["Core Skills (CSTF): Safeguarding adults"] == "Overdue: Due 19 Jan 2026"
    assert ('Lee Learner, Safeguarding adults: </span>Overdue<span class="app-cell__date">Due 19 Jan 2026</span>'
            in _matrix_row(_text(as_admin.get("/team/")), "Lee Learner"))


def test_a_named_qualification_is_met_by_equivalent_training_at_it(app, as_admin, world, core):
    _, _, target = core
    _accepted(world.learner, world.stress, dt.date(2025, 9, 15), method=EntryMethod.EQUIVALENT,
              source="Care Certificate standard 13")
    db.session.commit()
    assert _save(as_admin, qualification="care certificate  standard 13", targets=[target]).status_code == 303
    learner = sign_in(app.test_client(), world.learner)
    row = _passport_row(_text(learner.get("/passport")), target)
    assert "Complete" in row
    assert "Met by care certificate standard 13 (credit from a named qualification), 15 Sep 2025" in row
    assert "Expires 15 Sep 2028: completed 15 Sep 2025 + 36 months" in row
    # The entry it counted says where it was made.
    history = _text(learner.get(f"/people/{world.learner.id}/passport/items/{target.id}/history"))
    assert "Equivalent training demonstrated at Care Certificate standard 13" in history
    assert "Counted by credit: care certificate standard 13 counts as Safeguarding adults" in history
    [lee] = [r for r in _csv(as_admin) if r["Name"] == "Lee Learner"]
    assert lee["Core Skills (CSTF): Safeguarding adults"] == "Complete: Expires 15 Sep 2028: completed 15 Sep 2025"


# ---------------------------------------------------------------- end

def test_ending_asks_first_inline_and_a_mapping_ends_once(as_admin, world, core):
    _, source, target = core
    _save(as_admin, source, [target])
    mapping = db.session.scalar(select(CreditMapping))
    listing = _text(as_admin.get("/admin/credit/"))
    assert f'hx-get="/admin/credit/{mapping.id}/end" hx-target="#mapping-{mapping.id}-end"' in listing
    inline = as_admin.get(f"/admin/credit/{mapping.id}/end", headers=HTMX)
    html = _text(inline)
    assert inline.status_code == 200 and "<!DOCTYPE html>" not in html
    assert f'hx-post="/admin/credit/{mapping.id}/end"' in html and "End the mapping" in html
    ended = as_admin.post(f"/admin/credit/{mapping.id}/end", data={}, headers=HTMX)
    assert ended.headers["HX-Redirect"] == "/admin/credit/"
    listing = _text(as_admin.get("/admin/credit/"))
    assert "Mapping ended: Safeguarding adults level 2" in listing
    assert "No mappings in use" in listing and "ended 2 Mar 2026 by Ada Admin" in listing
    again = as_admin.post(f"/admin/credit/{mapping.id}/end", data={})
    assert again.status_code == 303
    assert "This mapping was already ended, so nothing changed." in _text(as_admin.get("/admin/credit/"))
    assert "This mapping was ended on 2 Mar 2026 by Ada Admin" in _text(as_admin.get(f"/admin/credit/{mapping.id}/end"))
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "CreditMapping")
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["credit.mapping_created", "credit.mapping_ended"]
    log = _text(as_admin.get("/admin/audit", query_string={"action": "credit.mapping_ended"}))
    assert "Credit across passports ended: Safeguarding adults level 2" in log


def test_the_list_words_each_mapping_and_links_from_the_templates_page(as_admin, world, core):
    _, source, target = core
    assert "No mappings in use" in _text(as_admin.get("/admin/credit/"))
    assert 'href="/admin/credit/"' in as_admin.get("/admin/templates/").get_data(as_text=True)
    credit_mappings.create_mapping(actor=world.admin, proposal=credit_mappings.check(
        source_kind="qualification", qualification="Care Certificate standard 13", target_ids=[target.id]))
    db.session.commit()
    html = _text(as_admin.get("/admin/credit/"))
    assert ("<strong>Care Certificate standard 13</strong> counts as: Safeguarding adults (Core Skills (CSTF))"
            in html)
    assert "From a named qualification" in html
