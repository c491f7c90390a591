"""The `Connections` port on DynamoDB, the WebSocket connections table: one `sk="conn"` item per
connection (its user), one `sk="job#<id>"` item per subscription; the `by_job` index finds a
job's subscribers. Items expire (TTL) after API Gateway's two-hour connection limit, so a missed
$disconnect cleans itself up."""

from __future__ import annotations

import os
import time
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from omnigen.store.dynamodb import describe_error
from omnigen.store.ports import StoreError
from omnigen.store.tables import CONNECTIONS_BY_JOB, TTL_ATTRIBUTE

CONN_SK = "conn"
TTL_S = 2 * 3600 + 300
CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=10, retries={"mode": "standard", "max_attempts": 4})


class DynamoConnections:
    def __init__(self, table: str | None = None, client: Any = None):
        table = table or os.environ.get("OMNIGEN_CONNECTIONS_TABLE")
        if not table:
            raise StoreError("DynamoConnections needs a table name (OMNIGEN_CONNECTIONS_TABLE)")
        self.table = table
        self.db = client or boto3.client("dynamodb", config=CLIENT_CONFIG)

    def _call(self, what: str, op: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return dict(getattr(self.db, op)(TableName=self.table, **kwargs))
        except (ClientError, BotoCoreError) as err:
            raise StoreError(describe_error(err, what)) from err

    def _put(self, connection_id: str, sk: str, **attrs: str) -> None:
        item = {
            "connection_id": {"S": connection_id},
            "sk": {"S": sk},
            TTL_ATTRIBUTE: {"N": str(int(time.time()) + TTL_S)},
        }
        item.update({k: {"S": v} for k, v in attrs.items()})
        self._call(f"recording connection {connection_id}", "put_item", Item=item)

    def add(self, connection_id: str, user_id: str) -> None:
        self._put(connection_id, CONN_SK, user_id=user_id)

    def user(self, connection_id: str) -> str | None:
        item = self._call(
            f"reading connection {connection_id}",
            "get_item",
            Key={"connection_id": {"S": connection_id}, "sk": {"S": CONN_SK}},
        ).get("Item")
        return item["user_id"]["S"] if item else None

    def subscribe(self, connection_id: str, user_id: str, job_id: str) -> None:
        self._put(connection_id, f"job#{job_id}", user_id=user_id, job_id=job_id)

    def subscribers(self, job_id: str) -> list[str]:
        ids: list[str] = []
        query: dict[str, Any] = {
            "IndexName": CONNECTIONS_BY_JOB,
            "KeyConditionExpression": "job_id = :j",
            "ExpressionAttributeValues": {":j": {"S": job_id}},
        }
        while True:
            out = self._call(f"listing the subscribers of job {job_id}", "query", **query)
            ids += [i["connection_id"]["S"] for i in out.get("Items", [])]
            if "LastEvaluatedKey" not in out:
                return ids
            query["ExclusiveStartKey"] = out["LastEvaluatedKey"]

    def remove(self, connection_id: str) -> None:
        """Forget the connection and all its subscriptions."""
        query: dict[str, Any] = {
            "KeyConditionExpression": "connection_id = :c",
            "ExpressionAttributeValues": {":c": {"S": connection_id}},
            "ProjectionExpression": "connection_id, sk",
        }
        while True:
            out = self._call(f"listing connection {connection_id}", "query", **query)
            for item in out.get("Items", []):
                self._call(
                    f"forgetting connection {connection_id}",
                    "delete_item",
                    Key={"connection_id": item["connection_id"], "sk": item["sk"]},
                )
            if "LastEvaluatedKey" not in out:
                return
            query["ExclusiveStartKey"] = out["LastEvaluatedKey"]
