"""Interoperability (issue 18, item 6): a credential downloaded from SkillPass verifies in plain JOSE libraries
with nothing but the keys SkillPass publishes at /.well-known/jwks.json — joserfc (an independent
implementation), and PyJWT alone — and each credential enveloped in a passport bundle verifies on its own.

Nothing of SkillPass is imported for the checks: only the HTTP answers of the app (its test client)."""
from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
import urllib.request
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import jwt as pyjwt
import pytest
from joserfc import jwt as jose_jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus
from tests.conftest import sign_in

ENVELOPE = "data:application/vc+jwt,"


@pytest.fixture
def downloads(app, world):
    """The learner's fire safety credential and their whole bundle, downloaded; the published key set."""
    entries = []
    for item, on in ((world.fire, dt.date(2026, 1, 10)), (world.stress, dt.date(2026, 2, 1))):
        entries.append(Entry(person_id=world.learner.id, item_id=item.id, completed_on=on, method=EntryMethod.HERE,
                             status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id))
    db.session.add_all(entries)
    db.session.commit()
    learner = sign_in(app.test_client(), world.learner)
    one = learner.get(f"/people/{world.learner.id}/credentials/{entries[0].id}.jwt")
    bundle = learner.get(f"/people/{world.learner.id}/credentials/passport.jwt")
    jwks = app.test_client().get("/.well-known/jwks.json")      # anyone: no sign-in
    assert one.status_code == bundle.status_code == jwks.status_code == 200
    return one.get_data(as_text=True), bundle.get_data(as_text=True), jwks.get_json()


def jose_verify(token: str, jwks: dict) -> dict:
    """joserfc: the key chosen from the set by the token's kid; EdDSA allowed by name."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)   # joserfc prefers the name Ed25519
        warnings.filterwarnings("ignore", message=".*EdDSA.*")
        decoded = jose_jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["EdDSA"])
    return decoded.claims


def test_joserfc_verifies_a_credential_with_the_published_key_set(downloads):
    one, _, jwks = downloads
    claims = jose_verify(one, jwks)
    assert claims["credentialSubject"]["achievement"]["name"] == "Fire safety"
    assert "OpenBadgeCredential" in claims["type"] and claims["iss"] == claims["issuer"]["id"]
    assert claims["validFrom"] == "2026-01-10T00:00:00Z" and claims["validUntil"] == "2028-01-10T00:00:00Z"
    # The registered claims validate as JWT claims (nbf in the past, exp in the future on the day of the test).
    now = int(dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc).timestamp())
    registry = jose_jwt.JWTClaimsRegistry(now=now, iss={"essential": True, "value": claims["issuer"]["id"]},
                                          jti={"essential": True}, sub={"essential": True})
    registry.validate(claims)


def test_joserfc_refuses_it_once_a_date_is_changed(downloads):
    one, _, jwks = downloads
    header, payload, signature = one.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["validUntil"] = "2030-01-10T00:00:00Z"
    changed = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(BadSignatureError):
        jose_verify(".".join((header, changed, signature)), jwks)


def test_pyjwt_alone_verifies_it_with_the_key_named_by_kid(downloads):
    one, _, jwks = downloads
    kid = pyjwt.get_unverified_header(one)["kid"]
    key = pyjwt.PyJWKSet.from_dict(jwks)[kid]
    claims = pyjwt.decode(one, key.key, algorithms=["EdDSA"],
                          options={"require": ["iss", "sub", "nbf", "jti"], "verify_exp": True})
    assert claims["credentialSubject"]["achievement"]["humanCode"] == "CSTF-FIRE"


def test_each_credential_in_a_bundle_verifies_alone(downloads):
    _, bundle, jwks = downloads
    presentation = jose_verify(bundle, jwks)["vp"]
    enveloped = presentation["verifiableCredential"]
    assert len(enveloped) == 2
    names = set()
    for item in enveloped:
        assert item["type"] == "EnvelopedVerifiableCredential" and item["id"].startswith(ENVELOPE)
        token = item["id"][len(ENVELOPE):]
        assert extract_compact(token.encode()).protected["alg"] == "EdDSA"
        names.add(jose_verify(token, jwks)["credentialSubject"]["achievement"]["name"])
    assert names == {"Fire safety", "Managing work and life stress"}


def test_the_readme_example_verifies_a_credential_and_reads_its_status(app, downloads, monkeypatch):
    """The README's own example, run as written, with the network answered by the app."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    code = re.search(r"### Verifying a SkillPass credential without SkillPass.*?```python\n(.*?)```", readme,
                     re.S).group(1)
    one, _, _ = downloads
    client = app.test_client()

    class Answer(io.BytesIO):
        pass

    monkeypatch.setattr(urllib.request, "urlopen",
                        lambda url, timeout=None: Answer(client.get(urlsplit(url).path).get_data()))
    printed = []
    namespace = {"open": lambda name: io.StringIO(one + "\n"),
                 "print": lambda *args: printed.append(" ".join(map(str, args)))}
    exec(compile(code, "README.md", "exec"), namespace)   # noqa: S102 - our own README's example
    assert printed == ["Fire safety 2026-01-10T00:00:00Z 2028-01-10T00:00:00Z", "not revoked"]


def test_the_issuer_page_says_how_to_check_without_skillpass(app, world):
    page = app.test_client().get("/issuer").get_data(as_text=True)
    assert "How to check a credential without SkillPass" in page
    for words in ("kid", "EdDSA", "validFrom", "validUntil", "statusListCredential", "statusListIndex",
                  "/.well-known/jwks.json", "/credentials/status"):
        assert words in page
