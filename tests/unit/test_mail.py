"""services/mail.py without HTTP: one entry point, a dedupe key sent once, links built from the base URL
outside a request, plain text not HTML-escaped; sent to a real local SMTP server."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.models import Message, MessageStatus
from skillpass.services import mail
from tests.mailbox import Mailbox, mailbox, smtp_server  # noqa: F401 - fixtures


def _send(key=None, name="Siobhán O'Brien & co"):
    return mail.send(to="siobhan@example.test", subject="Your digest", template="password_reset", kind="digest",
                     context=dict(name=name, link="https://skillpass.example/x?a=1&b=2", minutes=60),
                     dedupe_key=key, headers={"List-Unsubscribe": "<https://skillpass.example/u>"})


def test_a_dedupe_key_is_sent_once(app, world, mailbox):
    assert _send("digest:1:2026-03-02") is not None
    assert _send("digest:1:2026-03-02") is None
    assert _send("digest:1:2026-03-09") is not None
    db.session.commit()
    assert len(mailbox.messages) == 2
    assert db.session.scalar(select(func.count(Message.id))) == 2


def test_a_failed_key_is_tried_again_not_doubled(app, world, smtp_server):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=1, SMTP_SECURITY="none", SMTP_TIMEOUT=2)
    failed = _send("digest:1:2026-03-02")
    assert failed.status is MessageStatus.FAILED and failed.attempts == 1 and failed.error
    app.config.update(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port)
    again = _send("digest:1:2026-03-02")
    assert again.id == failed.id and again.status is MessageStatus.SENT and again.attempts == 2
    assert len(smtp_server.messages) == 1


def test_the_plain_text_is_plain_and_the_html_escaped_and_headers_kept(app, world, mailbox):
    _send()
    [message] = mailbox.messages
    assert "Dear Siobhán O'Brien & co," in Mailbox.text(message)
    assert "https://skillpass.example/x?a=1&b=2" in Mailbox.text(message)
    assert "O&#39;Brien &amp; co" in Mailbox.html(message)
    assert message["List-Unsubscribe"] == "<https://skillpass.example/u>"
    assert message["Message-ID"] and message["Date"]


def test_without_smtp_messages_are_kept(app, world):
    message = _send()
    assert message.status is MessageStatus.KEPT and "Dear Siobhán" in message.text_body


def test_links_outside_a_request_come_from_the_base_url(app):
    app.config["BASE_URL"] = "https://skillpass.trust.nhs.uk/app"
    assert mail.link("auth.sign_in") == "https://skillpass.trust.nhs.uk/app/sign-in"
    app.config["BASE_URL"] = ""
    with pytest.raises(mail.MailNotConfigured):
        mail.link("auth.sign_in")


def test_the_base_url_wins_over_the_request_host(app):
    app.config["BASE_URL"] = "https://skillpass.trust.nhs.uk"
    with app.test_request_context("/", base_url="http://attacker.example"):
        assert mail.link("auth.reset_password", token="abc") == "https://skillpass.trust.nhs.uk/reset-password/abc"


def test_the_settings_refuse_what_they_cannot_use(monkeypatch):
    from skillpass import config

    monkeypatch.setenv("SKILLPASS_SMTP_SECURITY", "ssl")
    with pytest.raises(config.ConfigError, match="SMTP_SECURITY"):
        config.load()
    monkeypatch.setenv("SKILLPASS_SMTP_SECURITY", "TLS")
    monkeypatch.setenv("SKILLPASS_BASE_URL", "skillpass.trust.nhs.uk")
    with pytest.raises(config.ConfigError, match="BASE_URL"):
        config.load()
    monkeypatch.setenv("SKILLPASS_BASE_URL", "https://skillpass.trust.nhs.uk/")
    loaded = config.load()
    assert loaded["SMTP_SECURITY"] == "tls" and loaded["BASE_URL"] == "https://skillpass.trust.nhs.uk"
    assert loaded["INVITE_DAYS"] == 7 and loaded["RESET_LINK_MINUTES"] == 60 and loaded["SMTP_HOST"] == ""


def test_a_batch_whose_server_cannot_be_reached_fails_at_once_each_recorded(app, world, monkeypatch):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=1, SMTP_SECURITY="none", SMTP_TIMEOUT=2)
    tries = []
    real = mail._connect
    monkeypatch.setattr(mail, "_connect", lambda: tries.append(1) or real())
    with mail.connection():
        sent = [_send(f"digest:{n}") for n in range(5)]
    assert len(tries) == 1
    assert all(m.status is MessageStatus.FAILED and "ConnectionRefusedError" in m.error for m in sent)
