"""My passport and a person's passport: full pages, htmx partials, and the
same actions without JavaScript (plain form posts and redirects)."""
from __future__ import annotations

import datetime as dt
import json
import re

from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.models import AuditEvent, Entry, EntryMethod, EntryStatus, InformalEntry
from tests.conftest import HTMX, sign_in


def _text(response) -> str:
    return response.get_data(as_text=True)


def _entries(person, item=None):
    stmt = select(Entry).where(Entry.person_id == person.id)
    if item is not None:
        stmt = stmt.where(Entry.item_id == item.id)
    return db.session.scalars(stmt).all()


def _triggers(response) -> dict:
    return json.loads(response.headers["HX-Trigger"])


# ------------------------------------------------------------- full pages

def test_my_passport_full_page_shows_sections_statuses_and_reasons(as_learner, world):
    response = as_learner.get("/passport")
    html = _text(response)
    assert response.status_code == 200
    assert "<html" in html and "My passport" in html and "Lee Learner" in html
    assert "Within 2 weeks" in html and "Within 6 months" in html
    # Today is 2 Mar 2026; started 5 Jan 2026: fire was due 19 Jan, the 6-month items on 5 Jul.
    assert "Overdue" in html and "Due 19 Jan 2026: start date 5 Jan 2026 + 2 weeks" in html
    assert "To do" in html and "Due 5 Jul 2026: start date 5 Jan 2026 + 6 months" in html
    assert "Optional: does not count towards compliance" in html
    assert "Competency: needs an educator&#39;s sign-off" in html or "Competency: needs an educator's sign-off" in html
    assert 'id="passport-summary"' in html and 'id="informal-learning"' in html
    assert "Record<span" in html or ">Record" in html
    assert response.headers["Vary"].find("HX-Request") >= 0


def test_educator_sees_a_team_members_passport_read_only(as_educator, world):
    response = as_educator.get(f"/people/{world.learner.id}/passport")
    html = _text(response)
    assert response.status_code == 200
    assert "Lee Learner" in html and "Fire safety" in html
    assert "/record" not in html
    assert "Add informal learning" not in html


def test_own_passport_by_id_redirects_to_my_passport(as_learner, world):
    response = as_learner.get(f"/people/{world.learner.id}/passport")
    assert response.status_code == 302 and response.headers["Location"].endswith("/passport")


def test_passport_with_nothing_assigned_says_so(app, world):
    client = sign_in(app.test_client(), world.admin)
    assert "No passport has been assigned to you yet." in _text(client.get("/passport"))


# ------------------------------------------------------------- partials

def test_row_partial_is_only_the_row_for_htmx_and_a_redirect_without(as_learner, world):
    url = f"/people/{world.learner.id}/passport/items/{world.fire.id}"
    partial = as_learner.get(url, headers=HTMX)
    html = _text(partial)
    assert partial.status_code == 200
    assert html.lstrip().startswith(f'<tr id="item-{world.fire.id}"')
    assert "<html" not in html
    plain = as_learner.get(url)
    assert plain.status_code == 302 and plain.headers["Location"].endswith(f"/passport#item-{world.fire.id}")


def test_summary_and_section_progress_partials(as_learner, world):
    summary = _text(as_learner.get(f"/people/{world.learner.id}/passport/summary", headers=HTMX))
    assert summary.lstrip().startswith('<div id="passport-summary"') and "<html" not in summary
    progress = _text(as_learner.get(
        f"/people/{world.learner.id}/passport/sections/{world.week2.id}/progress", headers=HTMX))
    assert f'id="section-{world.week2.id}-progress"' in progress
    assert "0 of 1" in progress and "<html" not in progress


def test_record_form_inline_for_htmx_and_as_a_page_without(as_learner, world):
    url = f"/people/{world.learner.id}/passport/items/{world.fire.id}/record"
    inline = _text(as_learner.get(url, headers=HTMX))
    assert f'<tr id="item-{world.fire.id}"' in inline and "<html" not in inline
    # today by default, in the NHS.UK date input's three boxes; the hint says it cannot be in the future
    for part, value in (("day", "2"), ("month", "3"), ("year", "2026")):
        assert re.search(f'name="completed_on-{part}"[^>]*inputmode="numeric"[^>]*value="{value}"', inline)
    assert "It cannot be in the future" in inline and 'type="date"' not in inline
    assert f'hx-post="{url}"' in inline
    page = _text(as_learner.get(url))
    assert "<html" in page and "Record: Fire safety" in page and 'action="' + url + '"' in page
    # On its own page (opened in a new tab, say) the form is plain: there is no row for htmx to swap.
    assert "hx-post" not in page and f'hx-target="#item-{world.fire.id}"' not in page


# ------------------------------------------------------------- recording

def test_recording_inline_swaps_the_row_and_signals_the_rest(as_learner, world):
    response = as_learner.post(
        f"/people/{world.learner.id}/passport/items/{world.fire.id}/record",
        data={"completed_on": "2026-02-20", "method": "here", "note": "Fire warden session"},
        headers=HTMX,
    )
    html = _text(response)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="item-{world.fire.id}"')
    assert "Complete" in html and "Expires 20 Feb 2028: completed 20 Feb 2026 + 24 months" in html
    triggers = _triggers(response)
    assert "passportChanged" in triggers and f"section{world.week2.id}Changed" in triggers
    # The live region is updated out of band with the result in words.
    assert 'id="flash" hx-swap-oob="innerHTML"' in html
    assert "Fire safety: recorded 20 Feb 2026. Status: Complete." in html
    [entry] = _entries(world.learner, world.fire)
    assert entry.status is EntryStatus.ACCEPTED and entry.note == "Fire warden session"
    # The summary, fetched after the event, has moved.
    summary = _text(as_learner.get(f"/people/{world.learner.id}/passport/summary", headers=HTMX))
    assert "100%" in summary


def test_recording_without_javascript_redirects_with_a_message(as_learner, world):
    response = as_learner.post(
        f"/people/{world.learner.id}/passport/items/{world.fire.id}/record",
        data={"completed_on": "2026-02-20", "method": "here"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/passport#item-{world.fire.id}")
    page = _text(as_learner.get("/passport"))
    assert "Fire safety: recorded 20 Feb 2026. Status: Complete." in page


def test_a_future_date_is_refused_in_place_with_the_input_kept(as_learner, world):
    response = as_learner.post(
        f"/people/{world.learner.id}/passport/items/{world.fire.id}/record",
        data={"completed_on-day": "10", "completed_on-month": "3", "completed_on-year": "2026", "method": "here",
              "note": "keep me"},
        headers=HTMX,
    )
    html = _text(response)
    assert response.status_code == 422
    assert "The date cannot be in the future: today is 2 Mar 2026." in html
    assert 'value="10"' in html and 'value="2026"' in html and "keep me" in html
    assert html.count("nhsuk-input--error") == 3        # the whole date is wrong: all three boxes are marked
    assert "nhsuk-error-message" in html and "<html" not in html
    assert _entries(world.learner) == []


def test_a_date_before_the_start_date_points_to_equivalent_training(as_learner, world):
    response = as_learner.post(
        f"/people/{world.learner.id}/passport/items/{world.fire.id}/record",
        data={"completed_on": "2025-12-01", "method": "here"},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "before your start date (5 Jan 2026)" in _text(response)
    assert "Equivalent training demonstrated" in _text(response)
    assert _entries(world.learner) == []


def test_errors_without_javascript_come_back_on_the_full_page(as_learner, world):
    response = as_learner.post(
        f"/people/{world.learner.id}/passport/items/{world.fire.id}/record",
        data={"completed_on": "not a date", "method": "here", "note": "still here"},
    )
    html = _text(response)
    assert response.status_code == 422
    assert "<html" in html and "There is a problem" in html
    assert "Date completed must be a real date" in html and "still here" in html


def test_equivalent_training_needs_a_source_then_awaits_approval(as_learner, world):
    url = f"/people/{world.learner.id}/passport/items/{world.fire.id}/record"
    missing = as_learner.post(url, data={"completed_on": "2025-06-01", "method": "equivalent"}, headers=HTMX)
    assert missing.status_code == 422
    assert "Enter the organisation or qualification" in _text(missing)
    ok = as_learner.post(url, data={"completed_on": "2025-06-01", "method": "equivalent",
                                    "equivalent_source": "Leeds Teaching Hospitals"}, headers=HTMX)
    html = _text(ok)
    assert ok.status_code == 200
    assert "Overdue</strong> <strong class=\"nhsuk-tag nhsuk-tag--yellow app-status app-status--awaiting\">awaiting sign-off" in html
    assert "Equivalent training demonstrated at Leeds Teaching Hospitals, 1 Jun 2025: awaiting sign-off" in html
    [entry] = _entries(world.learner, world.fire)
    assert entry.method is EntryMethod.EQUIVALENT and entry.status is EntryStatus.AWAITING


def test_a_competency_awaits_sign_off_and_can_be_withdrawn(as_learner, world):
    response = as_learner.post(
        f"/people/{world.learner.id}/passport/items/{world.competency.id}/record",
        data={"completed_on": "2026-02-25", "method": "here"}, headers=HTMX,
    )
    assert response.status_code == 200 and "awaiting sign-off" in _text(response)
    [entry] = _entries(world.learner, world.competency)
    assert entry.status is EntryStatus.AWAITING
    # A second entry while one waits is refused.
    again = as_learner.post(
        f"/people/{world.learner.id}/passport/items/{world.competency.id}/record",
        data={"completed_on": "2026-02-26", "method": "here"}, headers=HTMX,
    )
    assert again.status_code == 422 and "already awaiting sign-off" in _text(again)

    withdrawn = as_learner.post(f"/entries/{entry.id}/withdraw", headers=HTMX)
    html = _text(withdrawn)
    assert withdrawn.status_code == 200
    assert "Entry of 25 Feb 2026 withdrawn." in html and "awaiting sign-off" not in html.split("app-flash")[0]
    db.session.refresh(entry)
    assert entry.status is EntryStatus.WITHDRAWN
    assert "passportChanged" in _triggers(withdrawn)


def test_withdrawing_without_javascript_redirects(as_learner, world):
    entry = Entry(person_id=world.learner.id, item_id=world.competency.id, completed_on=dt.date(2026, 2, 1),
                  method=EntryMethod.HERE, status=EntryStatus.AWAITING, recorded_by_id=world.learner.id)
    db.session.add(entry)
    db.session.commit()
    response = as_learner.post(f"/entries/{entry.id}/withdraw")
    assert response.status_code == 303
    assert "Entry of 1 Feb 2026 withdrawn." in _text(as_learner.get("/passport"))


def test_nobody_withdraws_someone_elses_entry(app, world):
    entry = Entry(person_id=world.learner.id, item_id=world.competency.id, completed_on=dt.date(2026, 2, 1),
                  method=EntryMethod.HERE, status=EntryStatus.AWAITING, recorded_by_id=world.learner.id)
    db.session.add(entry)
    db.session.commit()
    for who in (world.other_learner, world.educator, world.admin):
        client = sign_in(app.test_client(), who)
        assert client.post(f"/entries/{entry.id}/withdraw", headers=HTMX).status_code == 403
    db.session.refresh(entry)
    assert entry.status is EntryStatus.AWAITING


def test_a_rejection_reason_shows_on_the_row(as_learner, world):
    db.session.add(Entry(person_id=world.learner.id, item_id=world.competency.id, completed_on=dt.date(2026, 2, 1),
                         method=EntryMethod.HERE, status=EntryStatus.REJECTED, recorded_by_id=world.learner.id,
                         decided_by_id=world.educator.id, decided_by_name="Eve Educator",
                         decision_reason="Please repeat with a patient present."))
    db.session.commit()
    html = _text(as_learner.get("/passport"))
    assert "was rejected by Eve Educator: Please repeat with a patient present." in html


def test_recording_writes_one_audit_event(as_learner, world):
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    as_learner.post(f"/people/{world.learner.id}/passport/items/{world.fire.id}/record",
                    data={"completed_on": "2026-02-20", "method": "here"}, headers=HTMX)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before + 1


# ------------------------------------------------------------- informal learning

def test_informal_learning_added_inline(as_learner, world):
    response = as_learner.post(
        f"/people/{world.learner.id}/passport/informal",
        data={"title": "Shadowed the falls team", "completed_on": "2026-02-10", "hours": "2.5",
              "reflection": "Learned the falls pathway."},
        headers=HTMX,
    )
    html = _text(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="informal-learning"')
    assert "Shadowed the falls team" in html and "10 Feb 2026" in html
    assert "Added to your informal learning log: Shadowed the falls team." in html
    [entry] = db.session.scalars(select(InformalEntry)).all()
    assert entry.hours == 2.5


def test_informal_learning_errors_keep_the_input(as_learner, world):
    response = as_learner.post(
        f"/people/{world.learner.id}/passport/informal",
        data={"title": "Conference", "completed_on": "2026-04-01", "hours": "-1"}, headers=HTMX,
    )
    html = _text(response)
    assert response.status_code == 422
    assert 'value="Conference"' in html
    assert "The date cannot be in the future" in html or "Enter hours" in html
    assert db.session.scalars(select(InformalEntry)).all() == []


def test_informal_learning_without_javascript(as_learner, world):
    response = as_learner.post(f"/people/{world.learner.id}/passport/informal",
                               data={"title": "Read NICE guideline", "completed_on": "2026-02-10"})
    assert response.status_code == 303
    assert "Read NICE guideline" in _text(as_learner.get("/passport"))
    bad = as_learner.post(f"/people/{world.learner.id}/passport/informal", data={"title": "", "completed_on": ""})
    assert bad.status_code == 422 and "<html" in _text(bad) and "Enter what you learned" in _text(bad)


def test_educators_cannot_add_to_a_learners_informal_log(as_educator, world):
    response = as_educator.post(f"/people/{world.learner.id}/passport/informal",
                                data={"title": "x", "completed_on": "2026-02-10"}, headers=HTMX)
    assert response.status_code == 403


# ------------------------------------------------------------- people search

def test_admin_people_search_full_page_and_partial(as_admin, world):
    page = as_admin.get("/people/")
    html = _text(page)
    assert page.status_code == 200 and "<html" in html
    assert "Lee Learner" in html and "Olu Other" in html
    partial = as_admin.get("/people/?q=olu", headers=HTMX)
    html = _text(partial)
    assert "<html" not in html and "Olu Other" in html and "Lee Learner" not in html
    assert f'/people/{world.other_learner.id}/passport' in html


def test_people_search_treats_wildcards_literally(as_admin, world):
    html = _text(as_admin.get("/people/?q=%25", headers=HTMX))
    assert "Lee Learner" not in html


def test_educator_people_list_is_limited_to_supported_teams(as_educator, world):
    html = _text(as_educator.get("/people/"))
    assert "Lee Learner" in html and "Olu Other" not in html


def test_learners_have_no_people_list(as_learner):
    assert as_learner.get("/people/").status_code == 403


def test_two_passports_with_a_section_of_the_same_name_give_each_section_its_own_name(as_learner, world):
    """A section is a landmark: two called "Within 2 weeks" (one per passport) must still be told apart, so
    each is named by its own heading and its passport's."""
    from tests import factories

    other = factories.template("Core Skills")
    week2 = factories.section(other, "Within 2 weeks", 2, "weeks")
    factories.item(week2, "Information governance")
    factories.assign(world.learner, other)
    db.session.commit()
    html = _text(as_learner.get("/passport"))
    names = re.findall(r'<section class="app-section" id="section-\d+" aria-labelledby="([^"]+)"', html)
    assert len(names) == 3 and len(set(names)) == 3
    for labelled_by in names:
        section_title, template_title = labelled_by.split()
        heading = re.search(rf'id="{template_title}"[^>]*>([^<]+)<', html).group(1)
        assert heading in ("AHP Support Worker Skills Passport", "Core Skills")
