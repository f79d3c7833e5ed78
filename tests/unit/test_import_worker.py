"""A real `flask jobs-worker` process killed (SIGKILL) in the middle of a people import and started again
(issue 19, part E): the import goes on where it stopped and finishes, every person added once.

Huey removes a job from the queue as it hands it to a worker, so the killed worker's job is gone; the run's row
brings it back: the new worker finds it held by a process of this host that has ended, hands it on at its start,
claims it, checks the file again (the people already added now match, and are left alone) and adds the rest."""
from __future__ import annotations

import signal

from sqlalchemy import func, select

from skillpass import jobs
from skillpass.extensions import db
from skillpass.models import AuditEvent, ImportKind, ImportRun, ImportRunStatus, Person
from skillpass.services import import_runs, people_import
from tests.unit.test_jobs_worker import _stop, _wait_for, _worker, queue_url  # noqa: F401 - the fixture

PEOPLE = 200
BATCH = 20      # rows per committed batch: ten batches, each followed by SQLite's pause


def _state(run_id: int):
    db.session.expire_all()
    row = db.session.execute(select(ImportRun.status, ImportRun.done, ImportRun.attempts)
                             .where(ImportRun.id == run_id)).one()
    db.session.rollback()           # hold no read open on the worker's database
    return row


def test_an_import_whose_worker_is_killed_part_way_is_finished_by_the_next_adding_everyone_once(
        app, world, tmp_path, queue_url, monkeypatch):  # noqa: F811 - the fixture
    text = ("employee_number,name,email,job_role,team,start_date,role\n"
            + "".join(f"K{i:04d},Killed Import {i},killed{i}@example.test,Porter,,2026-01-05,\n"
                      for i in range(PEOPLE)))
    token = "b" * 32
    checked = people_import.plan(text, today=app.config["FIXED_TODAY"], actor=world.admin)
    assert not checked.problems and len(checked.creates) == PEOPLE
    run = import_runs.create(actor=world.admin, kind=ImportKind.PEOPLE, token=token, filename="killed.csv",
                             counts={"added": PEOPLE, "updated": 0, "unchanged": 0}, total=PEOPLE)
    import_runs.file_of(run, app).write_text(text, encoding="utf-8")
    db.session.commit()
    run_id = run.id
    app.config.update(JOBS_IMMEDIATE=False, JOBS_URL=queue_url)
    app.extensions[jobs.EXTENSION] = jobs.Jobs(app)
    import_runs.launch(run_id)
    assert app.extensions[jobs.EXTENSION].huey.pending_count() == 1
    monkeypatch.setenv("SKILLPASS_IMPORT_BATCH_ROWS", str(BATCH))      # the workers' batches

    log_path = tmp_path / "worker.log"
    with log_path.open("ab") as log:
        first = _worker(app, queue_url, log)
        try:
            _wait_for(lambda: _state(run_id).done >= 2 * BATCH, what="the second batch", process=first,
                      log_path=log_path)
            first.send_signal(signal.SIGKILL)
            first.wait()
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
        status, done, attempts = _state(run_id)
        assert status is ImportRunStatus.RUNNING and 2 * BATCH <= done < PEOPLE and attempts == 1, (status, done)
        landed = db.session.scalar(select(func.count()).select_from(Person)
                                   .where(Person.email.like("killed%@example.test")))
        assert landed == done       # each batch committed with the run's progress, nothing more
        db.session.rollback()

        second = _worker(app, queue_url, log)
        try:
            _wait_for(lambda: _state(run_id).status in (ImportRunStatus.READY, ImportRunStatus.FAILED,
                                                        ImportRunStatus.STOPPED),
                      what="the finished import", process=second, log_path=log_path)
        finally:
            _stop(second)

    db.session.expire_all()
    run = db.session.get(ImportRun, run_id)
    assert run.status is ImportRunStatus.READY, (run.outcome, log_path.read_text()[-3000:])
    assert run.done == run.total == PEOPLE and run.attempts == 2
    assert run.outcome == f"Imported killed.csv: {PEOPLE} added, 0 updated, 0 unchanged."
    emails = db.session.scalars(select(Person.email).where(Person.email.like("killed%@example.test"))).all()
    assert len(emails) == PEOPLE and len(set(emails)) == PEOPLE        # every person, once
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.in_(
        ["person.created", "import.people"]))).all()
    assert actions.count("person.created") == PEOPLE and actions.count("import.people") == 1
    assert not import_runs.file_of(run, app).exists()
    assert "1 stranded import(s) handed on" in log_path.read_text()
