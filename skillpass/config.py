"""Settings: defaults, overridden by SKILLPASS_* environment variables.

Production refuses to start with the development secret key.
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Development only: load() refuses it in production.
DEV_SECRET_KEY = "dev-only-not-secret"  # nosec B105


ENVIRONMENTS = ("development", "production")
MIN_SECRET_KEY_LENGTH = 32
SMTP_SECURITY = ("none", "starttls", "tls")


class ConfigError(RuntimeError):
    pass


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"SKILLPASS_{name}", default)


def _int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"SKILLPASS_{name} must be a whole number, not {raw!r}") from exc


def _bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"SKILLPASS_{name} must be true or false, not {raw!r}")


def _date(name: str) -> dt.date | None:
    raw = _env(name)
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise ConfigError(f"SKILLPASS_{name} must be a date like 2026-01-31, not {raw!r}") from exc


def load(overrides: dict | None = None) -> dict:
    """Build the Flask config mapping; fail fast on bad values."""
    env = _env("ENV") or "development"
    if env not in ENVIRONMENTS:
        # "Production", "prod" or "production " must not quietly start in development mode.
        raise ConfigError(f"SKILLPASS_ENV must be {' or '.join(ENVIRONMENTS)} (exactly, in lower case), not {env!r}")
    cfg = {
        "ENV_NAME": env,
        "SECRET_KEY": _env("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'skillpass.db'}"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "ORGANISATION_NAME": _env("ORGANISATION_NAME", "SkillPass"),
        "TIMEZONE": _env("TIMEZONE", "Europe/London"),
        "WARNING_WINDOW_DAYS": _int("WARNING_WINDOW_DAYS", 60),
        # A fixed "today" for demos and tests; None means the real date.
        "FIXED_TODAY": _date("TODAY"),
        "UPLOAD_FOLDER": _env("UPLOAD_FOLDER", str(ROOT / "instance" / "uploads")),
        "MAX_UPLOAD_MB": _int("MAX_UPLOAD_MB", 10),
        # How many passports a bulk print lays out at once, each in a process of its own (0: one per core).
        "PRINT_PROCESSES": _int("PRINT_PROCESSES", 0),
        # A hard ceiling on any request body; the upload setting is checked, in place, below it.
        "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
        # Long-open passport pages post with htmx; give the CSRF token a working day.
        "WTF_CSRF_TIME_LIMIT": _int("CSRF_TIME_LIMIT", 12 * 3600),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=_int("SESSION_HOURS", 12)),
        # Signed out after this long without a request.
        "IDLE_MINUTES": _int("IDLE_MINUTES", 30),
        # Sign-in throttling: wrong tries per email, and per address, within the window.
        "SIGN_IN_EMAIL_LIMIT": _int("SIGN_IN_EMAIL_LIMIT", 5),
        "SIGN_IN_IP_LIMIT": _int("SIGN_IN_IP_LIMIT", 50),
        "SIGN_IN_WINDOW_MINUTES": _int("SIGN_IN_WINDOW_MINUTES", 15),
        # How many reverse proxies in front set X-Forwarded-For/-Proto (0: none, trust nothing).
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        # Keep figures and passport pages per worker until the data changes (services/kept.py).
        "CACHE_PAGES": _bool("CACHE_PAGES", True),
        # The monthly trend: a past month end not yet kept (services/trend_months.py) is worked out from the
        # entries while at most this many people are in view, and shown as being counted above it.
        "TREND_WALK_LIMIT": _int("TREND_WALK_LIMIT", 2000),
        # Email (services/mail.py). No SMTP host: messages are kept in the outbox, read by admins in the app.
        "SMTP_HOST": _env("SMTP_HOST", "") or "",
        "SMTP_PORT": _int("SMTP_PORT", 0),          # 0: 587 with starttls, 465 with tls, 25 with none
        "SMTP_SECURITY": (_env("SMTP_SECURITY", "starttls") or "starttls").strip().lower(),
        "SMTP_USER": _env("SMTP_USER", "") or "",
        "SMTP_PASSWORD": _env("SMTP_PASSWORD", "") or "",
        "SMTP_TIMEOUT": _int("SMTP_TIMEOUT", 20),
        "MAIL_FROM": _env("MAIL_FROM", "") or "",
        # The address people reach the app at (https://skillpass.example.nhs.uk): every link in an email
        # starts with it. Unset: the address of the request that sends (never from the command line).
        "BASE_URL": (_env("BASE_URL", "") or "").rstrip("/"),
        # How long an invitation's link works, in days; a password reset's, in minutes.
        "INVITE_DAYS": _int("INVITE_DAYS", 7),
        # Email a request writes is sent after its commit on a thread of its own (tests: before the answer).
        "MAIL_IN_BACKGROUND": True,
        "RESET_LINK_MINUTES": _int("RESET_LINK_MINUTES", 60),
        # Digests (services/reminders.py, `flask send-reminders`): the learner's weekly digest goes on this
        # weekday (mon … sun), the educators' lapse summary on this day of the month (1 … 28); the learner's
        # digest lists what is due or expiring within DIGEST_DAYS.
        "LEARNER_DIGEST_DAY": (_env("LEARNER_DIGEST_DAY", "mon") or "mon").strip().lower()[:3],
        "LAPSE_SUMMARY_DAY": _int("LAPSE_SUMMARY_DAY", 1),
        "DIGEST_DAYS": _int("DIGEST_DAYS", 30),
        # Single sign-on with OpenID Connect (auth/sso.py): all three, or none (then password sign-in only).
        "OIDC_ISSUER": (_env("OIDC_ISSUER") or "").rstrip("/") or None,
        "OIDC_CLIENT_ID": _env("OIDC_CLIENT_ID") or None,
        "OIDC_CLIENT_SECRET": _env("OIDC_CLIENT_SECRET") or None,
        "OIDC_NAME": _env("OIDC_NAME") or "Sign in with your organisation account",
        "OIDC_SCOPES": _env("OIDC_SCOPES") or "openid email profile",
        "OIDC_TIMEOUT_SECONDS": _int("OIDC_TIMEOUT_SECONDS", 10),
        # Background jobs (skillpass/jobs.py, Huey): where the queue is kept (sqlite:///<file>, the default,
        # or postgresql://… for several hosts), how many threads `flask jobs-worker` runs, how long a bulk
        # print may go without a step before another worker takes it over, when the daily digests go
        # ("HH:MM" in TIMEZONE, or "off"), and immediate mode (the tests: a job runs at once, in-process).
        "JOBS_URL": _env("JOBS_URL", "") or f"sqlite:///{ROOT / 'instance' / 'jobs.db'}",
        "JOBS_WORKERS": _int("JOBS_WORKERS", 2),
        "JOBS_LEASE_SECONDS": _int("JOBS_LEASE_SECONDS", 60),
        "REMINDERS_AT": (_env("REMINDERS_AT", "07:00") or "07:00").strip().lower(),
        "JOBS_IMMEDIATE": _bool("JOBS_IMMEDIATE", False),
        # Rows per committed batch of an import made by the job worker (services/import_runs.py); 0: each
        # importer's own (500 people, 1,000 completions).
        "IMPORT_BATCH_ROWS": _int("IMPORT_BATCH_ROWS", 0),
    }
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgres://"):
        cfg["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + cfg["SQLALCHEMY_DATABASE_URI"][len("postgres://"):]
    elif cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql://"):
        cfg["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + cfg["SQLALCHEMY_DATABASE_URI"][len("postgresql://"):]
    if overrides:
        cfg.update(overrides)
    if cfg["WARNING_WINDOW_DAYS"] < 0:
        raise ConfigError("SKILLPASS_WARNING_WINDOW_DAYS cannot be negative")
    if cfg["SMTP_SECURITY"] not in SMTP_SECURITY:
        raise ConfigError(f"SKILLPASS_SMTP_SECURITY must be {', '.join(SMTP_SECURITY)}, not {cfg['SMTP_SECURITY']!r}")
    if cfg["INVITE_DAYS"] < 1 or cfg["RESET_LINK_MINUTES"] < 1:
        raise ConfigError("SKILLPASS_INVITE_DAYS and SKILLPASS_RESET_LINK_MINUTES must be 1 or more")
    if cfg["LEARNER_DIGEST_DAY"] not in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        raise ConfigError("SKILLPASS_LEARNER_DIGEST_DAY must be a weekday: mon, tue, wed, thu, fri, sat or sun")
    if not 1 <= cfg["LAPSE_SUMMARY_DAY"] <= 28:
        raise ConfigError("SKILLPASS_LAPSE_SUMMARY_DAY must be a day of the month from 1 to 28")
    if cfg["BASE_URL"] and not cfg["BASE_URL"].startswith(("https://", "http://")):
        raise ConfigError(f"SKILLPASS_BASE_URL must start with https:// (or http://), not {cfg['BASE_URL']!r}")
    _check_oidc(cfg)
    _check_jobs(cfg)
    if cfg["ENV_NAME"] == "production":
        key = cfg["SECRET_KEY"] or ""
        if key == DEV_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 10:
            raise ConfigError(
                f"Set SKILLPASS_SECRET_KEY to a long random value (at least {MIN_SECRET_KEY_LENGTH} characters) before "
                "running in production, for example: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'")
    return cfg


OIDC_KEYS = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")


def _check_oidc(cfg: dict) -> None:
    """Single sign-on is set up completely or not at all; in production its issuer is https."""
    given = [key for key in OIDC_KEYS if cfg.get(key)]
    if given and len(given) < len(OIDC_KEYS):
        missing = ", ".join(f"SKILLPASS_{key}" for key in OIDC_KEYS if not cfg.get(key))
        raise ConfigError(f"Single sign-on is half set up: set {missing} too, or unset the others")
    if "openid" not in (cfg.get("OIDC_SCOPES") or "").split():
        raise ConfigError("SKILLPASS_OIDC_SCOPES must include openid (and email, for the verified address)")
    if given and cfg["ENV_NAME"] == "production" and not cfg["OIDC_ISSUER"].startswith("https://"):
        raise ConfigError("SKILLPASS_OIDC_ISSUER must be an https:// address in production")


def _check_jobs(cfg: dict) -> None:
    """The job queue's store is one Huey can use, the digests' hour a time of day (or off)."""
    if not str(cfg["JOBS_URL"]).startswith(("sqlite:///", "postgresql://", "postgresql+psycopg://", "postgres://")):
        raise ConfigError(f"SKILLPASS_JOBS_URL must start with sqlite:/// or postgresql://, not {cfg['JOBS_URL']!r}")
    if cfg["JOBS_WORKERS"] < 1 or cfg["JOBS_LEASE_SECONDS"] < 1:
        raise ConfigError("SKILLPASS_JOBS_WORKERS and SKILLPASS_JOBS_LEASE_SECONDS must be 1 or more")
    if cfg["REMINDERS_AT"] != "off":
        try:
            dt.time.fromisoformat(cfg["REMINDERS_AT"])
        except ValueError as exc:
            raise ConfigError(f"SKILLPASS_REMINDERS_AT must be a time like 07:00, or off, not "
                              f"{cfg['REMINDERS_AT']!r}") from exc
