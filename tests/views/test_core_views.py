"""Home sends each role where it works; the health check answers for the database."""
from __future__ import annotations

import pytest

from skillpass import create_app
from tests.conftest import HTMX, base_config, sign_in


def test_healthz_answers_json_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_says_unhealthy_when_the_database_does_not_answer(tmp_path):
    missing = tmp_path / "no-such-folder" / "db.sqlite"
    app = create_app(base_config(f"sqlite:///{missing}", tmp_path))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


@pytest.mark.parametrize("who, lands_on", [
    ("learner", "/passport"),
    ("educator", "/sign-off/"),
    ("admin", "/admin/"),
])
def test_home_sends_each_role_to_where_it_works(app, world, who, lands_on):
    client = sign_in(app.test_client(), getattr(world, who))
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(lands_on)


def test_home_asks_a_stranger_to_sign_in(client):
    response = client.get("/")
    assert response.status_code in (302, 303)
    assert "/sign-in" in response.headers["Location"]


def test_the_organisation_name_in_the_header_comes_from_the_setting(app, world):
    from skillpass.extensions import db
    from skillpass.services.settings import set_setting

    client = sign_in(app.test_client(), world.learner)
    assert "Test Trust" in client.get("/passport").get_data(as_text=True)
    set_setting("organisation_name", "Riverside Community Health")
    db.session.commit()
    html = client.get("/passport").get_data(as_text=True)
    assert "Riverside Community Health" in html and "Test Trust" not in html


def test_pages_carry_a_content_security_policy_with_no_inline_script(as_learner):
    import re

    response = as_learner.get("/passport")
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "script-src 'self' 'nonce-" in policy and "'unsafe-inline'" not in policy
    assert "style-src 'self';" in policy and "frame-ancestors 'none'" in policy
    html = response.get_data(as_text=True)
    # Every inline script (only the NHS.UK template's js-enabled line) carries this response's nonce.
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline)
    assert ' style="' not in html
    # A fresh nonce each time.
    again = as_learner.get("/passport").headers["Content-Security-Policy"]
    assert again != policy


def test_a_database_that_cannot_be_reached_gets_a_friendly_page_and_the_app_recovers(app, world, tmp_path):
    """The database file vanishes under the app: 503 with a page that needs nothing from it, then back.
    (PostgreSQL restarts under load are the load-and-fault run's: scripts/load_test.py.)"""
    import shutil

    import pytest

    from skillpass.extensions import db
    from tests.conftest import HTMX, sign_in

    if db.engine.url.get_backend_name() != "sqlite":
        pytest.skip("moves the SQLite file away; see test_an_unreachable_postgresql_server_gets_the_same_page")
    client = sign_in(app.test_client(), world.learner)
    assert client.get("/passport").status_code == 200
    url = db.engine.url
    path = url.database
    shutil.move(path, str(tmp_path / "away.db"))
    (tmp_path / "blocker").mkdir()
    shutil.move(str(tmp_path / "blocker"), path)  # a directory where the file was: SQLite cannot open it
    db.engine.dispose()
    try:
        response = client.get("/passport")
        html = response.get_data(as_text=True)
        assert response.status_code == 503 and response.headers["Retry-After"] == "30"
        assert "Sorry, SkillPass is not available just now" in html and "Nothing is ever half-saved" in html
        assert "Traceback" not in html
        partial = client.get("/passport", headers=HTMX)
        assert partial.status_code == 503 and partial.headers["HX-Retarget"] == "#flash"
        assert "cannot reach its database" in partial.get_data(as_text=True)
    finally:
        shutil.rmtree(path)
        shutil.move(str(tmp_path / "away.db"), path)
    # No restart: the next request works.
    assert client.get("/passport").status_code == 200


def test_an_unreachable_postgresql_server_gets_the_same_page(tmp_path):
    """Nothing listens on the port: the PostgreSQL driver's error, the same friendly 503."""
    from skillpass import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2",
                      "SECRET_KEY": "test", "UPLOAD_FOLDER": str(tmp_path)})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503   # the health check answers for itself
    with app.test_client() as client:
        with client.session_transaction() as session:
            session["_user_id"] = "1:token"
        response = client.get("/passport")
    assert response.status_code == 503
    assert "Sorry, SkillPass is not available just now" in response.get_data(as_text=True)


def test_signed_in_pages_are_not_kept_by_the_browser_but_static_files_are(as_educator):
    """Back after a decision elsewhere must show the queue as it is now; a shared computer keeps nothing."""
    for path in ("/sign-off/", "/team/", "/passport"):
        assert as_educator.get(path).headers["Cache-Control"] == "private, no-store", path
    assert "no-store" not in as_educator.get("/static/css/app.css").headers.get("Cache-Control", "")


def test_a_lost_race_on_a_unique_key_is_a_409_with_words_and_any_other_integrity_error_a_500(as_admin, monkeypatch):
    """The net under the services: a unique key the database kept for someone else is a clear 409 (page, or
    the live region for htmx); a NOT NULL or foreign-key failure is a bug, and stays a 500 in the log."""
    import sqlite3

    from sqlalchemy.exc import IntegrityError

    from skillpass.services import people as people_service

    def failing(message):
        def save_team(**kwargs):
            raise IntegrityError("INSERT INTO team", {}, sqlite3.IntegrityError(message))
        return save_team

    monkeypatch.setattr(people_service, "save_team", failing("UNIQUE constraint failed: team.name"))
    page = as_admin.post("/admin/teams", data={"name": "Podiatry"})
    assert page.status_code == 409
    assert "Someone else saved the same thing at the same moment" in page.get_data(as_text=True)
    htmx = as_admin.post("/admin/teams", data={"name": "Podiatry"}, headers=HTMX)
    assert htmx.status_code == 409 and htmx.headers["HX-Retarget"] == "#flash"
    monkeypatch.setattr(people_service, "save_team", failing("NOT NULL constraint failed: team.name"))
    assert as_admin.post("/admin/teams", data={"name": "Podiatry"}).status_code == 500


def test_a_postgresql_unique_violation_is_named_by_its_key_not_its_values():
    from sqlalchemy.exc import IntegrityError

    from skillpass import _unique_key_clash

    class Diag:
        constraint_name = "uq_person_email"

    class UniqueViolation(Exception):
        sqlstate = "23505"
        diag = Diag()

    class ForeignKeyViolation(Exception):
        sqlstate = "23503"

    assert _unique_key_clash(IntegrityError("x", {}, UniqueViolation("Key (email)=(a@b.org) exists"))) == "uq_person_email"
    assert _unique_key_clash(IntegrityError("x", {}, ForeignKeyViolation("no"))) is None
