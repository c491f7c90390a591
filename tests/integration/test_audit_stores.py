"""The audit trail's two backings keep one contract: entries numbered 1, 2, 3 … per stream, in
order, none lost when writers race; and neither lets an entry be rewritten — SQLite by triggers
on any connection, DynamoDB by the conditional put (the IAM side is checked on the template). And
what is rewritten around those guards anyway (the SQLite file's owner drops the triggers; an
operator puts over an item) shows: the hash chain names the first entry that no longer holds."""

from __future__ import annotations

import sqlite3
import threading

import boto3
import pytest
from aws_fixtures import REGION, serialize_moto_puts
from moto import mock_aws

from omnigen.review.chain import verify
from omnigen.review.trail import NewEntry
from omnigen.store.audit_dynamodb import APPEND_CONDITION, DynamoAuditLog
from omnigen.store.audit_sqlite import SqliteAuditLog
from omnigen.store.ports import StoreError
from omnigen.store.sqlite import SqliteJobStore

TABLE = "omnigen-audit-test"


def _entry(stream: str, n: int) -> NewEntry:
    return NewEntry(stream=stream, actor=f"user{n}", action="comment.added", version=1, detail={"n": n})


def audit_contract(log) -> None:
    first = log.append(_entry("job:a", 0))
    assert first.seq == 1 and first.at is not None and first.actor == "user0"
    log.append(_entry("job:b", 0))
    threads = [threading.Thread(target=log.append, args=(_entry("job:a", n),)) for n in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    entries = log.entries("job:a")
    assert [e.seq for e in entries] == list(range(1, 10))
    assert sorted(e.detail["n"] for e in entries) == list(range(9))
    assert [e.seq for e in log.entries("job:a", after_seq=7)] == [8, 9]
    assert [e.seq for e in log.entries("job:b")] == [1]
    # racing writers never fork the chain: each sealed onto the entry that really came before it
    report = verify("job:a", log.stored("job:a"))
    assert report.intact and report.head_seq == 9 and report.head_hash == entries[-1].hash
    assert len({e.hash for e in entries}) == 9


def test_sqlite_audit_contract_and_refusals(tmp_path):
    log = SqliteAuditLog(SqliteJobStore(tmp_path / "omnigen.db"))
    audit_contract(log)
    before = log.entries("job:a")
    other = sqlite3.connect(tmp_path / "omnigen.db")  # not ours: the database itself refuses
    for statement in (
        "UPDATE audit SET data = '{}' WHERE seq = 1",
        "DELETE FROM audit WHERE stream = 'job:a'",
        "INSERT OR REPLACE INTO audit VALUES ('job:a', 1, '{}')",
        "REPLACE INTO audit VALUES ('job:a', 2, '{}')",
    ):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            other.execute(statement)
    other.close()  # (its aborted statements leave an open transaction holding the write lock)
    assert log.entries("job:a") == before
    # a second opening of the store (a restart) keeps the triggers and the entries
    again = SqliteAuditLog(SqliteJobStore(tmp_path / "omnigen.db"))
    assert again.entries("job:a") == before and again.append(_entry("job:a", 99)).seq == 10


def test_sqlite_rewrites_past_dropped_triggers_are_detected(tmp_path):
    log = SqliteAuditLog(SqliteJobStore(tmp_path / "omnigen.db"))
    for n in range(6):
        log.append(_entry("job:a", n))
    assert verify("job:a", log.stored("job:a")).intact
    owner = sqlite3.connect(tmp_path / "omnigen.db", isolation_level=None)  # the file's owner, with sqlite3 itself
    for trigger in ("audit_no_update", "audit_no_delete", "audit_no_overwrite"):
        owner.execute(f"DROP TRIGGER {trigger}")
    owner.execute(
        "UPDATE audit SET data = json_set(data, '$.detail.n', 42) WHERE stream = 'job:a' AND seq = 3"
    )
    edited = verify("job:a", log.stored("job:a"))
    assert not edited.intact and edited.first_broken.seq == 3, edited
    assert log.entries("job:a")[2].detail["n"] == 42  # the edit took: only the chain tells
    owner.execute("UPDATE audit SET data = json_set(data, '$.detail.n', 2) WHERE stream = 'job:a' AND seq = 3")
    assert verify("job:a", log.stored("job:a")).intact  # put back as it was: whole again
    owner.execute("DELETE FROM audit WHERE stream = 'job:a' AND seq = 5")
    deleted = verify("job:a", log.stored("job:a"))
    assert deleted.first_broken.seq == 5 and "missing" in deleted.first_broken.reason
    owner.execute("UPDATE audit SET seq = seq - 1 WHERE stream = 'job:a' AND seq = 6")  # close the gap
    renumbered = verify("job:a", log.stored("job:a"))
    assert renumbered.first_broken.seq == 5, renumbered
    owner.execute("UPDATE audit SET data = 'not json' WHERE stream = 'job:a' AND seq = 2")
    assert verify("job:a", log.stored("job:a")).first_broken.seq == 2
    with pytest.raises(StoreError, match="entry 2 of the audit trail of job:a is not an audit entry"):
        log.entries("job:a")
    owner.close()


@pytest.fixture
def dynamo(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(var, "testing")
    serialize_moto_puts()
    with mock_aws():
        db = boto3.client("dynamodb", region_name=REGION)
        db.create_table(  # the shape stacks/storage.py gives the Audit table
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "seq", "AttributeType": "N"},
            ],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "seq", "KeyType": "RANGE"}],
        )
        yield db


def test_dynamodb_audit_contract_and_conditional_put(dynamo):
    log = DynamoAuditLog(TABLE, client=dynamo)
    audit_contract(log)
    item = {"pk": {"S": "job:a"}, "seq": {"N": "1"}, "data": {"S": "{}"}}
    with pytest.raises(dynamo.exceptions.ConditionalCheckFailedException):
        dynamo.put_item(TableName=TABLE, Item=item, ConditionExpression=APPEND_CONDITION)
    assert log.entries("job:a")[0].actor == "user0"
    # an operator's unconditional put over an item (what the app's IAM never grants) shows
    data = log.entries("job:a")[4].model_copy(update={"actor": "mallory"}).model_dump_json()
    dynamo.put_item(TableName=TABLE, Item={"pk": {"S": "job:a"}, "seq": {"N": "5"}, "data": {"S": data}})
    report = verify("job:a", log.stored("job:a"))
    assert not report.intact and report.first_broken.seq == 5, report
    dynamo.delete_item(TableName=TABLE, Key={"pk": {"S": "job:a"}, "seq": {"N": "2"}})
    assert verify("job:a", log.stored("job:a")).first_broken.seq == 2
