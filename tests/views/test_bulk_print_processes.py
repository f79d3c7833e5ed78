"""A bulk print laid out in worker processes and put together in order as they finish (issue 19, part C): every
passport in order, each on its own pages with its own numbering, the same words as printed one by one; progress
passport by passport; a passport that cannot be laid out fails the job as before and leaves no files behind."""
from __future__ import annotations

import datetime as dt
import io
import multiprocessing.forkserver
import tempfile

import pytest
from pypdf import PdfReader
from sqlalchemy import event
from weasyprint.urls import FatalURLFetchingError

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus, ItemKind, Person, PrintJob, PrintJobStatus
from skillpass.print import bulk, pdf, processes, render
from skillpass.services.credentials import verify_links
from skillpass.services.settings import get_settings
from skillpass.services.skills import reports as skill_reports
from tests import factories

BASE = "http://localhost/"


def _words(page) -> str:
    return " ".join(page.extract_text().split())


@pytest.fixture
def temp_folder(tmp_path, monkeypatch):
    """Where the temporary files of a print go (the parent's tempfile; the workers write where they are told)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    # The fork server first, its socket where it would be anyway (a socket's path is short: tmp_path is long).
    processes._context()
    multiprocessing.forkserver.ensure_running()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def three(world):
    """Three passports of different lengths: the learner's runs over several pages."""
    for n in range(40):
        factories.item(world.week2, f"Long topic number {n:02d}", frequency_months=12, position=10 + n)
    third = factories.person(name="Tia Third", team=world.team_a, email="tia@example.test")
    db.session.commit()
    return [world.other_learner, world.learner, third]


def _ours(folder) -> list:
    """What a print left in the temporary folder (multiprocessing keeps a folder of its own there for the process's
    life: not ours)."""
    return [path for path in folder.iterdir() if path.name.startswith("skillpass-print-")]


def _one_by_one(app, people, admin) -> list[list[str]]:
    """Each passport printed alone, in this process, from the same page the bulk print makes."""
    links = verify_links.live_links(people, admin)
    skills = skill_reports.print_sections([p.id for p in people])
    alone = []
    for person in people:
        html = render.passport_html(person, settings=get_settings(), for_pdf=True, skills=skills.get(person.id, []),
                                    verify=verify_links.printed(links[person.id].token, base_url=BASE))
        document = pdf.render_document(html, base_url=BASE, app=app)
        alone.append([_words(page) for page in PdfReader(io.BytesIO(document.write_pdf())).pages])
    db.session.commit()
    return alone


def test_a_bulk_print_in_processes_is_each_passport_in_order_as_printed_alone(app, world, three, temp_folder,
                                                                              monkeypatch):
    app.config["PRINT_PROCESSES"] = 2
    people = three
    names, ids = [p.name for p in people], [p.id for p in people]
    admin_id = world.admin.id
    job_id = bulk.create(actor=world.admin, people=people, title="Three passports").id
    db.session.commit()
    progress = []

    def moved(mapper, connection, job):
        progress.append((job.done, job.status))

    event.listen(PrintJob, "after_update", moved)

    def not_here(*args, **kwargs):
        raise AssertionError("a passport was laid out in the process that has the database")

    try:
        with monkeypatch.context() as here:   # the workers lay out; this process only makes the pages' HTML
            here.setattr(pdf, "lay_out", not_here)
            here.setattr(pdf, "render_document", not_here)
            bulk.run(app, job_id, BASE)
    finally:
        event.remove(PrintJob, "after_update", moved)

    job = db.session.get(PrintJob, job_id)
    assert job.status is PrintJobStatus.READY, job.error
    assert job.done == job.total == 3
    # Progress moved one passport at a time while running (the status page's bar), then the file was ready.
    assert progress == [(0, PrintJobStatus.RUNNING), (1, PrintJobStatus.RUNNING), (2, PrintJobStatus.RUNNING),
                        (3, PrintJobStatus.RUNNING), (3, PrintJobStatus.READY)]

    merged = PdfReader(bulk.folder(app) / job.stored_name)
    assert merged.metadata.title == "Skills passports: Three passports"
    got = [_words(page) for page in merged.pages]
    alone = _one_by_one(app, [db.session.get(Person, i) for i in ids], db.session.get(Person, admin_id))
    assert len(got) == sum(len(pages) for pages in alone)
    assert [len(pages) for pages in alone][1] >= 2     # the learner's passport is long: numbering is tested
    assert got == [page for pages in alone for page in pages]
    # Each passport starts on a page of its own and numbers its own pages, in the order asked for.
    start = 0
    for name, pages in zip(names, alone):
        for n, page in enumerate(got[start:start + len(pages)], 1):
            assert f"Page {n} of {len(pages)}" in page and f"Skills passport: {name}" in page
        start += len(pages)
    # The outline names each person, in order: a bulk print is found by name.
    assert [item.title for item in merged.outline if not isinstance(item, list)] == [
        f"Skills passport: {name}" for name in names]
    assert _ours(temp_folder) == []           # each passport's file went once it was put in


def test_a_passport_that_cannot_be_laid_out_fails_the_job_as_before_and_leaves_no_files(app, world, temp_folder,
                                                                                        tmp_path):
    """The workers lay out with the static folder alone: without its print stylesheet nothing can be printed."""
    app.config["PRINT_PROCESSES"] = 2
    empty = tmp_path / "static"
    (empty / "css").mkdir(parents=True)
    app.static_folder = str(empty)
    job_id = bulk.create(actor=world.admin, people=[world.learner, world.other_learner], title="Two").id
    db.session.commit()
    before = set(bulk.folder(app).iterdir())
    bulk.run(app, job_id, BASE)
    job = db.session.get(PrintJob, job_id)
    assert job.status is PrintJobStatus.FAILED and job.stored_name is None
    assert job.error == ("FileNotFoundError: the passports could not be printed. Try again, or print them one by "
                         "one.")
    assert job.done == 0 and job.finished_at is not None
    assert _ours(temp_folder) == [] and set(bulk.folder(app).iterdir()) == before


def test_passports_go_together_in_the_order_given_and_a_failure_part_way_cancels_the_rest(app, temp_folder, tmp_path):
    """print_in_order on its own: pages from several processes, in order, however they finish; one that cannot be
    laid out (a picture that is not a static file) stops the whole, its error raised, no file written."""
    app.config["PRINT_PROCESSES"] = 2

    def page(words, pages=1):
        breaks = "".join(f'<p style="break-before: page">{words}, page {n}</p>' for n in range(2, pages + 1))
        return f"<!DOCTYPE html><html lang=en><title>{words}</title><p>{words}, page 1</p>{breaks}</html>"

    done = []
    target = tmp_path / "whole.pdf"
    # The first is the longest: the later ones finish first, and wait for it.
    htmls = [page("First", 30), page("Second"), page("Third", 2), page("Fourth")]
    made = processes.print_in_order(app, iter(htmls), base_url=BASE, target=target, title="Four",
                                    on_done=done.append)
    assert made == 34 and done == [30, 1, 2, 1]
    words = [_words(p) for p in PdfReader(target).pages]
    # Each page: its words, then the print stylesheet's page header and footer, numbered within its own document.
    assert [w.split(" Skills passport:")[0] for w in words] == ([f"First, page {n}" for n in range(1, 31)] + ["Second, page 1"]
                     + ["Third, page 1", "Third, page 2"] + ["Fourth, page 1"])
    assert [w.split("Printed ")[1] for w in words] == ([f"Page {n} of 30" for n in range(1, 31)] + ["Page 1 of 1"]
                                                       + ["Page 1 of 2", "Page 2 of 2", "Page 1 of 1"])
    assert PdfReader(target).metadata.title == "Four"

    broken = tmp_path / "broken.pdf"
    bad = '<!DOCTYPE html><html lang=en><title>Bad</title><img src="/static/css/missing.png" alt=""></html>'
    done.clear()
    with pytest.raises(FatalURLFetchingError) as raised:    # WeasyPrint's: a BaseException
        processes.print_in_order(app, iter([page("One"), bad] + [page(f"More {n}") for n in range(6)]),
                                 base_url=BASE, target=broken, title="Broken", on_done=done.append)
    assert "missing.png" in str(raised.value)
    assert done == [1]                     # the one before it went in; nothing after it did
    assert not broken.exists() and _ours(temp_folder) == []


def test_one_passport_pdf_prints_each_rows_words_in_the_same_order(as_admin, world):
    """The printed row is laid out as fewer runs of text (issue 19, part C): its words are the same, in the same
    order, cell by cell: title and code, the corporate lead, the item's kind; the status and its date line."""
    both = factories.item(world.week2, "Hand hygiene", frequency_months=12, code="CSTF-HH", corporate_lead="Infection "
                          "Prevention", kind=ItemKind.COMPETENCY, mandatory=False, position=5)
    db.session.add(Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=dt.date(2026, 1, 10),
                         method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id))
    db.session.commit()
    response = as_admin.get(f"/people/{world.learner.id}/passport.pdf")
    assert response.status_code == 200
    text = " ".join(_words(page) for page in PdfReader(io.BytesIO(response.data)).pages)
    assert ("Fire safety CSTF-FIRE (Estates) Every 2 years Completed here, 10 Jan 2026 Self-declared Complete "
            "Expires 10 Jan 2028: completed 10 Jan 2026 + 24 months") in text
    assert f"{both.title} CSTF-HH (Infection Prevention) Competency · Optional Annual" in text
    assert "Reflective practice (Learning and Development) Optional Once Optional · not done Due 5 Jul 2026" in text
