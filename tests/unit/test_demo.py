"""The demo trust: idempotent, and every status of PRODUCT.md §3 shows today."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from skillpass import demo
from skillpass.models import Entry, InformalEntry, Item, PassportTemplate, Person
from skillpass.rules import Status
from skillpass.services.passport import build_passport
from skillpass.services.settings import get_settings


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("today", [dt.date(2026, 3, 2), dt.date(2026, 11, 24), dt.date(2028, 2, 29)])
def test_every_status_appears_today_with_its_reason(app, db, today):
    assert demo.seed(today=today) is True
    db.session.commit()
    seen: dict[Status, str] = {}
    awaiting = 0
    for person in db.session.scalars(select(Person)):
        for row in build_passport(person, today=today, warning_days=60).rows:
            seen.setdefault(row.state.status, row.state.date_line)
            awaiting += row.state.awaiting
    for status in (Status.COMPLETE, Status.EXPIRING, Status.EXPIRED, Status.OVERDUE, Status.TODO,
                   Status.NOT_REQUIRED):
        assert status in seen, f"no {status.label} in the demo data on {today}"
        assert seen[status], f"{status.label} has no reason line"
    assert awaiting >= 2
    assert db.session.scalar(select(func.max(Entry.completed_on))) <= today


def test_the_demo_learner_sees_the_range_on_their_own_passport(app, db):
    today = dt.date(2026, 11, 24)
    demo.seed(today=today)
    db.session.commit()
    learner = db.session.scalar(select(Person).where(Person.email == demo.LEARNER_EMAIL))
    rows = build_passport(learner, today=today, warning_days=60).rows
    statuses = {r.state.status for r in rows}
    assert {Status.COMPLETE, Status.EXPIRING, Status.OVERDUE, Status.TODO} <= statuses
    assert any(r.state.awaiting for r in rows)
    assert any(r.rejected is not None for r in rows), "a rejection with its reason shows on the learner's passport"
    assert any(r.accepted is not None and r.accepted.equivalent_source for r in rows)


def test_seeding_twice_changes_nothing(app, db):
    today = dt.date(2026, 11, 24)
    demo.seed(today=today)
    db.session.commit()
    before = [_count(db, m) for m in (Person, Entry, Item, InformalEntry, PassportTemplate)]
    assert demo.seed(today=today) is False
    db.session.commit()
    assert [_count(db, m) for m in (Person, Entry, Item, InformalEntry, PassportTemplate)] == before


def test_demo_accounts_templates_and_settings(app, db):
    demo.seed(today=dt.date(2026, 11, 24))
    db.session.commit()
    for email in (demo.LEARNER_EMAIL, demo.EDUCATOR_EMAIL, demo.ADMIN_EMAIL):
        person = db.session.scalar(select(Person).where(Person.email == email))
        assert person.check_password("skillpass-demo")
    educator = db.session.scalar(select(Person).where(Person.email == demo.EDUCATOR_EMAIL))
    learner = db.session.scalar(select(Person).where(Person.email == demo.LEARNER_EMAIL))
    assert educator.supports(learner)
    assert 25 <= _count(db, Person) <= 40
    codes = set(db.session.scalars(select(Item.code).where(Item.code.is_not(None))))
    assert len(codes) == 11 and "CSTF-FIRE" in codes
    titles = set(db.session.scalars(select(Item.title)))
    assert {"Statutory and mandatory training", "Managing work and life stress",
            "Appraisal and Knowledge and Skills Framework for staff"} <= titles
    settings = get_settings()
    assert settings.demo_mode is True
    assert settings.organisation_name == demo.ORGANISATION


def test_seed_demo_command_prints_the_sign_ins(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "learner@example.org" in result.output and "skillpass-demo" in result.output
    again = app.test_cli_runner().invoke(args=["seed-demo"])
    assert "already there" in again.output
