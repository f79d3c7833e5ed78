"""Single sign-on against a real OpenID provider (tests/oidc): the callback signs in the person whose
verified email it is, and refuses a bad state, an unverified or unknown address, a deactivated person;
password sign-in turned off for people who use single sign-on; sign-out through the provider."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import AuditEvent, Person, Role
from skillpass.services.settings import set_setting
from tests import factories
from tests.oidc.fixtures import oidc_provider, sign_in_at_provider, sso_app_config  # noqa: F401 (fixtures)

CALLBACK = "http://localhost/sign-in/sso/callback"


@pytest.fixture
def app_config(sso_app_config):
    return sso_app_config


def sso(client, provider, login: str):
    """The whole round: the button, the provider's sign-in page, the callback; the callback's response."""
    start = client.get("/sign-in/sso")
    assert start.status_code == 302
    back = sign_in_at_provider(start.headers["Location"], login, until=CALLBACK)
    return client.get(back)


def test_the_sign_in_page_offers_the_button(client, world):
    page = client.get("/sign-in").get_data(as_text=True)
    assert "Sign in with your Test Trust account" in page
    assert "Or sign in with a SkillPass password" in page


def test_the_button_asks_for_state_nonce_and_pkce(client, world):
    location = client.get("/sign-in/sso").headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert query["redirect_uri"] == [CALLBACK]
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"] and query["nonce"] and query["code_challenge"]
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}


def test_a_verified_email_signs_its_person_in_whatever_its_case(client, world, oidc_provider):
    login = oidc_provider.account("learner-a", world.learner.email.upper())
    response = sso(client, oidc_provider, login)
    assert response.status_code == 303
    assert client.get("/passport").status_code == 200
    person = db.session.get(Person, world.learner.id)
    assert person.sso_subject == "learner-a" and person.sso_signed_in_at is not None
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == Action.AUTH_SIGNED_IN_SSO.value)).one()
    assert event.person_id == world.learner.id and "signed in with SSO" in event.summary


def test_a_state_that_was_never_given_is_refused(client, world, oidc_provider):
    response = client.get("/sign-in/sso/callback?code=made-up&state=made-up")
    assert response.status_code == 400
    assert "The sign-in did not complete" in response.get_data(as_text=True)
    assert client.get("/passport").status_code == 302   # nobody signed in


def test_a_callback_used_twice_is_refused_the_second_time(client, world, oidc_provider):
    login = oidc_provider.account("learner-twice", world.learner.email)
    start = client.get("/sign-in/sso")
    back = sign_in_at_provider(start.headers["Location"], login, until=CALLBACK)
    assert client.get(back).status_code == 303
    client.post("/sign-out")
    again = client.get(back)   # the state was spent at the first use
    assert again.status_code == 400
    assert client.get("/passport").status_code == 302


def test_an_unverified_email_is_refused(client, world, oidc_provider):
    login = oidc_provider.account("unverified", world.learner.email, verified=False)
    response = sso(client, oidc_provider, login)
    assert response.status_code == 403
    assert "has not confirmed that" in response.get_data(as_text=True)
    assert client.get("/passport").status_code == 302


def test_an_unknown_email_is_refused_with_a_clear_page(client, world, oidc_provider):
    login = oidc_provider.account("stranger", "stranger@example.org")
    response = sso(client, oidc_provider, login)
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "No SkillPass account uses <strong class=\"app-break-anywhere\">stranger@example.org</strong>" in page
    assert "ask your administrator" in page
    assert db.session.scalar(select(Person).where(Person.email == "stranger@example.org")) is None


def test_automatic_accounts_add_a_learner_with_no_team(client, world, oidc_provider):
    set_setting("sso_auto_accounts", "1")
    db.session.commit()
    login = oidc_provider.account("newcomer", "Newcomer@Example.org", name="Nia Newcomer")
    assert sso(client, oidc_provider, login).status_code == 303
    person = db.session.scalar(select(Person).where(Person.email == "newcomer@example.org"))
    assert person.role == Role.LEARNER and person.team_id is None and person.name == "Nia Newcomer"
    assert person.password_hash is None
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == Action.PERSON_CREATED.value,
                                                       AuditEvent.person_id == person.id)).one()


def test_a_deactivated_person_is_refused(client, world, oidc_provider):
    world.learner.active = False
    db.session.commit()
    login = oidc_provider.account("gone", world.learner.email)
    response = sso(client, oidc_provider, login)
    assert response.status_code == 403
    assert "has been deactivated" in response.get_data(as_text=True)


def test_password_sign_in_turned_off_for_people_who_used_sso(app, client, world, oidc_provider):
    login = oidc_provider.account("learner-b", world.learner.email)
    assert sso(client, oidc_provider, login).status_code == 303
    set_setting("sso_password_off", "1")
    db.session.commit()
    other = app.test_client()
    refused = other.post("/sign-in", data={"email": world.learner.email, "password": factories.PASSWORD})
    assert refused.status_code == 422
    assert "Sign in with your Test Trust account" in refused.get_data(as_text=True)
    assert other.get("/passport").status_code == 302
    # Someone who never used single sign-on still signs in with their password.
    assert app.test_client().post("/sign-in", data={"email": world.educator.email,
                                                    "password": factories.PASSWORD}).status_code == 303
    # A wrong password still gets the one answer that reveals nothing.
    wrong = app.test_client().post("/sign-in", data={"email": world.learner.email, "password": "wrong-password"})
    assert "not right" in wrong.get_data(as_text=True)


def test_password_reset_is_refused_too_once_password_sign_in_is_off_for_them(app, client, world, oidc_provider):
    import datetime as dt

    from skillpass.models import LinkPurpose, Message
    from skillpass.services import links

    earlier = links.issue(person=world.learner, purpose=LinkPurpose.PASSWORD_RESET, lifetime=dt.timedelta(hours=1))
    db.session.commit()
    login = oidc_provider.account("learner-c", world.learner.email)
    assert sso(client, oidc_provider, login).status_code == 303
    set_setting("sso_password_off", "1")
    db.session.commit()
    other = app.test_client()
    asked = other.post("/forgotten-password", data={"email": world.learner.email})
    # The one answer for everyone, and no link sent: there is no password to reset.
    assert asked.status_code == 200 and "If an account uses that address" in asked.get_data(as_text=True)
    assert db.session.scalars(select(Message).where(Message.kind == "password_reset")).all() == []
    # A link sent before the switch was turned on no longer lets them choose a password.
    page = other.get(f"/reset-password/{earlier}")
    assert page.status_code == 410 and "signs in with your organisation" in page.get_data(as_text=True)
    # Someone who never used single sign-on still gets their link.
    other.post("/forgotten-password", data={"email": world.educator.email})
    assert len(db.session.scalars(select(Message).where(Message.kind == "password_reset")).all()) == 1


def test_the_admin_turns_the_switches_on_and_off(as_admin, world):
    page = as_admin.get("/admin/settings").get_data(as_text=True)
    assert "Single sign-on" in page and 'name="sso_password_off"' in page
    response = as_admin.post("/admin/settings/sign-in", data={"sso_password_off": "yes"})
    assert response.status_code == 303
    page = as_admin.get("/admin/settings").get_data(as_text=True)
    assert "Saved: password sign-in off for people who use single sign-on." in page
    assert 'id="sso_password_off" name="sso_password_off" type="checkbox" value="yes"' in page
    as_admin.post("/admin/settings/sign-in", data={})
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == Action.SETTINGS_CHANGED.value)).all()
    assert [e.summary for e in events] == [
        "Settings: password sign-in off for people who use single sign-on turned on",
        "Settings: password sign-in off for people who use single sign-on turned off"]


def test_sign_out_goes_through_the_providers_end_session(client, world, oidc_provider):
    login = oidc_provider.account("learner-c", world.learner.email)
    assert sso(client, oidc_provider, login).status_code == 303
    response = client.post("/sign-out")
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == oidc_provider.issuer + "/session/end"
    query = parse_qs(location.query)
    assert query["post_logout_redirect_uri"] == ["http://localhost/sign-in"] and query["id_token_hint"]
    assert client.get("/passport").status_code == 302   # the local session has ended


def test_password_sign_out_stays_local(client, world):
    client.post("/sign-in", data={"email": world.learner.email, "password": factories.PASSWORD})
    assert urlsplit(client.post("/sign-out").headers["Location"]).path == "/sign-in"


@pytest.mark.parametrize(("claims", "verified"), [
    ({"email": "a@x.org", "email_verified": True}, True),
    ({"email": "a@x.org", "email_verified": "true"}, True),
    ({"email": "a@x.org", "xms_edov": True}, True),          # Microsoft Entra ID's way of saying it
    ({"email": "a@x.org", "email_verified": False}, False),
    ({"email": "a@x.org", "email_verified": "yes"}, False),
    ({"email": "a@x.org", "preferred_username": "a@x.org"}, False),   # a UPN is not a verified address
])
def test_only_a_verified_address_is_matched(app, claims, verified):
    from skillpass.services import sso_accounts

    if verified:
        assert sso_accounts.verified_email(claims) == "a@x.org"
    else:
        with pytest.raises(sso_accounts.Refused):
            sso_accounts.verified_email(claims)


def test_single_sign_on_is_set_up_completely_or_not_at_all():
    from skillpass.config import ConfigError, load

    assert load({})["OIDC_ISSUER"] is None   # `make run`: nothing to configure
    with pytest.raises(ConfigError, match="SKILLPASS_OIDC_CLIENT_SECRET"):
        load({"OIDC_ISSUER": "https://login.example.org", "OIDC_CLIENT_ID": "x"})
    with pytest.raises(ConfigError, match="https"):
        load({"OIDC_ISSUER": "http://login.example.org", "OIDC_CLIENT_ID": "x", "OIDC_CLIENT_SECRET": "y",
              "ENV_NAME": "production", "SECRET_KEY": "a-long-random-production-secret-key-0123456789"})


def test_without_single_sign_on_the_sign_in_page_is_as_before(app_config):
    from skillpass import create_app

    plain = create_app({**app_config, "OIDC_ISSUER": None, "OIDC_CLIENT_ID": None, "OIDC_CLIENT_SECRET": None})
    client = plain.test_client()
    assert "Sign in with your" not in client.get("/sign-in").get_data(as_text=True)
    assert client.get("/sign-in/sso").headers["Location"] == "/sign-in"
    assert client.get("/sign-in/sso/callback?code=x&state=y").headers["Location"] == "/sign-in"
