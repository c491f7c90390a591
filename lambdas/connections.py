"""The WebSocket connections table: one `sk="conn"` item per connection (its user), one
`sk="job#<id>"` item per subscription; the `by_job` index finds a job's subscribers. Items expire
(TTL) after API Gateway's two-hour connection limit, so a missed $disconnect cleans itself up."""

from __future__ import annotations

import os
import time
from typing import Any

import boto3
from botocore.config import Config

BY_JOB = "by_job"
CONN_SK = "conn"
TTL_S = 2 * 3600 + 300
CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=10, retries={"mode": "standard", "max_attempts": 4})


class Connections:
    def __init__(self, table: str | None = None, client: Any = None):
        self.table = table or os.environ["OMNIGEN_CONNECTIONS_TABLE"]
        self.db = client or boto3.client("dynamodb", config=CLIENT_CONFIG)

    def _put(self, connection_id: str, sk: str, **attrs: str) -> None:
        item = {
            "connection_id": {"S": connection_id},
            "sk": {"S": sk},
            "expires_at": {"N": str(int(time.time()) + TTL_S)},
        }
        item.update({k: {"S": v} for k, v in attrs.items()})
        self.db.put_item(TableName=self.table, Item=item)

    def add(self, connection_id: str, user_id: str) -> None:
        self._put(connection_id, CONN_SK, user_id=user_id)

    def user(self, connection_id: str) -> str | None:
        item = self.db.get_item(
            TableName=self.table, Key={"connection_id": {"S": connection_id}, "sk": {"S": CONN_SK}}
        ).get("Item")
        return item["user_id"]["S"] if item else None

    def subscribe(self, connection_id: str, user_id: str, job_id: str) -> None:
        self._put(connection_id, f"job#{job_id}", user_id=user_id, job_id=job_id)

    def subscribers(self, job_id: str) -> list[str]:
        ids: list[str] = []
        query: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": BY_JOB,
            "KeyConditionExpression": "job_id = :j",
            "ExpressionAttributeValues": {":j": {"S": job_id}},
        }
        while True:
            out = self.db.query(**query)
            ids += [i["connection_id"]["S"] for i in out.get("Items", [])]
            if "LastEvaluatedKey" not in out:
                return ids
            query["ExclusiveStartKey"] = out["LastEvaluatedKey"]

    def remove(self, connection_id: str) -> None:
        """Forget the connection and all its subscriptions."""
        query: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "connection_id = :c",
            "ExpressionAttributeValues": {":c": {"S": connection_id}},
            "ProjectionExpression": "connection_id, sk",
        }
        while True:
            out = self.db.query(**query)
            for item in out.get("Items", []):
                self.db.delete_item(
                    TableName=self.table, Key={"connection_id": item["connection_id"], "sk": item["sk"]}
                )
            if "LastEvaluatedKey" not in out:
                return
            query["ExclusiveStartKey"] = out["LastEvaluatedKey"]
