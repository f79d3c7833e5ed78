"""The skills framework editor over HTTP (issue 16, part A): full pages without JavaScript and htmx partials,
422 with messages in place and the input kept, publish refused with each area's missing levels."""
from __future__ import annotations

import re

from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import AuditEvent, TemplateStatus
from skillpass.models.skills import SkillArea, SkillExemption, SkillRoute, SkillsFramework, SkillStatement
from tests import factories
from tests.conftest import HTMX


def _token(html: str) -> str:
    found = re.search(r'name="_submission" value="([^"]+)"', html) or re.search(
        r'name="submission[^"]*" value="([^"]+)"', html)
    return found.group(1) if found else ""


def _form(client, url: str) -> dict:
    """The one-time token of the page's forms, as the browser would send it."""
    from skillpass.services import submissions

    html = client.get(url).get_data(as_text=True)
    token = re.search(rf'name="{submissions.FIELD}" value="([^"]+)"', html)
    return {submissions.FIELD: token.group(1)} if token else {}


def _area(fw, name="Email"):
    return db.session.scalar(select(SkillArea).where(SkillArea.framework_id == fw.id, SkillArea.name == name))


def test_the_list_and_creating_a_draft_or_being_told_what_is_wrong(as_admin, world):
    factories.skills_framework()
    db.session.commit()
    page = as_admin.get("/admin/skills/").get_data(as_text=True)
    assert "IT user skills" in page and "Published</strong>" in page and ">3</td>" in page
    refused = as_admin.post("/admin/skills/", data={"name": "it user SKILLS", "description": "Mine",
                                                    **_form(as_admin, "/admin/skills/")})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "already exists" in html and ">Mine</textarea>" in html
    made = as_admin.post("/admin/skills/", data={"name": "Digital capabilities", **_form(as_admin, "/admin/skills/")})
    fw = db.session.scalar(select(SkillsFramework).where(SkillsFramework.name == "Digital capabilities"))
    assert made.status_code == 303 and made.headers["Location"].endswith(f"/admin/skills/{fw.id}")
    page = as_admin.get(made.headers["Location"]).get_data(as_text=True)
    assert "created as a draft" in page and "Draft</strong>" in page and "No areas yet" in page


def test_an_area_and_a_statement_added_in_place_then_published(as_admin, world):
    fw = factories.skills_framework(name="Draft one", areas=(), status=TemplateStatus.DRAFT)
    db.session.commit()
    url = f"/admin/skills/{fw.id}"
    added = as_admin.post(f"{url}/areas", data={"name": "Email", **_form(as_admin, url)}, headers=HTMX)
    html = added.get_data(as_text=True)
    area = _area(fw)
    assert added.status_code == 200 and html.startswith('<div id="framework-body">')
    assert "frameworkAreasChanged" in added.headers["HX-Trigger"]
    assert f'id="new-statement-{area.id}-wording"' in html and "data-focus" in html
    assert "Area added: Email" in html       # the live region, out of band
    refused = as_admin.post(f"/admin/skills/areas/{area.id}/statements",
                            data={"wording": "  ", "level": "2", **_form(as_admin, url)}, headers=HTMX)
    assert refused.status_code == 422
    assert refused.get_data(as_text=True).startswith(f'<section id="area-{area.id}"')
    assert "Enter the statement" in refused.get_data(as_text=True)
    published = as_admin.post(f"{url}/status", data={"action": "publish"})
    text = published.get_data(as_text=True)
    assert published.status_code == 422 and "cannot be published yet" in text
    assert f'href="#area-{area.id}">Email has no statement at Foundation, Intermediate, Advanced and Super-user.' in text
    for level in "1234":
        ok = as_admin.post(f"/admin/skills/areas/{area.id}/statements",
                           data={"wording": f"I can do level {level}", "level": level, **_form(as_admin, url)},
                           headers=HTMX)
        assert ok.status_code == 200 and f"I can do level {level}" in ok.get_data(as_text=True)
    # Without JavaScript: a redirect to the statement.
    plain = as_admin.post(f"/admin/skills/areas/{area.id}/statements",
                          data={"wording": "I can forward an email", "level": "1", **_form(as_admin, url)})
    statement = db.session.scalar(select(SkillStatement).where(SkillStatement.wording == "I can forward an email"))
    assert plain.status_code == 303 and plain.headers["Location"].endswith(f"#statement-{statement.id}")
    assert as_admin.post(f"{url}/status", data={"action": "publish"}).status_code == 303
    db.session.refresh(fw)
    assert fw.status is TemplateStatus.PUBLISHED


def test_editing_a_statement_in_place_and_on_its_own_page(as_admin, world):
    fw = factories.skills_framework()
    db.session.commit()
    statement = db.session.scalar(select(SkillStatement).where(SkillStatement.area_id == _area(fw).id))
    form = as_admin.get(f"/admin/skills/statements/{statement.id}/edit", headers=HTMX).get_data(as_text=True)
    assert form.startswith(f'<li id="statement-{statement.id}"') and statement.wording in form
    page = as_admin.get(f"/admin/skills/statements/{statement.id}/edit").get_data(as_text=True)
    assert "<h1>Edit statement in: Email</h1>" in page
    refused = as_admin.post(f"/admin/skills/statements/{statement.id}/edit", data={"wording": ""}, headers=HTMX)
    assert refused.status_code == 422 and "Enter the statement" in refused.get_data(as_text=True)
    saved = as_admin.post(f"/admin/skills/statements/{statement.id}/edit",
                          data={"wording": "I can attach a file to an email"}, headers=HTMX)
    html = saved.get_data(as_text=True)
    assert saved.headers["HX-Retarget"] == f"#area-{statement.area_id}"
    assert "I can attach a file to an email" in html
    assert re.search(rf'id="statement-{statement.id}-edit"[^>]*data-focus', html)     # focus on Edit, not Remove


def test_an_answered_area_is_retired_and_an_unanswered_one_removed(as_admin, world):
    from skillpass.models.skills import SelfAssessment, SelfAssessmentAnswer

    fw = factories.skills_framework()
    email, sheets = _area(fw), _area(fw, "Spreadsheets")
    answered = db.session.scalar(select(SkillStatement).where(SkillStatement.area_id == email.id))
    assessment = SelfAssessment(person_id=world.learner.id, framework_id=fw.id)
    db.session.add(assessment)
    db.session.flush()
    db.session.add(SelfAssessmentAnswer(assessment_id=assessment.id, statement_id=answered.id, answer=True))
    db.session.commit()
    email_id, sheets_id = email.id, sheets.id
    page = as_admin.get(f"/admin/skills/{fw.id}").get_data(as_text=True)
    assert "Retire area<span" in page and "Remove area<span" in page
    retired = as_admin.post(f"/admin/skills/areas/{email.id}/remove", data={"action": "remove"}, headers=HTMX)
    assert retired.status_code == 200 and "retired: people&#39;s answers" in retired.get_data(as_text=True)
    removed = as_admin.post(f"/admin/skills/areas/{sheets.id}/remove", data={"action": "remove"})
    assert removed.status_code == 303
    db.session.expire_all()
    assert db.session.get(SkillArea, email_id).retired_at is not None
    assert db.session.get(SkillArea, sheets_id) is None


def test_exemptions_and_routes_are_added_in_place_and_refused_with_the_input_kept(as_admin, world):
    fw = factories.skills_framework()
    db.session.commit()
    url, email = f"/admin/skills/{fw.id}", _area(fw)
    page = as_admin.get(url).get_data(as_text=True)
    assert "How a qualification counts as held" in page and "Fire safety" in page
    refused = as_admin.post(f"{url}/exemptions", data={"area_id": str(email.id), "level": "",
                                                       "qualification": "ECDL module 7", **_form(as_admin, url)},
                            headers=HTMX)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and html.startswith('<div id="framework-links"')
    assert 'value="ECDL module 7"' in html and "Choose Foundation" in html
    added = as_admin.post(f"{url}/exemptions", data={"area_id": str(email.id), "level": "2",
                                                     "qualification": "ECDL module 7", **_form(as_admin, url)},
                          headers=HTMX)
    assert added.status_code == 200 and "ECDL module 7" in added.get_data(as_text=True)
    assert db.session.scalar(select(SkillExemption.normalised)) == "ecdl module 7"
    plain = as_admin.post(f"{url}/routes", data={"area_id": str(email.id), "level": "1",
                                                 "course_title": "Email basics",
                                                 "course_url": "http://insecure.example", **_form(as_admin, url)})
    assert plain.status_code == 422 and "starting https://" in plain.get_data(as_text=True)
    route_added = as_admin.post(f"{url}/routes", data={"area_id": str(email.id), "level": "1",
                                                       "item_id": str(world.fire.id), **_form(as_admin, url)})
    assert route_added.status_code == 303
    route = db.session.scalar(select(SkillRoute))
    retired = as_admin.post(f"/admin/skills/routes/{route.id}/retire", headers=HTMX)
    assert retired.status_code == 200 and "Retired</strong>" in retired.get_data(as_text=True)
    fragment = as_admin.get(f"{url}/links", headers=HTMX)
    assert fragment.get_data(as_text=True).startswith('<div id="framework-links"')
    assert as_admin.get(f"{url}/links").status_code == 302


def test_copy_and_archive(as_admin, world):
    fw = factories.skills_framework()
    db.session.commit()
    url = f"/admin/skills/{fw.id}"
    copied = as_admin.post(f"{url}/copy", data={"name": "", **_form(as_admin, url)})
    assert copied.status_code == 303
    copy = db.session.scalar(select(SkillsFramework).where(SkillsFramework.name == "IT user skills (copy)"))
    assert copy.status is TemplateStatus.DRAFT
    assert as_admin.post(f"{url}/status", data={"action": "archive"}).status_code == 303
    db.session.refresh(fw)
    assert fw.status is TemplateStatus.ARCHIVED
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"framework.copied", "framework.archived"} <= actions
