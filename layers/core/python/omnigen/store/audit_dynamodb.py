"""The audit trail in DynamoDB: partition `pk` (the stream), sort `seq` (a number), one item per entry.

Every write is a PutItem conditioned on `attribute_not_exists(pk)` — it lands only where no
entry is, so an entry is never overwritten, not even by a racing writer (who reads the new last
seq and tries the next). The functions' IAM grants PutItem, GetItem and Query on this table and
never UpdateItem or DeleteItem (tests/infrastructure checks the synthesized policy), so nothing
the application runs can rewrite the trail either. No TTL: entries are kept for good.

Each entry is sealed into the hash chain (`review.chain`) with the hash of the entry it read as
the last one; the put conditioned on that seq being free means two racing writers never both
chain from the same predecessor (the loser re-reads and seals onto the winner's entry), so the
chain cannot fork. The hash is also kept as its own attribute, so finding the predecessor reads
two small attributes, not the whole entry.
"""

from __future__ import annotations

import random
import time
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from omnigen.job import now
from omnigen.review.chain import GENESIS, seal
from omnigen.review.trail import AuditEntry, AuditRefused, NewEntry, StoredEntry
from omnigen.store.dynamodb import CLIENT_CONFIG, describe_error
from omnigen.store.ports import StoreError, parse_entries

APPEND_CONDITION = "attribute_not_exists(pk)"
MAX_ATTEMPTS = 20


class DynamoAuditLog:
    def __init__(self, table: str | None, client: Any = None):
        if not table:
            raise StoreError("DynamoAuditLog needs a table name (OMNIGEN_AUDIT_TABLE)")
        self.table = table
        self.db = client or boto3.client("dynamodb", config=CLIENT_CONFIG)

    def _last(self, stream: str) -> tuple[int, str]:
        """The stream's last seq and that entry's hash (0 and GENESIS when it has none yet)."""
        try:
            out = self.db.query(
                TableName=self.table,
                KeyConditionExpression="pk = :s",
                ExpressionAttributeValues={":s": {"S": stream}},
                ScanIndexForward=False,
                Limit=1,
                ConsistentRead=True,
                ProjectionExpression="seq, #h",
                ExpressionAttributeNames={"#h": "hash"},  # HASH is a reserved word
            )
        except (ClientError, BotoCoreError) as err:
            raise StoreError(describe_error(err, f"reading the audit trail of {stream}")) from err
        items = out.get("Items", [])
        if not items:
            return 0, GENESIS
        return int(items[0]["seq"]["N"]), items[0].get("hash", {}).get("S") or GENESIS

    def append(self, entry: NewEntry) -> AuditEntry:
        what = f"recording {entry.action} in the audit trail of {entry.stream}"
        for attempt in range(MAX_ATTEMPTS):
            seq, prev = self._last(entry.stream)
            saved = seal(entry, seq + 1, now(), prev)
            try:
                self.db.put_item(
                    TableName=self.table,
                    Item={
                        "pk": {"S": saved.stream},
                        "seq": {"N": str(saved.seq)},
                        "data": {"S": saved.model_dump_json()},
                        "hash": {"S": saved.hash},
                    },
                    ConditionExpression=APPEND_CONDITION,
                )
                return saved
            except ClientError as err:
                if err.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise StoreError(describe_error(err, what)) from err
            except BotoCoreError as err:
                raise StoreError(describe_error(err, what)) from err
            time.sleep(random.uniform(0, 0.02 * 2 ** min(attempt, 5)))  # someone took that seq: next one
        raise AuditRefused(f"{what} failed: {MAX_ATTEMPTS} writers in a row took the next entry first")

    def entries(self, stream: str, after_seq: int = 0) -> list[AuditEntry]:
        return parse_entries(stream, self.stored(stream, after_seq))

    def stored(self, stream: str, after_seq: int = 0) -> list[StoredEntry]:
        out: list[StoredEntry] = []
        query: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :s AND seq > :after",
            "ExpressionAttributeValues": {":s": {"S": stream}, ":after": {"N": str(after_seq)}},
            "ConsistentRead": True,
        }
        while True:
            try:
                page = self.db.query(**query)
            except (ClientError, BotoCoreError) as err:
                raise StoreError(describe_error(err, f"reading the audit trail of {stream}")) from err
            out.extend(StoredEntry(seq=int(i["seq"]["N"]), data=i["data"]["S"]) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return out
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
