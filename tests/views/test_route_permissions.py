"""Who may reach which route: every rule in the URL map, tried by every kind of actor.

The table below is the whole access policy written out by hand. It is keyed by
endpoint; a new route fails ``test_every_route_has_an_expectation`` until
someone decides, here, who may reach it.

For each actor the table says ``OK`` (the request goes through: 200, a
redirect, 204 with HX-Redirect, or 422 for an empty form) or the refusal code:

* 403 for a signed-in actor;
* 401 for anonymous: a full page is redirected to /sign-in, an htmx request is
  answered 401 with an HX-Redirect header to /sign-in. Both are tried.

Every URL parameter is filled from the world: the learner's person, the fire
safety item in the "Within 2 weeks" section, an entry of the learner's awaiting
sign-off, an informal entry of the learner's.
"""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select
from flask import url_for

from skillpass.extensions import db
from skillpass.models import AssignmentRule, Entry, EntryMethod, EntryStatus, InformalEntry
from skillpass.services import evidence as evidence_service
from skillpass.services.skills import standing
from tests import factories
from tests.conftest import HTMX, sign_in

OK = "allowed"
ALLOWED_STATUSES = {200, 204, 302, 303, 422}
ACTORS = ("anonymous", "learner", "other_learner", "educator", "other_educator", "admin")
METHODS = ("GET", "POST")


def _expect(anonymous, learner, other_learner, educator, other_educator, admin) -> dict:
    return dict(anonymous=anonymous, learner=learner, other_learner=other_learner, educator=educator,
                other_educator=other_educator, admin=admin)


# URL parameters name the learner (team A) and the learner's own things.
# "educator" supports team A; "other_educator" supports team B only.
#
#                                   anonymous  learner  other_l  educator  other_e  admin
EXPECTED: dict[str, dict] = {
    "core.index":                 _expect(401, OK,  OK,  OK,  OK,  OK),
    "core.healthz":               _expect(OK,  OK,  OK,  OK,  OK,  OK),
    "auth.sign_in":               _expect(OK,  OK,  OK,  OK,  OK,  OK),
    "auth.sign_out":              _expect(401, OK,  OK,  OK,  OK,  OK),
    "auth.change_password":       _expect(401, OK,  OK,  OK,  OK,  OK),
    "auth.sso_start":             _expect(OK,  OK,  OK,  OK,  OK,  OK),
    "auth.sso_callback":          _expect(OK,  OK,  OK,  OK,  OK,  OK),
    "passport.index":             _expect(401, OK,  OK,  OK,  OK,  OK),
    "passport.detail":            _expect(401, OK,  403, OK,  403, OK),
    "passport.item_row":          _expect(401, OK,  403, OK,  403, OK),
    "passport.summary":           _expect(401, OK,  403, OK,  403, OK),
    "passport.section_progress":  _expect(401, OK,  403, OK,  403, OK),
    "passport.informal_log":      _expect(401, OK,  403, OK,  403, OK),
    "passport.record":            _expect(401, OK,  403, 403, 403, 403),
    "passport.informal_add":      _expect(401, OK,  403, 403, 403, 403),
    "passport.withdraw":          _expect(401, OK,  403, 403, 403, 403),
    "passport.correct":           _expect(401, OK,  403, 403, 403, 403),
    "passport.informal_edit":     _expect(401, OK,  403, 403, 403, 403),
    "passport.informal_update":   _expect(401, OK,  403, 403, 403, 403),
    "passport.informal_remove_confirm": _expect(401, OK,  403, 403, 403, 403),
    "passport.informal_remove":   _expect(401, OK,  403, 403, 403, 403),
    "people.index":               _expect(401, 403, 403, OK,  OK,  OK),
    "print.passport":             _expect(401, OK,  403, OK,  403, OK),
    "print.passport_pdf":         _expect(401, OK,  403, OK,  403, OK),
    "passport.observed":          _expect(401, 403, 403, OK,  403, OK),
    "signoff.index":              _expect(401, 403, 403, OK,  OK,  OK),
    "signoff.count":              _expect(401, 403, 403, OK,  OK,  OK),
    "signoff.approve_selected":   _expect(401, 403, 403, OK,  OK,  OK),
    "signoff.decide":             _expect(401, 403, 403, OK,  403, OK),
    "passport.decide":            _expect(401, 403, 403, OK,  403, OK),
    "passport.revoke":            _expect(401, 403, 403, OK,  403, OK),
    "passport.undo":              _expect(401, 403, 403, OK,  403, OK),
    "signoff.undo":               _expect(401, 403, 403, OK,  403, OK),
    "evidence.preview":           _expect(401, OK,  403, OK,  403, OK),
    "evidence.download":          _expect(401, OK,  403, OK,  403, OK),
    "audit_log.index":            _expect(401, 403, 403, 403, 403, OK),
    "audit_log.item_history":     _expect(401, OK,  403, OK,  403, OK),
    "people.supported_teams":     _expect(401, 403, 403, 403, 403, OK),
    "admin.settings":             _expect(401, 403, 403, 403, 403, OK),
    "admin.sso_settings":         _expect(401, 403, 403, 403, 403, OK),
    "admin.teams":                _expect(401, 403, 403, 403, 403, OK),
    "admin.team":                 _expect(401, 403, 403, 403, 403, OK),
    "people.new":                 _expect(401, 403, 403, 403, 403, OK),
    "people.edit":                _expect(401, 403, 403, 403, 403, OK),
    "people.set_active":          _expect(401, 403, 403, 403, 403, OK),
    "people.reset_password":      _expect(401, 403, 403, 403, 403, OK),
    "people.assignments":         _expect(401, 403, 403, 403, 403, OK),
    "admin.rules":                _expect(401, 403, 403, 403, 403, OK),
    "admin.archive_rule":         _expect(401, 403, 403, 403, 403, OK),
    "admin.people_import_start":  _expect(401, 403, 403, 403, 403, OK),
    "admin.people_import_confirm": _expect(401, 403, 403, 403, 403, OK),
    "admin.people_import_template": _expect(401, 403, 403, 403, 403, OK),
    "admin.completions_import_start": _expect(401, 403, 403, 403, 403, OK),
    "admin.completions_import_confirm": _expect(401, 403, 403, 403, 403, OK),
    "admin.completions_import_template": _expect(401, 403, 403, 403, 403, OK),
    "admin.import_batch":         _expect(401, 403, 403, 403, 403, OK),
    "admin.revoke_import":        _expect(401, 403, 403, 403, 403, OK),
    "admin.import_run":           _expect(401, 403, 403, 403, 403, OK),
    "admin.home":                 _expect(401, 403, 403, 403, 403, OK),
    "team.index":                 _expect(401, 403, 403, OK,  OK,  OK),
    "team.trend":                 _expect(401, 403, 403, OK,  OK,  OK),
    "team.export_matrix":         _expect(401, 403, 403, OK,  OK,  OK),
    "team.export_records":        _expect(401, 403, 403, OK,  OK,  OK),
    "team.print_start":           _expect(401, 403, 403, OK,  OK,  OK),
    "team.print_status":          _expect(401, 403, 403, OK,  403, 403),
    "team.print_download":        _expect(401, 403, 403, OK,  403, 403),
    # Skills and gaps (issue 16, part D): as the team page.
    "skill_reports.index":        _expect(401, 403, 403, OK,  OK,  OK),
    "skill_reports.trend":        _expect(401, 403, 403, OK,  OK,  OK),
    "skill_reports.export_csv":   _expect(401, 403, 403, OK,  OK,  OK),
    "skill_reports.export_xlsx":  _expect(401, 403, 403, OK,  OK,  OK),
    "editor.index":               _expect(401, 403, 403, 403, 403, OK),
    "editor.template":            _expect(401, 403, 403, 403, 403, OK),
    "editor.status":              _expect(401, 403, 403, 403, 403, OK),
    "editor.copy":                _expect(401, 403, 403, 403, 403, OK),
    "editor.add_section":         _expect(401, 403, 403, 403, 403, OK),
    "editor.section_head":        _expect(401, 403, 403, 403, 403, OK),
    "editor.section_edit":        _expect(401, 403, 403, 403, 403, OK),
    "editor.section_move":        _expect(401, 403, 403, 403, 403, OK),
    "editor.section_remove":      _expect(401, 403, 403, 403, 403, OK),
    "editor.add_item":            _expect(401, 403, 403, 403, 403, OK),
    "editor.item_row":            _expect(401, 403, 403, 403, 403, OK),
    "editor.item_edit":           _expect(401, 403, 403, 403, 403, OK),
    "editor.item_move":           _expect(401, 403, 403, 403, 403, OK),
    "editor.item_remove":         _expect(401, 403, 403, 403, 403, OK),
    # A passport template as a file (issue 18, part D): download, import with its preview, confirm.
    "editor.export_file":         _expect(401, 403, 403, 403, 403, OK),
    "editor.import_file":         _expect(401, 403, 403, 403, 403, OK),
    "editor.import_confirm":      _expect(401, 403, 403, 403, 403, OK),
    "sessions.index":             _expect(401, 403, 403, OK,  OK,  OK),
    "sessions.new":               _expect(401, 403, 403, OK,  OK,  OK),
    "sessions.people":            _expect(401, 403, 403, OK,  OK,  OK),
    # A session of the learner's (team A), recorded by the educator of team A.
    "sessions.detail":            _expect(401, 403, 403, OK,  403, OK),
    "sessions.print_page":        _expect(401, 403, 403, OK,  403, OK),
    "sessions.pdf":               _expect(401, 403, 403, OK,  403, OK),
    "sessions.sheet":             _expect(401, 403, 403, OK,  403, OK),
    # The calendar feed (issue 15, part B): the feed is public to whoever holds its secret address (the
    # learner's); the account page and its reset are each signed-in person's own.
    "calendar.feed":              _expect(OK,  OK,  OK,  OK,  OK,  OK),
    "calendar.account":           _expect(401, OK,  OK,  OK,  OK,  OK),
    "calendar.reset":             _expect(401, OK,  OK,  OK,  OK,  OK),
    # Notifications and digests (issue 15, part D): each person's own email choices; unsubscribing is public
    # to whoever holds a digest's link (a bystander's: the walk turns their digest off).
    "notifications.account":      _expect(401, OK,  OK,  OK,  OK,  OK),
    "notifications.unsubscribe":  _expect(OK,  OK,  OK,  OK,  OK,  OK),
    # Email: invitations, password resets (public: the one-time link says who), the outbox.
    "auth.forgotten_password":    _expect(OK,  OK,  OK,  OK,  OK,  OK),
    "auth.accept_invitation":     _expect(OK,  OK,  OK,  OK,  OK,  OK),
    "auth.reset_password":        _expect(OK,  OK,  OK,  OK,  OK,  OK),
    "people.invite":              _expect(401, 403, 403, 403, 403, OK),
    "people.invite_many":         _expect(401, 403, 403, 403, 403, OK),
    "admin.outbox":               _expect(401, 403, 403, 403, 403, OK),
    "admin.message":              _expect(401, 403, 403, 403, 403, OK),
    # Confirmed levels and targets (issue 16, part C): the person's skills page as passports are seen; a level
    # is confirmed and a person's target set by whoever decides for them (never themselves); job roles' by admins.
    "skill_targets.person":       _expect(401, OK,  403, OK,  403, OK),
    "skill_targets.row":          _expect(401, OK,  403, OK,  403, OK),
    "skill_targets.confirm":      _expect(401, 403, 403, OK,  403, OK),
    "skill_targets.target":       _expect(401, 403, 403, OK,  403, OK),
    "skill_targets.roles":        _expect(401, 403, 403, 403, 403, OK),
    "skill_targets.role":         _expect(401, 403, 403, 403, 403, OK),
    # Skills frameworks: the editor (issue 16, part A): admins only.
    "skills_editor.index":        _expect(401, 403, 403, 403, 403, OK),
    "skills_editor.framework":    _expect(401, 403, 403, 403, 403, OK),
    "skills_editor.status":       _expect(401, 403, 403, 403, 403, OK),
    "skills_editor.copy":         _expect(401, 403, 403, 403, 403, OK),
    "skills_editor.links":        _expect(401, 403, 403, 403, 403, OK),
    "skills_editor.add_exemption":_expect(401, 403, 403, 403, 403, OK),
    "skills_editor.add_route":    _expect(401, 403, 403, 403, 403, OK),
    "skills_editor.exemption_retire":_expect(401, 403, 403, 403, 403, OK),
    "skills_editor.route_retire": _expect(401, 403, 403, 403, 403, OK),
    "skills_editor.add_area":     _expect(401, 403, 403, 403, 403, OK),
    "skills_editor.area":         _expect(401, 403, 403, 403, 403, OK),
    "skills_editor.area_edit":    _expect(401, 403, 403, 403, 403, OK),
    "skills_editor.area_move":    _expect(401, 403, 403, 403, 403, OK),
    "skills_editor.area_remove":  _expect(401, 403, 403, 403, 403, OK),
    "skills_editor.add_statement":_expect(401, 403, 403, 403, 403, OK),
    "skills_editor.statement_edit":_expect(401, 403, 403, 403, 403, OK),
    "skills_editor.statement_move":_expect(401, 403, 403, 403, 403, OK),
    "skills_editor.statement_remove":_expect(401, 403, 403, 403, 403, OK),
    # My skills (issue 16, part B): everyone signed in assesses themselves against a published framework; a
    # submitted assessment is seen here by its own person only (the learner's).
    "skills.index":               _expect(401, OK,  OK,  OK,  OK,  OK),
    "skills.assess":              _expect(401, OK,  OK,  OK,  OK,  OK),
    "skills.start":               _expect(401, OK,  OK,  OK,  OK,  OK),
    "skills.area":                _expect(401, OK,  OK,  OK,  OK,  OK),
    "skills.check":               _expect(401, OK,  OK,  OK,  OK,  OK),
    "skills.submit":              _expect(401, OK,  OK,  OK,  OK,  OK),
    "skills.improvement":         _expect(401, OK,  OK,  OK,  OK,  OK),
    "skills.assessment":          _expect(401, OK,  403, 403, 403, 403),
    # Credit across passports (issue 17, part C): admins only.
    "credit.index":               _expect(401, 403, 403, 403, 403, OK),
    "credit.new":                 _expect(401, 403, 403, 403, 403, OK),
    "credit.end":                 _expect(401, 403, 403, 403, 403, OK),
    # Meets / about to lose / does not meet (issue 17, part B): the people behind the team page's counts and
    # the counts' export, as the team page; a passport's standing under its heading, as the passport.
    "team.standing":              _expect(401, 403, 403, OK,  OK,  OK),
    "team.export_standing":       _expect(401, 403, 403, OK,  OK,  OK),
    "passport.standing":          _expect(401, OK,  403, OK,  403, OK),
    # The questionnaire (issue 17, part D): everyone answers their own; admins answer for someone and edit the
    # questions; a recommendation (the learner's, team A) is decided by whoever decides for them, never themselves.
    "questionnaire.index":        _expect(401, OK,  OK,  OK,  OK,  OK),
    "questionnaire.person":       _expect(401, 403, 403, 403, 403, OK),
    "questionnaire.editor":       _expect(401, 403, 403, 403, 403, OK),
    "questionnaire.question_edit": _expect(401, 403, 403, 403, 403, OK),
    "questionnaire.question_move": _expect(401, 403, 403, 403, 403, OK),
    "questionnaire.question_remove": _expect(401, 403, 403, 403, 403, OK),
    "questionnaire.ask_setting":  _expect(401, 403, 403, 403, 403, OK),
    "questionnaire.recommendations_queue": _expect(401, 403, 403, OK,  OK,  OK),
    "questionnaire.recommendations_count": _expect(401, 403, 403, OK,  OK,  OK),
    "questionnaire.decide":       _expect(401, 403, 403, OK,  403, OK),
    # Transferable, verifiable passports (issue 18): public keys, issuer profile, status list
    "credentials.jwks":           _expect(OK,  OK,  OK,  OK,  OK,  OK),
    "credentials.issuer":         _expect(OK,  OK,  OK,  OK,  OK,  OK),
    "credentials.status_list":    _expect(OK,  OK,  OK,  OK,  OK,  OK),
    # Verified records (issue 18, part A): the person and admins, never their educators; the signing key: admins
    "credentials.records":        _expect(401, OK,  403, 403, 403, OK),
    "credentials.bundle":         _expect(401, OK,  403, 403, 403, OK),
    "credentials.credential":     _expect(401, OK,  403, 403, 403, OK),
    "credentials.signing_key":    _expect(401, 403, 403, 403, 403, OK),
    "credentials.rotate_key":     _expect(401, 403, 403, 403, 403, OK),
    # The verify link (issue 18, part B): the public verify page; a person's link, by them or an admin.
    "credentials.verify":         _expect(OK,  OK,  OK,  OK,  OK,  OK),
    "credentials.verify_link":    _expect(401, OK,  403, 403, 403, OK),
    # Trusted issuers and imports (issue 18, part C): admins; the learner brings in their own.
    "credentials.trusted_issuers":      _expect(401, 403, 403, 403, 403, OK),
    "credentials.trusted_issuer_new":   _expect(401, 403, 403, 403, 403, OK),
    "credentials.trusted_issuer_edit":  _expect(401, 403, 403, 403, 403, OK),
    "credentials.trusted_issuer_end":   _expect(401, 403, 403, 403, 403, OK),
    "credentials.import_for":           _expect(401, 403, 403, 403, 403, OK),
    "credentials.import_own":           _expect(401, OK,  OK,  OK,  OK,  OK),
}

# Where a route needs another object than the default: observed practice is for
# competencies; the supported-teams page is an educator's.
OVERRIDES = {
    "passport.observed": {"item_id": "competency_id"},
    "people.supported_teams": {"person_id": "educator_id"},
    "auth.accept_invitation": {"token": "invitation_token"},
    "auth.reset_password": {"token": "reset_token"},
    "credentials.credential": {"entry_id": "accepted_entry_id"},   # a current credential: an accepted entry
    "credentials.verify": {"token": "verify_token"},
}

# Requests to these end the session of the client that makes them.
ENDS_SESSION = {"auth.sign_out"}


def _params(world) -> dict[str, int]:
    entry = Entry(person_id=world.learner.id, item_id=world.competency.id, completed_on=dt.date(2026, 2, 20),
                  method=EntryMethod.HERE, status=EntryStatus.AWAITING, recorded_by_id=world.learner.id)
    informal = InformalEntry(person_id=world.learner.id, title="Shadowed the falls team",
                             completed_on=dt.date(2026, 2, 2), hours=3, recorded_by_id=world.learner.id)
    rule = AssignmentRule(template_id=world.template.id, teams=[world.team_a], job_roles=[])
    db.session.add_all([entry, informal, rule])
    evidence = evidence_service.save(
        evidence_service.Checked(data=b"%PDF-1.4 certificate", file_type=evidence_service.PDF, filename="cert.pdf"),
        person=world.learner, actor=world.learner,
    )
    # A finished bulk print of the educator's.
    from skillpass.models import PrintJob, PrintJobStatus
    from skillpass.print import bulk as bulk_print

    (bulk_print.folder() / ("0" * 32 + ".pdf")).write_bytes(b"%PDF-1.4 test")
    job = PrintJob(requested_by_id=world.educator.id, title="Physiotherapy", person_ids=[world.learner.id],
                   total=1, done=1, status=PrintJobStatus.READY, stored_name="0" * 32 + ".pdf")
    db.session.add(job)
    from skillpass.models import TrainingSession

    sheet = evidence_service.save(
        evidence_service.Checked(data=b"%PDF-1.4 register", file_type=evidence_service.PDF, filename="sheet.pdf"),
        person=world.educator, actor=world.educator,
    )
    training = TrainingSession(item_id=world.fire.id, held_on=dt.date(2026, 2, 10), trainer="Sam Trainer",
                               venue="Room 1", evidence_id=sheet.id, recorded_by_id=world.educator.id)
    db.session.add(training)
    db.session.flush()
    attended = Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=dt.date(2026, 2, 10),
                     method=EntryMethod.HERE, session_id=training.id, status=EntryStatus.ACCEPTED,
                     recorded_by_id=world.educator.id)
    db.session.add(attended)

    # A completions import of the admin's.
    from skillpass.models import ImportBatch

    batch = ImportBatch(filename="esr.csv", imported_by_id=world.admin.id, entry_count=0)
    db.session.add(batch)
    # An import of people under way, made by the job worker (issue 19, part E).
    from skillpass.models import ImportKind, ImportRun, ImportRunStatus

    run = ImportRun(requested_by_id=world.admin.id, kind=ImportKind.PEOPLE, token="0" * 32, filename="ward.csv",
                    counts={"added": 3, "updated": 0, "unchanged": 0}, total=3, done=1,
                    status=ImportRunStatus.RUNNING)
    db.session.add(run)
    # The other learner's one-time links (an invitation, a password reset) and a message in the outbox.
    from skillpass.models import LinkPurpose, Message, MessageStatus
    from skillpass.services import links

    invitation_token = links.issue(person=world.other_learner, purpose=LinkPurpose.INVITATION,
                                   lifetime=dt.timedelta(days=7))
    reset_token = links.issue(person=world.other_learner, purpose=LinkPurpose.PASSWORD_RESET,
                              lifetime=dt.timedelta(hours=1))
    message = Message(to=world.learner.email, subject="Hello", kind="test", text_body="Hi", html_body="<p>Hi</p>",
                      status=MessageStatus.KEPT, attempts=1)
    db.session.add(message)
    factories.skills_framework("Walked report framework")   # the skills report and its exports (issue 16, part D)
    # A published skills framework and its first area (issue 16, part C).
    framework = factories.skills_framework("Walk skills", areas=("Email", "Spreadsheets"))
    db.session.commit()
    skills = {"framework_id": framework.id, "area_id": standing.live_areas(framework.id)[0].id}
    return {
        **skills,
        "invitation_token": invitation_token,
        "reset_token": reset_token,
        "token": invitation_token,
        "message_id": message.id,
        "batch_id": batch.id,
        "run_id": run.id,
        "person_id": world.learner.id,
        "job_id": job.id,
        "item_id": world.fire.id,
        "section_id": world.week2.id,
        "entry_id": entry.id,
        "accepted_entry_id": attended.id,
        "informal_id": informal.id,
        "evidence_id": evidence.id,
        "competency_id": world.competency.id,
        "educator_id": world.educator.id,
        "team_id": world.team_a.id,
        "rule_id": rule.id,
        "template_id": world.template.id,
        "session_id": training.id,
        "token": _calendar_token(),
        "kind": "digest",
        "unsubscribe_token": _unsubscribe_token(),
        **_skills_params(world),
        **_skills_editor_params(world),
        **_credit_params(world),
        **_questionnaire_params(world),
        **_verify_params(world),
        **_trusted_issuer_params(world),
    }


def _verify_params(world) -> dict:
    """The learner's verify link (issue 18, part B), as a print makes it."""
    from skillpass.services.credentials import verify_links

    token = verify_links.live_link(world.learner, world.learner).token
    db.session.commit()
    return {"verify_token": token}


def _trusted_issuer_params(world) -> dict[str, int]:
    """A trusted issuer (issue 18, part C), for its change and end pages."""
    from skillpass.models import TrustedIssuer

    issuer = TrustedIssuer(name="Northgate NHS Trust", issuer_id="https://skillpass.northgate.test/issuer",
                           jwks='{"keys": []}', added_by_id=world.admin.id)
    db.session.add(issuer)
    db.session.commit()
    return {"issuer_id": issuer.id}


def _credit_params(world) -> dict:
    """A live credit mapping (issue 17, part C): a named qualification counts as fire safety."""
    from skillpass.models import CreditMapping, CreditTarget

    mapping = CreditMapping(source_qualification="Care Certificate standard 13",
                            source_key="care certificate standard 13", created_by_id=world.admin.id)
    db.session.add(mapping)
    db.session.flush()
    db.session.add(CreditTarget(mapping_id=mapping.id, item_id=world.fire.id))
    db.session.commit()
    return {"mapping_id": mapping.id}


def _questionnaire_params(world) -> dict:
    """A yes/no question whose Yes recommends a passport, and the learner's recommendation waiting from
    answering Yes (issue 17, part D)."""
    from skillpass.models import Recommendation
    from skillpass.services.questionnaire import answers, questions

    question = questions.add_question(actor=world.admin, text="Do you drive a trust vehicle?", kind="yes_no")
    driving = factories.template("Driving at work")
    view = questions.question_view(question)
    yes = view.options[0].option
    questions.update_question(actor=world.admin, question=question, text=question.text, hint="", labels={},
                              retire=set(), new_options="", recommends={yes.id: {driving.id}})
    answers.save_answers(actor=world.learner, person=world.learner, chosen={question.id: yes.id},
                         today=dt.date(2026, 3, 1))
    recommendation = db.session.scalar(select(Recommendation).where(Recommendation.person_id == world.learner.id))
    db.session.commit()
    return {"question_id": question.id, "recommendation_id": recommendation.id}


def _skills_editor_params(world) -> dict:
    """A framework with an area, its statements, an exemption and a route (issue 16, part A)."""
    from skillpass.models.skills import SkillArea, SkillExemption, SkillRoute, SkillStatement

    framework = factories.skills_framework(name="Walked framework")
    area = db.session.scalar(select(SkillArea).where(SkillArea.framework_id == framework.id).order_by(SkillArea.id))
    statement = db.session.scalar(select(SkillStatement).where(SkillStatement.area_id == area.id))
    exemption = SkillExemption(framework_id=framework.id, area_id=area.id, level=2, qualification="CLAIT",
                               normalised="clait")
    route = SkillRoute(area_id=area.id, level=1, course_title="Email basics")
    db.session.add_all([exemption, route])
    db.session.commit()
    return {"framework_id": framework.id, "area_id": area.id, "statement_id": statement.id,
            "exemption_id": exemption.id, "skill_route_id": route.id}


def _skills_params(world) -> dict[str, int]:
    """My skills (issue 16, part B): a published framework, its first area, the learner's submitted assessment."""
    from skillpass.services.skills import assessments, standing

    fw = factories.skills_framework()
    area = standing.live_areas(fw.id)[0]
    taken, _ = assessments.start(actor=world.learner, framework=fw)
    assessments.submit(actor=world.learner, assessment=taken, today=dt.date(2026, 2, 1),
                       now=dt.datetime(2026, 2, 1, 12, tzinfo=dt.timezone.utc))
    db.session.commit()
    return {"framework_id": fw.id, "area_id": area.id, "assessment_id": taken.id}


def _unsubscribe_token() -> str:
    """The secret of a digest's unsubscribe link (issue 15, part D), of someone who is none of the actors."""
    from skillpass.services import notifications

    person = factories.person(name="Una Subscriber", team=None)
    token = notifications.rows_for([person.id], make=True)[person.id].token
    db.session.commit()
    return token


def _calendar_token() -> str:
    """The secret of a calendar feed address (issue 15, part B): of someone who is none of the actors, whose
    walk resets their own address."""
    from skillpass.services import calendar_feed

    token = calendar_feed.make_address(factories.person(name="Cal Subscriber", team=None))
    db.session.commit()
    return token


PARAM_NAMES = {"person_id", "item_id", "section_id", "entry_id", "informal_id", "evidence_id", "team_id", "rule_id",
               "template_id", "job_id", "session_id", "batch_id", "run_id", "token", "message_id",
               "kind", "unsubscribe_token",
               "framework_id", "area_id", "statement_id", "exemption_id", "skill_route_id", "assessment_id",
               "mapping_id",
               "question_id", "recommendation_id",
               "issuer_id"}


def _rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule)


def _url(app, rule, params) -> str:
    override = OVERRIDES.get(rule.endpoint, {})
    with app.test_request_context():
        return url_for(rule.endpoint, **{name: params[override.get(name, name)] for name in rule.arguments})


def _is_sign_in_redirect(response) -> bool:
    if response.status_code not in (302, 303):
        return False
    return urlsplit(response.headers.get("Location", "")).path == "/sign-in"


def _is_guard_redirect(response) -> bool:
    """The guard's bounce to sign-in carries ?next=; sign-out's own redirect to /sign-in does not."""
    return _is_sign_in_redirect(response) and "next" in parse_qs(urlsplit(response.headers["Location"]).query)


def _check(response, expected, *, anonymous: bool, htmx: bool, url: str, method: str) -> str | None:
    """None when the response matches the expectation; otherwise what went wrong."""
    status = response.status_code
    got = f"got {status}"
    if "Location" in response.headers:
        got += f" -> {response.headers['Location']}"
    if "HX-Redirect" in response.headers:
        got += f" (HX-Redirect {response.headers['HX-Redirect']})"
    if expected == OK:
        if status in ALLOWED_STATUSES and not _is_guard_redirect(response):
            return None
        return f"expected allowed, {got}"
    if anonymous:
        assert expected == 401, "anonymous refusals are written 401 in the table"
        if htmx:
            hx = response.headers.get("HX-Redirect", "")
            if status == 401 and urlsplit(hx).path == "/sign-in":
                return None
            return f"expected 401 with HX-Redirect to /sign-in, {got}"
        if _is_sign_in_redirect(response):
            if method != "GET":
                return None  # where a refused POST should lead after sign-in: see test_auth_views
            nxt = parse_qs(urlsplit(response.headers["Location"]).query).get("next", [""])[0]
            if nxt == url:
                return None
            return f"expected the sign-in redirect to carry next={url}, {got}"
        return f"expected a redirect to /sign-in, {got}"
    if status == expected:
        return None
    return f"expected {expected}, {got}"


def test_every_route_has_an_expectation(app):
    """A new route fails here until the table says who may reach it."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints - set(EXPECTED) == set(), "routes with no row in EXPECTED"
    assert set(EXPECTED) - endpoints == set(), "rows in EXPECTED for routes that no longer exist"
    assert endpoints == set(EXPECTED)
    for rule in app.url_map.iter_rules():
        assert set(rule.arguments) <= PARAM_NAMES or rule.endpoint == "static", (
            f"{rule.rule}: teach _params() how to fill {set(rule.arguments) - PARAM_NAMES}"
        )
        assert rule.methods - {"HEAD", "OPTIONS"} <= set(METHODS), f"{rule.rule}: try {rule.methods} too"


@pytest.mark.parametrize("actor", ACTORS)
def test_each_route_lets_in_exactly_who_the_table_says(app, world, actor):
    params = _params(world)
    person = None if actor == "anonymous" else getattr(world, actor)

    def new_client():
        return app.test_client() if person is None else sign_in(app.test_client(), person)

    client = new_client()
    failures: list[str] = []
    walked = 0
    for rule in _rules(app):
        expected = EXPECTED.get(rule.endpoint)
        if expected is None:
            failures.append(f"{rule.endpoint} ({rule.rule}): no row in EXPECTED")
            continue
        url = _url(app, rule, params)
        for method in METHODS:
            if method not in rule.methods:
                continue
            for htmx in (False, True):
                c = new_client() if rule.endpoint in ENDS_SESSION else client
                response = c.open(url, method=method, headers=HTMX if htmx else {})
                walked += 1
                problem = _check(response, expected[actor], anonymous=person is None, htmx=htmx, url=url,
                                 method=method)
                response.close()   # a streamed export holds its request context until closed
                if problem:
                    kind = "htmx" if htmx else "page"
                    failures.append(f"{actor} {method} {url} [{rule.endpoint}, {kind}]: {problem}")
        if rule.endpoint in ENDS_SESSION and person is not None:
            # Signing out renews the person's session token, which ends every session of theirs.
            client = new_client()
    assert walked >= 2 * len(EXPECTED)
    assert failures == [], "\n" + "\n".join(failures)


def test_actors_keep_their_session_through_the_walk(app, world):
    """Guard against a walk that passes because a client was silently signed out."""
    client = sign_in(app.test_client(), world.educator)
    assert client.get(f"/people/{world.learner.id}/passport").status_code == 200
    assert client.get(f"/people/{world.other_learner.id}/passport").status_code == 403
    assert client.get("/people/").status_code == 200


def test_refusals_do_not_leak_another_persons_passport(app, world):
    """A 403 page carries nothing of the passport it refused."""
    client = sign_in(app.test_client(), world.other_educator)
    for url in (f"/people/{world.learner.id}/passport", f"/people/{world.learner.id}/passport/print",
                f"/people/{world.learner.id}/passport/summary"):
        response = client.get(url, headers=HTMX)
        assert response.status_code == 403
        body = response.get_data(as_text=True)
        assert "Lee Learner" not in body and world.learner.employee_number not in body


def test_a_route_without_a_policy_is_refused_to_everyone(app, world):
    """The safety net: a view nobody guarded answers 403, even to an admin and to anonymous."""
    app.add_url_rule("/unguarded", "unguarded", lambda: "secret")
    assert app.test_client().get("/unguarded").status_code == 403
    assert app.test_client().get("/unguarded", headers=HTMX).status_code == 403
    admin = sign_in(app.test_client(), world.admin)
    response = admin.get("/unguarded")
    assert response.status_code == 403
    assert "secret" not in response.get_data(as_text=True)


def test_an_unknown_object_is_404_not_a_refusal_or_a_crash(app, world):
    admin = sign_in(app.test_client(), world.admin)
    assert admin.get("/people/999999/passport").status_code == 404
    learner = sign_in(app.test_client(), world.learner)
    assert learner.post("/entries/999999/withdraw").status_code == 404


# --- CSRF on --------------------------------------------------------------------------------

_HIDDEN_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
_HX_HEADER_TOKEN = re.compile(r'X-CSRFToken(?:&#34;|&quot;|")\s*:\s*(?:&#34;|&quot;|")([^"&]+)')


def _form_token(html: str) -> str:
    match = _HIDDEN_TOKEN.search(html)
    assert match, "no csrf_token hidden input on the page"
    return match.group(1) or match.group(2)


def _hx_token(html: str) -> str:
    match = _HX_HEADER_TOKEN.search(html)
    assert match, "no X-CSRFToken in the page's hx-headers"
    return match.group(1)


def _informal_count(world) -> int:
    db.session.expire_all()
    return db.session.query(InformalEntry).filter_by(person_id=world.learner.id).count()


INFORMAL = {"title": "Read the falls policy", "completed_on": "2026-02-27", "hours": "1", "reflection": ""}


class TestCsrfEnabled:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    def _signed_in(self, app, person):
        client = app.test_client()
        token = _form_token(client.get("/sign-in").get_data(as_text=True))
        response = client.post("/sign-in", data={"email": person.email, "password": factories.PASSWORD,
                                                 "csrf_token": token})
        assert response.status_code == 303
        return client

    def test_csrf_is_really_on(self, app):
        assert app.config["WTF_CSRF_ENABLED"] is True

    def test_sign_in_without_token_is_refused_with_400(self, app, world):
        client = app.test_client()
        response = client.post("/sign-in", data={"email": world.learner.email, "password": factories.PASSWORD})
        assert response.status_code == 400
        assert "The page had expired" in response.get_data(as_text=True)
        assert "HX-Refresh" not in response.headers
        assert client.get("/passport").status_code == 302  # still anonymous

    def test_full_page_post_without_token_is_refused_with_400(self, app, world):
        client = self._signed_in(app, world.learner)
        response = client.post(f"/people/{world.learner.id}/passport/informal", data=INFORMAL)
        assert response.status_code == 400
        body = response.get_data(as_text=True)
        assert "The page had expired" in body and "Nothing was saved." in body
        assert _informal_count(world) == 0

    def test_post_with_a_wrong_token_is_refused(self, app, world):
        client = self._signed_in(app, world.learner)
        response = client.post(f"/people/{world.learner.id}/passport/informal",
                               data={**INFORMAL, "csrf_token": "not-the-token"})
        assert response.status_code == 400
        response = client.post(f"/people/{world.learner.id}/passport/informal", data=INFORMAL,
                               headers={**HTMX, "X-CSRFToken": "not-the-token"})
        assert response.status_code == 400
        assert response.headers.get("HX-Refresh") == "true"
        assert _informal_count(world) == 0

    def test_htmx_post_without_token_asks_for_a_refresh(self, app, world):
        client = self._signed_in(app, world.learner)
        response = client.post(f"/people/{world.learner.id}/passport/informal", data=INFORMAL, headers=HTMX)
        assert response.status_code == 400
        assert response.headers.get("HX-Refresh") == "true"
        assert response.get_data(as_text=True) == "The page had expired; it has been reloaded."
        assert _informal_count(world) == 0

    def test_sign_out_without_token_keeps_the_session(self, app, world):
        client = self._signed_in(app, world.learner)
        assert client.post("/sign-out").status_code == 400
        assert client.get("/passport").status_code == 200

    def test_post_with_the_form_token_succeeds(self, app, world):
        client = self._signed_in(app, world.learner)
        page = client.get("/passport").get_data(as_text=True)
        response = client.post(f"/people/{world.learner.id}/passport/informal",
                               data={**INFORMAL, "csrf_token": _form_token(page)})
        assert response.status_code == 303
        assert _informal_count(world) == 1

    def test_htmx_post_with_the_header_token_succeeds(self, app, world):
        client = self._signed_in(app, world.learner)
        page = client.get("/passport").get_data(as_text=True)
        response = client.post(f"/people/{world.learner.id}/passport/informal", data=INFORMAL,
                               headers={**HTMX, "X-CSRFToken": _hx_token(page)})
        assert response.status_code == 200
        assert "Added to your informal learning log: Read the falls policy." in response.get_data(as_text=True)
        assert _informal_count(world) == 1

    def test_sign_out_with_the_token_signs_out(self, app, world):
        client = self._signed_in(app, world.learner)
        page = client.get("/passport").get_data(as_text=True)
        response = client.post("/sign-out", data={"csrf_token": _form_token(page)})
        assert response.status_code == 303
        assert client.get("/passport").status_code == 302
