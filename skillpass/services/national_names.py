"""The national names items answer to (PRODUCT.md §6.1): read for many items in one query, written for
one item (rows replaced only where the list changed), and the lookups imports match on."""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import delete, select

from skillpass.extensions import db
from skillpass.models import Item, ItemName, PassportTemplate, TemplateStatus
from skillpass.subjects import normalise_name, subject_key


def names_of(item_ids: Iterable[int]) -> dict[int, list[str]]:
    """The names each item lists, in the order written: {item id: [name, …]}, one query."""
    ids = list(set(item_ids))
    found: dict[int, list[str]] = {}
    if not ids:
        return found
    for item_id, name in db.session.execute(
            select(ItemName.item_id, ItemName.name).where(ItemName.item_id.in_(ids))
            .order_by(ItemName.item_id, ItemName.position, ItemName.id)):
        found.setdefault(item_id, []).append(name)
    return found


def set_names(item: Item, names: list[str]) -> bool:
    """Make *names* the item's list; True if it changed (what the caller audits)."""
    current = names_of([item.id]).get(item.id, [])
    if current == list(names):
        return False
    db.session.execute(delete(ItemName).where(ItemName.item_id == item.id))
    db.session.add_all(ItemName(item_id=item.id, position=i, name=name, normalised=normalise_name(name))
                       for i, name in enumerate(names))
    db.session.flush()
    return True


def listed_elsewhere(template_id: int, names: list[str], *, except_item_id: int | None) -> dict[str, str]:
    """The names (normalised) already listed by another live item of the same passport: {name: its title}.
    Two items of one passport answering to one name would leave an import guessing."""
    wanted = {normalise_name(n) for n in names}
    if not wanted:
        return {}
    rows = db.session.execute(
        select(ItemName.normalised, Item.title).join(Item, Item.id == ItemName.item_id)
        .where(Item.template_id == template_id, Item.archived_at.is_(None), ItemName.normalised.in_(wanted),
               *([Item.id != except_item_id] if except_item_id is not None else [])))
    return {normalised: title for normalised, title in rows}


def listed_by_another_subject(names: list[str], *, code: str | None, item_id: int | None) -> dict[str, str]:
    """The names (normalised) a live item of another passport already lists as *another* subject (another
    code, or no code): {name: "its title (its passport)"}. An import could not tell which one a row means,
    and would refuse every file that names it."""
    wanted = {normalise_name(n) for n in names}
    if not wanted:
        return {}
    rows = db.session.execute(
        select(ItemName.normalised, Item.id, Item.code, Item.title, PassportTemplate.name)
        .join(Item, Item.id == ItemName.item_id).join(PassportTemplate, PassportTemplate.id == Item.template_id)
        .where(ItemName.normalised.in_(wanted), Item.archived_at.is_(None),
               PassportTemplate.status != TemplateStatus.ARCHIVED,
               *([Item.id != item_id] if item_id is not None else [])))
    mine = subject_key(item_id if item_id is not None else -1, code)
    return {normalised: f"{title} ({passport})" for normalised, other_id, other_code, title, passport in rows
            if subject_key(other_id, other_code) != mine}


def all_names() -> list[tuple[int, str, str]]:
    """(item id, name, normalised) of every listed name: what an import matches rows on."""
    return [tuple(r) for r in db.session.execute(select(ItemName.item_id, ItemName.name, ItemName.normalised))]
