"""A real SMTP server for the tests: aiosmtpd on a loopback port, in a thread; what arrives is parsed with
the email package. ``mailbox`` starts it and points the app at it (use it with the ``app`` fixture)."""
from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Mailbox:
    host: str
    port: int
    messages: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):   # aiosmtpd's handler hook
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append(parsed)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def text(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    @staticmethod
    def html(message) -> str:
        return message.get_body(preferencelist=("html",)).get_content()

    @classmethod
    def links(cls, message) -> list[str]:
        return re.findall(r"https?://\S+", cls.text(message))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    box = Mailbox(host="127.0.0.1", port=_free_port())
    controller = Controller(box, hostname=box.host, port=box.port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture
def mailbox(app, smtp_server):
    app.config.update(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port, SMTP_SECURITY="none",
                      SMTP_USER="", SMTP_PASSWORD="", MAIL_FROM="skillpass@trust.example")
    return smtp_server
