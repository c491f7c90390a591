"""The contract every JobStore, AssetStore, KeyValue and UsageStore adapter must meet (SQLite/disk here; DynamoDB/S3
run the same functions on moto). Import the functions into a test module and call them with a
fresh store."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from omnigen.brief import parse_brief
from omnigen.job import Job, JobStatus, StatusError
from omnigen.store.ports import AssetStore, JobStore, KeyValue, NotFound, UsageStore
from omnigen.usage import Usage

BRIEF = parse_brief({
    "prompt": "A gardener gets back to her roses",
    "product": {"brand_name": "Veltrexa", "generic_name": "veltrexamab", "indication": "psoriasis",
                "side_effects": ["infections"]},
})


def new_job(user: str = "u1") -> Job:
    return Job(user_id=user, brief=BRIEF)


def job_store_contract(store: JobStore) -> None:
    a = store.create(new_job("alice"))
    assert a.seq == 1
    got = store.get(a.job_id)
    assert got is not None and got.brief == BRIEF and got.status == JobStatus.QUEUED
    assert store.get("nope") is None

    updated = store.update(a.job_id, lambda j: j.set_status(JobStatus.GENERATING_SCRIPT))
    assert updated.seq == 2 and updated.status == JobStatus.GENERATING_SCRIPT
    with pytest.raises(StatusError):
        store.update(a.job_id, lambda j: j.set_status(JobStatus.QUEUED))
    assert store.get(a.job_id).seq == 2  # a refused change writes nothing
    with pytest.raises(NotFound):
        store.update("missing", lambda j: None)

    events = store.events(a.job_id)
    assert [e.seq for e in events] == [1, 2]
    assert [e.seq for e in store.events(a.job_id, after_seq=1)] == [2]
    assert events[-1].status == JobStatus.GENERATING_SCRIPT

    # Concurrent updates from many threads: none lost, seq strictly increasing.
    def bump(n: int) -> None:
        for _ in range(n):
            store.update(a.job_id, lambda j: setattr(j, "cost_usd", j.cost_usd + 1))

    threads = [threading.Thread(target=bump, args=(5,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = store.get(a.job_id)
    assert final.cost_usd == 20 and final.seq == 22
    seqs = [e.seq for e in store.events(a.job_id)]
    assert seqs == sorted(set(seqs)) and seqs[-1] == 22

    # Listing: only the caller's jobs, newest first, paginated.
    b_jobs = [store.create(new_job("bob")) for _ in range(5)]
    listed = store.list_for_user("bob", limit=3)
    assert [j.job_id for j in listed] == [j.job_id for j in reversed(b_jobs)][:3]
    rest = store.list_for_user("bob", limit=3, before=listed[-1].job_id)
    assert [j.job_id for j in rest] == [j.job_id for j in reversed(b_jobs)][3:]
    assert all(j.user_id == "alice" for j in store.list_for_user("alice"))

    store.update(b_jobs[0].job_id, lambda j: j.set_status(JobStatus.COMPLETED))
    unfinished = {j.job_id for j in store.unfinished()}
    assert a.job_id in unfinished and b_jobs[0].job_id not in unfinished


def asset_store_contract(store: AssetStore, tmp: Path) -> None:
    key = "users/u1/jobs/j1/script.json"
    assert not store.exists(key)
    before = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)  # S3 keeps whole seconds
    store.put_bytes(key, b'{"a": 1}', "application/json")
    assert store.exists(key) and store.get_bytes(key) == b'{"a": 1}' and store.size(key) == 8
    written = store.modified(key)
    assert written.tzinfo is not None and before <= written <= datetime.now(UTC) + timedelta(seconds=1)
    with pytest.raises(NotFound):
        store.modified("users/u1/jobs/j1/missing.json")
    src = tmp / "clip.bin"
    src.write_bytes(bytes(range(256)) * 4000)
    store.put_file("users/u1/jobs/j1/clips/scene_1.mp4", src, "video/mp4")
    with store.local_path("users/u1/jobs/j1/clips/scene_1.mp4") as p:
        assert p.read_bytes() == src.read_bytes()
    with store.open_read("users/u1/jobs/j1/clips/scene_1.mp4") as chunks:
        assert b"".join(chunks) == src.read_bytes()
    assert store.list("users/u1/jobs/j1/") == [
        "users/u1/jobs/j1/clips/scene_1.mp4", "users/u1/jobs/j1/script.json"
    ]
    assert store.list("users/u2/") == []
    with pytest.raises(NotFound):
        store.get_bytes("users/u1/jobs/j1/missing.json")
    with pytest.raises(NotFound), store.local_path("users/u1/jobs/j1/missing.json"):
        pass
    store.delete(key)
    assert not store.exists(key)


def key_value_contract(kv: KeyValue) -> None:
    assert kv.kv_get("ns", "a") is None
    kv.kv_put("ns", "a", "1")
    kv.kv_put("ns", "a", "2")  # a put replaces
    assert kv.kv_get("ns", "a") == "2" and kv.kv_get("other", "a") is None
    assert kv.kv_put_if_absent("ns", "a", "3") == "2"
    assert kv.kv_put_if_absent("ns", "b", "first", ttl_s=60) == "first"
    kv.kv_delete("ns", "a")
    kv.kv_delete("ns", "never-there")  # deleting what is not there is no error
    assert kv.kv_get("ns", "a") is None and kv.kv_get("ns", "b") == "first"


def usage_store_contract(store: UsageStore) -> None:
    assert store.usage("alice", "2026-03") == Usage(month="2026-03")
    store.add_usage("alice", Usage(month="2026-03", jobs=1))
    store.add_usage("alice", Usage(month="2026-03", completed=1, video_seconds=30, cost_usd=1.25))
    store.add_usage("alice", Usage(month="2026-04", jobs=1))
    store.add_usage("bob", Usage(month="2026-03", jobs=5, cost_usd=9))
    assert store.usage("alice", "2026-03") == Usage(
        month="2026-03", jobs=1, completed=1, video_seconds=30.0, cost_usd=1.25
    )
    assert store.usage("alice", "2026-04").jobs == 1 and store.usage("bob", "2026-03").cost_usd == 9

    # The API counting new jobs and the steps ending them add at once: no count is lost.
    def add(n: int) -> None:
        for _ in range(n):
            store.add_usage("carol", Usage(month="2026-03", jobs=1, cost_usd=0.5))

    threads = [threading.Thread(target=add, args=(10,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.usage("carol", "2026-03") == Usage(month="2026-03", jobs=40, cost_usd=20.0)
