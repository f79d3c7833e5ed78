"""Password reset by email: the same answer whether or not the account exists, a one-time link for an
hour, every session ended on reset, throttled like sign-in, audited. Sent to a real local SMTP server."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import AuditEvent, Message
from tests.conftest import sign_in
from tests.mailbox import Mailbox, mailbox, smtp_server  # noqa: F401 - fixtures

NEW_PASSWORD = "marmalade-glacier-tuesday"  # nosec B105 - a test password


def _main(response) -> str:
    """The page's main content (its CSRF token and script nonce differ on every page)."""
    html = response.get_data(as_text=True)
    return html[html.index("<main"):html.index("</main>")]


def _ask(client, email: str):
    return client.post("/forgotten-password", data={"email": email})


def test_the_sign_in_page_offers_it(client):
    assert 'href="/forgotten-password">Forgotten your password?' in client.get("/sign-in").get_data(as_text=True)
    assert client.get("/forgotten-password").status_code == 200


def test_the_same_answer_whether_or_not_the_account_exists(app, world, mailbox):
    known = _ask(app.test_client(), "LEE@example.test ")
    unknown = _ask(app.test_client(), "nobody@example.test")
    assert known.status_code == unknown.status_code == 200
    assert _main(known) == _main(unknown)
    assert "If an account uses that address, we have sent a link" in known.get_data(as_text=True)
    assert len(mailbox.messages) == 1 and mailbox.to("lee@example.test")
    assert db.session.scalar(select(func.count(Message.id))) == 1
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == Action.PASSWORD_RESET_SENT, AuditEvent.person_id == world.learner.id)) == 1


def test_a_reset_ends_every_session_and_the_link_works_once(app, world, mailbox):
    elsewhere = sign_in(app.test_client(), world.learner)
    assert elsewhere.get("/passport").status_code == 200
    _ask(app.test_client(), world.learner.email)
    [link] = Mailbox.links(mailbox.to(world.learner.email)[0])
    assert "/reset-password/" in link
    path = urlsplit(link).path
    client = app.test_client()
    assert "Choose a new password" in client.get(path).get_data(as_text=True)
    mismatch = client.post(path, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert mismatch.status_code == 422 and "The passwords do not match" in mismatch.get_data(as_text=True)
    done = client.post(path, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303
    assert client.get("/passport").status_code == 200                  # signed in here
    assert elsewhere.get("/passport").status_code == 302                # and out everywhere else
    assert app.test_client().get(path).status_code == 410
    assert app.test_client().post(path, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 410
    sign_in(app.test_client(), world.learner, NEW_PASSWORD)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == Action.PASSWORD_RESET_DONE, AuditEvent.person_id == world.learner.id)) == 1


def test_the_link_expires_after_an_hour(app, world, mailbox):
    _ask(app.test_client(), world.learner.email)
    [link] = Mailbox.links(mailbox.to(world.learner.email)[0])
    from skillpass.models import OneTimeLink

    row = db.session.scalar(select(OneTimeLink))
    assert dt.timedelta(minutes=59) < row.expires_at - row.created_at <= dt.timedelta(minutes=60)
    row.expires_at = row.created_at        # an hour has passed
    db.session.commit()
    page = app.test_client().get(urlsplit(link).path)
    assert page.status_code == 410 and "This link has expired" in page.get_data(as_text=True)


def test_asking_is_throttled_like_sign_in_without_locking_sign_in(app, world, mailbox):
    client = app.test_client()
    for _ in range(app.config["SIGN_IN_EMAIL_LIMIT"]):
        assert _ask(client, world.learner.email).status_code == 200
    refused = _ask(client, world.learner.email)
    assert refused.status_code == 429 and "Too many requests" in refused.get_data(as_text=True)
    assert len(mailbox.to(world.learner.email)) == app.config["SIGN_IN_EMAIL_LIMIT"]
    sign_in(app.test_client(), world.learner)      # signing in is not paused by it


def test_a_deactivated_person_gets_no_link(app, world, mailbox):
    world.other_learner.active = False
    db.session.commit()
    assert _ask(app.test_client(), world.other_learner.email).status_code == 200
    assert mailbox.messages == []


def test_an_empty_or_control_character_address_is_answered_in_place(app, world):
    empty = _ask(app.test_client(), "")
    assert empty.status_code == 422 and "Enter your email address" in empty.get_data(as_text=True)
