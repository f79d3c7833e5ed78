"""The audit log for admins (browse, filter, page), each passport row's own
history, and the supported teams an admin sets for an educator (audited)."""
from __future__ import annotations

import datetime as dt
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import AuditEvent, Entry, EntryMethod, EntryStatus
from tests.conftest import HTMX, sign_in

UTC = dt.timezone.utc
BAD_DATE = "Enter a real date, for example 2026-01-15."


# ------------------------------------------------------------- helpers

def _text(response) -> str:
    return response.get_data(as_text=True)


def _page(response) -> str:
    return unescape(_text(response))


def _event(action, *, actor, person, summary, at, before=None, after=None, subject_type="Entry") -> AuditEvent:
    event = AuditEvent(at=at, actor_id=getattr(actor, "id", None), action=action, subject_type=subject_type,
                       subject_id=None, person_id=getattr(person, "id", None), summary=summary,
                       before=before, after=after)
    db.session.add(event)
    db.session.commit()
    return event


def _audit_row(html: str, event_id: int) -> str:
    """One event's row, its before-and-after table included (whose own rows end "</td></tr>")."""
    match = re.search(rf'<tr class="nhsuk-table__row" id="audit-{event_id}">.*?</td>\s+</tr>', html, re.S)
    assert match, f"no row for event {event_id}"
    return match.group(0)


def _shown(html: str, events) -> set[int]:
    return {e.id for e in events if f'id="audit-{e.id}"' in html}


def _link(html: str, label: str) -> str | None:
    match = re.search(rf'<a href="([^"]+)"[^>]*>{label}</a>', html)
    return unescape(match.group(1)) if match else None


def _decide(client, entry_id, decision, reason=""):
    response = client.post(f"/sign-off/entries/{entry_id}/decision",
                           data={"decision": decision, "reason": reason}, headers=HTMX)
    assert response.status_code == 200, _text(response)[:500]
    return response


def _record(client, person, item, **data) -> Entry:
    response = client.post(f"/people/{person.id}/passport/items/{item.id}/record", data=data, headers=HTMX)
    assert response.status_code == 200, _text(response)[:500]
    return db.session.scalars(
        select(Entry).where(Entry.person_id == person.id, Entry.item_id == item.id).order_by(Entry.id.desc())
    ).first()


@pytest.fixture
def events(world):
    """Four events of February and January, by several people, about several people."""
    return dict(
        recorded=_event("entry.recorded", actor=world.learner, person=world.learner,
                        summary="Fire safety: completed here on 10 Feb 2026 (accepted)",
                        at=dt.datetime(2026, 2, 10, 9, 15, tzinfo=UTC),
                        after={"status": "accepted", "completed_on": "2026-02-10"}),
        signed_off=_event("entry.signed_off", actor=world.educator, person=world.learner,
                          summary="Moving a patient with a hoist: completed here, 20 Feb 2026 (competency) signed off",
                          at=dt.datetime(2026, 2, 20, 23, 30, tzinfo=UTC),
                          before={"status": "awaiting", "decided_by_id": None, "note": "On Ward 7"},
                          after={"status": "accepted", "decided_by_id": world.educator.id, "note": "On Ward 7"}),
        rejected=_event("entry.rejected", actor=world.other_educator, person=world.other_learner,
                        summary="Fire safety: completed here, 1 Feb 2026 (certificate) rejected: Wrong course",
                        at=dt.datetime(2026, 2, 15, 11, 0, tzinfo=UTC),
                        before={"status": "awaiting"}, after={"status": "rejected"}),
        seeded=_event("demo.seeded", actor=None, person=None, summary="Demo trust seeded",
                      at=dt.datetime(2026, 1, 15, 8, 0, tzinfo=UTC)),
    )


# ------------------------------------------------------------- the audit log

def test_audit_log_lists_events_newest_first_with_who_what_and_changes(as_admin, world, events):
    response = as_admin.get("/admin/audit")
    html = _page(response)
    assert response.status_code == 200
    assert "<html" in html and "Audit log" in html
    assert "Nothing here can be edited or deleted." in html

    order = [events[k].id for k in ("signed_off", "rejected", "recorded", "seeded")]
    positions = [html.index(f'id="audit-{i}"') for i in order]
    assert positions == sorted(positions), "newest first"

    row = _audit_row(html, events["signed_off"].id)
    assert "20 Feb 2026, 23:30" in row
    assert ">Eve Educator<" in row and ">Signed off<" in row
    assert f'<a href="/people/{world.learner.id}/passport">Lee Learner</a>' in row
    assert "Moving a patient with a hoist: completed here, 20 Feb 2026 (competency) signed off" in row
    assert "Before and after" in row
    assert re.search(r'>status</th>\s*<td class="nhsuk-table__cell">awaiting</td>\s*'
                     r'<td class="nhsuk-table__cell">accepted</td>', row)
    assert re.search(rf'>decided by</th>\s*<td class="nhsuk-table__cell">—</td>\s*'
                     rf'<td class="nhsuk-table__cell">{world.educator.id}</td>', row)
    assert ">note<" not in row                                   # unchanged fields are left out

    recorded = _audit_row(html, events["recorded"].id)
    assert ">Entry recorded<" in recorded and ">Lee Learner<" in recorded
    assert re.search(r'>completed on</th>\s*<td class="nhsuk-table__cell">—</td>\s*'
                     r'<td class="nhsuk-table__cell">2026-02-10</td>', recorded)

    seeded = _audit_row(html, events["seeded"].id)
    assert ">The system<" in seeded and ">Demo data seeded<" in seeded and ">—<" in seeded
    assert "Before and after" not in seeded


def test_audit_log_shows_a_real_sign_off_with_its_before_and_after(app, as_admin, as_learner, as_educator, world):
    entry = _record(as_learner, world.learner, world.competency, completed_on="2026-02-20", method="here")
    _decide(as_educator, entry.id, "approve")
    html = _page(as_admin.get("/admin/audit?action=entry.signed_off"))
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "entry.signed_off")).all()
    row = _audit_row(html, event.id)
    assert ">Eve Educator<" in row and ">Signed off<" in row and ">Lee Learner<" in row
    assert "Moving a patient with a hoist: Completed here, 20 Feb 2026 (competency) signed off" in row
    assert re.search(r'>status</th>\s*<td class="nhsuk-table__cell">awaiting</td>\s*'
                     r'<td class="nhsuk-table__cell">accepted</td>', row)
    assert "1 event matching these filters." in html
    recorded = _page(as_admin.get("/admin/audit?action=entry.recorded"))
    assert "Entry recorded" in recorded and "Lee Learner" in recorded and "1 event matching these filters." in recorded


def test_audit_log_filters_by_person_name_or_employee_number(as_admin, world, events):
    lee = _page(as_admin.get("/admin/audit?person=lee"))
    assert _shown(lee, events.values()) == {events["recorded"].id, events["signed_off"].id}
    assert 'id="audit-person" name="person" type="search" value="lee"' in lee
    assert "2 events matching these filters." in lee

    by_number = _page(as_admin.get("/admin/audit", query_string={"person": world.other_learner.employee_number}))
    assert _shown(by_number, events.values()) == {events["rejected"].id}

    nobody = _page(as_admin.get("/admin/audit?person=%25"))     # a literal %, not a wildcard
    assert _shown(nobody, events.values()) == set() and "0 events matching these filters." in nobody


def test_audit_log_filters_by_actor_name(as_admin, events):
    oscar = _page(as_admin.get("/admin/audit?actor=Oscar"))
    assert _shown(oscar, events.values()) == {events["rejected"].id}
    educators = _page(as_admin.get("/admin/audit?actor=educator"))
    assert _shown(educators, events.values()) == {events["signed_off"].id, events["rejected"].id}


def test_audit_log_filters_by_action(as_admin, events):
    html = _page(as_admin.get("/admin/audit?action=entry.rejected"))
    assert _shown(html, events.values()) == {events["rejected"].id}
    assert '<option value="entry.rejected" selected>Rejected</option>' in html
    unknown = _page(as_admin.get("/admin/audit?action=entry.deleted"))    # not an action: no filter
    assert _shown(unknown, events.values()) == {e.id for e in events.values()}


def test_audit_log_filters_by_date_range(as_admin, events):
    feb = _page(as_admin.get("/admin/audit?from=2026-02-01&to=2026-02-15"))
    assert _shown(feb, events.values()) == {events["recorded"].id, events["rejected"].id}
    assert 'id="audit-from" name="from" type="date" value="2026-02-01"' in feb
    # The end date is inclusive: an event late on the 20th is in.
    to_20 = _page(as_admin.get("/admin/audit?from=2026-02-16&to=2026-02-20"))
    assert _shown(to_20, events.values()) == {events["signed_off"].id}
    since = _page(as_admin.get("/admin/audit?from=2026-02-11"))
    assert _shown(since, events.values()) == {events["signed_off"].id, events["rejected"].id}
    until = _page(as_admin.get("/admin/audit?to=2026-02-09"))
    assert _shown(until, events.values()) == {events["seeded"].id}


def test_audit_log_filters_combined(as_admin, events):
    html = _page(as_admin.get("/admin/audit?person=lee&actor=eve&action=entry.signed_off"
                              "&from=2026-02-01&to=2026-02-28"))
    assert _shown(html, events.values()) == {events["signed_off"].id}
    assert "1 event matching these filters." in html
    none = _page(as_admin.get("/admin/audit?person=lee&actor=oscar"))
    assert _shown(none, events.values()) == set()


def test_a_bad_date_is_refused_in_place(as_admin, events):
    response = as_admin.get("/admin/audit?from=2026-02-30&person=lee")
    html = _page(response)
    assert response.status_code == 422
    assert "<html" in html and "There is a problem" in html
    assert ('<span class="nhsuk-error-message" id="audit-from-error">'
            f'<span class="nhsuk-u-visually-hidden">Error:</span> {BAD_DATE}</span>') in html
    assert 'value="2026-02-30"' in html and 'aria-describedby="audit-from-error"' in html
    assert 'value="lee"' in html                                    # the other filters are kept
    assert f'<a href="#audit-from">{BAD_DATE}</a>' in html

    partial = as_admin.get("/admin/audit?to=yesterday", headers=HTMX)
    html = _page(partial)
    assert partial.status_code == 422
    assert html.lstrip().startswith('<div id="audit-results">') and "<html" not in html
    assert f'<a href="#audit-to">{BAD_DATE}</a>' in html


def test_an_end_date_before_the_start_date_is_refused(as_admin, events):
    response = as_admin.get("/admin/audit?from=2026-02-20&to=2026-02-10")
    assert response.status_code == 422
    assert "The end date must be on or after the start date." in _page(response)


def test_audit_log_pages_fifty_at_a_time_with_newer_and_older_links(as_admin, world):
    made = [_event("entry.withdrawn", actor=world.learner, person=world.learner, summary=f"Withdrawal {n:02d}",
                   at=dt.datetime(2026, 1, 1, tzinfo=UTC) + dt.timedelta(hours=n)) for n in range(55)]
    first = _page(as_admin.get("/admin/audit?action=entry.withdrawn"))
    assert "55 events matching these filters, 50 a page, newest first." in first
    assert first.count('<tr class="nhsuk-table__row" id="audit-') == 50
    assert "Withdrawal 54" in first and "Withdrawal 05" in first and "Withdrawal 04" not in first
    assert "Page 1 of 2" in first and "Newer events" not in first
    older = _link(first, "Older events")
    assert older and parse_qs(urlsplit(older).query) == {"action": ["entry.withdrawn"], "page": ["2"]}

    second = _page(as_admin.get(older))
    assert second.count('<tr class="nhsuk-table__row" id="audit-') == 5
    assert "Withdrawal 04" in second and "Withdrawal 00" in second and "Withdrawal 05" not in second
    assert "Page 2 of 2" in second and "Older events" not in second
    newer = _link(second, "Newer events")
    assert newer and parse_qs(urlsplit(newer).query) == {"action": ["entry.withdrawn"], "page": ["1"]}

    partial = _page(as_admin.get(older, headers=HTMX))
    assert partial.lstrip().startswith('<div id="audit-results">') and "<html" not in partial
    assert 'hx-target="#audit-results"' in partial and "Withdrawal 00" in partial
    assert len(made) == 55


def test_audit_log_partial_for_htmx(as_admin, events):
    response = as_admin.get("/admin/audit?person=olu", headers=HTMX)
    html = _page(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="audit-results">')
    assert "<html" not in html and "<form" not in html
    assert _shown(html, events.values()) == {events["rejected"].id}


@pytest.mark.parametrize("who", ["learner", "other_learner", "educator", "other_educator"])
def test_only_admins_see_the_audit_log(app, world, who):
    client = sign_in(app.test_client(), getattr(world, who))
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit", headers=HTMX).status_code == 403


# ------------------------------------------------------------- an item's history

@pytest.fixture
def history(as_learner, as_educator, world):
    """Lee: a competency rejected, recorded again and signed off; a fire entry;
    Olu: a competency entry of his own."""
    first = _record(as_learner, world.learner, world.competency, completed_on="2026-02-20", method="here")
    _decide(as_educator, first.id, "reject", "Please repeat with a patient present.")
    second = _record(as_learner, world.learner, world.competency, completed_on="2026-02-27", method="here")
    _decide(as_educator, second.id, "approve")
    fire = _record(as_learner, world.learner, world.fire, completed_on="2026-02-10", method="here")
    olu = Entry(person_id=world.other_learner.id, item_id=world.competency.id, completed_on=dt.date(2026, 2, 3),
                method=EntryMethod.HERE, status=EntryStatus.AWAITING, recorded_by_id=world.other_learner.id)
    db.session.add(olu)
    db.session.commit()
    return dict(first=first, second=second, fire=fire, olu=olu)


def _history_entries(html: str) -> list[str]:
    return re.findall(r'<li class="app-history__entry">.*?</ul>\s*</li>', html, re.S)


def test_item_history_partial_lists_each_entry_with_its_events(as_educator, world, history):
    url = f"/people/{world.learner.id}/passport/items/{world.competency.id}/history"
    response = as_educator.get(url, headers=HTMX)
    html = _page(response)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<div id="history-{world.competency.id}" class="app-history">')
    assert "<html" not in html

    entries = _history_entries(html)
    assert len(entries) == 2                                    # Lee's two; not Olu's, not fire's
    newest, oldest = entries
    assert "27 Feb 2026" in newest and "Completed here" in newest and "<strong>Accepted</strong>" in newest
    assert re.search(r"2 Mar 2026, \d\d:\d\d: Entry recorded by Lee Learner", newest)
    assert re.search(r"2 Mar 2026, \d\d:\d\d: Signed off by Eve Educator", newest)
    assert "20 Feb 2026" in oldest
    assert "<strong>Rejected</strong>: Please repeat with a patient present." in oldest
    assert re.search(r"Entry recorded by Lee Learner</li>\s*<li>2 Mar 2026, \d\d:\d\d: Rejected by Eve Educator",
                     oldest)
    assert "3 Feb 2026" not in html and "10 Feb 2026" not in html


def test_item_history_shows_prior_learning_and_withdrawals(as_learner, as_educator, world):
    approved = _record(as_learner, world.learner, world.stress, completed_on="2025-06-01", method="equivalent",
                       equivalent_source="Leeds Teaching Hospitals")
    _decide(as_educator, approved.id, "approve")
    html = _page(as_learner.get(f"/people/{world.learner.id}/passport/items/{world.stress.id}/history",
                                headers=HTMX))
    assert "Equivalent training demonstrated at Leeds Teaching Hospitals" in html
    assert "Approved by Eve Educator" in html

    withdrawn = _record(as_learner, world.learner, world.competency, completed_on="2026-02-20", method="here")
    assert as_learner.post(f"/entries/{withdrawn.id}/withdraw", headers=HTMX).status_code == 200
    html = _page(as_learner.get(f"/people/{world.learner.id}/passport/items/{world.competency.id}/history",
                                headers=HTMX))
    assert "<strong>Withdrawn</strong>" in html and "Withdrawn by Lee Learner" in html


def test_item_history_full_page_without_htmx(as_educator, as_learner, world, history):
    url = f"/people/{world.learner.id}/passport/items/{world.competency.id}/history"
    html = _page(as_educator.get(url))
    assert "<html" in html and "History: Moving a patient with a hoist" in html and "Lee Learner" in html
    assert f'href="/people/{world.learner.id}/passport#item-{world.competency.id}">Back to the passport</a>' in html
    assert len(_history_entries(html)) == 2
    own = _page(as_learner.get(url))
    assert 'href="/passport#item-%d">Back to the passport</a>' % world.competency.id in own


def test_the_passport_row_offers_the_history(as_educator, world, history):
    html = _page(as_educator.get(f"/people/{world.learner.id}/passport"))
    url = f"/people/{world.learner.id}/passport/items/{world.competency.id}/history"
    assert f'hx-get="{url}"' in html
    assert f'<a href="{url}">Open the full history of Moving a patient with a hoist</a>' in html


def test_an_item_without_entries_says_so(as_learner, world):
    html = _page(as_learner.get(f"/people/{world.learner.id}/passport/items/{world.optional.id}/history",
                                headers=HTMX))
    assert "Nothing recorded against this item yet." in html


def test_item_history_is_not_for_other_teams(app, world, history):
    url = f"/people/{world.learner.id}/passport/items/{world.competency.id}/history"
    for who in (world.other_educator, world.other_learner):
        client = sign_in(app.test_client(), who)
        assert client.get(url, headers=HTMX).status_code == 403
        assert client.get(url).status_code == 403
    admin = sign_in(app.test_client(), world.admin)
    assert admin.get(url, headers=HTMX).status_code == 200
    assert admin.get(f"/people/{world.learner.id}/passport/items/999999/history").status_code == 404


# ------------------------------------------------------------- supported teams

@pytest.fixture
def olus_entry(world):
    entry = Entry(person_id=world.other_learner.id, item_id=world.competency.id, completed_on=dt.date(2026, 2, 3),
                  method=EntryMethod.HERE, status=EntryStatus.AWAITING, recorded_by_id=world.other_learner.id)
    lees = Entry(person_id=world.learner.id, item_id=world.competency.id, completed_on=dt.date(2026, 2, 4),
                 method=EntryMethod.HERE, status=EntryStatus.AWAITING, recorded_by_id=world.learner.id)
    db.session.add_all([entry, lees])
    db.session.commit()
    return dict(olu=entry, lee=lees)


def _teams_changed(educator) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.teams_changed",
                                                       AuditEvent.person_id == educator.id)
                              .order_by(AuditEvent.id)).all()


def test_the_teams_page_shows_the_current_choice(as_admin, world):
    html = _page(as_admin.get(f"/people/{world.educator.id}/teams"))
    assert "<html" in html and "Teams Eve Educator supports" in html
    assert f'id="team-{world.team_a.id}" name="team" type="checkbox" value="{world.team_a.id}" checked>' in html
    assert f'id="team-{world.team_b.id}" name="team" type="checkbox" value="{world.team_b.id}">' in html
    assert "Save teams" in html


def test_admin_sets_an_educators_teams_and_the_educator_sees_them(as_admin, as_educator, world, olus_entry):
    # Before: Eve sees team A only.
    assert "Olu Other" not in _page(as_educator.get("/people/"))
    assert as_educator.get(f"/people/{world.other_learner.id}/passport").status_code == 403
    assert f'id="queue-entry-{olus_entry["olu"].id}"' not in _text(as_educator.get("/sign-off/"))

    response = as_admin.post(f"/people/{world.educator.id}/teams",
                             data={"team": [str(world.team_a.id), str(world.team_b.id), "999999", "x"]})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/people/{world.educator.id}/passport")
    page = _page(as_admin.get(response.headers["Location"]))
    # (The order of the names on the page is the relationship's, not alphabetical: either will do.)
    assert re.search(r"Eve Educator now supports (Occupational Therapy, Physiotherapy|"
                     r"Physiotherapy, Occupational Therapy)\.", page)
    assert re.search(r"Educator supporting (Occupational Therapy, Physiotherapy|"
                     r"Physiotherapy, Occupational Therapy)", page)

    people = _page(as_educator.get("/people/"))
    assert "Olu Other" in people and "Lee Learner" in people
    assert as_educator.get(f"/people/{world.other_learner.id}/passport").status_code == 200
    queue = _page(as_educator.get("/sign-off/"))
    assert f'id="queue-entry-{olus_entry["olu"].id}"' in queue
    assert "in Occupational Therapy, Physiotherapy, oldest first." in queue     # sorted by name here
    assert f'<option value="{world.team_b.id}">Occupational Therapy</option>' in queue
    assert as_educator.post(f"/sign-off/entries/{olus_entry['olu'].id}/decision", data={"decision": "approve"},
                            headers=HTMX).status_code == 200

    [event] = _teams_changed(world.educator)
    assert event.actor_id == world.admin.id
    assert event.before == {"supported_teams": ["Physiotherapy"]}
    assert event.after == {"supported_teams": ["Occupational Therapy", "Physiotherapy"]}
    assert event.summary == "Eve Educator supports: Occupational Therapy, Physiotherapy"

    log = _page(as_admin.get("/admin/audit?action=person.teams_changed"))
    row = _audit_row(log, event.id)
    assert ">Supported teams changed<" in row and ">Ada Admin<" in row
    assert f'<a href="/people/{world.educator.id}/passport">Eve Educator</a>' in row
    assert re.search(r">supported teams</th>\s*<td class=\"nhsuk-table__cell\">\['Physiotherapy'\]</td>\s*"
                     r"<td class=\"nhsuk-table__cell\">\['Occupational Therapy', 'Physiotherapy'\]</td>", row)


def test_taking_a_team_away_takes_its_people_and_queue_away(as_admin, as_educator, world, olus_entry):
    response = as_admin.post(f"/people/{world.educator.id}/teams", data={"team": [str(world.team_b.id)]})
    assert response.status_code == 303
    assert as_educator.get(f"/people/{world.learner.id}/passport").status_code == 403
    queue = _text(as_educator.get("/sign-off/"))
    assert f'id="queue-entry-{olus_entry["lee"].id}"' not in queue
    assert f'id="queue-entry-{olus_entry["olu"].id}"' in queue
    assert as_educator.post(f"/sign-off/entries/{olus_entry['lee'].id}/decision", data={"decision": "approve"},
                            headers=HTMX).status_code == 403
    [event] = _teams_changed(world.educator)
    assert event.before == {"supported_teams": ["Physiotherapy"]}
    assert event.after == {"supported_teams": ["Occupational Therapy"]}


def test_no_team_at_all_and_no_change_is_not_logged(as_admin, as_educator, world):
    same = as_admin.post(f"/people/{world.educator.id}/teams", data={"team": [str(world.team_a.id)]})
    assert same.status_code == 303
    assert _teams_changed(world.educator) == []

    none = as_admin.post(f"/people/{world.educator.id}/teams", data={})
    assert none.status_code == 303
    assert "Eve Educator now supports no team." in _page(as_admin.get(none.headers["Location"]))
    [event] = _teams_changed(world.educator)
    assert event.after == {"supported_teams": []} and event.summary == "Eve Educator supports: no team"
    html = _page(as_educator.get("/sign-off/"))
    assert "no team yet: ask an admin to set the teams you support" in html
    assert "Lee Learner" not in _page(as_educator.get("/people/"))


def test_a_learner_has_no_teams_page(as_admin, world):
    assert as_admin.get(f"/people/{world.learner.id}/teams").status_code == 404
    assert as_admin.post(f"/people/{world.learner.id}/teams",
                         data={"team": [str(world.team_a.id)]}).status_code == 404
    assert as_admin.get(f"/people/{world.admin.id}/teams").status_code == 404
    assert as_admin.get("/people/999999/teams").status_code == 404
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.teams_changed")).all() == []


@pytest.mark.parametrize("who", ["learner", "other_learner", "educator", "other_educator"])
def test_only_admins_set_teams(app, world, who):
    client = sign_in(app.test_client(), getattr(world, who))
    url = f"/people/{world.educator.id}/teams"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"team": [str(world.team_a.id), str(world.team_b.id)]}).status_code == 403
    db.session.expire_all()
    assert [t.name for t in world.educator.supported_teams] == ["Physiotherapy"]
    assert _teams_changed(world.educator) == []


# ------------------------------------------------------------- searching: person, item, passport; filters


def _subject(action, world, subject_type, subject_id, *, person=None, summary="", at=None):
    event = AuditEvent(at=at or dt.datetime(2026, 2, 25, 10, tzinfo=UTC), actor_id=world.admin.id, action=action,
                       subject_type=subject_type, subject_id=subject_id, person_id=getattr(person, "id", None),
                       summary=summary)
    db.session.add(event)
    db.session.commit()
    return event


@pytest.fixture
def about(world):
    """Events about an entry of fire safety, the fire safety item, a section, the passport, and a sign-in."""
    from skillpass.models import PassportTemplate
    from tests import factories

    entry = Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=dt.date(2026, 2, 1),
                  method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id)
    db.session.add(entry)
    db.session.commit()
    other = factories.template("Domestic Services Passport")
    db.session.commit()
    return dict(
        entry=_subject("entry.recorded", world, "Entry", entry.id, person=world.learner, summary="recorded"),
        item=_subject("item.changed", world, "Item", world.fire.id, summary="changed"),
        section=_subject("section.changed", world, "Section", world.month6.id, summary="offset"),
        template=_subject("template.published", world, "PassportTemplate", world.template.id, summary="published"),
        other=_subject("template.created", world, "PassportTemplate", other.id, summary="made"),
        sign_in=_subject("auth.signed_in", world, "Person", world.learner.id, person=world.learner,
                         summary="Lee Learner signed in"),
        template_id=db.session.get(PassportTemplate, world.template.id).id, other_id=other.id,
    )


def test_the_search_box_matches_the_person_the_item_and_the_passport_literally(as_admin, world, about):
    mine = {k: v for k, v in about.items() if isinstance(v, AuditEvent)}
    fire = _page(as_admin.get("/admin/audit?q=FIRE%20saf"))
    assert _shown(fire, mine.values()) == {about["entry"].id, about["item"].id}
    passport = _page(as_admin.get("/admin/audit?q=support%20worker%20skills"))
    assert _shown(passport, mine.values()) == {about["entry"].id, about["item"].id, about["section"].id,
                                               about["template"].id}
    lee = _page(as_admin.get("/admin/audit?q=lee"))
    assert _shown(lee, mine.values()) == {about["entry"].id, about["sign_in"].id}
    assert 'id="audit-q" name="q" type="search" value="lee"' in lee
    assert _shown(_page(as_admin.get("/admin/audit?q=%25")), mine.values()) == set()   # a literal %


def test_filters_by_passport_and_item_and_hiding_sign_ins_stay_in_the_address(as_admin, world, about):
    mine = {k: v for k, v in about.items() if isinstance(v, AuditEvent)}
    passport = _page(as_admin.get(f"/admin/audit?template={about['template_id']}"))
    assert _shown(passport, mine.values()) == {about["entry"].id, about["item"].id, about["section"].id,
                                               about["template"].id}
    assert f'<option value="{about["template_id"]}" selected>' in passport
    other = _page(as_admin.get(f"/admin/audit?template={about['other_id']}"))
    assert _shown(other, mine.values()) == {about["other"].id}
    item = _page(as_admin.get(f"/admin/audit?item={world.fire.id}"))
    assert _shown(item, mine.values()) == {about["entry"].id, about["item"].id}
    assert f'<option value="{world.fire.id}" selected>Fire safety</option>' in item
    quiet = as_admin.get("/admin/audit?hide_sign_ins=yes&q=lee", headers=HTMX)
    html = _page(quiet)
    assert html.lstrip().startswith('<div id="audit-results">') and "<form" not in html
    assert _shown(html, mine.values()) == {about["entry"].id}
    full = _page(as_admin.get("/admin/audit?hide_sign_ins=yes&q=lee"))
    assert 'id="audit-hide-sign-ins" name="hide_sign_ins" type="checkbox" value="yes" checked' in full
    # Unknown ids are no filter at all, not an error.
    assert as_admin.get("/admin/audit?template=999999&item=abc").status_code == 200


def test_the_audit_log_costs_the_same_queries_for_few_events_as_for_many(as_admin, world, about):
    from tests.querycount import count_queries

    url = f"/admin/audit?q=fire&template={about['template_id']}&item={world.fire.id}&hide_sign_ins=yes"
    as_admin.get(url)
    with count_queries() as few:
        assert as_admin.get(url).status_code == 200
    for n in range(60):
        _subject("item.changed", world, "Item", world.fire.id, summary=f"changed {n}")
        _subject("entry.recorded", world, "Entry", about["entry"].subject_id, person=world.learner, summary="again")
    with count_queries() as many:
        page = _page(as_admin.get(url))
    assert "50 a page" in page
    assert many.count == few.count, many
