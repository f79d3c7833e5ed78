"""Every main page is valid HTML, checked by the Nu HTML checker (npm vnu-jar, on Java).

htmx's hx-* attributes are reported by the checker as unknown; those messages,
and only those, are set aside.
"""
from __future__ import annotations

import datetime as dt
import re
import json
import shutil
import subprocess

import pytest

from skillpass.config import ROOT
from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus, InformalEntry
from tests import factories
from tests.conftest import HTMX, sign_in

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _messages(files) -> list[dict]:
    java = shutil.which("java")
    if java is None or not VNU.exists():
        pytest.fail("The Nu HTML checker needs Java and node_modules/vnu-jar: run 'make system-deps' and 'make setup'")
    result = subprocess.run([java, "-jar", str(VNU), "--format", "json", "--errors-only", *map(str, files)],
                            capture_output=True, text=True, timeout=300)
    report = json.loads(result.stderr or result.stdout or '{"messages": []}')
    return [m for m in report["messages"] if not _is_htmx_attribute(m["message"])]


def _is_htmx_attribute(message: str) -> bool:
    return "“hx-" in message or '"hx-' in message


def test_main_pages_are_valid_html(app, world, tmp_path):
    db.session.add_all([
        Entry(person_id=world.learner.id, item_id=world.competency.id, completed_on=dt.date(2026, 2, 20),
              method=EntryMethod.HERE, status=EntryStatus.AWAITING, recorded_by_id=world.learner.id),
        Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=dt.date(2026, 2, 1),
              method=EntryMethod.EQUIVALENT, equivalent_source="Leeds", status=EntryStatus.ACCEPTED,
              recorded_by_id=world.learner.id, decided_by_id=world.educator.id, decided_by_name="Eve Educator",
              decided_at=dt.datetime(2026, 2, 3, tzinfo=dt.timezone.utc)),
        InformalEntry(person_id=world.learner.id, title="Shadowed the falls team", completed_on=dt.date(2026, 2, 2),
                      hours=2, recorded_by_id=world.learner.id),
    ])
    db.session.commit()
    learner = sign_in(app.test_client(), world.learner)
    educator = sign_in(app.test_client(), world.educator)
    admin = sign_in(app.test_client(), world.admin)
    pid, iid = world.learner.id, world.fire.id
    pages = {
        "sign-in": (app.test_client(), "/sign-in"),
        "my-passport": (learner, "/passport"),
        "record": (learner, f"/people/{pid}/passport/items/{world.stress.id}/record"),
        "print": (learner, f"/people/{pid}/passport/print"),
        "password": (learner, "/account/password"),
        "queue": (educator, "/sign-off/"),
        "person-passport": (educator, f"/people/{pid}/passport"),
        "observed": (educator, f"/people/{pid}/passport/items/{world.competency.id}/observed"),
        "history": (educator, f"/people/{pid}/passport/items/{iid}/history"),
        "people": (admin, "/people/?q=lee"),
        "audit": (admin, "/admin/audit"),
        "teams": (admin, f"/people/{world.educator.id}/teams"),
        "settings": (admin, "/admin/settings"),
        "person-new": (admin, "/people/new"),
        "person-edit": (admin, f"/people/{pid}/edit"),
        "teams-admin": (admin, "/admin/teams"),
        "rules": (admin, "/admin/rules"),
        "import-people": (admin, "/admin/import/people"),
        "import-completions": (admin, "/admin/import/completions"),
        "templates": (admin, "/admin/templates/"),
        "template-editor": (admin, f"/admin/templates/{world.template.id}"),
        "item-edit": (admin, f"/admin/templates/items/{iid}/edit"),
        "section-edit": (admin, f"/admin/templates/sections/{world.week2.id}/edit"),
        "not-found": (admin, "/people/999999/passport"),
    }
    files = []
    for name, (client, url) in pages.items():
        response = client.get(url)
        assert response.status_code in (200, 404), (name, response.status_code)
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.data)
        files.append(path)
    # Partials are checked inside a minimal document, as htmx puts them into one.
    for name, (client, url) in {
        "row-partial": (learner, f"/people/{pid}/passport/items/{iid}"),
        "queue-partial": (educator, "/sign-off/"),
        "item-form-partial": (admin, f"/admin/templates/items/{iid}/edit"),
        "section-form-partial": (admin, f"/admin/templates/sections/{world.week2.id}/edit"),
    }.items():
        body = client.get(url, headers=HTMX).get_data(as_text=True)
        if body.lstrip().startswith("<tr"):
            # A row spanning the whole table goes in with a header row of that many columns.
            span = re.search(r'colspan="(\d+)"', body)
            head = f"<thead><tr>{'<th>x</th>' * int(span.group(1))}</tr></thead>" if span else ""
            body = f"<table>{head}<tbody>{body}</tbody></table>"
        path = tmp_path / f"{name}.html"
        path.write_text(f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>x</title></head>'
                        f"<body><main>{body}</main></body></html>")
        files.append(path)
    messages = _messages(files)
    assert messages == [], "\n".join(
        f"{m['url'].rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}" for m in messages)


def test_the_checker_does_report_broken_html(tmp_path):
    """A control: the check above cannot pass by checking nothing."""
    broken = tmp_path / "broken.html"
    broken.write_text('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>x</title></head>'
                      '<body><main><div hx-get="/x"><p>a</span></main></body></html>')
    messages = _messages([broken])
    assert "Stray end tag “span”." in [m["message"] for m in messages]
    assert not any("hx-get" in m["message"] for m in messages)
