"""The audit trail's hash chain: each entry stores the SHA-256 of the previous entry's hash and its
own canonical content, so an entry edited, deleted or inserted anywhere but at the end of the
stream breaks the chain at that entry, even when done by someone who dropped the store's
append-only guards (the SQLite file's owner, an operator with DynamoDB write rights). The head
hash, handed out with every export and package, pins the end: a trail cut short or re-sealed
from some entry on no longer ends at the head a recipient holds. A trail begun before entries
were sealed verifies with its leading unhashed run counted as `unsealed` (nothing proves those).
Pure: no I/O."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, ValidationError

from omnigen.review.trail import AuditEntry, NewEntry, StoredEntry

GENESIS = "sha256:" + "0" * 64
"""What the first entry of a stream chains from."""


def canonical(entry: AuditEntry) -> bytes:
    """The entry's content as hashed: every field but `hash`, as sorted compact JSON (the stored
    JSON's own key order and spacing are not part of what is sealed)."""
    body = entry.model_dump(mode="json", exclude={"hash"})
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link_hash(prev_hash: str, entry: AuditEntry) -> str:
    return "sha256:" + hashlib.sha256(prev_hash.encode() + b"\n" + canonical(entry)).hexdigest()


def seal(entry: NewEntry, seq: int, at: datetime, prev_hash: str) -> AuditEntry:
    """The stored form of `entry` as its stream's entry `seq`, chained to the entry before it."""
    unsealed = AuditEntry(**entry.model_dump(), seq=seq, at=at)
    return unsealed.model_copy(update={"hash": link_hash(prev_hash, unsealed)})


def stored_hash(data: str) -> str:
    """The hash an entry's stored text carries (what the next entry chains from); GENESIS when
    there is none to read, which makes the next entry's link fail verification visibly."""
    try:
        found = json.loads(data).get("hash")
    except (ValueError, AttributeError):
        return GENESIS
    return found if isinstance(found, str) and found else GENESIS


class ChainBreak(BaseModel):
    seq: int
    """The first entry whose place in the chain does not hold."""
    reason: str


class ChainReport(BaseModel):
    """Whether a stream's trail is as written: every entry present, numbered 1…n, each sealed to
    the one before. `head_hash` is the last entry's hash (what an export or package pins)."""

    stream: str
    intact: bool
    entries: int
    unsealed: int = 0
    """Leading entries written before the trail was chained (no hash): not broken, but nothing
    proves them; every entry after the first sealed one must carry its hash."""
    head_seq: int
    head_hash: str
    first_broken: ChainBreak | None = None


def verify(stream: str, stored: Iterable[StoredEntry]) -> ChainReport:
    rows = sorted(stored, key=lambda r: r.seq)
    prev, expected_seq, broken, unsealed = GENESIS, 1, None, 0
    for row in rows:
        legacy = unsealed == row.seq - 1 and _unsealed(stream, row)
        broken = None if legacy else _check(stream, row, prev, expected_seq)
        if broken is not None:
            break
        unsealed += legacy
        prev, expected_seq = stored_hash(row.data), row.seq + 1
    head = rows[-1] if rows else None
    return ChainReport(
        stream=stream,
        intact=broken is None,
        entries=len(rows),
        unsealed=unsealed,
        head_seq=head.seq if head else 0,
        head_hash=stored_hash(head.data) if head else GENESIS,
        first_broken=broken,
    )


def _unsealed(stream: str, row: StoredEntry) -> bool:
    """An entry of the leading run written before the chain: a readable entry in its place,
    with no hash."""
    try:
        entry = AuditEntry.model_validate_json(row.data)
    except ValidationError:
        return False
    return not entry.hash and entry.seq == row.seq and entry.stream == stream


def _check(stream: str, row: StoredEntry, prev: str, expected_seq: int) -> ChainBreak | None:
    if row.seq != expected_seq:
        missing = f"{expected_seq}" if row.seq == expected_seq + 1 else f"{expected_seq}–{row.seq - 1}"
        return ChainBreak(seq=expected_seq, reason=f"entry {missing} is missing: deleted from the store")
    try:
        entry = AuditEntry.model_validate_json(row.data)
    except ValidationError:
        return ChainBreak(seq=row.seq, reason=f"entry {row.seq} is not an audit entry any more: overwritten")
    if entry.seq != row.seq or entry.stream != stream:
        return ChainBreak(seq=row.seq, reason=f"entry {row.seq} says it is entry {entry.seq} of {entry.stream}")
    if not entry.hash:
        return ChainBreak(seq=row.seq, reason=f"entry {row.seq} carries no hash: written unchained or stripped")
    if link_hash(prev, entry) != entry.hash:
        return ChainBreak(
            seq=row.seq,
            reason=f"entry {row.seq} does not match its hash: it was changed, or an entry before it was",
        )
    return None
