"""Single sign-on: who the provider's answer is. A person is matched by a *verified* email address, whatever
its case; nobody else is signed in, unless an admin turned automatic accounts on (then a learner with no
team is added). The provider is reached by auth/sso.py; nothing here knows about HTTP."""
from __future__ import annotations

import datetime as dt

from skillpass.extensions import db
from skillpass.inputs import has_control
from skillpass.labels import Action
from skillpass.models import Person, Role
from skillpass.models._types import utcnow
from skillpass.services import assignment_rules, audit, directory
from skillpass.services.settings import get_settings, set_setting

EMAIL_MAX, NAME_MAX = 254, 200


class Refused(Exception):
    """Why a single sign-on does not sign anyone in: *reason* names the case, *email* what the provider gave."""

    def __init__(self, reason: str, email: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.email = email


def verified_email(claims: dict) -> str:
    """The address the provider vouches for, lower-cased; Refused when there is none, or it is not verified."""
    email = claims.get("email")
    if not isinstance(email, str) or not email.strip():
        raise Refused("no_email")
    email = email.strip().lower()
    if has_control(email) or len(email) > EMAIL_MAX or "@" not in email:
        raise Refused("no_email")
    # Some providers send the JSON string "true"; anything else (missing, false) is not a verified address.
    # Microsoft Entra ID sends no email_verified: its optional claim xms_edov ("email domain owner verified")
    # says the same of the address's domain, which the tenant owns.
    if claims.get("email_verified") not in (True, "true") and claims.get("xms_edov") not in (True, "true", 1, "1"):
        raise Refused("unverified", email)
    return email


def person_for(claims: dict, *, auto_accounts: bool, today: dt.date) -> Person:
    """The active person these claims sign in, marked as signed in with single sign-on (flushed)."""
    email = verified_email(claims)
    person = directory.person_by_email(email)
    if person is None:
        if not auto_accounts:
            raise Refused("unknown", email)
        person = _new_learner(email, claims, today)
    if not person.active:
        raise Refused("deactivated", email)
    subject = claims.get("sub")
    person.sso_subject = subject[:255] if isinstance(subject, str) else None
    person.sso_signed_in_at = utcnow()
    db.session.flush()
    return person


def _name(claims: dict, email: str) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or has_control(name) or not name.strip():
        return email.split("@", 1)[0]
    return " ".join(name.split())[:NAME_MAX]


def _new_learner(email: str, claims: dict, today: dt.date) -> Person:
    person = Person(name=_name(claims, email), email=email, start_date=today, role=Role.LEARNER, team_id=None,
                    job_role="", active=True)
    db.session.add(person)
    db.session.flush()   # two first sign-ins at one moment: the address is unique, the second one fails
    audit.log(actor=person, action=Action.PERSON_CREATED, subject=person, person_id=person.id,
              summary=f"{person.name} added as learner at their first single sign-on (automatic accounts are on)")
    assignment_rules.apply_to(person, actor=person, today=today)
    return person


def password_sign_in_off(person: Person, *, sso_password_off: bool) -> bool:
    """True when this person must use single sign-on: the setting is on and they have signed in with it."""
    return sso_password_off and person.sso_signed_in_at is not None


SWITCHES = {"sso_auto_accounts": "automatic accounts at first single sign-on",
            "sso_password_off": "password sign-in off for people who use single sign-on"}  # nosec B105 - words


def update_switches(*, actor: Person, sso_auto_accounts: bool, sso_password_off: bool) -> list[str]:
    """Store the admin's two single sign-on switches; audited; the names of those that changed."""
    current = get_settings()
    after = {"sso_auto_accounts": sso_auto_accounts, "sso_password_off": sso_password_off}
    before = {key: getattr(current, key) for key in after}
    changed = [key for key in after if after[key] != before[key]]
    for key in changed:
        set_setting(key, "1" if after[key] else "0")
    if changed:
        audit.log(actor=actor, action=Action.SETTINGS_CHANGED, subject=None, subject_type="Settings", person_id=None,
                  summary="Settings: " + "; ".join(f"{SWITCHES[k]} turned {'on' if after[k] else 'off'}"
                                                   for k in changed),
                  before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return changed
