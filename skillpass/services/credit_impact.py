"""What a credit mapping would change, before it is saved or ended: every row of its targets' subjects for
everyone holding them, worked out with and without it by the team figures' own loads and walk (so with the
rules every passport follows: each item its own frequency, the chain rule, certificates' own expiry), and
compared. A constant number of queries whatever the number of people."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, NamedTuple

from sqlalchemy import or_, select

from skillpass import rules
from skillpass.extensions import db
from skillpass.models import Assignment, CreditMapping, CreditTarget, Item, PassportTemplate, Person, TemplateStatus
from skillpass.services.credit import CreditMap, credit_map
from skillpass.services.credit_mappings import Proposal, item_label, view_of
from skillpass.services.figures.scope import columns_of, held_by_person, latest_completions, of_subjects
from skillpass.services.figures.walk import Plan, walk
from skillpass.services.impact import DateMove, Impact, Move
from skillpass.subjects import normalise_name, subject_key


@dataclass
class CreditImpact(Impact):
    """Whose rows a mapping (or ending one) changes, from which status to which, and whose dates move."""
    rows_changed: int = 0            # rows whose status, completion counted or expiry changes
    people_changed: int = 0

    @property
    def headline(self) -> str:
        if not self.people:
            return "Nobody holds a passport with these items: no row changes."
        if not self.rows_changed:
            return (f"No row changes for the {self.people} {'person' if self.people == 1 else 'people'} "
                    f"holding these items.")
        who = f"{self.people_changed} {'person' if self.people_changed == 1 else 'people'}"
        rows = f"{self.rows_changed} {'row' if self.rows_changed == 1 else 'rows'}"
        moved = ", ".join(self.sentences())
        return f"{rows} of {who} change" + (f": {moved}." if moved else "; no status changes, only dates.")


class _Holder(NamedTuple):
    id: int
    name: str
    start_date: object


def _impact(what: str, target_subjects: set[Hashable], *, before: CreditMap, after: CreditMap, today,
            warning_days: int, fingerprint: str = "") -> CreditImpact:
    """Every row of the target subjects for everyone holding them, worked out with the mappings *before*
    and *after* by the team figures' own walk (the rules every passport follows), and compared."""
    result = CreditImpact(what=what, fingerprint=fingerprint)
    if not target_subjects:
        return result
    template_ids = set(db.session.scalars(
        select(Item.template_id).join(PassportTemplate, PassportTemplate.id == Item.template_id)
        .where(Item.archived_at.is_(None), PassportTemplate.status == TemplateStatus.PUBLISHED,
               or_(*of_subjects(target_subjects))).distinct()))
    columns = [c for c in columns_of(template_ids) if subject_key(c.item.id, c.item.code) in target_subjects]
    holding = [Assignment.removed_on.is_(None), Person.active.is_(True), Assignment.template_id.in_(template_ids)]
    rows = db.session.execute(
        select(Person.id, Person.name, Person.start_date, Assignment.template_id, Assignment.assigned_on)
        .join(Assignment, Assignment.person_id == Person.id).where(*holding)
        .order_by(Person.name, Person.id, Assignment.assigned_on, Assignment.id)).all() if template_ids else []
    people = list({person_id: _Holder(person_id, name, start) for person_id, name, start, _, _ in rows}.values())
    result.people = len(people)
    if not columns or not people:
        return result
    held = held_by_person((person_id, template_id, on) for person_id, _, _, template_id, on in rows)
    ids = select(Assignment.person_id).join(Person, Person.id == Assignment.person_id).where(*holding)
    plans = [Plan(columns, today=today, warning_days=warning_days, cells=True) for _ in range(2)]
    titles = {c.item.id: item_label(c.item.title, c.template.name) for c in columns}
    walks = [walk(plan, people, held, latest_completions(ids, template_ids, credit=credit))
             for plan, credit in zip(plans, (before, after))]
    changed: set[int] = set()
    for (person, _, was, _), (_, _, becomes, _) in zip(*walks):
        for item_id, old in was.items():
            new = becomes[item_id]
            result.states += 1
            if (old.status, old.completed_on, old.expires_on) == (new.status, new.completed_on, new.expires_on):
                continue
            result.rows_changed += 1
            changed.add(person.id)
            if old.status is not new.status:
                result.moves.append(Move(person_id=person.id, person_name=person.name, item_title=titles[item_id],
                                         before=old.status, after=new.status))
            elif old.expires_on and new.expires_on and old.expires_on != new.expires_on:
                result.date_moves.append(DateMove(person.id, person.name, titles[item_id], "expiry",
                                                  old.expires_on, new.expires_on))
    result.people_changed = len(changed)
    result.before = rules.Compliance.of_tally(plans[0].overall)
    result.after = rules.Compliance.of_tally(plans[1].overall)
    return result


def _with(credit: CreditMap, proposal: Proposal) -> CreditMap:
    """The live mappings and the proposed one, as the rules read them."""
    targets = {subject_key(item.id, item.code) for item, _ in proposal.targets}
    if proposal.source_item is not None:
        source = subject_key(proposal.source_item.id, proposal.source_item.code)
        credit.by_subject[source] |= targets - {source}
    else:
        credit.by_name[normalise_name(proposal.qualification)] |= targets
    return credit


def preview(proposal: Proposal, *, today, warning_days: int) -> CreditImpact:
    """What saving *proposal* would change: every row of its targets' subjects, without and with it."""
    targets = {subject_key(item.id, item.code) for item, _ in proposal.targets}
    return _impact(proposal.words, targets, before=credit_map(), after=_with(credit_map(), proposal),
                   today=today, warning_days=warning_days, fingerprint=proposal.fingerprint)


def ending_preview(mapping: CreditMapping, *, today, warning_days: int) -> CreditImpact:
    """What ending *mapping* would change: the rows it meets go back to their own entries (or to another
    live mapping that meets them too)."""
    targets = {subject_key(item_id, code) for item_id, code in db.session.execute(
        select(Item.id, Item.code).join(CreditTarget, CreditTarget.item_id == Item.id)
        .where(CreditTarget.mapping_id == mapping.id))}
    if mapping.ended_at is not None:
        return CreditImpact(what=view_of(mapping).words)
    return _impact(view_of(mapping).words, targets, before=credit_map(),
                   after=credit_map(leaving_out=mapping.id), today=today, warning_days=warning_days)


