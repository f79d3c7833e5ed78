"""Verifying what another organisation issued (or what this one did): a compact JWS credential, or a passport
bundle of them, checked against the issuer's published keys, its dates and its status list. No database and no
Flask: the caller says which issuers it trusts (their keys), what today is, and how to fetch a status list.

Every refusal has its reason in words a person can act on: not a credential at all, an issuer not trusted, a
key the issuer never published, a signature that does not match (changed since it was signed), claims that
disagree with the credential, not yet valid, expired, revoked.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Callable

import jwt

from skillpass.rules import format_date
from skillpass.services.credentials import ob3, status_list

ALGORITHMS = ["EdDSA", "ES256", "RS256"]
# A file larger than this, or holding more credentials, is refused before anything in it is parsed: a bundle of
# a 45-item passport is about 0.2 MB, so these leave room for any real passport and none for a denial of service.
MAX_FILE_CHARS = 5_000_000
MAX_CREDENTIALS = 500
# Members only a private or a symmetric key has (RFC 7518 §6): such a key in a "public" key set is never used.
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
ENVELOPE_PREFIX = "data:application/vc+jwt,"

NOT_A_CREDENTIAL = "This is not a signed credential: it cannot be read as a JSON Web Token."
TOO_LARGE = (f"The file is too large to be a passport (more than {MAX_FILE_CHARS // 1_000_000} MB or "
             f"{MAX_CREDENTIALS} credentials): nothing in it was read.")
CHANGED = "The signature does not match: the credential has been changed since {issuer} signed it."


@dataclass(frozen=True)
class TrustedKeys:
    """An issuer as the verifier knows it: its name and its public keys (a JWKS)."""
    issuer_id: str
    name: str
    jwks: dict


@dataclass
class Verdict:
    """One credential's result: *ok*, or the *reason* it is refused; what it says, when it could be read."""
    jws: str
    ok: bool = False
    reason: str = ""
    issuer_id: str = ""
    issuer_name: str = ""
    credential_id: str = ""
    achievement: dict = field(default_factory=dict)
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    subject_identifier: dict = field(default_factory=dict)
    status_checked: bool = False
    credential: dict = field(default_factory=dict)

    def refuse(self, reason: str) -> "Verdict":
        self.ok, self.reason = False, reason
        return self

    @property
    def name(self) -> str:
        return str(self.achievement.get("name") or "")

    @property
    def code(self) -> str:
        return str(self.achievement.get("humanCode") or "")

    @property
    def national_names(self) -> list[str]:
        """The alignments' target codes and names: the national names the achievement answers to."""
        out = []
        for alignment in self.achievement.get("alignment") or []:
            if isinstance(alignment, dict):
                for key in ("targetCode", "targetName"):
                    if isinstance(alignment.get(key), str) and alignment[key]:
                        out.append(alignment[key])
        return out


def split_file(text: str) -> list[str]:
    """The compact JWS tokens a file holds: one (a credential or a bundle), or several, one a line (or a JSON
    list of them). Anything else gives none."""
    text = (text or "").strip()
    if text.startswith("["):
        try:
            items = json.loads(text)
        except ValueError:
            return []
        return [i.strip() for i in items if isinstance(i, str) and _COMPACT.fullmatch(i.strip())]
    return [t for t in text.split() if _COMPACT.fullmatch(t)]


def unverified(jws: str) -> tuple[dict, dict] | None:
    """The header and payload of a compact JWS, unchecked (only to find who claims to have signed it)."""
    try:
        header = jwt.get_unverified_header(jws)
        payload = json.loads(_b64(jws.split(".")[1]))
    except (jwt.PyJWTError, ValueError, IndexError, UnicodeDecodeError):
        return None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return None
    return header, payload


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _key_for(header: dict, jwks: dict):
    """The issuer's published key the header names (its kid, matched whole or by its fragment), or with no kid
    the only key there is."""
    listed = (jwks or {}).get("keys", []) if isinstance(jwks, dict) else []
    published = [k for k in listed if isinstance(k, dict) and k.get("kty") in ("OKP", "EC", "RSA")
                 and not any(m in k for m in _PRIVATE_MEMBERS) and k.get("use", "sig") == "sig"]
    kid = header.get("kid")
    if kid:
        short = str(kid).rsplit("#", 1)[-1]
        found = [k for k in published if k.get("kid") in (kid, short) or str(k.get("kid", "")).rsplit("#", 1)[-1] == short]
    else:
        found = published if len(published) == 1 else []
    if not found:
        return None
    try:
        return jwt.PyJWK(found[0])
    except jwt.PyJWTError:
        return None


def check_signature(jws: str, trusted: TrustedKeys) -> tuple[dict | None, str]:
    """The verified payload, or None and why not."""
    parts = unverified(jws)
    if parts is None:
        return None, NOT_A_CREDENTIAL
    header, _ = parts
    if header.get("alg") not in ALGORITHMS:
        return None, f"It is signed with {header.get('alg')!r}, which SkillPass does not accept."
    key = _key_for(header, trusted.jwks)
    if key is None:
        return None, (f"It is signed with a key {trusted.name} has not published (key {header.get('kid') or 'not named'}): "
                      "update their keys, or ask them whether they rotated their key.")
    # The algorithm is the key's, never the token's choice alone (no algorithm confusion): an Ed25519 key
    # verifies EdDSA only, and a key published with its "alg" only that.
    if key.algorithm_name != header["alg"]:
        return None, (f"It names the algorithm {header['alg']!r}, but the key it names is for "
                      f"{key.algorithm_name!r}: it is not a signature {trusted.name} made.")
    try:
        payload = jwt.decode(jws, key.key, algorithms=[header["alg"]],
                             options={"verify_exp": False, "verify_nbf": False, "verify_iat": False,
                                      "verify_aud": False, "verify_iss": False, "verify_sub": False,
                                      "verify_jti": False})
    except jwt.InvalidSignatureError:
        return None, CHANGED.format(issuer=trusted.name)
    except jwt.PyJWTError:
        return None, NOT_A_CREDENTIAL
    return payload, ""


def _day(stamp) -> dt.date | None:
    if not isinstance(stamp, str):
        return None
    try:
        return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _epoch_day(value) -> dt.date | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    try:
        return dt.datetime.fromtimestamp(value, dt.timezone.utc).date()
    except (OverflowError, ValueError, OSError):      # a date no calendar holds (1e20): unreadable, not a crash
        return None


def _types(value) -> list:
    """A "type" property as a list (the data model allows one string or a list)."""
    return value if isinstance(value, list) else [value] if isinstance(value, str) else []


def is_bundle(payload: dict) -> bool:
    return isinstance(payload.get("vp"), dict)


def enveloped(payload: dict) -> list[str]:
    """The credentials a bundle carries, each its own compact JWS."""
    out = []
    for item in payload["vp"].get("verifiableCredential") or []:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict) and str(item.get("id", "")).startswith(ENVELOPE_PREFIX):
            out.append(item["id"][len(ENVELOPE_PREFIX):])
    return out


StatusFetcher = Callable[[str], "str | None"]


def verify_credential(jws: str, *, trusted_for: Callable[[str], TrustedKeys | None], today: dt.date,
                      fetch_status: StatusFetcher, status_cache: dict | None = None) -> Verdict:
    """One credential, checked in the order Open Badges 3.0 §8.2.4 gives, then its status."""
    verdict = Verdict(jws=jws)
    parts = unverified(jws)
    if parts is None:
        return verdict.refuse(NOT_A_CREDENTIAL)
    _, claimed = parts
    iss = claimed.get("iss")
    verdict.issuer_id = iss if isinstance(iss, str) else ""
    trusted = trusted_for(verdict.issuer_id) if verdict.issuer_id else None
    cred = ob3.credential_of(claimed)
    issuer_name = (cred.get("issuer") or {}).get("name") if isinstance(cred.get("issuer"), dict) else None
    if trusted is None:
        return verdict.refuse(f"It was issued by {issuer_name or verdict.issuer_id or 'an unnamed issuer'}"
                              f"{' (' + verdict.issuer_id + ')' if issuer_name and verdict.issuer_id else ''}, "
                              "which is not on the list of trusted issuers.")
    verdict.issuer_name = trusted.name
    payload, why = check_signature(jws, trusted)
    if payload is None:
        return verdict.refuse(why)
    cred = ob3.credential_of(payload)
    if not cred or not {"OpenBadgeCredential", "AchievementCredential"} & set(
            t for t in _types(cred.get("type")) if isinstance(t, str)):
        return verdict.refuse("It is signed, but it is not an Open Badges credential.")
    verdict.credential = cred
    subject = cred.get("credentialSubject") if isinstance(cred.get("credentialSubject"), dict) else {}
    issuer_obj = cred.get("issuer") if isinstance(cred.get("issuer"), dict) else {"id": cred.get("issuer")}
    verdict.credential_id = str(cred.get("id") or "")
    verdict.achievement = subject.get("achievement") if isinstance(subject.get("achievement"), dict) else {}
    identifiers = subject.get("identifier") or []
    verdict.subject_identifier = next((i for i in identifiers if isinstance(i, dict)), {})
    verdict.valid_from = _day(cred.get("validFrom"))
    verdict.valid_until = _day(cred.get("validUntil"))
    # The JWT's registered claims must say what the credential says (§8.2.4.1).
    if payload.get("iss") != issuer_obj.get("id") or payload.get("iss") != trusted.issuer_id:
        return verdict.refuse("Its signed claims disagree: the issuer named inside is not the one that signed it.")
    if payload.get("jti") != cred.get("id"):
        return verdict.refuse("Its signed claims disagree: the credential's id is not the token's.")
    if subject.get("id") is not None and payload.get("sub") != subject.get("id"):
        return verdict.refuse("Its signed claims disagree: the person named inside is not the token's subject.")
    if verdict.valid_from is None or _epoch_day(payload.get("nbf")) != verdict.valid_from:
        return verdict.refuse("Its signed claims disagree: its start date is not the token's.")
    if "exp" in payload and _epoch_day(payload.get("exp")) != verdict.valid_until:
        return verdict.refuse("Its signed claims disagree: its end date is not the token's.")
    if not verdict.achievement.get("name"):
        return verdict.refuse("It does not name what was achieved.")
    if verdict.valid_from > today:
        return verdict.refuse(f"It is not valid until {format_date(verdict.valid_from)}.")
    if verdict.valid_until is not None and today >= verdict.valid_until:
        return verdict.refuse(f"It expired on {format_date(verdict.valid_until)}.")
    return _check_status(verdict, cred, trusted, fetch_status, status_cache if status_cache is not None else {})


def _check_status(verdict: Verdict, cred: dict, trusted: TrustedKeys, fetch_status: StatusFetcher,
                  cache: dict) -> Verdict:
    entries = cred.get("credentialStatus")
    entries = entries if isinstance(entries, list) else [entries] if isinstance(entries, dict) else []
    revocations = [e for e in entries if isinstance(e, dict) and e.get("statusPurpose") == "revocation"]
    if not revocations:
        verdict.ok, verdict.status_checked = True, False
        return verdict
    for entry in revocations:
        url = entry.get("statusListCredential")
        try:
            index = int(entry.get("statusListIndex"))
        except (TypeError, ValueError):
            return verdict.refuse("Its revocation entry is unreadable.")
        if url not in cache:
            cache[url] = _status_bits(url, trusted, fetch_status)
        bits = cache[url]
        if isinstance(bits, str):            # a reason: the list could not be read or trusted
            if bits:
                return verdict.refuse(bits)
            verdict.ok, verdict.status_checked = True, False
            return verdict
        try:
            revoked = status_list.bit(bits, index)
        except IndexError:
            return verdict.refuse("Its revocation entry points outside the issuer's status list.")
        if revoked:
            return verdict.refuse(f"{trusted.name} has revoked it.")
    verdict.ok, verdict.status_checked = True, True
    return verdict


def _status_bits(url, trusted: TrustedKeys, fetch_status: StatusFetcher) -> bytes | str:
    """The issuer's status list bits; "" when it cannot be reached (offline: the credential is let through
    with status unchecked); a reason when what came back cannot be trusted."""
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return "Its revocation entry has no status list address."
    fetched = fetch_status(url)
    if fetched is None:
        return ""
    payload, why = check_signature(fetched.strip(), trusted)
    if payload is None:
        return f"Its issuer's status list could not be trusted: {why}"
    cred = ob3.credential_of(payload)
    subject = cred.get("credentialSubject") if isinstance(cred.get("credentialSubject"), dict) else {}
    if payload.get("iss") != trusted.issuer_id or cred.get("id") != url or not isinstance(subject.get("encodedList"), str):
        return "Its issuer's status list is not the one the credential names."
    if subject.get("statusPurpose") != "revocation" or "BitstringStatusListCredential" not in _types(cred.get("type")):
        return "Its issuer's status list is not a revocation list."
    try:
        return status_list.decode(subject["encodedList"])
    except (ValueError, OSError, EOFError):
        return "Its issuer's status list is unreadable."


def verify_file(text: str, *, trusted_for: Callable[[str], TrustedKeys | None], today: dt.date,
                fetch_status: StatusFetcher) -> tuple[list[Verdict], str]:
    """Every credential a file holds, each with its verdict; a bundle's own signature is checked first (a
    bundle whose signature fails is refused whole). The second value is a reason for the whole file, or ""."""
    if len(text or "") > MAX_FILE_CHARS:
        return [], TOO_LARGE
    tokens = split_file(text)
    if not tokens:
        return [], NOT_A_CREDENTIAL
    if len(tokens) > MAX_CREDENTIALS:
        return [], TOO_LARGE
    cache: dict = {}
    verdicts: list[Verdict] = []
    for token in tokens:
        parts = unverified(token)
        if parts is not None and is_bundle(parts[1]):
            iss = parts[1].get("iss")
            trusted = trusted_for(iss) if isinstance(iss, str) else None
            if trusted is None:
                return [], (f"The bundle was issued by {iss or 'an unnamed issuer'}, which is not on the list of "
                            "trusted issuers.")
            payload, why = check_signature(token, trusted)
            if payload is None:
                return [], f"The bundle is refused whole. {why}"
            inners = enveloped(payload)
            if len(verdicts) + len(inners) > MAX_CREDENTIALS:
                return [], TOO_LARGE
            for inner in inners:
                verdicts.append(_in_bundle(inner, payload, trusted, verify_credential(
                    inner, trusted_for=trusted_for, today=today, fetch_status=fetch_status, status_cache=cache)))
        else:
            verdicts.append(verify_credential(token, trusted_for=trusted_for, today=today,
                                              fetch_status=fetch_status, status_cache=cache))
    return verdicts, ""


def _in_bundle(inner: str, bundle: dict, trusted: TrustedKeys, verdict: Verdict) -> Verdict:
    """A bundle carries its own issuer's credentials of the one person it names: a credential another issuer
    signed, or one of another person, put inside is refused (the rest of the bundle still counts). A credential
    of another trusted issuer is welcome on its own, as a file of its own; inside this bundle it would borrow
    the bundle's word that it belongs to this person."""
    parts = unverified(inner)
    claimed = parts[1] if parts is not None else {}
    if claimed.get("iss") != trusted.issuer_id:
        return verdict.refuse(f"It is inside a bundle from {trusted.name} but was not issued by {trusted.name}: "
                              "bring it as a file of its own.")
    if claimed.get("sub") != bundle.get("sub"):
        return verdict.refuse(f"It is inside {trusted.name}'s bundle of another person.")
    return verdict


def identity_matches(identifier: dict, email: str) -> bool:
    """Does the credential's hashed identity belong to *email*?"""
    if not identifier or not email:
        return False
    if identifier.get("hashed") is False:
        return str(identifier.get("identityHash", "")).strip().lower() == email.strip().lower()
    salt = identifier.get("salt") or ""
    return identifier.get("identityHash") == ob3.identity_hash(email, str(salt))
