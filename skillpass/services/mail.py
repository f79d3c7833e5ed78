"""Email: the one way the application sends a message.

``send(...)`` renders a message from two templates (``templates/email/<name>.txt`` and ``.html``: plain text
and simple HTML in the NHS.UK style, with the organisation's name), records it in the message table and
delivers it by SMTP (``SKILLPASS_SMTP_*``). With no SMTP host configured (development, ``make run``) it is
kept in the table instead: the outbox, which admins read in the app. A failed delivery is recorded as
failed with its error; ``retry_failed()`` tries those again. A ``dedupe_key`` is sent once, ever: sending
the same key again does nothing (a failed one is tried again).

A message a request writes with ``queue=True`` (an invitation, a reset link, a decision) waits, as
"queued", until that request's transaction has committed: ``deliver_queued()`` (run by skillpass/transaction.py
after the commit) then hands it to the job queue (skillpass/jobs.py), so that inviting thousands never holds the
request. A request that is rolled back sends nothing, so nobody is emailed a link or a decision that was not
saved. A worker claims each queued message before sending it (a conditional UPDATE of its attempts: two
workers never send one message), and the periodic job ``send_stranded()`` (every minute) sends any a stopped
worker left queued; ``retry_failed()`` (``flask send-reminders``) does too.

Every link is absolute: ``link(endpoint, ...)`` builds it from ``SKILLPASS_BASE_URL`` when set (always so
in production: a forged Host header can never choose where a reset link points), else from the request.
"""
from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from urllib.parse import urlsplit

from flask import current_app, has_request_context, render_template, url_for
from sqlalchemy import event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from skillpass import clock
from skillpass.extensions import db
from skillpass.models import Message, MessageStatus, Person
from skillpass.services.settings import get_settings

_QUEUED = "skillpass.mail_queued"    # in the session's info: ids of the messages its transaction queued
#: A queued message this old was left by a worker that stopped: retry_failed() sends it.
STRANDED_AFTER = dt.timedelta(minutes=10)
NOT_KEPT = "(Not kept: this message held a one-time link, and it was delivered.)"
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}

# Within connection(): the open SMTP connection, or the error that opening it raised (then every message of
# the batch is recorded as failed with it at once, not after a timeout each).
_open: contextvars.ContextVar[smtplib.SMTP | Exception | None] = contextvars.ContextVar("skillpass_smtp",
                                                                                        default=None)


class MailNotConfigured(RuntimeError):
    pass


def link(endpoint: str, **values) -> str:
    """An absolute address of a page, for an email."""
    base = current_app.config.get("BASE_URL")
    if base:
        parts = urlsplit(base)
        adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
        return adapter.build(endpoint, values, force_external=True)
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    raise MailNotConfigured("Set SKILLPASS_BASE_URL (the address people reach SkillPass at) to send email "
                            "from the command line.")


def smtp_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def _sender() -> str:
    cfg = current_app.config
    address = cfg.get("MAIL_FROM") or f"skillpass@{cfg.get('SMTP_HOST') or 'localhost'}"
    return formataddr((get_settings().organisation_name, address)) if "<" not in address else address


def _connect() -> smtplib.SMTP:
    cfg = current_app.config
    security = cfg["SMTP_SECURITY"]
    port = cfg["SMTP_PORT"] or DEFAULT_PORTS[security]
    timeout = cfg["SMTP_TIMEOUT"]
    if security == "tls":
        server: smtplib.SMTP = smtplib.SMTP_SSL(cfg["SMTP_HOST"], port, timeout=timeout,
                                               context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(cfg["SMTP_HOST"], port, timeout=timeout)
        if security == "starttls":
            server.starttls(context=ssl.create_default_context())
    if cfg["SMTP_USER"]:
        server.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"])
    return server


@contextlib.contextmanager
def connection():
    """One SMTP connection for many messages (an invitation to everyone in an import)."""
    if not smtp_configured() or _open.get() is not None:
        yield
        return
    server: smtplib.SMTP | Exception
    try:
        server = _connect()
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.warning("SMTP connection failed: %s", error)   # each message records why
        server = error
    token = _open.set(server)
    try:
        yield
    finally:
        _open.reset(token)
        if isinstance(server, smtplib.SMTP):
            with contextlib.suppress(OSError, smtplib.SMTPException):
                server.quit()


def _email(message: Message) -> EmailMessage:
    email = EmailMessage()
    email["From"] = _sender()
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=(current_app.config.get("MAIL_FROM") or "@skillpass").rpartition("@")[2]
                                     or "skillpass")
    for name, value in (message.headers or {}).items():
        email[name] = value
    email.set_content(message.text_body)
    email.add_alternative(message.html_body, subtype="html")
    return email


def _deliver(message: Message, *, secret: bool, counted: bool = False) -> None:
    """Send one message and record how it went. *counted*: its attempt was already counted (by its claim)."""
    if not counted:
        message.attempts += 1
    if not smtp_configured():
        message.status = MessageStatus.KEPT
        message.error = None
        return
    email = _email(message)
    try:
        server = _open.get()
        if isinstance(server, Exception):
            raise server
        if server is not None:
            server.send_message(email)
        else:
            with contextlib.closing(_connect()) as own:
                own.send_message(email)
    except (OSError, smtplib.SMTPException) as error:
        message.status = MessageStatus.FAILED
        message.error = f"{type(error).__name__}: {error}"[:2000]
        current_app.logger.warning("email %s to a person failed: %s", message.kind, message.error)
        return
    message.status = MessageStatus.SENT
    message.error = None
    message.sent_at = clock.now()
    if secret:      # the database keeps no live one-time link once it has gone
        message.text_body = message.html_body = NOT_KEPT


def send(*, to: str, subject: str, template: str, kind: str, context: dict | None = None,
         person: Person | None = None, dedupe_key: str | None = None, headers: dict | None = None,
         secret: bool = False, queue: bool = False) -> Message | None:
    """Render, record and deliver one message; None when *dedupe_key* was already sent (or kept).

    *secret*: the message carries a one-time link, so its text is not kept once it is delivered.
    *queue*: in a request, deliver it only once the request's transaction has committed."""
    if dedupe_key is not None:
        earlier = db.session.scalar(select(Message).where(Message.dedupe_key == dedupe_key))
        if earlier is not None:
            if earlier.status is MessageStatus.FAILED:
                _deliver(earlier, secret=secret)
                db.session.flush()
                return earlier
            return None
    values = dict(context or {}, organisation=get_settings().organisation_name, subject=subject)
    message = Message(to=to, person_id=getattr(person, "id", None), subject=subject[:200], kind=kind,
                      dedupe_key=dedupe_key, headers=headers or None, status=MessageStatus.FAILED, attempts=0,
                      text_body=render_template(f"email/{template}.txt", **values),
                      html_body=render_template(f"email/{template}.html", **values), created_at=clock.now())
    if dedupe_key is not None:
        try:
            with db.session.begin_nested():     # two runs at once: the second finds the key taken
                db.session.add(message)
        except IntegrityError:
            return None
    else:
        db.session.add(message)
    if queue and has_request_context() and smtp_configured():
        message.status = MessageStatus.QUEUED
        db.session.flush()
        db.session.info.setdefault(_QUEUED, []).append(message.id)
        return message
    _deliver(message, secret=secret)
    db.session.flush()
    return message


def _drop_queued(session, *args) -> None:
    session.info.pop(_QUEUED, None)     # rolled back: those messages were never saved, nobody is told


def register(app) -> None:
    """The factory: forget a rolled-back request's queue, and send a committed one's (transaction.on_commit)."""
    from skillpass import transaction

    if not event.contains(Session, "after_rollback", _drop_queued):
        event.listen(Session, "after_rollback", _drop_queued)
    transaction.on_commit(deliver_queued)


def deliver_queued() -> None:
    """After a request's commit: hand what it queued to the job queue (MAIL_IN_BACKGROUND, on except in tests,
    where it is sent before the response so tests read it at once). A queue that cannot be reached loses
    nothing: the messages stay queued and ``send_stranded()`` sends them."""
    ids = db.session.info.pop(_QUEUED, None)
    if not ids:
        return
    if not current_app.config.get("MAIL_IN_BACKGROUND", True):
        send_queued(ids)
        return
    try:
        current_app.extensions["skillpass.jobs"].enqueue("send_mail", ids)
    except Exception:  # noqa: BLE001 - left queued; send_stranded() sends it later
        current_app.logger.exception("queued email not handed to the job queue: sent later")


def _claim(message: Message) -> bool:
    """Take a queued message for this sender (committed): False when another has taken it, or it has gone."""
    table = Message.__table__
    won = db.session.execute(update(table).where(table.c.id == message.id, table.c.status == MessageStatus.QUEUED,
                                                 table.c.attempts == message.attempts)
                             .values(attempts=message.attempts + 1)).rowcount == 1
    db.session.commit()
    return won


def send_queued(ids: list[int]) -> None:
    """Send the messages *ids* still queued, oldest first, each claimed first and recorded as it goes (a stop
    half way keeps what was sent; one claimed but not sent is sent by ``send_stranded()``)."""
    messages = list(db.session.scalars(select(Message).where(Message.id.in_(ids),
                                                             Message.status == MessageStatus.QUEUED)
                                       .order_by(Message.id)))
    with connection():
        for message in messages:
            if not _claim(message):
                continue
            _deliver(message, secret=message.kind in SECRET_KINDS, counted=True)
            db.session.commit()


def send_stranded(*, limit: int = 500) -> int:
    """Send the messages left queued by a worker that stopped (queued longer than STRANDED_AFTER): how many."""
    ids = list(db.session.scalars(select(Message.id).where(Message.status == MessageStatus.QUEUED,
                                                           Message.created_at < clock.now() - STRANDED_AFTER)
                                  .order_by(Message.id).limit(limit)))
    if ids:
        send_queued(ids)
    return len(ids)


def retry_failed(*, limit: int = 500) -> tuple[int, int]:
    """Try every failed message again, oldest first, and send any left queued by a worker that stopped:
    (now sent or kept, still failing)."""
    stranded = (Message.status == MessageStatus.QUEUED) & (Message.created_at < clock.now() - STRANDED_AFTER)
    failed = list(db.session.scalars(select(Message).where((Message.status == MessageStatus.FAILED) | stranded)
                                     .order_by(Message.id).limit(limit)))
    with connection():
        for message in failed:
            if message.status is MessageStatus.QUEUED:     # claimed first, as a job would (committed)
                if not _claim(message):
                    continue
                _deliver(message, secret=message.kind in SECRET_KINDS, counted=True)
                db.session.commit()
            else:
                _deliver(message, secret=message.kind in SECRET_KINDS)
    db.session.flush()
    done = sum(1 for m in failed if m.status not in (MessageStatus.FAILED, MessageStatus.QUEUED))
    return done, len(failed) - done


# Kinds whose message holds a one-time link (their text goes once delivered).
SECRET_KINDS = {"invitation", "password_reset"}


# ---------------------------------------------------------------- the outbox, for admins

STATUS_FILTERS = ("all", "failed")


def outbox(*, status: str = "all", limit: int = 200) -> tuple[list[Message], int]:
    """The latest messages (the failed ones only, with status="failed"), and how many have failed."""
    stmt = select(Message).order_by(Message.id.desc()).limit(limit)
    if status == "failed":
        stmt = stmt.where(Message.status == MessageStatus.FAILED)
    failed = db.session.scalar(select(func.count(Message.id)).where(Message.status == MessageStatus.FAILED))
    return list(db.session.scalars(stmt)), failed
