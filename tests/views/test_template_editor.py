"""The passport-template editor over HTTP: full pages (no JavaScript) and htmx partials,
the impact preview before a date-moving change, and the audit trail."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.models import (
    Assignment,
    AssignmentRule,
    AuditEvent,
    Entry,
    EntryMethod,
    EntryStatus,
    Item,
    PassportTemplate,
    Section,
    TemplateStatus,
)
from tests.conftest import HTMX
from tests.querycount import count_queries


def _item_form(section, **changes):
    form = {"title": "Hand hygiene", "description": "", "corporate_lead": "Infection Control", "code": "HH",
            "frequency_months": "12", "kind": "learning", "evidence": "optional", "mandatory": "yes",
            "prior_learning_accepted": "yes", "section_id": str(section.id)}
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def _fire_form(world, **changes):
    fire = world.fire
    values = {"title": fire.title, "corporate_lead": fire.corporate_lead, "code": fire.code,
              "frequency_months": str(fire.frequency_months)}
    values.update(changes)
    return _item_form(world.week2, **values)


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_create_a_draft_with_the_usual_sections_or_be_told_what_is_wrong(as_admin, world):
    refused = as_admin.post("/admin/templates/", data={"name": world.template.name.upper(), "description": "Mine"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "already exists: choose another name" in html and ">Mine</textarea>" in html
    response = as_admin.post("/admin/templates/", data={"name": "  Ward   passport ", "starter_sections": "yes"})
    template = db.session.scalar(select(PassportTemplate).where(PassportTemplate.name == "Ward passport"))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/admin/templates/{template.id}")
    assert template.status is TemplateStatus.DRAFT
    names = db.session.scalars(select(Section.name).where(Section.template_id == template.id)
                               .order_by(Section.position)).all()
    assert names == ["Onboarding (day one)", "Within 2 weeks", "Within 6 months", "Annual refreshers"]
    page = as_admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ward passport created as a draft" in page and "Draft:</strong> nobody can be given" in page
    assert [e.summary for e in _events("template.created")] == ["Passport template created: Ward passport (draft)"]


def test_publish_needs_an_item_and_archive_asks_first_then_ends_assignments_and_rules(as_admin, world):
    empty = PassportTemplate(name="Empty", status=TemplateStatus.DRAFT)
    db.session.add(empty)
    db.session.commit()
    refused = as_admin.post(f"/admin/templates/{empty.id}/status", data={"action": "publish"})
    assert refused.status_code == 422 and "Add at least one item before publishing" in refused.get_data(as_text=True)

    db.session.add(AssignmentRule(template_id=world.template.id, teams=[world.team_a], job_roles=[]))
    db.session.commit()
    ask = as_admin.post(f"/admin/templates/{world.template.id}/status", data={"action": "archive"})
    html = ask.get_data(as_text=True)
    assert ask.status_code == 200 and "3 people will no longer hold it" in html and "1 assignment rule giving it" in html
    assert "Restoring it later gives it back to nobody, and the rules stay stopped" in html
    assert world.template.status is TemplateStatus.PUBLISHED
    done = as_admin.post(f"/admin/templates/{world.template.id}/status", data={"action": "archive", "confirm": "yes"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/admin/templates/")
    db.session.expire_all()
    assert db.session.get(PassportTemplate, world.template.id).status is TemplateStatus.ARCHIVED
    assert db.session.scalar(select(func.count(Assignment.id)).where(Assignment.removed_on.is_(None))) == 0
    assert db.session.scalar(select(AssignmentRule.archived_at)) is not None
    restored = as_admin.post(f"/admin/templates/{world.template.id}/status", data={"action": "restore"})
    assert restored.status_code == 303
    assert db.session.get(PassportTemplate, world.template.id).status is TemplateStatus.PUBLISHED


def test_copy_makes_a_draft_with_the_same_sections_and_items(as_admin, world):
    response = as_admin.post(f"/admin/templates/{world.template.id}/copy", data={"name": ""})
    copy = db.session.scalar(select(PassportTemplate).where(PassportTemplate.name.like("% (copy)")))
    assert response.status_code == 303 and copy.status is TemplateStatus.DRAFT
    titles = db.session.scalars(select(Item.title).where(Item.template_id == copy.id).order_by(Item.title)).all()
    assert titles == sorted(["Fire safety", "Managing work and life stress", "Moving a patient with a hoist",
                             "Reflective practice"])
    clash = as_admin.post(f"/admin/templates/{world.template.id}/copy", data={"name": copy.name})
    assert clash.status_code == 422 and "already exists" in clash.get_data(as_text=True)


def test_sections_added_edited_moved_and_removed_inline(as_admin, world):
    url = f"/admin/templates/{world.template.id}/sections"
    bad = as_admin.post(url, data={"name": "Within a year", "offset_amount": "a year", "offset_unit": "months"},
                        headers=HTMX)
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and body.startswith('<div id="template-body">')
    assert "Enter the due offset as a whole number" in body and 'value="Within a year"' in body
    added = as_admin.post(url, data={"name": "Within a year", "offset_amount": "12", "offset_unit": "months"},
                          headers=HTMX)
    section = db.session.scalar(select(Section).where(Section.name == "Within a year"))
    body = added.get_data(as_text=True)
    assert added.status_code == 200 and f'id="section-{section.id}"' in body and 'hx-swap-oob' in body

    form = as_admin.get(f"/admin/templates/sections/{section.id}/edit", headers=HTMX).get_data(as_text=True)
    assert form.startswith(f'<div id="section-head-{section.id}"') and "<html" not in form
    page = as_admin.get(f"/admin/templates/sections/{section.id}/edit").get_data(as_text=True)
    assert "<h1>Edit section: Within a year</h1>" in page
    renamed = as_admin.post(f"/admin/templates/sections/{section.id}/edit",
                            data={"name": "Yearly", "offset_amount": "12", "offset_unit": "months"}, headers=HTMX)
    assert renamed.status_code == 200 and "Section saved: Yearly." in renamed.get_data(as_text=True)
    # The whole section comes back, so its caption and its add-item link say the new name too.
    assert renamed.headers["HX-Retarget"] == f"#section-{section.id}" and renamed.headers["HX-Reswap"] == "outerHTML"
    body = renamed.get_data(as_text=True)
    assert body.startswith(f'<section id="section-{section.id}"') and "Add an item to Yearly" in body
    assert "Within a year" not in body

    moved = as_admin.post(f"/admin/templates/sections/{section.id}/move", data={"direction": "up"})
    assert moved.status_code == 303
    order = db.session.scalars(select(Section.name).where(Section.template_id == world.template.id)
                               .order_by(Section.position)).all()
    assert order == ["Within 2 weeks", "Yearly", "Within 6 months"]

    busy = as_admin.post(f"/admin/templates/sections/{world.week2.id}/remove", headers=HTMX)
    assert busy.status_code == 422 and "still holds 1 item" in busy.get_data(as_text=True)
    section_id = section.id
    gone = as_admin.post(f"/admin/templates/sections/{section_id}/remove")
    db.session.expire_all()
    assert gone.status_code == 303 and db.session.get(Section, section_id) is None
    assert [e.action for e in _events("section.removed")] == ["section.removed"]


def test_an_item_added_in_place_or_refused_in_place(as_admin, world):
    url = f"/admin/templates/sections/{world.week2.id}/items"
    bad = as_admin.post(url, data=_item_form(world.week2, title="", frequency_months="0"), headers=HTMX)
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and body.startswith(f'<section id="section-{world.week2.id}"')
    assert "Enter the item&#39;s title" in body and "Enter how many months until it must be renewed" in body
    assert f'id="new-{world.week2.id}-frequency_months"' in body and 'value="0"' in body
    good = as_admin.post(url, data=_item_form(world.week2), headers=HTMX)
    item = db.session.scalar(select(Item).where(Item.title == "Hand hygiene"))
    assert good.status_code == 200 and f'id="item-{item.id}"' in good.get_data(as_text=True)
    assert item.added_on == dt.date(2026, 3, 2) and item.code == "HH" and item.frequency_months == 12
    # Without JavaScript: a redirect back to the editor, at the item.
    plain = as_admin.post(url, data=_item_form(world.week2, title="Waste", code="WASTE"))
    assert plain.status_code == 303 and "#item-" in plain.headers["Location"]


def test_the_item_row_and_its_edit_form_as_partials_and_pages(as_admin, world):
    row = as_admin.get(f"/admin/templates/items/{world.fire.id}", headers=HTMX).get_data(as_text=True)
    assert row.startswith(f'<tr id="item-{world.fire.id}"') and "Every 2 years" in row
    assert as_admin.get(f"/admin/templates/items/{world.fire.id}").status_code == 302
    form = as_admin.get(f"/admin/templates/items/{world.fire.id}/edit", headers=HTMX).get_data(as_text=True)
    assert form.startswith(f'<tr id="item-{world.fire.id}" class="nhsuk-table__row app-row--editing">')
    page = as_admin.get(f"/admin/templates/items/{world.fire.id}/edit").get_data(as_text=True)
    assert "<h1>Edit item: Fire safety</h1>" in page and "hx-post" not in page.split("<h1>")[1].split("</form>")[0]


def test_a_change_that_moves_no_date_saves_at_once(as_admin, world):
    response = as_admin.post(f"/admin/templates/items/{world.fire.id}/edit",
                             data=_fire_form(world, title="Fire safety awareness"), headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.startswith(f'<tr id="item-{world.fire.id}"')
    assert "Saved Fire safety awareness: title." in body and "app-impact" not in body
    [event] = _events("item.changed")
    assert event.before == {"title": "Fire safety"} and event.after == {"title": "Fire safety awareness"}


def test_a_new_frequency_shows_who_it_moves_and_is_saved_only_when_confirmed(as_admin, world):
    # The learner's fire safety, done 1 Apr 2024, every 24 months: Expiring (1 Apr 2026). Every 12: Expired.
    db.session.add(Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=dt.date(2024, 4, 1),
                         method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id))
    db.session.commit()
    url = f"/admin/templates/items/{world.fire.id}/edit"
    preview = as_admin.post(url, data=_fire_form(world, frequency_months="12"), headers=HTMX)
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "1 person becomes Expired." in body
    assert "Lee Learner: Fire safety, Expiring → Expired" in body
    assert f'name="confirmed" value="12 {world.week2.id}"' in body
    db.session.expire_all()
    assert db.session.get(Item, world.fire.id).frequency_months == 24 and not _events("item.changed")
    # Confirming another change than the one previewed previews again.
    again = as_admin.post(url, data=_fire_form(world, frequency_months="36", confirmed=f"12 {world.week2.id}"),
                          headers=HTMX)
    assert "1 person becomes Complete." in again.get_data(as_text=True)
    saved = as_admin.post(url, data=_fire_form(world, frequency_months="12", confirmed=f"12 {world.week2.id}"),
                          headers=HTMX)
    assert saved.get_data(as_text=True).startswith(f'<tr id="item-{world.fire.id}"')
    db.session.expire_all()
    assert db.session.get(Item, world.fire.id).frequency_months == 12
    passport = as_admin.get(f"/people/{world.learner.id}/passport/items/{world.fire.id}", headers=HTMX)
    assert "app-row--expired" in passport.get_data(as_text=True)


def test_moving_an_item_to_another_section_swaps_the_whole_body(as_admin, world):
    url = f"/admin/templates/items/{world.fire.id}/edit"
    form = _fire_form(world, section_id=str(world.month6.id))
    preview = as_admin.post(url, data=form, headers=HTMX).get_data(as_text=True)
    assert "due 2 weeks → 6 months (moves to Within 6 months)" in preview
    moved = as_admin.post(url, data={**form, "confirmed": f"24 {world.month6.id}"}, headers=HTMX)
    assert moved.headers["HX-Retarget"] == "#template-body" and moved.headers["HX-Reswap"] == "outerHTML"
    db.session.expire_all()
    fire = db.session.get(Item, world.fire.id)
    assert fire.section_id == world.month6.id and fire.position == 4


def test_items_reorder_and_are_archived_when_used_deleted_when_not(as_admin, as_learner, world):
    moved = as_admin.post(f"/admin/templates/items/{world.optional.id}/move", data={"direction": "up"}, headers=HTMX)
    assert moved.status_code == 200 and "Reflective practice moved up." in moved.get_data(as_text=True)
    order = db.session.scalars(select(Item.title).where(Item.section_id == world.month6.id)
                               .order_by(Item.position)).all()
    assert order == ["Managing work and life stress", "Reflective practice", "Moving a patient with a hoist"]

    db.session.add(Entry(person_id=world.learner.id, item_id=world.stress.id, completed_on=dt.date(2026, 2, 2),
                         method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id))
    db.session.commit()
    archived = as_admin.post(f"/admin/templates/items/{world.stress.id}/remove",
                             data={"action": "remove", "confirmed": "archive"})
    assert archived.status_code == 303
    db.session.expire_all()
    stress = db.session.get(Item, world.stress.id)
    assert stress is not None and stress.archived_at is not None
    row = as_learner.get(f"/people/{world.learner.id}/passport/items/{world.stress.id}", headers=HTMX)
    assert "Not required" in row.get_data(as_text=True)
    optional_id = world.optional.id
    deleted = as_admin.post(f"/admin/templates/items/{optional_id}/remove", data={"action": "remove"},
                            headers=HTMX)
    assert "Reflective practice removed: nobody had recorded it." in deleted.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Item).where(Item.title == "Reflective practice")) is None
    restored = as_admin.post(f"/admin/templates/items/{world.stress.id}/remove", data={"action": "restore"})
    assert restored.status_code == 303
    db.session.expire_all()
    assert db.session.get(Item, world.stress.id).archived_at is None
    assert {e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "Item"))} >= {
        "item.moved", "item.archived", "item.removed", "item.restored"}


def test_a_superscript_number_is_a_field_error_not_a_crash(as_admin, world):
    response = as_admin.post(f"/admin/templates/sections/{world.week2.id}/edit",
                             data={"name": "Within 2 weeks", "offset_amount": "²", "offset_unit": "weeks"})
    assert response.status_code == 422 and "whole number" in response.get_data(as_text=True)


def test_the_editor_costs_the_same_queries_for_4_items_as_for_60(as_admin, world):
    def queries():
        with count_queries() as log:
            assert as_admin.get(f"/admin/templates/{world.template.id}").status_code == 200
        return log.count

    few = queries()
    for n in range(4):
        section = Section(template_id=world.template.id, name=f"Band {n}", position=10 + n, offset_amount=n)
        db.session.add(section)
        db.session.flush()
        db.session.add_all([Item(template_id=world.template.id, section_id=section.id, position=i, title=f"T{n}-{i}",
                                 added_on=dt.date(2020, 1, 1)) for i in range(14)])
    db.session.commit()
    assert queries() == few


def test_focus_stays_on_a_move_button_when_the_row_reaches_an_end(as_admin, world):
    """Moving the second item up makes it first: its Move up button is gone, so Move down takes the focus."""
    # Month 6 holds stress (1), competency (2), optional (3).
    body = as_admin.post(f"/admin/templates/items/{world.competency.id}/move", data={"direction": "up"},
                         headers=HTMX).get_data(as_text=True)
    assert f'id="item-{world.competency.id}-move-up"' not in body
    assert re.search(rf'id="item-{world.competency.id}-move-down"[^>]*data-focus', body)
    assert body.count("data-focus") == 1
    # In the middle, the pressed button keeps the focus.
    body = as_admin.post(f"/admin/templates/items/{world.competency.id}/move", data={"direction": "down"},
                         headers=HTMX).get_data(as_text=True)
    assert re.search(rf'id="item-{world.competency.id}-move-down"[^>]*data-focus', body)
    # A section moved to the top: Move section down takes the focus.
    body = as_admin.post(f"/admin/templates/sections/{world.month6.id}/move", data={"direction": "up"},
                         headers=HTMX).get_data(as_text=True)
    assert f'id="section-{world.month6.id}-move-up"' not in body
    assert re.search(rf'id="section-{world.month6.id}-move-down"[^>]*data-focus', body)
    assert body.count("data-focus") == 1


def _summary_links_resolve(html: str) -> list[str]:
    summaries = re.findall(r'<div class="nhsuk-error-summary".*?</div>\s*</div>', html, flags=re.S)
    links = [href for s in summaries for href in re.findall(r'href="#([^"]+)"', s)]
    assert links, "no error summary links"
    return [href for href in links if f'id="{href}"' not in html]


def test_without_javascript_an_editor_error_opens_at_the_form_and_its_links_reach_the_fields(as_admin, world):
    page = as_admin.get(f"/admin/templates/{world.template.id}").get_data(as_text=True)
    assert f'action="/admin/templates/{world.template.id}/sections#add-section-title"' in page
    assert f'action="/admin/templates/sections/{world.month6.id}/items#new-{world.month6.id}-errors"' in page
    bad_item = as_admin.post(f"/admin/templates/sections/{world.month6.id}/items",
                             data={"title": "", "frequency_months": "often", "section_id": str(world.month6.id)})
    html = bad_item.get_data(as_text=True)
    assert bad_item.status_code == 422 and f'id="new-{world.month6.id}-errors"' in html
    assert _summary_links_resolve(html) == []
    bad_section = as_admin.post(f"/admin/templates/{world.template.id}/sections",
                                data={"name": "", "offset_amount": "soon", "offset_unit": "weeks"})
    html = bad_section.get_data(as_text=True)
    assert bad_section.status_code == 422 and 'id="add-section-title"' in html
    assert _summary_links_resolve(html) == []
    bad_edit = as_admin.post(f"/admin/templates/items/{world.fire.id}/edit", data={"title": "", "kind": "x"})
    assert bad_edit.status_code == 422 and _summary_links_resolve(bad_edit.get_data(as_text=True)) == []


def test_saved_messages_name_fields_as_people_say_them(as_admin, world):
    """Not "corporate lead" from corporate_lead by chance, or "team id": the words on the form."""
    response = as_admin.post(f"/admin/templates/items/{world.fire.id}/edit",
                             data=_fire_form(world, corporate_lead="Fire Safety Team", prior_learning_accepted=None),
                             headers=HTMX)
    body = response.get_data(as_text=True)
    assert "Saved Fire safety: corporate lead, prior learning accepted." in body
    edited = as_admin.post(f"/people/{world.learner.id}/edit",
                           data={"name": world.learner.name, "email": world.learner.email,
                                 "employee_number": world.learner.employee_number, "job_role": "Porter",
                                 "team_id": str(world.team_b.id), "start_date": world.learner.start_date.isoformat(),
                                 "role": "learner"})
    assert edited.status_code == 303
    [event] = _events("person.changed")
    assert event.summary == "Lee Learner: job role “Support Worker” → “Porter”, team Physiotherapy → Occupational Therapy"


def test_a_section_offset_preview_lists_the_due_dates_it_moves(as_admin, world):
    url = f"/admin/templates/sections/{world.month6.id}/edit"
    form = {"name": "Within 6 months", "offset_amount": "1", "offset_unit": "months"}
    for headers in ({}, HTMX):
        response = as_admin.post(url, data=form, headers=headers)
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and "Dates that move" in body
        assert re.search(r"3 people \(9 items\): due date moves from \d+ \w{3} \d{4} to \d+ \w{3} \d{4}", body)
        assert "Lee Learner: Managing work and life stress, due date" in body
    db.session.expire_all()
    assert db.session.get(Section, world.month6.id).offset_amount == 6


def _record_stress(world):
    db.session.add(Entry(person_id=world.learner.id, item_id=world.stress.id, completed_on=dt.date(2026, 2, 2),
                         method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id))
    db.session.commit()


def test_archiving_a_used_mandatory_item_shows_who_it_stops_being_required_for_first(as_admin, world):
    _record_stress(world)
    url = f"/admin/templates/items/{world.stress.id}/remove"
    page = as_admin.post(url, data={"action": "remove"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Archive Managing work and life stress?</h1>" in body
    assert "Managing work and life stress stops being required for 3 people (2 To do, 1 Complete now)." in body
    assert "Lee Learner: Complete now" in body and 'name="confirmed" value="archive"' in body
    inline = as_admin.post(url, data={"action": "remove"}, headers=HTMX)
    row = inline.get_data(as_text=True)
    assert inline.headers["HX-Retarget"] == f"#item-{world.stress.id}" and inline.headers["HX-Reswap"] == "outerHTML"
    assert row.startswith(f'<tr id="item-{world.stress.id}"') and "<h1>" not in row
    assert f'hx-get="/admin/templates/items/{world.stress.id}"' in row      # Keep it: the row comes back
    db.session.expire_all()
    assert db.session.get(Item, world.stress.id).archived_at is None and not _events("item.archived")

    done = as_admin.post(url, data={"action": "remove", "confirmed": "archive"}, headers=HTMX)
    assert "Managing work and life stress archived" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Item, world.stress.id).archived_at is not None and len(_events("item.archived")) == 1


def test_an_optional_or_unused_item_goes_without_asking(as_admin, world):
    db.session.add(Entry(person_id=world.learner.id, item_id=world.optional.id, completed_on=dt.date(2026, 2, 2),
                         method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id))
    db.session.commit()
    optional = as_admin.post(f"/admin/templates/items/{world.optional.id}/remove", data={"action": "remove"})
    unused = as_admin.post(f"/admin/templates/items/{world.fire.id}/remove", data={"action": "remove"})
    assert optional.status_code == 303 and unused.status_code == 303
