"""The organisation's signing key: Ed25519, made on first use, one signing at a time, rotated by an admin.

The private half never lies in the database in clear: it is sealed (Fernet: AES-128-CBC with an HMAC) with a key
derived from SKILLPASS_SECRET_KEY by HKDF, so a database dump alone cannot sign anything; losing or changing the
secret key means rotating (a new key is made; what the old one signed still verifies, as its public half stays
published). Every key ever used is published at /.well-known/jwks.json.
"""
from __future__ import annotations

import base64
import json

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from jwt.algorithms import OKPAlgorithm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from skillpass import clock
from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import SigningKey

ALGORITHM = "EdDSA"      # JWS "alg" for Ed25519 (RFC 8037), what Open Badges 3.0 verifiers accept
_INFO = b"skillpass signing key seal v1"


class KeyUnavailable(RuntimeError):
    """The signing key cannot be unsealed: SKILLPASS_SECRET_KEY changed since it was made."""


def _fernet() -> Fernet:
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret)
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(private: Ed25519PrivateKey) -> str:
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return _fernet().encrypt(pem).decode()


def unseal(key: SigningKey) -> Ed25519PrivateKey:
    try:
        pem = _fernet().decrypt(key.private_sealed.encode())
    except InvalidToken as error:
        raise KeyUnavailable("The organisation's signing key was sealed with another SKILLPASS_SECRET_KEY: "
                             "rotate the key (flask rotate-signing-key) to sign again.") from error
    private = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private, Ed25519PrivateKey):   # pragma: no cover - only this module writes them
        raise KeyUnavailable("The stored signing key is not an Ed25519 key.")
    return private


def public_jwk(private: Ed25519PrivateKey) -> dict:
    """The public half as a JWK (kty OKP, crv Ed25519, x), never with "d"."""
    jwk = json.loads(OKPAlgorithm.to_jwk(private.public_key()))
    return {"kty": jwk["kty"], "crv": jwk["crv"], "x": jwk["x"]}


def thumbprint(jwk: dict) -> str:
    """The RFC 7638 thumbprint of a public OKP key: base64url SHA-256 of its required members in order."""
    canonical = json.dumps({"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}, separators=(",", ":"),
                           sort_keys=True)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(canonical.encode())
    return base64.urlsafe_b64encode(digest.finalize()).rstrip(b"=").decode()


def _make(actor) -> SigningKey:
    private = Ed25519PrivateKey.generate()
    jwk = public_jwk(private)
    return SigningKey(kid=thumbprint(jwk), public_jwk=json.dumps(jwk, sort_keys=True), private_sealed=seal(private),
                      created_at=clock.now(), created_by_id=getattr(actor, "id", None), current=True)


def active_key(actor=None) -> SigningKey:
    """The key that signs now, made (and audited) the first time anything needs one. Two requests making the
    first key at once: one wins (the unique *current*), the other reads it."""
    key = db.session.scalar(select(SigningKey).where(SigningKey.current.is_(True)))
    if key is not None:
        return key
    from skillpass.services import audit

    try:
        with db.session.begin_nested():
            key = _make(actor)
            db.session.add(key)
            db.session.flush()
            audit.log(actor=actor, action=Action.SIGNING_KEY_MADE, subject=key, person_id=None,
                      summary=f"Signing key made ({key.kid})")
    except IntegrityError:
        key = db.session.scalar(select(SigningKey).where(SigningKey.current.is_(True)))
        if key is None:   # pragma: no cover - the winner's row is there once its insert failed ours
            raise
    return key


def rotate(actor) -> SigningKey:
    """Retire the key that signs now and make a new one. The old public key stays published, so everything it
    signed still verifies; new credentials are signed with the new key."""
    from skillpass.services import audit
    from skillpass.services.errors import Conflict

    now = clock.now()
    try:
        with db.session.begin_nested():
            old = db.session.scalar(select(SigningKey).where(SigningKey.current.is_(True)))
            if old is not None:
                old.current, old.retired_at, old.retired_by_id = None, now, getattr(actor, "id", None)
                db.session.flush()
            new = _make(actor)
            db.session.add(new)
            db.session.flush()
    except IntegrityError as error:
        # Two rotations at once: the first made the key that signs now (the unique *current*); this one is
        # refused with a message rather than an error page, and changes nothing.
        raise Conflict("The signing key was rotated by someone else a moment ago: the new key signs from now, "
                       "so there is nothing more to do.", field="__all__") from error
    audit.log(actor=actor, action=Action.SIGNING_KEY_ROTATED, subject=new, person_id=None,
              summary=f"Signing key rotated: {old.kid if old else 'none'} retired, {new.kid} signs from now",
              before={"kid": old.kid} if old else None, after={"kid": new.kid})
    return new


def all_keys() -> list[SigningKey]:
    """Every key ever made, the signing one first, then the retired ones newest first."""
    keys = list(db.session.scalars(select(SigningKey).order_by(SigningKey.created_at.desc(), SigningKey.id.desc())))
    return sorted(keys, key=lambda k: not k.active)


def made_and_retired_by(some: list[SigningKey]) -> dict[int, str]:
    """The names of the people who made or retired *some* keys, by id (one query)."""
    from skillpass.models import Person

    ids = {k.created_by_id for k in some} | {k.retired_by_id for k in some}
    ids.discard(None)
    if not ids:
        return {}
    return dict(db.session.execute(select(Person.id, Person.name).where(Person.id.in_(ids))).all())


def jwks(kid_prefix: str) -> dict:
    """The JSON Web Key Set of every public key ever used (RFC 7517): each with its kid (*kid_prefix* + its
    thumbprint: the JWKS address and a fragment), "alg" EdDSA and "use" sig. Retired keys stay: what they
    signed must still verify."""
    keys = []
    for key in all_keys():
        jwk = json.loads(key.public_jwk)
        keys.append({**jwk, "kid": kid_prefix + key.kid, "alg": ALGORITHM, "use": "sig"})
    return {"keys": keys}
