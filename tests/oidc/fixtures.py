"""A real OpenID Connect provider for the tests: tests/oidc/provider.mjs (the npm package oidc-provider) run
with Node on a loopback port, once per test session. Import the fixtures into a test module to use them.

Accounts are a JSON file the provider reads at each sign-in: ``oidc_provider.account(login, email, ...)``
adds one. On the provider's development sign-in page any password is accepted for a known login."""
from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess  # nosec B404 - the tests start their own provider
import threading
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from skillpass.config import ROOT

SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
CLIENT_ID, CLIENT_SECRET = "skillpass-test", "skillpass-test-secret"  # nosec B105 - the test provider's client


@dataclass
class Provider:
    issuer: str
    accounts_file: Path

    def account(self, login: str, email: str, *, verified: bool = True, name: str = "") -> str:
        accounts = json.loads(self.accounts_file.read_text())
        accounts[login] = {"email": email, "email_verified": verified, "name": name or login}
        self.accounts_file.write_text(json.dumps(accounts))
        return login

    def config(self) -> dict:
        return {"OIDC_ISSUER": self.issuer, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET,
                "OIDC_NAME": "Sign in with your Test Trust account"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node is not installed: the single sign-on tests run a real OpenID provider with it")
    accounts = tmp_path_factory.mktemp("oidc") / "accounts.json"
    accounts.write_text("{}")
    port = _free_port()
    process = subprocess.Popen([node, str(SCRIPT), str(port), str(accounts)], cwd=ROOT,  # nosec B603
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    issuer = f"http://127.0.0.1:{port}"
    # Ready when the first line says so (the provider prints it once it listens), or failed when it exits.
    for line in process.stdout:
        if line.startswith("listening"):
            break
    else:
        pytest.fail(f"the OpenID provider did not start (exit {process.wait()})")
    threading.Thread(target=process.stdout.read, daemon=True).start()   # keep its output from filling the pipe
    assert requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()["issuer"] == issuer
    yield Provider(issuer=issuer, accounts_file=accounts)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def sso_app_config(app_config, oidc_provider):
    return {**app_config, **oidc_provider.config()}


def sign_in_at_provider(authorize_url: str, login: str, *, until: str) -> str:
    """What a person does at the provider, without a browser: open the authorisation address, type a login on
    the development sign-in page; the address it sends them back to (starting with *until*)."""
    browser = requests.Session()
    page = browser.get(authorize_url, timeout=10)
    action = unescape(re.search(r'<form[^>]*action="([^"]+)"', page.text).group(1))
    response = browser.post(urljoin(page.url, action), data={"prompt": "login", "login": login, "password": "any"},
                            allow_redirects=False, timeout=10)
    for _ in range(10):
        location = urljoin(response.url, response.headers["Location"])
        if location.startswith(until):
            return location
        response = browser.get(location, allow_redirects=False, timeout=10)
        if "Location" not in response.headers:
            raise AssertionError(" ".join(re.sub(r"(?s)<style.*?</style>|<[^>]+>", " ", response.text).split())[:1500])
    raise AssertionError("the provider never sent the person back")
