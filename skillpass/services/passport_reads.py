"""What a passport reads and never writes (services/passport.py): a person's entries and the items of their
passports, as plain rows (EntryRecord, ItemRecord: the same attributes and words as Entry and Item) rather than
mapped objects, which cost ten times as much to make. Each statement is built once: building it, and its cache
key, on every request cost more than running it."""
from __future__ import annotations

from sqlalchemy import bindparam, or_, select

from skillpass.extensions import db
from skillpass.models import Assignment, Entry, Item
from skillpass.models.entries import EntryRecord, entry_record_columns
from skillpass.models.templates import ItemRecord, item_record_columns

_ENTRIES = (select(*entry_record_columns())
            .where(Entry.person_id == bindparam("person_id"))
            .order_by(Entry.completed_on, Entry.recorded_at, Entry.id))
# The items of the passports held now, and any the person has history against.
_ITEMS = (select(*item_record_columns())
          .where(or_(Item.template_id.in_(select(Assignment.template_id).where(
                         Assignment.person_id == bindparam("person_id"), Assignment.removed_on.is_(None))),
                     Item.id.in_(select(Entry.item_id).where(Entry.person_id == bindparam("person_id")))))
          .order_by(Item.position, Item.id))


def entries_of(person_id: int) -> list[EntryRecord]:
    """Every entry of the person, oldest completion first (then as recorded)."""
    return [EntryRecord._make(r) for r in db.session.execute(_ENTRIES, {"person_id": person_id})]


def items_of(person_id: int) -> list[ItemRecord]:
    """The items of the passports the person holds, and any item they have history against, in passport order."""
    return [ItemRecord._make(r) for r in db.session.execute(_ITEMS, {"person_id": person_id})]
