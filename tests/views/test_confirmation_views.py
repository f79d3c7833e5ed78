"""Who confirms, over HTTP: the template editor shows and keeps it, audits it and copies it; the passport, the
sign-off queue and the print say what a record waits for, and that a record nobody checked is self-declared."""
from __future__ import annotations

import csv
import datetime as dt
import io

from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import AuditEvent, Confirmation, Entry, EntryMethod, EntryStatus, Item, PassportTemplate
from skillpass.services import decisions
from skillpass.services.entries import record_entry
from tests.conftest import HTMX, TODAY


def _fire_form(world, **changes):
    fire = world.fire
    form = {"title": fire.title, "description": "", "corporate_lead": fire.corporate_lead, "code": fire.code,
            "frequency_months": str(fire.frequency_months), "kind": "learning", "evidence": "optional",
            "confirmation": "at_once", "mandatory": "yes", "prior_learning_accepted": "yes",
            "section_id": str(world.week2.id)}
    form.update(changes)
    return form


def test_the_editor_saves_who_confirms_and_audits_it_in_words(as_admin, world):
    url = f"/admin/templates/items/{world.fire.id}/edit"
    form = as_admin.get(url, headers=HTMX).get_data(as_text=True)
    assert "How a learner&#39;s own record counts" in form or "How a learner's own record counts" in form
    assert 'name="confirmation" type="radio" value="at_once" checked' in form
    response = as_admin.post(url, data=_fire_form(world, confirmation="educator"), headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.startswith(f'<tr id="item-{world.fire.id}"')
    assert "After an educator&#39;s confirmation" in body or "After an educator's confirmation" in body
    db.session.expire_all()
    assert db.session.get(Item, world.fire.id).confirmation is Confirmation.EDUCATOR
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "item.changed")).all()
    assert event.before == {"confirmation": "at_once"} and event.after == {"confirmation": "educator"}


def test_an_evidence_check_without_required_evidence_is_refused_in_place_with_the_choice_kept(as_admin, world):
    url = f"/admin/templates/items/{world.fire.id}/edit"
    for headers in (HTMX, {}):
        response = as_admin.post(url, data=_fire_form(world, confirmation="evidence"), headers=headers)
        body = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "An evidence check needs a file with every record" in body
        assert 'name="confirmation" type="radio" value="evidence" checked' in body
    db.session.expire_all()
    assert db.session.get(Item, world.fire.id).confirmation is Confirmation.AT_ONCE
    saved = as_admin.post(url, data=_fire_form(world, confirmation="evidence", evidence="required"), headers=HTMX)
    assert saved.status_code == 200
    db.session.expire_all()
    assert db.session.get(Item, world.fire.id).confirmation is Confirmation.EVIDENCE


def test_a_copy_keeps_who_confirms(as_admin, world):
    world.fire.confirmation = Confirmation.EDUCATOR
    db.session.commit()
    as_admin.post(f"/admin/templates/{world.template.id}/copy", data={"name": ""})
    copy = db.session.scalar(select(PassportTemplate).where(PassportTemplate.name.like("% (copy)")))
    fire = db.session.scalar(select(Item).where(Item.template_id == copy.id, Item.title == "Fire safety"))
    assert fire.confirmation is Confirmation.EDUCATOR


def _row(html: str, item) -> str:
    row = html[html.index(f'id="item-{item.id}"'):]
    return row[:row.index("</tr>")]


def test_a_record_nobody_checked_is_self_declared_on_the_passport_in_print_and_in_the_export(as_learner, as_admin,
                                                                                              world):
    record_entry(actor=world.learner, person=world.learner, item=world.stress, completed_on=dt.date(2026, 1, 10),
                 method=EntryMethod.HERE, today=TODAY)
    db.session.commit()
    row = as_learner.get(f"/people/{world.learner.id}/passport/items/{world.stress.id}", headers=HTMX)
    assert "Self-declared: counted at once, not checked by an educator" in _row(row.get_data(as_text=True),
                                                                                world.stress)
    printed = as_learner.get(f"/people/{world.learner.id}/passport/print").get_data(as_text=True)
    stress = printed[printed.index("Managing work and life stress"):]
    stress = stress[:stress.index("</tr>")]
    assert "Self-declared" in stress and "Not needed" not in stress
    export = as_admin.get("/team/export/records?format=csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(export)))
    [record] = [r for r in rows if r["Item"] == world.stress.title]
    assert record["Signed off by"] == "Self-declared" and record["Sign-off date"] == ""


def test_a_record_after_a_rejection_says_it_waits_for_confirmation_on_the_passport_queue_and_print(
        as_learner, as_educator, world):
    claim = record_entry(actor=world.learner, person=world.learner, item=world.fire, completed_on=dt.date(2026, 1, 5),
                         method=EntryMethod.EQUIVALENT, equivalent_source="Leeds", today=TODAY)
    decisions.decide(actor=world.educator, entry=claim, person=world.learner, item=world.fire, approve=False,
                     reason="Not the same course.")
    db.session.commit()
    form = as_learner.get(f"/people/{world.learner.id}/passport/items/{world.fire.id}/record").get_data(as_text=True)
    assert "Your last record of it was rejected, so an educator confirms this one before it counts." in form
    response = as_learner.post(f"/people/{world.learner.id}/passport/items/{world.fire.id}/record",
                               data={"completed_on": "2026-02-10", "method": "here"}, headers=HTMX)
    assert response.status_code == 200
    assert "awaiting sign-off (confirmation)" in response.get_data(as_text=True)
    entry = db.session.scalars(select(Entry).order_by(Entry.id.desc())).first()
    assert entry.status is EntryStatus.AWAITING
    queue = as_educator.get("/sign-off/").get_data(as_text=True)
    row = queue[queue.index(f'id="queue-entry-{entry.id}"'):]
    assert "Confirmation: their last record of it was rejected" in row[:row.index("</tr>")]
    printed = as_learner.get(f"/people/{world.learner.id}/passport/print").get_data(as_text=True)
    fire = printed[printed.index("Fire safety"):]
    assert "awaiting sign-off (confirmation)" in fire[:fire.index("</tr>")]
