"""Demo data: a small fictional trust, built relative to "today".

`flask seed-demo` calls seed(); it is idempotent (a second run changes nothing).
The histories are chosen so that every status of PRODUCT.md §3 appears today,
the demo learner's own passport included. Everything is deterministic for a
given "today" (a seeded random number generator).
"""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import (
    Assignment,
    Confirmation,
    Entry,
    EntryMethod,
    EntryStatus,
    EvidenceRule,
    InformalEntry,
    Item,
    ItemKind,
    ItemName,
    OffsetUnit,
    PassportTemplate,
    Person,
    Role,
    Section,
    Team,
    TemplateStatus,
)
from skillpass.demo_data import (
    TEAMS,
    AHP_SECTIONS,
    AHP_ITEMS,
    CSTF_ITEMS,
    CSTF_NATIONAL_NAMES,
    CARE_CERTIFICATE_STANDARDS,
    FIRST_NAMES,
    SURNAMES,
    JOB_ROLES,
    OTHER_EMPLOYERS,
    INFORMAL,
    demo_certificate,
)
from skillpass import credentials_demo, qualifications_demo, questionnaire_demo, skills_demo
from skillpass.rules import add_months
from skillpass.subjects import normalise_name
from skillpass.services import audit
from skillpass.services import evidence as evidence_service
from skillpass.services.settings import set_setting

# The published demo sign-in: demo data only.
DEMO_PASSWORD = "skillpass-demo"  # nosec B105
LEARNER_EMAIL = "learner@example.org"
EDUCATOR_EMAIL = "educator@example.org"
ADMIN_EMAIL = "admin@example.org"
ORGANISATION = "Northgate Community NHS Trust"

def _utc(d: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(hour, 0), tzinfo=dt.timezone.utc)


def seed(today: dt.date) -> bool:
    """Build the demo trust; return False (and change nothing) if it is already there."""
    if db.session.scalar(select(func.count()).select_from(Person).where(Person.email == ADMIN_EMAIL)):
        return False
    # Repeatable demo data, not security.
    rng = random.Random(f"skillpass-demo-{today.isoformat()}")  # nosec B311

    teams = [Team(name=name) for name in TEAMS]
    db.session.add_all(teams)
    db.session.flush()
    physio = teams[0]

    ahp, ahp_items = _ahp_template(today)
    cstf, cstf_items = _cstf_template(today)

    hashed = _hash(DEMO_PASSWORD)
    admin = Person(name="Alex Morgan", email=ADMIN_EMAIL, employee_number="100001", job_role="Learning and Development Lead",
                   team=None, start_date=today - dt.timedelta(days=5 * 365), role=Role.ADMIN, password_hash=hashed)
    educator = Person(name="Priya Shah", email=EDUCATOR_EMAIL, employee_number="100002", job_role="Practice Educator",
                      team=physio, start_date=today - dt.timedelta(days=4 * 365), role=Role.EDUCATOR, password_hash=hashed)
    educator.supported_teams = [physio]
    ot_educator = Person(name="Gareth Llewellyn", email="ot.educator@example.org", employee_number="100003",
                         job_role="Clinical Educator", team=teams[1], start_date=today - dt.timedelta(days=6 * 365),
                         role=Role.EDUCATOR, password_hash=hashed)
    ot_educator.supported_teams = [teams[1], teams[2]]
    learner = Person(name="Sam Taylor", email=LEARNER_EMAIL, employee_number="200001", job_role="Therapy Support Worker",
                     team=physio, start_date=add_months(today, -7), role=Role.LEARNER, password_hash=hashed)
    db.session.add_all([admin, educator, ot_educator, learner])

    people = [learner]
    for n in range(27):
        team = teams[n % 3]
        start = today - dt.timedelta(days=rng.randint(10, 3 * 365))
        name = f"{FIRST_NAMES[n]} {SURNAMES[(n * 7) % len(SURNAMES)]}"
        email = name.lower().replace(" ", ".").replace("'", "") + "@example.org"
        person = Person(name=name, email=email, employee_number=f"{200002 + n}", job_role=JOB_ROLES[n % len(JOB_ROLES)],
                        team=team, start_date=start, role=Role.LEARNER, password_hash=hashed)
        people.append(person)
    db.session.add_all(people[1:])
    db.session.flush()

    deciders = {physio.id: educator, teams[1].id: ot_educator, teams[2].id: ot_educator}
    assignments, entries = [], []
    for index, person in enumerate(people):
        # Most people get both passports from their start date; a few long-serving
        # staff were given the Core Skills template later, when the trust adopted it.
        cstf_on = person.start_date
        if index % 9 == 5 and (today - person.start_date).days > 400:
            cstf_on = today - dt.timedelta(days=rng.randint(20, 200))
        assignments.append(Assignment(person_id=person.id, template_id=ahp.id, assigned_on=person.start_date, assigned_by_id=admin.id))
        assignments.append(Assignment(person_id=person.id, template_id=cstf.id, assigned_on=cstf_on, assigned_by_id=admin.id))
        decider = deciders[person.team_id]
        if person is learner:
            entries += _learner_history(learner, ahp_items, cstf_items, educator, today)
        else:
            entries += _history(rng, person, ahp_items + cstf_items, decider, today, awaiting=index % 8 == 2)
    # Healthcare assistants on the elderly-care ward also take the Care Certificate.
    # One of them moved to a role that no longer needs it: their record stays, Not required.
    care, care_items = _care_certificate_template(today)
    ward = [p for p in people if p.team_id == teams[2].id and p.job_role == "Healthcare Assistant"]
    for index, person in enumerate(ward):
        removed = today - dt.timedelta(days=30) if index == 0 else None
        assignments.append(Assignment(person_id=person.id, template_id=care.id, assigned_on=person.start_date,
                                      assigned_by_id=admin.id, removed_on=removed))
        for number, item in enumerate(care_items):
            done = person.start_date + dt.timedelta(days=7 + 4 * number)
            if done < today - dt.timedelta(days=2) and (index == 0 or number < 12 + index):
                decider = deciders[person.team_id] if item.kind is ItemKind.COMPETENCY else None
                entries.append(_entry(person, item, done, decider=decider, decided_on=done + dt.timedelta(days=2)))
    entries += _physiotherapy_queue(people, physio, ahp_items, cstf_items, entries, today)
    # Qualifications (issue 17): a refresher with its grace, a certificate's own expiry, credit across passports.
    held, entries, qualification_items = qualifications_demo.seed(
        today, people=people, team=physio, learner=learner, ward=ward, care_items=care_items, cstf_items=cstf_items, admin=admin,
        educator=educator, assessor=ot_educator, entries=entries)
    assignments += held
    db.session.add_all(assignments)
    db.session.add_all(entries)

    informal = []
    for index, person in enumerate(people[:12]):
        for title, hours, reflection in INFORMAL[: 1 + index % 3]:
            day = max(person.start_date, today - dt.timedelta(days=rng.randint(3, 200)))
            informal.append(InformalEntry(person_id=person.id, title=title, completed_on=min(day, today), hours=hours,
                                          reflection=reflection, recorded_by_id=person.id, recorded_at=_utc(min(day, today), 16)))
    db.session.add_all(informal)
    # Skills frameworks, targets and self-assessments (issue 16).
    skills_demo.seed(today, people=people, staff=[educator, ot_educator], learner=learner, educator=educator,
                     admin=admin, items=ahp_items + cstf_items)
    # The questionnaire: five questions, people's answers, recommendations approved and one waiting (issue 17, D).
    questionnaire_demo.seed(today, people=people, staff=[educator, ot_educator, admin], educator=educator,
                            admin=admin, physio=physio, ahp=ahp, cstf=cstf, password_hash=hashed)
    # Verifiable passports (issue 18): the signing key, Eastfield NHS Trust trusted, its bundle for the new
    # starter to import, one of its credentials awaiting the educator, the learner's verify link.
    credentials_demo.seed(today, admin=admin, learner=learner, new_starter_email=questionnaire_demo.NEW_STARTER_EMAIL)

    set_setting("organisation_name", ORGANISATION)
    set_setting("demo_mode", "1")
    db.session.flush()
    _history_in_the_audit_log(entries, people + [admin, educator, ot_educator],
                              ahp_items + cstf_items + care_items + qualification_items)
    audit.log(actor=None, action=Action.DEMO_SEEDED, subject=admin, person_id=None,
              summary=f"Demo trust seeded: {len(people) + 3} people, {len(entries)} entries",
              after={"today": today.isoformat()})
    db.session.flush()
    return True


def _hash(password: str) -> str:
    from skillpass.models.people import hash_password

    return hash_password(password)


def _ahp_template(today: dt.date):
    template = PassportTemplate(name="AHP Support Worker Skills Passport", status=TemplateStatus.PUBLISHED,
                                description="Allied Health Professions support worker learning log, after the HEE framework.")
    db.session.add(template)
    db.session.flush()
    sections = [Section(template_id=template.id, name=name, offset_amount=amount, offset_unit=OffsetUnit(unit), position=i)
                for i, (name, amount, unit) in enumerate(AHP_SECTIONS)]
    db.session.add_all(sections)
    db.session.flush()
    items = [
        Item(template_id=template.id, section_id=sections[s].id, position=i, title=title, description=description,
             corporate_lead=lead, frequency_months=months, kind=ItemKind(kind), prior_learning_accepted=prior,
             mandatory=mandatory, evidence=EvidenceRule.OPTIONAL, added_on=today - dt.timedelta(days=6 * 365))
        for i, (s, title, description, lead, months, kind, prior, mandatory) in enumerate(AHP_ITEMS)
    ]
    db.session.add_all(items)
    db.session.flush()
    return template, items


# Who confirms the Core Skills subjects (PRODUCT.md §6.2): the practical ones are confirmed by the trainer who
# ran the session; the e-learning ones by an educator checking the certificate.
CSTF_CONFIRMED = {"CSTF-FIRE", "CSTF-MH2", "CSTF-RESUS", "CSTF-CR"}


def _cstf_confirmation(code: str) -> dict:
    if code in CSTF_CONFIRMED:
        return dict(confirmation=Confirmation.EDUCATOR, evidence=EvidenceRule.OPTIONAL)
    return dict(confirmation=Confirmation.EVIDENCE, evidence=EvidenceRule.REQUIRED)


def _checked(item, method=EntryMethod.HERE) -> bool:
    """Whether an educator confirms a learner's own record of this item (not a competency's sign-off)."""
    return item.kind is ItemKind.LEARNING and method is EntryMethod.HERE and item.confirmation is not Confirmation.AT_ONCE


def _cstf_template(today: dt.date):
    template = PassportTemplate(name="Core Skills (CSTF)", status=TemplateStatus.PUBLISHED,
                                description="The 11 statutory and mandatory subjects of the Core Skills Training Framework.")
    db.session.add(template)
    db.session.flush()
    section = Section(template_id=template.id, name="Within the first 2 weeks, then refreshed", offset_amount=2,
                      offset_unit=OffsetUnit.WEEKS, position=0)
    db.session.add(section)
    db.session.flush()
    items = [
        Item(template_id=template.id, section_id=section.id, position=i, title=title, code=code, corporate_lead=lead,
             frequency_months=months, kind=ItemKind.LEARNING, prior_learning_accepted=True, mandatory=True,
             **_cstf_confirmation(code), added_on=today - dt.timedelta(days=6 * 365),
             description=f"Core Skills Training Framework subject, refreshed every {months // 12} year{'s' if months > 12 else ''}.")
        for i, (code, title, months, lead) in enumerate(CSTF_ITEMS)
    ]
    db.session.add_all(items)
    db.session.flush()
    db.session.add_all(ItemName(item_id=item.id, position=n, name=name, normalised=normalise_name(name))
                       for item in items for n, name in enumerate(CSTF_NATIONAL_NAMES.get(item.code, [])))
    db.session.flush()
    return template, items


def _history_in_the_audit_log(entries, people, items):
    """Each demo entry's past, as the audit log would have recorded it: so row histories
    and the audit log read as they would in a trust that has used SkillPass for years."""
    names = {p.id: p for p in people}
    titles = {i.id: i.title for i in items}
    verbs = {EntryStatus.REJECTED: Action.ENTRY_REJECTED, EntryStatus.WITHDRAWN: Action.ENTRY_WITHDRAWN}
    for entry in sorted(entries, key=lambda e: (e.recorded_at, e.id)):
        title = titles.get(entry.item_id, "Item")
        audit.log(actor=names.get(entry.recorded_by_id), action=Action.ENTRY_RECORDED, subject=entry,
                  person_id=entry.person_id, at=entry.recorded_at,
                  summary=f"{title}: {entry.description}",
                  after={"status": "awaiting" if entry.decided_at or entry.status is EntryStatus.AWAITING else "accepted"})
        if entry.decided_at and entry.status is not EntryStatus.AWAITING:
            action = verbs.get(entry.status) or (
                Action.ENTRY_APPROVED if entry.method is EntryMethod.EQUIVALENT else Action.ENTRY_SIGNED_OFF)
            audit.log(actor=names.get(entry.decided_by_id), action=action, subject=entry,
                      person_id=entry.person_id, at=entry.decided_at,
                      summary=f"{title}: {action.split('.')[1].replace('_', ' ')}"
                              + (f": {entry.decision_reason}" if entry.decision_reason else ""),
                      before={"status": "awaiting"}, after={"status": entry.status.value})


def _physiotherapy_queue(people, physio, ahp_items, cstf_items, entries, today):
    """A Friday afternoon's worth of work for the demo educator: competencies to sign
    off and certificates of training done elsewhere to approve, waiting a few days each."""
    waiting = {(e.person_id, e.item_id) for e in entries if e.status is EntryStatus.AWAITING}
    competencies = [i for i in ahp_items if i.kind is ItemKind.COMPETENCY]
    team = [p for p in people[1:] if p.team_id == physio.id]
    added = []
    for k, person in enumerate(team[:6]):
        claim = cstf_items[(3 * k) % len(cstf_items)]
        if (person.id, claim.id) not in waiting:
            done = person.start_date - dt.timedelta(days=90 + 30 * k)
            entry = _entry(person, claim, done, status=EntryStatus.AWAITING, method=EntryMethod.EQUIVALENT,
                           source=OTHER_EMPLOYERS[k % len(OTHER_EMPLOYERS)])
            entry.recorded_at = _utc(today - dt.timedelta(days=1 + 3 * k), 9)
            certificate = evidence_service.Checked(
                data=demo_certificate(person.name, claim.title, done, entry.equivalent_source),
                file_type=evidence_service.PDF, filename=f"{claim.title} certificate.pdf")
            entry.evidence_id = evidence_service.save(certificate, person=person, actor=person).id
            added.append(entry)
            waiting.add((person.id, claim.id))
        for n, item in enumerate(competencies):
            if (person.id, item.id) not in waiting and (k + n) % 2 == 0:
                done = max(person.start_date, today - dt.timedelta(days=2 + k + n))
                entry = _entry(person, item, done, status=EntryStatus.AWAITING,
                               note="Observed on the ward by the senior physiotherapist.")
                entry.recorded_at = _utc(done, 17)
                added.append(entry)
                waiting.add((person.id, item.id))
    return added


def _care_certificate_template(today: dt.date):
    template = PassportTemplate(name="Care Certificate", status=TemplateStatus.PUBLISHED,
                                description="The 16 standards for new care staff, assessed standard by standard.")
    db.session.add(template)
    db.session.flush()
    section = Section(template_id=template.id, name="Within the first 12 weeks", offset_amount=12,
                      offset_unit=OffsetUnit.WEEKS, position=0)
    db.session.add(section)
    db.session.flush()
    items = [
        Item(template_id=template.id, section_id=section.id, position=i, title=f"Standard {i + 1}: {title}",
             corporate_lead="Nursing Education", frequency_months=None,
             kind=ItemKind.COMPETENCY if observed else ItemKind.LEARNING, prior_learning_accepted=True,
             mandatory=True, evidence=EvidenceRule.OPTIONAL, added_on=today - dt.timedelta(days=6 * 365),
             description="Knowledge and observed practice, signed off by an assessor." if observed else "Knowledge.")
        for i, (title, observed) in enumerate(CARE_CERTIFICATE_STANDARDS)
    ]
    db.session.add_all(items)
    db.session.flush()
    return template, items


def _entry(person, item, completed_on, *, status=EntryStatus.ACCEPTED, method=EntryMethod.HERE, source="",
           decider=None, decided_on=None, reason="", note=""):
    recorded_at = _utc(completed_on, 11)
    entry = Entry(person_id=person.id, item_id=item.id, completed_on=completed_on, method=method,
                  equivalent_source=source, note=note, status=status, recorded_by_id=person.id, recorded_at=recorded_at)
    if decider is not None:
        entry.decided_by_id = decider.id
        entry.decided_by_name = decider.name
        entry.decided_by_job_title = decider.job_role
        entry.decided_at = _utc(decided_on or completed_on, 15)
        entry.decision_reason = reason
    return entry


def _history(rng, person, items, decider, today, awaiting=False):
    """A plausible history: most items done on time and renewed, some lapsed, some missed.

    With *awaiting*, the person's competencies were recorded last week and await sign-off.
    """
    entries = []
    for item in items:
        if awaiting and item.kind is ItemKind.COMPETENCY:
            entries.append(_entry(person, item, max(person.start_date, today - dt.timedelta(days=7)),
                                  status=EntryStatus.AWAITING))
            continue
        if not item.mandatory and rng.random() < 0.6:
            continue
        roll = rng.random()
        if roll < 0.12:
            continue  # never done: To do or Overdue, depending on the due date
        first = min(today, person.start_date + dt.timedelta(days=rng.randint(0, 40)))
        done, method, source = first, EntryMethod.HERE, ""
        if item.prior_learning_accepted and rng.random() < 0.1:
            done = person.start_date - dt.timedelta(days=rng.randint(30, 500))
            method, source = EntryMethod.EQUIVALENT, rng.choice(OTHER_EMPLOYERS)
        competency = item.kind is ItemKind.COMPETENCY
        needs_decision = competency or method is EntryMethod.EQUIVALENT
        if needs_decision and roll > 0.93 and (today - done).days < 60:
            entries.append(_entry(person, item, done, status=EntryStatus.AWAITING, method=method, source=source))
            continue
        if needs_decision:
            entries.append(_entry(person, item, done, method=method, source=source, decider=decider,
                                  decided_on=min(today, done + dt.timedelta(days=rng.randint(1, 10)))))
        else:   # an educator confirmed it where the item asks for that (no draw from rng: the demo stays the same)
            entries.append(_entry(person, item, done, method=method, source=source,
                                  **_confirmed_by(decider, item, method, done, today)))
        # Renewals: usually a little before each expiry; now and then someone lets one lapse.
        if item.frequency_months:
            last = done
            while True:
                due_again = add_months(last, item.frequency_months)
                renew = due_again - dt.timedelta(days=rng.randint(5, 50))
                if renew > today or rng.random() < 0.15:
                    break
                entries.append(_entry(person, item, renew, **_confirmed_by(decider, item, EntryMethod.HERE, renew, today)))
                last = renew
    return entries


def _confirmed_by(decider, item, method, done, today) -> dict:
    if not _checked(item, method):
        return {}
    return dict(decider=decider, decided_on=min(today, done + dt.timedelta(days=2)))


def _learner_history(learner, ahp, cstf, educator, today):
    """The demo learner, started seven months ago: a mix of every state, all on their own passport."""
    start = learner.start_date
    by_title = {i.title: i for i in ahp}
    by_code = {i.code: i for i in cstf}
    e = []
    e.append(_entry(learner, by_title["Local induction"], start))
    e.append(_entry(learner, by_title["Clinical systems access and training"], start + dt.timedelta(days=2)))
    # Annual statutory training done before joining, at the last employer: Expiring within 60 days.
    e.append(_entry(learner, by_title["Statutory and mandatory training"], add_months(today, -12) + dt.timedelta(days=40),
                    method=EntryMethod.EQUIVALENT, source="Leeds Teaching Hospitals NHS Trust",
                    decider=educator, decided_on=start + dt.timedelta(days=3)))
    # A competency signed off by the educator.
    e.append(_entry(learner, by_title["Taking and recording vital signs"], start + dt.timedelta(days=9),
                    decider=educator, decided_on=start + dt.timedelta(days=10)))
    # A competency awaiting sign-off, recorded last week.
    e.append(_entry(learner, by_title["Safe use of a hoist (observed practice)"], today - dt.timedelta(days=6),
                    status=EntryStatus.AWAITING))
    # A claim rejected with a reason, then not yet resubmitted.
    e.append(_entry(learner, by_title["Managing work and life stress"], start - dt.timedelta(days=400),
                    status=EntryStatus.REJECTED, method=EntryMethod.EQUIVALENT, source="Wellbeing webinar (unaccredited)",
                    decider=educator, decided_on=today - dt.timedelta(days=20),
                    reason="The webinar does not cover the course outcomes; please book the trust's half-day course."))
    # Appraisal (KSF) not done: due six months after the start date, so Overdue.
    # Core Skills: most done in the first fortnight; fire and resuscitation at the last employer and expiring;
    # information governance done here; conflict resolution never done (Overdue).
    for code, item in by_code.items():
        if code == "CSTF-CR":
            continue
        if code == "CSTF-RESUS":
            e.append(_entry(learner, item, add_months(today, -12) + dt.timedelta(days=25), method=EntryMethod.EQUIVALENT,
                            source="Leeds Teaching Hospitals NHS Trust", decider=educator, decided_on=start + dt.timedelta(days=4)))
            continue
        if code == "CSTF-IPC2":
            # Withdrawn by the learner (recorded against the wrong item), then recorded properly.
            e.append(_entry(learner, item, start + dt.timedelta(days=5), status=EntryStatus.WITHDRAWN,
                            method=EntryMethod.EQUIVALENT, source="Care Certificate (previous employer)",
                            decider=learner, decided_on=start + dt.timedelta(days=6)))
        e.append(_entry(learner, item, start + dt.timedelta(days=8),
                        **_confirmed_by(educator, item, EntryMethod.HERE, start + dt.timedelta(days=8), today)))
    return e


def sign_in_help() -> str:
    return "\n".join([
        "Demo sign-ins (password for all: %s):" % DEMO_PASSWORD,
        f"  learner   {LEARNER_EMAIL}",
        f"  educator  {EDUCATOR_EMAIL}",
        f"  admin     {ADMIN_EMAIL}",
        f"  new starter {questionnaire_demo.NEW_STARTER_EMAIL} (asked the questionnaire at first sign-in)",
        f"Their passport from Eastfield NHS Trust, to import as the admin: "
        f"{credentials_demo.demo_folder() / credentials_demo.BUNDLE_FILE}",
    ])
