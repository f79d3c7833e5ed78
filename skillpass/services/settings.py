"""Deployment settings: admin-set values in the database over environment defaults."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, has_request_context
from sqlalchemy import String, cast, literal, select

from skillpass.extensions import db
from skillpass.models import DataVersion, Setting
from skillpass.services import data_version

VERSION_KEY = "(data version)"   # never a setting's key: those are the few names the settings screen writes
ASK_QUESTIONNAIRE = "questionnaire_first_sign_in"   # the questionnaire's own page writes it


@dataclass(frozen=True)
class Settings:
    organisation_name: str
    warning_days: int
    max_upload_mb: int
    demo_mode: bool
    # The organisation's common reasons for rejecting a claim, offered beside "Other" (admin-editable).
    reject_reasons: tuple[str, ...] = ()
    # Single sign-on (auth/sso.py): an account made for an unknown, verified address (off unless turned on);
    # password sign-in refused to everyone who has signed in with single sign-on.
    sso_auto_accounts: bool = False
    sso_password_off: bool = False
    # The questionnaire (PRODUCT.md §6.4): people who have never answered it are asked after signing in.
    ask_questionnaire: bool = False


def get_settings() -> Settings:
    """One query per request at most."""
    if has_request_context() and "settings" in g:
        return g.settings
    # The data version comes in the same round trip: nearly every page asks for both.
    rows = db.session.execute(
        select(Setting.key, Setting.value)
        .union_all(select(literal(VERSION_KEY), cast(DataVersion.n, String)).where(DataVersion.id == 1))).all()
    stored = dict(rows)
    if VERSION_KEY in stored:
        data_version.remember(int(stored.pop(VERSION_KEY)))
    cfg = current_app.config
    settings = Settings(
        organisation_name=stored.get("organisation_name") or cfg["ORGANISATION_NAME"],
        warning_days=int(stored.get("warning_days") or cfg["WARNING_WINDOW_DAYS"]),
        max_upload_mb=int(stored.get("max_upload_mb") or cfg["MAX_UPLOAD_MB"]),
        demo_mode=stored.get("demo_mode") == "1",
        reject_reasons=reasons_from_text(stored.get("reject_reasons")),
        sso_auto_accounts=stored.get("sso_auto_accounts") == "1",
        sso_password_off=stored.get("sso_password_off") == "1",
        ask_questionnaire=stored.get(ASK_QUESTIONNAIRE) == "1",
    )
    if has_request_context():
        g.settings = settings
    return settings


DEFAULT_REJECT_REASONS = (
    "Certificate is unreadable",
    "Certificate is for a different course or level",
    "Certificate has expired",
    "Date does not match the certificate",
)


def reasons_from_text(text: str | None) -> tuple[str, ...]:
    """One reason a line, blank lines left out; never set: the defaults (an emptied list stays empty)."""
    if text is None:
        return DEFAULT_REJECT_REASONS
    return tuple(dict.fromkeys(" ".join(line.split()) for line in text.splitlines() if line.strip()))


def set_setting(key: str, value: str) -> None:
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value
    if has_request_context():
        g.pop("settings", None)
