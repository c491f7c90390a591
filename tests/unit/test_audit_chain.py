"""The audit trail's hash chain, pure: a sealed stream verifies; an entry edited, deleted,
replaced by text that is no entry, renumbered or stripped of its hash is named as the first
broken one; re-sealing an edited entry moves the break to the next entry, never hides it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from omnigen.review.chain import GENESIS, link_hash, seal, verify
from omnigen.review.trail import AuditEntry, NewEntry, StoredEntry

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _stream(n: int) -> list[StoredEntry]:
    prev, out = GENESIS, []
    for seq in range(1, n + 1):
        detail = {"comment_id": f"c{seq}", "at_s": seq / 3, "text": f"note {seq} — ünïcode"}
        entry = NewEntry(stream="job:j", actor="rita", action="comment.added", version=1, detail=detail)
        saved = seal(entry, seq, T0 + timedelta(seconds=seq), prev)
        out.append(StoredEntry(seq=seq, data=saved.model_dump_json()))
        prev = saved.hash
    return out


def _edit(row: StoredEntry, **detail) -> StoredEntry:
    data = json.loads(row.data)
    data["detail"] |= detail
    return StoredEntry(seq=row.seq, data=json.dumps(data))


def test_a_sealed_stream_verifies_and_reports_its_head():
    rows = _stream(5)
    report = verify("job:j", rows)
    assert report.intact and report.first_broken is None
    assert report.entries == 5 and report.head_seq == 5
    assert report.head_hash == json.loads(rows[-1].data)["hash"] and report.head_hash.startswith("sha256:")
    # the stored JSON's key order and spacing are not what is sealed
    reordered = [StoredEntry(seq=r.seq, data=json.dumps(dict(reversed(json.loads(r.data).items())), indent=1))
                 for r in rows]  # fmt: skip
    assert verify("job:j", reordered).intact
    empty = verify("job:j", [])
    assert empty.intact and empty.head_seq == 0 and empty.head_hash == GENESIS


def test_an_edited_entry_is_named():
    rows = _stream(5)
    rows[2] = _edit(rows[2], text="approved long ago")
    report = verify("job:j", rows)
    assert not report.intact and report.first_broken.seq == 3
    assert "does not match its hash" in report.first_broken.reason


def test_resealing_an_edit_breaks_the_next_entry():
    rows = _stream(5)
    data = json.loads(_edit(rows[2], text="rewritten").data)
    entry = AuditEntry.model_validate(data)
    data["hash"] = link_hash(json.loads(rows[1].data)["hash"], entry)
    rows[2] = StoredEntry(seq=3, data=json.dumps(data))
    assert verify("job:j", rows).first_broken.seq == 4


def test_deleted_overwritten_renumbered_and_unhashed_entries_are_named():
    rows = _stream(5)
    gone = verify("job:j", rows[:1] + rows[2:])
    assert gone.first_broken.seq == 2 and "missing" in gone.first_broken.reason
    first_gone = verify("job:j", rows[1:])
    assert first_gone.first_broken.seq == 1
    two_gone = verify("job:j", rows[:1] + rows[3:])
    assert two_gone.first_broken.seq == 2 and "2–3" in two_gone.first_broken.reason
    junk = rows.copy()
    junk[3] = StoredEntry(seq=4, data="{}")
    assert verify("job:j", junk).first_broken.seq == 4
    assert "not an audit entry" in verify("job:j", junk).first_broken.reason
    moved = rows.copy()
    moved[1] = StoredEntry(seq=2, data=rows[3].data)  # entry 4's text copied over entry 2
    assert verify("job:j", moved).first_broken.seq == 2
    other = verify("job:k", rows)  # a stream's entries passed off as another's
    assert other.first_broken.seq == 1
    stripped = rows.copy()
    data = json.loads(rows[4].data)
    data["hash"] = ""
    stripped[4] = StoredEntry(seq=5, data=json.dumps(data))
    broken = verify("job:j", stripped).first_broken
    assert broken.seq == 5 and "no hash" in broken.reason


def test_a_changed_timestamp_or_actor_breaks_the_seal():
    for field, value in (("at", "2020-01-01T00:00:00Z"), ("actor", "mallory"), ("version", 2)):
        rows = _stream(3)
        data = json.loads(rows[1].data)
        data[field] = value
        rows[1] = StoredEntry(seq=2, data=json.dumps(data))
        assert verify("job:j", rows).first_broken.seq == 2, field


def test_entries_written_before_the_chain_are_unsealed_not_broken():
    old = {"stream": "job:j", "at": "2026-11-01T00:00:00Z", "actor": "alice", "action": "job.created"}
    legacy = [StoredEntry(seq=n, data=json.dumps(old | {"seq": n})) for n in (1, 2)]
    prev, rows = GENESIS, list(legacy)  # what the stores do: chain on from the last entry's (missing) hash
    for seq in (3, 4):
        saved = seal(NewEntry(stream="job:j", actor="rita", action="comment.added"), seq, T0, prev)
        rows.append(StoredEntry(seq=seq, data=saved.model_dump_json()))
        prev = saved.hash
    report = verify("job:j", rows)
    assert report.intact and report.unsealed == 2 and report.head_seq == 4
    assert verify("job:j", _stream(3)).unsealed == 0
    # stripping the hash off a sealed trail's first entry does not pass it off as unsealed
    rows = _stream(3)
    data = json.loads(rows[0].data)
    data["hash"] = ""
    rows[0] = StoredEntry(seq=1, data=json.dumps(data))
    stripped = verify("job:j", rows)
    assert stripped.first_broken.seq == 2 and stripped.unsealed == 1
