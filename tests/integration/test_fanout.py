"""The jobs-stream fan-out: progress events reach subscribers; a gone connection is forgotten; an
undeliverable record is reported (with those after it) as a partial batch failure."""

from __future__ import annotations

import json

import boto3
import pytest
from aws_fixtures import REGION, create_tables
from botocore.stub import Stubber
from moto import mock_aws
from store_contract import new_job

from stacks.config import TableNames

NAMES = TableNames()


class Ctx:
    function_name, memory_limit_in_mb, aws_request_id = "fanout", 256, "r"
    invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:fanout"


def record(seq: str, job) -> dict:  # type: ignore[no-untyped-def]
    return {
        "eventName": "MODIFY",
        "dynamodb": {"SequenceNumber": seq, "NewImage": {"sk": {"S": "job"}, "data": {"S": job.model_dump_json()}}},
    }


@pytest.fixture
def fanout(monkeypatch):
    for k, v in {"AWS_DEFAULT_REGION": REGION, "AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t",
                 "POWERTOOLS_TRACE_DISABLED": "1", "OMNIGEN_CONNECTIONS_TABLE": NAMES.connections}.items():  # fmt: skip
        monkeypatch.setenv(k, v)
    with mock_aws():
        create_tables(NAMES)
        from lambdas import fanout as module
        from omnigen.store.dynamodb_connections import DynamoConnections as Connections

        module.connections.cache_clear()
        gw = boto3.client("apigatewaymanagementapi", region_name=REGION, endpoint_url="https://ws.example/prod")
        monkeypatch.setattr(module, "gateway", lambda: gw)
        with Stubber(gw) as stub:
            yield module, Connections(), stub
        module.connections.cache_clear()


def test_events_reach_subscribers_and_gone_connections_are_removed(fanout):
    module, conns, stub = fanout
    job = new_job("alice")
    for c in ("c1", "c2"):
        conns.add(c, "alice")
        conns.subscribe(c, "alice", job.job_id)
    conns.subscribe("c3", "alice", "another-job")
    sent = json.loads(job.event().model_dump_json())
    for c in sorted(conns.subscribers(job.job_id)):
        if c == "c2":
            stub.add_client_error("post_to_connection", "GoneException", http_status_code=410)
        else:
            stub.add_response(
                "post_to_connection", {}, {"ConnectionId": c, "Data": json.dumps(sent, separators=(",", ":")).encode()}
            )
    out = module.handler({"Records": [record("1", job)]}, Ctx())
    assert out == {"batchItemFailures": []}
    stub.assert_no_pending_responses()
    assert conns.subscribers(job.job_id) == ["c1"] and conns.user("c2") is None


def test_an_undeliverable_record_is_reported_with_those_after_it(fanout):
    module, conns, stub = fanout
    a, b = new_job("alice"), new_job("alice")
    conns.subscribe("c1", "alice", a.job_id)
    conns.subscribe("c1", "alice", b.job_id)
    stub.add_client_error("post_to_connection", "LimitExceededException", http_status_code=429)
    out = module.handler({"Records": [record("10", a), record("11", b)]}, Ctx())
    assert out == {"batchItemFailures": [{"itemIdentifier": "10"}, {"itemIdentifier": "11"}]}
    assert conns.subscribers(a.job_id) == ["c1"]  # a throttled connection is not forgotten
