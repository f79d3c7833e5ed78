"""Asked at first sign-in with single sign-on too (PRODUCT.md §6.4), against the real test provider: the
callback leads to the questionnaire, then to where the person was going."""
from __future__ import annotations

import pytest

from skillpass.extensions import db
from skillpass.services.questionnaire import questions
from skillpass.services.settings import ASK_QUESTIONNAIRE, set_setting
from tests.oidc.fixtures import oidc_provider, sign_in_at_provider, sso_app_config  # noqa: F401 (fixtures)
from tests.views.test_sso import CALLBACK


@pytest.fixture
def app_config(sso_app_config):
    return sso_app_config


def test_single_sign_on_leads_to_the_questionnaire_first(client, world, oidc_provider):
    questions.add_question(actor=world.admin, text="Do you drive a trust vehicle?", kind="yes_no")
    set_setting(ASK_QUESTIONNAIRE, "1")
    db.session.commit()
    login = oidc_provider.account("learner-q", world.learner.email)
    target = f"/people/{world.learner.id}/passport"
    start = client.get(f"/sign-in/sso?next={target}")
    response = client.get(sign_in_at_provider(start.headers["Location"], login, until=CALLBACK))
    assert response.status_code == 303 and response.headers["Location"] == f"/questionnaire?next={target}"
    assert client.get(response.headers["Location"]).status_code == 200
