"""Imports as jobs (issue 19, part E): a confirmed import is a run the job worker makes (at once, in this process,
in the tests' immediate mode), its progress page follows it and then moves on with today's words; a run
stopped part way goes on where it stopped, nothing added twice. tests/unit/test_import_worker.py kills a real
worker part way."""
from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.models import (AuditEvent, Entry, EntryMethod, FormSubmission, ImportBatch, ImportKind, ImportRun,
                              ImportRunStatus, Person)
from skillpass.services import completions_import, import_runs
from tests.conftest import HTMX

HEADER = "employee_number,name,email,job_role,team,start_date,role"


def _preview(client, url: str, content: str, name: str) -> tuple[str, str]:
    response = client.post(url, data={"file": (io.BytesIO(content.encode()), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    html = response.get_data(as_text=True)
    return re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1), name


def _people_csv(n: int, tag: str = "J") -> str:
    return HEADER + "\n" + "\n".join(f"{tag}{i:04d},Job Person {i},{tag.lower()}{i}@example.test,Porter,,2026-01-05,"
                                     for i in range(n)) + "\n"


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _, message in session.get("_flashes", [])]


def test_a_confirmed_import_runs_as_a_job_and_its_page_moves_on_with_the_words(as_admin, world):
    token, name = _preview(as_admin, "/admin/import/people", _people_csv(4), "ward.csv")
    confirmed = as_admin.post("/admin/import/people/confirm", data={"token": token, "filename": name})
    assert confirmed.status_code == 303
    run = db.session.scalar(select(ImportRun))
    assert confirmed.headers["Location"] == f"/admin/import/runs/{run.id}"
    # Made by the job (one claim), every person once; the preview's file goes when it is done.
    assert (run.kind, run.status, run.done, run.total, run.attempts) == (ImportKind.PEOPLE, ImportRunStatus.READY,
                                                                       4, 4, 1)
    assert run.claimed_by and run.finished_at is not None and run.event_id is not None
    assert _count(Person, Person.email.like("j%@example.test")) == 4
    assert not import_runs.file_of(run).exists()
    # The poll (htmx) of a finished run loads the page again; the page says the words and moves on to the
    # people just added, to invite them.
    polled = as_admin.get(confirmed.headers["Location"], headers=HTMX)
    assert polled.status_code == 204 and polled.headers["HX-Redirect"] == f"/admin/import/runs/{run.id}"
    page = as_admin.get(confirmed.headers["Location"])
    assert page.status_code == 303 and page.headers["Location"] == f"/people/invite?import={run.event_id}"
    assert _flashes(as_admin) == ["Imported ward.csv: 4 added, 0 updated, 0 unchanged."]


def test_the_progress_page_of_an_import_under_way_says_how_far_it_has_got(as_admin, world):
    run = import_runs.create(actor=world.admin, kind=ImportKind.PEOPLE, token="a" * 32, filename="trust.csv",
                             counts={"added": 30000, "updated": 0, "unchanged": 0}, total=30000)
    db.session.commit()
    page = as_admin.get(f"/admin/import/runs/{run.id}").get_data(as_text=True)
    assert "<h1>Importing trust.csv</h1>" in page and "Waiting to start: 0 of 30,000 people" in page
    assert f'<a href="/admin/import/runs/{run.id}">Refresh</a>' in page       # without JavaScript
    run.status, run.done = ImportRunStatus.RUNNING, 12500
    db.session.commit()
    partial = as_admin.get(f"/admin/import/runs/{run.id}", headers=HTMX)
    html = partial.get_data(as_text=True)
    assert partial.status_code == 200 and "<html" not in html and "HX-Redirect" not in partial.headers
    assert "Importing: 12,500 of 30,000 people" in html and 'value="12500"' in html
    assert f'hx-get="/admin/import/runs/{run.id}" hx-trigger="every 1s"' in html
    assert as_admin.get("/admin/import/runs/999999").status_code == 404


def test_a_second_confirmation_imports_nothing_more_and_follows_the_same_run(as_admin, world):
    token, name = _preview(as_admin, "/admin/import/people", _people_csv(3, "D"), "twice.csv")
    first = as_admin.post("/admin/import/people/confirm", data={"token": token, "filename": name})
    as_admin.get(first.headers["Location"])     # its page: the words, and on
    _flashes(as_admin)
    second = as_admin.post("/admin/import/people/confirm", data={"token": token, "filename": name})
    assert second.status_code == 303 and second.headers["Location"] == first.headers["Location"]
    assert any("already been confirmed" in f for f in _flashes(as_admin))
    assert _count(ImportRun) == 1 and _count(Person, Person.email.like("d%@example.test")) == 3
    assert _count(AuditEvent, AuditEvent.action == "import.people") == 1


def test_a_completions_run_stopped_part_way_goes_on_where_it_stopped_into_its_one_batch(app, as_admin, world,
                                                                                         monkeypatch):
    """The worker stops after the first committed batch (as a killed one would); handed on again, the run checks
    the file again, skips what is on record, adds the rest into the same import_batch, and says so once."""
    monkeypatch.setattr(completions_import, "BATCH", 2)
    number = world.learner.employee_number
    content = "employee_number,item,completed_on\n" + "".join(f"{number},CSTF-FIRE,2025-0{m}-14\n"
                                                              for m in range(1, 8))
    real = completions_import.apply_batches

    def stops_after_the_first_batch(*args, **kwargs):
        batches = real(*args, **kwargs)
        yield next(batches)
        raise SystemExit("the worker is stopped")       # after the first batch was committed

    monkeypatch.setattr(completions_import, "apply_batches", stops_after_the_first_batch)
    token, name = _preview(as_admin, "/admin/import/completions", content, "esr.csv")
    try:
        as_admin.post("/admin/import/completions/confirm", data={"token": token, "filename": name})
    except SystemExit:
        pass
    run = db.session.scalar(select(ImportRun))
    assert (run.status, run.done, run.total, run.attempts) == (ImportRunStatus.RUNNING, 2, 7, 1)
    assert _count(Entry, Entry.method == EntryMethod.IMPORTED) == 2

    monkeypatch.setattr(completions_import, "apply_batches", real)
    assert import_runs.requeue_stranded() == 1      # its worker (this process) no longer holds it: handed on
    db.session.expire_all()
    run = db.session.get(ImportRun, run.id)
    batch = db.session.scalar(select(ImportBatch))
    assert (run.status, run.done, run.total, run.attempts) == (ImportRunStatus.READY, 7, 7, 2)
    assert _count(Entry, Entry.method == EntryMethod.IMPORTED) == 7 and _count(ImportBatch) == 1
    assert batch.entry_count == 7 and run.batch_id == batch.id
    assert len(set(db.session.scalars(select(Entry.completed_on).where(Entry.method == EntryMethod.IMPORTED)))) == 7
    said = db.session.scalars(select(AuditEvent.summary).where(AuditEvent.action == "import.completions")).all()
    assert said == ["Completions imported from esr.csv: 7 added, 0 already on record"]
    page = as_admin.get(f"/admin/import/runs/{run.id}")
    assert page.headers["Location"] == f"/admin/imports/{batch.id}"
    assert "Imported esr.csv: 7 completions added" in _flashes(as_admin)[0]


def test_a_lost_race_ends_the_run_as_stopped_and_gives_the_preview_back(as_admin, world, monkeypatch):
    from skillpass.services import people_import

    monkeypatch.setattr(people_import, "BATCH", 2)
    token, name = _preview(as_admin, "/admin/import/people", _people_csv(5, "S"), "race.csv")
    # Someone adds a person with the fourth row's email after the preview: the second batch loses the race.
    real = people_import._apply_batch
    calls = []

    def someone_else_first(batch, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            db.session.add(Person(name="Someone Else", email="s3@example.test"))
            db.session.flush()
        return real(batch, **kwargs)

    monkeypatch.setattr(people_import, "_apply_batch", someone_else_first)
    confirmed = as_admin.post("/admin/import/people/confirm", data={"token": token, "filename": name})
    run = db.session.scalar(select(ImportRun))
    assert (run.status, run.done) == (ImportRunStatus.STOPPED, 2)
    assert "stopped after 2 of 5 people" in run.outcome
    assert db.session.get(FormSubmission, token) is None      # given back: confirming again imports the rest
    page = as_admin.get(confirmed.headers["Location"])
    assert page.headers["Location"] == "/people/" and "stopped after 2 of 5 people" in _flashes(as_admin)[0]
