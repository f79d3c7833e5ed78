"""Confirmed levels and targets (PRODUCT.md §6.5, issue 16 part C): a person's skills page for staff, confirming
a level and setting a person's own target in place (htmx) and as pages (without JavaScript), job roles'
targets; each refused with its message in place, and each page in a fixed number of queries."""
from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import AuditEvent, ConfirmedLevel, SkillLevel, SkillStanding, SkillTarget
from skillpass.services.skills import standing
from tests import factories
from tests.conftest import HTMX, TODAY, sign_in
from tests.querycount import count_queries

L = SkillLevel


@pytest.fixture
def fw(world):
    framework = factories.skills_framework()
    db.session.commit()
    return framework


def _areas(fw):
    return {a.name: a for a in standing.live_areas(fw.id)}


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _self(person, area, level, reason="why"):
    row = standing.kept_row(person.id, area.id)
    row.self_level, row.self_reason, row.self_assessed_on = int(level), reason, TODAY
    db.session.commit()


def _events(action: Action) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action.value)))


# ---------------------------------------------------------------- the person's skills page

def test_the_skills_page_shows_each_area_with_actions_for_the_educator_only(app, world, fw, as_educator):
    email = _areas(fw)["Email"]
    _self(world.learner, email, L.INTERMEDIATE, "Intermediate: all Foundation and Intermediate statements answered yes; 1 of 2 Advanced")
    html = _text(as_educator.get(f"/people/{world.learner.id}/skills"))
    assert "IT user skills" in html and "No self-assessment submitted yet" in html
    assert "Intermediate: all Foundation and Intermediate statements answered yes; 1 of 2 Advanced" in html
    assert f'href="/people/{world.learner.id}/skills/{email.id}/confirm"' in html
    assert f'href="/people/{world.learner.id}/skills/{email.id}/target"' in html
    # The learner sees their own standing, and no actions: nobody confirms their own level.
    learner = sign_in(app.test_client(), world.learner)
    own = _text(learner.get(f"/people/{world.learner.id}/skills"))
    assert "Intermediate" in own and "Confirm level" not in own and "Set target" not in own
    assert learner.get(f"/people/{world.learner.id}/skills/{email.id}/confirm").status_code == 403


def test_the_passport_header_links_to_the_skills_page_for_staff(world, as_educator):
    html = _text(as_educator.get(f"/people/{world.learner.id}/passport"))
    assert f'href="/people/{world.learner.id}/skills"' in html


# ---------------------------------------------------------------- confirming a level

def test_confirm_inline_opens_in_the_row_and_saves_the_row_back_with_focus_on_what_was_done(world, fw, as_educator):
    email = _areas(fw)["Email"]
    _self(world.learner, email, L.INTERMEDIATE, "Intermediate: all Foundation and Intermediate statements answered yes; 0 of 2 Advanced")
    url = f"/people/{world.learner.id}/skills/{email.id}/confirm"
    form = as_educator.get(url, headers=HTMX)
    html = _text(form)
    assert form.status_code == 200 and html.lstrip().startswith(f'<tr id="skill-area-{email.id}"')
    assert "<html" not in html and "Intermediate: all Foundation and Intermediate statements answered yes" in html
    assert 'name="level"' in html and 'value="2" checked' in html       # the self-assessed level, to begin with
    assert 'name="submission"' in html

    saved = as_educator.post(url, data={"level": "2", "note": ""}, headers=HTMX)
    html = _text(saved)
    assert saved.status_code == 200, html[:800]
    assert html.lstrip().startswith(f'<tr class="nhsuk-table__row" id="skill-area-{email.id}"')
    done = re.search(r'<p [^>]*id="skill-area-%d-done"[^>]*>(.*?)</p>' % email.id, html, re.S)
    assert done and "data-focus" in done.group(0) and "Confirmed: Intermediate" in done.group(1)
    assert "by Eve Educator" in html
    assert "Lee Learner: Email confirmed as Intermediate." in html           # the live region, out of band
    assert db.session.get(SkillStanding, (world.learner.id, email.id)).confirmed_level == 2
    assert len(_events(Action.SKILL_LEVEL_CONFIRMED)) == 1


def test_confirm_without_javascript_is_a_page_and_a_redirect(world, fw, as_educator):
    sheets = _areas(fw)["Spreadsheets"]
    url = f"/people/{world.learner.id}/skills/{sheets.id}/confirm"
    page = _text(as_educator.get(url))
    assert "<html" in page and "Confirm a level: Spreadsheets" in page and "Not assessed yet" in page
    saved = as_educator.post(url, data={"level": "1", "note": "Watched Lee build a rota"})
    assert saved.status_code == 303
    assert saved.headers["Location"].endswith(f"/people/{world.learner.id}/skills#skill-area-{sheets.id}")
    after = _text(as_educator.get(saved.headers["Location"]))
    assert "Lee Learner: Spreadsheets confirmed as Foundation." in after and "Watched Lee build a rota" in after


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_a_refused_confirmation_comes_back_422_with_the_message_in_place_and_the_input_kept(world, fw, as_educator,
                                                                                          headers):
    email = _areas(fw)["Email"]
    _self(world.learner, email, L.FOUNDATION)
    response = as_educator.post(f"/people/{world.learner.id}/skills/{email.id}/confirm",
                                data={"level": "3", "note": ""}, headers=headers)
    html = _text(response)
    assert response.status_code == 422
    assert "Say why you confirm Advanced: Lee Learner assessed themselves as Foundation" in html
    assert 'value="3" checked' in html and "nhsuk-error-summary" in html
    assert ("<html" in html) == (not headers)
    assert db.session.scalar(select(func.count()).select_from(ConfirmedLevel)) == 0


def test_the_confirm_form_shows_completed_linked_items_and_exemptions_as_evidence(world, fw, as_educator):
    import datetime as dt

    from skillpass.models import Entry, EntryMethod, EntryStatus, SkillExemption, SkillRoute

    email = _areas(fw)["Email"]
    db.session.add_all([
        SkillRoute(area_id=email.id, level=1, item_id=world.fire.id),
        SkillRoute(area_id=email.id, level=2, course_title="Email for work", course_url="https://learn.example/e"),
        SkillExemption(framework_id=fw.id, area_id=email.id, level=2, item_id=world.stress.id),
        Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=dt.date(2026, 2, 3),
              method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id),
        Entry(person_id=world.learner.id, item_id=world.stress.id, completed_on=dt.date(2026, 2, 4),
              method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id),
    ])
    db.session.commit()
    html = _text(as_educator.get(f"/people/{world.learner.id}/skills/{email.id}/confirm", headers=HTMX))
    evidence = re.search(r"data-evidence>(.*?)</dd>", html, re.S).group(1)
    assert "Fire safety" in evidence and "for Foundation" in evidence and "Email for work" not in evidence
    assert "Exempt to Intermediate: Managing work and life stress" in html


def test_an_area_of_a_draft_framework_or_a_retired_area_is_not_there(world, fw, as_educator):
    from skillpass.models import TemplateStatus

    draft = factories.skills_framework("Draft skills", status=TemplateStatus.DRAFT)
    db.session.commit()
    area = standing.live_areas(draft.id)[0]
    assert as_educator.get(f"/people/{world.learner.id}/skills/{area.id}/confirm").status_code == 404
    assert "Draft skills" not in _text(as_educator.get(f"/people/{world.learner.id}/skills"))


# ---------------------------------------------------------------- a person's own target

def test_set_and_remove_a_persons_own_target_inline(world, fw, as_educator):
    email = _areas(fw)["Email"]
    db.session.add(SkillTarget(area_id=email.id, job_role="Support Worker", minimum=2))
    db.session.commit()
    url = f"/people/{world.learner.id}/skills/{email.id}/target"
    html = _text(as_educator.get(url, headers=HTMX))
    assert html.lstrip().startswith(f'<tr id="skill-area-{email.id}"')
    assert "Support Worker’s target: <strong>Intermediate</strong>" in html and "Use the job role" not in html

    refused = as_educator.post(url, data={"action": "set", "minimum": "3", "maximum": "1"}, headers=HTMX)
    assert refused.status_code == 422
    assert "The maximum must be the same level as the minimum or higher" in _text(refused)
    assert 'value="3" selected' in _text(refused)

    saved = as_educator.post(url, data={"action": "set", "minimum": "3", "maximum": "4"}, headers=HTMX)
    html = _text(saved)
    assert saved.status_code == 200 and "Target set: Advanced to Super-user" in html
    assert "(own target)" in html
    form = _text(as_educator.get(url, headers=HTMX))
    assert "Use the job role’s target instead" in form

    cleared = as_educator.post(url, data={"action": "clear"}, headers=HTMX)
    html = _text(cleared)
    assert cleared.status_code == 200 and "job role: Support Worker" in html
    assert "Target: the job role's target counts (Intermediate)" in html
    assert len(_events(Action.SKILL_TARGET_SET)) == 1 and len(_events(Action.SKILL_TARGET_CLEARED)) == 1


def test_a_target_without_javascript(world, fw, as_admin):
    sheets = _areas(fw)["Spreadsheets"]
    url = f"/people/{world.learner.id}/skills/{sheets.id}/target"
    assert "Own target: Spreadsheets" in _text(as_admin.get(url))
    refused = as_admin.post(url, data={"action": "set", "minimum": "", "maximum": ""})
    assert refused.status_code == 422 and "Choose the minimum level" in _text(refused) and "<html" in _text(refused)
    saved = as_admin.post(url, data={"action": "set", "minimum": "2", "maximum": ""})
    assert saved.status_code == 303
    assert "own target in Spreadsheets set to Intermediate" in _text(as_admin.get(saved.headers["Location"]))


def test_cancel_brings_the_row_back(world, fw, as_educator):
    email = _areas(fw)["Email"]
    url = f"/people/{world.learner.id}/skills/{email.id}"
    html = _text(as_educator.get(url, headers=HTMX))
    assert html.lstrip().startswith(f'<tr class="nhsuk-table__row" id="skill-area-{email.id}"') and "Confirm level" in html
    assert as_educator.get(url).status_code == 302


# ---------------------------------------------------------------- job roles' targets

def test_job_roles_targets_table_and_a_new_role_before_anyone_holds_it(world, fw, as_admin):
    a = _areas(fw)
    page = _text(as_admin.get(f"/admin/skills/{fw.id}/targets"))
    assert "Support Worker" in page and "Practice Educator" in page and "No target" in page
    new = _text(as_admin.get(f"/admin/skills/{fw.id}/targets/role"))
    assert "Add a job role’s targets" in new and 'name="job_role"' in new

    refused = as_admin.post(f"/admin/skills/{fw.id}/targets/role",
                            data={"job_role": "Ward clerk", f"area-{a['Email'].id}-minimum": "3",
                                  f"area-{a['Email'].id}-maximum": "2"})
    assert refused.status_code == 422
    html = _text(refused)
    assert "Email: the maximum must be the same level as the minimum or higher (Advanced)" in html
    assert 'value="Ward clerk"' in html

    saved = as_admin.post(f"/admin/skills/{fw.id}/targets/role",
                          data={"job_role": "Ward clerk", f"area-{a['Email'].id}-minimum": "1",
                                f"area-{a['Spreadsheets'].id}-minimum": "2", f"area-{a['Spreadsheets'].id}-maximum": "3"})
    assert saved.status_code == 303
    page = _text(as_admin.get(saved.headers["Location"]))
    assert "Targets for Ward clerk saved: 2 areas changed." in page
    assert re.search(r'data-cell="Ward clerk\|Spreadsheets">Intermediate to Advanced<', page)

    edit = _text(as_admin.get(f"/admin/skills/{fw.id}/targets/role", query_string={"job_role": "Ward clerk"}))
    assert "Targets for Ward clerk" in edit and 'type="hidden" name="job_role" value="Ward clerk"' in edit
    assert as_admin.post(f"/admin/skills/{fw.id}/targets/role?job_role=Ward+clerk",
                         data={"job_role": "Ward clerk"}).status_code == 303      # every area "No target"
    assert 'data-role="Ward clerk"' not in _text(as_admin.get(f"/admin/skills/{fw.id}/targets"))


def test_a_job_role_with_odd_characters_travels_in_the_query_string(world, fw, as_admin):
    role = "Band 3 / HCA & porter?#1"
    area = _areas(fw)["Email"]
    db.session.add(SkillTarget(area_id=area.id, job_role=role, minimum=2))
    db.session.commit()
    page = _text(as_admin.get(f"/admin/skills/{fw.id}/targets"))
    link = re.search(r'href="([^"]*targets/role\?job_role=[^"]*)"', page.replace("&amp;", "&"))
    assert link
    edit = as_admin.get(unescape(link.group(1)))
    assert edit.status_code == 200 and f"Targets for {role}" in _text(edit)


# ---------------------------------------------------------------- queries

@pytest.fixture
def app_config(app_config):
    return {**app_config, "CACHE_PAGES": False}


def _crowd(fw_name: str, areas: int, people: int):
    fw = factories.skills_framework(fw_name, areas=tuple(f"{fw_name} area {n}" for n in range(areas)), per_level=1)
    team = factories.team()
    educator = factories.person(role=factories.Role.EDUCATOR, supports=[team])
    learner = factories.person(team=team, job_role=f"{fw_name} role")
    for n in range(people):
        factories.person(team=team, job_role=f"{fw_name} role {n}")
    for area in standing.live_areas(fw.id):
        _self(learner, area, L(area.position % 5))
        db.session.add(SkillTarget(area_id=area.id, job_role=f"{fw_name} role", minimum=2))
        db.session.add(ConfirmedLevel(person_id=learner.id, area_id=area.id, level=1, confirmed_on=TODAY,
                                      confirmed_by_id=educator.id, confirmed_by_name="Eve"))
    db.session.commit()
    return fw, educator, learner


def test_the_skills_page_and_the_role_targets_page_cost_the_same_queries_whatever_the_numbers(app, world):
    counts = {}
    for label, areas, people in (("Small", 2, 1), ("Large", 15, 25)):
        fw, educator, learner = _crowd(label, areas, people)
        from skillpass.models import SkillsFramework, TemplateStatus

        for other in db.session.scalars(select(SkillsFramework).where(SkillsFramework.id != fw.id)):
            other.status = TemplateStatus.ARCHIVED          # one published framework each time
        db.session.commit()
        client = sign_in(app.test_client(), educator)
        admin = sign_in(app.test_client(), world.admin)
        area = standing.live_areas(fw.id)[0]
        pages = {
            "skills page": (client, f"/people/{learner.id}/skills", {}),
            "row (htmx)": (client, f"/people/{learner.id}/skills/{area.id}", HTMX),
            "confirm form (htmx)": (client, f"/people/{learner.id}/skills/{area.id}/confirm", HTMX),
            "role targets": (admin, f"/admin/skills/{fw.id}/targets", {}),
            "one role's targets": (admin, f"/admin/skills/{fw.id}/targets/role?job_role={label}+role", {}),
        }
        for name, (c, url, headers) in pages.items():
            c.get(url, headers=headers)           # warm
            with count_queries() as log:
                response = c.get(url, headers=headers)
            assert response.status_code == 200, (name, response.status_code)
            counts.setdefault(name, []).append(log.count)
    assert all(small == large for small, large in counts.values()), counts
