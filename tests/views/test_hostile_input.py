"""Markup and spreadsheet-formula payloads in every free-text field, then every
page, partial, PDF and export that shows them: markup only ever as text,
formulas only ever neutralised."""
from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import load_workbook
from pypdf import PdfReader

from skillpass.extensions import db
from skillpass.models import AssignmentRule, Entry, EntryMethod, EntryStatus, InformalEntry
from skillpass.services import evidence as evidence_service
from skillpass.services.settings import set_setting
from tests import factories
from tests.conftest import HTMX, sign_in

MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)>'
FORMULA = '=HYPERLINK("http://evil.example/","click")'
ESCAPED_MARKUP = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def _hostile_world(world):
    """Payloads in names, titles, descriptions, leads, codes, notes, sources, reasons, reflections, file names."""
    world.learner.name = f"{MARKUP} Lee"
    world.learner.job_role = FORMULA
    world.team_a.name = f"Physio {MARKUP}"
    world.template.name = f"AHP {MARKUP}"
    world.template.description = MARKUP
    world.week2.name = f"Within 2 weeks {MARKUP}"
    world.fire.title = f"Fire {MARKUP}"
    world.fire.description = MARKUP
    world.fire.corporate_lead = FORMULA
    world.fire.code = "@SUM(1+1)<b>x</b>"
    world.stress.title = FORMULA
    evidence = evidence_service.save(
        evidence_service.Checked(data=b"%PDF-1.4 certificate", file_type=evidence_service.PDF,
                                 filename=f"{MARKUP}.pdf"), person=world.learner, actor=world.learner)
    db.session.add_all([
        Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=dt.date(2026, 2, 2),
              method=EntryMethod.EQUIVALENT, equivalent_source=MARKUP, note=FORMULA, status=EntryStatus.ACCEPTED,
              recorded_by_id=world.learner.id, decided_by_id=world.educator.id, decided_by_name=f"Eve {MARKUP}",
              decided_by_job_title=FORMULA, decided_at=dt.datetime(2026, 2, 3, tzinfo=dt.timezone.utc),
              evidence_id=evidence.id),
        Entry(person_id=world.learner.id, item_id=world.stress.id, completed_on=dt.date(2026, 2, 10),
              method=EntryMethod.HERE, note=MARKUP, status=EntryStatus.REJECTED, recorded_by_id=world.learner.id,
              decided_by_id=world.educator.id, decided_by_name="Eve Educator", decision_reason=MARKUP,
              decided_at=dt.datetime(2026, 2, 11, tzinfo=dt.timezone.utc)),
        Entry(person_id=world.learner.id, item_id=world.competency.id, completed_on=dt.date(2026, 2, 20),
              method=EntryMethod.HERE, note=MARKUP, status=EntryStatus.AWAITING, recorded_by_id=world.learner.id),
        InformalEntry(person_id=world.learner.id, title=MARKUP, reflection=FORMULA, completed_on=dt.date(2026, 2, 2),
                      hours=2, recorded_by_id=world.learner.id),
        AssignmentRule(template_id=world.template.id, teams=[world.team_a], job_roles=[MARKUP]),
    ])
    set_setting("organisation_name", f"Trust {MARKUP}")
    db.session.commit()


def test_markup_is_only_ever_text_on_every_page_and_partial(app, world):
    _hostile_world(world)
    learner = sign_in(app.test_client(), world.learner)
    educator = sign_in(app.test_client(), world.educator)
    admin = sign_in(app.test_client(), world.admin)
    pid, fire = world.learner.id, world.fire.id
    pages = [
        (learner, "/passport", {}), (learner, f"/people/{pid}/passport/items/{fire}", HTMX),
        (learner, f"/people/{pid}/passport/items/{world.stress.id}/record", {}),
        (learner, f"/people/{pid}/passport/print", {}), (learner, f"/people/{pid}/passport/informal", HTMX),
        (educator, "/sign-off/", {}), (educator, "/sign-off/", HTMX), (educator, f"/people/{pid}/passport", {}),
        (educator, f"/people/{pid}/passport/items/{fire}/history", {}), (educator, "/team/", {}),
        (educator, "/team/", HTMX), (educator, "/team/trend", HTMX), (educator, "/people/?q=lee", HTMX),
        (admin, "/admin/", {}), (admin, "/admin/audit", {}), (admin, "/admin/templates/", {}),
        (admin, f"/admin/templates/{world.template.id}", {}), (admin, f"/admin/templates/items/{fire}/edit", HTMX),
        (admin, "/admin/rules", {}), (admin, "/admin/teams", {}), (admin, f"/people/{pid}/edit", {}),
        (admin, "/admin/settings", {}), (admin, "/people/", {}),
    ]
    for client, url, headers in pages:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert" in html, f"{url} should show the payload, as text"


def test_the_pdf_shows_markup_as_text(app, world):
    _hostile_world(world)
    learner = sign_in(app.test_client(), world.learner)
    response = learner.get(f"/people/{world.learner.id}/passport.pdf")
    assert response.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert '<script>alert("x")</script>' in text.replace("\n", "")


def test_exports_neutralise_formulas_and_keep_markup_as_plain_text(app, world):
    _hostile_world(world)
    educator = sign_in(app.test_client(), world.educator)
    for path in ("/team/export/matrix", "/team/export/records"):
        body = educator.get(f"{path}?format=csv").get_data(as_text=True).lstrip("\ufeff")
        cells = [cell for row in csv.reader(io.StringIO(body)) for cell in row]
        workbook = load_workbook(io.BytesIO(educator.get(f"{path}?format=xlsx").data))
        xlsx_cells = [c for row in workbook.active.iter_rows(values_only=True) for c in row if isinstance(c, str)]
        for found in (cells, xlsx_cells):
            assert not any(c.startswith(("=", "+", "-", "@")) for c in found), (path, found)
            assert any(c == "'" + FORMULA for c in found) or any(FORMULA in c for c in found), path
            assert any(MARKUP in c for c in found), path
    # The formula is kept whole behind its apostrophe, so nothing is lost.
    body = educator.get("/team/export/records?format=csv").get_data(as_text=True)
    assert f"'{FORMULA}" in body.replace('""', '"')


# ------------------------------------------------------------- control characters

# What can be stored: PostgreSQL refuses NUL in text, so it never gets this far (see test_malformed_input).
CONTROL = "Old Trust\x01\x0bX\x1b[31m\x7f\x85"


def test_a_learner_cannot_store_control_characters_and_is_told_so_in_place(app, world):
    """The probe's way in: equivalent training from 'Old Trust\\x01\\x0bX' broke the Excel exports for good."""
    learner = sign_in(app.test_client(), world.learner)
    for headers in ({}, HTMX):
        response = learner.post(f"/people/{world.learner.id}/passport/items/{world.fire.id}/record", headers=headers,
                                data={"completed_on": "2026-02-20", "method": "equivalent",
                                      "equivalent_source": "Old Trust\x01\x0bX", "note": "Certificate to follow"})
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert "This held hidden control characters" in html
        assert "Certificate to follow" in html                 # the rest of the input is kept
        assert "\x01" not in html and "\x0b" not in html       # and nothing of the controls is written back
    assert db.session.query(Entry).count() == 0


def test_every_writer_is_safe_against_control_characters_already_stored(app, world):
    """Text stored before the forms refused them (or by any other way in): pages, the PDF, CSV and XLSX
    all answer, and write it without the control characters."""
    world.learner.name = f"Lee {CONTROL} Learner"
    world.fire.title = f"Fire {CONTROL}"
    db.session.add(Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=dt.date(2026, 2, 2),
                         method=EntryMethod.EQUIVALENT, equivalent_source=CONTROL, note=CONTROL,
                         status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id,
                         decided_by_id=world.educator.id, decided_by_name=f"Eve {CONTROL}",
                         decided_at=dt.datetime(2026, 2, 3, tzinfo=dt.timezone.utc)))
    db.session.commit()
    educator = sign_in(app.test_client(), world.educator)
    learner = sign_in(app.test_client(), world.learner)
    for client, url in ((learner, "/passport"), (educator, f"/people/{world.learner.id}/passport"),
                        (educator, "/team/"), (learner, f"/people/{world.learner.id}/passport/print")):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert "Old TrustX" in html or "Lee Old TrustX" in html, url
        assert not any(c in html for c in "\x00\x01\x0b\x1b\x7f\x85"), url
    pdf = learner.get(f"/people/{world.learner.id}/passport.pdf")
    assert pdf.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Old TrustX" in text
    for path in ("/team/export/matrix", "/team/export/records"):
        xlsx = educator.get(f"{path}?format=xlsx")
        assert xlsx.status_code == 200, path
        cells = [c for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True)
                 for c in row if isinstance(c, str)]
        assert any("Old TrustX" in c for c in cells), path
        body = educator.get(f"{path}?format=csv").get_data(as_text=True)
        assert "Old TrustX" in body and not any(c in body for c in "\x00\x01\x0b\x1b\x7f\x85"), path
