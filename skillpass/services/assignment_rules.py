"""Assignment rules: give a template to everyone in chosen teams and/or job roles.

A rule applies when it is made, when a person is added, and when a person
changes team, job role or comes back; an assignment a rule made ends when no
rule gives that template to the person any more. Entries are never touched:
a removed template's items show as Not required.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import Assignment, AssignmentRule, AssignmentSource, PassportTemplate, Person, Team, TemplateStatus
from skillpass.services import audit
from skillpass.services.errors import ValidationFailed


def active_rules() -> list[AssignmentRule]:
    return list(db.session.scalars(select(AssignmentRule).where(AssignmentRule.archived_at.is_(None))
                                   .order_by(AssignmentRule.id)))


def create_rule(*, actor: Person, template_id: int | None, team_ids: list[int], job_roles: list[str],
                today: dt.date) -> tuple[AssignmentRule, int]:
    """Make a rule and apply it to everyone it matches now; returns (rule, people newly assigned)."""
    errors = {}
    template = db.session.get(PassportTemplate, template_id) if template_id else None
    if template is None or template.status is not TemplateStatus.PUBLISHED:
        errors["template_id"] = "Choose a published passport."
    teams = list(db.session.scalars(select(Team).where(Team.id.in_(team_ids)))) if team_ids else []
    job_roles = sorted({" ".join(j.split()) for j in job_roles if j and j.strip()})
    if not teams and not job_roles:
        errors["teams"] = "Choose at least one team or one job role."
    if errors:
        raise ValidationFailed(errors)
    rule = AssignmentRule(template=template, teams=teams, job_roles=job_roles, created_by_id=actor.id)
    db.session.add(rule)
    db.session.flush()
    audit.log(actor=actor, action="rule.created", subject=rule, person_id=None,
              summary=f"{template.name} for everyone in: {rule.describe()}",
              after={"template": template.name, "teams": [t.name for t in teams], "job_roles": job_roles})
    people = db.session.scalars(select(Person).where(Person.active.is_(True))).all()
    live = {a.person_id for a in db.session.scalars(select(Assignment).where(
        Assignment.template_id == template.id, Assignment.removed_on.is_(None)))}
    added = 0
    for person in people:
        if person.id not in live and rule.matches(person):
            _add(actor, person, rule, today)
            added += 1
    return rule, added


def archive_rule(*, actor: Person, rule: AssignmentRule) -> None:
    """The rule stops giving its template to anyone new; who has it keeps it."""
    if rule.archived_at is not None:
        return
    from skillpass import clock

    rule.archived_at = clock.now()
    audit.log(actor=actor, action="rule.archived", subject=rule, person_id=None,
              summary=f"Rule archived: {rule.template.name} for {rule.describe()}")


def apply_to(person: Person, *, actor: Person, today: dt.date) -> tuple[list[str], list[str]]:
    """Bring one person's rule-made assignments in line with the rules: (added, removed) template names."""
    rules = active_rules()
    matching = [r for r in rules if r.matches(person)]
    live = db.session.scalars(select(Assignment).where(
        Assignment.person_id == person.id, Assignment.removed_on.is_(None))).all()
    held = {a.template_id for a in live}
    added, removed = [], []
    for rule in matching:
        if rule.template_id not in held:
            _add(actor, person, rule, today)
            held.add(rule.template_id)
            added.append(rule.template.name)
    still_given = {r.template_id for r in matching}
    for assignment in live:
        if assignment.source is AssignmentSource.RULE and assignment.template_id not in still_given:
            assignment.removed_on = today
            assignment.removed_by_id = actor.id
            template = db.session.get(PassportTemplate, assignment.template_id)
            audit.log(actor=actor, action="assignment.removed", subject=assignment, person_id=person.id,
                      summary=f"{template.name} no longer assigned to {person.name}: no rule gives it now "
                              f"(entries kept, items not required)",
                      before={"removed_on": None}, after={"removed_on": today})
            removed.append(template.name)
    db.session.flush()
    return added, removed


def _add(actor: Person, person: Person, rule: AssignmentRule, today: dt.date) -> Assignment:
    assignment = Assignment(person_id=person.id, template_id=rule.template_id, assigned_on=today,
                            source=AssignmentSource.RULE, source_detail=rule.describe(), rule_id=rule.id,
                            assigned_by_id=actor.id)
    db.session.add(assignment)
    db.session.flush()
    audit.log(actor=actor, action="assignment.added", subject=assignment, person_id=person.id,
              summary=f"{rule.template.name} assigned to {person.name} by rule: {rule.describe()}",
              after={"template": rule.template.name, "assigned_on": today, "rule": rule.describe()})
    return assignment
