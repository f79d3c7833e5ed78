"""Varied passports for holding figures counted by the database to the walk's (tests/unit/test_counted_figures.py,
tests/views/test_team_page_counted.py): a second passport with a refresher item, a certificate item and an optional
item, manual handling credited to the first passport's stress item, and histories whose dates fall on and beside
the lapse forecast's window edges and the warning window."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from skillpass import rules
from skillpass.extensions import db
from skillpass.models import CreditMapping, CreditTarget, Entry, EntryActivity, EntryMethod, EntryStatus, Item, \
    PassportTemplate
from tests import factories
from tests.conftest import TODAY

# Days from today: each side of the forecast's windows (30, 60, 90) and of today, and one far beyond.
EDGES = [TODAY + dt.timedelta(days=d) for d in (-1, 0, 1, 29, 30, 31, 59, 60, 61, 89, 90, 91, 200)]


def entry(person, item, on, *, status=EntryStatus.ACCEPTED, refresher=False, own_expiry=None) -> None:
    db.session.add(Entry(person_id=person.id, item_id=item.id, completed_on=on, method=EntryMethod.HERE,
                         status=status, recorded_by_id=person.id,
                         activity=EntryActivity.REFRESHER if refresher else EntryActivity.INITIAL,
                         certificate_expires_on=own_expiry))


@dataclass
class Second:
    template: PassportTemplate
    bls: Item            # yearly, with a refresher and three months' grace
    handling: Item       # every three years; credited to the first passport's stress item
    certificate: Item    # every five years, or a certificate's own expiry
    optional: Item


def second_passport(world) -> Second:
    template = factories.template("Resuscitation and manual handling")
    week2 = factories.section(template, "Within 2 weeks", 2, "weeks")
    month1 = factories.section(template, "Within 1 month", 1, "months", position=1)
    bls = factories.item(week2, "Basic life support", frequency_months=12, code="BLS")
    bls.refresher_title, bls.grace_months = "BLS update", 3
    handling = factories.item(month1, "Manual handling", frequency_months=36, code="MH", position=1)
    certificate = factories.item(month1, "Driving licence check", frequency_months=60, position=2)
    optional = factories.item(month1, "Journal club", mandatory=False, position=3)
    mapping = CreditMapping(source_item_id=handling.id, created_by_id=world.admin.id)
    db.session.add(mapping)
    db.session.flush()
    db.session.add(CreditTarget(mapping_id=mapping.id, item_id=world.stress.id))
    return Second(template, bls, handling, certificate, optional)


def history(person, world, second: Second, pick) -> None:
    """*person*'s entries, drawn by *pick* (a seeded random.Random): expiring on an edge, long ago or never; a
    refresher, a certificate with its own expiry, the credited item, the optional item, a competency awaiting."""
    for item, months in ((world.fire, 24), (second.bls, 12), (second.handling, 36)):
        choice = pick.random()
        if choice < 0.6:
            entry(person, item, rules.add_months(pick.choice(EDGES), -months))
        elif choice < 0.75:
            entry(person, item, dt.date(2020, 6, 1))
    if pick.random() < 0.4:
        entry(person, second.bls, pick.choice(EDGES) - dt.timedelta(days=300), refresher=True)
    if pick.random() < 0.5:
        entry(person, second.certificate, dt.date(2025, 1, 1), own_expiry=pick.choice(EDGES))
    if pick.random() < 0.5:
        entry(person, world.stress, dt.date(2025, 6, 1))
    if pick.random() < 0.3:
        entry(person, second.optional, dt.date(2025, 6, 1))
    if pick.random() < 0.3:
        entry(person, world.competency, TODAY - dt.timedelta(days=3), status=EntryStatus.AWAITING)
