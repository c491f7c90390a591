"""The DynamoDB and S3 adapters meet the same contract as SQLite and disk (on moto)."""

from __future__ import annotations

import time

import pytest
from aws_fixtures import REGION, moto_stores, serialize_moto_updates
from store_contract import asset_store_contract, job_store_contract, key_value_contract, new_job, usage_store_contract

from omnigen.job import JobStatus
from omnigen.store.dynamodb import DynamoJobStore, DynamoUsageStore
from omnigen.store.ports import NotFound, StoreError
from omnigen.store.s3 import S3AssetStore
from stacks.config import TableNames

NAMES = TableNames()
BUCKET = "omnigen-assets-test"


@pytest.fixture
def aws(monkeypatch):
    with moto_stores(monkeypatch, NAMES, BUCKET):
        yield


def jobs() -> DynamoJobStore:
    return DynamoJobStore(NAMES.jobs, NAMES.kv)


def test_dynamodb_job_store_contract(aws):
    job_store_contract(jobs())


def test_dynamodb_key_value_and_usage_contracts(aws):
    serialize_moto_updates()
    key_value_contract(jobs())
    usage_store_contract(DynamoUsageStore(NAMES.usage))


def test_s3_asset_store_contract(aws, tmp_path):
    asset_store_contract(S3AssetStore(BUCKET), tmp_path)


def test_s3_range_read_and_keys_checked(aws):
    store = S3AssetStore(BUCKET)
    store.put_bytes("k/v.bin", bytes(range(100)))
    with store.open_read("k/v.bin", start=10, end=19) as chunks:
        assert b"".join(chunks) == bytes(range(10, 20))
    with store.open_read("k/v.bin", start=90) as chunks:
        assert b"".join(chunks) == bytes(range(90, 100))
    with pytest.raises(NotFound), store.open_read("k/missing.bin"):
        pass
    for bad in ("../x", "/etc/passwd", "a/../../b", ""):
        with pytest.raises(StoreError):
            store.put_bytes(bad, b"x")


def test_s3_tags_intermediate_assets_for_the_lifecycle_rule(aws):
    import boto3

    store = S3AssetStore(BUCKET)
    store.put_bytes("users/u/uploads/a.png", b"png", "image/png")
    store.put_bytes("users/u/jobs/j/final/output.mp4", b"mp4", "video/mp4")
    s3 = boto3.client("s3", region_name=REGION)
    tags = s3.get_object_tagging(Bucket=BUCKET, Key="users/u/uploads/a.png")["TagSet"]
    assert tags == [{"Key": "omnigen-lifecycle", "Value": "intermediate"}]
    assert s3.get_object_tagging(Bucket=BUCKET, Key="users/u/jobs/j/final/output.mp4")["TagSet"] == []
    assert s3.head_object(Bucket=BUCKET, Key="users/u/jobs/j/final/output.mp4")["ContentType"] == "video/mp4"
    url, headers = store.presigned_put("users/u/uploads/b.png", "image/png", 1234)
    assert "X-Amz-Signature" in url and headers["Content-Type"] == "image/png"
    assert "X-Amz-Signature" in store.presigned_get("users/u/uploads/a.png")


def test_dynamodb_kv_is_put_if_absent_with_expiry(aws):
    store = jobs()
    assert store.kv_get("idem:u", "k1") is None
    assert store.kv_put_if_absent("idem:u", "k1", "first", 60) == "first"
    assert store.kv_put_if_absent("idem:u", "k1", "second", 60) == "first"
    assert store.kv_get("idem:u", "k1") == "first"
    store.kv_put("idem:u", "old", "stale", ttl_s=1)
    time.sleep(2.1)
    assert store.kv_get("idem:u", "old") is None
    assert store.kv_put_if_absent("idem:u", "old", "fresh") == "fresh"


def test_dynamodb_pages_past_one_query_and_keeps_terminal_jobs_out_of_unfinished(aws):
    store = jobs()
    made = [store.create(new_job("carol")) for _ in range(7)]
    seen, cursor = [], None
    while True:
        page = store.list_for_user("carol", limit=3, before=cursor)
        seen += [j.job_id for j in page]
        if len(page) < 3:
            break
        cursor = page[-1].job_id
    assert seen == [j.job_id for j in reversed(made)]
    assert store.list_for_user("dave", before=made[0].job_id) == []  # another user's cursor
    store.update(made[0].job_id, lambda j: j.set_status(JobStatus.CANCELLED))
    assert made[0].job_id not in {j.job_id for j in store.unfinished()}


def test_missing_table_names_the_setting(aws):
    with pytest.raises(StoreError, match="OMNIGEN_JOBS_TABLE"):
        DynamoJobStore(None)
    with pytest.raises(StoreError, match="OMNIGEN_KV_TABLE"):
        DynamoJobStore(NAMES.jobs).kv_get("a", "b")
    with pytest.raises(StoreError, match="does not exist"):
        DynamoJobStore("no-such-table").get("x")
