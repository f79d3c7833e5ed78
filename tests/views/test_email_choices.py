"""Email choices (/account/email) and one-click unsubscribe (issue 15, part D): full page and htmx, audited;
an unsubscribe link's GET only asks, its POST (without sign-in or CSRF token, RFC 8058) turns that digest
off; a wrong link is not found."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import AuditEvent
from skillpass.services import notifications
from tests.conftest import HTMX


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_the_page_shows_a_learner_their_two_choices_all_on(as_learner):
    body = _text(as_learner.get("/account/email"))
    assert "When an entry of mine is approved, rejected or revoked" in body
    assert "My weekly digest" in body
    assert "sign-off queue" not in body and "lapse" not in body      # educators' choices only
    assert body.count(" checked") == 2


def test_an_educator_also_has_the_queue_digest_and_the_lapse_summary(as_educator):
    body = _text(as_educator.get("/account/email"))
    assert "A daily digest of my sign-off queue" in body and "monthly summary" in body
    assert body.count(" checked") == 4


def test_saving_keeps_the_ticked_boxes_and_is_audited(as_learner, world):
    response = as_learner.post("/account/email", data={"choice": ["decisions"]})
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/email")
    assert notifications.choices_of(world.learner) == dict(decisions=True, learner_digest=False, queue_digest=True,
                                                          lapse_summary=True)
    page = _text(as_learner.get("/account/email"))
    assert "Your email choices have been saved." in page and page.count(" checked") == 1
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == Action.EMAIL_CHOICES_CHANGED)).all()
    assert event.person_id == world.learner.id


def test_a_learner_cannot_turn_off_an_educators_choice_they_do_not_have(as_learner, world):
    as_learner.post("/account/email", data={"choice": ["decisions", "learner_digest", "nonsense"]})
    assert notifications.choices_of(world.learner)["queue_digest"] is True


def test_saving_with_htmx_swaps_the_choices_with_focus_and_announces_it(as_learner, world):
    response = as_learner.post("/account/email", data={"choice": ["learner_digest"]}, headers=HTMX)
    assert response.status_code == 200
    body = _text(response)
    assert body.lstrip().startswith('<div id="email-choices"') and "<html" not in body
    assert "data-focus" in body and "Your email choices have been saved." in body
    assert notifications.choices_of(world.learner)["decisions"] is False


def test_the_header_links_to_the_email_page(as_learner):
    assert 'href="/account/email"' in _text(as_learner.get("/passport"))


def _link(world, kind="digest"):
    row = notifications.rows_for([world.learner.id], make=True)[world.learner.id]
    db.session.commit()
    return f"/unsubscribe/{kind}/{row.token}"


def test_following_the_link_only_asks(client, world):
    url = _link(world)
    page = client.get(url)
    assert page.status_code == 200 and "Stop your weekly digest?" in _text(page)
    assert f'action="{url}"' in _text(page)
    assert notifications.choices_of(world.learner)["learner_digest"] is True


def test_one_click_post_unsubscribes_that_digest_only_and_is_audited(client, world):
    url = _link(world, "queue")
    response = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "You are unsubscribed" in _text(response)
    assert notifications.choices_of(world.learner) == dict(decisions=True, learner_digest=True, queue_digest=False,
                                                          lapse_summary=True)
    assert client.post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 200   # again: still off
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == Action.EMAIL_UNSUBSCRIBED)).all()
    assert len(events) == 1 and events[0].person_id == world.learner.id


@pytest.mark.parametrize("path", ["/unsubscribe/digest/not-the-token", "/unsubscribe/everything/{token}"])
def test_a_wrong_link_is_not_found(client, world, path):
    url = path.format(token=_link(world).rsplit("/", 1)[1])
    assert client.get(url).status_code == 404 and client.post(url).status_code == 404


class TestWithCsrfOn:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    def test_the_one_click_post_needs_no_csrf_token(self, app, client, world):
        assert client.post(_link(world)).status_code == 200
        assert notifications.choices_of(world.learner)["learner_digest"] is False
