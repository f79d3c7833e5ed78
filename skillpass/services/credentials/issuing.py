"""Issuing: a person's current credentials as signed Open Badges 3.0 credentials (VC-JWT), one by one or as
one signed passport bundle, and the signed status list that revokes them.

*Current*: every row of their passport whose counted entry is their own accepted record of that item's subject
and has not expired (an expired record proves nothing to the next employer; credit from another item or a
named qualification is not a record of this item, so it is not issued as one). A constant number of queries
whatever the number of rows.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import select

from skillpass import clock
from skillpass.extensions import db
from skillpass.models import ItemKind, ItemName, Person
from skillpass.rules import Status
from skillpass.services import kept
from skillpass.services.credentials import keys, ob3, status_list


def link(endpoint: str, **values) -> str:
    """An absolute address of this SkillPass: SKILLPASS_BASE_URL when set (production must set it, so the
    issuer's id does not depend on the address a request came in by), else the request's."""
    from skillpass.services.mail import link as absolute

    return absolute(endpoint, **values)


def issuer() -> ob3.Issuer:
    from skillpass.services.settings import get_settings

    return ob3.Issuer(id=link("credentials.issuer"), name=get_settings().organisation_name, url=link("core.index"))


def kid_prefix() -> str:
    return link("credentials.jwks") + "#"


def status_url() -> str:
    return link("credentials.status_list")


_SUBJECT_INFO = b"skillpass credential subjects v1"


def _secret(purpose: str, person_id: int) -> str:
    """A value published in credentials, derived from the secret key through a key of its own (HKDF, as the
    signing key's seal is): what credentials carry is never an HMAC under the very key that signs sessions."""
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SUBJECT_INFO).derive(secret)
    return hmac.new(key, f"{purpose}:{person_id}".encode(), hashlib.sha256).hexdigest()


def subject_id(person: Person) -> str:
    """The person as credentials name them: the same URN every time, saying nothing about them (a well-formed
    urn:uuid, RFC 9562, so every verifier reads it as one)."""
    return f"urn:uuid:{uuid.UUID(hex=_secret('subject', person.id)[:32], version=4)}"


def salt(person: Person) -> str:
    return _secret("identity salt", person.id)[:16]


def sign(claims: dict, *, actor=None, signer: tuple | None = None) -> str:
    """The compact JWS of *claims*, signed with the organisation's key that signs now (*signer*: that key
    already found and unsealed, when signing many)."""
    kid, private = signer or _signer(actor)
    return jwt.encode(claims, private, algorithm=keys.ALGORITHM, headers={"kid": kid, "typ": "JWT"})


def _signer(actor=None) -> tuple:
    """The key that signs now: its kid and its unsealed private half (read and unsealed once for a batch)."""
    key = keys.active_key(actor)
    return kid_prefix() + key.kid, keys.unseal(key)


@dataclass(frozen=True)
class Issued:
    claim: ob3.Claim
    credential: dict
    jws: str


def current_claims(person: Person, *, today: dt.date | None = None) -> list[ob3.Claim]:
    """The claims of every current credential of *person*, in passport order, each entry once."""
    from skillpass.services.passport import build_passport
    from skillpass.services.settings import get_settings

    today = today or clock.today()
    passport = build_passport(person, today=today, warning_days=get_settings().warning_days, with_informal=False)
    # Expired by its status, or by its date: a record of an item no passport of theirs needs any more is Not
    # required, whatever its expiry, and an expired one proves nothing either.
    rows = [r for r in passport.rows if r.accepted is not None and not r.met_by
            and r.state.status is not Status.EXPIRED
            and (r.state.expires_on is None or r.state.expires_on > today)]
    names: dict[int, list[str]] = {}
    if rows:
        for n in db.session.scalars(select(ItemName).where(ItemName.item_id.in_({r.item.id for r in rows}))
                                    .order_by(ItemName.item_id, ItemName.position, ItemName.id)):
            names.setdefault(n.item_id, []).append(n.name)
    the_issuer_id = link("credentials.issuer")
    seen: set[tuple[int, int]] = set()
    claims = []
    for row in rows:
        key = (row.accepted.id, row.item.id)
        if key in seen:
            continue
        seen.add(key)
        item = row.item
        achievement = ob3.Achievement(
            id=ob3.stable_id(the_issuer_id, "item", item.id),
            name=item.title,
            description=item.description or item.title,
            criteria=_criteria(item),
            code=item.code or "",
            kind="Competency" if item.kind is ItemKind.COMPETENCY else "Course",
            national_names=tuple(names.get(item.id, ())),
            cstf=(item.code or "").upper().startswith("CSTF"),
        )
        claims.append(ob3.Claim(entry_id=row.accepted.id, achievement=achievement,
                                completed_on=row.accepted.completed_on, expires_on=row.state.expires_on,
                                recorded_as=row.accepted.how))
    return claims


def _criteria(item) -> str:
    if item.kind is ItemKind.COMPETENCY:
        return f"Signed off by an educator as competent in {item.title}."
    if item.frequency_months:
        return f"Completed {item.title}; renewed every {item.frequency_months} months."
    return f"Completed {item.title}."


def issue(person: Person, claims: list[ob3.Claim], *, actor=None) -> list[Issued]:
    the_issuer, today = issuer(), clock.today()
    signer = _signer(actor) if claims else None
    subject, the_salt, the_status_url = subject_id(person), salt(person), status_url()
    out = []
    for claim in claims:
        cred = ob3.credential(claim, issuer=the_issuer, subject_id=subject, email=person.email,
                              salt=the_salt, status_url=the_status_url, issued_on=today)
        out.append(Issued(claim=claim, credential=cred, jws=sign(ob3.jwt_claims(cred), signer=signer)))
    return out


def bundle(person: Person, issued: list[Issued], *, actor=None) -> str:
    """One signed file of every credential in *issued* (a compact JWS whose payload is a presentation)."""
    the_issuer = issuer()
    now = int(clock.now().timestamp())
    claims = ob3.bundle_claims([i.jws for i in issued], issuer=the_issuer, subject_id=subject_id(person),
                               bundle_id=ob3.stable_id(the_issuer.id, "bundle", person.id, now), issued_at=now)
    return sign(claims, actor=actor)


# The signed status list, kept per worker until the next write of data: at 500,000 entries it takes about a
# quarter of a second to build and sign, and it is public, so without this anyone could keep a worker busy.
_STATUS_LISTS = kept.Kept(entries=4)


def signed_status_list() -> str:
    """The status list credential, signed: what a verifier fetches to see whether a credential is revoked."""
    the_key = kept.key("status list", status_url(), clock.today())
    found = _STATUS_LISTS.get(the_key) if the_key is not None else None
    if found is None:
        found = _signed_status_list()
        if the_key is not None:
            _STATUS_LISTS.put(the_key, found)
    return found


def _signed_status_list() -> str:
    the_issuer = issuer()
    cred = status_list.list_credential(issuer=ob3.issuer_json(the_issuer), list_url=status_url(),
                                       valid_from=ob3.at_midnight(clock.today()))
    claims = {"iss": the_issuer.id, "sub": cred["credentialSubject"]["id"], "jti": cred["id"],
              "nbf": ob3.epoch(clock.today()), "iat": int(clock.now().timestamp()), "vc": cred}
    return sign(claims)
