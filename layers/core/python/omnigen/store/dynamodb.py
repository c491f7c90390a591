"""Jobs in DynamoDB, as the Lambdas run them.

The jobs table (partition `job_id`, sort `sk`) holds one `sk="job"` item per job — the job as a JSON
document plus the attributes we query by — and one `sk="event#<seq>"` item per saved change, so the
progress feed can replay events after `Last-Event-ID`. `update` is optimistic: read, apply, then a
transaction that writes the job only if its `seq` is still the one read, together with the new
event; on conflict it reads again and retries with jittered backoff.

Indexes: `by_user` (user_id, created_key) lists a user's jobs newest first; `unfinished`
(open, created_key) is sparse — only jobs not in a terminal status carry `open`.

Idempotency keys and other small values live in a key-value table (`kv_table`, one `key`
attribute), with a TTL attribute `expires_at` that DynamoDB also expires: the `KeyValue` port.
Each user's monthly usage is `DynamoUsageStore`, the `UsageStore` port, in its own table.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from datetime import UTC
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from omnigen.job import Job, ProgressEvent, now
from omnigen.safe_text import STORED
from omnigen.store.ports import NotFound, StoreError
from omnigen.store.tables import JOBS_BY_USER as BY_USER
from omnigen.store.tables import JOBS_UNFINISHED as UNFINISHED
from omnigen.store.tables import TTL_ATTRIBUTE
from omnigen.usage import Usage

JOB_SK = "job"
EVENT_PREFIX = "event#"
EVENT_TTL_S = 30 * 24 * 3600
MAX_ATTEMPTS = 60
CLIENT_CONFIG = Config(
    connect_timeout=5,
    read_timeout=20,
    retries={"mode": "standard", "max_attempts": 5},
)


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: float) -> dict[str, str]:
    return {"N": str(value)}


def created_key(job: Job) -> str:
    """Sorts like (created_at, job_id): a fixed-width UTC timestamp, then the id."""
    return job.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") + "#" + job.job_id


def _event_sk(seq: int) -> str:
    return f"{EVENT_PREFIX}{seq:012d}"


def describe_error(err: Exception, what: str) -> str:
    """What failed and why, in words that say what to check (table, role, throttling)."""
    if isinstance(err, ClientError):
        code = err.response.get("Error", {}).get("Code", "")
        message = err.response.get("Error", {}).get("Message", "")
        if code == "ResourceNotFoundException":
            return f"{what} failed: the DynamoDB table does not exist or is not reachable ({message})"
        if code in ("AccessDeniedException", "UnrecognizedClientException"):
            return f"{what} failed: this role may not use the DynamoDB table ({message})"
        return f"{what} failed: DynamoDB said {code}: {message}"
    return f"{what} failed: {err}"


class DynamoJobStore:
    def __init__(self, table: str | None, kv_table: str | None = None, client: Any = None):
        if not table:
            raise StoreError("DynamoJobStore needs a table name (OMNIGEN_JOBS_TABLE)")
        self.table = table
        self._kv_table = kv_table or os.environ.get("OMNIGEN_KV_TABLE")
        self.db = client or boto3.client("dynamodb", config=CLIENT_CONFIG)

    # -- helpers ------------------------------------------------------------------------------

    def _call(self, what: str, op: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return getattr(self.db, op)(**kwargs)  # type: ignore[no-any-return]
        except (ClientError, BotoCoreError) as err:
            raise StoreError(describe_error(err, what)) from err

    def _job_item(self, job: Job) -> dict[str, Any]:
        item = {
            "job_id": _s(job.job_id),
            "sk": _s(JOB_SK),
            "user_id": _s(job.user_id),
            "created_key": _s(created_key(job)),
            "status": _s(job.status.value),
            "seq": _n(job.seq),
            "data": _s(job.record_json()),
        }
        if not job.status.terminal:
            item["open"] = _s("1")
        return item

    def _event_item(self, job: Job) -> dict[str, Any]:
        return {
            "job_id": _s(job.job_id),
            "sk": _s(_event_sk(job.seq)),
            "data": _s(job.event().record_json()),
            TTL_ATTRIBUTE: _n(int(time.time()) + EVENT_TTL_S),
        }

    def _write(self, what: str, job: Job, expected_seq: int | None) -> None:
        """Job and its event in one transaction; the job only if nobody else wrote it since."""
        if expected_seq is None:
            condition = {"ConditionExpression": "attribute_not_exists(job_id)"}
        else:
            condition = {
                "ConditionExpression": "#seq = :seq",
                "ExpressionAttributeNames": {"#seq": "seq"},
                "ExpressionAttributeValues": {":seq": _n(expected_seq)},
            }
        self._call(
            what,
            "transact_write_items",
            TransactItems=[
                {"Put": {"TableName": self.table, "Item": self._job_item(job), **condition}},
                {"Put": {"TableName": self.table, "Item": self._event_item(job)}},
            ],
        )

    @staticmethod
    def _conflict(err: StoreError) -> bool:
        cause = err.__cause__
        return (
            isinstance(cause, ClientError)
            and cause.response.get("Error", {}).get("Code") == "TransactionCanceledException"
            and "ConditionalCheckFailed" in str(cause)
        )

    # -- JobStore -----------------------------------------------------------------------------

    def create(self, job: Job) -> Job:
        job = job.model_copy(update={"seq": 1, "updated_at": now()})
        try:
            self._write(f"creating job {job.job_id}", job, None)
        except StoreError as err:
            if self._conflict(err):
                raise StoreError(f"creating job {job.job_id} failed: a job with that id exists") from err
            raise
        return job

    def get(self, job_id: str) -> Job | None:
        out = self._call(
            f"reading job {job_id}",
            "get_item",
            TableName=self.table,
            Key={"job_id": _s(job_id), "sk": _s(JOB_SK)},
            ConsistentRead=True,
        )
        item = out.get("Item")
        return Job.model_validate_json(item["data"]["S"], context=STORED) if item else None

    def _page(self, what: str, **query: Any) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        out = self._call(what, "query", TableName=self.table, **query)
        return out.get("Items", []), out.get("LastEvaluatedKey")

    def list_for_user(self, user_id: str, limit: int = 20, before: str | None = None) -> list[Job]:
        what = f"listing the jobs of {user_id}"
        start: dict[str, Any] | None = None
        if before:
            anchor = self.get(before)
            if anchor is None or anchor.user_id != user_id:
                return []
            start = {
                "job_id": _s(anchor.job_id),
                "sk": _s(JOB_SK),
                "user_id": _s(user_id),
                "created_key": _s(created_key(anchor)),
            }
        jobs: list[Job] = []
        while len(jobs) < limit:
            query: dict[str, Any] = {
                "IndexName": BY_USER,
                "KeyConditionExpression": "user_id = :u",
                "ExpressionAttributeValues": {":u": _s(user_id)},
                "ScanIndexForward": False,
                "Limit": limit - len(jobs),
            }
            if start:
                query["ExclusiveStartKey"] = start
            items, start = self._page(what, **query)
            jobs += [Job.model_validate_json(i["data"]["S"], context=STORED) for i in items]
            if not start:
                break
        return jobs

    def update(self, job_id: str, change: Callable[[Job], None]) -> Job:
        what = f"updating job {job_id}"
        for attempt in range(MAX_ATTEMPTS):
            job = self.get(job_id)
            if job is None:
                raise NotFound(f"job {job_id} does not exist")
            read_seq = job.seq
            change(job)
            job.seq = read_seq + 1
            job.updated_at = now()
            job = Job.model_validate(job.model_dump(), context=STORED)
            try:
                self._write(what, job, read_seq)
                return job
            except StoreError as err:
                if not self._conflict(err):
                    raise
            # Someone else wrote first: read again after a short, jittered pause.
            time.sleep(random.uniform(0, min(0.5, 0.01 * 2 ** min(attempt, 6))))
        raise StoreError(f"{what} failed: {MAX_ATTEMPTS} writes in a row lost to concurrent updates")

    def events(self, job_id: str, after_seq: int = 0) -> list[ProgressEvent]:
        what = f"reading the events of job {job_id}"
        query: dict[str, Any] = {
            "KeyConditionExpression": "job_id = :j AND sk BETWEEN :a AND :b",
            "ExpressionAttributeValues": {
                ":j": _s(job_id),
                ":a": _s(_event_sk(after_seq + 1)),
                ":b": _s(_event_sk(10**12 - 1)),
            },
            "ConsistentRead": True,
        }
        events: list[ProgressEvent] = []
        while True:
            items, start = self._page(what, **query)
            events += [ProgressEvent.model_validate_json(i["data"]["S"]) for i in items]
            if not start:
                return events
            query["ExclusiveStartKey"] = start

    def unfinished(self) -> list[Job]:
        query: dict[str, Any] = {
            "IndexName": UNFINISHED,
            "KeyConditionExpression": "#o = :o",
            "ExpressionAttributeNames": {"#o": "open"},
            "ExpressionAttributeValues": {":o": _s("1")},
        }
        jobs: list[Job] = []
        while True:
            items, start = self._page("listing unfinished jobs", **query)
            jobs += [Job.model_validate_json(i["data"]["S"], context=STORED) for i in items]
            if not start:
                return jobs
            query["ExclusiveStartKey"] = start

    # -- small key-value records (idempotency keys, task tokens) -------------------------------

    @property
    def kv_table(self) -> str:
        if not self._kv_table:
            raise StoreError("idempotency keys need the key-value table: set OMNIGEN_KV_TABLE")
        return self._kv_table

    @staticmethod
    def _kv_key(namespace: str, key: str) -> dict[str, Any]:
        return {"key": _s(f"{namespace}|{key}")}

    def kv_get(self, namespace: str, key: str) -> str | None:
        out = self._call(
            f"reading {namespace} key",
            "get_item",
            TableName=self.kv_table,
            Key=self._kv_key(namespace, key),
            ConsistentRead=True,
        )
        item = out.get("Item")
        if not item or (TTL_ATTRIBUTE in item and float(item[TTL_ATTRIBUTE]["N"]) < time.time()):
            return None
        return str(item["value"]["S"])

    def kv_put_if_absent(self, namespace: str, key: str, value: str, ttl_s: float | None = None) -> str:
        """Store `value` unless the key exists (and has not expired); return what is stored."""
        t = time.time()
        item = {**self._kv_key(namespace, key), "value": _s(value)}
        if ttl_s:
            item[TTL_ATTRIBUTE] = _n(int(t + ttl_s))
        try:
            self.db.put_item(
                TableName=self.kv_table,
                Item=item,
                ConditionExpression="attribute_not_exists(#k) OR #e < :now",
                ExpressionAttributeNames={"#k": "key", "#e": TTL_ATTRIBUTE},
                ExpressionAttributeValues={":now": _n(int(t))},
            )
            return value
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise StoreError(describe_error(err, f"recording {namespace} key")) from err
        except BotoCoreError as err:
            raise StoreError(describe_error(err, f"recording {namespace} key")) from err
        stored = self.kv_get(namespace, key)
        return value if stored is None else stored

    def kv_put(self, namespace: str, key: str, value: str, ttl_s: float | None = None) -> None:
        item = {**self._kv_key(namespace, key), "value": _s(value)}
        if ttl_s:
            item[TTL_ATTRIBUTE] = _n(int(time.time() + ttl_s))
        self._call(f"recording {namespace} key", "put_item", TableName=self.kv_table, Item=item)

    def kv_delete(self, namespace: str, key: str) -> None:
        self._call(
            f"deleting {namespace} key",
            "delete_item",
            TableName=self.kv_table,
            Key=self._kv_key(namespace, key),
        )


class DynamoUsageStore:
    """Monthly usage per user: one item per (user_id, month), added to atomically (ADD), so the
    API creating a job and a step ending one never lose each other's counts."""

    FIELDS = ("jobs", "completed", "video_seconds", "cost_usd")

    def __init__(self, table: str | None, client: Any = None):
        if not table:
            raise StoreError("DynamoUsageStore needs a table name (OMNIGEN_USAGE_TABLE)")
        self.table = table
        self.db = client or boto3.client("dynamodb", config=CLIENT_CONFIG)

    def add_usage(self, user_id: str, change: Usage) -> None:
        what = f"recording the usage of {user_id}"
        try:
            self.db.update_item(
                TableName=self.table,
                Key={"user_id": _s(user_id), "month": _s(change.month)},
                UpdateExpression="ADD " + ", ".join(f"{f} :{f}" for f in self.FIELDS),
                ExpressionAttributeValues={f":{f}": _n(getattr(change, f)) for f in self.FIELDS},
            )
        except (ClientError, BotoCoreError) as err:
            raise StoreError(describe_error(err, what)) from err

    def usage(self, user_id: str, month: str) -> Usage:
        what = f"reading the usage of {user_id}"
        try:
            item = self.db.get_item(
                TableName=self.table, Key={"user_id": _s(user_id), "month": _s(month)}, ConsistentRead=True
            ).get("Item")
        except (ClientError, BotoCoreError) as err:
            raise StoreError(describe_error(err, what)) from err
        if not item:
            return Usage(month=month)
        values = {f: float(item[f]["N"]) for f in self.FIELDS if f in item}
        return Usage(
            month=month,
            jobs=int(values.get("jobs", 0)),
            completed=int(values.get("completed", 0)),
            video_seconds=values.get("video_seconds", 0.0),
            cost_usd=round(values.get("cost_usd", 0.0), 4),
        )
