"""moto-backed AWS resources shaped like the deployed ones (keys, indexes, TTL), for the adapter
contract tests and the state-machine tests. The shapes come from the CDK config, so a change to
the tables there is a change here."""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `stacks` and `lambdas` live at the top of the repository
    sys.path.insert(0, str(ROOT))

from stacks import config  # noqa: E402

REGION = "us-east-1"


def _gsi(name: str, pk: str, sk: str) -> dict:
    return {
        "IndexName": name,
        "KeySchema": [{"AttributeName": pk, "KeyType": "HASH"}, {"AttributeName": sk, "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "ALL"},
    }


def create_tables(names: config.TableNames) -> None:
    db = boto3.client("dynamodb", region_name=REGION)
    s = "S"
    db.create_table(
        TableName=names.jobs,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": a, "AttributeType": s} for a in ("job_id", "sk", "user_id", "created_key", "open")
        ],
        KeySchema=[{"AttributeName": "job_id", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            _gsi(config.JOBS_BY_USER, "user_id", "created_key"),
            _gsi(config.JOBS_UNFINISHED, "open", "created_key"),
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )
    db.create_table(
        TableName=names.kv,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "key", "AttributeType": s}],
        KeySchema=[{"AttributeName": "key", "KeyType": "HASH"}],
    )
    db.create_table(
        TableName=names.connections,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": s} for a in ("connection_id", "sk", "job_id")],
        KeySchema=[
            {"AttributeName": "connection_id", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[_gsi(config.CONNECTIONS_BY_JOB, "job_id", "connection_id")],
    )
    db.create_table(
        TableName=names.usage,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": s} for a in ("user_id", "month")],
        KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"}, {"AttributeName": "month", "KeyType": "RANGE"}],
    )


def create_bucket(name: str) -> None:
    boto3.client("s3", region_name=REGION).create_bucket(Bucket=name)


def serialize_moto_puts() -> None:
    """DynamoDB checks a PutItem's condition and writes the item as one step; moto checks, then
    writes, without a lock, so two racing `attribute_not_exists` puts can both land, the second
    over the first. One lock around moto's put_item makes it behave like DynamoDB here, so the
    audit tests check our conditional append (and its chain) and not moto's race."""
    _serialize("put_item")


def _serialize(method: str) -> None:
    """Run moto's DynamoDB backend `method` under one lock (once per process)."""
    from moto.dynamodb.models import DynamoDBBackend

    original = getattr(DynamoDBBackend, method)
    if getattr(original, "_serialized", False):
        return
    lock = threading.Lock()

    @functools.wraps(original)
    def serialized(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with lock:
            return original(self, *args, **kwargs)

    serialized._serialized = True  # type: ignore[attr-defined]
    setattr(DynamoDBBackend, method, serialized)


def serialize_moto_transactions() -> None:
    """moto undoes a failed transaction by restoring a copy of the whole table taken when it began,
    which also undoes other threads' writes made meanwhile; DynamoDB isolates transactions. One
    lock around moto's transactions makes moto behave like DynamoDB here, so the concurrency tests
    check our optimistic writes and not moto's rollback."""
    _serialize("transact_write_items")


def serialize_moto_updates() -> None:
    """DynamoDB applies each UpdateItem atomically (an `ADD` from two writers at once adds both);
    moto reads, changes and writes the item without a lock, so concurrent ADDs lose counts. One
    lock around moto's update_item makes it behave like DynamoDB here, so the usage tests check
    our adapter and not moto's race."""
    _serialize("update_item")


@contextlib.contextmanager
def moto_stores(monkeypatch, names: config.TableNames, bucket: str) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """moto with the deployed tables and one bucket, test credentials, and transactions
    isolated as DynamoDB isolates them: the world the store adapters' tests run in."""
    from moto import mock_aws

    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(var, "testing")
    serialize_moto_transactions()
    with mock_aws():
        create_tables(names)
        create_bucket(bucket)
        yield
