"""A people import's batch writes its new people and their audit entries in a few statements, whatever the
batch's size (issue 19: 30,000 people within a minute), and what it writes is what it wrote one by one before:
the people, an audit entry each naming what they were added with, the passports the assignment rules give them,
and their kept dates (checked against a fresh derivation after the test, tests/conftest.py)."""
from __future__ import annotations

from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import Assignment, AssignmentRule, AssignmentSource, AuditEvent, ItemDates, Person
from skillpass.services import data_version, people_import
from tests.querycount import count_queries


def _file(first: int, count: int, team: str) -> str:
    return ("employee_number,name,email,job_role,team,start_date,role\n"
            + "".join(f"Q{i:05d},Batch Person {i},batch{i}@example.test,Porter,{team},2026-01-05,\n"
                      for i in range(first, first + count)))


def _statements_per_batch(app, world, first: int, count: int, size: int) -> list[int]:
    checked = people_import.plan(_file(first, count, world.team_a.name), today=app.config["FIXED_TODAY"],
                                 actor=world.admin)
    assert not checked.problems and len(checked.creates) == count
    per_batch = []
    batches = people_import.apply_batches(checked, actor=world.admin, today=app.config["FIXED_TODAY"],
                                          filename="batch.csv", size=size)
    while True:
        with count_queries() as log:
            try:
                next(batches)
            except StopIteration:
                break
            db.session.commit()     # the kept dates and the data version are written at commit
        per_batch.append(log.without_kept_dates_writes)
    return per_batch


def test_a_batch_of_new_people_is_a_few_statements_whatever_its_size(app, world):
    db.session.add(AssignmentRule(template_id=world.template.id, teams=[world.team_a], job_roles=[]))
    db.session.commit()
    small = _statements_per_batch(app, world, 0, 2 * 5, size=5)
    large = _statements_per_batch(app, world, 100, 2 * 40, size=40)
    # The same statements for 5 people a batch as for 40 (the last batch adds the import's own audit entry).
    assert small == large and len(small) == 2
    # About 20 for the batch and its kept dates (one more on PostgreSQL: the lock on its people, item_dates._lock);
    # 6 more read its people's month ends of the trend (trend_months); 1 more reads the builds of the admin home's
    # counts (date_counts), and on PostgreSQL 1 more takes the lock a build of them waits on.
    assert small[0] <= 29, small


def test_a_batch_writes_the_people_their_audit_entries_and_their_rule_given_passports(app, world):
    db.session.add(AssignmentRule(template_id=world.template.id, teams=[world.team_a], job_roles=[]))
    db.session.commit()
    version = data_version.current(db.session)
    _statements_per_batch(app, world, 0, 7, size=3)

    people = db.session.scalars(select(Person).where(Person.email.like("batch%@example.test"))
                                .order_by(Person.id)).all()
    assert [p.employee_number for p in people] == [f"Q{i:05d}" for i in range(7)]      # in the file's order
    assert {(p.team_id, p.job_role, p.active) for p in people} == {(world.team_a.id, "Porter", True)}
    added = {e.person_id: e for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == Action.PERSON_CREATED, AuditEvent.actor_id == world.admin.id))}
    first = added[people[0].id]
    assert (first.subject_type, first.subject_id, first.summary) == (
        "Person", people[0].id, "Batch Person 0 added by import of batch.csv")
    assert first.after == {"name": "Batch Person 0", "email": "batch0@example.test", "employee_number": "Q00000",
                           "job_role": "Porter", "team_id": world.team_a.id, "start_date": "2026-01-05",
                           "role": "learner", "active": True}
    assert set(added) >= {p.id for p in people}
    given = db.session.scalars(select(Assignment).where(Assignment.person_id.in_([p.id for p in people]))).all()
    assert {(a.person_id, a.template_id, a.source) for a in given} == {
        (p.id, world.template.id, AssignmentSource.RULE) for p in people}
    assert db.session.scalar(select(func.count()).select_from(ItemDates).where(
        ItemDates.person_id.in_([p.id for p in people]))) > 0                 # their kept dates, at once
    assert data_version.current(db.session) > version       # kept pages are renewed by each batch
