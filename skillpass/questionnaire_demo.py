"""The demo trust's questionnaire (PRODUCT.md §6.4): five questions (driving a trust vehicle, lone working,
handling medicines, working with children, night shifts), each recommending a small passport of its own; people
asked at first sign-in.

Everyone in the demo answered it when the trust started asking (so signing in as any of them goes straight to
their home page), a few with answers that gave them a passport on an educator's approval, one declined with a
note; one Physiotherapy colleague's answer waits for the demo educator to approve; and a new starter who has
never signed in is asked at their first sign-in. Called by demo.seed() after the people and their passports
exist; written with the models directly, back-dated, each step in the audit log as it would have been written.
Deterministic for a given "today".
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import (
    Assignment,
    Entry,
    EntryMethod,
    EntryStatus,
    Item,
    ItemKind,
    OffsetUnit,
    OptionPassport,
    PassportTemplate,
    Person,
    Question,
    QuestionAnswer,
    QuestionKind,
    QuestionOption,
    Recommendation,
    RecommendationKind,
    RecommendationStatus,
    Role,
    Section,
    TemplateStatus,
)
from skillpass.services import audit
from skillpass.services.settings import ASK_QUESTIONNAIRE, set_setting

NEW_STARTER_EMAIL = "new.starter@example.org"

# Each question's passport: (name, description, [(title, description, corporate lead, months or None, kind)]).
PASSPORTS = {
    "driving": ("Driving at work", "For staff who drive a trust vehicle: pool cars, vans and minibuses.", [
        ("Driving licence and insurance check", "Licence seen and checked with the DVLA.", "Fleet Services", 12, "learning"),
        ("Vehicle daily safety checks", "Tyres, lights, fluids and the defect log, observed.", "Fleet Services", None, "competency"),
        ("Safe driving at work", "E-learning: fatigue, phones, loads and passengers.", "Health and Safety", 36, "learning"),
    ]),
    "lone": ("Lone working", "For staff who work alone: home visits, community clinics, out of hours.", [
        ("Lone worker safety", "Planning visits, checking in and out, and what to do when a visit feels unsafe.",
         "Security Management", 24, "learning"),
        ("Using the lone worker device", "Set-up, the amber alert and the red alert, practised with a colleague.",
         "Security Management", None, "competency"),
    ]),
    "medicines": ("Medicines management", "For staff who handle or give medicines.", [
        ("Safe handling of medicines", "Storage, checking, and recording doses given.", "Pharmacy", 12, "learning"),
        ("Medicines administration (observed practice)", "Three observed medicine rounds, signed off.", "Pharmacy",
         None, "competency"),
        ("Controlled drugs awareness", "What is controlled, the register, and the second checker.", "Pharmacy", 24,
         "learning"),
    ]),
    "children": ("Working with children", "For staff who work with children or young people under 18.", [
        ("Safeguarding children (level 3)", "Recognising and acting on concerns about a child.", "Safeguarding", 36,
         "learning"),
        ("Paediatric basic life support", "Infant and child basic life support, practised on manikins.",
         "Resuscitation Service", 12, "learning"),
    ]),
    "nights": ("Night working", "For staff who work night shifts.", [
        ("Fatigue and shift work", "Sleep, breaks, and getting home safely after a night shift.", "Occupational Health",
         None, "learning"),
        ("Night-time fire evacuation", "Evacuating a ward at night with the staff on duty.", "Estates and Facilities",
         12, "learning"),
    ]),
}

# (key, question, hint, kind, answers, the answers that recommend the key's passport)
QUESTIONS = [
    ("driving", "Do you drive a trust vehicle?",
     "Pool cars, vans and minibuses count; your own car on trust business does not.", QuestionKind.YES_NO,
     ["Yes", "No"], {"Yes"}),
    ("lone", "Do you work alone, without a colleague nearby?", "For example, home visits or a clinic on your own.",
     QuestionKind.YES_NO, ["Yes", "No"], {"Yes"}),
    ("medicines", "Do you handle or give medicines?", "", QuestionKind.YES_NO, ["Yes", "No"], {"Yes"}),
    ("children", "Do you work with children or young people under 18?", "", QuestionKind.YES_NO, ["Yes", "No"],
     {"Yes"}),
    ("nights", "How often do you work night shifts?", "", QuestionKind.CHOICE,
     ["Never", "Now and then", "Most weeks"], {"Now and then", "Most weeks"}),
]


def _utc(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=dt.timezone.utc)


def _passport(today: dt.date, name: str, description: str, items) -> PassportTemplate:
    template = PassportTemplate(name=name, description=description, status=TemplateStatus.PUBLISHED)
    db.session.add(template)
    db.session.flush()
    section = Section(template_id=template.id, name="Within 4 weeks of being given it", offset_amount=4,
                      offset_unit=OffsetUnit.WEEKS, position=0)
    db.session.add(section)
    db.session.flush()
    db.session.add_all(
        Item(template_id=template.id, section_id=section.id, position=n, title=title, description=words,
             corporate_lead=lead, frequency_months=months, kind=ItemKind(kind), mandatory=True,
             added_on=today - dt.timedelta(days=400))
        for n, (title, words, lead, months, kind) in enumerate(items))
    return template


def seed(today: dt.date, *, people: list[Person], staff: list[Person], educator: Person, admin: Person,
         physio, ahp: PassportTemplate, cstf: PassportTemplate, password_hash: str) -> None:
    """*people*: the learners (the demo learner first); *staff*: the educators and the admin."""
    passports = {key: _passport(today, *PASSPORTS[key]) for key, *_ in QUESTIONS}
    options: dict[tuple[str, str], QuestionOption] = {}
    questions = []
    for position, (key, text, hint, kind, labels, recommending) in enumerate(QUESTIONS):
        question = Question(text=text, hint=hint, kind=kind, position=position,
                            created_at=_utc(today - dt.timedelta(days=120), 9))
        db.session.add(question)
        db.session.flush()
        questions.append(question)
        for n, label in enumerate(labels):
            option = QuestionOption(question_id=question.id, label=label, position=n)
            db.session.add(option)
            db.session.flush()
            options[key, label] = option
            if label in recommending:
                db.session.add(OptionPassport(option_id=option.id, template_id=passports[key].id))
    audit.log(actor=admin, action=Action.QUESTION_ADDED, subject=questions[0], person_id=None,
              at=_utc(today - dt.timedelta(days=120), 9),
              summary=f"Questionnaire written: {len(questions)} questions, each recommending its own passport")
    set_setting(ASK_QUESTIONNAIRE, "1")

    # Who said yes, by position among the learners (the demo learner, first, said no to everything).
    deciders = {person.team_id: next((s for s in staff if s.role is Role.EDUCATOR and person.team_id
                                      in {t.id for t in s.supported_teams}), admin) for person in people}
    yes = {
        "driving": {3, 9, 16},
        "lone": {4, 10, 17},
        "medicines": {5, 14},
        "children": {7},
        "nights": {2, 8, 11},
    }
    declined = (14, "medicines")      # an answer an educator declined, with a note the person reads
    answered = {}
    for index, person in enumerate(people + staff):
        day = max(person.start_date, today - dt.timedelta(days=90 - index % 30))
        given = {}
        for key, *_ in QUESTIONS:
            said_yes = index < len(people) and index in yes[key]
            label = ("Most weeks" if said_yes else "Never") if key == "nights" else ("Yes" if said_yes else "No")
            answer = QuestionAnswer(person_id=person.id, question_id=options[key, label].question_id,
                                    option_id=options[key, label].id, answered_on=day, answered_at=_utc(day, 8),
                                    answered_by_id=person.id)
            db.session.add(answer)
            given[key] = answer
        answered[person.id] = given
    db.session.flush()

    for index, person in enumerate(people):
        for key, *_ in QUESTIONS:
            if index not in yes[key]:
                continue
            answer = answered[person.id][key]
            decider = deciders[person.team_id]
            decided_on = answer.answered_on + dt.timedelta(days=2)
            refused = (index, key) == declined
            rec = Recommendation(person_id=person.id, template_id=passports[key].id, answer_id=answer.id,
                                 kind=RecommendationKind.ASSIGN, created_at=answer.answered_at,
                                 status=RecommendationStatus.DECLINED if refused else RecommendationStatus.APPROVED,
                                 decided_by_id=decider.id, decided_by_name=decider.name,
                                 decided_at=_utc(decided_on, 14),
                                 note="You help with medicine rounds but never give medicines yourself: not "
                                      "needed for your role." if refused else "")
            db.session.add(rec)
            db.session.flush()
            if not refused:
                db.session.add(Assignment(person_id=person.id, template_id=passports[key].id, assigned_on=decided_on,
                                          source_detail="on the questionnaire's recommendation",
                                          assigned_by_id=decider.id, recommendation_id=rec.id))
                _done(today, person, passports[key], decider, decided_on + dt.timedelta(days=9))
            audit.log(actor=decider, subject=rec, person_id=person.id, at=rec.decided_at,
                      action=Action.RECOMMENDATION_DECLINED if refused else Action.RECOMMENDATION_APPROVED,
                      summary=f"Recommendation to assign {passports[key].name} for {person.name} "
                              f"{'declined' if refused else 'approved'} "
                              f"({answer_words(key, 'Most weeks' if key == 'nights' else 'Yes')})")

    _waiting(today, people, physio, options, answered, passports, educator)
    _new_starter(today, physio, ahp, cstf, admin, password_hash)


def _done(today, person, template, decider, on: dt.date) -> None:
    """The passport's items done a week or so after it was given (competencies signed off by the educator)."""
    if on >= today:
        return
    for item in db.session.scalars(select(Item).where(Item.template_id == template.id)):
        entry = Entry(person_id=person.id, item_id=item.id, completed_on=on, method=EntryMethod.HERE,
                      status=EntryStatus.ACCEPTED, recorded_by_id=person.id, recorded_at=_utc(on, 12))
        if item.kind is ItemKind.COMPETENCY:
            entry.decided_by_id, entry.decided_by_name = decider.id, decider.name
            entry.decided_by_job_title, entry.decided_at = decider.job_role, _utc(on, 16)
        db.session.add(entry)


def answer_words(key: str, label: str) -> str:
    text = next(q[1] for q in QUESTIONS if q[0] == key)
    return f"{text} {label}"


def _waiting(today, people, physio, options, answered, passports, educator) -> None:
    """A Physiotherapy colleague (not the demo learner) changed an answer two days ago: lone working now, so a
    recommendation to assign Lone working waits for the demo educator."""
    person = next(p for p in people[1:] if p.team_id == physio.id and p.id != educator.id
                  and answered[p.id]["lone"].option_id == options["lone", "No"].id)
    old = answered[person.id]["lone"]
    moment = _utc(today - dt.timedelta(days=2), 11)
    old.replaced_at = moment
    db.session.flush()
    new = QuestionAnswer(person_id=person.id, question_id=old.question_id, option_id=options["lone", "Yes"].id,
                         answered_on=today - dt.timedelta(days=2), answered_at=moment, answered_by_id=person.id)
    db.session.add(new)
    db.session.flush()
    rec = Recommendation(person_id=person.id, template_id=passports["lone"].id, answer_id=new.id,
                         kind=RecommendationKind.ASSIGN, status=RecommendationStatus.PENDING, created_at=moment)
    db.session.add(rec)
    db.session.flush()
    audit.log(actor=person, action=Action.QUESTIONNAIRE_ANSWERED, subject=person, person_id=person.id, at=moment,
              summary=f"{person.name} answered the questionnaire: {answer_words('lone', 'Yes')} (was No)")
    audit.log(actor=person, action=Action.RECOMMENDATION_MADE, subject=rec, person_id=person.id, at=moment,
              summary=f"Recommended to assign Lone working for {person.name}: {answer_words('lone', 'Yes')}")


def _new_starter(today, physio, ahp, cstf, admin, password_hash) -> None:
    """Started today, never signed in: the questionnaire is asked at their first sign-in."""
    person = Person(name="Jordan Ellis", email=NEW_STARTER_EMAIL, employee_number="200099",
                    job_role="Therapy Support Worker", team=physio, start_date=today, role=Role.LEARNER,
                    password_hash=password_hash)
    db.session.add(person)
    db.session.flush()
    db.session.add_all(Assignment(person_id=person.id, template_id=t.id, assigned_on=today, assigned_by_id=admin.id)
                       for t in (ahp, cstf))
