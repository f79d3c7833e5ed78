"""A person's verified records (issue 18, part A): the page says what the bundle holds and what it is for; the
bundle and each credential download as signed files, audited; only the person and admins reach them; a constant
number of queries whatever the number of records; a key that cannot be unsealed is a clear 503, not a 500.
And the signing key page: the key in use, rotating (asked first, with and without htmx, audited), old
credentials still verifying with the published keys; the flask commands."""
from __future__ import annotations

import datetime as dt
import json
import re

import jwt
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import AuditEvent, Entry, EntryMethod, EntryStatus, SigningKey
from tests import factories
from tests.conftest import HTMX, TODAY, sign_in
from tests.querycount import count_queries


def accepted(person, item, on=dt.date(2026, 1, 10), status=EntryStatus.ACCEPTED) -> Entry:
    entry = Entry(person_id=person.id, item_id=item.id, completed_on=on, method=EntryMethod.HERE, status=status,
                  recorded_by_id=person.id)
    db.session.add(entry)
    db.session.commit()
    return entry


def payload(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def test_the_page_lists_each_current_record_and_what_the_file_is_for(as_learner, world):
    accepted(world.learner, world.fire)
    accepted(world.learner, world.stress, dt.date(2026, 2, 1))
    accepted(world.learner, world.competency, status=EntryStatus.AWAITING)
    page = as_learner.get(f"/people/{world.learner.id}/credentials").get_data(as_text=True)
    assert "Verified records" in page and "next employer" in page and "without contacting us" in page
    assert "Fire safety" in page and "CSTF-FIRE" in page and "10 Jan 2028" in page
    assert "Managing work and life stress" in page and "Does not expire" in page
    assert "Moving a patient with a hoist" not in page          # awaiting sign-off: not a record yet
    assert f'href="/people/{world.learner.id}/credentials/passport.jwt"' in page
    assert "Download all as one file" in page and page.count("Download this record") == 2


def test_nothing_current_says_so_and_what_would_make_one(as_learner, world):
    accepted(world.learner, world.fire, on=dt.date(2020, 1, 10))          # expired in 2022
    page = as_learner.get(f"/people/{world.learner.id}/credentials").get_data(as_text=True)
    assert "no current records" in page and "accepted" in page
    assert "Download all as one file" not in page
    assert as_learner.get(f"/people/{world.learner.id}/credentials/passport.jwt").status_code == 404


def test_the_bundle_downloads_as_a_signed_file_named_for_the_person_and_the_day(as_learner, world):
    accepted(world.learner, world.fire)
    accepted(world.learner, world.stress, dt.date(2026, 2, 1))
    response = as_learner.get(f"/people/{world.learner.id}/credentials/passport.jwt")
    assert response.status_code == 200 and response.mimetype == "application/jwt"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="skillpass-lee-learner-{TODAY.isoformat()}.jwt"'
    bundle = payload(response.get_data(as_text=True))
    assert len(bundle["vp"]["verifiableCredential"]) == 2
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == Action.CREDENTIALS_DOWNLOADED))
    assert event.actor_id == world.learner.id and event.person_id == world.learner.id
    assert "2 credentials" in event.summary


def test_one_credential_downloads_alone_and_only_a_current_one(as_learner, world):
    fire = accepted(world.learner, world.fire)
    waiting = accepted(world.learner, world.competency, status=EntryStatus.AWAITING)
    others = accepted(world.other_learner, world.fire)
    response = as_learner.get(f"/people/{world.learner.id}/credentials/{fire.id}.jwt")
    assert response.status_code == 200 and response.mimetype == "application/jwt"
    assert re.fullmatch(r'attachment; filename="skillpass-lee-learner-fire-safety-\d{4}-\d\d-\d\d\.jwt"',
                        response.headers["Content-Disposition"])
    claims = payload(response.get_data(as_text=True))
    assert claims["credentialSubject"]["achievement"]["name"] == "Fire safety"
    for entry in (waiting, others):
        assert as_learner.get(f"/people/{world.learner.id}/credentials/{entry.id}.jwt").status_code == 404
    fire.status = EntryStatus.REVOKED
    db.session.commit()
    assert as_learner.get(f"/people/{world.learner.id}/credentials/{fire.id}.jwt").status_code == 404


def test_an_admin_downloads_anyones_and_the_audit_says_whose(as_admin, world):
    fire = accepted(world.learner, world.fire)
    assert as_admin.get(f"/people/{world.learner.id}/credentials/{fire.id}.jwt").status_code == 200
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == Action.CREDENTIALS_DOWNLOADED))
    assert event.actor_id == world.admin.id and event.person_id == world.learner.id
    assert "Lee Learner's" in event.summary and "1 credential)" in event.summary


def test_educators_see_the_passport_not_the_file(app, world):
    fire = accepted(world.learner, world.fire)
    educator = sign_in(app.test_client(), world.educator)
    for url in (f"/people/{world.learner.id}/credentials", f"/people/{world.learner.id}/credentials/passport.jwt",
                f"/people/{world.learner.id}/credentials/{fire.id}.jwt"):
        assert educator.get(url).status_code == 403
    assert "Verified records" not in educator.get(f"/people/{world.learner.id}/passport").get_data(as_text=True)


def test_the_passport_links_to_them_for_the_learner_and_for_admins(app, as_learner, as_admin, world):
    link = f'href="/people/{world.learner.id}/credentials"'
    assert link in as_learner.get("/passport").get_data(as_text=True)
    assert link in as_admin.get(f"/people/{world.learner.id}/passport").get_data(as_text=True)


def _items(world, n, start=0):
    section = world.week2
    for i in range(start, start + n):
        item = factories.item(section, f"Subject {i}", code=f"CSTF-S{i}", frequency_months=36, position=10 + i,
                              names=(f"NHS|CSTF|Subject {i} - 3 Years|",))
        accepted(world.learner, item, dt.date(2026, 1, 1) + dt.timedelta(days=i))


def test_a_constant_number_of_queries_whatever_the_number_of_records(app, as_learner, world):
    _items(world, 1)
    url = f"/people/{world.learner.id}/credentials"
    as_learner.get(url + "/passport.jwt")              # the key is made on first use
    with count_queries() as few_page:
        as_learner.get(url)
    with count_queries() as few:
        assert as_learner.get(url + "/passport.jwt").status_code == 200
    _items(world, 11, start=1)
    with count_queries() as many_page:
        assert "Subject 10" in as_learner.get(url).get_data(as_text=True)
    with count_queries() as many:
        response = as_learner.get(url + "/passport.jwt")
    assert len(payload(response.get_data(as_text=True))["vp"]["verifiableCredential"]) == 12
    assert many.count == few.count, many
    assert many_page.count == few_page.count, many_page


def test_a_key_sealed_with_another_secret_is_a_clear_page_not_a_500(app, as_learner, as_admin, world):
    accepted(world.learner, world.fire)
    assert as_learner.get(f"/people/{world.learner.id}/credentials/passport.jwt").status_code == 200
    app.config["SECRET_KEY"] = "the secret key changed since the signing key was made"
    as_learner = sign_in(app.test_client(), world.learner)
    response = as_learner.get(f"/people/{world.learner.id}/credentials/passport.jwt")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "cannot be signed" in page and "ask an administrator" in page
    admin = sign_in(app.test_client(), world.admin)
    page = admin.get(f"/people/{world.learner.id}/credentials/passport.jwt").get_data(as_text=True)
    assert "flask rotate-signing-key" in page and 'href="/admin/signing-key"' in page


# ---------------------------------------------------------------- the signing key

def test_the_key_page_shows_the_key_in_use_and_how_to_rotate(as_admin, world):
    page = as_admin.get("/admin/signing-key").get_data(as_text=True)
    kid = db.session.scalar(select(SigningKey.kid).where(SigningKey.current.is_(True)))
    assert kid and kid in page and "Rotate the key" in page and "SKILLPASS_SECRET_KEY" in page
    assert "None: the key in use is the only one" in page
    partial = as_admin.get("/admin/signing-key", headers=HTMX).get_data(as_text=True)
    assert partial.lstrip().startswith("<div id=\"signing-key\">") and "<html" not in partial


def test_rotating_asks_first_then_retires_the_key_without_javascript(as_admin, world):
    as_admin.get("/admin/signing-key")
    first = db.session.scalar(select(SigningKey.kid).where(SigningKey.current.is_(True)))
    question = as_admin.get("/admin/signing-key/rotate").get_data(as_text=True)
    assert "Rotate the signing key?" in question and "<html" in question
    assert db.session.scalar(select(SigningKey.kid).where(SigningKey.current.is_(True))) == first
    response = as_admin.post("/admin/signing-key/rotate")
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/signing-key")
    page = as_admin.get("/admin/signing-key").get_data(as_text=True)
    second = db.session.scalar(select(SigningKey.kid).where(SigningKey.current.is_(True)))
    assert second != first and first in page and second in page and "retired" in page
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == Action.SIGNING_KEY_ROTATED))
    assert event.actor_id == world.admin.id


def test_rotating_with_htmx_swaps_the_section_and_says_so(as_admin, world):
    as_admin.get("/admin/signing-key")
    question = as_admin.get("/admin/signing-key/rotate", headers=HTMX).get_data(as_text=True)
    assert question.lstrip().startswith('<div id="signing-key">') and "Yes, rotate the key" in question
    response = as_admin.post("/admin/signing-key/rotate", headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="signing-key"' in body and "has been rotated" in body
    assert "<html" not in body


def test_a_rotation_that_lost_the_race_says_so_in_place(as_admin, world, monkeypatch):
    """Two admins rotating at the same moment (the service refuses the second: tested with two PostgreSQL sessions
    in test_credentials_security): the page says so where the button was, full page and htmx, and keeps the key."""
    from skillpass.services.credentials import keys
    from skillpass.services.errors import Conflict

    as_admin.get("/admin/signing-key")
    before = db.session.scalar(select(SigningKey.kid).where(SigningKey.current.is_(True)))

    def lost(actor):
        raise Conflict("The signing key was rotated by someone else a moment ago: the new key signs from now, "
                       "so there is nothing more to do.", field="__all__")
    monkeypatch.setattr(keys, "rotate", lost)
    for headers in ({}, HTMX):
        response = as_admin.post("/admin/signing-key/rotate", headers=headers)
        body = response.get_data(as_text=True)
        assert response.status_code == 409 and "rotated by someone else a moment ago" in body
        assert ("<html" in body) == (not headers)
    db.session.rollback()
    assert db.session.scalar(select(SigningKey.kid).where(SigningKey.current.is_(True))) == before


def test_an_old_credential_still_verifies_with_the_published_keys_after_rotating(as_learner, as_admin, world):
    fire = accepted(world.learner, world.fire)
    old = as_learner.get(f"/people/{world.learner.id}/credentials/{fire.id}.jwt").get_data(as_text=True)
    as_admin.post("/admin/signing-key/rotate")
    new = as_learner.get(f"/people/{world.learner.id}/credentials/{fire.id}.jwt").get_data(as_text=True)
    published = as_learner.get("/.well-known/jwks.json").get_json()["keys"]
    assert len(published) == 2
    for token in (old, new):
        kid = jwt.get_unverified_header(token)["kid"]
        [jwk] = [k for k in published if k["kid"] == kid]
        key = jwt.PyJWK(jwk).key
        claims = jwt.decode(token, key, algorithms=["EdDSA"], options={"verify_exp": False})
        assert claims["jti"] == payload(old)["jti"]
    assert jwt.get_unverified_header(old)["kid"] != jwt.get_unverified_header(new)["kid"]


def test_the_commands_print_and_rotate_the_key(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["signing-key"])
    assert result.exit_code == 0, result.output
    first = result.output.strip()
    assert first == db.session.scalar(select(SigningKey.kid).where(SigningKey.current.is_(True)))
    result = runner.invoke(args=["rotate-signing-key"], input="n\n")
    assert result.exit_code != 0 and runner.invoke(args=["signing-key"]).output.strip() == first
    result = runner.invoke(args=["rotate-signing-key", "--yes"])
    assert result.exit_code == 0 and "rotated" in result.output
    second = runner.invoke(args=["signing-key"]).output.strip()
    assert second != first
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count(SigningKey.id))) == 2
    assert json.dumps(sorted(k.kid for k in db.session.scalars(select(SigningKey)))) == \
        json.dumps(sorted([first, second]))


def test_the_rotate_command_that_lost_the_race_says_so_and_fails(app, world, monkeypatch):
    from skillpass.services.credentials import keys
    from skillpass.services.errors import Conflict

    def lost(actor):
        raise Conflict("The signing key was rotated by someone else a moment ago.", field="__all__")
    monkeypatch.setattr(keys, "rotate", lost)
    result = app.test_cli_runner().invoke(args=["rotate-signing-key", "--yes"])
    assert result.exit_code == 1 and "rotated by someone else a moment ago" in result.output
