"""Changing the deployment's settings from the admin screen: validated, audited."""
from __future__ import annotations

from skillpass.labels import Action, describe_changes
from skillpass.inputs import refuse_controls
from skillpass.services import audit
from skillpass.services.errors import ValidationFailed
from skillpass.services.settings import get_settings, reasons_from_text, set_setting

UPLOAD_CEILING_MB = 50   # below the hard request ceiling (MAX_CONTENT_LENGTH, 64 MB)
REASONS_MAX, REASON_LENGTH_MAX = 12, 200


def _whole_number(raw: str, field: str, low: int, high: int, what: str, errors: dict) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        errors[field] = f"Enter {what}."
        return None
    if not raw.isdecimal():
        errors[field] = f"Enter {what} as a whole number, for example {low + (high - low) // 6}."
        return None
    value = int(raw) if len(raw) <= 9 else high + 1   # a longer number is out of range (and int() would balk)
    if not low <= value <= high:
        errors[field] = f"Enter a number from {low} to {high}."
        return None
    return value


def _reasons(text: str | None, errors: dict) -> list[str] | None:
    """The common reasons for rejecting, one a line; None (not sent) keeps them as they are."""
    if text is None:
        return None
    refuse_controls(errors, reject_reasons=text)
    reasons = list(reasons_from_text(text))
    if "reject_reasons" in errors:
        pass
    elif len(reasons) > REASONS_MAX:
        errors["reject_reasons"] = f"Keep to {REASONS_MAX} reasons or fewer: educators choose from them on a phone."
    elif any(len(r) > REASON_LENGTH_MAX for r in reasons):
        errors["reject_reasons"] = f"Keep each reason to {REASON_LENGTH_MAX} characters or fewer."
    return reasons


def check_settings(*, organisation_name: str, warning_days: str, max_upload_mb: str,
                   reject_reasons: str | None = None) -> dict:
    """Validate the settings form; the clean values, or ValidationFailed with a message per field."""
    errors: dict[str, str] = {}
    reasons = _reasons(reject_reasons, errors)
    refuse_controls(errors, organisation_name=organisation_name)
    name = " ".join((organisation_name or "").split())
    if "organisation_name" in errors:
        pass
    elif not name:
        errors["organisation_name"] = "Enter the organisation's name, as it should appear on every page and print."
    elif len(name) > 120:
        errors["organisation_name"] = "Use 120 characters or fewer."
    warning = _whole_number(warning_days, "warning_days", 1, 365, "the warning window in days", errors)
    upload = _whole_number(max_upload_mb, "max_upload_mb", 1, UPLOAD_CEILING_MB, "the largest file size in MB", errors)
    if errors:
        raise ValidationFailed(errors)
    checked = {"organisation_name": name, "warning_days": warning, "max_upload_mb": upload}
    if reasons is not None:
        checked["reject_reasons"] = reasons
    return checked


def update_settings(*, actor, organisation_name: str, warning_days: str, max_upload_mb: str,
                    reject_reasons: str | None = None) -> list[str]:
    """Validate and store the settings; returns the names of those that changed."""
    after = check_settings(organisation_name=organisation_name, warning_days=warning_days,
                           max_upload_mb=max_upload_mb, reject_reasons=reject_reasons)
    current = get_settings()
    before = {"organisation_name": current.organisation_name, "warning_days": current.warning_days,
              "max_upload_mb": current.max_upload_mb, "reject_reasons": list(current.reject_reasons)}
    changed = [key for key in after if after[key] != before[key]]
    for key in changed:
        set_setting(key, "\n".join(after[key]) if key == "reject_reasons" else str(after[key]))
    if changed:
        audit.log(actor=actor, action=Action.SETTINGS_CHANGED, subject=None, subject_type="Settings", person_id=None,
                  summary="Settings: " + describe_changes({k: before[k] for k in after}, after),
                  before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return changed
