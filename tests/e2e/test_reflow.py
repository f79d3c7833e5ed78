"""WCAG 1.4.10 Reflow: at 320 CSS pixels wide, no page of the app scrolls sideways.
A wide table may scroll inside its own box (marked data-scrolls, and saying so in words); the page around
it may not. The walk takes every GET route of the URL map, so a new page is covered the day it is added;
each page is also checked element by element (every label, field, error, button and link inside the
screen, nothing cut short), and every box that scrolls must say so."""
from __future__ import annotations

import datetime as dt

from flask import url_for
from sqlalchemy import select

from skillpass import demo
from skillpass.extensions import db
from skillpass.models import (
    AssignmentRule, Entry, EntryStatus, ImportBatch, InformalEntry, Item, PassportTemplate, Person, PrintJob, PrintJobStatus,
    TrainingSession,
)
from tests.conftest import TODAY
from tests.e2e.conftest import outside_viewport, sign_in, sign_out

WIDTH = 320

# GET routes that are not pages: files, exports and counters. Everything else is walked.
NOT_PAGES = {
    "static", "core.healthz", "signoff.count",
    "evidence.download", "evidence.preview", "print.passport_pdf", "sessions.pdf", "sessions.sheet",
    "team.export_matrix", "team.export_records", "team.print_download",
    "admin.people_import_template", "admin.completions_import_template",
    "calendar.feed",   # the calendar feed (issue 15, part B): an .ics file
    "skill_reports.export_csv", "skill_reports.export_xlsx",   # the skills snapshot's files (issue 16, part D)
    "team.export_standing",   # who meets each passport, as a file (issue 17, part B)
    # Single sign-on's two steps redirect (to the provider, or back to sign-in when it is not set up); its
    # refusal page is checked at 320 px by tests/e2e/test_sso_flows.py.
    "auth.sso_start", "auth.sso_callback",
    "questionnaire.recommendations_count",   # the questionnaire's recommendations waiting: a counter (issue 17, D)
    # Verifiable passports (issue 18): the published keys and status list, and a person's signed files
    "credentials.jwks", "credentials.status_list", "credentials.bundle", "credentials.credential",
    "editor.export_file",   # a passport template as a JSON file (issue 18, part D)
}

# Who opens each page (the admin, unless named here): the learner their own passport and forms, the
# educator the queue, the team page and training sessions.
LEARNER_PAGES = {"passport.index", "passport.record", "passport.correct", "passport.informal_log",
                 "passport.summary", "passport.section_progress", "passport.item_row", "auth.change_password",
                 "audit_log.item_history", "print.passport", "core.index", "passport.withdraw",
                 "passport.informal_edit", "passport.informal_remove_confirm",
                 "calendar.account", "calendar.reset", "notifications.account",
                 # My skills (issue 16, part B): the learner's own self-assessment
                 "skills.index", "skills.assess", "skills.area", "skills.check", "skills.improvement",
                 "skills.assessment",
                 "passport.standing",   # a passport's standing (issue 17, part B): redirects to its heading
                 "questionnaire.index",   # the questionnaire: one's own answers (issue 17, part D)
                 "credentials.records"}   # one's own verified records (issue 18, part A)
EDUCATOR_PAGES = {"signoff.index", "passport.observed", "team.print_status", "sessions.new", "sessions.people",
                  "questionnaire.recommendations_queue"}   # the questionnaire's recommendations (issue 17, part D)

# Every page is also checked element by element: every label, field, error, button and link inside the
# screen (or inside a box that says it scrolls), nothing cut short.

# A box that scrolls sideways says so: a named region the keyboard can scroll, with words about it on screen.
_SCROLLERS_UNSAID = """() => [...document.querySelectorAll("[data-scrolls]")]
  .filter(box => box.scrollWidth > box.clientWidth)
  .filter(box => box.getAttribute("role") !== "region" || box.getAttribute("tabindex") !== "0"
                 || !(box.getAttribute("aria-label") || box.getAttribute("aria-labelledby"))
                 || !/scroll/i.test(box.parentElement.innerText))
  .map(box => box.getAttribute("aria-label") || box.id || box.className)"""


def _world() -> dict[str, int]:
    """The demo trust, and one of each thing a page shows that the demo has none of."""
    demo.seed(today=TODAY)
    learner = db.session.scalar(select(Person).where(Person.email == demo.LEARNER_EMAIL))
    educator = db.session.scalar(select(Person).where(Person.email == demo.EDUCATOR_EMAIL))
    admin = db.session.scalar(select(Person).where(Person.email == demo.ADMIN_EMAIL))
    item = db.session.scalar(select(Item).where(Item.title == "Managing work and life stress"))
    competency = db.session.scalar(select(Item).where(Item.title == "Taking and recording vital signs"))
    hoist = db.session.scalar(select(Item).where(Item.title == "Safe use of a hoist (observed practice)"))
    awaiting = db.session.scalar(select(Entry).where(Entry.person_id == learner.id, Entry.item_id == hoist.id,
                                                     Entry.status == EntryStatus.AWAITING))
    template = db.session.scalar(select(PassportTemplate).order_by(PassportTemplate.id))
    rule = AssignmentRule(template_id=template.id, teams=[learner.team], job_roles=[])
    job = PrintJob(requested_by_id=educator.id, title=learner.team.name, person_ids=[learner.id],
                   total=1, done=1, status=PrintJobStatus.READY, stored_name="0" * 32 + ".pdf")
    training = TrainingSession(item_id=item.id, held_on=TODAY - dt.timedelta(days=3), trainer="Jo Trainer",
                               venue="Seminar room 2, Northgate Community Hospital", recorded_by_id=educator.id)
    batch = ImportBatch(filename="esr-learning-export-march.csv", imported_by_id=admin.id, entry_count=0)
    informal = InformalEntry(person_id=learner.id, title="Shadowed the falls prevention team",
                             completed_on=TODAY - dt.timedelta(days=10), reflection="Learned the new checklist.",
                             recorded_by_id=learner.id)
    db.session.add_all([rule, job, training, batch, informal])
    from skillpass.models import ImportKind, ImportRun, ImportRunStatus   # an import under way (issue 19, part E)

    run = ImportRun(requested_by_id=admin.id, kind=ImportKind.PEOPLE, token="0" * 32,
                    filename="esr-staff-list-whole-organisation-march.csv", counts={"added": 30000},
                    total=30000, done=12500, status=ImportRunStatus.RUNNING)
    db.session.add(run)
    from skillpass.services import calendar_feed

    calendar_feed.make_address(learner)   # the calendar page with its address, at its widest
    # One-time links (an invitation, a password reset) and the outbox's message (invitation, as kept).
    from skillpass.models import LinkPurpose, Message, MessageStatus
    from skillpass.services import links

    invitation = links.issue(person=learner, purpose=LinkPurpose.INVITATION, lifetime=dt.timedelta(days=7))
    reset = links.issue(person=learner, purpose=LinkPurpose.PASSWORD_RESET, lifetime=dt.timedelta(hours=1))
    message = Message(to=learner.email, subject="You are invited to SkillPass: choose your password",
                      kind="invitation", status=MessageStatus.KEPT, attempts=1, html_body="",
                      text_body=f"Dear {learner.name},\n\nChoose your password here:\n"
                                f"http://127.0.0.1/invitation/{'x' * 43}\n")
    db.session.add(message)
    from skillpass.services import notifications   # a digest's unsubscribe page (issue 15, part D)

    unsubscribe = notifications.rows_for([learner.id], make=True)[learner.id].token
    # The skills report at its widest (issue 16, part D): a framework of six areas, the learner assessed in one.
    from skillpass.models import SkillTarget
    from skillpass.services.skills import standing
    from tests import factories

    framework = factories.skills_framework("Reflow walk: digital capabilities", areas=(
        "Digital identity, wellbeing, safety and security", "Communication, collaboration and participation",
        "Teaching, learning and self-development", "Technical proficiency", "Information, data and content",
        "Creation, innovation and research"))
    first = standing.live_areas(framework.id)[0]
    db.session.add(SkillTarget(area_id=first.id, person_id=learner.id, minimum=3, maximum=4))
    row = standing.kept_row(learner.id, first.id)
    row.self_level, row.self_reason, row.self_assessed_on = 1, "Foundation", TODAY
    skills = _skills_world(learner)     # confirmed levels and targets (issue 16, part C)
    db.session.commit()
    # The editor's framework (issue 16, part A) names the framework and area every skills page is walked with.
    skills = {**skills, **_skills_editor_world(item)}
    skills = {**skills, **_my_skills_world(learner)}   # My skills (issue 16, part B)
    skills = {**skills, **_credit_world(admin)}        # Credit across passports (issue 17, part C)
    skills = {**skills, **_trusted_issuer_world(admin)}   # Trusted issuers (issue 18, part C)
    db.session.commit()
    return {**skills, "kind": "lapses", "unsubscribe_token": unsubscribe, "token": invitation, "reset_token": reset, "message_id": message.id,"person_id": learner.id, "item_id": item.id, "section_id": item.section_id, "entry_id": awaiting.id,
            "team_id": learner.team_id, "rule_id": rule.id, "template_id": template.id, "job_id": job.id,
            "session_id": training.id, "batch_id": batch.id, "run_id": run.id, "educator_id": educator.id,
            "competency_id": competency.id, "informal_id": informal.id, **_questionnaire_world(),
            **_verify_world(learner)}


def _verify_world(learner) -> dict[str, str]:
    """The learner's verify link (issue 18, part B): the public verify page and the link's own page."""
    from skillpass.services.credentials import verify_links

    token = verify_links.live_link(learner, learner).token
    db.session.commit()
    return {"verify_token": token}


def _questionnaire_world() -> dict[str, int]:
    """The demo's question of several answers, for its edit page (issue 17, part D)."""
    from skillpass.models import Question, QuestionKind

    question = db.session.scalar(select(Question).where(Question.kind == QuestionKind.CHOICE).order_by(Question.id))
    return {"question_id": question.id}


def _skills_editor_world(item) -> dict[str, int]:
    """A framework with long names, an exemption and a route, for the editor's pages (issue 16, part A)."""
    from skillpass.models.skills import SkillArea, SkillExemption, SkillRoute, SkillStatement
    from tests import factories

    framework = factories.skills_framework(name="Health and Care Digital Capabilities Framework, in the editor",
                                           areas=("Digital creation, innovation and research", "Email"))
    area = db.session.scalar(select(SkillArea).where(SkillArea.framework_id == framework.id).order_by(SkillArea.id))
    statement = db.session.scalar(select(SkillStatement).where(SkillStatement.area_id == area.id))
    db.session.add_all([
        SkillExemption(framework_id=framework.id, area_id=area.id, level=2, qualification="ECDL module 7",
                       normalised="ecdl module 7"),
        SkillExemption(framework_id=framework.id, area_id=area.id, level=1, item_id=item.id),
        SkillRoute(area_id=area.id, level=3, course_title="Digital literacy for health and care staff",
                   course_url="https://www.e-lfh.org.uk/programmes/digital-skills-for-the-health-and-care-workforce/"),
    ])
    db.session.commit()
    return {"framework_id": framework.id, "area_id": area.id, "statement_id": statement.id}


def _skills_world(learner) -> dict[str, int]:
    """A published framework (the demo's first, else one made here) with a long area name, the learner's
    self-assessed and confirmed levels in it and a job role's target: the skills pages at their widest."""
    from skillpass.models import SkillsFramework, SkillTarget, TemplateStatus
    from skillpass.services.skills import standing
    from tests import factories

    framework = db.session.scalar(select(SkillsFramework).where(SkillsFramework.status == TemplateStatus.PUBLISHED)
                                  .order_by(SkillsFramework.id))
    if framework is None:
        framework = factories.skills_framework("IT user skills", areas=(
            "Email", "Spreadsheets and working with numbers, charts and formulae", "Word processing"))
    area = standing.live_areas(framework.id)[0]
    row = standing.kept_row(learner.id, area.id)
    row.self_level, row.self_assessed_on = 2, TODAY - dt.timedelta(days=5)
    row.self_reason = "Intermediate: all Foundation and Intermediate statements answered yes; 1 of 4 Advanced"
    row.confirmed_level, row.confirmed_on, row.confirmed_by_name = 1, TODAY, "Erin Educator"
    row.confirmed_note = "Could not yet attach a scanned document without help"
    if not db.session.scalar(select(SkillTarget).where(SkillTarget.job_role == learner.job_role,
                                                       SkillTarget.area_id == area.id)):
        db.session.add(SkillTarget(area_id=area.id, job_role=learner.job_role, minimum=3))
    db.session.flush()
    return {"framework_id": framework.id, "area_id": area.id}


def _my_skills_world(learner) -> dict[str, int]:
    """My skills (issue 16, part B): a framework with long area names, the learner's submitted assessment of a
    month ago and a draft after it (the area and check pages show a draft)."""
    from skillpass.services.skills import assessments, standing
    from tests import factories

    fw = factories.skills_framework(name="Health and Care Digital Capabilities Framework, assessed", areas=(
        "Digital identity, wellbeing, safety and security", "Communication, collaboration and participation"))
    areas = standing.live_areas(fw.id)
    first, _ = assessments.start(actor=learner, framework=fw)
    statements = assessments.live_statements([areas[0].id])[areas[0].id]
    assessments.answer(actor=learner, assessment=first, area=areas[0],
                       given={s.id: s.level <= 2 for s in statements})
    assessments.submit(actor=learner, assessment=first, today=TODAY - dt.timedelta(days=30),
                       now=dt.datetime.combine(TODAY - dt.timedelta(days=30), dt.time(12), tzinfo=dt.timezone.utc))
    assessments.start(actor=learner, framework=fw)
    return {"my_framework_id": fw.id, "my_area_id": areas[0].id, "assessment_id": first.id}


def _credit_world(admin) -> dict[str, int]:
    """Credit across passports (issue 17, part C), at its widest: a live mapping from an item to two items of
    other passports with a long note, and an ended one from a long-named qualification."""
    from skillpass.models import CreditMapping, CreditTarget
    from skillpass.subjects import normalise_name

    items = list(db.session.scalars(select(Item).where(Item.archived_at.is_(None)).order_by(Item.id)))
    by_passport: dict[int, list[Item]] = {}
    for item in items:
        by_passport.setdefault(item.template_id, []).append(item)
    first, *others = list(by_passport.values())
    targets = [group[0] for group in others][:2] or first[1:3]
    name = "Care Certificate standard 13: awareness of mental health, dementia and learning disabilities"
    live = CreditMapping(source_item_id=first[0].id, created_by_id=admin.id,
                         note="Agreed with the safeguarding lead: the same learning outcomes, assessed the same way.")
    ended = CreditMapping(source_qualification=name, source_key=normalise_name(name), created_by_id=admin.id,
                          ended_by_id=admin.id, ended_at=dt.datetime.combine(TODAY, dt.time(9), dt.timezone.utc))
    db.session.add_all([live, ended])
    db.session.flush()
    db.session.add_all([CreditTarget(mapping_id=m.id, item_id=t.id) for m in (live, ended) for t in targets])
    db.session.flush()
    return {"mapping_id": live.id}


def _trusted_issuer_world(admin) -> dict[str, int]:
    """Trusted issuers (issue 18, part C), at their widest: a long issuer id and key address, a long note, and an
    ended one."""
    from skillpass.models import TrustedIssuer

    keys = '{"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "hRP69Ww17K5Cb3_qOdYGiWdOY2OL1r6v46gjZzBk42U"}]}'
    live = TrustedIssuer(name="Northgate and District Community Healthcare NHS Foundation Trust",
                         issuer_id="https://skillpass.northgate-and-district-community-healthcare.nhs.uk/issuer",
                         jwks=keys, jwks_url="https://skillpass.northgate-and-district-community-healthcare.nhs.uk"
                                             "/.well-known/jwks.json",
                         accepted_by_agreement=True, added_by_id=admin.id,
                         note="Agreed by both organisations' learning and development leads in March 2026.")
    ended = TrustedIssuer(name="Westbay NHS Trust", issuer_id="https://skillpass.westbay.nhs.uk/issuer", jwks=keys,
                          added_by_id=admin.id, ended_by_id=admin.id,
                          ended_at=dt.datetime.combine(TODAY, dt.time(9), dt.timezone.utc))
    db.session.add_all([live, ended])
    db.session.flush()
    return {"issuer_id": live.id}


# My skills' pages are walked on the learner's own framework, where they have a draft (issue 16, part B).
_MINE = {"framework_id": "my_framework_id", "area_id": "my_area_id"}
# Pages that read their query string, walked once more with it: the people behind a qualification count (issue 17,
# part B) at their widest without it (every passport and standing), and narrowed as a count's link opens them.
NARROWED = {"team.standing": {"standing": "does_not_meet"}}

OVERRIDES = {"skills.assess": _MINE, "skills.area": _MINE, "skills.check": _MINE, "skills.improvement": _MINE,
             "passport.observed": {"item_id": "competency_id"}, "people.supported_teams": {"person_id": "educator_id"},
             "auth.reset_password": {"token": "reset_token"},
             "credentials.verify": {"token": "verify_token"}}   # the public verify page (issue 18, part B)


def _pages(app, world) -> dict[str, list[tuple[str, str]]]:
    """Every GET page, as (endpoint, path), by who opens it."""
    by_actor: dict[str, list[tuple[str, str]]] = {"learner": [], "educator": [], "admin": []}
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.endpoint in NOT_PAGES or rule.endpoint == "auth.sign_in":
                continue
            names = OVERRIDES.get(rule.endpoint, {})
            path = url_for(rule.endpoint, **{a: world[names.get(a, a)] for a in rule.arguments})
            actor = ("learner" if rule.endpoint in LEARNER_PAGES
                     else "educator" if rule.endpoint in EDUCATOR_PAGES or rule.endpoint.startswith(("team.", "sessions."))
                     else "admin")
            by_actor[actor].append((rule.endpoint, path))
            if rule.endpoint in NARROWED:
                by_actor[actor].append((rule.endpoint, url_for(rule.endpoint, template=world["template_id"],
                                                               **NARROWED[rule.endpoint])))
    return by_actor


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth") - WIDTH


def test_every_page_reflows_at_320_pixels(live_server, page, app):
    world = _world()
    page.set_viewport_size({"width": WIDTH, "height": 800})
    page.goto(live_server + "/sign-in")
    wide, cut, refused = {}, {}, {}
    if _overflow(page) > 0:
        wide["/sign-in"] = _overflow(page)
    cut.update({"/sign-in": p for p in [outside_viewport(page)] if p})
    emails = {"learner": demo.LEARNER_EMAIL, "educator": demo.EDUCATOR_EMAIL, "admin": demo.ADMIN_EMAIL}
    walked = set()
    for actor, pages in _pages(app, world).items():
        sign_in(page, live_server, emails[actor], demo.DEMO_PASSWORD)
        for endpoint, path in pages:
            response = page.goto(live_server + path)
            page.wait_for_load_state("networkidle")
            walked.add(endpoint)
            if response is None or response.status >= 400:
                refused[path] = (actor, response and response.status)
                continue
            if _overflow(page) > 0:
                wide[path] = _overflow(page)
            problems = page.evaluate(_SCROLLERS_UNSAID)
            problems = [f"{name}: scrolls sideways without saying so" for name in problems]
            problems += outside_viewport(page)
            if problems:
                cut[path] = problems
        sign_out(page)
    assert refused == {}, f"pages the walk could not open (who, status): {refused}"
    assert {"passport.index", "passport.record", "passport.detail", "people.index", "auth.change_password",
            "audit_log.index", "admin.import_batch", "editor.template", "sessions.detail"} <= walked
    assert (wide, cut) == ({}, {}), (f"pages wider than {WIDTH}px (by how much): {wide}\n"
                                     "things outside the screen or cut short:\n"
                                     + "\n".join(f"{k}: {v}" for k, v in cut.items()))
