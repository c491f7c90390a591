"""Jobs-table stream → WebSocket clients. The event source mapping passes only MODIFY records of
job items (stacks/websocket.py filters them); each becomes the job's progress event, posted to
every connection subscribed to that job (omnigen.api.fanout), a gone connection forgotten. A
record that cannot be delivered is reported as a batch item failure, with every record after it
(to keep each job's events in order), so only the undelivered part is retried."""

from __future__ import annotations

import functools
import os
from typing import Any

import boto3

from lambdas.runtime import CLIENT_CONFIG, logger, tracer
from omnigen.api.fanout import deliver_progress
from omnigen.job import Job
from omnigen.safe_text import STORED
from omnigen.store.api_gateway import ApiGatewayPush
from omnigen.store.dynamodb_connections import DynamoConnections
from omnigen.store.ports import Connections


@functools.cache
def connections() -> Connections:
    return DynamoConnections()


@functools.cache
def gateway() -> Any:
    endpoint = os.environ["OMNIGEN_WS_ENDPOINT"]
    return boto3.client("apigatewaymanagementapi", endpoint_url=endpoint, config=CLIENT_CONFIG)


def push() -> ApiGatewayPush:
    return ApiGatewayPush(gateway())


def deliver(record: dict[str, Any]) -> None:
    job = Job.model_validate_json(record["dynamodb"]["NewImage"]["data"]["S"], context=STORED)
    deliver_progress(job, connections(), push())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    records = event.get("Records", [])
    for n, record in enumerate(records):
        try:
            deliver(record)
        except Exception:
            logger.exception("delivery failed", sequence=record["dynamodb"].get("SequenceNumber"))
            failed = records[n:]
            return {"batchItemFailures": [{"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in failed]}
    return {"batchItemFailures": []}
