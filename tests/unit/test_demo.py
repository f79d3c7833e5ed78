"""The demo trust: idempotent, and every status of PRODUCT.md §3 shows today."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from skillpass import demo
from skillpass.models import (Entry, InformalEntry, Item, PassportTemplate, Person, SelfAssessment, SkillsFramework,
                              SkillStanding)
from skillpass.rules import Status
from skillpass.services.passport import build_passport
from skillpass.services.settings import get_settings


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("today", [dt.date(2026, 3, 2), dt.date(2026, 11, 24), dt.date(2028, 2, 29)])
def test_every_status_appears_today_with_its_reason(app, db, today):
    assert demo.seed(today=today) is True
    db.session.commit()
    seen: dict[Status, str] = {}
    awaiting = 0
    for person in db.session.scalars(select(Person)):
        for row in build_passport(person, today=today, warning_days=60).rows:
            seen.setdefault(row.state.status, row.state.date_line)
            awaiting += row.state.awaiting
    for status in (Status.COMPLETE, Status.EXPIRING, Status.EXPIRED, Status.OVERDUE, Status.TODO,
                   Status.NOT_REQUIRED):
        assert status in seen, f"no {status.label} in the demo data on {today}"
        assert seen[status], f"{status.label} has no reason line"
    assert awaiting >= 2
    assert db.session.scalar(select(func.max(Entry.completed_on))) <= today


def test_the_demo_learner_sees_the_range_on_their_own_passport(app, db):
    today = dt.date(2026, 11, 24)
    demo.seed(today=today)
    db.session.commit()
    learner = db.session.scalar(select(Person).where(Person.email == demo.LEARNER_EMAIL))
    rows = build_passport(learner, today=today, warning_days=60).rows
    statuses = {r.state.status for r in rows}
    assert {Status.COMPLETE, Status.EXPIRING, Status.OVERDUE, Status.TODO} <= statuses
    assert any(r.state.awaiting for r in rows)
    assert any(r.rejected is not None for r in rows), "a rejection with its reason shows on the learner's passport"
    assert any(r.accepted is not None and r.accepted.equivalent_source for r in rows)


def test_seeding_twice_changes_nothing(app, db):
    today = dt.date(2026, 11, 24)
    demo.seed(today=today)
    db.session.commit()
    models = (Person, Entry, Item, InformalEntry, PassportTemplate, SkillsFramework, SelfAssessment, SkillStanding)
    before = [_count(db, m) for m in models]
    assert demo.seed(today=today) is False
    db.session.commit()
    assert [_count(db, m) for m in models] == before


def test_demo_accounts_templates_and_settings(app, db):
    demo.seed(today=dt.date(2026, 11, 24))
    db.session.commit()
    for email in (demo.LEARNER_EMAIL, demo.EDUCATOR_EMAIL, demo.ADMIN_EMAIL):
        person = db.session.scalar(select(Person).where(Person.email == email))
        assert person.check_password("skillpass-demo")
    educator = db.session.scalar(select(Person).where(Person.email == demo.EDUCATOR_EMAIL))
    learner = db.session.scalar(select(Person).where(Person.email == demo.LEARNER_EMAIL))
    assert educator.supports(learner)
    assert 25 <= _count(db, Person) <= 40
    codes = set(db.session.scalars(select(Item.code).where(Item.code.is_not(None))))
    assert len(codes) == 11 and "CSTF-FIRE" in codes
    titles = set(db.session.scalars(select(Item.title)))
    assert {"Statutory and mandatory training", "Managing work and life stress",
            "Appraisal and Knowledge and Skills Framework for staff"} <= titles
    settings = get_settings()
    assert settings.demo_mode is True
    assert settings.organisation_name == demo.ORGANISATION


def test_seed_demo_command_prints_the_sign_ins(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "learner@example.org" in result.output and "skillpass-demo" in result.output
    again = app.test_cli_runner().invoke(args=["seed-demo"])
    assert "already there" in again.output


# ---------------------------------------------------------------- skills (issue 16, part E)

def _latest(rows, key, order):
    found = {}
    for row in rows:
        k = key(row)
        if k not in found or order(row) > order(found[k]):
            found[k] = row
    return found


@pytest.mark.parametrize("today", [dt.date(2026, 3, 2), dt.date(2028, 2, 29)])
def test_the_demo_holds_both_skills_frameworks_and_standing_kept_as_the_writers_keep_it(app, db, today):
    from skillpass.models import (ConfirmedLevel, SelfAssessedLevel, SelfAssessment, SelfAssessmentAnswer,
                                  SkillArea, SkillsFramework, SkillStanding, SkillStatement, TemplateStatus)
    from skillpass.services.skills import levels, standing

    demo.seed(today=today)
    db.session.commit()
    frameworks = {f.name: f for f in db.session.scalars(select(SkillsFramework))}
    assert set(frameworks) == {"IT user skills", "Health and Care Digital Capabilities Framework"}
    assert all(f.status is TemplateStatus.PUBLISHED for f in frameworks.values())
    it, dcf = frameworks["IT user skills"], frameworks["Health and Care Digital Capabilities Framework"]
    assert len(standing.live_areas(it.id)) == 15 and len(standing.live_areas(dcf.id)) == 6
    stated = set(db.session.execute(select(SkillStatement.area_id, SkillStatement.level)
                                    .where(SkillStatement.retired_at.is_(None))).tuples())
    for area in db.session.scalars(select(SkillArea).where(SkillArea.retired_at.is_(None))):
        assert {(area.id, level) for level in range(1, 5)} <= stated, f"{area.name} lacks a level's statements"

    # Every submitted level is the level rule applied to the answers written.
    statement_level = dict(db.session.execute(select(SkillStatement.id, SkillStatement.level)).tuples().all())
    statement_area = dict(db.session.execute(select(SkillStatement.id, SkillStatement.area_id)).tuples().all())
    given: dict = {}
    for a in db.session.scalars(select(SelfAssessmentAnswer)):
        given.setdefault((a.assessment_id, statement_area[a.statement_id]), {}).setdefault(
            statement_level[a.statement_id], []).append(a.answer)
    reached = list(db.session.scalars(select(SelfAssessedLevel)))
    assert reached
    for r in reached:
        assert (levels.assess(given[(r.assessment_id, r.area_id)])) == (r.level, r.reason)

    # SkillStanding equals a fresh derivation: the latest submitted assessment, the latest confirmation.
    assessments = {a.id: a for a in db.session.scalars(select(SelfAssessment))}
    latest = _latest([a for a in assessments.values() if a.submitted_on], lambda a: (a.person_id, a.framework_id),
                     lambda a: (a.submitted_at, a.id))
    expected = {}
    for r in reached:
        a = assessments[r.assessment_id]
        if latest[(a.person_id, a.framework_id)] is a:
            expected[(a.person_id, r.area_id)] = [r.level, r.reason, a.submitted_on, None, None, "", ""]
    for c in _latest(db.session.scalars(select(ConfirmedLevel)), lambda c: (c.person_id, c.area_id),
                     lambda c: (c.confirmed_at, c.id)).values():
        row = expected.setdefault((c.person_id, c.area_id), [None, "", None, None, None, "", ""])
        row[3:] = [c.level, c.confirmed_on, c.confirmed_by_name, c.note]
    kept = {(s.person_id, s.area_id): [s.self_level, s.self_reason, s.self_assessed_on, s.confirmed_level,
                                       s.confirmed_on, s.confirmed_by_name, s.confirmed_note]
            for s in db.session.scalars(select(SkillStanding))}
    assert kept == expected

    # The learner: two IT assessments months apart showing improvement, a Digital Capabilities draft, a level
    # confirmed by the educator with a note, gaps against their job role's target, an exemption.
    learner = db.session.scalar(select(Person).where(Person.email == demo.LEARNER_EMAIL))
    educator = db.session.scalar(select(Person).where(Person.email == demo.EDUCATOR_EMAIL))
    own = sorted((a for a in assessments.values() if a.person_id == learner.id and a.framework_id == it.id),
                 key=lambda a: a.submitted_on)
    assert len(own) == 2 and all(a.submitted_on for a in own)
    assert learner.start_date <= own[0].submitted_on and (own[1].submitted_on - own[0].submitted_on).days >= 90
    assert own[1].submitted_on <= today
    before, after = ({r.area_id: r.level for r in reached if r.assessment_id == a.id} for a in own)
    assert len(before) == len(after) == 15
    assert all(after[k] >= before[k] for k in before) and sum(after[k] > before[k] for k in before) >= 8
    drafts = [a for a in assessments.values() if a.person_id == learner.id and a.submitted_on is None]
    assert [d.framework_id for d in drafts] == [dcf.id]
    assert any(a == drafts[0].id for a, _ in given)
    confirmed = db.session.scalars(select(ConfirmedLevel).where(ConfirmedLevel.person_id == learner.id)).all()
    assert len(confirmed) == 1 and confirmed[0].confirmed_by_id == educator.id and confirmed[0].note
    rows = standing.for_person(learner, it.id)
    assert "Spreadsheets: Foundation now, target Intermediate" in [r.gap_words for r in rows]
    assert all(r.target is not None and r.target.source == "job role: Therapy Support Worker" for r in rows)
    assert any(r.counting_source.startswith("exempt to Intermediate:") for r in rows)
    assert any(r.confirmed_level is not None and r.self_level is not None and r.confirmed_level != r.self_level
               for r in rows), "self-assessed and confirmed differ somewhere, to be shown side by side"

    # The educator's team snapshot has data: most assessed, someone not yet, someone exempt by a qualification.
    snap = standing.snapshot(it.id, select(Person.id).where(Person.team_id == educator.team_id))
    assessed = [p for p in snap.people if any(c.self_level is not None for c in snap.row(p.id))]
    assert len(assessed) >= 5 and len(assessed) < len(snap.people)
    assert any(c.exempt_by == ["ECDL module 3"] for p in snap.people for c in snap.row(p.id))
    assert {c.state.key for p in snap.people for c in snap.row(p.id)} >= {"meets", "below", "not_assessed", "above"}


# ---------------------------------------------------------------- qualifications (issue 17, part E)

@pytest.mark.parametrize("today", [dt.date(2026, 3, 2), dt.date(2026, 11, 24), dt.date(2028, 2, 29)])
def test_the_demo_shows_each_case_of_the_chain_rule_and_credit(app, db, today):
    """Basic life support (a full day, then a one-hour update every 12 months, 3 months' grace) held by the
    Physiotherapy team, one case of PRODUCT.md §6.3 each; the learner's first aid certificate expiring before
    the rule; a Care Certificate standard counting for a Core Skills subject. The team matrix says the same."""
    from skillpass import rules
    from skillpass.models import CreditMapping, CreditTarget, Team
    from skillpass.services import figures

    demo.seed(today=today)
    db.session.commit()
    bls = db.session.scalar(select(Item).where(Item.title == "Basic life support"))
    first_aid = db.session.scalar(select(Item).where(Item.title == "First aid at work"))
    assert (bls.refresher_title, bls.frequency_months, bls.grace_months) == ("BLS update, 1 hour", 12, 3)
    assert "full day" in bls.description
    physio = db.session.scalar(select(Team).where(Team.name == "Physiotherapy"))
    people = {p.name: p for p in db.session.scalars(select(Person).where(Person.team_id == physio.id))}
    passports = {name: build_passport(p, today=today, warning_days=60) for name, p in people.items()}
    rows = {name: passport.row(bls.id) for name, passport in passports.items()}

    def state(name):
        return rows[name].state

    assert state("Amara Adeyemi").status is Status.COMPLETE and state("Amara Adeyemi").refresher
    assert "refresher" in state("Amara Adeyemi").date_line
    assert (state("Dev Walker").status, state("Dev Walker").renewal) == (Status.EXPIRED, rules.REFRESHER_DUE)
    assert (state("Grace Patel").status, state("Grace Patel").renewal) == (Status.EXPIRING, rules.REFRESHER_DUE)
    assert (state("Jack Jones").status, state("Jack Jones").renewal) == (Status.EXPIRED, rules.FULL_COURSE_NEEDED)
    assert "Full course needed: refresher was due by" in state("Jack Jones").date_line
    # A refresher too late for its chain, kept in the history; the full course again counts.
    late = rows["Mohammed Davies"]
    assert late.state.status is Status.COMPLETE and not late.state.refresher and len(late.too_late) == 1
    assert [e.is_refresher for e in late.history if e.id in late.too_late] == [True]
    # A chain of refreshers, one within the grace.
    assert state("Precious Zielinski").status is Status.COMPLETE and state("Precious Zielinski").refresher
    # A refresher with no initial before it counts for nothing.
    alone = rows["Tomasz Singh"]
    assert alone.accepted is None and len(alone.too_late) == 1 and alone.state.status in (Status.OVERDUE, Status.TODO)

    # The learner's first aid certificate: equivalent training at St John Ambulance, its own expiry in three weeks.
    learner = passports["Sam Taylor"].row(first_aid.id)
    assert learner.accepted.equivalent_source == "St John Ambulance" and learner.accepted.evidence_id
    assert (learner.state.status, learner.state.expires_on) == (Status.EXPIRING, today + dt.timedelta(days=21))
    assert learner.state.by_certificate and "the certificate's own expiry" in learner.state.date_line

    # Credit across passports: one live mapping, and a healthcare assistant on the ward met by it.
    mapping = db.session.scalar(select(CreditMapping))
    target = db.session.scalar(select(Item).join(CreditTarget, CreditTarget.item_id == Item.id))
    assert mapping.live and target.code == "CSTF-HSW"
    holders = {p.name: build_passport(p, today=today, warning_days=60).row(target.id)
               for p in db.session.scalars(select(Person).where(Person.job_role == "Healthcare Assistant"))}
    met = [name for name, row in holders.items() if row is not None and row.met_by]
    assert "Sophie Lewis" in met and holders["Sophie Lewis"].met_by == "Standard 13: Health and safety"
    assert holders["Sophie Lewis"].state.status in (Status.COMPLETE, Status.EXPIRING)

    # The team matrix says what each passport says, for every row of every passport these people hold.
    for team_id, names in ((physio.id, people), (None, holders)):
        matrix = figures.build_matrix(figures.Scope(team_ids=(team_id,) if team_id else None), today=today,
                                      warning_days=60)
        for row in matrix.rows:
            if row.person.name not in names:
                continue
            passport = passports.get(row.person.name) or build_passport(
                db.session.get(Person, row.person.id), today=today, warning_days=60)
            for item_id, cell in row.cells.items():
                expected = passport.row(item_id).state
                assert (cell.label, cell.date_line) == (expected.label, expected.short_date_line), \
                    (row.person.name, passport.row(item_id).item.title)


def test_the_demo_s_verifiable_passports(app, db):
    """Issue 18: the organisation's key made at seed time; Eastfield NHS Trust trusted with its public key pinned
    (its private half kept nowhere); its bundle for the new starter, written for an admin to import, verifies
    against the pinned key, each credential naming the new starter; one of Eastfield's credentials already
    brought in waits for the educator with its provenance; the demo learner has a verify link."""
    import json

    from skillpass import credentials_demo, questionnaire_demo
    from skillpass.models import EntryStatus, ImportedCredential, ItemName, SigningKey, TrustedIssuer, VerifyLink
    from skillpass.services.credentials import verifying

    today = dt.date(2026, 11, 24)
    demo.seed(today=today)
    db.session.commit()
    assert _count(db, SigningKey) == 1
    [eastfield] = db.session.scalars(select(TrustedIssuer)).all()
    assert eastfield.name == "Eastfield NHS Trust" and eastfield.live and not eastfield.accepted_by_agreement
    pinned = json.loads(eastfield.jwks)
    assert [set(k) for k in pinned["keys"]] == [{"kty", "crv", "x", "kid", "alg", "use"}]

    text = (credentials_demo.demo_folder() / credentials_demo.BUNDLE_FILE).read_text()
    trusted = verifying.TrustedKeys(issuer_id=eastfield.issuer_id, name=eastfield.name, jwks=pinned)
    verdicts, whole = verifying.verify_file(text, trusted_for=lambda iss: trusted if iss == trusted.issuer_id else None,
                                            today=today, fetch_status=lambda url: None)
    assert whole == "" and len(verdicts) == 5 and all(v.ok for v in verdicts), [v.reason for v in verdicts]
    assert all(verifying.identity_matches(v.subject_identifier, questionnaire_demo.NEW_STARTER_EMAIL) for v in verdicts)
    assert [v.code for v in verdicts] == ["CSTF-FIRE", "CSTF-IPC2", "CSTF-IG", "", "NG-VEN"]
    codes = set(db.session.scalars(select(Item.code).where(Item.code.is_not(None))))
    assert {v.code for v in verdicts[:3]} <= codes and "NG-VEN" not in codes
    names = set(db.session.scalars(select(ItemName.name)))
    assert "NHS|CSTF|Safeguarding Adults - Level 2 - 3 Years|" in verdicts[3].national_names
    assert "NHS|CSTF|Safeguarding Adults - Level 2 - 3 Years|" in names
    assert "NHS|CSTF|Safeguarding Adults - Level 2 - 3 Years|" in json.dumps(verdicts[3].credential)

    [brought] = db.session.scalars(select(ImportedCredential)).all()
    entry = db.session.get(Entry, brought.entry_id)
    starter = db.session.get(Person, brought.person_id)
    assert starter.email == questionnaire_demo.NEW_STARTER_EMAIL and entry.status is EntryStatus.AWAITING
    assert entry.how == "Equivalent training demonstrated: verified credential from Eastfield NHS Trust"
    [again], _ = verifying.verify_file(brought.compact_jws, trusted_for=lambda iss: trusted, today=today,
                                       fetch_status=lambda url: None)
    assert again.ok and again.credential_id == brought.credential_id and again.name == "Equality, Diversity and Human Rights"
    assert brought.credential_id not in text, "the one already brought in is not in the bundle to import"
    learner = db.session.scalar(select(Person).where(Person.email == demo.LEARNER_EMAIL))
    [link] = db.session.scalars(select(VerifyLink)).all()
    assert link.person_id == learner.id and link.live
    from skillpass.services.credentials import verify_links

    assert verify_links.find(link.token) == link, "the demo's verify link is one the verify page opens"
