import multiprocessing
import sqlite3
from pathlib import Path

import pytest
from store_contract import (
    asset_store_contract,
    job_store_contract,
    key_value_contract,
    new_job,
    usage_store_contract,
)

from omnigen.store.filesystem import FileAssetStore
from omnigen.store.ports import StoreError
from omnigen.store.sqlite import SqliteJobStore


def test_sqlite_job_store_contract(tmp_path):
    job_store_contract(SqliteJobStore(tmp_path / "omnigen.db"))


def test_sqlite_key_value_and_usage_contracts(tmp_path):
    store = SqliteJobStore(tmp_path / "omnigen.db")
    key_value_contract(store)
    usage_store_contract(store)
    reopened = SqliteJobStore(tmp_path / "omnigen.db")  # usage is kept with the jobs, across restarts
    assert reopened.usage("carol", "2026-03").jobs == 40


def _bump(path: str, job_id: str, times: int) -> None:
    store = SqliteJobStore(Path(path))
    for _ in range(times):
        store.update(job_id, lambda j: setattr(j, "cost_usd", j.cost_usd + 1))


def test_sqlite_updates_from_several_processes_are_none_lost(tmp_path):
    """The server and its job workers write the same database: every change lands once, in order."""
    path = tmp_path / "jobs.db"
    store = SqliteJobStore(path)
    job = store.create(new_job("alice"))
    spawn = multiprocessing.get_context("spawn")
    workers = [spawn.Process(target=_bump, args=(str(path), job.job_id, 15)) for _ in range(2)]
    for w in workers:
        w.start()
    _bump(str(path), job.job_id, 15)
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    final = store.get(job.job_id)
    assert final is not None and final.cost_usd == 45 and final.seq == 46
    assert [e.seq for e in store.events(job.job_id)] == list(range(1, 47))


def test_sqlite_uses_wal_and_survives_reopen(tmp_path):
    path = tmp_path / "omnigen.db"
    store = SqliteJobStore(path)
    job = store.create(new_job())
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    again = SqliteJobStore(path)
    assert again.get(job.job_id).job_id == job.job_id
    assert [e.seq for e in again.events(job.job_id)] == [1]


def test_file_asset_store_contract(tmp_path):
    asset_store_contract(FileAssetStore(tmp_path / "assets"), tmp_path)


def test_file_store_rejects_escaping_keys(tmp_path):
    store = FileAssetStore(tmp_path / "assets")
    for bad in ("../x", "/etc/passwd", "a/../../b", ""):
        with pytest.raises(StoreError):
            store.put_bytes(bad, b"x")


def test_file_store_range_read(tmp_path):
    store = FileAssetStore(tmp_path)
    store.put_bytes("k/v.bin", bytes(range(100)))
    with store.open_read("k/v.bin", start=10, end=19) as chunks:
        assert b"".join(chunks) == bytes(range(10, 20))


def test_read_only_disk_names_the_fix(tmpfs):
    from conftest import remount_read_only

    remount_read_only(tmpfs)
    with pytest.raises(StoreError, match="read-only"):
        FileAssetStore(tmpfs).put_bytes("a/b.txt", b"x")


def test_full_disk_names_the_fix_and_leaves_no_partial_file(tmpfs):
    store = FileAssetStore(tmpfs)
    with pytest.raises(StoreError, match="full"):
        store.put_bytes("a/big.bin", b"x" * (8 * 1024 * 1024))
    assert not store.exists("a/big.bin")
    assert store.list("a") == []
