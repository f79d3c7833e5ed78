"""Every action the app writes to the audit log is one member of labels.Action: the writers name it, the
admin audit log can filter for it and shows its words (template, section, item and print actions were
written but thrown away by the old filter's list)."""
from __future__ import annotations

import ast
import re
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.labels import Action, action_label
from skillpass.models import AuditEvent
from skillpass.print import bulk as bulk_print
from skillpass.services import audit
from skillpass.services import templates_admin
from tests.conftest import HTMX, TODAY

SKILLPASS = Path(__file__).resolve().parents[2] / "skillpass"


def _page(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return unescape(response.get_data(as_text=True))


def _listed(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr class="nhsuk-table__row" id="audit-(\d+)">', html)]


def _filtered(client, action: Action, *, htmx: bool = False) -> str:
    return _page(client.get("/admin/audit", query_string={"action": action.value}, headers=HTMX if htmx else {}))


def _count(action: Action) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action.value))


def test_the_filter_offers_every_action_with_its_words(as_admin):
    html = _page(as_admin.get("/admin/audit"))
    offered = re.findall(r'<option value="([a-z_.]+)"[^>]*>([^<]+)</option>', html)
    assert offered == [(action.value, action.label) for action in Action]
    assert len({label for _, label in offered}) == len(Action)          # no two actions read the same
    for action in Action:
        assert action.label and action.label != action.value


def test_one_event_of_each_action_is_found_by_filtering_for_it(as_admin, world):
    written = {action: audit.log(actor=world.admin, action=action, subject=world.learner, person_id=world.learner.id,
                                 summary=f"one {action.value} event")
               for action in Action}
    db.session.commit()
    for action, event in written.items():
        html = _filtered(as_admin, action)
        listed = _listed(html)
        assert event.id in listed, action
        assert len(listed) == min(_count(action), 50), action          # that action's events, and no other
        row = re.search(rf'id="audit-{event.id}">.*?</tr>', html, re.S).group(0)
        assert f'<td class="nhsuk-table__cell">{action.label}</td>' in row, action
        assert f'<option value="{action.value}" selected>{action.label}</option>' in html


def test_template_section_item_and_print_actions_written_by_their_services_can_be_filtered(as_admin, world):
    """The actions the old filter dropped, written by the real services."""
    template = templates_admin.create_template(actor=world.admin, name="Dementia care")
    templates_admin.update_template(actor=world.admin, template=template, name="Dementia care",
                                    description="For every ward.")
    section = templates_admin.add_section(actor=world.admin, template=template, name="Within a month",
                                          offset_amount="1", offset_unit="months")
    templates_admin.remove_section(actor=world.admin, section=section)
    templates_admin.move_section(actor=world.admin, section=world.week2, direction="down")
    templates_admin.move_item(actor=world.admin, item=world.stress, direction="down")
    templates_admin.copy_template(actor=world.admin, template=world.template, name="AHP copy", today=TODAY)
    bulk_print.create(actor=world.admin, people=[world.learner], title="Physiotherapy")
    db.session.commit()

    for action in (Action.TEMPLATE_CREATED, Action.TEMPLATE_CHANGED, Action.SECTION_ADDED, Action.SECTION_REMOVED,
                   Action.SECTION_MOVED, Action.ITEM_MOVED, Action.TEMPLATE_COPIED, Action.PRINT_REQUESTED):
        events = db.session.scalars(select(AuditEvent.id).where(AuditEvent.action == action.value)).all()
        assert events, f"nothing wrote {action.value}"
        html = _filtered(as_admin, action, htmx=True)
        assert set(_listed(html)) == set(events), action
        assert f"<td class=\"nhsuk-table__cell\">{action.label}</td>" in html


def test_an_action_the_log_does_not_know_is_refused_and_nothing_is_written(db, world):
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(ValueError):
        audit.log(actor=world.admin, action="entry.deleted", subject=world.learner, person_id=None, summary="")
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before
    # Its stored value names a member as well as the member does.
    assert audit.log(actor=world.admin, action="entry.recorded", subject=world.learner, person_id=None,
                     summary="").action is Action.ENTRY_RECORDED


def test_an_old_row_whose_action_is_no_longer_written_still_reads():
    assert action_label("team.merged") == "Team: merged"
    assert action_label("entry.signed_off") == "Signed off"


# ------------------------------------------------------------- the writers, read from the source

def _audit_log_calls():
    for path in sorted(SKILLPASS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "log"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "audit"):
                yield path.relative_to(SKILLPASS.parent), node


def _member_names(node) -> set[str]:
    return {n.attr for n in ast.walk(node)
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "Action"}


def test_every_audit_log_call_names_its_action_by_a_member_of_the_enum():
    calls = list(_audit_log_calls())
    assert len(calls) > 40
    for where, call in calls:
        action = next((k.value for k in call.keywords if k.arg == "action"), None)
        assert action is not None, f"{where}:{call.lineno}: audit.log without action="
        # A literal, an f-string or a sum of strings is how the old writers named actions the filter dropped.
        strings = [n for n in ast.walk(action) if isinstance(n, (ast.JoinedStr, ast.BinOp))
                   or (isinstance(n, ast.Constant) and isinstance(n.value, str))]
        assert not strings, f"{where}:{call.lineno}: name the action as Action.<MEMBER>, not a string"


def test_every_member_is_written_somewhere_and_every_member_named_exists():
    named: set[str] = set()
    for path in sorted(SKILLPASS.rglob("*.py")):
        if path.name == "labels.py":
            continue
        named |= _member_names(ast.parse(path.read_text(encoding="utf-8")))
    assert named - set(Action.__members__) == set()
    assert set(Action.__members__) - named == set(), "a member no writer uses: remove it or write it"
