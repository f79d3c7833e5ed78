"""Subjects in queries (PRODUCT.md §6.1): the items that share an item's code are one subject."""
from __future__ import annotations

from sqlalchemy import Select, func, select

from skillpass.models import Item
from skillpass.subjects import normalise_code


def same_subject(item: Item) -> Select:
    """The ids of every item of *item*'s subject (for an item without a code, itself), for an IN (...)."""
    code = normalise_code(item.code)
    if not code:
        return select(Item.id).where(Item.id == item.id)
    return select(Item.id).where(func.upper(func.trim(Item.code)) == code)
