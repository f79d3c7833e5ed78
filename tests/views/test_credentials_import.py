"""Trusted issuers and bringing in verified credentials (issue 18, part C), through the views.

The credentials are this SkillPass's own (its issuer trusted as "Northgate NHS Trust"), issued to the learner and
brought in for the other learner, who had the learner's address "there": so the identity check, the matching by
code, the two steps and the agreement are all exercised in one app. The status list is fetched from the app
itself (or not at all, when "unreachable")."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import requests
from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import AuditEvent, Entry, EntryMethod, EntryStatus, ImportedCredential, TrustedIssuer
from skillpass.services.credentials import issuing, keys, trusted_issuers
from tests.conftest import HTMX, TODAY
from tests.querycount import count_queries

BASE = "https://skillpass.northgate.test"
PUBLIC_JWK = {"x": "hRP69Ww17K5Cb3_qOdYGiWdOY2OL1r6v46gjZzBk42U", "kty": "OKP", "crv": "Ed25519"}


@pytest.fixture
def app_config(app_config):
    return {**app_config, "BASE_URL": BASE}


@pytest.fixture
def status_served(monkeypatch, app):
    """The issuer's status list, as its server would answer (this app's own)."""
    def fetch(url):
        with app.test_request_context("/", base_url=BASE + "/"):
            return issuing.signed_status_list() if url == issuing.status_url() else None
    monkeypatch.setattr(trusted_issuers, "fetch_status", fetch)


def _events(action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _credentials(world, *, agreement=False, names=("Fire safety",)) -> tuple[TrustedIssuer, list[str]]:
    """The learner's accepted records issued as credentials, and this SkillPass trusted as Northgate."""
    for item, on in ((world.fire, dt.date(2026, 1, 10)), (world.stress, dt.date(2026, 2, 1)),
                     (world.optional, dt.date(2026, 2, 3))):
        db.session.add(Entry(person_id=world.learner.id, item_id=item.id, completed_on=on, method=EntryMethod.HERE,
                             status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id))
    db.session.flush()
    from flask import current_app
    with current_app.test_request_context("/", base_url=BASE + "/"):
        claims = [c for c in issuing.current_claims(world.learner, today=TODAY) if c.achievement.name in names]
        issued = issuing.issue(world.learner, claims)
        issuer = TrustedIssuer(name="Northgate NHS Trust", issuer_id=issuing.link("credentials.issuer"),
                               jwks=json.dumps(keys.jwks(issuing.kid_prefix())), accepted_by_agreement=agreement,
                               added_by_id=world.admin.id)
    db.session.add(issuer)
    db.session.commit()
    return issuer, [i.jws for i in issued]


# ---------------------------------------------------------------- trusted issuers

def test_an_admin_adds_a_trusted_issuer_with_pasted_keys(as_admin, world):
    page = as_admin.get("/admin/trusted-issuers")
    assert page.status_code == 200 and "No trusted issuers yet" in page.get_data(as_text=True)
    response = as_admin.post("/admin/trusted-issuers/new", data={
        "name": "Northgate NHS Trust", "issuer_id": "https://northgate.test/issuer",
        "jwks": json.dumps({"keys": [PUBLIC_JWK]}), "accepted_by_agreement": "y", "note": "Agreed in March",
        "action": "save"})
    assert response.status_code == 303
    issuer = db.session.scalar(select(TrustedIssuer))
    assert issuer.name == "Northgate NHS Trust" and issuer.accepted_by_agreement and issuer.live
    [event] = _events(Action.TRUSTED_ISSUER_ADDED)
    assert event.after["issuer_id"] == "https://northgate.test/issuer" and event.actor_id == world.admin.id
    listed = as_admin.get("/admin/trusted-issuers").get_data(as_text=True)
    assert "Accepted by agreement" in listed and "1 key pinned" in listed


def test_a_private_key_is_refused_in_place_with_the_input_kept(as_admin):
    private = {**PUBLIC_JWK, "d": "secret-half"}
    form = {"name": "Northgate NHS Trust", "issuer_id": "https://northgate.test/issuer",
            "jwks": json.dumps({"keys": [private]}), "action": "save"}
    page = as_admin.post("/admin/trusted-issuers/new", data=form)
    body = page.get_data(as_text=True)
    assert page.status_code == 422 and "This is a private key: never share it" in body
    assert 'value="https://northgate.test/issuer"' in body and "<html" in body
    partial = as_admin.post("/admin/trusted-issuers/new", data=form, headers=HTMX)
    text = partial.get_data(as_text=True)
    assert partial.status_code == 422 and 'id="trusted-issuer-form"' in text and "<html" not in text
    assert "never share it" in text
    for jwks, words in (("not json", "not JSON"), ('{"keys": []}', "key set"),
                        (json.dumps({"keys": [{"kty": "oct", "k": "abc"}]}), "private key"),
                        (json.dumps({"keys": [{"kty": "EC", "crv": "P-521", "x": "a", "y": "b"}]}), "does not verify")):
        refused = as_admin.post("/admin/trusted-issuers/new", data={**form, "jwks": jwks})
        assert refused.status_code == 422 and words in refused.get_data(as_text=True), jwks
    assert db.session.scalar(select(func.count(TrustedIssuer.id))) == 0


def test_unreachable_keys_say_to_paste_them_and_keep_the_input(as_admin, monkeypatch):
    def down(*args, **kwargs):
        raise requests.ConnectionError("refused")
    monkeypatch.setattr(requests, "get", down)
    page = as_admin.post("/admin/trusted-issuers/new", data={
        "name": "Northgate NHS Trust", "issuer_id": "https://northgate.test/issuer",
        "jwks_url": "https://northgate.test/.well-known/jwks.json", "action": "fetch"})
    body = page.get_data(as_text=True)
    assert page.status_code == 422 and "Pinned keys work offline: paste them instead" in body
    assert 'value="https://northgate.test/.well-known/jwks.json"' in body and 'value="Northgate NHS Trust"' in body


def test_fetching_the_keys_fills_them_in_to_check_before_saving(as_admin, monkeypatch):
    class Answer:
        encoding = "utf-8"

        def __init__(self):
            self.status_code = 200

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def raise_for_status(self):
            pass

        def iter_content(self, size):
            yield json.dumps({"keys": [PUBLIC_JWK]}).encode()
    monkeypatch.setattr(requests, "get", lambda *a, **k: Answer())
    page = as_admin.post("/admin/trusted-issuers/new", headers=HTMX, data={
        "name": "Northgate NHS Trust", "issuer_id": "https://northgate.test/issuer",
        "jwks_url": "https://northgate.test/.well-known/jwks.json", "action": "fetch"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "1 key fetched" in body and PUBLIC_JWK["x"] in body
    assert db.session.scalar(select(func.count(TrustedIssuer.id))) == 0     # not saved until Save


def test_changing_replaces_the_pinned_keys_and_ending_keeps_it_listed(as_admin, world):
    issuer = TrustedIssuer(name="Northgate", issuer_id="https://northgate.test/issuer",
                           jwks=json.dumps({"keys": [{**PUBLIC_JWK, "kid": "old"}]}), added_by_id=world.admin.id)
    db.session.add(issuer)
    db.session.commit()
    assert as_admin.get(f"/admin/trusted-issuers/{issuer.id}/edit").status_code == 200
    response = as_admin.post(f"/admin/trusted-issuers/{issuer.id}/edit", data={
        "name": "Northgate NHS Trust", "jwks": json.dumps({"keys": [{**PUBLIC_JWK, "kid": "new"}]}), "action": "save"})
    assert response.status_code == 303
    db.session.refresh(issuer)
    assert issuer.name == "Northgate NHS Trust" and json.loads(issuer.jwks)["keys"][0]["kid"] == "new"
    [event] = _events(Action.TRUSTED_ISSUER_CHANGED)
    assert event.before["kids"] == ["old"] and event.after["kids"] == ["new"] and "keys replaced" in event.summary
    assert as_admin.get(f"/admin/trusted-issuers/{issuer.id}/end").status_code == 200
    assert as_admin.post(f"/admin/trusted-issuers/{issuer.id}/end", data={}).status_code == 303
    db.session.refresh(issuer)
    assert issuer.ended_at is not None and _events(Action.TRUSTED_ISSUER_ENDED)
    listed = as_admin.get("/admin/trusted-issuers").get_data(as_text=True)
    assert "Ended" in listed and "Northgate NHS Trust" in listed


@pytest.mark.parametrize("url", ["/admin/trusted-issuers", "/admin/trusted-issuers/new"])
def test_educators_and_learners_cannot_reach_trusted_issuers(as_educator, as_learner, url):
    assert as_educator.get(url).status_code == 403
    assert as_learner.get(url).status_code == 403


# ---------------------------------------------------------------- bringing in

def test_an_admin_brings_in_a_credential_issued_to_another_address(as_admin, world, status_served):
    issuer, [fire] = _credentials(world)
    url = f"/people/{world.other_learner.id}/credentials/import"
    assert as_admin.get(url).status_code == 200
    asked = as_admin.post(url, data={"pasted": fire}).get_data(as_text=True)
    assert "It was issued to another email address than olu@example.test" in asked
    wrong = as_admin.post(url, data={"pasted": fire, "former_email": "someone@else.test"}).get_data(as_text=True)
    assert "It was issued to someone else" in wrong
    checked = as_admin.post(url, data={"pasted": fire, "former_email": "lee@example.test"})
    body = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "Verified credential: signature checked, not revoked" in body
    assert "Bring in 1 credential" in body
    assert db.session.scalar(select(func.count(Entry.id)).where(Entry.person_id == world.other_learner.id)) == 0

    done = as_admin.post(url, data={"checked": fire, "former_email": "lee@example.test", "step": "confirm"})
    assert done.status_code == 303
    entry = db.session.scalar(select(Entry).where(Entry.person_id == world.other_learner.id))
    assert entry.status is EntryStatus.AWAITING and entry.verified_credential and entry.item_id == world.fire.id
    assert entry.method is EntryMethod.EQUIVALENT and entry.equivalent_source == "Northgate NHS Trust"
    assert entry.completed_on == dt.date(2026, 1, 10) and entry.certificate_expires_on == dt.date(2028, 1, 10)
    assert entry.recorded_by_id == world.admin.id
    assert entry.description == ("Equivalent training demonstrated: verified credential from Northgate NHS Trust, "
                                 "10 Jan 2026")
    kept = db.session.scalar(select(ImportedCredential))
    assert kept.entry_id == entry.id and kept.compact_jws == fire and kept.status_checked
    [event] = _events(Action.CREDENTIALS_IMPORTED)
    assert "Northgate NHS Trust" in event.summary and "1 verified credential" in event.summary

    # The educator sees what was checked in the queue; bringing it in again adds nothing.
    again = as_admin.post(url, data={"pasted": fire, "former_email": "lee@example.test"}).get_data(as_text=True)
    assert "Already brought in" in again and "Bring in 1" not in again


def test_the_sign_off_queue_says_what_was_checked(as_admin, world, status_served):
    _, [fire] = _credentials(world)
    url = f"/people/{world.other_learner.id}/credentials/import"
    as_admin.post(url, data={"checked": fire, "former_email": "lee@example.test", "step": "confirm"})
    from tests.conftest import sign_in
    oscar = sign_in(as_admin.application.test_client(), world.other_educator)
    queue = oscar.get("/sign-off/").get_data(as_text=True)
    assert "verified credential from Northgate NHS Trust" in queue
    assert "Verified credential: signature checked, not revoked" in queue


def test_accepted_at_once_by_agreement_but_not_when_revocation_could_not_be_checked(as_admin, world, monkeypatch):
    _, [fire] = _credentials(world, agreement=True)
    url = f"/people/{world.other_learner.id}/credentials/import"
    monkeypatch.setattr(trusted_issuers, "fetch_status", lambda url: None)     # their server is down
    body = as_admin.post(url, data={"pasted": fire, "former_email": "lee@example.test"}).get_data(as_text=True)
    assert "revocation not checked" in body and "Awaits an educator" in body
    as_admin.post(url, data={"checked": fire, "former_email": "lee@example.test", "step": "confirm"})
    entry = db.session.scalar(select(Entry).where(Entry.person_id == world.other_learner.id))
    assert entry.status is EntryStatus.AWAITING and not db.session.scalar(select(ImportedCredential)).status_checked


def test_accepted_at_once_by_agreement_when_status_is_checked(as_admin, world, status_served):
    _, [fire] = _credentials(world, agreement=True)
    url = f"/people/{world.other_learner.id}/credentials/import"
    as_admin.post(url, data={"checked": fire, "former_email": "lee@example.test", "step": "confirm"})
    entry = db.session.scalar(select(Entry).where(Entry.person_id == world.other_learner.id))
    assert entry.status is EntryStatus.ACCEPTED and entry.decided_by_id == world.admin.id
    assert entry.decision_reason == "Accepted by agreement with Northgate NHS Trust"


def test_refusals_are_shown_with_their_reason_and_audited(as_admin, world, status_served):
    _, [fire] = _credentials(world)
    url = f"/people/{world.other_learner.id}/credentials/import"
    body = as_admin.post(url, data={"pasted": "hello"}).get_data(as_text=True)
    assert "This is not a signed credential" in body
    header, payload, signature = fire.split(".")
    tampered = ".".join((header, payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB"), signature))
    body = as_admin.post(url, data={"pasted": tampered, "former_email": "lee@example.test"}).get_data(as_text=True)
    assert "Refused" in body
    assert len(_events(Action.CREDENTIALS_REFUSED)) == 2
    empty = as_admin.post(url, data={"pasted": ""})
    assert empty.status_code == 422 and "Choose the credential file" in empty.get_data(as_text=True)


def test_the_learner_brings_in_their_own_with_a_file(app, world, status_served):
    from io import BytesIO

    from tests.conftest import sign_in
    _, [fire] = _credentials(world)
    olu = sign_in(app.test_client(), world.other_learner)
    body = olu.post("/passport/credentials/import", data={
        "file": (BytesIO(fire.encode()), "passport.jwt"), "former_email": "lee@example.test"},
        content_type="multipart/form-data").get_data(as_text=True)
    assert "Becomes: <strong>Fire safety</strong>" in body
    done = olu.post("/passport/credentials/import",
                    data={"checked": fire, "former_email": "lee@example.test", "step": "confirm"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/passport")
    entry = db.session.scalar(select(Entry).where(Entry.person_id == world.other_learner.id))
    assert entry.recorded_by_id == world.other_learner.id and entry.status is EntryStatus.AWAITING
    # Not for someone else.
    assert olu.get(f"/people/{world.learner.id}/credentials/import").status_code == 403


def test_checking_reads_the_database_a_fixed_number_of_times(as_admin, world, status_served):
    _, credentials = _credentials(world, names=("Fire safety", "Managing work and life stress", "Reflective practice"))
    assert len(credentials) == 3
    url = f"/people/{world.other_learner.id}/credentials/import"
    as_admin.post(url, data={"pasted": credentials[0], "former_email": "lee@example.test"})   # warm up
    with count_queries() as one:
        as_admin.post(url, data={"pasted": credentials[0], "former_email": "lee@example.test"})
    with count_queries() as three:
        as_admin.post(url, data={"pasted": "\n".join(credentials), "former_email": "lee@example.test"})
    assert three.count == one.count, (one, three)


def test_the_provenance_shows_on_the_print_and_in_the_records_export(as_admin, world, status_served):
    _, [fire] = _credentials(world, agreement=True)
    url = f"/people/{world.other_learner.id}/credentials/import"
    as_admin.post(url, data={"checked": fire, "former_email": "lee@example.test", "step": "confirm"})
    words = "Equivalent training demonstrated: verified credential from Northgate NHS Trust"
    printed = as_admin.get(f"/people/{world.other_learner.id}/passport/print").get_data(as_text=True)
    assert f"{words}, 10 Jan 2026" in printed
    exported = as_admin.get("/team/export/records?format=csv").get_data(as_text=True)
    assert words in exported


def test_a_saved_issuer_sends_htmx_back_to_the_list(as_admin):
    response = as_admin.post("/admin/trusted-issuers/new", headers=HTMX, data={
        "name": "Northgate NHS Trust", "issuer_id": "https://northgate.test/issuer",
        "jwks": json.dumps({"keys": [PUBLIC_JWK]}), "action": "save"})
    assert response.headers.get("HX-Redirect", "").endswith("/admin/trusted-issuers")
    again = as_admin.post("/admin/trusted-issuers/new", headers=HTMX, data={
        "name": "Northgate again", "issuer_id": "https://northgate.test/issuer",
        "jwks": json.dumps({"keys": [PUBLIC_JWK]}), "action": "save"})
    assert again.status_code == 422 and "trusted already" in again.get_data(as_text=True)
