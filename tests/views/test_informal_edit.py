"""A learner changes and deletes entries of their own informal learning log: the service without HTTP, the
views as full pages (no JavaScript) and as htmx partials, and who may (only the owner)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import AuditEvent, InformalEntry
from skillpass.services import informal as informal_service
from skillpass.services.errors import Conflict, NotAllowed, ValidationFailed
from tests.conftest import HTMX, TODAY
from tests.views.date_boxes import boxes, shows_date


def _entry(world, person=None, title="Shadowed the falls team") -> InformalEntry:
    entry = InformalEntry(person_id=(person or world.learner).id, title=title, completed_on=dt.date(2026, 2, 1),
                          hours=Decimal("2.00"), reflection="Learned the new checklist.",
                          recorded_by_id=(person or world.learner).id)
    db.session.add(entry)
    db.session.commit()
    return entry


def _events(action: Action) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _text(response) -> str:
    return response.get_data(as_text=True)


EDIT = {"title": "Shadowed the falls prevention team", "completed_on": "2026-02-03", "hours": "3",
        "reflection": "Two ward rounds."}


# ------------------------------------------------------------- the service, without HTTP

def test_the_owner_edits_an_entry_and_the_audit_log_keeps_before_and_after(app, world):
    entry = _entry(world)
    informal_service.edit_informal(actor=world.learner, entry=entry, title=" New title ",
                                   completed_on=dt.date(2026, 2, 3), hours=Decimal("1.5"), reflection="", today=TODAY)
    db.session.flush()
    assert (entry.title, entry.completed_on, entry.hours, entry.reflection) == (
        "New title", dt.date(2026, 2, 3), Decimal("1.50"), "")
    [event] = _events(Action.INFORMAL_EDITED)
    assert event.before["title"] == "Shadowed the falls team" and event.after["title"] == "New title"
    assert event.person_id == world.learner.id and event.actor_id == world.learner.id


def test_an_edit_is_checked_as_an_addition_is(app, world):
    entry = _entry(world)
    with pytest.raises(ValidationFailed) as caught:
        informal_service.edit_informal(actor=world.learner, entry=entry, title="", completed_on=TODAY + dt.timedelta(1),
                                       hours=Decimal("-1"), reflection="", today=TODAY)
    assert set(caught.value.errors) == {"title", "completed_on", "hours"}
    db.session.rollback()
    assert db.session.get(InformalEntry, entry.id).title == "Shadowed the falls team"


def test_deleting_withdraws_the_entry_never_erases_it_and_it_leaves_the_passport(app, world):
    entry = _entry(world)
    informal_service.remove_informal(actor=world.learner, entry=entry)
    db.session.commit()
    kept = db.session.get(InformalEntry, entry.id)
    assert kept is not None and kept.withdrawn_at is not None
    [event] = _events(Action.INFORMAL_REMOVED)
    assert "Shadowed the falls team" in event.summary and event.before["title"] == "Shadowed the falls team"
    from skillpass.services.passport import build_passport
    assert build_passport(world.learner, today=TODAY, warning_days=30).informal == []


@pytest.mark.parametrize("actor", ["educator", "admin", "other_learner"])
def test_nobody_but_the_owner_edits_or_deletes(app, world, actor):
    entry = _entry(world)
    with pytest.raises(NotAllowed):
        informal_service.remove_informal(actor=getattr(world, actor), entry=entry)
    with pytest.raises(NotAllowed):
        informal_service.edit_informal(actor=getattr(world, actor), entry=entry, title="x",
                                       completed_on=TODAY, hours=None, reflection="", today=TODAY)


def test_a_deleted_entry_cannot_be_edited_or_deleted_again(app, world):
    entry = _entry(world)
    informal_service.remove_informal(actor=world.learner, entry=entry)
    with pytest.raises(Conflict):
        informal_service.remove_informal(actor=world.learner, entry=entry)
    with pytest.raises(Conflict):
        informal_service.edit_informal(actor=world.learner, entry=entry, title="x", completed_on=TODAY, hours=None,
                                       reflection="", today=TODAY)


def test_a_delete_that_lands_first_stops_an_edit_read_before_it(app, world):
    """Two tabs: the edit read the entry while it was live; the delete committed in between."""
    entry = _entry(world)
    db.session.execute(InformalEntry.__table__.update().where(InformalEntry.id == entry.id)
                       .values(withdrawn_at=dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone.utc)))
    with pytest.raises(Conflict):
        informal_service.edit_informal(actor=world.learner, entry=entry, title="x", completed_on=TODAY, hours=None,
                                       reflection="", today=TODAY)
    assert _events(Action.INFORMAL_EDITED) == []


# ------------------------------------------------------------- the passport shows the actions to the owner only

def test_the_owner_sees_change_and_delete_beside_each_entry(app, world, as_learner):
    entry = _entry(world)
    html = _text(as_learner.get("/passport"))
    assert f'href="/informal/{entry.id}/edit"' in html and f'href="/informal/{entry.id}/delete"' in html


def test_an_educator_sees_the_log_without_the_actions(app, world, as_educator):
    entry = _entry(world)
    html = _text(as_educator.get(f"/people/{world.learner.id}/passport"))
    assert "Shadowed the falls team" in html and f"/informal/{entry.id}/edit" not in html


# ------------------------------------------------------------- editing: full page and htmx

def test_edit_as_a_full_page_without_javascript(app, world, as_learner):
    entry = _entry(world)
    page = as_learner.get(f"/informal/{entry.id}/edit")
    assert page.status_code == 200
    html = _text(page)
    assert "<h1>Change: Shadowed the falls team</h1>" in html and 'value="Shadowed the falls team"' in html
    assert shows_date(html, "2026-02-01") and "Learned the new checklist." in html
    response = as_learner.post(f"/informal/{entry.id}/edit", data=EDIT)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/passport#informal-{entry.id}")
    html = _text(as_learner.get("/passport"))
    assert "Shadowed the falls prevention team" in html and "Saved your changes to Shadowed the falls prevention team." in html
    assert len(_events(Action.INFORMAL_EDITED)) == 1


def test_edit_inline_with_htmx_swaps_the_log_and_focuses_the_row_not_delete(app, world, as_learner):
    entry = _entry(world)
    form = _text(as_learner.get(f"/informal/{entry.id}/edit", headers=HTMX))
    assert form.lstrip().startswith('<section id="informal-learning"')
    assert f'hx-post="/informal/{entry.id}/edit"' in form and "Change: Shadowed the falls team" in form
    response = as_learner.post(f"/informal/{entry.id}/edit", data=EDIT, headers=HTMX)
    assert response.status_code == 200
    html = _text(response)
    assert html.lstrip().startswith('<section id="informal-learning"') and "Shadowed the falls prevention team" in html
    assert "Saved your changes to Shadowed the falls prevention team." in html
    row = html[html.index(f'id="informal-{entry.id}"'):]
    row = row[:row.index("</tr>")]
    assert "data-focus" in row.split(">")[0]          # the saved row takes focus, not its Delete link
    assert html.count("data-focus") == 1


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
def test_a_refused_edit_comes_back_422_with_messages_and_the_input_kept(app, world, as_learner, htmx):
    entry = _entry(world)
    response = as_learner.post(f"/informal/{entry.id}/edit", headers=HTMX if htmx else {},
                               data={**EDIT, "title": "", "hours": "lots", "reflection": "Kept words"})
    assert response.status_code == 422
    html = _text(response)
    assert "There is a problem" in html and "Enter hours as a number" in html and "Kept words" in html
    if htmx:
        assert html.lstrip().startswith('<section id="informal-learning"')
    else:
        assert "<h1>Change: Shadowed the falls team</h1>" in html
    assert db.session.get(InformalEntry, entry.id).title == "Shadowed the falls team"
    assert _events(Action.INFORMAL_EDITED) == []


# ------------------------------------------------------------- deleting: confirm, then delete

def test_delete_asks_first_naming_the_entry_as_a_full_page(app, world, as_learner):
    entry = _entry(world)
    html = _text(as_learner.get(f"/informal/{entry.id}/delete"))
    assert "Delete “Shadowed the falls team” (1 Feb 2026) from your informal learning log?" in html
    assert "nhsuk-button--warning" in html and "No, keep it" in html
    assert db.session.get(InformalEntry, entry.id).withdrawn_at is None
    response = as_learner.post(f"/informal/{entry.id}/delete")
    assert response.status_code == 303 and response.headers["Location"].endswith("/passport#informal-learning")
    html = _text(as_learner.get("/passport"))
    assert "Deleted from your informal learning log: Shadowed the falls team." in html
    assert f'id="informal-{entry.id}"' not in html
    assert db.session.get(InformalEntry, entry.id).withdrawn_at is not None


def test_delete_inline_with_htmx(app, world, as_learner):
    entry = _entry(world)
    other = _entry(world, title="Read the NEWS2 guide")
    ask = _text(as_learner.get(f"/informal/{entry.id}/delete", headers=HTMX))
    assert ask.lstrip().startswith('<section id="informal-learning"')
    assert "Delete “Shadowed the falls team” (1 Feb 2026)" in ask and "Read the NEWS2 guide" in ask
    response = as_learner.post(f"/informal/{entry.id}/delete", headers=HTMX)
    assert response.status_code == 200
    html = _text(response)
    assert f'id="informal-{entry.id}"' not in html and f'id="informal-{other.id}"' in html
    assert "Deleted from your informal learning log: Shadowed the falls team." in html


def test_a_deleted_entry_is_gone_from_print(app, world, as_learner):
    entry = _entry(world)
    as_learner.post(f"/informal/{entry.id}/delete")
    html = _text(as_learner.get(f"/people/{world.learner.id}/passport/print"))
    assert "Shadowed the falls team" not in html


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
@pytest.mark.parametrize("method,path", [("GET", "edit"), ("POST", "edit"), ("GET", "delete"), ("POST", "delete")])
def test_a_deleted_entry_answers_with_the_log_and_says_so(app, world, as_learner, htmx, method, path):
    """A second press of Yes, delete it, or a second tab: the log as it stands, and nothing changed."""
    entry = _entry(world)
    as_learner.post(f"/informal/{entry.id}/delete")
    response = as_learner.open(f"/informal/{entry.id}/{path}", method=method, data=EDIT if method == "POST" else None,
                               headers=HTMX if htmx else {})
    gone = "This entry has been deleted from your informal learning log, so nothing was changed."
    if htmx:
        assert response.status_code == 200 and gone in _text(response)
        assert f'id="informal-{entry.id}"' not in _text(response)
    else:
        assert response.status_code == 303 and response.headers["Location"].endswith("/passport#informal-learning")
        assert gone in _text(as_learner.get("/passport"))
    assert db.session.get(InformalEntry, entry.id).title == "Shadowed the falls team"
    assert len(_events(Action.INFORMAL_REMOVED)) == 1 and _events(Action.INFORMAL_EDITED) == []


@pytest.mark.parametrize("path", ["edit", "delete"])
def test_someone_elses_entry_is_refused_403(app, world, as_educator, path):
    entry = _entry(world)
    assert as_educator.get(f"/informal/{entry.id}/{path}").status_code == 403
    assert as_educator.post(f"/informal/{entry.id}/{path}", data=EDIT).status_code == 403
    assert db.session.get(InformalEntry, entry.id).withdrawn_at is None


def test_edit_typed_in_the_three_date_boxes_and_a_date_that_cannot_exist_is_refused_in_place(app, world, as_learner):
    entry = _entry(world)
    parts = {k: v for k, v in EDIT.items() if k != "completed_on"}
    refused = as_learner.post(f"/informal/{entry.id}/edit", data={**parts, "completed_on-day": "31", "completed_on-month": "2",
                                                                  "completed_on-year": "2026"})
    assert refused.status_code == 422
    html = _text(refused)
    assert "Date must be a real date" in html and 'href="#edit-date-day"' in html
    assert boxes(html) == ("31", "2", "2026")
    saved = as_learner.post(f"/informal/{entry.id}/edit", data={**parts, "completed_on-day": "3", "completed_on-month": "2",
                                                                "completed_on-year": "2026"})
    assert saved.status_code == 303
    db.session.refresh(entry)
    assert entry.completed_on == dt.date(2026, 2, 3)
