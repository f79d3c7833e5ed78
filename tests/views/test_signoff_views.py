"""The sign-off queue and the decisions made from it or from a person's
passport: full pages, htmx partials, and the same actions without JavaScript
(plain form posts that redirect 303 with a flash message)."""
from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from html import unescape

import pytest
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import (
    AuditEvent,
    Entry,
    EntryMethod,
    EntryStatus,
    Evidence,
    Item,
    ItemKind,
    Person,
    Role,
)
from skillpass.services import decisions
from tests import factories
from tests.conftest import HTMX, TODAY, sign_in
from tests.querycount import count_queries

UTC = dt.timezone.utc
REASON_NEEDED = "Enter the reason for rejecting it: the learner will see it."
REVOKE_REASON_NEEDED = "Enter the reason for revoking it: the learner will see it."
NOT_YOURS = "1 entry could not be decided: not found among the entries waiting for you."


# ------------------------------------------------------------- helpers

def _text(response) -> str:
    return response.get_data(as_text=True)


def _page(response) -> str:
    """The response as a reader sees it: entities such as &#39; turned back into characters."""
    return unescape(_text(response))


def _triggers(response) -> dict:
    return json.loads(response.headers["HX-Trigger"])


def _entry(person, item, *, on=dt.date(2026, 2, 20), method=EntryMethod.HERE, status=EntryStatus.AWAITING,
           recorded_at=dt.datetime(2026, 2, 20, 9, 0, tzinfo=UTC), source="", note="", evidence=None,
           **extra) -> Entry:
    entry = Entry(person_id=person.id, item_id=item.id, completed_on=on, method=method, status=status,
                  equivalent_source=source, note=note, evidence_id=getattr(evidence, "id", None),
                  recorded_by_id=person.id, recorded_at=recorded_at, **extra)
    db.session.add(entry)
    db.session.commit()
    return entry


def _evidence(person, name="certificate.pdf") -> Evidence:
    """An evidence row (the queue only links to it; no file is needed to list it)."""
    ev = Evidence(stored_name=f"{uuid.uuid4().hex}.pdf", original_name=name, content_type="application/pdf",
                  size=100, sha256="0" * 64, person_id=person.id, uploaded_by_id=person.id)
    db.session.add(ev)
    db.session.flush()
    return ev


def _reloaded(entry_id: int) -> Entry:
    db.session.expire_all()
    return db.session.get(Entry, entry_id)


def _events(action: str, entry_id: int | None = None) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.action == action)
    if entry_id is not None:
        stmt = stmt.where(AuditEvent.subject_type == "Entry", AuditEvent.subject_id == entry_id)
    return db.session.scalars(stmt.order_by(AuditEvent.id)).all()


def _decisions_on(entry_id: int) -> list[AuditEvent]:
    return [e for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.subject_type == "Entry", AuditEvent.subject_id == entry_id)
    ) if e.action in ("entry.signed_off", "entry.approved", "entry.rejected")]


def _queue_row(html: str, entry_id: int) -> str:
    match = re.search(rf'<tbody id="queue-entry-{entry_id}".*?</tbody>', html, re.S)
    assert match, f"no row for entry {entry_id}"
    return match.group(0)


def _item_row(html: str, item_id: int) -> str:
    match = re.search(rf'<tr id="item-{item_id}".*?</tr>', html, re.S)
    assert match, f"no row for item {item_id}"
    return match.group(0)


def _header_count(html: str) -> int:
    match = re.search(r'<span id="queue-count"[^>]*>(\d+)<', html)
    assert match, "no queue count in the header"
    return int(match.group(1))


def _count_partial(client) -> int:
    response = client.get("/sign-off/count", headers=HTMX)
    assert response.status_code == 200
    html = _text(response)
    assert html.lstrip().startswith('<span id="queue-count"') and "<html" not in html
    return _header_count(html)


def _decide(client, entry, decision, reason=None, *, htmx=True, **extra):
    data = {"decision": decision, **extra}
    if reason is not None:
        data["reason"] = reason
    return client.post(f"/sign-off/entries/{entry.id}/decision", data=data, headers=HTMX if htmx else {})


def _decide_on_passport(client, entry, decision, reason=None, *, htmx=True):
    """A decision from the person's passport row: its own route, beside the passport."""
    data = {"decision": decision}
    if reason is not None:
        data["reason"] = reason
    return client.post(f"/people/{entry.person_id}/passport/entries/{entry.id}/decision", data=data,
                       headers=HTMX if htmx else {})


def _revoke_url(entry) -> str:
    return f"/people/{entry.person_id}/passport/entries/{entry.id}/revoke"


def _record(client, person, item, headers=HTMX, **data):
    response = client.post(f"/people/{person.id}/passport/items/{item.id}/record", data=data, headers=headers)
    assert response.status_code == 200, _text(response)[:500]
    return db.session.scalars(
        select(Entry).where(Entry.person_id == person.id, Entry.item_id == item.id).order_by(Entry.id.desc())
    ).first()


@pytest.fixture
def queue(world):
    """Three entries of Lee's waiting for Eve, one of Olu's (team B), and Eve's own."""
    cert = _evidence(world.learner, "hoist-assessment.pdf")
    prior = _entry(world.learner, world.fire, on=dt.date(2025, 6, 1), method=EntryMethod.EQUIVALENT,
                   source="Leeds Teaching Hospitals", recorded_at=dt.datetime(2026, 2, 10, 9, 0, tzinfo=UTC))
    competency = _entry(world.learner, world.competency, on=dt.date(2026, 2, 20), note="Observed by ward sister",
                        evidence=cert, recorded_at=dt.datetime(2026, 2, 20, 9, 0, tzinfo=UTC))
    certificate = _entry(world.learner, world.stress, on=dt.date(2026, 2, 28),
                         recorded_at=dt.datetime(2026, 3, 1, 16, 30, tzinfo=UTC))
    other_team = _entry(world.other_learner, world.fire, on=dt.date(2026, 2, 1),
                        recorded_at=dt.datetime(2026, 2, 1, 9, 0, tzinfo=UTC))
    own = _entry(world.educator, world.competency, on=dt.date(2026, 2, 2),
                 recorded_at=dt.datetime(2026, 2, 2, 9, 0, tzinfo=UTC))
    return dict(prior=prior, competency=competency, certificate=certificate, other_team=other_team, own=own,
                evidence=cert)


# ------------------------------------------------------------- the queue

def test_an_educators_home_is_the_sign_off_queue(as_educator):
    response = as_educator.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-off/")


def test_queue_full_page_lists_oldest_first_with_what_to_decide(as_educator, world, queue):
    response = as_educator.get("/sign-off/")
    html = _page(response)
    assert response.status_code == 200
    assert "<html" in html and "<h1" in html and "Sign-off queue" in html
    assert "Everything awaiting sign-off or approval in Physiotherapy, oldest first." in html
    assert "Nobody decides their own entries." in html
    assert 'HX-Request' in response.headers.get("Vary", "")

    ids = [queue["prior"].id, queue["competency"].id, queue["certificate"].id]
    positions = [html.index(f'id="queue-entry-{i}"') for i in ids]
    assert positions == sorted(positions), "the queue is oldest first"
    assert "<strong>3</strong> waiting." in html

    prior = _queue_row(html, queue["prior"].id)
    assert "Lee Learner" in prior and "Support Worker" in prior
    assert f'href="/people/{world.learner.id}/passport#item-{world.fire.id}"' in prior
    assert "Fire safety" in prior and "Equivalent training demonstrated" in prior and "Prior learning" not in prior
    assert "Equivalent training demonstrated at Leeds Teaching Hospitals, 1 Jun 2025" in prior
    assert ">None<" in prior                                     # no evidence
    assert "20 days" in prior

    competency = _queue_row(html, queue["competency"].id)
    assert "Moving a patient with a hoist" in competency and "Competency" in competency
    assert "Completed here, 20 Feb 2026" in competency
    assert "“Observed by ward sister”" in competency
    assert f'href="/evidence/{queue["evidence"].id}"' in competency and "hoist-assessment.pdf" in competency
    assert "10 days" in competency

    certificate = _queue_row(html, queue["certificate"].id)
    assert "Managing work and life stress" in certificate and "Confirmation" in certificate
    assert "Completed here, 28 Feb 2026" in certificate
    assert ">1 day<" in certificate

    for row in (prior, competency, certificate):
        assert 'name="decision" value="approve"' in row and 'name="decision" value="reject"' in row
        assert 'name="entry" type="checkbox"' in row and 'form="bulk-approve"' in row


def test_queue_shows_only_supported_teams_and_never_the_viewers_own(as_educator, world, queue):
    html = _page(as_educator.get("/sign-off/"))
    assert f'queue-entry-{queue["other_team"].id}"' not in html and "Olu Other" not in html
    assert f'queue-entry-{queue["own"].id}"' not in html
    # Eve's own entry cannot be decided by her either.
    assert _decide(as_educator, queue["own"], "approve").status_code == 403
    assert _reloaded(queue["own"].id).status is EntryStatus.AWAITING
    # Oscar sees Olu's entry, and none of Lee's.
    oscar = sign_in(as_educator.application.test_client(), world.other_educator)
    html = _page(oscar.get("/sign-off/"))
    assert f'queue-entry-{queue["other_team"].id}"' in html and "Olu Other" in html
    assert "Lee Learner" not in html
    assert _header_count(html) == 1


def test_queue_header_shows_the_count(as_educator, queue):
    html = _text(as_educator.get("/sign-off/"))
    assert _header_count(html) == 3
    assert '<span class="nhsuk-u-visually-hidden"> waiting</span>' in html
    assert 'hx-trigger="queueChanged from:body"' in html
    assert _count_partial(as_educator) == 3
    # Without htmx the count is the queue page.
    plain = as_educator.get("/sign-off/count")
    assert plain.status_code == 302 and plain.headers["Location"].endswith("/sign-off/")


def test_the_count_is_in_the_header_of_other_pages_too(as_educator, world, queue):
    html = _text(as_educator.get(f"/people/{world.learner.id}/passport"))
    assert _header_count(html) == 3


def test_queue_partial_for_htmx(as_educator, queue):
    response = as_educator.get("/sign-off/", headers=HTMX)
    html = _text(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="queue" data-focus-if-lost>')
    assert "<html" not in html and "<h1" not in html
    assert all(f'id="queue-entry-{queue[k].id}"' in html for k in ("prior", "competency", "certificate"))


def test_queue_filters_by_team_for_an_admin(as_admin, world, queue):
    everything = _page(as_admin.get("/sign-off/"))
    assert "Everything awaiting sign-off or approval, oldest first." in everything
    for key in ("prior", "competency", "certificate", "other_team", "own"):
        assert f'id="queue-entry-{queue[key].id}"' in everything, key
    assert "<strong>5</strong> waiting." in everything

    team_b = _page(as_admin.get(f"/sign-off/?team={world.team_b.id}"))
    assert f'id="queue-entry-{queue["other_team"].id}"' in team_b
    assert "Lee Learner" not in team_b and "Eve Educator" not in team_b
    assert "<strong>1</strong> waiting with these filters (5 in all)." in team_b
    assert f'<option value="{world.team_b.id}" selected>Occupational Therapy</option>' in team_b
    assert _header_count(team_b) == 5                            # the header counts everything

    partial = _page(as_admin.get(f"/sign-off/?team={world.team_a.id}", headers=HTMX))
    assert partial.lstrip().startswith('<div id="queue" data-focus-if-lost>') and "<html" not in partial
    assert "Olu Other" not in partial
    for key in ("prior", "competency", "certificate", "own"):
        assert f'id="queue-entry-{queue[key].id}"' in partial, key
    # The bulk form keeps the filters, so the refreshed queue does too.
    assert f'action="/sign-off/approve?team={world.team_a.id}"' in partial


@pytest.mark.parametrize("kind, expected", [
    ("competency", {"competency", "own"}),
    ("confirmation", {"certificate", "other_team"}),   # a learning item's own record, no evidence to check
    ("equivalent training demonstrated", {"prior"}),
])
def test_queue_filters_by_kind(as_admin, queue, kind, expected):
    html = _page(as_admin.get("/sign-off/", query_string={"kind": kind}))
    shown = {key for key in ("prior", "competency", "certificate", "other_team", "own")
             if f'id="queue-entry-{queue[key].id}"' in html}
    assert shown == expected
    assert f'<option value="{kind}" selected>{kind.capitalize()}</option>' in html


def test_queue_filters_combined_and_as_htmx(as_educator, world, queue):
    partial = _page(as_educator.get("/sign-off/", query_string={"team": world.team_a.id, "kind": "confirmation"},
                                    headers=HTMX))
    assert partial.lstrip().startswith('<div id="queue" data-focus-if-lost>')
    assert f'id="queue-entry-{queue["certificate"].id}"' in partial
    assert f'id="queue-entry-{queue["prior"].id}"' not in partial
    assert f'id="queue-entry-{queue["competency"].id}"' not in partial
    assert "<strong>1</strong> waiting with these filters (3 in all)." in partial
    # An educator filtering by a team they do not support sees nothing of it.
    other = _page(as_educator.get(f"/sign-off/?team={world.team_b.id}", headers=HTMX))
    assert "Olu Other" not in other and "Nothing is waiting with these filters (3 in all)." in other
    # An unknown kind is no filter at all.
    unknown = _page(as_educator.get("/sign-off/?kind=nonsense", headers=HTMX))
    assert "<strong>3</strong> waiting." in unknown


def test_an_empty_queue_says_so(as_educator):
    html = _page(as_educator.get("/sign-off/"))
    assert "Nothing is waiting." in html and 'id="bulk-approve"' not in html


def test_learners_have_no_queue(as_learner):
    assert as_learner.get("/sign-off/").status_code == 403
    assert as_learner.get("/sign-off/count", headers=HTMX).status_code == 403


# ------------------------------------------------------------- approve and reject inline

def test_approve_inline_leaves_approved_undo_in_place_and_announces_once(as_educator, world, queue):
    entry = queue["competency"]
    response = _decide(as_educator, entry, "approve")
    html = _page(response)
    assert response.status_code == 200
    # "Signed off — Undo" takes the row's place; the words above the table and the live region come out of band.
    assert html.lstrip().startswith(f'<tbody id="queue-undo-{entry.id}"')
    undo = html[:html.index("</tbody>")]
    assert "Signed off" in undo and f'action="/sign-off/entries/{entry.id}/undo"' in undo and ">Undo<" in undo
    assert '<span id="queue-summary-text" hx-swap-oob="outerHTML"><strong>2</strong> waiting.' in html
    assert '<div id="flash" hx-swap-oob="innerHTML">' in html
    assert "queue-entry-" not in html and "HX-Retarget" not in response.headers
    # The message names what and who, once.
    assert html.count("Signed off Moving a patient with a hoist for Lee Learner.") == 1
    assert "queueChanged" in _triggers(response)

    entry = _reloaded(entry.id)
    assert entry.status is EntryStatus.ACCEPTED
    assert entry.decided_by_id == world.educator.id
    assert entry.decided_by_name == "Eve Educator" and entry.decided_by_job_title == "Practice Educator"
    assert entry.decided_at.date() == TODAY and entry.decision_reason == ""
    [event] = _events("entry.signed_off", entry.id)
    assert event.actor_id == world.educator.id and event.person_id == world.learner.id

    assert _count_partial(as_educator) == 2
    assert f'id="queue-entry-{entry.id}"' not in _text(as_educator.get("/sign-off/", headers=HTMX))


def test_approving_a_certificate_or_prior_learning_says_approved(as_educator, queue):
    response = _decide(as_educator, queue["certificate"], "approve")
    assert "Approved Managing work and life stress for Lee Learner." in _page(response)
    assert _events("entry.approved", queue["certificate"].id)
    response = _decide(as_educator, queue["prior"], "approve")
    assert "Approved Fire safety for Lee Learner." in _page(response)
    assert _reloaded(queue["prior"].id).status is EntryStatus.ACCEPTED
    assert _count_partial(as_educator) == 1


def test_reject_without_a_reason_comes_back_with_the_error_beside_the_box(as_educator, queue):
    entry = queue["competency"]
    response = _decide(as_educator, entry, "reject", "   ")
    html = _page(response)
    assert response.status_code == 422
    assert html.lstrip().startswith(f'<tbody id="queue-entry-{entry.id}"') and "<html" not in html
    assert '<details class="nhsuk-details app-reject" open>' in html
    error = f'<span class="nhsuk-error-message" id="reason-{entry.id}-error">'
    assert error in html and REASON_NEEDED in html
    # The message sits between the question and the common reasons, and the group points to it; what was
    # typed stays under "Other".
    legend = html.index("Reason for rejecting</legend>")
    first_reason = html.index(f'id="reason-{entry.id}-1" name="reason_choice" type="radio" value="Certificate is unreadable"')
    assert legend < html.index(error) < first_reason
    assert f'aria-describedby="reason-{entry.id}-hint reason-{entry.id}-error"' in html
    assert f'id="reason-{entry.id}-other" name="reason_choice" type="radio" value="other" checked' in html
    assert f'<textarea class="nhsuk-textarea app-reason-text nhsuk-textarea--error" id="reason-{entry.id}"' in html
    assert "nhsuk-form-group--error" in html
    assert _reloaded(entry.id).status is EntryStatus.AWAITING
    assert _decisions_on(entry.id) == []
    assert _count_partial(as_educator) == 3


def test_a_too_long_reason_is_refused_with_the_text_kept(as_educator, queue):
    entry = queue["competency"]
    long_reason = "Please repeat. " * 70                      # over 1,000 characters
    response = _decide(as_educator, entry, "reject", long_reason)
    html = _page(response)
    assert response.status_code == 422
    assert "Keep the reason to 1,000 characters or fewer." in html
    assert long_reason in html
    assert _reloaded(entry.id).status is EntryStatus.AWAITING


def test_reject_with_a_reason_the_learner_sees_it_and_can_record_again(app, as_educator, as_learner, world):
    entry = _record(as_learner, world.learner, world.competency, completed_on="2026-02-20", method="here")
    assert entry.status is EntryStatus.AWAITING
    reason = "Please repeat with a patient present."
    response = _decide(as_educator, entry, "reject", reason)
    html = _page(response)
    assert response.status_code == 200
    assert "<tr" not in html
    assert "Lee Learner: Moving a patient with a hoist rejected. They will see your reason." in html
    assert "queueChanged" in _triggers(response)
    entry = _reloaded(entry.id)
    assert entry.status is EntryStatus.REJECTED and entry.decision_reason == reason
    assert entry.decided_by_name == "Eve Educator"
    [event] = _events("entry.rejected", entry.id)
    assert reason in event.summary
    assert _count_partial(as_educator) == 0

    passport = _page(as_learner.get("/passport"))
    row = _item_row(passport, world.competency.id)
    assert f"Your entry of 20 Feb 2026 was rejected by Eve Educator: {reason}" in row
    assert f'href="/people/{world.learner.id}/passport/items/{world.competency.id}/record"' in row

    again = _record(as_learner, world.learner, world.competency, completed_on="2026-02-27", method="here")
    assert again.id != entry.id and again.status is EntryStatus.AWAITING
    row = _item_row(_page(as_learner.get("/passport")), world.competency.id)
    assert "was rejected" not in row and "awaiting sign-off" in row
    assert f'id="queue-entry-{again.id}"' in _text(as_educator.get("/sign-off/", headers=HTMX))


def test_neither_approve_nor_reject_is_refused(as_educator, queue):
    response = _decide(as_educator, queue["competency"], "maybe")
    assert response.status_code == 422
    assert "Choose Approve or Reject." in _page(response)
    assert _reloaded(queue["competency"].id).status is EntryStatus.AWAITING


# ------------------------------------------------------------- without JavaScript

def test_approve_without_javascript_redirects_to_the_queue_with_a_message(as_educator, queue):
    response = _decide(as_educator, queue["competency"], "approve", htmx=False)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/sign-off/")
    page = _page(as_educator.get("/sign-off/"))
    assert "Signed off Moving a patient with a hoist for Lee Learner." in page
    assert f'id="queue-entry-{queue["competency"].id}"' not in page
    assert _header_count(page) == 2


def test_reject_without_javascript_needs_a_reason_on_the_full_page(as_educator, queue):
    entry = queue["competency"]
    response = _decide(as_educator, entry, "reject", "", htmx=False)
    page = _page(response)
    assert response.status_code == 422
    assert "<html" in page and "Sign-off queue" in page
    assert REASON_NEEDED in page
    row = _queue_row(page, entry.id)
    assert REASON_NEEDED in row and '<details class="nhsuk-details app-reject" open>' in row
    assert page.count("nhsuk-error-message") == 1             # only the refused row
    assert _reloaded(entry.id).status is EntryStatus.AWAITING

    typed = "Not signed by the assessor. " * 40              # too long: refused, and kept
    response = _decide(as_educator, entry, "reject", typed, htmx=False)
    page = _page(response)
    assert response.status_code == 422 and "<html" in page
    assert "Keep the reason to 1,000 characters or fewer." in page
    assert typed in _queue_row(page, entry.id)
    assert _reloaded(entry.id).status is EntryStatus.AWAITING


def test_reject_without_javascript_with_a_reason_redirects(as_educator, queue):
    response = _decide(as_educator, queue["certificate"], "reject", "Wrong course.", htmx=False)
    assert response.status_code == 303 and response.headers["Location"].endswith("/sign-off/")
    page = _page(as_educator.get("/sign-off/"))
    assert "Lee Learner: Managing work and life stress rejected. They will see your reason." in page
    assert _reloaded(queue["certificate"].id).status is EntryStatus.REJECTED


# ------------------------------------------------------------- decided already

def test_deciding_an_already_decided_entry_shows_who_decided(as_educator, queue):
    entry = queue["competency"]
    assert _decide(as_educator, entry, "approve").status_code == 200
    again = _decide(as_educator, entry, "reject", "Changed my mind")
    html = _page(again)
    assert again.status_code == 200
    assert html.lstrip().startswith(f'<tbody id="queue-entry-{entry.id}" class="nhsuk-table__body app-queue-entry app-row--gone" data-focus-if-lost>')
    assert "Lee Learner: Moving a patient with a hoist." in html
    assert "This entry is already accepted by Eve Educator: nothing was changed." in html
    assert "queueChanged" in _triggers(again)
    # The words above the table are put right too (an old page still counted it).
    assert '<span id="queue-summary-text" hx-swap-oob="outerHTML"><strong>2</strong> waiting.' in html
    entry = _reloaded(entry.id)
    assert entry.status is EntryStatus.ACCEPTED and entry.decision_reason == ""
    assert [e.action for e in _decisions_on(entry.id)] == ["entry.signed_off"]


def test_deciding_an_already_decided_entry_announces_it_in_the_live_region(as_educator, queue):
    """Every other htmx answer says what happened in #flash (the one live region);
    _gone_row.html includes _announce.html for this, so a screen-reader user hears it too."""
    entry = queue["competency"]
    _decide(as_educator, entry, "approve")
    html = _page(_decide(as_educator, entry, "approve"))
    assert '<div id="flash" hx-swap-oob="innerHTML">' in html
    flash = html[html.index('<div id="flash"'):]
    assert "This entry is already accepted by Eve Educator: nothing was changed." in flash


def test_deciding_an_already_decided_entry_without_javascript(as_educator, queue):
    entry = queue["competency"]
    _decide(as_educator, entry, "reject", "Not yet", htmx=False)
    response = _decide(as_educator, entry, "approve", htmx=False)
    assert response.status_code == 303 and response.headers["Location"].endswith("/sign-off/")
    assert "This entry is already rejected by Eve Educator: nothing was changed." in _page(
        as_educator.get("/sign-off/"))
    assert _reloaded(entry.id).status is EntryStatus.REJECTED


@pytest.fixture
def edith(world):
    """A second educator of team A."""
    return factories.person(name="Edith Educator", role=Role.EDUCATOR, team=world.team_a,
                            email="edith@example.test", job_role="Clinical Educator", supports=[world.team_a])


def test_two_educators_the_second_gets_a_clear_message(app, as_educator, world, queue, edith):
    db.session.commit()
    second = sign_in(app.test_client(), edith)
    entry = queue["competency"]
    # Both have the queue open.
    assert f'id="queue-entry-{entry.id}"' in _text(second.get("/sign-off/", headers=HTMX))
    assert f'id="queue-entry-{entry.id}"' in _text(as_educator.get("/sign-off/", headers=HTMX))

    assert _decide(as_educator, entry, "approve").status_code == 200
    late = _decide(second, entry, "reject", "Not observed")
    html = _page(late)
    assert late.status_code == 200
    assert "This entry is already accepted by Eve Educator: nothing was changed." in html
    entry = _reloaded(entry.id)
    assert entry.status is EntryStatus.ACCEPTED and entry.decided_by_id == world.educator.id
    assert [e.actor_id for e in _decisions_on(entry.id)] == [world.educator.id]


def _decided_elsewhere_first(monkeypatch, app, *, entry_id: int, by_id: int):
    """While a request is deciding entry *entry_id* (loaded while it awaited), another
    request, with its own app context and session, approves it first and commits."""
    real = decisions.decide

    def racing(*, actor, entry, person, item, approve, reason="", notify=True):
        if entry.id == entry_id:
            with app.app_context():
                other = db.session.get(Entry, entry_id)
                real(actor=db.session.get(Person, by_id), entry=other, person=db.session.get(Person, other.person_id),
                     item=db.session.get(Item, other.item_id), approve=True)
                db.session.commit()
        return real(actor=actor, entry=entry, person=person, item=item, approve=approve, reason=reason, notify=notify)

    monkeypatch.setattr(decisions, "decide", racing)


def test_two_educators_at_the_same_moment_never_two_decisions(app, monkeypatch, as_educator, world, queue, edith):
    db.session.commit()
    entry_id = queue["competency"].id
    _decided_elsewhere_first(monkeypatch, app, entry_id=entry_id, by_id=edith.id)
    response = _decide(as_educator, queue["competency"], "reject", "Not observed")
    html = _page(response)
    assert response.status_code == 200, html[:500]
    assert html.lstrip().startswith(f'<tbody id="queue-entry-{entry_id}"')
    assert "Someone decided this entry a moment ago, so your decision was not saved." in html
    assert "queueChanged" in _triggers(response)
    entry = _reloaded(entry_id)
    assert entry.status is EntryStatus.ACCEPTED and entry.decided_by_id == edith.id
    assert [e.actor_id for e in _decisions_on(entry_id)] == [edith.id]


# ------------------------------------------------------------- bulk approve

@pytest.fixture
def bulk(world, queue):
    """Lee's competency and certificate await; Olu's belongs to team B; Lee's
    reflective practice entry was approved already, by Ada."""
    queue["decided"] = _entry(world.learner, world.optional, on=dt.date(2026, 2, 12), status=EntryStatus.ACCEPTED,
                              decided_by_id=world.admin.id, decided_by_name="Ada Admin",
                              decided_at=dt.datetime(2026, 2, 13, 9, 0, tzinfo=UTC))
    return queue


def test_bulk_approve_gives_a_result_for_each_row(as_educator, world, bulk):
    ids = [bulk["competency"].id, bulk["certificate"].id, bulk["other_team"].id]
    response = as_educator.post("/sign-off/approve", data={"entry": [str(i) for i in ids]}, headers=HTMX)
    html = _page(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="queue" data-focus-if-lost>') and "<html" not in html
    assert "2 approved, 1 not." in html
    # Another team's entry is counted, never described: no name, no item.
    assert NOT_YOURS in html and "Olu Other" not in html
    assert "queueChanged" in _triggers(response)
    assert _reloaded(bulk["competency"].id).status is EntryStatus.ACCEPTED
    assert _reloaded(bulk["certificate"].id).status is EntryStatus.ACCEPTED
    assert _reloaded(bulk["other_team"].id).status is EntryStatus.AWAITING
    # The refreshed queue no longer lists what was approved.
    assert f'id="queue-entry-{bulk["competency"].id}"' not in html
    assert f'id="queue-entry-{bulk["certificate"].id}"' not in html
    assert f'id="queue-entry-{bulk["prior"].id}"' in html          # not selected: still waiting
    assert "<strong>1</strong> waiting." in html
    assert _count_partial(as_educator) == 1


def test_bulk_approve_with_one_already_decided(as_educator, bulk):
    ids = [bulk["competency"].id, bulk["decided"].id, bulk["certificate"].id]
    response = as_educator.post("/sign-off/approve", data={"entry": [str(i) for i in ids]}, headers=HTMX)
    html = _page(response)
    assert response.status_code == 200
    assert "2 approved, 1 not." in html
    assert ("Lee Learner: Reflective practice: This entry is already accepted by Ada Admin: nothing was changed."
            in html)
    assert _reloaded(bulk["decided"].id).decided_by_name == "Ada Admin"
    assert _reloaded(bulk["certificate"].id).status is EntryStatus.ACCEPTED
    assert [e.action for e in _decisions_on(bulk["competency"].id)] == ["entry.signed_off"]
    assert [e.action for e in _decisions_on(bulk["certificate"].id)] == ["entry.approved"]
    assert _decisions_on(bulk["decided"].id) == []


def test_bulk_approve_ignores_repeats_and_counts_unknown_entries_as_it_counts_foreign_ones(as_educator, bulk):
    cid = str(bulk["competency"].id)
    response = as_educator.post("/sign-off/approve", data={"entry": [cid, cid, "999999", "x"]}, headers=HTMX)
    html = _page(response)
    assert "1 approved, 1 not." in html and NOT_YOURS in html and "999999" not in html
    assert len(_decisions_on(bulk["competency"].id)) == 1


def test_bulk_approve_says_the_same_of_a_foreign_entry_and_a_missing_one(as_educator, bulk):
    """Whether an id exists in another team or not at all, the answer is the same words: nothing about
    anyone outside the educator's teams can be learnt by trying ids."""
    foreign = _page(as_educator.post("/sign-off/approve", data={"entry": [str(bulk["other_team"].id)]},
                                     headers=HTMX))
    missing = _page(as_educator.post("/sign-off/approve", data={"entry": ["999999"]}, headers=HTMX))
    for html in (foreign, missing):
        assert "0 approved, 1 not." in html and NOT_YOURS in html
        assert "Olu Other" not in html and "Fire safety" not in html.split("waiting")[0]
    assert _reloaded(bulk["other_team"].id).status is EntryStatus.AWAITING


def test_bulk_approve_with_nothing_selected_says_what_to_do(as_educator, queue):
    response = as_educator.post("/sign-off/approve", data={}, headers=HTMX)
    html = _page(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="queue" data-focus-if-lost>')
    assert "Select the entries to approve first." in html
    assert "0 approved" not in html
    assert "<strong>3</strong> waiting." in html
    assert all(_reloaded(queue[k].id).status is EntryStatus.AWAITING for k in ("prior", "competency", "certificate"))


def test_bulk_approve_with_nothing_selected_counts_no_entry_as_refused(as_educator, queue):
    """The instruction is not a refused entry: "0 approved, 1 not." tells the
    educator that one entry was not approved when none were chosen."""
    html = _page(as_educator.post("/sign-off/approve", data={}, headers=HTMX))
    assert "Select the entries to approve first." in html
    assert "1 not" not in html


def test_bulk_approve_without_javascript_redirects_with_messages(as_educator, bulk):
    ids = [bulk["competency"].id, bulk["certificate"].id, bulk["other_team"].id]
    response = as_educator.post("/sign-off/approve", data={"entry": [str(i) for i in ids]})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/sign-off/")
    page = _page(as_educator.get("/sign-off/"))
    assert "2 approved, 1 not." in page
    assert NOT_YOURS in page and "Olu Other" not in page
    assert _header_count(page) == 1

    nothing = as_educator.post("/sign-off/approve", data={})
    assert nothing.status_code == 303
    assert "Select the entries to approve first." in _page(as_educator.get("/sign-off/"))


def test_bulk_approve_keeps_the_filters_without_javascript(as_admin, world, queue):
    response = as_admin.post(f"/sign-off/approve?team={world.team_b.id}",
                             data={"entry": [str(queue["other_team"].id)]})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/sign-off/?team={world.team_b.id}")
    assert "1 approved." in _page(as_admin.get(response.headers["Location"]))


def test_bulk_approve_when_someone_decides_one_at_the_same_moment(app, monkeypatch, as_educator, queue, edith):
    """One of the selection is decided by another educator while this request
    runs: nothing of the selection is kept, and the educator is told to select again.
    (The raced entry comes first: on SQLite a second writer cannot commit while this
    request holds the write lock of an approval it has already flushed.)"""
    db.session.commit()
    raced, first = queue["certificate"], queue["competency"]
    _decided_elsewhere_first(monkeypatch, app, entry_id=raced.id, by_id=edith.id)
    response = as_educator.post("/sign-off/approve", data={"entry": [str(raced.id), str(first.id)]}, headers=HTMX)
    html = _page(response)
    assert response.status_code == 200, html[:800]
    assert "Someone else decided some of these at the same moment, so nothing was approved." in html
    assert _reloaded(first.id).status is EntryStatus.AWAITING
    assert _decisions_on(first.id) == []
    raced = _reloaded(raced.id)
    assert raced.decided_by_id == edith.id
    assert [e.actor_id for e in _decisions_on(raced.id)] == [edith.id]
    # The learner hears of the approval that was kept (the other educator's), never of the one that was not.
    from skillpass.models import Message
    told = db.session.scalars(select(Message).where(Message.kind == "entry_decided")).all()
    assert [m.subject for m in told] == [f"{db.session.get(Item, raced.item_id).title}: approved"]


def test_bulk_approve_tells_each_learner_once_the_batch_stands(as_educator, world, queue):
    from skillpass.models import Message
    chosen = [queue["certificate"], queue["competency"]]
    db.session.commit()
    response = as_educator.post("/sign-off/approve", data={"entry": [str(e.id) for e in chosen]}, headers=HTMX)
    assert response.status_code == 200
    told = db.session.scalars(select(Message).where(Message.kind == "entry_decided")).all()
    assert sorted(m.subject for m in told) == sorted([f"{world.stress.title}: approved",
                                                      f"{world.competency.title}: signed off"])


# ------------------------------------------------------------- from a person's passport

@pytest.fixture
def on_passport(world):
    """Lee: a competency awaiting sign-off, a certificate awaiting approval, an accepted entry."""
    return dict(
        competency=_entry(world.learner, world.competency, on=dt.date(2026, 2, 20)),
        certificate=_entry(world.learner, world.fire, on=dt.date(2026, 2, 21)),
        accepted=_entry(world.learner, world.stress, on=dt.date(2026, 2, 22), status=EntryStatus.ACCEPTED),
    )


def test_educator_sees_decision_controls_on_a_persons_passport(as_educator, world, on_passport):
    page = _page(as_educator.get(f"/people/{world.learner.id}/passport"))
    competency = _item_row(page, world.competency.id)
    assert ">Sign off<span" in competency and ">Reject<span" in competency
    assert (f'action="/people/{world.learner.id}/passport/entries/{on_passport["competency"].id}/decision"'
            in competency)
    assert "Record observed practice" not in competency           # one is already waiting
    certificate = _item_row(page, world.fire.id)
    assert ">Approve<span" in certificate and ">Reject<span" in certificate
    assert "Reason for rejecting</legend>" in certificate and "Lee Learner sees it." in certificate
    assert "nhsuk-button--warning nhsuk-button--small app-button-inline\" type=\"submit\">Reject<span" in certificate
    accepted = _item_row(page, world.stress.id)
    assert ">Revoke<span" in accepted
    assert f'action="{_revoke_url(on_passport["accepted"])}"' in accepted
    assert "Approve" not in accepted and "Sign off" not in accepted
    nothing = _item_row(page, world.optional.id)
    assert "/sign-off/" not in nothing and "/passport/entries/" not in nothing and "Revoke" not in nothing


def test_record_observed_practice_is_offered_on_competency_rows(as_educator, world):
    page = _page(as_educator.get(f"/people/{world.learner.id}/passport"))
    competency = _item_row(page, world.competency.id)
    assert "Record observed practice" in competency
    assert f'href="/people/{world.learner.id}/passport/items/{world.competency.id}/observed"' in competency
    assert "Record observed practice" not in _item_row(page, world.fire.id)


def test_approving_from_the_passport_swaps_the_row(as_educator, world, on_passport):
    entry = on_passport["competency"]
    response = _decide_on_passport(as_educator, entry, "approve")
    html = _page(response)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="item-{world.competency.id}"') and "<html" not in html
    assert "Signed off by Eve Educator, Practice Educator, 2 Mar 2026" in html
    assert "Complete" in html and ">Revoke<span" in html and "Record observed practice" not in html  # met: nothing to observe
    assert '<div id="flash" hx-swap-oob="innerHTML">' in html
    assert "Signed off Moving a patient with a hoist for Lee Learner." in html
    triggers = _triggers(response)
    assert "passportChanged" in triggers and "queueChanged" in triggers
    assert f"section{world.month6.id}Changed" in triggers
    assert _reloaded(entry.id).status is EntryStatus.ACCEPTED
    assert _count_partial(as_educator) == 1


def test_approving_from_the_passport_without_javascript(as_educator, world, on_passport):
    response = _decide_on_passport(as_educator, on_passport["certificate"], "approve", htmx=False)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/people/{world.learner.id}/passport#item-{world.fire.id}")
    page = _page(as_educator.get(f"/people/{world.learner.id}/passport"))
    assert "Approved Fire safety for Lee Learner." in page
    assert "Signed off by Eve Educator, Practice Educator, 2 Mar 2026" in _item_row(page, world.fire.id)


def test_rejecting_from_the_passport_needs_a_reason(as_educator, world, on_passport):
    entry = on_passport["competency"]
    response = _decide_on_passport(as_educator, entry, "reject", "")
    html = _page(response)
    assert response.status_code == 422
    assert html.lstrip().startswith(f'<tr id="item-{world.competency.id}"')
    assert REASON_NEEDED in html and f'id="reject-reason-{entry.id}-error"' in html
    assert "<details class=\"nhsuk-details app-reject\" open>" in html
    assert "HX-Trigger" not in response.headers
    # Without JavaScript: the whole passport again, the message and the form open in place.
    plain = _decide_on_passport(as_educator, entry, "reject", "  ", htmx=False)
    page = _page(plain)
    assert plain.status_code == 422 and "<html" in page and REASON_NEEDED in page
    assert REASON_NEEDED in _item_row(page, world.competency.id)
    assert _reloaded(entry.id).status is EntryStatus.AWAITING


def test_revoking_needs_a_reason(as_educator, world, on_passport):
    entry = on_passport["accepted"]
    response = as_educator.post(_revoke_url(entry), data={"reason": ""}, headers=HTMX)
    html = _page(response)
    assert response.status_code == 422
    assert html.lstrip().startswith(f'<tr id="item-{world.stress.id}"')
    assert REVOKE_REASON_NEEDED in html and f'id="revoke-reason-{entry.id}-error"' in html
    assert _reloaded(entry.id).status is EntryStatus.ACCEPTED

    plain = as_educator.post(_revoke_url(entry), data={"reason": "   "})
    page = _page(plain)
    assert plain.status_code == 422 and "<html" in page
    assert REVOKE_REASON_NEEDED in _item_row(page, world.stress.id)
    assert _reloaded(entry.id).status is EntryStatus.ACCEPTED
    assert _events("entry.revoked") == []


def test_revoking_with_a_reason_the_learner_sees_it(as_educator, as_learner, world, on_passport):
    entry = on_passport["accepted"]
    reason = "The course was not the accredited one."
    response = as_educator.post(_revoke_url(entry), data={"reason": reason}, headers=HTMX)
    html = _page(response)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="item-{world.stress.id}"')
    assert "Lee Learner: Managing work and life stress revoked." in html
    assert f"The entry of 22 Feb 2026 was revoked by Eve Educator: {reason}" in html
    assert "passportChanged" in _triggers(response)
    entry = _reloaded(entry.id)
    assert entry.status is EntryStatus.REVOKED and entry.decision_reason == reason
    assert entry.decided_by_id == world.educator.id
    [event] = _events("entry.revoked", entry.id)
    assert reason in event.summary

    row = _item_row(_page(as_learner.get("/passport")), world.stress.id)
    assert f"Your entry of 22 Feb 2026 was revoked by Eve Educator: {reason}" in row
    assert "To do" in row

    # Revoked once; a second revocation is refused and names where it stands.
    again = as_educator.post(_revoke_url(entry), data={"reason": reason}, headers=HTMX)
    assert "Only an accepted entry can be revoked; this one is revoked." in _page(again)
    assert len(_events("entry.revoked", entry.id)) == 1


def test_revoking_without_javascript_redirects(as_educator, world, on_passport):
    entry = on_passport["accepted"]
    response = as_educator.post(_revoke_url(entry), data={"reason": "Wrong course."})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/people/{world.learner.id}/passport#item-{world.stress.id}")
    assert "Lee Learner: Managing work and life stress revoked." in _page(
        as_educator.get(f"/people/{world.learner.id}/passport"))


def test_observed_practice_counts_at_once_signed_off_by_the_educator(as_educator, as_learner, world):
    url = f"/people/{world.learner.id}/passport/items/{world.competency.id}/observed"
    form = _page(as_educator.get(url, headers=HTMX))
    assert form.lstrip().startswith(f'<tr id="item-{world.competency.id}"') and "<html" not in form
    assert "Record observed practice: Moving a patient with a hoist" in form
    assert 'name="method" value="observed"' in form
    assert "Observed practice counts at once, signed off in your name (Practice Educator)." in form
    assert "The day you observed Lee Learner practising it." in form

    response = as_educator.post(url, data={"completed_on": "2026-03-01", "method": "observed",
                                           "note": "On Ward 7"}, headers=HTMX)
    html = _page(response)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="item-{world.competency.id}"')
    assert "Observed practice, 1 Mar 2026" in html
    assert "Signed off by Eve Educator, Practice Educator, 2 Mar 2026" in html
    assert ("Lee Learner: Moving a patient with a hoist: observed practice recorded 1 Mar 2026. Status: Complete."
            in html)
    assert "passportChanged" in _triggers(response)

    [entry] = db.session.scalars(select(Entry).where(Entry.person_id == world.learner.id)).all()
    assert entry.method is EntryMethod.OBSERVED and entry.status is EntryStatus.ACCEPTED
    assert entry.recorded_by_id == world.educator.id and entry.decided_by_id == world.educator.id
    assert entry.decided_by_name == "Eve Educator" and entry.decided_by_job_title == "Practice Educator"
    assert _count_partial(as_educator) == 0                   # nothing waits: it counts at once

    row = _item_row(_page(as_learner.get("/passport")), world.competency.id)
    assert "Complete" in row and "Signed off by Eve Educator, Practice Educator, 2 Mar 2026" in row


def test_observed_practice_without_javascript(as_educator, world):
    url = f"/people/{world.learner.id}/passport/items/{world.competency.id}/observed"
    page = _page(as_educator.get(url))
    assert "<html" in page and "Record observed practice" in page
    response = as_educator.post(url, data={"completed_on": "2026-03-01", "method": "observed"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/people/{world.learner.id}/passport#item-{world.competency.id}")
    bad = as_educator.post(url, data={"completed_on": "2026-03-09", "method": "observed"})
    assert bad.status_code == 422 and "The date cannot be in the future" in _page(bad)
    empty = as_educator.post(url, data={"completed_on": "", "method": "observed"})
    assert "Enter the date you observed Lee Learner practising it" in _page(empty)
    assert "hx-post" not in _page(empty)      # its own page: a plain form, with JavaScript or without


def test_observed_practice_is_for_competencies_only(as_educator, world):
    url = f"/people/{world.learner.id}/passport/items/{world.fire.id}/observed"
    assert as_educator.get(url, headers=HTMX).status_code == 404


def test_the_learner_never_sees_decision_controls_on_their_own_passport(as_learner, world, on_passport):
    page = _page(as_learner.get("/passport"))
    for text in (">Sign off<", "/sign-off/entries/", "/passport/entries/", ">Revoke<", "Record observed practice",
                 "/observed", 'name="decision"'):
        assert text not in page, text
    assert ">Withdraw<span" in _item_row(page, world.competency.id)
    # Nor can they act by posting.
    assert _decide(as_learner, on_passport["competency"], "approve").status_code == 403
    assert _decide_on_passport(as_learner, on_passport["competency"], "approve").status_code == 403
    assert as_learner.post(_revoke_url(on_passport['accepted']),
                           data={"reason": "x"}, headers=HTMX).status_code == 403
    assert as_learner.post(f"/people/{world.learner.id}/passport/items/{world.competency.id}/observed",
                           data={"completed_on": "2026-03-01", "method": "observed"}).status_code == 403
    assert _reloaded(on_passport["competency"].id).status is EntryStatus.AWAITING


def test_a_passport_decision_names_the_entry_under_its_own_persons_passport(as_educator, world, on_passport):
    """The address says whose passport: an entry named under another person's is not there."""
    for entry, action, data in ((on_passport["competency"], "decision", {"decision": "approve"}),
                                (on_passport["accepted"], "revoke", {"reason": "Wrong course."})):
        for headers in (HTMX, {}):
            url = f"/people/{world.other_learner.id}/passport/entries/{entry.id}/{action}"
            assert as_educator.post(url, data=data, headers=headers).status_code == 404, (url, headers)
    assert _reloaded(on_passport["competency"].id).status is EntryStatus.AWAITING
    assert _reloaded(on_passport["accepted"].id).status is EntryStatus.ACCEPTED


def test_the_other_teams_educator_cannot_decide(app, world, on_passport):
    oscar = sign_in(app.test_client(), world.other_educator)
    assert _decide(oscar, on_passport["competency"], "approve").status_code == 403
    assert _decide_on_passport(oscar, on_passport["competency"], "approve").status_code == 403
    assert oscar.post(_revoke_url(on_passport['accepted']),
                      data={"reason": "x"}, headers=HTMX).status_code == 403
    assert _reloaded(on_passport["competency"].id).status is EntryStatus.AWAITING


def test_an_admins_own_entries_are_not_in_their_queue_and_not_theirs_to_decide(app, as_admin, world, queue):
    factories.assign(world.admin, world.template)
    own = _entry(world.admin, world.competency, on=dt.date(2026, 2, 25))
    html = _page(as_admin.get("/sign-off/"))
    assert f'id="queue-entry-{own.id}"' not in html
    assert f'id="queue-entry-{queue["competency"].id}"' in html
    assert _header_count(html) == 5                            # everyone's but Ada's own

    assert _decide(as_admin, own, "approve").status_code == 403
    bulk = _page(as_admin.post("/sign-off/approve", data={"entry": [str(own.id)]}, headers=HTMX))
    assert NOT_YOURS in bulk and "Ada Admin: Moving" not in bulk
    assert _reloaded(own.id).status is EntryStatus.AWAITING
    own_passport = _page(as_admin.get("/passport"))
    assert "/sign-off/entries/" not in own_passport and "/passport/entries/" not in own_passport
    assert "Record observed practice" not in own_passport

    # Another admin may.
    other_admin = factories.person(name="Abe Admin", role=Role.ADMIN, email="abe@example.test")
    db.session.commit()
    abe = sign_in(app.test_client(), other_admin)
    assert _decide(abe, own, "approve").status_code == 200
    assert _reloaded(own.id).status is EntryStatus.ACCEPTED


# ------------------------------------------------------------- print shows the sign-off

def test_print_shows_the_sign_off_after_approval(as_educator, as_learner, world):
    entry = _record(as_learner, world.learner, world.competency, completed_on="2026-02-20", method="here")
    before = _page(as_learner.get(f"/people/{world.learner.id}/passport/print"))
    assert "Awaiting an educator" in before and "Eve Educator" not in before
    assert _decide(as_educator, entry, "approve").status_code == 200
    for client in (as_learner, as_educator):
        page = _page(client.get(f"/people/{world.learner.id}/passport/print"))
        assert "Eve Educator, Practice Educator\n2 Mar 2026" in page   # a new line in its cell (print.css: pre-line)
        assert "20 Feb 2026" in page


def test_prior_learning_approval_shows_where_and_who_accepted_it(as_educator, as_learner, world):
    entry = _record(as_learner, world.learner, world.stress, completed_on="2025-06-01", method="equivalent",
                    equivalent_source="Leeds Teaching Hospitals")
    assert entry.status is EntryStatus.AWAITING
    queue_row = _queue_row(_page(as_educator.get("/sign-off/")), entry.id)
    assert "Equivalent training demonstrated at Leeds Teaching Hospitals, 1 Jun 2025" in queue_row
    assert "Equivalent training demonstrated" in queue_row and "Since today" in queue_row

    approved = _decide(as_educator, entry, "approve")
    assert "Approved Managing work and life stress for Lee Learner." in _page(approved)

    for client, url in ((as_learner, "/passport"), (as_educator, f"/people/{world.learner.id}/passport")):
        row = _item_row(_page(client.get(url)), world.stress.id)
        assert "Equivalent training demonstrated at Leeds Teaching Hospitals, 1 Jun 2025" in row
        assert "Accepted by Eve Educator, Practice Educator, 2 Mar 2026" in row
        assert "Complete" in row
    printed = _page(as_learner.get(f"/people/{world.learner.id}/passport/print"))
    assert "Equivalent training demonstrated at Leeds Teaching Hospitals, 1 Jun 2025" in printed
    assert "Eve Educator, Practice Educator\n2 Mar 2026" in printed


# ------------------------------------------------------------- query counts

def _queue_of(people: int, per_person: int):
    team = factories.team()
    educator = factories.person(role=Role.EDUCATOR, team=team, supports=[team], job_role="Practice Educator")
    tpl = factories.template()
    sec = factories.section(tpl, "Within 4 weeks", 4, "weeks")
    items = [factories.item(sec, f"Skill {n}", kind=ItemKind.COMPETENCY if n % 2 else ItemKind.LEARNING,
                            position=n) for n in range(per_person)]
    made = 0
    for p in range(people):
        learner = factories.person(team=team)
        factories.assign(learner, tpl)
        for n, item in enumerate(items):
            equivalent = (p + n) % 3 == 0
            entry = Entry(person_id=learner.id, item_id=item.id, completed_on=dt.date(2026, 2, 1 + n),
                          method=EntryMethod.EQUIVALENT if equivalent else EntryMethod.HERE,
                          equivalent_source="Leeds Teaching Hospitals" if equivalent else "",
                          evidence_id=_evidence(learner).id if n % 2 else None,
                          status=EntryStatus.AWAITING, recorded_by_id=learner.id,
                          recorded_at=dt.datetime(2026, 2, 1 + p, 9, n, tzinfo=UTC))
            db.session.add(entry)
            made += 1
    db.session.commit()
    return educator, made


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["full page", "htmx partial"])
def test_queue_query_count_does_not_grow_with_the_queue(app, headers):
    counts = []
    for people, per_person in ((3, 1), (10, 4)):
        educator, made = _queue_of(people, per_person)
        client = sign_in(app.test_client(), educator)
        client.get("/sign-off/", headers=headers)             # warm
        with count_queries() as log:
            response = client.get("/sign-off/", headers=headers)
        assert response.status_code == 200
        assert _text(response).count('<tbody id="queue-entry-') == made
        counts.append(log)
    small, large = counts
    assert small.count == large.count, f"small: {small!r}\n\nlarge: {large!r}"



def test_a_decision_keeps_the_queues_filters_and_the_last_one_redraws_the_queue(as_educator, world, queue):
    page = _text(as_educator.get("/sign-off/?kind=competency"))
    assert '<input type="hidden" name="kind" value="competency">' in page
    # The only competency waiting: once it is approved, nothing waits with this filter.
    response = _decide(as_educator, queue["competency"], "approve", kind="competency")
    html = _page(response)
    assert response.headers["HX-Retarget"] == "#queue" and response.headers["HX-Reswap"] == "outerHTML"
    assert html.lstrip().startswith('<div id="queue" data-focus-if-lost>') and "queue-entry-" not in html
    assert "Nothing is waiting with these filters (2 in all)." in html
    assert 'id="queue-summary" tabindex="-1" data-focus' in html
    assert "Signed off Moving a patient with a hoist for Lee Learner." in html
    # With no filter, two wait: the words say so.
    response = _decide(as_educator, queue["certificate"], "approve")
    assert "<strong>1</strong> waiting." in _page(response) and "HX-Retarget" not in response.headers


def test_approving_nothing_selected_does_not_announce_a_change(as_educator, queue):
    response = as_educator.post("/sign-off/approve", data={}, headers=HTMX)
    assert "Select the entries to approve first." in _page(response)
    assert "HX-Trigger" not in response.headers


def test_the_queue_links_the_questionnaires_recommendations_beside_it_with_how_many_wait(as_educator, world):
    from skillpass.services.questionnaire import answers, questions

    question = questions.add_question(actor=world.admin, text="Do you drive a trust vehicle?", kind="yes_no")
    driving = factories.template("Driving at work")
    yes = questions.question_view(question).options[0].option
    questions.update_question(actor=world.admin, question=question, text=question.text, hint="", labels={},
                              retire=set(), new_options="", recommends={yes.id: {driving.id}})
    answers.save_answers(actor=world.learner, person=world.learner, chosen={question.id: yes.id},
                         today=dt.date(2026, 3, 1))
    db.session.commit()
    html = as_educator.get("/sign-off/").get_data(as_text=True)
    assert 'href="/recommendations"' in html and "1 waiting for approval" in html
