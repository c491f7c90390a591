"""The API on its AWS services (omnigen.api.aws) on moto: DynamoDB jobs and usage, S3 assets and
presigned URLs, Step Functions executions, Cognito-style JWTs. Through the real routes: the asset
route answers 403 there (it was a 500: the AWS URL signer had no `valid`), uploads are presigned
S3 PUTs, jobs start and stop executions, and the monthly quota is enforced from DynamoDB."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest
from api_harness import AUDIENCE, ISSUER, Keys, client_for, small_brief
from aws_fixtures import REGION, create_bucket, create_tables, serialize_moto_transactions, serialize_moto_updates
from moto import mock_aws

from omnigen.api.auth import JwtVerifier
from omnigen.api.aws import aws_services
from omnigen.config import Settings
from omnigen.pipeline.context import StepContext
from omnigen.providers.factory import build_providers
from omnigen.store.dynamodb import DynamoJobStore, DynamoUsageStore
from omnigen.store.s3 import S3AssetStore
from omnigen.usage import Quota, Usage, month_of
from stacks.config import TableNames

NAMES = TableNames()
BUCKET = "omnigen-assets-api"
PROBLEM = "application/problem+json"


@pytest.fixture
def aws(monkeypatch):
    for k, v in {"AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": "testing",
                 "AWS_SECRET_ACCESS_KEY": "testing"}.items():  # fmt: skip
        monkeypatch.setenv(k, v)
    serialize_moto_transactions()
    serialize_moto_updates()
    with mock_aws():
        create_tables(NAMES)
        create_bucket(BUCKET)
        sfn = boto3.client("stepfunctions", region_name=REGION)
        machine = sfn.create_state_machine(
            name="OmniGen-pipeline",
            definition=json.dumps({"StartAt": "Wait", "States": {"Wait": {"Type": "Pass", "End": True}}}),
            roleArn="arn:aws:iam::123456789012:role/sfn",
        )["stateMachineArn"]
        keys = Keys()
        settings = Settings(
            store="aws", jobs_table=NAMES.jobs, assets_bucket=BUCKET, quota=Quota(jobs_per_month=2, usd_per_month=5)
        )
        ctx = StepContext(
            jobs=DynamoJobStore(NAMES.jobs, NAMES.kv),
            assets=S3AssetStore(BUCKET),
            providers=build_providers(settings),
            settings=settings,
            usage=DynamoUsageStore(NAMES.usage),
        )
        services = aws_services(
            ctx,
            JwtVerifier(lambda: keys.jwks, ISSUER, AUDIENCE),
            {"OMNIGEN_STATE_MACHINE_ARN": machine, "OMNIGEN_MEDIA_FUNCTION": "omnigen-media"},
        )
        with client_for(services) as client:
            yield client, services, keys, sfn


def _as(keys: Keys, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {keys.token(user)}"}


def test_the_asset_route_refuses_on_aws_where_links_are_presigned(aws):
    client, services, _, _ = aws
    services.ctx.assets.put_bytes("users/alice/jobs/j1/final/poster.jpg", b"jpg", "image/jpeg")
    r = client.get("/api/v1/assets/users/alice/jobs/j1/final/poster.jpg?exp=9999999999&sig=x")
    assert r.status_code == 403 and r.headers["content-type"] == PROBLEM
    assert "invalid or has expired" in r.json()["detail"]
    put = client.put("/api/v1/uploads/users/alice/uploads/a.png?exp=9999999999&sig=x", content=b"png")
    assert put.status_code == 403 and put.headers["content-type"] == PROBLEM


def test_uploads_and_job_links_are_presigned_s3_urls(aws):
    client, _, keys, _ = aws
    ticket = client.post(
        "/api/v1/uploads", json={"filename": "p.png", "content_type": "image/png", "size_bytes": 2048},
        headers=_as(keys, "alice"),
    )  # fmt: skip
    assert ticket.status_code == 201, ticket.text
    body = ticket.json()
    assert body["key"].startswith("users/alice/uploads/") and BUCKET in body["url"]
    assert "X-Amz-Signature" in body["url"] and body["headers"]["Content-Type"] == "image/png"
    assert body["headers"]["x-amz-tagging"] == "omnigen-lifecycle=intermediate"

    job_id = client.post("/api/v1/generate", json=small_brief(), headers=_as(keys, "alice")).json()["job_id"]
    urls = client.get(f"/api/v1/jobs/{job_id}", headers=_as(keys, "alice")).json()["urls"]
    assert set(urls) == {"brief"} and BUCKET in urls["brief"] and "X-Amz-Signature" in urls["brief"]


def test_generate_and_cancel_drive_step_functions_executions(aws):
    client, services, keys, sfn = aws
    r = client.post("/api/v1/generate", json=small_brief(), headers=_as(keys, "alice"))
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    arn = services.launcher.executions.execution_arn(job_id)
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
    assert json.loads(sfn.describe_execution(executionArn=arn)["input"]) == {"job_id": job_id}
    services.launcher.start(job_id)  # a retried start finds the execution and leaves it
    cancelled = client.post(f"/api/v1/jobs/{job_id}/cancel", headers=_as(keys, "alice"))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert sfn.describe_execution(executionArn=arn)["status"] == "ABORTED"


def test_the_monthly_quota_is_enforced_from_the_usage_table(aws):
    client, services, keys, _ = aws
    alice = _as(keys, "alice")
    first = client.post("/api/v1/generate", json=small_brief(), headers=alice | {"Idempotency-Key": "k1"})
    assert first.status_code == 202
    assert client.post("/api/v1/generate", json=small_brief(), headers=alice).status_code == 202
    refused = client.post("/api/v1/generate", json=small_brief(), headers=alice)
    assert refused.status_code == 429 and refused.headers["content-type"] == PROBLEM
    problem = refused.json()
    now = datetime.now(UTC)
    resets = now.replace(year=now.year + 1, month=1) if now.month == 12 else now.replace(month=now.month + 1)
    assert problem["limit"] == "jobs_per_month" and problem["allowed"] == 2 and problem["used"] == 2
    assert problem["resets_at"].startswith(resets.strftime("%Y-%m-01T00:00:00"))
    assert "jobs_per_month" in problem["detail"] and resets.strftime("%Y-%m-01") in problem["detail"]
    assert 0 < int(refused.headers["Retry-After"]) <= 31 * 24 * 3600
    # A retried request with its Idempotency-Key is the job already made, not a new one.
    again = client.post("/api/v1/generate", json=small_brief(), headers=alice | {"Idempotency-Key": "k1"})
    assert again.status_code == 202 and again.json()["job_id"] == first.json()["job_id"]
    assert client.get("/api/v1/usage", headers=alice).json()["jobs"] == 2
    # Another user has a month of their own; spend counts too.
    bob = _as(keys, "bob")
    assert client.post("/api/v1/generate", json=small_brief(), headers=bob).status_code == 202
    services.ctx.usage.add_usage("bob", Usage(month=month_of(now), cost_usd=5.0))
    spent = client.post("/api/v1/generate", json=small_brief(), headers=bob)
    assert spent.status_code == 429 and spent.json()["limit"] == "usd_per_month"
    assert "$5.00 of the $5.00" in spent.json()["detail"]


def test_aws_api_keeps_the_local_rules(aws):
    """The same app behind API Gateway: security headers, non-finite and boolean numbers
    refused, one job per Idempotency-Key (on DynamoDB's conditional write), no Host check (the
    gateway names the host) but a server error never for a client's input."""
    client, _, keys, _ = aws
    alice = _as(keys, "alice")
    r = client.get("/api/v1/jobs", headers=alice | {"Host": "abc123.execute-api.us-east-1.amazonaws.com"})
    assert r.status_code == 200
    assert (
        r.headers["x-content-type-options"] == "nosniff"
        and "frame-ancestors 'none'" in r.headers["content-security-policy"]
    )
    body = '{"filename": "p.png", "content_type": "image/png", "size_bytes": 1e999}'
    r = client.post("/api/v1/uploads", content=body, headers=alice | {"Content-Type": "application/json"})
    assert r.status_code == 422 and "finite" in r.json()["detail"]
    r = client.post(
        "/api/v1/uploads", json={"filename": "p.png", "content_type": "image/png", "size_bytes": True}, headers=alice
    )
    assert r.status_code == 422
    key = {"Idempotency-Key": "aws-once"}
    first = client.post("/api/v1/generate", json=small_brief(), headers=alice | key)
    again = client.post("/api/v1/generate", json=small_brief(), headers=alice | key)
    assert first.status_code == again.status_code == 202
    assert first.json()["job_id"] == again.json()["job_id"] and again.headers["Idempotent-Replayed"] == "true"
