"""The demo trust's verifiable passports (PRODUCT.md §6.6, issue 18).

- The organisation's own signing key, made at seed time (so the issuer page, the key set and every download
  work at once, and the audit log starts with it).
- A second, fictional organisation, **Eastfield NHS Trust**, on the list of trusted issuers with its public key
  pinned. Its key pair is made here: the private half signs the demo bundle and a single credential, and is
  then dropped (nothing keeps it), so the demo can never sign anything more as Eastfield.
- The bundle Eastfield gave the new starter (Jordan Ellis, `new.starter@example.org`, who moved here from
  Eastfield): Fire Safety, Infection Prevention and Control (level 2) and Information Governance, matching the
  demo's Core Skills items by code; Safeguarding Adults by its national name only; and Venepuncture, which no
  passport here holds. Written to `instance/demo/eastfield-passport-new-starter.jwt` (beside the uploads
  folder) for an admin to import.
- One more of Jordan's Eastfield credentials (Equality, Diversity and Human Rights), already imported by the admin this morning:
  an entry awaiting the educator, "Equivalent training demonstrated: verified credential from Eastfield NHS
  Trust", with the credential kept beside it.
- A verify link for the demo learner, so their printed passport carries its QR code from the start.

Called by demo.seed() once the people and their passports exist. Deterministic for a given "today" except the
keys and the verify link's token, which are secrets and made afresh.
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import (Entry, EntryMethod, EntryStatus, ImportedCredential, Item, Person, TrustedIssuer,
                              VerifyLink)
from skillpass.rules import add_months
from skillpass.services import audit
from skillpass.services.credentials import keys, ob3

EASTFIELD = "Eastfield NHS Trust"
EASTFIELD_BASE = "https://skillpass.eastfield-nhs.example"
EASTFIELD_ISSUER = ob3.Issuer(id=f"{EASTFIELD_BASE}/issuer", name=EASTFIELD, url=f"{EASTFIELD_BASE}/")
EASTFIELD_JWKS_URL = f"{EASTFIELD_BASE}/.well-known/jwks.json"
EASTFIELD_STATUS_URL = f"{EASTFIELD_BASE}/credentials/status"
BUNDLE_FILE = "eastfield-passport-new-starter.jwt"

# What Jordan did at Eastfield: (code or "", title, national name, months it lasts, days ago it was done).
# The first three match the demo's Core Skills items by code, the fourth by its national name only, the last
# matches nothing here (skipped at import, not an error).
BUNDLED = [
    ("CSTF-FIRE", "Fire Safety", "NHS|CSTF|Fire Safety - 2 Years|", 24, 210),
    ("CSTF-IPC2", "Infection Prevention and Control (level 2)",
     "NHS|CSTF|Infection Prevention and Control - Level 2 - 1 Year|", 12, 95),
    ("CSTF-IG", "Information Governance and Data Security",
     "NHS|CSTF|Information Governance and Data Security - 1 Year|", 12, 40),
    ("", "Safeguarding Adults", "NHS|CSTF|Safeguarding Adults - Level 2 - 3 Years|", 36, 300),
    ("NG-VEN", "Venepuncture and cannulation", "", 36, 150),
]
IMPORTED = ("CSTF-EDHR", "Equality, Diversity and Human Rights", "NHS|CSTF|Equality, Diversity and Human Rights - 3 Years|",
            36, 120)


def _utc(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.timezone.utc)


def demo_folder() -> Path:
    """Where the demo's files for people to try are written: instance/demo, beside the uploads folder."""
    return Path(current_app.config["UPLOAD_FOLDER"]).parent / "demo"


def seed(today: dt.date, *, admin: Person, learner: Person, new_starter_email: str) -> None:
    keys.active_key(admin)
    starter = db.session.scalar(select(Person).where(Person.email == new_starter_email))
    eastfield = _trusted_eastfield(today, admin)
    private = Ed25519PrivateKey.generate()                  # Eastfield's, for these few signatures only
    jwks = _eastfield_keys(private)
    eastfield.jwks = json.dumps(jwks)
    kid = jwks["keys"][0]["kid"]
    subject = ob3.stable_id(EASTFIELD_ISSUER.id, "person", starter.email)
    salt = secrets.token_hex(8)

    def signed(row, *, entry_id: int) -> tuple[dict, str]:
        code, title, national, months, days_ago = row
        done = today - dt.timedelta(days=days_ago)
        claim = ob3.Claim(entry_id=entry_id, completed_on=done, expires_on=add_months(done, months),
                          recorded_as="Completed at Eastfield NHS Trust",
                          achievement=ob3.Achievement(
                              id=ob3.stable_id(EASTFIELD_ISSUER.id, "item", code or title), name=title,
                              description=title, criteria=f"Completed {title}; renewed every {months} months.",
                              code=code, national_names=(national,) if national else (),
                              cstf=code.startswith("CSTF")))
        cred = ob3.credential(claim, issuer=EASTFIELD_ISSUER, subject_id=subject, email=starter.email, salt=salt,
                              status_url=EASTFIELD_STATUS_URL, issued_on=today - dt.timedelta(days=14))
        return cred, jwt.encode(ob3.jwt_claims(cred), private, algorithm=keys.ALGORITHM,
                                headers={"kid": kid, "typ": "JWT"})

    bundled = [signed(row, entry_id=5000 + n)[1] for n, row in enumerate(BUNDLED)]
    issued_at = int(_utc(today - dt.timedelta(days=14), 9).timestamp())
    bundle = jwt.encode(ob3.bundle_claims(bundled, issuer=EASTFIELD_ISSUER, subject_id=subject,
                                          bundle_id=ob3.stable_id(EASTFIELD_ISSUER.id, "bundle", subject, issued_at),
                                          issued_at=issued_at),
                        private, algorithm=keys.ALGORITHM, headers={"kid": kid, "typ": "JWT"})
    folder = demo_folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / BUNDLE_FILE).write_text(bundle + "\n", encoding="utf-8")

    cred, jws = signed(IMPORTED, entry_id=4999)
    _imported(today, cred, jws, starter=starter, eastfield=eastfield, admin=admin)
    _verify_link(today, learner)


def _eastfield_keys(private: Ed25519PrivateKey) -> dict:
    jwk = keys.public_jwk(private)
    return {"keys": [{**jwk, "kid": f"{EASTFIELD_JWKS_URL}#{keys.thumbprint(jwk)}", "alg": keys.ALGORITHM,
                      "use": "sig"}]}


def _trusted_eastfield(today: dt.date, admin: Person) -> TrustedIssuer:
    added = _utc(today - dt.timedelta(days=30), 10)
    eastfield = TrustedIssuer(name=EASTFIELD, issuer_id=EASTFIELD_ISSUER.id, jwks="{}", jwks_url=EASTFIELD_JWKS_URL,
                              accepted_by_agreement=False, added_at=added, added_by_id=admin.id, keys_updated_at=added,
                              note="Our neighbouring trust: staff move between us. Keys pinned from their key set; "
                                   "their records wait for an educator here.")
    db.session.add(eastfield)
    db.session.flush()
    audit.log(actor=admin, action=Action.TRUSTED_ISSUER_ADDED, subject=eastfield, person_id=None, at=added,
              summary=f"Trusted issuer added: {EASTFIELD} ({EASTFIELD_ISSUER.id}), keys pinned",
              after={"issuer_id": EASTFIELD_ISSUER.id, "accepted_by_agreement": False})
    return eastfield


def _item_for(code: str) -> Item:
    return db.session.scalar(select(Item).where(Item.code == code).order_by(Item.id))


def _imported(today, cred: dict, jws: str, *, starter: Person, eastfield: TrustedIssuer, admin: Person) -> None:
    """Equality, Diversity and Human Rights, brought in by the admin this morning: awaiting the educator, its provenance shown."""
    item = _item_for(IMPORTED[0])
    valid_from = dt.date.fromisoformat(cred["validFrom"][:10])
    valid_until = dt.date.fromisoformat(cred["validUntil"][:10])
    at = _utc(today, 8)
    entry = Entry(person_id=starter.id, item_id=item.id, completed_on=valid_from, method=EntryMethod.EQUIVALENT,
                  equivalent_source=EASTFIELD, verified_credential=True, certificate_expires_on=valid_until,
                  status=EntryStatus.AWAITING, recorded_by_id=admin.id, recorded_at=at)
    db.session.add(entry)
    db.session.flush()
    imported = ImportedCredential(person_id=starter.id, entry_id=entry.id, trusted_issuer_id=eastfield.id,
                                  issuer_name=EASTFIELD, credential_id=cred["id"],
                                  achievement_name=cred["credentialSubject"]["achievement"]["name"],
                                  valid_from=valid_from, valid_until=valid_until, compact_jws=jws, verified_at=at,
                                  verified_by_id=admin.id, status_checked=False)
    db.session.add(imported)
    db.session.flush()
    audit.log(actor=admin, action=Action.CREDENTIALS_IMPORTED, subject=entry, person_id=starter.id, at=at,
              summary=f"1 verified credential from {EASTFIELD} imported for {starter.name}: {item.title} "
                      "(awaiting an educator)",
              after={"issuer": EASTFIELD, "credential_id": cred["id"], "entry_id": entry.id})


def _verify_link(today: dt.date, learner: Person) -> None:
    from skillpass.services.credentials import verify_links

    link = VerifyLink(person_id=learner.id, token=verify_links.new_token(), created_at=_utc(today, 7),
                      created_by_id=learner.id)
    db.session.add(link)
    db.session.flush()
    audit.log(actor=learner, action=Action.VERIFY_LINK_MADE, subject=link, person_id=learner.id, at=link.created_at,
              summary=f"Verify link made for {learner.name}'s printed passport")
