"""Roles on AWS: the API reads `cognito:groups` from API Gateway's Cognito authorizer claims, in
AWS's published REST proxy event (tests/fixtures/aws_events/apiGatewayProxyEvent.json, with
`requestContext.authorizer.claims` filled as the REST API's Cognito authorizer passes them:
every claim a string, the groups flattened into one), through Mangum as the API Lambda runs it.
The token is verified too, and claims of another subject are never used for this caller."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from api_harness import AUDIENCE, ISSUER, Keys
from aws_fixtures import REGION
from lambda_world import LambdaContext, sample_event
from mangum import Mangum
from moto import mock_aws

from omnigen.api.app import create_app
from omnigen.api.auth import JwtVerifier
from omnigen.api.aws import aws_services
from omnigen.config import Settings
from omnigen.pipeline.context import StepContext
from omnigen.providers.factory import build_providers
from omnigen.store.dynamodb import DynamoJobStore
from omnigen.store.s3 import S3AssetStore


@pytest.fixture
def api(monkeypatch):
    for k, v in {"AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": "testing",
                 "AWS_SECRET_ACCESS_KEY": "testing"}.items():  # fmt: skip
        monkeypatch.setenv(k, v)
    with mock_aws():
        keys = Keys()
        settings = Settings(store="aws", jobs_table="jobs", assets_bucket="assets")
        ctx = StepContext(
            jobs=DynamoJobStore("jobs", "kv"),
            assets=S3AssetStore("assets"),
            providers=build_providers(settings),
            settings=settings,
        )
        env = {
            "OMNIGEN_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:p",
            "OMNIGEN_MEDIA_FUNCTION": "m",
        }
        services = aws_services(ctx, JwtVerifier(lambda: keys.jwks, ISSUER, AUDIENCE), env)
        yield Mangum(create_app(services, web_dir=None), lifespan="off"), keys


def call(
    handler, method: str, path: str, token: str, claims: dict[str, Any] | None, body: Any = None
) -> tuple[int, Any]:
    event = sample_event("apiGatewayProxyEvent")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    event.update(path=path, resource="/api/v1/{proxy+}", httpMethod=method, headers=headers,
                 multiValueHeaders={k: [v] for k, v in headers.items()}, queryStringParameters=None,
                 multiValueQueryStringParameters=None, body=None if body is None else json.dumps(body))  # fmt: skip
    event["requestContext"].update(httpMethod=method, path=f"/prod{path}", resourcePath="/api/v1/{proxy+}")
    event["requestContext"]["authorizer"] = {"claims": claims}
    out = handler(event, LambdaContext("omnigen-api"))
    body = base64.b64decode(out["body"]) if out.get("isBase64Encoded") else out["body"]  # problem+json is
    return out["statusCode"], json.loads(body) if body else None  # not among Mangum's text types


def authorizer_claims(sub: str, groups: str | None) -> dict[str, str]:
    """As the REST API's Cognito authorizer passes an ID token's claims: strings only."""
    claims = {"sub": sub, "iss": ISSUER, "aud": AUDIENCE, "token_use": "id", "email": f"{sub}@example.com",
              "cognito:username": sub, "exp": "Tue Dec 01 23:00:00 UTC 2026"}  # fmt: skip
    if groups is not None:
        claims["cognito:groups"] = groups
    return claims


@pytest.mark.parametrize(
    ("groups", "roles"),
    [
        ("reviewer", ["reviewer"]),
        ("creator", ["creator"]),
        ("creator,reviewer", ["creator", "reviewer"]),
        ("[creator reviewer]", ["creator", "reviewer"]),
        (None, ["creator"]),  # in no group: a creator, as every user was before roles
    ],
)
def test_roles_come_from_the_authorizers_cognito_groups(api, groups, roles):
    handler, keys = api
    status, me = call(handler, "GET", "/api/v1/me", keys.token("u-1"), authorizer_claims("u-1", groups))
    assert status == 200, me
    assert me["user_id"] == "u-1" and me["roles"] == roles and me["name"] == "u-1@example.com"


def test_a_reviewer_from_cognito_cannot_create(api):
    handler, keys = api
    claims = authorizer_claims("rev-1", "reviewer")
    status, problem = call(handler, "POST", "/api/v1/uploads", keys.token("rev-1"), claims,
                           {"filename": "a.png", "content_type": "image/png", "size_bytes": 10})  # fmt: skip
    assert status == 403 and "reviewers can read" in problem["detail"]


def test_claims_of_another_subject_are_not_this_callers(api):
    handler, keys = api
    # the token is rev-2's, with no groups of its own; claims naming someone else grant nothing
    status, me = call(handler, "GET", "/api/v1/me", keys.token("rev-2"), authorizer_claims("admin", "reviewer"))
    assert status == 200 and me["user_id"] == "rev-2" and me["roles"] == ["creator"]
    # without API Gateway's claims, the verified ID token's own list is used
    token = keys.token("rev-3", **{"cognito:groups": ["reviewer"]})
    status, me = call(handler, "GET", "/api/v1/me", token, None)
    assert status == 200 and me["roles"] == ["reviewer"]
    # and a bad token is refused whatever the claims say
    status, _ = call(handler, "GET", "/api/v1/me", "not-a-jwt", authorizer_claims("rev-1", "reviewer"))
    assert status == 401
