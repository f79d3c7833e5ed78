"""Assignment rules: give a template to everyone in chosen teams and/or job roles.

A rule applies when it is made, when a person is added, and when a person
changes team, job role or comes back; an assignment a rule made ends when no
rule gives that template to the person any more. Entries are never touched:
a removed template's items show as Not required.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from types import SimpleNamespace

from sqlalchemy import insert, select

from skillpass.extensions import db
from skillpass.inputs import CONTROL_MESSAGE, has_control
from skillpass.labels import Action
from skillpass.models import Assignment, AssignmentRule, AssignmentSource, PassportTemplate, Person, Team, TemplateStatus
from skillpass.services import audit, data_version, item_dates
from skillpass.services.errors import ValidationFailed


def active_rules() -> list[AssignmentRule]:
    return list(db.session.scalars(select(AssignmentRule).where(AssignmentRule.archived_at.is_(None))
                                   .order_by(AssignmentRule.id)))


@dataclass
class RulePreview:
    """Who a new rule would give its passport to, before it is saved."""

    template: PassportTemplate
    description: str                                 # "Ward 7 team, Healthcare Assistant"
    gains: list[tuple[Person, str]] = field(default_factory=list)   # (person, team name), by team then name
    fingerprint: str = ""                            # the exact choice previewed, which the admin confirms

    @property
    def by_team(self) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for _, team in self.gains:
            counts[team] = counts.get(team, 0) + 1
        return list(counts.items())

    @property
    def headline(self) -> str:
        n = len(self.gains)
        if not n:
            return f"Nobody gains {self.template.name} now; people who join or move later will."
        return f"{n} {'person gains' if n == 1 else 'people gain'} {self.template.name} now."


def _checked(template_id: int | None, team_ids: list[int], job_roles: list[str]
             ) -> tuple[PassportTemplate, list[Team], list[str]]:
    errors = {}
    template = db.session.get(PassportTemplate, template_id) if template_id else None
    if template is None or template.status is not TemplateStatus.PUBLISHED:
        errors["template_id"] = "Choose a published passport."
    teams = list(db.session.scalars(select(Team).where(Team.id.in_(team_ids)).order_by(Team.name))) if team_ids else []
    if any(has_control(j) for j in job_roles):
        errors["teams"] = CONTROL_MESSAGE
    job_roles = sorted({" ".join(j.split()) for j in job_roles if j and j.strip() and not has_control(j)})
    if not teams and not job_roles:
        errors.setdefault("teams", "Choose at least one team or one job role.")
    if not errors:
        wanted = ({t.id for t in teams}, job_roles)
        for rule in active_rules():
            if rule.template_id == template.id and ({t.id for t in rule.teams}, sorted(rule.job_roles)) == wanted:
                errors["template_id"] = f"A rule already gives {template.name} to {rule.describe()}."
    if errors:
        raise ValidationFailed(errors)
    return template, teams, job_roles


def _gaining(template: PassportTemplate, teams: list[Team], job_roles: list[str]) -> list[Person]:
    """Active people the rule matches who do not hold the passport now, by team then name."""
    team_ids = {t.id for t in teams}
    stmt = select(Person).where(Person.active.is_(True), ~Person.id.in_(
        select(Assignment.person_id).where(Assignment.template_id == template.id, Assignment.removed_on.is_(None))))
    if team_ids:
        stmt = stmt.where(Person.team_id.in_(team_ids))
    if job_roles:
        stmt = stmt.where(Person.job_role.in_(job_roles))
    return list(db.session.scalars(stmt.order_by(Person.team_id, Person.name, Person.id)))


def preview_rule(*, template_id: int | None, team_ids: list[int], job_roles: list[str]) -> RulePreview:
    """Check a new rule and say who it would give the passport to now; nothing is written."""
    template, teams, job_roles = _checked(template_id, team_ids, job_roles)
    description = AssignmentRule(template_id=template.id, job_roles=job_roles, teams=teams).describe()  # not added
    names = {t.id: t.name for t in db.session.scalars(select(Team))}
    gains = [(p, names.get(p.team_id, "No team")) for p in _gaining(template, teams, job_roles)]
    gains.sort(key=lambda g: (g[1] == "No team", g[1], g[0].name))
    return RulePreview(template=template, description=description, gains=gains,
                       fingerprint=rule_fingerprint(template.id, [t.id for t in teams], job_roles))


def rule_fingerprint(template_id: int, team_ids: list[int], job_roles: list[str]) -> str:
    """The choice a preview showed (passport, teams, job roles, in any order): what its Save button confirms."""
    roles = sorted({" ".join(j.split()) for j in job_roles if j and j.strip()})
    choice = f"{template_id}|{','.join(str(t) for t in sorted(set(team_ids)))}|{'|'.join(roles)}"
    return hashlib.sha256(choice.encode()).hexdigest()[:16]


def create_rule(*, actor: Person, template_id: int | None, team_ids: list[int], job_roles: list[str],
                today: dt.date) -> tuple[AssignmentRule, int]:
    """Make a rule and apply it to everyone it matches now; returns (rule, people newly assigned)."""
    template, teams, job_roles = _checked(template_id, team_ids, job_roles)
    rule = AssignmentRule(template=template, teams=teams, job_roles=job_roles, created_by_id=actor.id)
    db.session.add(rule)
    db.session.flush()
    audit.log(actor=actor, action=Action.RULE_CREATED, subject=rule, person_id=None,
              summary=f"{template.name} for everyone in: {rule.describe()}",
              after={"template": template.name, "teams": [t.name for t in teams], "job_roles": job_roles})
    people = db.session.scalars(select(Person).where(Person.active.is_(True))).all()
    live = {a.person_id for a in db.session.scalars(select(Assignment).where(
        Assignment.template_id == template.id, Assignment.removed_on.is_(None)))}
    made = [(_assignment(actor, person, rule, today), person) for person in people
            if person.id not in live and rule.matches(person)]
    db.session.flush()   # all at once, then their audit entries (which name them by id)
    for assignment, person in made:
        _log_added(actor, assignment, person, rule, today)
    return rule, len(made)


@dataclass
class ArchivePlan:
    """What archiving a rule does to the passports it gave: the people who hold one by it, and of those, who
    another live rule also gives it to (they keep it whatever is chosen, now given by that rule)."""

    rule: AssignmentRule
    held: list[tuple[Assignment, Person]] = field(default_factory=list)
    other_rule: dict[int, AssignmentRule] = field(default_factory=dict)     # assignment id -> the live rule

    @property
    def removable(self) -> list[tuple[Assignment, Person]]:
        return [(a, p) for a, p in self.held if a.id not in self.other_rule]


def archive_plan(rule: AssignmentRule) -> ArchivePlan:
    plan = ArchivePlan(rule=rule)
    plan.held = list(db.session.execute(
        select(Assignment, Person).join(Person, Person.id == Assignment.person_id)
        .where(Assignment.rule_id == rule.id, Assignment.removed_on.is_(None),
               Assignment.source == AssignmentSource.RULE)
        .order_by(Person.name, Person.id)).tuples())
    others = [r for r in active_rules() if r.id != rule.id and r.template_id == rule.template_id]
    for assignment, person in plan.held:
        other = next((r for r in others if r.matches(person)), None)
        if other is not None:
            plan.other_rule[assignment.id] = other
    return plan


def archive_rule(*, actor: Person, rule: AssignmentRule, remove: bool = False,
                 today: dt.date | None = None) -> tuple[int, int]:
    """The rule stops giving its template to anyone new. Who has it by this rule keeps it, unless *remove*:
    then it is removed (entries kept, items Not required; each removal audited), but for those another live
    rule gives it to, who keep it by that rule. Returns (kept, removed)."""
    if rule.archived_at is not None:
        return 0, 0
    from skillpass import clock

    plan = archive_plan(rule)
    rule.archived_at = clock.now()
    today = today or clock.today()
    removed = 0
    for assignment, person in plan.held:
        other = plan.other_rule.get(assignment.id)
        if other is not None:
            assignment.rule_id = other.id
            assignment.source_detail = other.describe()
        elif remove:
            assignment.removed_on = today
            assignment.removed_by_id = actor.id
            audit.log(actor=actor, action=Action.ASSIGNMENT_REMOVED, subject=assignment, person_id=person.id,
                      summary=f"{rule.template.name} no longer assigned to {person.name}: the rule that gave it "
                              f"({rule.describe()}) was archived (entries kept, items not required)",
                      before={"removed_on": None}, after={"removed_on": today})
            removed += 1
    kept = len(plan.held) - removed
    audit.log(actor=actor, action=Action.RULE_ARCHIVED, subject=rule, person_id=None,
              summary=f"Rule archived: {rule.template.name} for {rule.describe()}; "
                      + (f"{removed} passports it gave removed, {kept} kept" if remove
                         else f"the {kept} passports it gave kept"))
    db.session.flush()
    return kept, removed


def apply_to(person: Person, *, actor: Person, today: dt.date) -> tuple[list[str], list[str]]:
    """Bring one person's rule-made assignments in line with the rules: (added, removed) template names."""
    return apply_to_many([person], actor=actor, today=today)[person.id]


def apply_to_many(people: list[Person], *, actor: Person, today: dt.date,
                  in_bulk: bool = False) -> dict[int, tuple[list[str], list[str]]]:
    """apply_to for many people at once (an import's batch): the rules and everyone's live assignments
    are read once, not once a person. *in_bulk*: the assignments given, and their audit entries, are written in
    a statement each, not as objects one by one (an import's batch of new people, committed at once after)."""
    if not people:
        return {}
    rules = active_rules()
    live_by_person: dict[int, list[Assignment]] = {p.id: [] for p in people}
    for assignment in db.session.scalars(select(Assignment).where(
            Assignment.person_id.in_(list(live_by_person)), Assignment.removed_on.is_(None))):
        live_by_person[assignment.person_id].append(assignment)
    names = {}
    made: list[tuple[Assignment, Person, AssignmentRule]] = []
    outcome: dict[int, tuple[list[str], list[str]]] = {}
    for person in people:
        matching = [r for r in rules if r.matches(person)]
        live = live_by_person[person.id]
        held = {a.template_id for a in live}
        added, removed = [], []
        for rule in matching:
            if rule.template_id not in held:
                made.append((None if in_bulk else _assignment(actor, person, rule, today), person, rule))
                held.add(rule.template_id)
                added.append(rule.template.name)
        still_given = {r.template_id for r in matching}
        for assignment in live:
            if assignment.source is AssignmentSource.RULE and assignment.template_id not in still_given:
                assignment.removed_on = today
                assignment.removed_by_id = actor.id
                if assignment.template_id not in names:
                    names[assignment.template_id] = db.session.get(PassportTemplate, assignment.template_id).name
                name = names[assignment.template_id]
                audit.log(actor=actor, action=Action.ASSIGNMENT_REMOVED, subject=assignment, person_id=person.id,
                          summary=f"{name} no longer assigned to {person.name}: no rule gives it now "
                                  f"(entries kept, items not required)",
                          before={"removed_on": None}, after={"removed_on": today})
                removed.append(name)
        outcome[person.id] = (added, removed)
    if in_bulk:
        _add_in_bulk(actor, made, today)
        return outcome
    db.session.flush()   # every new assignment at once, then their audit entries (which name them by id)
    for assignment, person, rule in made:
        _log_added(actor, assignment, person, rule, today)
    return outcome


def _add_in_bulk(actor: Person, made: list[tuple[None, Person, AssignmentRule]], today: dt.date) -> None:
    """The assignments the rules give, as _assignment and _log_added write them, in a statement each. The
    session does not see them: the data version and the kept dates are told."""
    if not made:
        return
    table = Assignment.__table__
    rows = [dict(person_id=person.id, template_id=rule.template_id, assigned_on=today, source=AssignmentSource.RULE,
                 source_detail=rule.describe(), rule_id=rule.id, assigned_by_id=actor.id) for _, person, rule in made]
    # Their ids by person and passport (one live assignment of a passport a person): RETURNING in the rows'
    # order would be a statement a row on SQLite.
    id_of = {(person_id, template_id): assignment_id for assignment_id, person_id, template_id in db.session.execute(
        insert(table).returning(table.c.id, table.c.person_id, table.c.template_id), rows)}
    data_version.written(db.session)
    item_dates.touch_people(db.session, {person.id for _, person, _ in made})
    audit.log_many([dict(actor_id=actor.id, action=Action.ASSIGNMENT_ADDED, subject_type="Assignment",
                         subject_id=id_of[(person.id, rule.template_id)], person_id=person.id,
                         summary=f"{rule.template.name} assigned to {person.name} by rule: {rule.describe()}",
                         after={"template": rule.template.name, "assigned_on": today, "rule": rule.describe()})
                    for _, person, rule in made])


def passports_ending(changes: list[tuple[Person, dict]]) -> dict[int, list[str]]:
    """Before people change team or job role (an import's preview): by person id, the passports a rule gave
    them that no rule would give them after the change, so that apply_to_many would end them. *changes*:
    (person, {"team": Team | None, "job_role": str, …}). The rules and the rule-given assignments are read
    once, whatever the number of people."""
    moving = [(person, change) for person, change in changes if {"team", "job_role"} & set(change)]
    if not moving:
        return {}
    rules = active_rules()
    given: dict[int, list[tuple[int, str]]] = {}
    for person_id, template_id, name in db.session.execute(
            select(Assignment.person_id, Assignment.template_id, PassportTemplate.name)
            .join(PassportTemplate, PassportTemplate.id == Assignment.template_id)
            .where(Assignment.person_id.in_([p.id for p, _ in moving]), Assignment.removed_on.is_(None),
                   Assignment.source == AssignmentSource.RULE)):
        given.setdefault(person_id, []).append((template_id, name))
    ending: dict[int, list[str]] = {}
    for person, change in moving:
        if person.id not in given:
            continue
        team = change["team"] if "team" in change else None
        after = SimpleNamespace(active=person.active,
                                team_id=(team.id if team else None) if "team" in change else person.team_id,
                                job_role=change.get("job_role", person.job_role))
        still = {rule.template_id for rule in rules if rule.matches(after)}
        names = sorted(name for template_id, name in given[person.id] if template_id not in still)
        if names:
            ending[person.id] = names
    return ending


def _assignment(actor: Person, person: Person, rule: AssignmentRule, today: dt.date) -> Assignment:
    assignment = Assignment(person_id=person.id, template_id=rule.template_id, assigned_on=today,
                            source=AssignmentSource.RULE, source_detail=rule.describe(), rule_id=rule.id,
                            assigned_by_id=actor.id)
    db.session.add(assignment)
    return assignment


def _log_added(actor: Person, assignment: Assignment, person: Person, rule: AssignmentRule, today: dt.date) -> None:
    audit.log(actor=actor, action=Action.ASSIGNMENT_ADDED, subject=assignment, person_id=person.id,
              summary=f"{rule.template.name} assigned to {person.name} by rule: {rule.describe()}",
              after={"template": rule.template.name, "assigned_on": today, "rule": rule.describe()})


def _add(actor: Person, person: Person, rule: AssignmentRule, today: dt.date) -> Assignment:
    assignment = _assignment(actor, person, rule, today)
    db.session.flush()
    _log_added(actor, assignment, person, rule, today)
    return assignment
