"""Single sign-on in a real browser, through a real OpenID provider (tests/oidc): the button, the
provider's sign-in page, back to the right person's passport; an unknown address refused with a clear page."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_inside_viewport, assert_no_axe_violations
from tests.oidc.fixtures import oidc_provider, sso_app_config  # noqa: F401 (fixtures)


@pytest.fixture
def app_config(sso_app_config):
    return {**sso_app_config, "WTF_CSRF_ENABLED": True}


def _through_the_provider(page, live_server, login: str) -> None:
    page.goto(f"{live_server}/sign-in")
    page.get_by_role("link", name="Sign in with your Test Trust account").click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()


def test_signs_in_through_the_provider_and_lands_on_their_passport(live_server, page, world, oidc_provider):
    login = oidc_provider.account("browser-learner", world.learner.email.upper())
    _through_the_provider(page, live_server, login)
    expect(page.get_by_role("heading", level=1)).to_have_text("My passport")
    expect(page.locator(".nhsuk-header__account")).to_contain_text(world.learner.name)   # the right person
    assert page.url.startswith(f"{live_server}/passport")
    page.get_by_role("button", name="Sign out").click()
    # Through the provider's end-session (it asks to confirm), back to the sign-in page, signed out.
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page.get_by_role("heading", name="Sign in to SkillPass")).to_be_visible()


def test_an_unknown_email_is_refused_with_a_clear_page(live_server, page, world, oidc_provider):
    page.set_viewport_size({"width": 320, "height": 640})
    login = oidc_provider.account("browser-stranger", "a.very.long.address.for.a.stranger@nowhere.example.org")
    _through_the_provider(page, live_server, login)
    expect(page.get_by_role("heading", name="You cannot sign in")).to_be_visible()
    expect(page.get_by_text("No SkillPass account uses a.very.long.address.for.a.stranger@nowhere.example.org")
           ).to_be_visible()
    assert_no_axe_violations(page)
    assert_inside_viewport(page)
