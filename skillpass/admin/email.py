"""Email, for admins: every message sent, kept (no SMTP server: the outbox) or failed, and one message.

A message's text is shown only in demo mode or development, where the outbox stands in for a mailbox: in
production it may hold someone's one-time link (and a delivered one's is not kept at all)."""
from __future__ import annotations

from flask import current_app, render_template, request

from skillpass.access import ADMIN, guard
from skillpass.admin.views import bp
from skillpass.extensions import db
from skillpass.models import Message
from skillpass.services import mail
from skillpass.services.settings import get_settings


def _bodies_shown() -> bool:
    return get_settings().demo_mode or current_app.config["ENV_NAME"] == "development"


@bp.get("/email")
@guard(ADMIN)
def outbox():
    status = request.args.get("status", "all")
    status = status if status in mail.STATUS_FILTERS else "all"
    messages, failed = mail.outbox(status=status)
    return render_template("admin/outbox.html", messages=messages, failed=failed, status=status,
                           smtp=mail.smtp_configured())


@bp.get("/email/<int:message_id>")
@guard(ADMIN)
def message(message_id: int):
    found = db.get_or_404(Message, message_id)
    return render_template("admin/message.html", message=found, shown=_bodies_shown())
