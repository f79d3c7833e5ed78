"""Open Badges 3.0 credentials as plain data (no database, no Flask): what a credential says, and the JWT
claims that carry it (the VC-JWT proof format of Open Badges 3.0.3, §8.2: the credential itself is the payload,
with iss, sub, nbf, jti and exp beside its own properties; a credential made the VC 1.1 way carries it under "vc",
which ``credential_of`` also reads).

A credential is one accepted entry of one item: the achievement is the item (its code, its national names as
alignments, the Core Skills Training Framework subject where it is one), validFrom the completion date,
validUntil the expiry (the first day it no longer counts, as the passport's "Expires 3 Mar 2027" is). The
person is named by a salted hash of their email, never in clear.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CREDENTIAL_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
STATUS_ENTRY_TYPE = "BitstringStatusListEntry"
CSTF = "Core Skills Training Framework"
CSTF_URL = "https://www.skillsforhealth.org.uk/info-hub/core-skills-training-framework/"
BUNDLE_TYPES = ["VerifiablePresentation", "SkillPassPassportBundle"]


@dataclass(frozen=True)
class Issuer:
    id: str            # https://skillpass.northgate.nhs.uk/issuer
    name: str          # Northgate NHS Trust
    url: str           # https://skillpass.northgate.nhs.uk/


@dataclass(frozen=True)
class Achievement:
    id: str
    name: str
    description: str
    criteria: str
    code: str = ""                                  # the item's code: its subject (CSTF-FIRE)
    kind: str = "Course"                            # Open Badges achievementType: Course, Competency …
    national_names: tuple[str, ...] = ()
    cstf: bool = False                              # a Core Skills Training Framework subject


@dataclass(frozen=True)
class Claim:
    """One accepted entry, as a credential says it."""
    entry_id: int
    achievement: Achievement
    completed_on: dt.date
    expires_on: dt.date | None
    recorded_as: str = ""                          # how it was made, in the passport's words
    results: tuple[str, ...] = field(default=())


def at_midnight(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def epoch(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())


def stable_id(*parts: object) -> str:
    """A URN that is the same every time the same thing is issued (a re-download is the same credential)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, '/'.join(str(p) for p in parts))}"


def identity_hash(email: str, salt: str) -> str:
    """Open Badges' hashed identity: "sha256$" and the hex SHA-256 of the lower-cased email followed by the
    salt. Whoever knows the email (the next employer, the person) can check it; nobody can read it back."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def alignments(achievement: Achievement, issuer: Issuer) -> list[dict]:
    out = []
    if achievement.cstf:
        out.append({"type": ["Alignment"], "targetName": f"{CSTF}: {achievement.name}", "targetUrl": CSTF_URL,
                    "targetFramework": CSTF, "targetCode": achievement.code})
    # No targetType: its vocabulary names CASE, CTDL and CTDL-ASN nodes, which neither the Core Skills Training
    # Framework nor a national name is (the property is optional).
    for name in achievement.national_names:
        out.append({"type": ["Alignment"], "targetName": name, "targetUrl": issuer.url,
                    "targetFramework": name.split("|")[0] if "|" in name else "National name",
                    "targetCode": name})
    return out


def achievement_json(achievement: Achievement, issuer: Issuer) -> dict:
    out = {
        "id": achievement.id,
        "type": ["Achievement"],
        "name": achievement.name,
        "description": achievement.description or achievement.name,
        "criteria": {"narrative": achievement.criteria},
        "achievementType": achievement.kind,
        "creator": issuer_json(issuer),
    }
    if achievement.code:
        out["humanCode"] = achievement.code
    found = alignments(achievement, issuer)
    if found:
        out["alignment"] = found
    return out


def issuer_json(issuer: Issuer) -> dict:
    return {"id": issuer.id, "type": ["Profile"], "name": issuer.name, "url": issuer.url}


def credential(claim: Claim, *, issuer: Issuer, subject_id: str, email: str, salt: str, status_url: str,
               issued_on: dt.date) -> dict:
    """The OpenBadgeCredential of one claim (Open Badges 3.0, VC Data Model 2.0)."""
    cred = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": stable_id(issuer.id, "credential", claim.entry_id, claim.achievement.id),
        "type": list(CREDENTIAL_TYPES),
        "issuer": issuer_json(issuer),
        "name": claim.achievement.name,
        "validFrom": at_midnight(claim.completed_on),
        "credentialSubject": {
            "id": subject_id,
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityHash": identity_hash(email, salt),
                            "identityType": "emailAddress", "hashed": True, "salt": salt}],
            "achievement": achievement_json(claim.achievement, issuer),
            "activityEndDate": at_midnight(claim.completed_on),
        },
        "credentialStatus": {
            "id": f"{status_url}#{claim.entry_id}",
            "type": STATUS_ENTRY_TYPE,
            "statusPurpose": "revocation",
            "statusListIndex": str(claim.entry_id),
            "statusListCredential": status_url,
        },
        "awardedDate": at_midnight(issued_on),
    }
    if claim.recorded_as:
        cred["credentialSubject"]["narrative"] = claim.recorded_as
    if claim.expires_on is not None:
        cred["validUntil"] = at_midnight(claim.expires_on)
    return cred


def jwt_claims(cred: dict) -> dict:
    """The JWT payload of a credential (Open Badges 3.0.3 §8.2.3, "JWT Payload Format"): the credential's own
    properties, and beside them the registered claims that mirror its issuer.id, credentialSubject.id,
    validFrom, id and validUntil."""
    claims = {
        **cred,
        "iss": cred["issuer"]["id"],
        "sub": cred["credentialSubject"]["id"],
        "nbf": _epoch_of(cred["validFrom"]),
        "jti": cred["id"],
    }
    if "validUntil" in cred:
        claims["exp"] = _epoch_of(cred["validUntil"])
    return claims


JWT_CLAIMS = ("iss", "sub", "nbf", "jti", "exp", "iat", "aud")


def credential_of(payload: dict) -> dict:
    """The credential a JWT payload carries: the payload itself less its registered claims (Open Badges 3.0.3),
    or its "vc" claim (credentials made the VC Data Model 1.1 way); {} when it carries none."""
    if isinstance(payload.get("vc"), dict):
        return payload["vc"]
    if "@context" in payload and "type" in payload:
        return {k: v for k, v in payload.items() if k not in JWT_CLAIMS}
    return {}


def bundle_claims(jws_list: list[str], *, issuer: Issuer, subject_id: str, bundle_id: str, issued_at: int) -> dict:
    """A passport bundle: one JWT, signed by the issuer, whose payload is a Verifiable Presentation of every
    current credential of one person, each enveloped whole (VC Data Model 2.0 §4.13: its own signature intact,
    so each still verifies alone)."""
    return {
        "iss": issuer.id,
        "sub": subject_id,
        "iat": issued_at,
        "nbf": issued_at,
        "jti": bundle_id,
        "vp": {
            "@context": [VC_CONTEXT],
            "id": bundle_id,
            "type": list(BUNDLE_TYPES),
            "holder": subject_id,
            "name": f"Skills passport from {issuer.name}",
            "verifiableCredential": [{"@context": [VC_CONTEXT], "id": f"data:application/vc+jwt,{jws}",
                                      "type": "EnvelopedVerifiableCredential"} for jws in jws_list],
        },
    }


def _epoch_of(stamp: str) -> int:
    return int(dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())
