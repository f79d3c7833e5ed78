"""Fixtures: a migrated database per test (SQLite file copy, or a PostgreSQL
database cloned from a migrated template), an app with a fixed "today", and
clients signed in as each role.

Set SKILLPASS_TEST_DATABASE_URL to a PostgreSQL server URL to run the suite
there (scripts/with-postgres.sh does it with a throwaway server).
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from skillpass import create_app
from skillpass.extensions import db as _db
from skillpass.services.submissions import new_token
from tests import factories

TODAY = dt.date(2026, 3, 2)


class _SharedBytecode(BytecodeCache):
    """Compiled templates shared by every test's app (keyed by name and source checksum):
    each test builds its own app, and compiling the NHS.UK templates anew each time
    was most of a view test's run time."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self.store.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


SHARED_BYTECODE = _SharedBytecode()
PG_URL = os.environ.get("SKILLPASS_TEST_DATABASE_URL")


def base_config(uri: str, tmp_path) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": uri,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "FIXED_TODAY": TODAY,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "ORGANISATION_NAME": "Test Trust",
        # Real hashing, at a test's pace: scrypt costs ~60 ms a person, many times a test.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # Figures and passport pages are kept between requests, as in production: every test that
        # writes and then looks again also checks that nothing kept outlives a change.
        "CACHE_PAGES": True,
        # Email a request queues is sent after its commit, before the answer, so a test reads it at once
        # (tests/views/test_mail_after_commit.py covers the thread production uses).
        "MAIL_IN_BACKGROUND": False,
        # Background jobs (skillpass/jobs.py) run at once, in-process (Huey's immediate mode); the
        # real-worker tests (tests/unit/test_jobs_worker.py) run `flask jobs-worker` on a queue file of their own.
        "JOBS_IMMEDIATE": True,
        "JOBS_URL": f"sqlite:///{tmp_path / 'jobs.db'}",
    }


def _pg_admin_engine():
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0)


def _pg_url_for(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """A database migrated once with `flask db upgrade`; each test gets a copy."""
    if PG_URL:
        name = f"sp_tpl_{uuid.uuid4().hex[:8]}"
        engine = _pg_admin_engine()
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        app = create_app(base_config(_pg_url_for(name), tmp_path_factory.mktemp("tpl")))
        with app.app_context():
            upgrade()
            _build_trend_months()
            _db.engine.dispose()
        yield name
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
    else:
        path = tmp_path_factory.mktemp("tpl") / "template.db"
        app = create_app(base_config(f"sqlite:///{path}", path.parent))
        with app.app_context():
            upgrade()
            _build_trend_months()
            _db.engine.dispose()
        yield path


def _build_trend_months() -> None:
    """The trend's past month ends as of TODAY built (empty) in the template, as the job worker builds them: every
    test's writes then keep them, and the check after each test compares them with the walk."""
    from skillpass.services import trend_months

    trend_months.ensure_built(TODAY)
    _db.session.commit()
    _db.session.remove()


@pytest.fixture
def database_uri(migrated_template, tmp_path):
    if PG_URL:
        name = f"sp_t_{uuid.uuid4().hex[:10]}"
        engine = _pg_admin_engine()
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_template}" STRATEGY FILE_COPY'))
        yield _pg_url_for(name)
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
    else:
        path = tmp_path / "test.db"
        shutil.copy(migrated_template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def app_config(database_uri, tmp_path):
    return base_config(database_uri, tmp_path)


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production: a fresh `g`
    and its own database session. Work the test did is committed first, and
    the test's session is expired after, so it reads what the request wrote.

    A form posted as a dict carries a new one-time submission token, as every form
    drawn by the app does (tests/views/test_taken_once.py tests the tokens
    themselves: pass ``submission`` explicitly, "" for none)."""

    def open(self, *args, **kwargs):
        data = kwargs.get("data")
        if kwargs.get("method") == "POST" and isinstance(data, dict) and "submission" not in data:
            kwargs["data"] = {**data, "submission": new_token()}
        _db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        _db.session.expire_all()
        return response


@pytest.fixture
def app(app_config, request):
    app = create_app(app_config)
    app.jinja_env.bytecode_cache = SHARED_BYTECODE
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        _check_kept_dates(request)
        _db.session.remove()
        _db.engine.dispose()


def _check_kept_dates(request) -> None:
    """After every test: the dates kept as writes happen (services/item_dates.py) equal the dates the rules
    give from the entries now, whatever the test wrote. What the test left uncommitted is not counted."""
    if request.node.get_closest_marker("kept_dates_unchecked"):
        return
    from skillpass.services import item_dates

    from skillpass.services import trend_months

    _db.session.rollback()
    found = item_dates.differences() + trend_months.differences()
    from skillpass.services import date_counts     # the admin home's counts of the kept dates (issue 19)
    found += date_counts.differences()
    _db.session.rollback()
    assert not found, "the kept dates differ from the rules after this test:\n" + "\n".join(found)


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app):
    """A small trust: two teams, a learner, educators of each team, an admin, one template."""
    return factories.world()


def sign_in(client, person, password=factories.PASSWORD):
    response = client.post("/sign-in", data={"email": person.email, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return client


@pytest.fixture
def as_learner(app, world):
    return sign_in(app.test_client(), world.learner)


@pytest.fixture
def as_educator(app, world):
    return sign_in(app.test_client(), world.educator)


@pytest.fixture
def as_admin(app, world):
    return sign_in(app.test_client(), world.admin)


HTMX = {"HX-Request": "true"}
