"""Never lose what was typed (skillpass/unsaved.py): a Save sent with an expired page, or after the idle
sign-out, brings its form back filled in, saying nothing was saved yet; nothing is ever saved by it.

CSRF is on in this module: the expired token is the point."""
from __future__ import annotations

import datetime as dt
import html as html_lib
import time

import pytest
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus, InformalEntry
from skillpass.unsaved import EXPIRED, SIGNED_OUT
from tests import factories
from tests.conftest import HTMX
from tests.views.test_route_permissions import _form_token

SAME_SITE = {"Origin": "http://localhost"}
NOTE = "Fire warden session <b>on Ward 7</b>"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


def _sign_in(client, person, follow=False):
    token = _form_token(client.get("/sign-in").get_data(as_text=True))
    return client.post("/sign-in", data={"email": person.email, "password": factories.PASSWORD,
                                         "csrf_token": token}, follow_redirects=follow)


@pytest.fixture
def learner(app, world):
    client = app.test_client()
    assert _sign_in(client, world.learner).status_code == 303
    return client


def _record_url(world, item=None) -> str:
    return f"/people/{world.learner.id}/passport/items/{(item or world.fire).id}/record"


def _entries(world, item=None) -> list[Entry]:
    db.session.expire_all()
    return list(db.session.scalars(select(Entry).where(Entry.person_id == world.learner.id,
                                                       Entry.item_id == (item or world.fire).id)))


def _text(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def _stale_token(app, world) -> str:
    """A token of another session: refused as an expired page's would be."""
    other = app.test_client()
    return _form_token(other.get("/sign-in").get_data(as_text=True))


def _typed(world) -> dict:
    return {"completed_on": "2026-02-20", "method": "here", "note": NOTE}


# ---------------------------------------------------------------- an expired page

def test_an_expired_page_brings_the_record_form_back_filled_in_without_javascript(app, learner, world):
    response = learner.post(_record_url(world), data={**_typed(world), "csrf_token": _stale_token(app, world)},
                            headers=SAME_SITE)
    page = _text(response)
    assert response.status_code == 422
    assert "<html" in page and EXPIRED in page
    assert NOTE in page                                     # what was typed, as typed
    assert "<b>on Ward 7</b>" not in response.get_data(as_text=True)    # escaped, never markup
    assert _entries(world) == []
    # The form carries a fresh token: Save again works, once.
    again = learner.post(_record_url(world), data={**_typed(world), "csrf_token": _form_token(
        response.get_data(as_text=True))})
    assert again.status_code == 303
    [entry] = _entries(world)
    assert entry.note == NOTE


def test_an_expired_page_brings_the_inline_form_back_for_htmx(app, learner, world):
    response = learner.post(_record_url(world), data=_typed(world),
                            headers={**HTMX, **SAME_SITE, "X-CSRFToken": _stale_token(app, world)})
    fragment = _text(response)
    assert response.status_code == 422                      # htmx swaps 422 into the row
    assert "<html" not in fragment and fragment.lstrip().startswith(f'<tr id="item-{world.fire.id}"')
    assert EXPIRED in fragment and NOTE in fragment
    assert "HX-Refresh" not in response.headers
    assert _entries(world) == []
    token = _form_token(response.get_data(as_text=True))
    assert learner.post(_record_url(world), data=_typed(world),
                        headers={**HTMX, "X-CSRFToken": token}).status_code == 200
    assert len(_entries(world)) == 1


def test_informal_learning_comes_back_too(app, learner, world):
    url = f"/people/{world.learner.id}/passport/informal"
    response = learner.post(url, data={"title": "Read the falls policy", "completed_on": "2026-02-20",
                                       "csrf_token": _stale_token(app, world)}, headers=SAME_SITE)
    assert response.status_code == 422
    assert EXPIRED in _text(response) and "Read the falls policy" in _text(response)
    assert db.session.scalar(select(InformalEntry).where(InformalEntry.person_id == world.learner.id)) is None


def test_a_post_from_another_site_is_never_drawn_back(app, learner, world):
    """Another site's form posted into a signed-in browser: the plain expired page, its text not shown."""
    for headers in ({}, {"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        response = learner.post(_record_url(world), headers=headers,
                                data={**_typed(world), "csrf_token": _stale_token(app, world)})
        assert response.status_code == 400
        assert "The page had expired" in _text(response) and NOTE not in _text(response)
    assert _entries(world) == []


def test_an_action_without_a_form_to_draw_is_not_taken(app, learner, world):
    """Withdraw acts at once: drawn again it would withdraw, so the plain answer is given and nothing changes."""
    entry = Entry(person_id=world.learner.id, item_id=world.competency.id, completed_on=dt.date(2026, 2, 1),
                  method=EntryMethod.HERE, status=EntryStatus.AWAITING, recorded_by_id=world.learner.id)
    db.session.add(entry)
    db.session.commit()
    response = learner.post(f"/entries/{entry.id}/withdraw", data={"csrf_token": _stale_token(app, world)},
                            headers=SAME_SITE)
    assert response.status_code == 400 and "The page had expired" in _text(response)
    db.session.refresh(entry)
    assert entry.status is EntryStatus.AWAITING
    hx = learner.post(f"/entries/{entry.id}/withdraw", headers={**HTMX, **SAME_SITE, "X-CSRFToken": "stale"})
    assert hx.status_code == 400 and hx.headers["HX-Refresh"] == "true"
    db.session.refresh(entry)
    assert entry.status is EntryStatus.AWAITING
    # The reloaded page says why.
    assert "Nothing was saved: the page had been open too long" in _text(learner.get("/passport"))


def test_signing_out_with_an_expired_page_does_nothing_else(app, learner, world):
    response = learner.post("/sign-out", data={"csrf_token": _stale_token(app, world)}, headers=SAME_SITE)
    assert response.status_code == 400
    assert learner.get("/passport").status_code == 200       # still signed in


# ---------------------------------------------------------------- the idle sign-out

def _go_idle(app, client) -> None:
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - app.config["IDLE_MINUTES"] * 60 - 5


def _record_page_token(learner, world) -> str:
    return _form_token(learner.get(_record_url(world)).get_data(as_text=True))


def test_a_save_after_the_idle_sign_out_comes_back_after_signing_in(app, learner, world):
    token = _record_page_token(learner, world)
    _go_idle(app, learner)
    response = learner.post(_record_url(world), data={**_typed(world), "csrf_token": token})
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    sign_in_page = _text(learner.get(response.headers["Location"]))
    assert "Your record of Fire safety was not saved: sign in to finish it." in sign_in_page
    assert NOTE not in sign_in_page
    assert _entries(world) == []

    back = _sign_in(learner, world.learner)
    assert back.status_code == 303 and back.headers["Location"].endswith(_record_url(world))
    form = learner.get(_record_url(world))
    page = _text(form)
    assert form.status_code == 422 and SIGNED_OUT in page and NOTE in page
    assert _entries(world) == []
    # Once only: the next look is the plain form.
    assert NOTE not in _text(learner.get(_record_url(world)))
    saved = learner.post(_record_url(world), data={**_typed(world), "csrf_token": _form_token(
        form.get_data(as_text=True))})
    assert saved.status_code == 303 and len(_entries(world)) == 1


def test_with_htmx_the_idle_save_goes_to_sign_in_and_back_to_the_form(app, learner, world):
    token = _record_page_token(learner, world)
    _go_idle(app, learner)
    response = learner.post(_record_url(world), data=_typed(world),
                            headers={**HTMX, "X-CSRFToken": token, "HX-Current-URL": "http://localhost/passport"})
    assert response.status_code == 401 and "/sign-in" in response.headers["HX-Redirect"]
    assert "Your record of Fire safety was not saved" in _text(learner.get(response.headers["HX-Redirect"]))
    back = _sign_in(learner, world.learner)
    assert back.headers["Location"].endswith(_record_url(world))
    page = _text(learner.get(_record_url(world)))
    assert SIGNED_OUT in page and NOTE in page


def test_someone_else_signing_in_never_sees_it(app, learner, world):
    token = _record_page_token(learner, world)
    _go_idle(app, learner)
    learner.post(_record_url(world), data={**_typed(world), "csrf_token": token})
    other = _sign_in(learner, world.educator)
    assert other.status_code == 303 and not other.headers["Location"].endswith(_record_url(world))
    assert NOTE not in _text(learner.get(other.headers["Location"], follow_redirects=True))
    with learner.session_transaction() as session:
        assert "unsaved" not in session
        session.clear()                                     # signed out again, on the same computer
    _sign_in(learner, world.learner)
    assert NOTE not in _text(learner.get(_record_url(world)))


def test_only_a_post_of_their_own_form_is_kept_and_never_a_password(app, learner, world):
    _go_idle(app, learner)
    learner.post(_record_url(world), data={**_typed(world), "csrf_token": "not-ours"})
    with learner.session_transaction() as session:
        assert "unsaved" not in session                     # another site's post is not kept
    learner2 = app.test_client()
    _sign_in(learner2, world.learner)
    token = _form_token(learner2.get("/account/password").get_data(as_text=True))
    _go_idle(app, learner2)
    learner2.post("/account/password", data={"current_password": factories.PASSWORD, "new_password": "x" * 14,
                                             "confirm": "x" * 14, "csrf_token": token})
    with learner2.session_transaction() as session:
        assert "unsaved" not in session


def test_too_much_text_is_not_kept_in_the_cookie(app, learner, world):
    token = _record_page_token(learner, world)
    _go_idle(app, learner)
    learner.post(_record_url(world), data={**_typed(world), "note": "x" * 3000, "csrf_token": token})
    with learner.session_transaction() as session:
        assert session["unsaved"]["fields"] == []
    sign_in_page = _text(learner.get("/sign-in"))
    assert "Your record of Fire safety was not saved" in sign_in_page
