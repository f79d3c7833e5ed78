"""Credit across passports as the date rules read it: which subjects (and named qualifications) count for
which others. One query whatever the number of mappings; used by the passport, the team figures and the
impact preview alike, so a mapping changes every screen at once."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Hashable

from sqlalchemy import select
from sqlalchemy.orm import aliased

from skillpass.extensions import db
from skillpass.models import CreditMapping, CreditTarget, Item
from skillpass.subjects import subject_key


@dataclass
class CreditMap:
    """by_subject: a source subject → the target subjects its accepted entries count for;
    by_name: a normalised qualification name → the target subjects an equivalent-training entry naming it
    counts for; words: (source, target subject) → what the row says met it ("Care Certificate standard 13")."""
    by_subject: dict[Hashable, set[Hashable]] = field(default_factory=lambda: defaultdict(set))
    by_name: dict[str, set[Hashable]] = field(default_factory=lambda: defaultdict(set))
    words: dict[tuple[Hashable, Hashable], str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.by_subject or self.by_name)

    def targets_of(self, subject: Hashable, *, method_equivalent: bool = False, source_name_key: str = ""
                   ) -> set[Hashable]:
        """The target subjects an accepted entry of *subject* (and, for equivalent training, naming
        *source_name_key*) counts for, beyond its own."""
        found = set(self.by_subject.get(subject, ()))
        if method_equivalent and source_name_key:
            found |= self.by_name.get(source_name_key, set())
        found.discard(subject)
        return found

    def met_by(self, source: Hashable, target: Hashable) -> str:
        return self.words.get((source, target), "")


_LIVE = None


def _live_mappings():
    """The statement every page reads mappings with, built once: the passport asks it on every look."""
    global _LIVE
    if _LIVE is None:
        source = aliased(Item, name="credit_source")
        target = aliased(Item, name="credit_target_item")
        _LIVE = (select(CreditMapping.id, CreditMapping.source_item_id, source.code, source.title,
                        CreditMapping.source_qualification, CreditMapping.source_key, target.id, target.code)
                 .join(CreditTarget, CreditTarget.mapping_id == CreditMapping.id)
                 .join(target, target.id == CreditTarget.item_id)
                 .outerjoin(source, source.id == CreditMapping.source_item_id)
                 .where(CreditMapping.ended_at.is_(None)))
    return _LIVE


def credit_map(*, leaving_out: int | None = None) -> CreditMap:
    """Every live mapping, as subjects. A target is a subject (PRODUCT.md §6.1): credit for an item counts
    for every item of its code, as a record of it would. *leaving_out*: a mapping's id, read as if it were
    ended already (what ending it would change). One query, a plain row read (no ORM objects)."""
    result = CreditMap()
    rows = [row[1:] for row in db.session.connection().execute(_live_mappings()).all() if row[0] != leaving_out]
    for source_id, source_code, source_title, qualification, key, target_id, target_code in rows:
        to = subject_key(target_id, target_code)
        if source_id is not None:
            frm = subject_key(source_id, source_code)
            result.by_subject[frm].add(to)
            result.words[(frm, to)] = source_title
        else:
            result.by_name[key].add(to)
            result.words[(("qualification", key), to)] = qualification
    return result
