"""The foundation of verifiable passports (issue 18): the signing key (made once, sealed, rotated with the old
public key still published), credentials and bundles as signed, verified back with the issuer's published keys,
refused when changed, expired or revoked (the status list follows the entries)."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import AuditEvent, Entry, EntryMethod, EntryStatus, SigningKey
from skillpass.labels import Action
from skillpass.services.credentials import issuing, keys, status_list, verifying
from tests.conftest import TODAY


def accepted(person, item, on) -> Entry:
    entry = Entry(person_id=person.id, item_id=item.id, completed_on=on, method=EntryMethod.HERE,
                  status=EntryStatus.ACCEPTED, recorded_by_id=person.id)
    db.session.add(entry)
    db.session.flush()
    return entry


@pytest.fixture
def ctx(app):
    with app.test_request_context("/", base_url="https://skillpass.northgate.test/"):
        yield


def trusted_here() -> verifying.TrustedKeys:
    return verifying.TrustedKeys(issuer_id=issuing.link("credentials.issuer"), name="Northgate",
                                 jwks=keys.jwks(issuing.kid_prefix()))


def status_here(url):
    return issuing.signed_status_list() if url == issuing.status_url() else None


def verify(text, *, today=TODAY, fetch=status_here):
    trusted = trusted_here()
    return verifying.verify_file(text, trusted_for=lambda iss: trusted if iss == trusted.issuer_id else None,
                                 today=today, fetch_status=fetch)


def test_the_key_is_made_once_sealed_and_published_without_its_private_half(ctx, world):
    first = keys.active_key()
    assert keys.active_key().id == first.id
    assert db.session.scalar(select(db.func.count(SigningKey.id))) == 1
    assert "PRIVATE" not in first.private_sealed and "BEGIN" not in first.private_sealed
    published = keys.jwks(issuing.kid_prefix())["keys"]
    assert [k["kid"].rsplit("#", 1)[1] for k in published] == [first.kid]
    assert all("d" not in k and k["alg"] == "EdDSA" and k["crv"] == "Ed25519" for k in published)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == Action.SIGNING_KEY_MADE)) is not None


def test_a_key_sealed_with_another_secret_cannot_sign(app, ctx, world):
    keys.active_key()
    app.config["SECRET_KEY"] = "another secret entirely"
    with pytest.raises(keys.KeyUnavailable):
        issuing.sign({"iss": "x"})


def test_a_bundle_verifies_and_each_credential_in_it(ctx, world):
    fire = accepted(world.learner, world.fire, dt.date(2026, 1, 10))
    accepted(world.learner, world.stress, dt.date(2026, 2, 1))
    claims = issuing.current_claims(world.learner, today=TODAY)
    assert {c.entry_id for c in claims} >= {fire.id}
    issued = issuing.issue(world.learner, claims)
    verdicts, whole = verify(issuing.bundle(world.learner, issued))
    assert whole == "" and len(verdicts) == len(claims) and all(v.ok for v in verdicts), [v.reason for v in verdicts]
    by_name = {v.name: v for v in verdicts}
    assert by_name["Fire safety"].valid_from == dt.date(2026, 1, 10)
    assert by_name["Fire safety"].valid_until == dt.date(2028, 1, 10)
    assert by_name["Fire safety"].code == "CSTF-FIRE" and by_name["Fire safety"].status_checked
    assert verifying.identity_matches(by_name["Fire safety"].subject_identifier, "LEE@example.test")
    assert not verifying.identity_matches(by_name["Fire safety"].subject_identifier, "olu@example.test")
    assert "lee@example.test" not in json.dumps([v.credential for v in verdicts])


def _tamper(jws: str, change) -> str:
    header, payload, signature = jws.split(".")
    claims = json.loads(verifying._b64(payload))
    change(claims)
    import base64
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return ".".join((header, payload, signature))


def test_a_changed_date_is_refused_as_changed_since_signing(ctx, world):
    accepted(world.learner, world.fire, dt.date(2026, 1, 10))
    [one] = issuing.issue(world.learner, [c for c in issuing.current_claims(world.learner, today=TODAY)
                                          if c.achievement.name == "Fire safety"])

    def later(claims):
        claims["validUntil"] = "2030-01-10T00:00:00Z"
        claims["exp"] = 1894233600
    [verdict], _ = verify(_tamper(one.jws, later))
    assert not verdict.ok and "changed since" in verdict.reason
    bundle = issuing.bundle(world.learner, [one])
    verdicts, whole = verify(_tamper(bundle, lambda c: c["vp"].update(name="x")))
    assert verdicts == [] and "changed since" in whole


def test_revoking_the_entry_revokes_its_credential_through_the_status_list(ctx, world):
    fire = accepted(world.learner, world.fire, dt.date(2026, 1, 10))
    [one] = issuing.issue(world.learner, [c for c in issuing.current_claims(world.learner, today=TODAY)
                                          if c.entry_id == fire.id])
    [verdict], _ = verify(one.jws)
    assert verdict.ok
    fire.status = EntryStatus.REVOKED
    db.session.flush()
    [verdict], _ = verify(one.jws)
    assert not verdict.ok and "revoked" in verdict.reason
    # Offline (the list cannot be fetched): let through, marked unchecked.
    [verdict], _ = verify(one.jws, fetch=lambda url: None)
    assert verdict.ok and not verdict.status_checked


def test_expired_and_untrusted_are_refused_with_their_reason(ctx, world):
    accepted(world.learner, world.fire, dt.date(2026, 1, 10))
    [one] = issuing.issue(world.learner, [c for c in issuing.current_claims(world.learner, today=TODAY)
                                          if c.achievement.name == "Fire safety"])
    [verdict], _ = verify(one.jws, today=dt.date(2028, 1, 10))
    assert not verdict.ok and verdict.reason == "It expired on 10 Jan 2028."
    [verdict], _ = verifying.verify_file(one.jws, trusted_for=lambda iss: None, today=TODAY,
                                         fetch_status=lambda url: None)
    assert not verdict.ok and "not on the list of trusted issuers" in verdict.reason
    assert verify("hello there")[1] == verifying.NOT_A_CREDENTIAL


def test_rotating_keeps_old_credentials_verifying_and_signs_new_ones_with_the_new_key(ctx, world):
    accepted(world.learner, world.fire, dt.date(2026, 1, 10))
    claims = issuing.current_claims(world.learner, today=TODAY)
    old = issuing.issue(world.learner, claims)
    first = keys.active_key()
    new = keys.rotate(world.admin)
    assert new.id != first.id and first.retired_at is not None and first.current is None
    assert len(keys.jwks(issuing.kid_prefix())["keys"]) == 2
    fresh = issuing.issue(world.learner, claims)
    assert new.kid in verifying.unverified(fresh[0].jws)[0]["kid"]
    verdicts, _ = verify("\n".join(i.jws for i in old + fresh))
    assert all(v.ok for v in verdicts)


def test_the_status_list_bits_round_trip():
    encoded = status_list.encode([0, 7, 8, 131071], length=status_list.MIN_BITS)
    bits = status_list.decode(encoded)
    assert len(bits) * 8 == status_list.MIN_BITS
    assert [i for i in (0, 1, 7, 8, 9, 131071) if status_list.bit(bits, i)] == [0, 7, 8, 131071]
    assert status_list.length_for(131_072) == 262_144
