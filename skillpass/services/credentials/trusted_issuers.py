"""Trusted issuers (PRODUCT.md §6.6): the other organisations whose credentials this one accepts, each with its
public keys pinned (a JWKS pasted, or fetched once from its address), so verifying never needs to reach them.
Added, changed (keys replaced, name, agreement, note) and ended by an admin; never deleted, so what was imported
from them keeps its provenance. Every change is audited with what it was before and after.

Also the two network reads importing needs: an issuer's JWKS and its status list, each with a short timeout and a
size cap, and None (or a message) when they cannot be reached.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import jwt
import requests
from sqlalchemy import select

from skillpass import clock
from skillpass.extensions import db
from skillpass.inputs import refuse_controls
from skillpass.labels import Action
from skillpass.models import Person, TrustedIssuer
from skillpass.services import audit
from skillpass.services.credentials.verifying import TrustedKeys
from skillpass.services.errors import Conflict, ValidationFailed

TIMEOUT = 5                 # seconds, connecting and reading
MAX_JWKS_BYTES = 100_000
MAX_STATUS_BYTES = 2_000_000
SUPPORTED = {"OKP": {"Ed25519"}, "EC": {"P-256"}, "RSA": None}
PRIVATE_PARTS = ("d", "p", "q", "dp", "dq", "qi", "k")
FIELDS = ["name", "issuer_id", "jwks_url", "accepted_by_agreement", "note", "keys_updated_at", "ended_at"]

PRIVATE_KEY = "This is a private key: never share it. Ask them for their public keys (their /.well-known/jwks.json)."
UNREACHABLE = ("Their keys could not be fetched from {url}: {why}. Pinned keys work offline: paste them instead "
               "(the JSON their address shows).")


# ------------------------------------------------------------------ reading keys

def parse_jwks(text: str, *, field: str = "jwks") -> dict:
    """A JWKS as given (pasted or fetched), checked: JSON with "keys", each a public key of a kind SkillPass
    verifies (Ed25519, P-256, RSA). Raises ValidationFailed on *field* with what is wrong."""
    try:
        data = json.loads(text)
    except ValueError:
        raise ValidationFailed("The keys are not JSON: paste the whole set, from { to }.", field=field) from None
    if isinstance(data, dict) and "kty" in data and "keys" not in data:
        data = {"keys": [data]}     # one key on its own
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list) or not data["keys"]:
        raise ValidationFailed('The keys must be a key set: JSON with a list of keys under "keys".', field=field)
    keys = []
    for position, key in enumerate(data["keys"], start=1):
        if not isinstance(key, dict):
            raise ValidationFailed(f"Key {position} is not a key: each is a JSON object.", field=field)
        if any(part in key for part in PRIVATE_PARTS):
            raise ValidationFailed(PRIVATE_KEY, field=field)
        kty, crv = key.get("kty"), key.get("crv")
        if kty not in SUPPORTED or (SUPPORTED[kty] is not None and crv not in SUPPORTED[kty]):
            raise ValidationFailed(f"Key {position} is of a kind SkillPass does not verify ({kty or 'no kty'}"
                                   f"{' ' + str(crv) if crv else ''}): use Ed25519, P-256 or RSA keys.", field=field)
        try:
            jwt.PyJWK(key)
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            raise ValidationFailed(f"Key {position} cannot be read as a public key.", field=field) from None
        keys.append(key)
    return {"keys": keys}


def fetch_jwks(url: str) -> str:
    """The JWKS at *url* as text, fetched now. Raises ValidationFailed on "jwks_url" when it cannot be."""
    url = (url or "").strip()
    if not url.startswith(("https://", "http://")):
        raise ValidationFailed("Enter the address of their keys, starting https://", field="jwks_url")
    text = _get(url, MAX_JWKS_BYTES)
    if isinstance(text, Exception):
        raise ValidationFailed(UNREACHABLE.format(url=url, why=_why(text)), field="jwks_url")
    parse_jwks(text, field="jwks_url")
    return text


class _TooBig(Exception):
    pass


def _why(error: Exception) -> str:
    if isinstance(error, _TooBig):
        return "what it sent is too large to be a key set"
    if isinstance(error, requests.Timeout):
        return "it did not answer in time"
    if isinstance(error, requests.HTTPError):
        return f"it answered {error.response.status_code if error.response is not None else 'with an error'}"
    return "it could not be reached"


def _get(url: str, cap: int) -> str | Exception:
    """GET *url* with a short timeout, reading at most *cap* bytes: the text, or the exception that stopped it."""
    try:
        with requests.get(url, timeout=TIMEOUT, stream=True, allow_redirects=False,
                          headers={"Accept": "application/json, application/vc+jwt, */*"}) as response:
            response.raise_for_status()
            body = b""
            for chunk in response.iter_content(16_384):
                body += chunk
                if len(body) > cap:
                    return _TooBig()
            return body.decode(response.encoding or "utf-8", errors="replace")
    except requests.RequestException as error:
        return error


def fetch_status(url: str) -> str | None:
    """An issuer's status list (a signed VC-JWT), or None when it cannot be reached now: the credential is then
    let through marked "revocation not checked" (services/credentials/verifying.py)."""
    text = _get(url, MAX_STATUS_BYTES)
    return None if isinstance(text, Exception) else text


# ------------------------------------------------------------------ the list

@dataclass
class IssuerView:
    issuer: TrustedIssuer
    key_count: int
    added_by: str
    ended_by: str


def issuers() -> tuple[list[IssuerView], list[IssuerView]]:
    """The live trusted issuers by name, and the ended ones, latest first."""
    rows = list(db.session.scalars(select(TrustedIssuer).order_by(TrustedIssuer.name, TrustedIssuer.id)))
    ids = {r.added_by_id for r in rows} | {r.ended_by_id for r in rows}
    names = dict(db.session.execute(select(Person.id, Person.name).where(Person.id.in_(ids - {None}))).tuples().all())
    views = [IssuerView(r, len(json.loads(r.jwks or "{}").get("keys", [])), names.get(r.added_by_id, ""),
                        names.get(r.ended_by_id, "")) for r in rows]
    live = [v for v in views if v.issuer.live]
    ended = sorted((v for v in views if not v.issuer.live), key=lambda v: v.issuer.ended_at, reverse=True)
    return live, ended


def live_issuers() -> list[TrustedIssuer]:
    return list(db.session.scalars(select(TrustedIssuer).where(TrustedIssuer.ended_at.is_(None))))


def trusted_keys(issuer: TrustedIssuer) -> TrustedKeys:
    return TrustedKeys(issuer_id=issuer.issuer_id, name=issuer.name, jwks=json.loads(issuer.jwks))


# ------------------------------------------------------------------ changes

def _check(errors: dict, *, name: str, issuer_id: str | None, note: str) -> None:
    refuse_controls(errors, name=name, issuer_id=issuer_id, note=note)
    if not name and "name" not in errors:
        errors["name"] = "Enter the organisation's name, for example Northgate NHS Trust."
    elif len(name) > 200 and "name" not in errors:
        errors["name"] = "Use 200 characters or fewer."
    if issuer_id is not None and "issuer_id" not in errors:
        if not issuer_id.startswith(("https://", "http://")):
            errors["issuer_id"] = ("Enter their issuer id: the address their credentials name as issuer, for "
                                   "example https://skillpass.northgate.nhs.uk/issuer")
        elif len(issuer_id) > 500:
            errors["issuer_id"] = "Use 500 characters or fewer."
    if len(note) > 2000 and "note" not in errors:
        errors["note"] = "Keep the note to 2,000 characters or fewer."


def _keys(errors: dict, jwks_text: str, jwks_url: str, *, required: bool) -> dict | None:
    """The keys given: pasted (they win) or fetched from the address; None when neither is given."""
    try:
        if jwks_text.strip():
            return parse_jwks(jwks_text)
        if jwks_url:
            return parse_jwks(fetch_jwks(jwks_url), field="jwks_url")
    except ValidationFailed as error:
        errors.update({k: v for k, v in error.errors.items() if k not in errors})
        return None
    if required and "jwks" not in errors:
        errors["jwks"] = "Paste their keys, or give the address of their keys and fetch them."
    return None


def add_issuer(*, actor: Person, name: str, issuer_id: str, jwks_text: str, jwks_url: str,
               accepted_by_agreement: bool, note: str) -> TrustedIssuer:
    name, issuer_id, jwks_url, note = name.strip(), issuer_id.strip(), jwks_url.strip(), note.strip()
    errors: dict[str, str] = {}
    _check(errors, name=name, issuer_id=issuer_id, note=note)
    if jwks_url and len(jwks_url) > 500:
        errors["jwks_url"] = "Use 500 characters or fewer."
    if "issuer_id" not in errors and db.session.scalar(select(TrustedIssuer.name).where(
            TrustedIssuer.issuer_id == issuer_id, TrustedIssuer.ended_at.is_(None))) is not None:
        errors["issuer_id"] = "This issuer is trusted already: change it on the list instead."
    keys = None if errors else _keys(errors, jwks_text, jwks_url, required=True)
    if errors:
        raise ValidationFailed(errors)
    now = clock.now()
    issuer = TrustedIssuer(name=name, issuer_id=issuer_id, jwks=json.dumps(keys), jwks_url=jwks_url,
                           accepted_by_agreement=accepted_by_agreement, note=note, added_by_id=actor.id,
                           added_at=now, keys_updated_at=now)
    db.session.add(issuer)
    db.session.flush()
    audit.log(actor=actor, action=Action.TRUSTED_ISSUER_ADDED, subject=issuer, person_id=None,
              summary=f"Trusted issuer added: {name} ({issuer_id}), {len(keys['keys'])} key(s) pinned"
                      f"{', accepted by agreement' if accepted_by_agreement else ''}",
              after={**audit.snapshot(issuer, FIELDS), "kids": _kids(keys)})
    return issuer


def _kids(keys: dict) -> list[str]:
    return [str(k.get("kid", "")) for k in keys.get("keys", [])]


def change_issuer(*, actor: Person, issuer: TrustedIssuer, name: str, jwks_text: str, jwks_url: str,
                  accepted_by_agreement: bool, note: str) -> TrustedIssuer:
    """Change the name, the agreement or the note; keys given (pasted or fetched) replace the pinned ones."""
    if not issuer.live:
        raise Conflict(f"{issuer.name} was ended: nothing was changed.", field="__all__")
    name, jwks_url, note = name.strip(), jwks_url.strip(), note.strip()
    errors: dict[str, str] = {}
    _check(errors, name=name, issuer_id=None, note=note)
    replace = bool(jwks_text.strip()) or (bool(jwks_url) and jwks_url != issuer.jwks_url)
    keys = None
    if not errors and replace:
        keys = _keys(errors, jwks_text, jwks_url, required=False)
    if errors:
        raise ValidationFailed(errors)
    before = {**audit.snapshot(issuer, FIELDS), "kids": _kids(json.loads(issuer.jwks))}
    issuer.name, issuer.accepted_by_agreement, issuer.note = name, accepted_by_agreement, note
    issuer.jwks_url = jwks_url
    if keys is not None:
        issuer.jwks, issuer.keys_updated_at = json.dumps(keys), clock.now()
    db.session.flush()
    after = {**audit.snapshot(issuer, FIELDS), "kids": _kids(json.loads(issuer.jwks))}
    changed = [k for k in after if after[k] != before[k]]
    audit.log(actor=actor, action=Action.TRUSTED_ISSUER_CHANGED, subject=issuer, person_id=None,
              summary=f"Trusted issuer changed: {issuer.name}"
                      + (f" ({', '.join(c.replace('_', ' ') for c in changed)})" if changed else " (nothing new)")
                      + ("; pinned keys replaced" if keys is not None else ""),
              before=before, after=after)
    return issuer


def end_issuer(*, actor: Person, issuer: TrustedIssuer) -> TrustedIssuer:
    if not issuer.live:
        raise Conflict(f"{issuer.name} was ended already.", field="__all__")
    before = audit.snapshot(issuer, FIELDS)
    issuer.ended_at, issuer.ended_by_id = clock.now(), actor.id
    db.session.flush()
    audit.log(actor=actor, action=Action.TRUSTED_ISSUER_ENDED, subject=issuer, person_id=None,
              summary=f"Trusted issuer ended: {issuer.name} ({issuer.issuer_id}). What was imported from them "
                      "keeps its provenance.",
              before=before, after=audit.snapshot(issuer, FIELDS))
    return issuer
