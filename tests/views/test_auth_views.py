"""Signing in and out, the `next` parameter, the demo box, and the forced password change."""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus, InformalEntry, Person
from skillpass.services.settings import set_setting
from tests import factories
from tests.conftest import HTMX, sign_in

GENERIC = "The email address or password is not right. Check them and try again."
DEMO_PASSWORD = "skillpass-demo"
NEW_PASSWORD = "a-brand-new-long-password"


def _post_sign_in(client, email, password=factories.PASSWORD, **kwargs):
    return client.post("/sign-in", data={"email": email, "password": password}, **kwargs)


def _error_summary(html: str) -> str:
    match = re.search(r'<ul class="nhsuk-list nhsuk-error-summary__list">(.*?)</ul>', html, re.S)
    assert match, "no error summary on the page"
    return " ".join(match.group(1).split())


def _email_value(html: str) -> str:
    match = re.search(r'<input[^>]*id="email"[^>]*value="([^"]*)"', html, re.S)
    assert match, "no email input"
    return match.group(1)


def _normalised(html: str, email: str) -> str:
    html = html.replace(email, "EMAIL")
    html = re.sub(r'nonce="[^"]*"', 'nonce="NONCE"', html)   # the CSP nonce is new on every response
    return re.sub(r"X-CSRFToken&#34;: &#34;[^&]*&#34;", "X-CSRFToken TOKEN", html)


def _signed_in_as(client) -> bool:
    """Reaching a signed-in page without being sent to sign in."""
    return client.get("/passport").status_code == 200


def _browser_target(location: str, base: str = "http://localhost/sign-in") -> tuple[str, str]:
    """Where a browser would go: roughly the WHATWG URL parser for an http base.

    Leading and trailing controls and spaces are dropped, tabs and newlines
    anywhere are removed, and a backslash counts as a slash.
    """
    loc = location.strip("".join(chr(c) for c in range(0x21)))
    loc = re.sub(r"[\t\n\r]", "", loc).replace("\\", "/")
    target = urlsplit(urljoin(base, loc))
    return target.scheme, target.netloc


# --- Signing in -------------------------------------------------------------------------------


def test_sign_in_page_renders(client, world):
    response = client.get("/sign-in")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Sign in to SkillPass" in body
    assert 'autocomplete="current-password"' in body
    assert GENERIC not in body


@pytest.mark.parametrize("who, home", [("learner", "/passport"), ("educator", "/sign-off/"), ("admin", "/admin/")])
def test_right_password_signs_in_and_sends_each_role_home(client, world, who, home):
    person = getattr(world, who)
    response = _post_sign_in(client, person.email)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == home
    assert client.get(home).status_code == 200


def test_email_is_matched_without_regard_to_case_or_spaces(client, world):
    response = _post_sign_in(client, "  LEE@Example.TEST ")
    assert response.status_code == 303
    assert _signed_in_as(client)


def test_wrong_password_and_unknown_email_get_the_same_generic_message(app, world):
    wrong_password = _post_sign_in(app.test_client(), world.learner.email, "not-the-password")
    unknown_email = _post_sign_in(app.test_client(), "nobody@example.test")

    for response in (wrong_password, unknown_email):
        assert response.status_code == 422
    wrong_html = wrong_password.get_data(as_text=True)
    unknown_html = unknown_email.get_data(as_text=True)

    assert GENERIC in _error_summary(wrong_html)
    assert _error_summary(wrong_html) == _error_summary(unknown_html)
    # The email stays in its box...
    assert _email_value(wrong_html) == "lee@example.test"
    assert _email_value(unknown_html) == "nobody@example.test"
    # ...and that (and the per-session CSRF token, and the CSP nonce) is all that differs: nothing tells them apart.
    assert _normalised(wrong_html, "lee@example.test") == _normalised(unknown_html, "nobody@example.test")
    assert "<title>Error: Sign in" in wrong_html
    assert "Enter your email address" not in wrong_html and "Enter your password" not in wrong_html


def test_failed_sign_in_does_not_sign_in(client, world):
    assert _post_sign_in(client, world.learner.email, "not-the-password").status_code == 422
    assert not _signed_in_as(client)


def test_empty_sign_in_names_each_missing_field(client, world):
    response = client.post("/sign-in", data={"email": "", "password": ""})
    assert response.status_code == 422
    summary = _error_summary(response.get_data(as_text=True))
    assert "Enter your email address" in summary and "Enter your password" in summary
    assert GENERIC not in summary


def test_password_is_never_echoed_back(client, world):
    body = _post_sign_in(client, world.learner.email, "secret-typo-password").get_data(as_text=True)
    assert "secret-typo-password" not in body


def test_inactive_person_cannot_sign_in_and_gets_the_generic_message(client, world):
    world.learner.active = False
    db.session.commit()
    response = _post_sign_in(client, world.learner.email)
    assert response.status_code == 422
    assert GENERIC in _error_summary(response.get_data(as_text=True))
    assert not _signed_in_as(client)


def test_deactivating_a_signed_in_person_ends_their_session(as_learner, world):
    assert _signed_in_as(as_learner)
    db.session.get(Person, world.learner.id).active = False
    db.session.commit()
    response = as_learner.get("/passport")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/sign-in"


def test_signed_in_person_visiting_sign_in_goes_home(as_learner):
    response = as_learner.get("/sign-in")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# --- next -------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["/people/{id}/passport", "/people/?q=lee", "/passport#informal-learning"])
def test_local_next_is_followed(client, world, target):
    target = target.format(id=world.learner.id)
    response = client.post("/sign-in", query_string={"next": target},
                           data={"email": world.educator.email, "password": factories.PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == target


def test_guarded_page_sends_anonymous_to_sign_in_and_back(client, world):
    page = f"/people/{world.learner.id}/passport"
    bounced = client.get(page)
    assert bounced.status_code == 302
    sign_in_url = bounced.headers["Location"]
    assert urlsplit(sign_in_url).path == "/sign-in"

    form_page = client.get(sign_in_url).get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)"', form_page).group(1).replace("&amp;", "&")
    response = client.post(action, data={"email": world.educator.email, "password": factories.PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == page
    assert client.get(page).status_code == 200


def test_failed_attempt_keeps_next_in_the_form(client, world):
    target = f"/people/{world.learner.id}/passport"
    response = client.post("/sign-in", query_string={"next": target},
                           data={"email": world.educator.email, "password": "wrong-password"})
    assert response.status_code == 422
    action = re.search(r'<form method="post" action="([^"]+)"', response.get_data(as_text=True)).group(1)
    assert urlsplit(action.replace("&amp;", "&")).path == "/sign-in"
    assert "next=" in action


OFF_SITE = [
    "https://evil.example",
    "http://evil.example/sign-in",
    "//evil.example",
    "///evil.example",
    "////evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "http:evil.example",
    "https:evil.example",
    "https:/evil.example",
    "https:///evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    " //evil.example",
    "\t//evil.example",
    "//evil.example/%2F..",
    "https://localhost@evil.example",
    "evil.example",
]


ODD_BUT_LOCAL = ["/%2F%2Fevil.example", "/%5Cevil.example", "/.//evil.example", "/@evil.example"]


def test_off_site_next_is_ignored_on_sign_in(app, world):
    wrong = []
    for target in OFF_SITE + ODD_BUT_LOCAL:
        response = app.test_client().post("/sign-in", query_string={"next": target},
                                          data={"email": world.learner.email, "password": factories.PASSWORD})
        location = response.headers.get("Location", "")
        if response.status_code != 303 or _browser_target(location) != ("http", "localhost"):
            wrong.append(f"next={target!r}: {response.status_code} Location {location!r} leaves the site")
        elif target in OFF_SITE and location != "/":
            wrong.append(f"next={target!r}: Location {location!r}, expected the default '/'")
    assert wrong == [], "\n" + "\n".join(wrong)


def test_off_site_next_is_ignored_when_already_signed_in(as_learner):
    wrong = []
    for target in OFF_SITE + ODD_BUT_LOCAL:
        response = as_learner.get("/sign-in", query_string={"next": target})
        location = response.headers.get("Location", "")
        if response.status_code != 302 or _browser_target(location) != ("http", "localhost"):
            wrong.append(f"next={target!r}: {response.status_code} Location {location!r} leaves the site")
        elif target in OFF_SITE and location != "/":
            wrong.append(f"next={target!r}: Location {location!r}, expected the default '/'")
    assert wrong == [], "\n" + "\n".join(wrong)


LINE_BREAKS = ["/passport\r\nSet-Cookie: stolen=1", "/passport\nX-Injected: 1", "/pass\rport"]


def test_next_with_a_line_break_is_ignored_not_a_crash(app, world):
    """BUG: safe_next() checks urlsplit(target), which silently drops CR/LF/tab, but returns the raw
    target; Werkzeug then refuses the newline in the Location header and the request fails with 500
    (after the sign-in has already been committed)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # see the 500 a browser would get, not the exception
    wrong = []
    for target in LINE_BREAKS:
        response = app.test_client().post("/sign-in", query_string={"next": target},
                                          data={"email": world.learner.email, "password": factories.PASSWORD})
        location = response.headers.get("Location", "")
        if response.status_code != 303 or re.search(r"[\r\n]", location):
            wrong.append(f"sign-in with next={target!r}: {response.status_code} Location {location!r}")
    signed_in = sign_in(app.test_client(), world.learner)
    for target in LINE_BREAKS:
        response = signed_in.get("/sign-in", query_string={"next": target})
        if response.status_code != 302:
            wrong.append(f"signed in, GET /sign-in?next={target!r}: {response.status_code}")
    assert wrong == [], "\n" + "\n".join(wrong)


def test_sign_in_after_a_refused_post_does_not_land_on_405(app, world):
    """BUG: the guard puts the refused request's path in ?next= whatever the method. After a
    full-page POST made while signed out (no JavaScript, or signed out in another tab: the
    withdraw and sign-out forms both post without htmx), signing in redirects the browser to GET a
    POST-only URL, and the person lands on 405 "That action is not allowed here"."""
    entry = Entry(person_id=world.learner.id, item_id=world.competency.id, completed_on=dt.date(2026, 2, 20),
                  method=EntryMethod.HERE, status=EntryStatus.AWAITING, recorded_by_id=world.learner.id)
    db.session.add(entry)
    db.session.commit()
    landed = {}
    for url in (f"/entries/{entry.id}/withdraw", "/sign-out"):
        client = app.test_client()
        bounced = client.post(url)
        assert bounced.status_code in (302, 303) and urlsplit(bounced.headers["Location"]).path == "/sign-in"
        form_page = client.get(bounced.headers["Location"]).get_data(as_text=True)
        action = re.search(r'<form method="post" action="([^"]+)"', form_page).group(1).replace("&amp;", "&")
        signed = client.post(action, data={"email": world.learner.email, "password": factories.PASSWORD})
        assert signed.status_code == 303
        landed[url] = (signed.headers["Location"], client.get(signed.headers["Location"]).status_code)
    assert all(status != 405 for _, status in landed.values()), landed


# --- Signing out ------------------------------------------------------------------------------


def test_sign_out_is_post_only(as_learner):
    response = as_learner.get("/sign-out")
    assert response.status_code == 405
    assert _signed_in_as(as_learner)


def test_sign_out_ends_the_session(as_learner):
    assert _signed_in_as(as_learner)
    response = as_learner.post("/sign-out")
    assert response.status_code == 303
    assert response.headers["Location"] == "/sign-in"
    assert "You have signed out." in as_learner.get("/sign-in").get_data(as_text=True)

    page = as_learner.get("/passport")
    assert page.status_code == 302 and urlsplit(page.headers["Location"]).path == "/sign-in"
    fragment = as_learner.get("/people/", headers=HTMX)
    assert fragment.status_code == 401 and fragment.headers["HX-Redirect"] == "/sign-in"


def test_anonymous_sign_out_is_sent_to_sign_in(client, world):
    response = client.post("/sign-out")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/sign-in"


# --- Demo box ---------------------------------------------------------------------------------


def _shows_demo_box(html: str) -> bool:
    return DEMO_PASSWORD in html or "Demo sign-ins" in html


def test_no_demo_box_without_the_setting(client, world):
    assert not _shows_demo_box(client.get("/sign-in").get_data(as_text=True))


def test_no_demo_box_unless_demo_mode_is_exactly_1(client, world):
    for value in ("0", "", "true", "yes", "on", "True", " 1", "1 ", "01", "2"):
        set_setting("demo_mode", value)
        db.session.commit()
        assert not _shows_demo_box(client.get("/sign-in").get_data(as_text=True)), repr(value)


def test_demo_box_shown_on_sign_in_when_demo_mode_is_1(client, world):
    set_setting("demo_mode", "1")
    db.session.commit()
    body = client.get("/sign-in").get_data(as_text=True)
    assert "Demo sign-ins" in body
    assert f"<strong><code>{DEMO_PASSWORD}</code></strong>" in body
    for email in ("learner@example.org", "educator@example.org", "admin@example.org"):
        assert email in body
    # Also after a failed attempt: it is still the sign-in page.
    failed = _post_sign_in(client, "nobody@example.test", "wrong")
    assert failed.status_code == 422 and _shows_demo_box(failed.get_data(as_text=True))


def test_demo_box_goes_when_demo_mode_is_turned_off(client, world):
    set_setting("demo_mode", "1")
    db.session.commit()
    assert _shows_demo_box(client.get("/sign-in").get_data(as_text=True))
    set_setting("demo_mode", "0")
    db.session.commit()
    assert not _shows_demo_box(client.get("/sign-in").get_data(as_text=True))


def test_demo_box_only_on_the_sign_in_page(app, world):
    set_setting("demo_mode", "1")
    db.session.commit()
    learner = sign_in(app.test_client(), world.learner)
    admin = sign_in(app.test_client(), world.admin)
    for client, url in ((learner, "/passport"), (learner, "/account/password"), (admin, "/people/"),
                        (learner, "/people/"), (app.test_client(), "/no-such-page")):
        body = client.get(url).get_data(as_text=True)
        assert not _shows_demo_box(body), url


# --- Forced password change -------------------------------------------------------------------


@pytest.fixture
def forced(app, world):
    world.learner.must_change_password = True
    db.session.commit()
    return sign_in(app.test_client(), world.learner)


def _change(client, current=factories.PASSWORD, new=NEW_PASSWORD, confirm=None, **kwargs):
    return client.post("/account/password", data={
        "current_password": current, "new_password": new, "confirm": new if confirm is None else confirm,
    }, **kwargs)


def test_must_change_password_forces_the_password_page_first(forced, world):
    for url in ("/", "/passport", f"/people/{world.learner.id}/passport",
                f"/people/{world.learner.id}/passport/print", f"/people/{world.learner.id}/passport.pdf"):
        response = forced.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"] == "/account/password", url
    page = forced.get("/account/password")
    assert page.status_code == 200
    assert "You signed in with a temporary password. Choose a new one to carry on." in page.get_data(as_text=True)


def test_must_change_password_blocks_posts_too(forced, world):
    response = forced.post(f"/people/{world.learner.id}/passport/informal",
                           data={"title": "Read a policy", "completed_on": "2026-02-27"})
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == "/account/password"
    assert db.session.query(InformalEntry).count() == 0


def test_must_change_password_may_still_sign_out(forced):
    assert forced.post("/sign-out").status_code == 303
    assert forced.get("/passport").status_code == 302


def test_changing_the_password_clears_the_flag_and_the_new_one_works(app, forced, world):
    response = _change(forced)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    home = forced.get("/", follow_redirects=True)
    assert home.request.path == "/passport"
    assert "Your password has been changed." in home.get_data(as_text=True)

    person = db.session.get(Person, world.learner.id)
    assert person.must_change_password is False
    assert person.check_password(NEW_PASSWORD) and not person.check_password(factories.PASSWORD)
    assert "temporary password" not in forced.get("/account/password").get_data(as_text=True)

    assert _post_sign_in(app.test_client(), world.learner.email).status_code == 422
    assert _post_sign_in(app.test_client(), world.learner.email, NEW_PASSWORD).status_code == 303


@pytest.mark.parametrize("data, message", [
    (dict(current="wrong-current-password"), "Your current password is not right"),
    (dict(new=factories.PASSWORD), "Choose a password different from the current one"),
    (dict(new="short-pass"), "Use from 12 to 128 characters"),
    (dict(new="password1234"), "Choose a harder password: This is a very common password"),
    (dict(new="qwertyuiop12"), "Choose a harder password: This is similar to a commonly used password"),
    (dict(confirm="something-else-entirely"), "The passwords do not match"),
    (dict(current=""), "Enter your current password"),
    (dict(new="", confirm=""), "Enter a new password"),
    (dict(confirm=""), "Enter the new password again"),
])
def test_change_password_mistakes_are_named_and_change_nothing(forced, world, data, message):
    response = _change(forced, **data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body
    assert "<title>Error: Change your password" in body
    person = db.session.get(Person, world.learner.id)
    assert person.must_change_password is True
    assert person.check_password(factories.PASSWORD)
    assert forced.get("/passport").headers.get("Location") == "/account/password"


def test_anyone_signed_in_may_change_their_password(as_educator, app, world):
    page = as_educator.get("/account/password")
    assert page.status_code == 200
    assert "temporary password" not in page.get_data(as_text=True)
    assert _change(as_educator).status_code == 303
    assert _post_sign_in(app.test_client(), world.educator.email, NEW_PASSWORD).status_code == 303


def test_change_password_needs_sign_in(client, world):
    response = client.get("/account/password")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/sign-in"
    response = _change(client)
    assert urlsplit(response.headers["Location"]).path == "/sign-in"


# ---------------------------------------------------------------- session tokens

def _copy_session(from_client, to_client):
    cookie = from_client.get_cookie("session")
    assert cookie is not None
    to_client.set_cookie("session", cookie.value)


def test_signing_out_ends_a_copied_cookie_too(app, world):
    original = sign_in(app.test_client(), world.learner)
    thief = app.test_client()
    _copy_session(original, thief)
    assert thief.get("/passport").status_code == 200
    original.post("/sign-out")
    response = thief.get("/passport")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_changing_the_password_ends_other_sessions_but_not_this_one(app, world):
    here = sign_in(app.test_client(), world.learner)
    elsewhere = sign_in(app.test_client(), world.learner)
    response = here.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": "a-brand-new-passphrase",
        "confirm": "a-brand-new-passphrase",
    })
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    assert here.get("/passport").status_code == 200
    assert elsewhere.get("/passport").status_code == 302


def test_a_forged_cookie_without_the_token_is_not_signed_in(app, world):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(world.admin.id)
        session["_fresh"] = True
    assert client.get("/people/").status_code == 302


def test_an_expired_session_under_htmx_goes_back_to_the_page_after_signing_in(client, world):
    response = client.get(f"/people/{world.learner.id}/passport/summary",
                          headers={**HTMX, "HX-Current-URL": "http://localhost/people/?q=lee"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/sign-in?next=/people/?q%3Dlee"


def test_a_forced_password_change_under_htmx_redirects_the_whole_page(app, world):
    world.learner.must_change_password = True
    db.session.commit()
    client = sign_in(app.test_client(), world.learner)
    response = client.get(f"/people/{world.learner.id}/passport/items/{world.fire.id}", headers=HTMX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/account/password"


def test_wrong_tries_are_throttled_per_email_whether_or_not_the_account_exists(app, world):
    """Five wrong tries, then a pause for that email: the same answer for a real and a made-up address."""
    limit = app.config["SIGN_IN_EMAIL_LIMIT"]
    answers = {}
    for email in (world.learner.email, "nobody@example.test"):
        client = app.test_client()
        for _ in range(limit):
            assert _post_sign_in(client, email, "not-the-password").status_code == 422
        blocked = _post_sign_in(client, email, "not-the-password")
        assert blocked.status_code == 429
        answers[email] = _error_summary(blocked.get_data(as_text=True))
    assert answers[world.learner.email] == answers["nobody@example.test"]
    assert "Too many wrong tries. Wait 15 minutes" in answers["nobody@example.test"]
    # Even the right password waits: guessing cannot go on.
    assert _post_sign_in(app.test_client(), world.learner.email, factories.PASSWORD).status_code == 429
    # Another person's sign-in is not held up.
    assert _post_sign_in(app.test_client(), world.educator.email, factories.PASSWORD).status_code == 303
    # The table holds no email addresses.
    from skillpass.models import SignInFailure

    keys = {f.email_key for f in db.session.scalars(select(SignInFailure))}
    assert keys and all(len(k) == 64 and "@" not in k for k in keys)


def test_a_success_clears_the_count_and_old_failures_expire(app, world):
    import datetime as dt

    from skillpass.models import SignInFailure

    for _ in range(app.config["SIGN_IN_EMAIL_LIMIT"] - 1):
        _post_sign_in(app.test_client(), world.learner.email, "not-the-password")
    assert _post_sign_in(app.test_client(), world.learner.email, factories.PASSWORD).status_code == 303
    assert db.session.scalar(select(func.count(SignInFailure.id))) == 0
    # Failures older than the window no longer count.
    for _ in range(app.config["SIGN_IN_EMAIL_LIMIT"]):
        _post_sign_in(app.test_client(), world.learner.email, "not-the-password")
    for failure in db.session.scalars(select(SignInFailure)):
        failure.at = failure.at - dt.timedelta(minutes=app.config["SIGN_IN_WINDOW_MINUTES"] + 1)
    db.session.commit()
    assert _post_sign_in(app.test_client(), world.learner.email, factories.PASSWORD).status_code == 303


def test_a_session_idle_too_long_is_signed_out_and_told_why(app, world):
    import time

    client = sign_in(app.test_client(), world.learner)
    assert client.get("/passport").status_code == 200
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - app.config["IDLE_MINUTES"] * 60 - 5
    response = client.get("/passport")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"You were signed out after {app.config['IDLE_MINUTES']} minutes without activity." in page
    assert client.get("/passport").status_code == 302
    # Activity within the limit keeps the session going.
    fresh = sign_in(app.test_client(), world.learner)
    with fresh.session_transaction() as session:
        session["seen"] = int(time.time()) - 60
    assert fresh.get("/passport").status_code == 200


# ------------------------------------------------------------- the probe's session findings

def test_a_sign_in_lasts_at_most_session_hours_however_busy(app, world):
    """The limit counts from signing in (kept in the session), not from the cookie's last re-signing:
    a session kept busy is still ended after SESSION_HOURS."""
    import time

    client = sign_in(app.test_client(), world.learner)
    hours = int(app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()) // 3600
    with client.session_transaction() as session:
        session["signed_in_at"] = int(time.time()) - hours * 3600 + 120
        session["seen"] = int(time.time())          # busy: never idle
    assert client.get("/passport").status_code == 200
    with client.session_transaction() as session:
        session["signed_in_at"] = int(time.time()) - hours * 3600 - 5
        session["seen"] = int(time.time())
    response = client.get("/passport")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"a sign-in lasts at most {hours} hours" in page
    assert client.get("/passport").status_code == 302


def test_a_session_with_no_sign_in_time_is_ended(app, world):
    """A cookie from before the limit was kept (or one whose time was removed) is not trusted for ever."""
    client = sign_in(app.test_client(), world.learner)
    with client.session_transaction() as session:
        session.pop("signed_in_at")
    assert client.get("/passport").status_code == 302


def test_signing_in_renews_the_csrf_token(app_config, world):
    """A token seen before signing in (a shared computer's sign-in page, or one planted) is worth nothing after."""
    from skillpass import create_app
    from tests.views.test_route_permissions import _form_token

    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    from tests.conftest import IsolatedClient

    app.test_client_class = IsolatedClient
    with app.app_context():
        client = app.test_client()
        before = _form_token(client.get("/sign-in").get_data(as_text=True))
        response = client.post("/sign-in", data={"email": world.learner.email, "password": factories.PASSWORD,
                                                 "csrf_token": before})
        assert response.status_code == 303
        stale = client.post(f"/people/{world.learner.id}/passport/informal",
                            data={"title": "Read the policy", "completed_on": "2026-02-27", "csrf_token": before})
        assert stale.status_code == 400
        after = _form_token(client.get("/passport").get_data(as_text=True))
        fresh = client.post(f"/people/{world.learner.id}/passport/informal",
                            data={"title": "Read the policy", "completed_on": "2026-02-27", "csrf_token": after})
        assert fresh.status_code == 303


def test_a_new_password_may_not_be_the_persons_or_the_organisations_name(app, world):
    set_setting("organisation_name", "Northgate NHS Trust")
    world.learner.name = "Amara Adeyemi"
    db.session.commit()
    client = sign_in(app.test_client(), world.learner)
    for password, words in (("amaraadeyemi1", "Do not use your own name"),
                            ("Northgate2026", "Do not use the organisation&#39;s name")):
        response = client.post("/account/password", data={"current_password": factories.PASSWORD,
                                                          "new_password": password, "confirm": password})
        assert response.status_code == 422
        assert words in response.get_data(as_text=True)
    db.session.expire_all()
    assert world.learner.check_password(factories.PASSWORD)


def test_a_nul_byte_in_the_sign_in_email_is_a_failed_sign_in_not_an_error(app, world):
    response = _post_sign_in(app.test_client(), world.learner.email + "\x00")
    assert response.status_code == 422
    assert "The email address or password is not right" in response.get_data(as_text=True)
