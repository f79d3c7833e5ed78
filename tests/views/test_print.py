"""The printed passport: the A4 page on screen, and the same page as a PDF."""
from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus, InformalEntry
from tests import factories
from tests.conftest import sign_in


def _entry(person, item, on, *, method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, **extra):
    e = Entry(person_id=person.id, item_id=item.id, completed_on=on, method=method, status=status,
              recorded_by_id=person.id, **extra)
    db.session.add(e)
    db.session.commit()
    return e


def _pdf_pages(response) -> list[str]:
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    return [page.extract_text() for page in reader.pages]


def test_print_page_has_the_paper_passport_columns_and_person(as_learner, world):
    _entry(world.learner, world.fire, dt.date(2026, 1, 10))
    html = as_learner.get(f"/people/{world.learner.id}/passport/print").get_data(as_text=True)
    for text in ("Test Trust", "Skills passport", "Lee Learner", world.learner.employee_number,
                 "Support Worker", "Physiotherapy", "5 Jan 2026", "Printed", "2 Mar 2026",
                 "Topic (Corporate lead)", "Frequency",
                 "Date completed or equivalent training demonstrated", "Signed off by", "Status",
                 "Fire safety", "(Estates)", "Every 2 years", "10 Jan 2026",
                 "Expires 10 Jan 2028: completed 10 Jan 2026 + 24 months",
                 "Appendix: informal learning", "Signatures"):
        assert text in html, text
    assert 'href="/people/%d/passport.pdf"' % world.learner.id in html
    # The toolbar's print button needs JavaScript; without it, it stays hidden.
    assert "data-print hidden" in html


def test_pdf_holds_each_item_with_its_date_status_and_sign_off(as_admin, world):
    _entry(world.learner, world.fire, dt.date(2026, 1, 10))
    _entry(world.learner, world.competency, dt.date(2026, 2, 20), decided_by_id=world.educator.id,
           decided_by_name="Eve Educator", decided_by_job_title="Practice Educator",
           decided_at=dt.datetime(2026, 2, 23, 10, 0, tzinfo=dt.timezone.utc))
    _entry(world.learner, world.stress, dt.date(2025, 11, 1), method=EntryMethod.EQUIVALENT,
           status=EntryStatus.AWAITING, equivalent_source="Leeds Teaching Hospitals")
    db.session.add(InformalEntry(person_id=world.learner.id, title="Shadowed the falls team",
                                 completed_on=dt.date(2026, 2, 2), hours=3, recorded_by_id=world.learner.id))
    db.session.commit()

    response = as_admin.get(f"/people/{world.learner.id}/passport.pdf")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="skills-passport-lee-learner-2026-03-02.pdf"'
    )
    text = " ".join(" ".join(_pdf_pages(response)).split())
    for expected in ("Lee Learner", "Fire safety", "10 Jan 2026", "Complete",
                     "Moving a patient with a hoist", "Eve Educator, Practice Educator", "23 Feb 2026",
                     "Managing work and life stress",
                     # an awaiting claim prints where it was done, in the passport's words
                     "Equivalent training demonstrated at Leeds Teaching Hospitals, 1 Nov 2025: awaiting sign-off",
                     "Reflective practice", "To do",
                     "Shadowed the falls team", "Printed 2 Mar 2026", "Page 1 of"):
        assert expected in text, expected


def test_long_passport_repeats_the_table_header_and_numbers_every_page(as_learner, world):
    for n in range(60):
        factories.item(world.week2, f"Long topic number {n:02d}", frequency_months=12, position=10 + n)
    db.session.commit()
    pages = _pdf_pages(as_learner.get(f"/people/{world.learner.id}/passport.pdf"))
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        flat = " ".join(page.split())
        assert f"Page {number} of {len(pages)}" in flat
        assert "Skills passport: Lee Learner" in flat
    # Every page that continues the long table starts it with its header again.
    table_pages = [p for p in pages if "Long topic number" in p]
    assert len(table_pages) >= 2
    for page in table_pages:
        assert "Topic (Corporate lead)" in page
    # ... and with the section it continues: its name heads the table on every page it runs over.
    for page in table_pages[1:]:
        assert " ".join(page.split()).startswith("Within 2 weeks"), page[:80]
    text = " ".join(pages)
    for n in range(60):
        assert f"Long topic number {n:02d}" in text


def test_educator_prints_their_teams_passports_only(app, world):
    educator = sign_in(app.test_client(), world.educator)
    assert educator.get(f"/people/{world.learner.id}/passport/print").status_code == 200
    assert educator.get(f"/people/{world.learner.id}/passport.pdf").status_code == 200
    other = sign_in(app.test_client(), world.other_educator)
    assert other.get(f"/people/{world.learner.id}/passport/print").status_code == 403
    assert other.get(f"/people/{world.learner.id}/passport.pdf").status_code == 403


def test_a_learner_cannot_print_someone_elses_passport(as_learner, world):
    assert as_learner.get(f"/people/{world.other_learner.id}/passport/print").status_code == 403
    assert as_learner.get(f"/people/{world.other_learner.id}/passport.pdf").status_code == 403


def test_pdf_fetcher_serves_static_files_and_refuses_everything_else(app):
    from weasyprint.urls import FatalURLFetchingError

    from skillpass.print.pdf import static_only_fetcher

    fetcher = static_only_fetcher(Path(app.static_folder), app.static_url_path)
    css = fetcher("http://localhost/static/css/print.css")
    assert b"@page" in css.read()
    assert css.content_type == "text/css"
    with pytest.raises(ValueError):
        fetcher("https://assets.nhs.uk/fonts/frutiger.woff2")
    with pytest.raises(FatalURLFetchingError):
        fetcher("http://localhost/static/../skillpass/config.py")
    with pytest.raises(FatalURLFetchingError):
        fetcher("http://localhost/static/css/missing.css")


def test_an_imported_competency_does_not_print_as_needing_no_sign_off(as_learner, world):
    """An inspector reads "Not needed" as "no sign-off required": an imported record says where its sign-off is."""
    _entry(world.learner, world.competency, dt.date(2025, 6, 1), method=EntryMethod.IMPORTED)
    _entry(world.learner, world.stress, dt.date(2026, 1, 10))
    html = as_learner.get(f"/people/{world.learner.id}/passport/print").get_data(as_text=True)
    hoist = html[html.index("Moving a patient with a hoist"):]
    hoist = hoist[:hoist.index("</tr>")]
    assert "Imported record, 1 Jun 2025" in hoist and "any sign-off is in the system it came from" in hoist
    assert "Not needed" not in hoist
    stress = html[html.index("Managing work and life stress"):]
    assert "Self-declared" in stress[:stress.index("</tr>")]   # a learner's own tick, checked by nobody
    assert "Not needed" not in stress[:stress.index("</tr>")]


def _boxes_past_the_margin(document) -> list[tuple[int, str, float]]:
    """Every laid-out box whose right edge passes the page's right margin: (page, box, by how much, in px)."""
    found = []
    for number, page in enumerate(document.pages, 1):
        page_box = page._page_box
        right = page_box.margin_width() - page_box.margin_right

        def walk(box):
            if getattr(box, "position_x", None) is not None and hasattr(box, "margin_width"):
                edge = box.position_x + box.margin_width() - (box.margin_right or 0)
                if edge > right + 0.5:
                    found.append((number, type(box).__name__, round(edge - right, 1)))
            for child in getattr(box, "children", None) or []:
                walk(child)

        for child in page_box.children:
            walk(child)
    return found


def test_every_demo_passport_fits_the_page_width_in_the_pdf(app):
    """The five columns add up to the page: nothing (the Status column above all) runs off its right edge."""
    from sqlalchemy import select

    from skillpass import demo
    from skillpass.models import Person
    from skillpass.print.render import passport_document
    from skillpass.services.settings import get_settings
    from tests.conftest import TODAY

    demo.seed(today=TODAY)
    db.session.commit()
    people = db.session.scalars(select(Person).where(Person.email.in_(
        [demo.LEARNER_EMAIL, demo.EDUCATOR_EMAIL]))).all()
    assert len(people) == 2
    for person in people:   # no request needed: what the page needs is passed in
        document = passport_document(person, settings=get_settings(), base_url="http://localhost/")
        assert _boxes_past_the_margin(document) == [], person.name
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(document.write_pdf())).pages)
        assert "Skills passport" in text


def test_a_removed_passport_prints_as_history_without_a_progress_count(as_admin, world):
    from sqlalchemy import select

    from skillpass.models import Assignment
    _entry(world.learner, world.fire, dt.date(2026, 1, 10))
    assignment = db.session.scalar(select(Assignment).where(Assignment.person_id == world.learner.id))
    assignment.removed_on = dt.date(2026, 2, 1)
    db.session.commit()
    html = as_admin.get(f"/people/{world.learner.id}/passport/print").get_data(as_text=True)
    assert "This passport is no longer assigned: its records are kept for history" in html
    assert " complete</span>" not in html
    assert 'data-running="AHP Support Worker Skills Passport: Within 2 weeks"' in html


def test_item_cells_start_their_lines_with_new_lines_not_br_elements(as_learner, world):
    """The item rows break their cells' lines with new lines kept by the cell (print.css: pre-line), not <br>
    elements (each an element, a pseudo-element and a box more to lay out): the PDF breaks them where it did."""
    _entry(world.learner, world.fire, dt.date(2026, 1, 10))
    html = as_learner.get(f"/people/{world.learner.id}/passport/print").get_data(as_text=True)
    rows = "".join(body.split("</tbody>")[0] for body in html.split('<table class="items"')[1:])
    assert "Fire safety" in rows and "<br" not in rows
    assert re.search(r'<strong>Fire safety</strong>( <span class="code">[^<]*</span>)?\n\(Estates\)', rows)
    pages = _pdf_pages(as_learner.get(f"/people/{world.learner.id}/passport.pdf"))
    lines = [line.strip() for page in pages for line in page.splitlines()]
    fire = next(n for n, line in enumerate(lines) if line.startswith("Fire safety"))   # its corporate lead: next line
    assert lines[fire + 1] == "(Estates)"
