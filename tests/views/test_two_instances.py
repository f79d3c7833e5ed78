"""Two SkillPass instances, as two trusts run them (issue 18, "done when"): Northgate and Southfield, each its own
gunicorn on its own loopback port, its own SQLite database and its own secret key (so its own signing key), talking
to each other only over HTTP.

A learner's passport bundle from Northgate is brought in at Southfield by its admin, who trusts Northgate by
fetching its keys from its /.well-known/jwks.json; an educator at Southfield approves the claim in the sign-off
queue, and the passport there shows it with its provenance. A copy with one date changed is refused as changed
since signing; revoking the entry at Northgate (through its revoke form) makes the same credential refused at
Southfield's import, which reads Northgate's status list.

Waits are on what the servers answer (/healthz), never on time. Not a browser test: it runs with the others."""
from __future__ import annotations

import base64
import datetime as dt
import html
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.conftest import TODAY, base_config

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60      # each request: generous, for a busy machine


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Instance:
    def __init__(self, name: str, organisation: str, tmp_path: Path):
        self.name, self.organisation = name, organisation
        self.db_path = tmp_path / f"{name}.db"
        self.uploads = tmp_path / f"{name}-uploads"
        self.uploads.mkdir()
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ, SKILLPASS_DATABASE_URL=f"sqlite:///{self.db_path}",
                        SKILLPASS_SECRET_KEY=f"{name}-secret-" + "x" * 40, SKILLPASS_BASE_URL=self.url,
                        SKILLPASS_ORGANISATION_NAME=organisation, SKILLPASS_TODAY=TODAY.isoformat(),
                        SKILLPASS_UPLOAD_FOLDER=str(self.uploads), SKILLPASS_SIGN_IN_IP_LIMIT="1000000",
                        SKILLPASS_ENV="development")
        self.env.pop("SKILLPASS_TEST_DATABASE_URL", None)
        self.server: subprocess.Popen | None = None
        self.ids: dict = {}

    def build(self, accepted_fire: bool):
        """The schema (flask db upgrade) and a small trust written through create_app before the server starts."""
        from flask_migrate import upgrade

        from skillpass import create_app
        from skillpass.extensions import db
        from skillpass.models import Entry, EntryMethod, EntryStatus
        from skillpass.services.settings import set_setting
        from tests import factories

        app = create_app({**base_config(f"sqlite:///{self.db_path}", self.uploads.parent),
                          "ORGANISATION_NAME": self.organisation})
        with app.app_context():
            upgrade()
            world = factories.world()
            set_setting("organisation_name", self.organisation)
            self.ids = {"learner": world.learner.id, "fire": world.fire.id}
            if accepted_fire:
                entry = Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=dt.date(2026, 1, 10),
                              method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id)
                stress = Entry(person_id=world.learner.id, item_id=world.stress.id, completed_on=dt.date(2026, 2, 1),
                               method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id)
                db.session.add_all([entry, stress])
                db.session.flush()
                self.ids["fire_entry"] = entry.id
            db.session.commit()
            db.session.remove()
            db.engine.dispose()

    def start(self):
        self.server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--no-control-socket", "--workers", "1", "--threads", "4",
             "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", "app:app"],
            cwd=ROOT, env=self.env)

    def wait(self, tries: int = 1500):
        """Until /healthz answers: each try waits on the connection, or on the process (which fails the test at
        once if it stops), for up to five minutes in all."""
        last = None
        for _ in range(tries):
            if self.server.poll() is not None:
                raise AssertionError(f"{self.name} stopped: exit {self.server.returncode}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    return
            except requests.RequestException as error:
                last = error
                # Not listening yet: wait on the process for a moment rather than on a clock.
                try:
                    self.server.wait(timeout=0.2)
                except subprocess.TimeoutExpired:
                    pass
        raise AssertionError(f"{self.name} never became healthy: {last}")

    def stop(self):
        if self.server and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait(timeout=30)


def _hidden(page: str, action: str) -> dict:
    """The hidden fields of the form posting to *action* (its CSRF token, its one-time submission token)."""
    for match in re.finditer(r"<form\b[^>]*>(.*?)</form>", page, re.S):
        opening = page[match.start():page.index(">", match.start()) + 1]
        if f'action="{action}"' not in html.unescape(opening).replace("&amp;", "&"):
            continue
        fields = {}
        for tag in re.findall(r"<input\b[^>]*>", match.group(1)):
            if 'type="hidden"' in tag:
                name = re.search(r'name="([^"]*)"', tag)
                value = re.search(r'value="([^"]*)"', tag)
                if name:
                    fields[html.unescape(name.group(1))] = html.unescape(value.group(1)) if value else ""
        return fields
    raise AssertionError(f"no form posting to {action}")


def _signed_in(instance: Instance, email: str) -> requests.Session:
    from tests import factories

    session = requests.Session()
    page = session.get(f"{instance.url}/sign-in", timeout=TIMEOUT).text
    response = session.post(f"{instance.url}/sign-in", timeout=TIMEOUT, allow_redirects=False,
                            data={**_hidden(page, "/sign-in"), "email": email, "password": factories.PASSWORD})
    assert response.status_code == 303, response.text[:500]
    return session


def northgate_bundle(northgate: Instance) -> str:
    """The learner signs in at Northgate and downloads their passport bundle from their verified records."""
    learner = _signed_in(northgate, "lee@example.test")
    records = learner.get(f"{northgate.url}/people/{northgate.ids['learner']}/credentials", timeout=TIMEOUT)
    assert records.status_code == 200 and "Download all as one file" in html.unescape(records.text), records.text[:500]
    response = learner.get(f"{northgate.url}/people/{northgate.ids['learner']}/credentials/passport.jwt",
                           timeout=TIMEOUT)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["Content-Type"].startswith("application/jwt")
    assert "attachment" in response.headers["Content-Disposition"]
    return response.text.strip()


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _inner(bundle: str) -> list[str]:
    payload = json.loads(_b64(bundle.split(".")[1]))
    return [c["id"].split(",", 1)[1] for c in payload["vp"]["verifiableCredential"]]


def _name_of(jws: str) -> str:
    claims = json.loads(_b64(jws.split(".")[1]))
    return claims.get("vc", claims)["credentialSubject"]["achievement"]["name"]   # OB 3.0.3: the payload itself


def _one_date_changed(jws: str) -> str:
    header, payload, signature = jws.split(".")
    claims = json.loads(_b64(payload))
    credential = claims.get("vc", claims)
    credential["validFrom"] = credential["validFrom"].replace("-01-10", "-01-03")
    claims["nbf"] -= 7 * 86400
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return ".".join((header, body, signature))


def _check(admin: requests.Session, southfield: Instance, *, files=None, pasted: str = "") -> str:
    url = f"/people/{southfield.ids['learner']}/credentials/import"
    page = admin.get(southfield.url + url, timeout=TIMEOUT).text
    response = admin.post(southfield.url + url, timeout=TIMEOUT, files=files or {"file": ("", b"")},
                          data={**_hidden(page, url), "pasted": pasted})
    assert response.status_code == 200, response.text[:1000]
    return html.unescape(response.text)


def test_a_passport_travels_from_northgate_to_southfield_verified(tmp_path):
    northgate = Instance("northgate", "Northgate NHS Trust", tmp_path)
    southfield = Instance("southfield", "Southfield NHS Trust", tmp_path)
    northgate.build(accepted_fire=True)
    southfield.build(accepted_fire=False)
    try:
        northgate.start()
        southfield.start()
        northgate.wait()
        southfield.wait()

        # The learner's bundle, downloaded at Northgate.
        bundle = northgate_bundle(northgate)
        fire = next(jws for jws in _inner(bundle) if _name_of(jws) == "Fire safety")

        # Southfield's admin trusts Northgate, fetching its keys from its published address.
        admin = _signed_in(southfield, "ada@example.test")
        new = "/admin/trusted-issuers/new"
        form = {"name": "Northgate NHS Trust", "issuer_id": f"{northgate.url}/issuer",
                "jwks_url": f"{northgate.url}/.well-known/jwks.json", "jwks": ""}
        page = admin.get(southfield.url + new, timeout=TIMEOUT).text
        fetched = admin.post(southfield.url + new, timeout=TIMEOUT,
                             data={**_hidden(page, new), **form, "action": "fetch"})
        assert fetched.status_code == 200 and "1 key fetched" in html.unescape(fetched.text), fetched.text[:1000]
        page = admin.get(southfield.url + new, timeout=TIMEOUT).text
        saved = admin.post(southfield.url + new, timeout=TIMEOUT, allow_redirects=False,
                           data={**_hidden(page, new), **form, "action": "save"})
        assert saved.status_code == 303, saved.text[:1000]
        listed = html.unescape(admin.get(southfield.url + "/admin/trusted-issuers", timeout=TIMEOUT).text)
        assert "Northgate NHS Trust" in listed and "1 key pinned" in listed

        # A copy with one date changed is refused as changed since it was signed.
        refused = _check(admin, southfield, pasted=_one_date_changed(fire))
        assert "changed since Northgate NHS Trust signed it" in refused

        # The bundle itself: Fire safety (CSTF-FIRE) matched by its code; the stress course has no item here.
        checked = _check(admin, southfield, files={"file": ("passport.jwt", bundle.encode())})
        assert "Becomes: <strong>Fire safety</strong>" in checked, checked[checked.find("What the file holds"):][:3000]
        assert "Verified credential: signature checked, not revoked" in checked
        assert "No item of their passports answers to it" in checked
        url = f"/people/{southfield.ids['learner']}/credentials/import"
        confirm = re.search(r'<form action="[^"]*" method="post" novalidate>(.*?)</form>', checked, re.S)
        carried = re.search(r'name="checked" value="([^"]*)"', checked).group(1)
        token = re.search(r'name="csrf_token" value="([^"]*)"', confirm.group(1)).group(1)
        brought = admin.post(southfield.url + url, timeout=TIMEOUT, allow_redirects=False,
                             data={"csrf_token": token, "checked": carried, "former_email": "", "step": "confirm"})
        assert brought.status_code == 303, brought.text[:1000]

        # An educator at Southfield approves it in the queue, seeing what was checked.
        educator = _signed_in(southfield, "eve@example.test")
        queue = html.unescape(educator.get(southfield.url + "/sign-off/", timeout=TIMEOUT).text)
        assert "verified credential from Northgate NHS Trust" in queue
        assert "Verified credential: signature checked, not revoked" in queue
        entry_id = re.search(r'id="queue-entry-(\d+)"', queue).group(1)
        decide = f"/sign-off/entries/{entry_id}/decision"
        approved = educator.post(southfield.url + decide, timeout=TIMEOUT, allow_redirects=False,
                                 data={**_hidden(queue, decide), "decision": "approve"})
        assert approved.status_code in (200, 303), approved.text[:1000]

        # The learner's passport at Southfield shows it, with its provenance.
        learner = _signed_in(southfield, "lee@example.test")
        passport = html.unescape(learner.get(southfield.url + "/passport", timeout=TIMEOUT).text)
        assert "Equivalent training demonstrated: verified credential from Northgate NHS Trust, 10 Jan 2026" in passport

        # The learner's printed passport at Northgate carries its verify link: Fire safety is authentic and current.
        learner = _signed_in(northgate, "lee@example.test")
        printed = learner.get(f"{northgate.url}/people/{northgate.ids['learner']}/passport/print", timeout=TIMEOUT)
        verify_url = re.search(r'(http://[^"<\s]+/v/[a-z0-9]+)', printed.text).group(1)
        assert verify_url.startswith(northgate.url)

        def verdict_for_fire() -> str:
            page = html.unescape(requests.get(verify_url, timeout=TIMEOUT).text)
            row = page[page.index("Fire safety"):]
            return row[:row.index("</")+400]

        assert "Authentic and current" in verdict_for_fire()

        # Northgate's educator revokes the entry; Southfield then refuses the same credential as revoked, and
        # Northgate's verify page says so.
        revoker = _signed_in(northgate, "eve@example.test")
        person = f"/people/{northgate.ids['learner']}/passport"
        page = revoker.get(northgate.url + person, timeout=TIMEOUT).text
        revoke = f"{person}/entries/{northgate.ids['fire_entry']}/revoke"
        revoked = revoker.post(northgate.url + revoke, timeout=TIMEOUT, allow_redirects=False,
                               data={**_hidden(page, revoke), "reason": "The certificate was not genuine"})
        assert revoked.status_code == 303, revoked.text[:1000]
        again = _check(admin, southfield, pasted=fire)
        assert "Northgate NHS Trust has revoked it." in again
        assert "Revoked on" in verdict_for_fire() and "Authentic and current" not in verdict_for_fire()
    finally:
        northgate.stop()
        southfield.stop()
