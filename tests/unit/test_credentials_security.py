"""A security review of the verifiable passports' foundation (issue 18, part E), one test per finding: what an
attacker could hand SkillPass (a token with "alg": "none" or HS256 keyed with the public key, a kid naming
another key, a key set carrying private keys, a huge file, a gzip bomb for a status list, a status list of
another issuer, a bundle smuggling in another issuer's or person's credential, a date past any calendar), the
clock's edges, how the person's identifiers are derived from the secret key, the first key made by two
requests at once (PostgreSQL), and what the public routes answer (JSON or a page, and their caching)."""
from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import hmac
import json
import re
import threading
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus, SigningKey
from skillpass.services.credentials import issuing, keys, ob3, status_list, verifying
from tests.conftest import PG_URL, TODAY


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


def trusted_here(name="Northgate") -> verifying.TrustedKeys:
    return verifying.TrustedKeys(issuer_id=issuing.link("credentials.issuer"), name=name,
                                 jwks=keys.jwks(issuing.kid_prefix()))


def status_here(url):
    return issuing.signed_status_list() if url == issuing.status_url() else None


def verify(text, *, today=TODAY, fetch=status_here, trusted=None):
    trusted = trusted or trusted_here()
    return verifying.verify_file(text, trusted_for=lambda iss: trusted if iss == trusted.issuer_id else None,
                                 today=today, fetch_status=fetch)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def compact(header: dict, payload: dict, signature: bytes = b"") -> str:
    return ".".join((b64(json.dumps(header).encode()), b64(json.dumps(payload).encode()), b64(signature)))


def fire_credential(world, on=dt.date(2026, 1, 10)) -> issuing.Issued:
    entry = accepted(world.learner, world.fire, on)
    [one] = issuing.issue(world.learner, [c for c in issuing.current_claims(world.learner, today=TODAY)
                                          if c.entry_id == entry.id])
    return one


# ---------------------------------------------------------------- algorithm confusion and keys

def test_a_token_with_alg_none_is_refused(ctx, world):
    one = fire_credential(world)
    header, payload = verifying.unverified(one.jws)
    for alg in ("none", "None", "NONE", ""):
        [verdict], _ = verify(compact({**header, "alg": alg}, payload))
        assert not verdict.ok and "does not accept" in verdict.reason, (alg, verdict.reason)


def test_hs256_keyed_with_the_public_key_is_refused(ctx, world):
    """The classic confusion: an attacker signs with HMAC, using the published public key as the secret."""
    one = fire_credential(world)
    header, payload = verifying.unverified(one.jws)
    payload["validUntil"] = "2036-01-10T00:00:00Z"
    payload["exp"] = ob3.epoch(dt.date(2036, 1, 10))
    published = keys.jwks(issuing.kid_prefix())["keys"][0]
    for secret in (base64.urlsafe_b64decode(published["x"] + "=="), json.dumps(published).encode(),
                   published["x"].encode()):
        signing_input = ".".join((b64(json.dumps({"alg": "HS256", "kid": header["kid"]}).encode()),
                                  b64(json.dumps(payload).encode())))
        forged = signing_input + "." + b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())
        [verdict], _ = verify(forged)
        assert not verdict.ok and "HS256" in verdict.reason
    # Even an algorithm SkillPass accepts is bound to the key's own: ES256 against the Ed25519 key is refused.
    [verdict], _ = verify(compact({**header, "alg": "ES256"}, payload, b"x" * 64))
    assert not verdict.ok and "'EdDSA'" in verdict.reason and "ES256" in verdict.reason


def test_a_kid_naming_another_key_never_verifies_with_it(ctx, world):
    """A token signed by an attacker's key that names the issuer's kid: the issuer's key is tried, and fails."""
    one = fire_credential(world)
    header, payload = verifying.unverified(one.jws)
    attacker = Ed25519PrivateKey.generate()
    forged = jwt.encode(payload, attacker, algorithm="EdDSA", headers={"kid": header["kid"]})
    [verdict], _ = verify(forged)
    assert not verdict.ok and "changed since" in verdict.reason
    # With the issuer's two keys published, the one the kid names is the one tried: signed by the retired key
    # but naming the new one is refused, not rescued by trying every key.
    old_kid = keys.active_key().kid
    keys.rotate(world.admin)
    new_kid = keys.active_key().kid
    [verdict], _ = verify(one.jws)
    assert verdict.ok, verdict.reason
    [verdict], _ = verify(compact({**header, "kid": issuing.kid_prefix() + new_kid}, payload,
                                  verifying._b64(one.jws.split(".")[2])))
    assert not verdict.ok and "changed since" in verdict.reason and old_kid != new_kid
    # No kid and two keys: no guessing.
    [verdict], _ = verify(compact({"alg": "EdDSA", "typ": "JWT"}, payload, verifying._b64(one.jws.split(".")[2])))
    assert not verdict.ok and "has not published" in verdict.reason


def test_private_or_symmetric_keys_in_a_trusted_key_set_are_never_used(ctx, world):
    one = fire_credential(world)
    header, payload = verifying.unverified(one.jws)
    attacker = Ed25519PrivateKey.generate()
    from jwt.algorithms import OKPAlgorithm
    private_jwk = {**json.loads(OKPAlgorithm.to_jwk(attacker)), "kid": "mine"}
    assert "d" in private_jwk
    secret_jwk = {"kty": "oct", "k": b64(b"a shared secret, thirty-two bytes"), "kid": "shared", "alg": "HS256"}
    trusted = verifying.TrustedKeys(issuer_id=issuing.link("credentials.issuer"), name="Northgate",
                                    jwks={"keys": [private_jwk, secret_jwk]})
    forged = jwt.encode(payload, attacker, algorithm="EdDSA", headers={"kid": "mine"})
    [verdict], _ = verify(forged, trusted=trusted)
    assert not verdict.ok and "has not published" in verdict.reason
    forged = jwt.encode(payload, b"a shared secret, thirty-two bytes", algorithm="HS256", headers={"kid": "shared"})
    [verdict], _ = verify(forged, trusted=trusted)
    assert not verdict.ok
    # And SkillPass's own key set publishes nothing private.
    for jwk in keys.jwks(issuing.kid_prefix())["keys"]:
        assert set(jwk) == {"kty", "crv", "x", "kid", "alg", "use"}
    assert header["kid"].startswith(issuing.kid_prefix())


# ---------------------------------------------------------------- sizes: the file and the status list

def test_a_huge_file_is_refused_before_it_is_read(ctx, world):
    one = fire_credential(world)
    verdicts, whole = verify(one.jws + "\n" + "A" * verifying.MAX_FILE_CHARS)
    assert verdicts == [] and whole == verifying.TOO_LARGE
    verdicts, whole = verify("\n".join([one.jws] * (verifying.MAX_CREDENTIALS + 1)))
    assert verdicts == [] and whole == verifying.TOO_LARGE
    # A bundle carrying more than the largest number of credentials: refused whole too.
    the_issuer = issuing.issuer()
    claims = ob3.bundle_claims([one.jws] * (verifying.MAX_CREDENTIALS + 1), issuer=the_issuer,
                               subject_id=issuing.subject_id(world.learner), bundle_id="urn:uuid:x", issued_at=0)
    verdicts, whole = verify(issuing.sign(claims))
    assert verdicts == [] and whole == verifying.TOO_LARGE


def test_a_gzip_bomb_status_list_is_refused_without_inflating_it():
    bomb = "u" + b64(gzip.compress(bytes(64 * 1024 * 1024)))          # 64 MB of zeros in about 64 KB
    assert len(bomb) < 200_000
    with pytest.raises(ValueError, match="largest size"):
        status_list.decode(bomb)
    with pytest.raises(ValueError):
        status_list.decode("u" + b64(gzip.compress(bytes(1024))[:-12]))   # cut short
    with pytest.raises(ValueError):
        status_list.decode("u" + b64(b"not gzip at all"))
    # A real list of the largest size still reads.
    assert len(status_list.decode(status_list.encode([5], length=status_list.MAX_DECODED_BYTES * 8))) == \
        status_list.MAX_DECODED_BYTES


def test_a_credential_pointing_at_a_bomb_or_a_stranger_s_status_list_is_refused(ctx, world):
    one = fire_credential(world)
    real = issuing.signed_status_list()
    header, payload = verifying.unverified(real)

    def served(change=None, *, signer=None, kid=header["kid"]):
        claims = json.loads(json.dumps(payload))
        if change:
            change(claims)
        if signer is not None:
            return jwt.encode(claims, signer, algorithm="EdDSA", headers={"kid": kid})
        return issuing.sign(claims)

    def bomb(claims):
        claims["vc"]["credentialSubject"]["encodedList"] = "u" + b64(gzip.compress(bytes(32 * 1024 * 1024)))
    [verdict], _ = verify(one.jws, fetch=lambda url: served(bomb))
    assert not verdict.ok and verdict.reason == "Its issuer's status list is unreadable."
    # Signed by someone else's key under the issuer's kid.
    [verdict], _ = verify(one.jws, fetch=lambda url: served(signer=Ed25519PrivateKey.generate()))
    assert not verdict.ok and "could not be trusted" in verdict.reason
    # Signed with the right key but naming another issuer, or another list, or another purpose.
    [verdict], _ = verify(one.jws, fetch=lambda url: served(lambda c: c.update(iss="https://elsewhere.test/issuer")))
    assert not verdict.ok and "not the one the credential names" in verdict.reason
    [verdict], _ = verify(one.jws, fetch=lambda url: served(lambda c: c["vc"].update(id="https://elsewhere.test/s")))
    assert not verdict.ok and "not the one the credential names" in verdict.reason
    [verdict], _ = verify(one.jws, fetch=lambda url: served(
        lambda c: c["vc"]["credentialSubject"].update(statusPurpose="suspension")))
    assert not verdict.ok and "not a revocation list" in verdict.reason
    # The real one: verified.
    [verdict], _ = verify(one.jws, fetch=lambda url: real)
    assert verdict.ok and verdict.status_checked


# ---------------------------------------------------------------- bundles

def test_a_bundle_carries_only_its_issuer_s_credentials_of_its_one_person(app, world):
    """Decision: a bundle is the issuer's word that these are this person's current credentials, so a
    credential another issuer signed (even one trusted here) or another person's, put inside, is refused with
    its reason; the bundle's own credentials still count. Brought as a file of its own, the other issuer's
    credential verifies against that issuer's keys."""
    with app.test_request_context("/", base_url="https://skillpass.elsewhere.test/"):
        foreign = fire_credential(world, on=dt.date(2026, 1, 5))
        elsewhere = trusted_here("Elsewhere")
    with app.test_request_context("/", base_url="https://skillpass.northgate.test/"):
        northgate = trusted_here("Northgate")
        own = issuing.issue(world.learner, issuing.current_claims(world.learner, today=TODAY))
        others = accepted(world.other_learner, world.fire, dt.date(2026, 2, 1))
        [theirs] = issuing.issue(world.other_learner, [c for c in issuing.current_claims(
            world.other_learner, today=TODAY) if c.entry_id == others.id])
        the_issuer = issuing.issuer()
        claims = ob3.bundle_claims([i.jws for i in own] + [foreign.jws, theirs.jws], issuer=the_issuer,
                                   subject_id=issuing.subject_id(world.learner), bundle_id="urn:uuid:b",
                                   issued_at=int(dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc).timestamp()))
        bundle = issuing.sign(claims)
        both = {northgate.issuer_id: northgate, elsewhere.issuer_id: elsewhere}
        status = {issuing.status_url(): issuing.signed_status_list()}

        verdicts, whole = verifying.verify_file(bundle, trusted_for=both.get, today=TODAY, fetch_status=status.get)
        assert whole == ""
        assert [v.ok for v in verdicts] == [True] * len(own) + [False, False]
        assert "not issued by Northgate" in verdicts[-2].reason
        assert "another person" in verdicts[-1].reason
        alone, _ = verifying.verify_file(foreign.jws, trusted_for=both.get, today=TODAY,
                                         fetch_status=lambda url: None)
        assert alone[0].ok and alone[0].issuer_name == "Elsewhere", alone[0].reason


def test_a_revoked_credential_in_a_valid_bundle_is_refused_and_the_rest_still_count(ctx, world):
    fire = accepted(world.learner, world.fire, dt.date(2026, 1, 10))
    accepted(world.learner, world.stress, dt.date(2026, 2, 1))
    issued = issuing.issue(world.learner, issuing.current_claims(world.learner, today=TODAY))
    bundle = issuing.bundle(world.learner, issued)
    fire.status = EntryStatus.REVOKED
    db.session.flush()
    verdicts, whole = verify(bundle)
    assert whole == "" and len(verdicts) == len(issued) >= 2
    by_name = {v.name: v for v in verdicts}
    assert not by_name["Fire safety"].ok and "revoked" in by_name["Fire safety"].reason
    assert all(v.ok for n, v in by_name.items() if n != "Fire safety")


# ---------------------------------------------------------------- dates

def test_the_clock_s_edges_are_the_passport_s(ctx, world):
    """validUntil is the first day it no longer counts, as the passport says Expired on its expiry date;
    validFrom counts from its own day."""
    one = fire_credential(world, on=dt.date(2026, 1, 10))           # two-yearly: expires 10 Jan 2028
    assert one.credential["validUntil"] == "2028-01-10T00:00:00Z"
    [verdict], _ = verify(one.jws, today=dt.date(2028, 1, 9))
    assert verdict.ok
    [verdict], _ = verify(one.jws, today=dt.date(2028, 1, 10))
    assert not verdict.ok and verdict.reason == "It expired on 10 Jan 2028."
    [verdict], _ = verify(one.jws, today=dt.date(2026, 1, 10))
    assert verdict.ok
    [verdict], _ = verify(one.jws, today=dt.date(2026, 1, 9))
    assert not verdict.ok and verdict.reason == "It is not valid until 10 Jan 2026."
    # The issuing side agrees: on its expiry date the row is Expired and not issued; the day before it is.
    assert [c.expires_on for c in issuing.current_claims(world.learner, today=dt.date(2028, 1, 9))
            if c.entry_id == one.claim.entry_id] == [dt.date(2028, 1, 10)]
    assert not [c for c in issuing.current_claims(world.learner, today=dt.date(2028, 1, 10))
                if c.entry_id == one.claim.entry_id]


def test_a_date_past_any_calendar_is_refused_not_a_crash(ctx, world):
    one = fire_credential(world)
    _, payload = verifying.unverified(one.jws)
    for nbf in (1e20, -1e20, True, "2026-01-10"):
        [verdict], _ = verify(issuing.sign({**payload, "nbf": nbf}))
        assert not verdict.ok and "start date is not the token's" in verdict.reason
    [verdict], _ = verify(issuing.sign({**payload, "exp": 10 ** 18}))
    assert not verdict.ok and "end date is not the token's" in verdict.reason
    # A "type" given as one string is read as the data model allows; a look-alike string is not enough.
    [verdict], _ = verify(issuing.sign({**payload, "type": "XOpenBadgeCredentialX"}))
    assert not verdict.ok and "not an Open Badges credential" in verdict.reason
    [verdict], _ = verify(issuing.sign({**payload, "type": "OpenBadgeCredential"}))
    assert verdict.ok, verdict.reason


# ---------------------------------------------------------------- what credentials say about the person

def test_the_person_s_identifiers_come_from_a_key_of_their_own(app, ctx, world):
    one = fire_credential(world)
    subject = one.credential["credentialSubject"]
    assert re.fullmatch(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", subject["id"])
    assert uuid.UUID(subject["id"][9:]).version == 4
    # Not an HMAC under the key that signs sessions: derived through HKDF with its own label.
    plain = hmac.new(app.config["SECRET_KEY"].encode(), f"subject:{world.learner.id}".encode(),
                     hashlib.sha256).hexdigest()
    text = json.dumps(one.credential)
    assert plain[:32] not in text.replace("-", "") and plain[:16] not in text
    assert world.learner.email not in text and world.learner.name not in text
    assert subject["identifier"][0]["salt"] == issuing.salt(world.learner)
    # The same person, the same identifiers every time; another person, others.
    assert issuing.subject_id(world.learner) == subject["id"]
    assert issuing.subject_id(world.other_learner) != subject["id"]
    assert issuing.salt(world.other_learner) != issuing.salt(world.learner)


# ---------------------------------------------------------------- the first key, made by two requests at once

@pytest.mark.skipif(not PG_URL, reason="two sessions racing for the first key: PostgreSQL (scripts/with-postgres.sh)")
def test_two_requests_making_the_first_key_at_once_make_one(app, db, world):
    db.session.commit()
    barrier = threading.Barrier(2, timeout=30)
    kids: dict[str, object] = {}

    def request(name: str) -> None:
        try:
            with app.test_request_context("/", base_url="https://skillpass.northgate.test/"):
                assert db.session.scalar(select(SigningKey).where(SigningKey.current.is_(True))) is None
                barrier.wait()                       # both have seen no key
                kids[name] = keys.active_key().kid
                db.session.commit()
        except BaseException as error:               # anything else fails the test below
            kids[name] = error

    threads = [threading.Thread(target=request, args=(n,)) for n in ("first", "second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a request hung"
    assert all(isinstance(k, str) for k in kids.values()), kids
    assert kids["first"] == kids["second"]
    db.session.rollback()
    assert db.session.scalar(select(func.count(SigningKey.id))) == 1


# ---------------------------------------------------------------- the public routes

def test_issuer_answers_json_to_software_and_a_page_to_people_and_caches_keep_them_apart(client, world):
    as_json = client.get("/issuer", headers={"Accept": "application/json"})
    assert as_json.mimetype == "application/json" and as_json.json["type"] == ["Profile"]
    assert as_json.json["id"].endswith("/issuer") and "Accept" in as_json.headers["Vary"]
    ld = client.get("/issuer", headers={"Accept": "application/ld+json"})
    assert ld.mimetype == "application/ld+json" and json.loads(ld.data)["@context"][0] == ob3.VC_CONTEXT
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    for accept in (browser, "*/*", None):
        page = client.get("/issuer", headers={"Accept": accept} if accept else {})
        assert page.mimetype == "text/html" and "Accept" in page.headers["Vary"], accept
    assert client.get("/issuer?format=json").mimetype == "application/json"
    jwks = client.get("/.well-known/jwks.json")
    assert jwks.headers["Cache-Control"] == "public, max-age=300"
    assert all("d" not in k for k in jwks.json["keys"])
    listed = client.get("/credentials/status")
    assert listed.mimetype == "application/vc+jwt" and listed.headers["Cache-Control"] == "no-cache"
    # Public and costly at scale: kept until the next write of data, not built and signed for every request.
    from tests.querycount import count_queries
    with count_queries() as log:
        assert client.get("/credentials/status").data == listed.data
    assert not [q for q in log.statements if "max(entry.id)" in q.lower()], log


@pytest.mark.skipif(not PG_URL, reason="two sessions rotating at once: PostgreSQL (scripts/with-postgres.sh)")
def test_two_rotations_at_once_make_one_new_key_and_a_clear_refusal(app, db, world):
    from skillpass.services.errors import Conflict

    with app.test_request_context("/", base_url="https://skillpass.northgate.test/"):
        first = keys.active_key().kid
        db.session.commit()
    # Read here, once: world.admin belongs to this thread's session, expired by the commit above, and two threads
    # reading it at once would both make that session load it again (one session, two threads).
    person_type, admin_id = type(world.admin), world.admin.id
    barrier = threading.Barrier(2, timeout=30)
    outcomes: dict[str, object] = {}

    def request(name: str) -> None:
        try:
            with app.test_request_context("/", base_url="https://skillpass.northgate.test/"):
                admin = db.session.get(person_type, admin_id)
                assert db.session.scalar(select(SigningKey).where(SigningKey.current.is_(True))).kid == first
                barrier.wait()                       # both have read the same signing key
                try:
                    outcomes[name] = keys.rotate(admin).kid
                    db.session.commit()
                except Conflict as error:
                    db.session.rollback()
                    outcomes[name] = error
        except BaseException as error:               # anything else fails the test below
            outcomes[name] = error

    threads = [threading.Thread(target=request, args=(n,)) for n in ("first", "second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a request hung"
    made = [o for o in outcomes.values() if isinstance(o, str)]
    refused = [o for o in outcomes.values() if isinstance(o, Conflict)]
    assert len(made) == 1 and len(refused) == 1, outcomes
    assert "rotated by someone else" in str(refused[0])
    db.session.rollback()
    assert db.session.scalar(select(func.count(SigningKey.id))) == 2
    assert db.session.scalar(select(SigningKey.kid).where(SigningKey.current.is_(True))) == made[0]
