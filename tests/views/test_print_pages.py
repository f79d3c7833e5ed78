"""The printed passport page by page: whose it is on every page (a bulk print too), the signatures never alone,
footers that never run together, read back from the PDF (pypdf) and from WeasyPrint's layout."""
from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader

from skillpass.extensions import db
from skillpass.models import InformalEntry, PrintJob
from skillpass.print import bulk
from skillpass.print.render import passport_document
from skillpass.services.settings import get_settings
from tests import factories

RUNNING_HEAD = "Learning Date Hours Reflection"     # the appendix table's head, repeated on a continued page


def _document(person):
    return passport_document(person, settings=get_settings(), base_url="http://localhost/")


def _pages(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def _learning(person, count, start=0):
    for n in range(start, start + count):
        db.session.add(InformalEntry(person_id=person.id, title=f"Learning {n:02d}", completed_on=dt.date(2026, 2, 2),
                                     hours=1, recorded_by_id=person.id))
    db.session.commit()


def test_the_signatures_never_stand_alone_on_the_last_page(app, world):
    """As the appendix grows a row at a time, the signatures reach a new page: the last rows go with them."""
    crossed = False
    _learning(world.learner, 14)
    for count in range(14, 24, 2):
        pages = _pages(_document(world.learner).write_pdf())
        [signed] = [n for n, page in enumerate(pages) if "Signatures By signing" in page]
        before = pages[signed][:pages[signed].index("Signatures By signing")]
        assert "Learning" in before.replace(RUNNING_HEAD, ""), (count, pages[signed][:200])
        crossed |= not any("Appendix: informal learning Learning Date" in page for page in pages[signed:signed + 1])
        _learning(world.learner, 2, start=count)
    assert crossed, "no count put the signatures past the page the appendix starts on: widen the range"


def _margin_boxes(page):
    return sorted((box for box in page._page_box.children if type(box).__name__ == "MarginBox"),
                  key=lambda box: (box.at_keyword.startswith("@bottom"), box.position_x))


def test_page_headers_and_footers_keep_apart_even_for_a_long_name(app, world):
    world.learner.name = "Wolfeschlegelsteinhausenbergerdorff " * 4 + "Kleinschmidt-Featherstonehaugh"
    db.session.commit()
    factories.section(world.template, "A section with a name long enough to wrap in the page footer of a print",
                      1, "months", position=3)
    document = _document(world.learner)
    assert len(document.pages) >= 1
    for number, page in enumerate(document.pages, 1):
        boxes = _margin_boxes(page)
        assert {b.at_keyword for b in boxes} >= {"@top-left", "@top-right", "@bottom-left", "@bottom-center",
                                                  "@bottom-right"}
        for edge in ("@top", "@bottom"):
            row = [b for b in boxes if b.at_keyword.startswith(edge)]
            for left, right in zip(row, row[1:]):   # each box ends before the next begins: nothing overlaps
                assert left.position_x + left.margin_width() < right.position_x, (number, left.at_keyword)
    text = _pages(document.write_pdf())
    # The page header cuts the name with care (80 characters and "…"); the page itself prints it whole.
    assert all("Skills passport: Wolfeschlegelsteinhausenbergerdorff" in page for page in text)
    assert "…" in text[0] and world.learner.name.split()[-1] in text[0]


def test_a_bulk_print_keeps_each_persons_name_on_their_own_pages(app, world):
    for n in range(40):
        factories.item(world.week2, f"Long topic number {n:02d}", frequency_months=12, position=10 + n)
    db.session.commit()
    people = [world.learner, world.other_learner]
    names = [p.name for p in people]
    job_id = bulk.create(actor=world.admin, people=people, title="Two passports").id
    db.session.commit()
    bulk.run(app, job_id, "http://localhost/")     # as its thread does, here and now (it ends the session)
    job = db.session.get(PrintJob, job_id)
    assert job.stored_name, job.error
    pages = _pages((bulk.folder(app) / job.stored_name).read_bytes())
    owners = []
    for page in pages:
        named = [name for name in names if f"Skills passport: {name}" in page]
        assert len(named) == 1, page[-200:]
        owners.append(named[0])
    # Each passport's pages together, each numbered on its own ("Page 1 of n" starts again).
    assert owners == sorted(owners, key=names.index)
    assert sum("Page 1 of" in page for page in pages) == 2
    assert owners.count("Lee Learner") >= 2 and owners.count("Olu Other") >= 2
