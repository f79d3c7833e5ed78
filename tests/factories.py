"""Small builders for test data: plain functions over the real models."""
from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

from skillpass.extensions import db
from skillpass.models import (
    Assignment,
    EvidenceRule,
    Item,
    ItemKind,
    OffsetUnit,
    PassportTemplate,
    Person,
    Role,
    Section,
    Team,
    TemplateStatus,
)

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def team(name: str | None = None) -> Team:
    t = Team(name=name or f"Team {next(_seq)}")
    db.session.add(t)
    db.session.flush()
    return t


def person(
    *,
    name: str | None = None,
    role: Role = Role.LEARNER,
    team: Team | None = None,
    start_date: dt.date = dt.date(2026, 1, 5),
    email: str | None = None,
    job_role: str = "Support Worker",
    supports: list[Team] | None = None,
    password: str = PASSWORD,
) -> Person:
    n = next(_seq)
    p = Person(
        name=name or f"Person {n}",
        email=email or f"person{n}@example.test",
        employee_number=f"E{n:05d}",
        job_role=job_role,
        team=team,
        start_date=start_date,
        role=role,
    )
    p.set_password(password)
    if supports:
        p.supported_teams = list(supports)
    db.session.add(p)
    db.session.flush()
    return p


def template(name: str | None = None) -> PassportTemplate:
    t = PassportTemplate(name=name or f"Template {next(_seq)}", status=TemplateStatus.PUBLISHED)
    db.session.add(t)
    db.session.flush()
    return t


def section(tpl: PassportTemplate, name: str, amount: int, unit: str = "days", position: int = 0) -> Section:
    s = Section(template_id=tpl.id, name=name, offset_amount=amount, offset_unit=OffsetUnit(unit), position=position)
    db.session.add(s)
    db.session.flush()
    return s


def item(
    sec: Section,
    title: str,
    *,
    frequency_months: int | None = None,
    kind: ItemKind = ItemKind.LEARNING,
    evidence: EvidenceRule = EvidenceRule.OPTIONAL,
    prior_learning_accepted: bool = True,
    mandatory: bool = True,
    added_on: dt.date = dt.date(2020, 1, 1),
    code: str | None = None,
    corporate_lead: str = "Learning and Development",
    position: int = 0,
    names: tuple[str, ...] = (),
) -> Item:
    i = Item(
        template_id=sec.template_id,
        section_id=sec.id,
        title=title,
        frequency_months=frequency_months,
        kind=kind,
        evidence=evidence,
        prior_learning_accepted=prior_learning_accepted,
        mandatory=mandatory,
        added_on=added_on,
        code=code,
        corporate_lead=corporate_lead,
        position=position,
    )
    db.session.add(i)
    db.session.flush()
    if names:   # the national names it answers to (PRODUCT.md §6.1)
        from skillpass.services.national_names import set_names
        set_names(i, list(names))
    return i


def assign(p: Person, tpl: PassportTemplate, on: dt.date | None = None) -> Assignment:
    a = Assignment(person_id=p.id, template_id=tpl.id, assigned_on=on or p.start_date)
    db.session.add(a)
    db.session.flush()
    return a


def world() -> SimpleNamespace:
    """Two teams; a learner in team A with the template assigned; educators of A and of B; an admin."""
    team_a = team("Physiotherapy")
    team_b = team("Occupational Therapy")
    learner = person(name="Lee Learner", team=team_a, email="lee@example.test")
    other_learner = person(name="Olu Other", team=team_b, email="olu@example.test")
    educator = person(name="Eve Educator", role=Role.EDUCATOR, team=team_a, email="eve@example.test",
                      job_role="Practice Educator", supports=[team_a])
    other_educator = person(name="Oscar Educator", role=Role.EDUCATOR, team=team_b, email="oscar@example.test",
                            job_role="Practice Educator", supports=[team_b])
    admin = person(name="Ada Admin", role=Role.ADMIN, email="ada@example.test", job_role="L&D Lead")
    tpl = template("AHP Support Worker Skills Passport")
    week2 = section(tpl, "Within 2 weeks", 2, "weeks", position=1)
    month6 = section(tpl, "Within 6 months", 6, "months", position=2)
    fire = item(week2, "Fire safety", frequency_months=24, code="CSTF-FIRE", corporate_lead="Estates")
    stress = item(month6, "Managing work and life stress", position=1)
    competency = item(month6, "Moving a patient with a hoist", kind=ItemKind.COMPETENCY, position=2,
                      prior_learning_accepted=False)
    optional = item(month6, "Reflective practice", mandatory=False, position=3)
    for p in (learner, other_learner, educator):
        assign(p, tpl)
    db.session.commit()
    return SimpleNamespace(
        team_a=team_a, team_b=team_b, learner=learner, other_learner=other_learner, educator=educator,
        other_educator=other_educator, admin=admin, template=tpl, week2=week2, month6=month6,
        fire=fire, stress=stress, competency=competency, optional=optional,
    )


def pdf(title: str = "Fire safety", *, size: int | None = None) -> bytes:
    """A real one-page PDF (the demo's certificate; evidence PDFs are read through before they are kept),
    padded after its end with a comment line to exactly *size* bytes when asked (readers ignore it)."""
    from skillpass.demo_data import demo_certificate

    made = demo_certificate("Lee Learner", title, dt.date(2026, 1, 15), "Test Trust")
    if size is None or size == len(made):
        return made
    if size < len(made) + 2:
        raise ValueError(f"this PDF is at least {len(made)} bytes")
    return made + b"%" + b"0" * (size - len(made) - 2) + b"\n"


# ---------------------------------------------------------------- skills frameworks (PRODUCT.md §6.5)

def skills_framework(name: str = "IT user skills", areas=("Email", "Spreadsheets", "Word processing"),
                     per_level: int = 2, status: TemplateStatus = TemplateStatus.PUBLISHED):
    """A framework with *areas*, each with *per_level* statements at every level above Inexperienced
    ("Email: Foundation statement 1", …)."""
    from skillpass.models import SkillArea, SkillsFramework, SkillStatement

    fw = SkillsFramework(name=name, status=status)
    db.session.add(fw)
    db.session.flush()
    for position, area_name in enumerate(areas):
        area = SkillArea(framework_id=fw.id, name=area_name, position=position)
        db.session.add(area)
        db.session.flush()
        for level in range(1, 5):
            for n in range(per_level):
                db.session.add(SkillStatement(area_id=area.id, level=level, position=n,
                                              wording=f"{area_name}: level {level} statement {n + 1}"))
    db.session.flush()
    return fw
