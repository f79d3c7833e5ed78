"""The Bitstring Status List (W3C, v1.0) that revokes credentials: one bit per entry, at the entry's id.

A credential's bit is set once its entry no longer counts as it did when issued: revoked, corrected
(superseded), or an approval undone (awaiting again). It is derived from the entries every time, so it cannot
disagree with them. The list is at least 131,072 bits long (16 KB before compression), as the specification
asks, so that a list's size says nothing about how many people an organisation has.
"""
from __future__ import annotations

import base64
import gzip
import zlib

from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.models import Entry, EntryStatus

MIN_BITS = 131_072
LIST_TYPE = "BitstringStatusListCredential"


def encode(indices, *, length: int) -> str:
    """The encodedList of a status list: the bitstring (bit 0 is the left-most bit of the first byte), GZIP
    compressed, base64url without padding, with the multibase prefix "u"."""
    bits = bytearray(length // 8)
    for index in indices:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).rstrip(b"=").decode()


# The largest bitstring read from another issuer: 16 MB is 134 million entries. A list that inflates past it (a
# "gzip bomb": a few kilobytes that decompress to gigabytes) is refused without ever being inflated whole.
MAX_DECODED_BYTES = 16 * 1024 * 1024


def decode(encoded: str, *, limit: int = MAX_DECODED_BYTES) -> bytes:
    """The bitstring of an encodedList (the multibase "u" prefix optional). ValueError when it is not one, or
    when it would inflate to more than *limit* bytes."""
    text = encoded[1:] if encoded.startswith("u") else encoded
    if len(text) > limit:           # compressed text larger than the largest list: nothing to inflate
        raise ValueError("the status list is too large")
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)          # GZIP only
    try:
        bits = inflater.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), limit + 1)
    except zlib.error as error:
        raise ValueError(f"the status list is not GZIP data: {error}") from error
    if len(bits) > limit or inflater.unconsumed_tail:
        raise ValueError("the status list inflates past its largest size")
    if not inflater.eof:
        raise ValueError("the status list is cut short")
    return bits


def bit(bitstring: bytes, index: int) -> bool:
    if index < 0 or index // 8 >= len(bitstring):
        raise IndexError(f"status list index {index} is outside the list")
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


def length_for(largest_index: int) -> int:
    """Whole multiples of MIN_BITS, enough to hold *largest_index*."""
    return max(MIN_BITS, ((largest_index // MIN_BITS) + 1) * MIN_BITS)


REVOKING = (EntryStatus.REVOKED, EntryStatus.SUPERSEDED, EntryStatus.AWAITING, EntryStatus.WITHDRAWN,
            EntryStatus.REJECTED)


def revoked_indices() -> tuple[list[int], int]:
    """The set bits (entries that do not count as accepted: a credential issued for one of them is revoked),
    and the list's length. Two queries, whatever the number of entries."""
    largest = db.session.scalar(select(func.max(Entry.id))) or 0
    ids = list(db.session.scalars(select(Entry.id).where(Entry.status.in_(REVOKING))))
    return ids, length_for(largest)


def list_credential(*, issuer: dict, list_url: str, valid_from: str) -> dict:
    """The BitstringStatusListCredential (unsigned: issuing.py signs it as a VC-JWT)."""
    from skillpass.services.credentials.ob3 import VC_CONTEXT

    ids, length = revoked_indices()
    return {
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", LIST_TYPE],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode(ids, length=length),
        },
    }
