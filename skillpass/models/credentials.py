"""Transferable, verifiable passports (PRODUCT.md §6.6, issue 18): the organisation's signing keys, the short
links printed passports carry to the public verify page, the other organisations whose credentials are trusted,
and the credentials brought in from them.

Nothing here is deleted: a key is retired (its public half stays published so what it signed still verifies),
a verify link is withdrawn, a trusted issuer is ended, an imported credential stays beside the entry it made.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from skillpass.extensions import db
from skillpass.models._types import UTCDateTime, utcnow


class SigningKey(db.Model):
    """An Ed25519 key pair of the organisation. The private half is sealed with a key derived from
    SKILLPASS_SECRET_KEY (services/credentials/keys.py), so a database dump alone cannot sign; the public half
    is published at /.well-known/jwks.json for as long as anything it signed may be checked (always)."""

    __tablename__ = "signing_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The key's RFC 7638 thumbprint: the JWK "kid" (after the JWKS address) and the JWT header's kid.
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    public_jwk: Mapped[str] = mapped_column(Text)         # {"kty":"OKP","crv":"Ed25519","x":…}
    private_sealed: Mapped[str] = mapped_column(Text)     # Fernet token of the PKCS #8 PEM
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    # True for the one key that signs now, NULL once retired: unique, so two cannot sign at once.
    current: Mapped[bool | None] = mapped_column(Boolean, unique=True, default=True)

    @property
    def active(self) -> bool:
        return self.retired_at is None


class VerifyLink(db.Model):
    """The short link (and QR code) a printed passport carries to its public verify page. Withdrawn by the
    learner or an admin, never deleted: a withdrawn link answers "withdrawn" forever, and a new one is new."""

    __tablename__ = "verify_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    __table_args__ = (
        # At most one live link per person: every print of their passport carries the same one.
        Index("uq_verify_link_live", "person_id", unique=True,
              sqlite_where=text("withdrawn_at IS NULL"), postgresql_where=text("withdrawn_at IS NULL")),
    )

    @property
    def live(self) -> bool:
        return self.withdrawn_at is None


class TrustedIssuer(db.Model):
    """Another organisation whose credentials this one accepts as evidence, with its public keys pinned (a JWKS,
    pasted or fetched from its address once) so verifying works without reaching it. *accepted_by_agreement*:
    verified claims count at once, with no educator's approval (an agreement between the organisations)."""

    __tablename__ = "trusted_issuer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The issuer's id as its credentials carry it ("iss", issuer.id): https://skillpass.northgate.nhs.uk/issuer
    issuer_id: Mapped[str] = mapped_column(String(500))
    jwks: Mapped[str] = mapped_column(Text)               # {"keys": [...]}, public keys only
    jwks_url: Mapped[str] = mapped_column(String(500), default="")
    accepted_by_agreement: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    keys_updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    __table_args__ = (
        Index("uq_trusted_issuer_live", "issuer_id", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
    )

    @property
    def live(self) -> bool:
        return self.ended_at is None


class ImportedCredential(db.Model):
    """A verified credential brought in from a trusted issuer, and the entry it became: its provenance (who
    issued it, its id, when it was verified and by whom) and the signed credential itself, kept as received."""

    __tablename__ = "imported_credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), unique=True)
    trusted_issuer_id: Mapped[int] = mapped_column(ForeignKey("trusted_issuer.id"), index=True)
    issuer_name: Mapped[str] = mapped_column(String(200))      # as it was when verified, for print
    credential_id: Mapped[str] = mapped_column(String(500))     # the credential's id ("jti")
    achievement_name: Mapped[str] = mapped_column(String(300))
    valid_from: Mapped[dt.date]
    valid_until: Mapped[dt.date | None]
    compact_jws: Mapped[str] = mapped_column(Text)
    verified_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    verified_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    # Could its revocation status be checked when it was brought in (the issuer's status list reached)?
    status_checked: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        # One credential makes one entry for a person: bringing the same bundle twice adds nothing.
        UniqueConstraint("person_id", "trusted_issuer_id", "credential_id", name="uq_imported_credential"),
    )
