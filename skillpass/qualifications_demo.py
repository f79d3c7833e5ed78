"""The demo trust's qualifications (issue 17, PRODUCT.md §6.3): *Basic life support and first aid*, a passport
the Physiotherapy team holds, with Basic life support's yearly one-hour refresher and 3 months' grace, one
colleague in each case of the chain rule (demo_data.BLS_HISTORIES); the demo learner's first aid certificate,
expiring before the rule; and one mapping of credit across passports, the Care Certificate's health and safety
standard counting as the Core Skills subject, with a ward healthcare assistant met by it.

Called by demo.seed() after the people, their passports and their histories exist. Written with the models
directly (Item.refresher_title, Entry.activity, Entry.certificate_expires_on, CreditMapping); deterministic for a
given "today" (no random numbers)."""
from __future__ import annotations

import datetime as dt

from skillpass.demo_data import (
    BLS,
    BLS_ELSEWHERE,
    BLS_HISTORIES,
    CREDIT,
    FIRST_AID,
    FIRST_AID_CERTIFICATE,
    FIRST_AID_NOT_DONE,
    QUALIFICATION,
    demo_certificate,
)
from skillpass.extensions import db
from skillpass.models import (
    Assignment,
    Confirmation,
    CreditMapping,
    CreditTarget,
    Entry,
    EntryActivity,
    EntryMethod,
    EntryStatus,
    EvidenceRule,
    Item,
    ItemKind,
    OffsetUnit,
    PassportTemplate,
    Person,
    Section,
    TemplateStatus,
)
from skillpass.rules import add_months
from skillpass.services import evidence as evidence_service


def seed(today: dt.date, *, people: list[Person], team, learner: Person, ward: list[Person],
         care_items: list[Item], cstf_items: list[Item], admin: Person, educator: Person, assessor: Person,
         entries: list[Entry]) -> tuple[list[Assignment], list[Entry], list[Item]]:
    """The qualification passport given to *team* (the educator's), with its histories, and the credit mapping.
    Returns the assignments to add, *entries* with these added (and the credited person's own records of the
    target subject left out), and the new items."""
    template, items = _template(today)
    held = [Assignment(person_id=p.id, template_id=template.id, assigned_on=p.start_date, assigned_by_id=admin.id)
            for p in people if p.team_id == team.id]
    entries = entries + _histories([p for p in people if p.team_id == team.id], learner, items, educator, today)
    entries = _credit_across_passports(entries, ward, care_items, cstf_items, admin, assessor, today)
    return held, entries, items


def _utc(d: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(hour, 0), tzinfo=dt.timezone.utc)


def _template(today: dt.date) -> tuple[PassportTemplate, list[Item]]:
    """Basic life support (a full day, then a one-hour refresher every 12 months, 3 months' grace) and first aid
    at work, confirmed by the trainer who ran the session (PRODUCT.md §6.2)."""
    name, description = QUALIFICATION
    template = PassportTemplate(name=name, status=TemplateStatus.PUBLISHED, description=description)
    db.session.add(template)
    db.session.flush()
    # A section name of its own: each section of a passport page is a landmark named after it.
    section = Section(template_id=template.id, name="Within 2 weeks of joining, then kept up", offset_amount=2,
                      offset_unit=OffsetUnit.WEEKS, position=0)
    db.session.add(section)
    db.session.flush()
    common = dict(template_id=template.id, section_id=section.id, kind=ItemKind.LEARNING,
                  prior_learning_accepted=True, mandatory=True, evidence=EvidenceRule.OPTIONAL,
                  confirmation=Confirmation.EDUCATOR, added_on=today - dt.timedelta(days=6 * 365))
    items = [Item(position=0, **BLS, **common), Item(position=1, **FIRST_AID, **common)]
    db.session.add_all(items)
    db.session.flush()
    return template, items


def _accepted(person: Person, item: Item, on: dt.date, decider: Person, *, decided_on: dt.date,
              method: EntryMethod = EntryMethod.HERE, source: str = "", note: str = "",
              activity: EntryActivity = EntryActivity.INITIAL) -> Entry:
    return Entry(person_id=person.id, item_id=item.id, completed_on=on, method=method, equivalent_source=source,
                 note=note, status=EntryStatus.ACCEPTED, activity=activity, recorded_by_id=person.id,
                 recorded_at=_utc(on, 11), decided_by_id=decider.id, decided_by_name=decider.name,
                 decided_by_job_title=decider.job_role, decided_at=_utc(decided_on, 15))


def _histories(team: list[Person], learner: Person, items: list[Item], educator: Person, today: dt.date
               ) -> list[Entry]:
    """Each colleague's basic life support, one case of the chain rule each, and their first aid at work; the
    demo learner's first aid certificate expires in three weeks, earlier than the rule. Anything done before a
    person started was done at their last employer (equivalent training), approved when they joined; anything
    since was confirmed by the educator two days later."""
    bls, first_aid = items
    entries = []

    def done(person, item, on, activity=EntryActivity.INITIAL, source="", note=""):
        if on < person.start_date:
            entry = _accepted(person, item, on, educator, decided_on=person.start_date + dt.timedelta(days=3),
                              method=EntryMethod.EQUIVALENT,
                              source=source or BLS_ELSEWHERE[person.id % len(BLS_ELSEWHERE)], note=note,
                              activity=activity)
        else:
            entry = _accepted(person, item, on, educator, decided_on=min(today, on + dt.timedelta(days=2)),
                              note=note, activity=activity)
        entries.append(entry)
        return entry

    for person in team:
        if person is learner:
            done(person, bls, person.start_date + dt.timedelta(days=5))
            certificate = FIRST_AID_CERTIFICATE
            expires = today + dt.timedelta(days=certificate["expires_in_days"])
            on = add_months(expires, -12)
            entry = done(person, first_aid, on, source=certificate["source"], note=certificate["note"])
            entry.certificate_expires_on = expires
            entry.evidence_id = evidence_service.save(evidence_service.Checked(
                data=demo_certificate(person.name, "Emergency First Aid at Work", on, certificate["source"]),
                file_type=evidence_service.PDF, filename="First aid at work certificate.pdf"),
                person=person, actor=person).id
            continue
        for months, days, activity in BLS_HISTORIES.get(person.name, ()):
            done(person, bls, add_months(today, -months) - dt.timedelta(days=days), EntryActivity(activity))
        first = person.start_date + dt.timedelta(days=10)
        if first < today and person.name not in FIRST_AID_NOT_DONE:
            done(person, first_aid, first)
    return entries


def _credit_across_passports(entries, ward, care_items, cstf_items, admin, assessor, today) -> list[Entry]:
    """One mapping (demo_data.CREDIT). The first of the ward's healthcare assistants still holding the Care
    Certificate has no Core Skills record of that subject of their own, so their row is met by the standard."""
    source = next(i for i in care_items if i.title == CREDIT["source"])
    target = next(i for i in cstf_items if i.code == CREDIT["target_code"])
    mapping = CreditMapping(source_item_id=source.id, note=CREDIT["note"], created_by_id=admin.id,
                            created_at=_utc(today - dt.timedelta(days=60)))
    db.session.add(mapping)
    db.session.flush()
    db.session.add(CreditTarget(mapping_id=mapping.id, item_id=target.id))
    holder = next(iter(ward[1:]), None)     # ward[0] moved to a role that no longer needs the Care Certificate
    if holder is None:
        return entries
    entries = [e for e in entries if not (e.person_id == holder.id and e.item_id == target.id)]
    if not any(e.person_id == holder.id and e.item_id == source.id and e.status is EntryStatus.ACCEPTED
               for e in entries):
        on = min(holder.start_date + dt.timedelta(days=55), today - dt.timedelta(days=3))
        entries.append(_accepted(holder, source, on, assessor, decided_on=min(today, on + dt.timedelta(days=2))))
    return entries
