"""An item's refresher and grace in the template editor (PRODUCT.md §6.3), over HTTP: the full page (no
JavaScript) and the htmx partial, checked in place with the input kept, shown in the item's row, audited
before and after, and the impact of giving one, taking it away or changing its grace shown before saving."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import AuditEvent, Entry, EntryActivity, EntryMethod, EntryStatus, Item
from tests.conftest import HTMX


def _form(world, **changes):
    fire = world.fire
    form = {"title": fire.title, "corporate_lead": fire.corporate_lead, "code": fire.code, "frequency_months": "24",
            "kind": "learning", "evidence": "optional", "mandatory": "yes", "prior_learning_accepted": "yes",
            "section_id": str(world.week2.id), "refresher_title": "Fire safety update, 1 hour",
            "refresher_description": "Online, with a quiz.", "grace_months": "3"}
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_the_item_forms_ask_for_a_refresher_and_its_grace(as_admin, world):
    page = as_admin.get(f"/admin/templates/items/{world.fire.id}/edit").get_data(as_text=True)
    assert "Refresher (optional)" in page and ">Refresher</label>" in page and "Grace (months)" in page
    assert f'id="item-{world.fire.id}-grace_months"' in page and 'name="grace_months" type="text"' in page
    inline = as_admin.get(f"/admin/templates/items/{world.fire.id}/edit", headers=HTMX).get_data(as_text=True)
    assert inline.startswith(f'<tr id="item-{world.fire.id}"')
    assert f'id="item-{world.fire.id}-refresher_title"' in inline
    editor = as_admin.get(f"/admin/templates/{world.template.id}").get_data(as_text=True)
    assert f'id="new-{world.week2.id}-refresher_title"' in editor     # the new item form too


def test_a_refresher_is_saved_from_the_full_page_shown_in_the_row_and_audited(as_admin, world):
    url = f"/admin/templates/items/{world.fire.id}/edit"
    preview = as_admin.post(url, data=_form(world))    # first what it does: nobody has recorded it yet
    assert preview.status_code == 200 and "No status changes for the 3 people" in preview.get_data(as_text=True)
    saved = as_admin.post(url, data=_form(world, confirmed=f"24 {world.week2.id} refresher yes grace 3"))
    assert saved.status_code == 303
    db.session.expire_all()
    fire = db.session.get(Item, world.fire.id)
    assert (fire.refresher_title, fire.refresher_description, fire.grace_months) == (
        "Fire safety update, 1 hour", "Online, with a quiz.", 3)
    [event] = _events("item.changed")
    assert event.before == {"refresher_title": "", "refresher_description": "", "grace_months": 0}
    assert event.after == {"refresher_title": "Fire safety update, 1 hour",
                           "refresher_description": "Online, with a quiz.", "grace_months": 3}
    assert "grace 0 → 3 months" in event.summary and "refresher's description changed" in event.summary
    assert "refresher none → “Fire safety update, 1 hour”" in event.summary
    editor = as_admin.get(f"/admin/templates/{world.template.id}").get_data(as_text=True)
    assert "Refresher: Fire safety update, 1 hour · grace 3 months" in editor
    # Taken away again: the row no longer says it.
    as_admin.post(url, data=_form(world, refresher_title="", refresher_description="", grace_months="0",
                                  confirmed=f"24 {world.week2.id} refresher no grace 0"))
    editor = as_admin.get(f"/admin/templates/{world.template.id}").get_data(as_text=True)
    assert "Refresher:" not in editor
    db.session.expire_all()
    assert db.session.get(Item, world.fire.id).has_refresher is False


def test_a_refresher_saved_inline_comes_back_in_the_items_row(as_admin, world):
    response = as_admin.post(f"/admin/templates/items/{world.fire.id}/edit",
                             data=_form(world, grace_months="0",
                                        confirmed=f"24 {world.week2.id} refresher yes grace 0"),
                             headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.startswith(f'<tr id="item-{world.fire.id}"')
    assert "Refresher: Fire safety update, 1 hour · no grace period" in body
    assert "Saved Fire safety: refresher, refresher&#39;s description." in body


def test_a_new_item_is_added_with_its_refresher(as_admin, world):
    form = _form(world, title="Basic life support", code="BLS", frequency_months="12",
                 refresher_title="BLS update, 1 hour", section_id=str(world.month6.id))
    response = as_admin.post(f"/admin/templates/sections/{world.month6.id}/items", data=form, headers=HTMX)
    assert response.status_code == 200
    assert "Refresher: BLS update, 1 hour · grace 3 months" in response.get_data(as_text=True)
    item = db.session.scalar(select(Item).where(Item.title == "Basic life support"))
    assert (item.refresher_title, item.grace_months) == ("BLS update, 1 hour", 3)
    [event] = _events("item.added")
    assert event.after["refresher_title"] == "BLS update, 1 hour" and event.after["grace_months"] == 3


def test_a_refresher_without_a_frequency_is_refused_beside_its_field_with_the_input_kept(as_admin, world):
    url = f"/admin/templates/items/{world.fire.id}/edit"
    for headers in ({}, HTMX):
        refused = as_admin.post(url, data=_form(world, frequency_months="", grace_months="4"), headers=headers)
        html = refused.get_data(as_text=True)
        assert refused.status_code == 422
        assert re.search(rf'id="item-{world.fire.id}-refresher_title-error"[^>]*>.*A refresher renews something '
                         rf'that expires', html)
        assert 'value="Fire safety update, 1 hour"' in html and "Online, with a quiz.</textarea>" in html
        assert re.search(rf'id="item-{world.fire.id}-grace_months"[^>]*\s+value="4"', html)
        assert f'href="#item-{world.fire.id}-refresher_title"' in html     # the summary reaches the field
    assert headers and html.startswith(f'<tr id="item-{world.fire.id}"')
    db.session.expire_all()
    assert db.session.get(Item, world.fire.id).refresher_title == "" and not _events("item.changed")


def test_grace_without_a_refresher_and_grace_out_of_range_are_refused(as_admin, world):
    url = f"/admin/templates/items/{world.fire.id}/edit"
    alone = as_admin.post(url, data=_form(world, refresher_title="", refresher_description="", grace_months="3"),
                          headers=HTMX)
    assert alone.status_code == 422
    assert "give the item a refresher, or set the grace to 0" in alone.get_data(as_text=True)
    too_long = as_admin.post(url, data=_form(world, grace_months="36"))
    html = too_long.get_data(as_text=True)
    assert too_long.status_code == 422 and "from 0 to 24" in html
    assert f'id="item-{world.fire.id}-grace_months-error"' in html
    new = as_admin.post(f"/admin/templates/sections/{world.month6.id}/items",
                        data=_form(world, title="Basic life support", code="BLS", frequency_months="",
                                   section_id=str(world.month6.id)))
    html = new.get_data(as_text=True)
    assert new.status_code == 422 and f'id="new-{world.month6.id}-refresher_title-error"' in html
    assert 'value="Basic life support"' in html


def test_giving_a_refresher_with_grace_shows_who_it_moves_before_saving(as_admin, world):
    # Lee's fire safety: initial 1 Jan 2023, then a "refresher" of 1 Jun 2025 recorded while the item had one
    # (since taken away): the latest counts, Complete. Every 24 months with a refresher and 3 months' grace,
    # the refresher comes after 1 Apr 2025 (1 Jan 2023 + 24 + 3): too late, Expired from the initial.
    for on, activity in ((dt.date(2023, 1, 1), EntryActivity.INITIAL), (dt.date(2025, 6, 1), EntryActivity.REFRESHER)):
        db.session.add(Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=on, activity=activity,
                             method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id))
    db.session.commit()
    url = f"/admin/templates/items/{world.fire.id}/edit"
    preview = as_admin.post(url, data=_form(world), headers=HTMX)
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "1 person becomes Expired." in body
    assert "Fire safety: refresher Fire safety update, 1 hour added; grace 0 months → 3 months" in body
    assert "Lee Learner: Fire safety, Complete → Expired" in body
    assert "1 person: nothing to renew yet → full course needed" in body
    fingerprint = f"24 {world.week2.id} refresher yes grace 3"
    assert f'name="confirmed" value="{fingerprint}"' in body
    db.session.expire_all()
    assert db.session.get(Item, world.fire.id).refresher_title == ""
    # A grace other than the one previewed previews again; the one previewed saves.
    again = as_admin.post(url, data=_form(world, grace_months="24", confirmed=fingerprint), headers=HTMX)
    assert 'name="confirmed" value="24 ' in again.get_data(as_text=True)
    saved = as_admin.post(url, data=_form(world, confirmed=fingerprint), headers=HTMX)
    assert saved.get_data(as_text=True).startswith(f'<tr id="item-{world.fire.id}"')
    db.session.expire_all()
    assert db.session.get(Item, world.fire.id).grace_months == 3
    row = as_admin.get(f"/people/{world.learner.id}/passport/items/{world.fire.id}", headers=HTMX)
    assert "app-row--expired" in row.get_data(as_text=True)


def test_a_new_refresher_title_alone_moves_nobody_and_saves_at_once(as_admin, world):
    world.fire.refresher_title, world.fire.grace_months = "Fire update", 3
    db.session.add(Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=dt.date(2025, 6, 1),
                         method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id))
    db.session.commit()
    saved = as_admin.post(f"/admin/templates/items/{world.fire.id}/edit", data=_form(world), headers=HTMX)
    body = saved.get_data(as_text=True)
    assert "app-impact" not in body and "Refresher: Fire safety update, 1 hour · grace 3 months" in body
