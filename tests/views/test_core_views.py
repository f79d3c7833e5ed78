"""Home sends each role where it works; the health check answers for the database."""
from __future__ import annotations

import pytest

from skillpass import create_app
from tests.conftest import base_config, sign_in


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
