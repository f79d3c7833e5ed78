"""Settings fail fast: an environment name that is not exactly one of ours, or a production secret key
that is short, refuses to start rather than quietly running in development mode."""
from __future__ import annotations

import pytest

from skillpass import config
from skillpass.config import ConfigError, load

GOOD_KEY = "k3Y-" + "abcdefghijklmnopqrstuvwxyz0123456789"


@pytest.fixture
def env(monkeypatch):
    for name in ("SKILLPASS_ENV", "SKILLPASS_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)

    def set_env(**values):
        for name, value in values.items():
            monkeypatch.setenv(f"SKILLPASS_{name}", value)

    return set_env


@pytest.mark.parametrize("value", ["Production", "prod", "production ", " production", "PRODUCTION", "live", "dev", ""])
def test_an_environment_name_that_is_not_exactly_ours_refuses_to_start(env, value):
    env(ENV=value, SECRET_KEY=GOOD_KEY)
    if value == "":
        assert load()["ENV_NAME"] == "development"      # unset or empty: the default
        return
    with pytest.raises(ConfigError, match="SKILLPASS_ENV must be development or production"):
        load()


def test_development_and_production_are_accepted(env):
    env(ENV="development")
    assert load()["ENV_NAME"] == "development"
    env(ENV="production", SECRET_KEY=GOOD_KEY)
    cfg = load()
    assert cfg["ENV_NAME"] == "production" and cfg["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("key", ["a", "x" * 31, "a" * 40, config.DEV_SECRET_KEY, ""])
def test_production_needs_a_long_random_secret_key(env, key):
    env(ENV="production", SECRET_KEY=key)
    with pytest.raises(ConfigError, match="at least 32 characters"):
        load()


def test_production_without_a_secret_key_refuses_to_start(env):
    env(ENV="production")
    with pytest.raises(ConfigError):
        load()
