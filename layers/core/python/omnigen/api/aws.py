"""The API's services on AWS: the same app as locally, given DynamoDB and S3 (through the step
context), Step Functions to start and stop jobs, S3 presigned URLs for assets and uploads, and
Cognito ID tokens for the caller. The REST API Lambda builds these once per container."""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Mapping
from typing import Any

from omnigen.api.auth import JwtAuth, JwtVerifier
from omnigen.api.deps import Services
from omnigen.api.feed import ChangeFeed
from omnigen.config import ConfigError
from omnigen.pipeline.context import StepContext
from omnigen.pipeline.launchers.step_functions import StepFunctionsLauncher
from omnigen.store.dynamodb import DynamoJobStore
from omnigen.store.s3 import S3AssetStore, S3AssetUrls
from omnigen.store.step_functions import StepFunctionsExecutions

JWKS_TIMEOUT_S = 5


def cognito_verifier(env: Mapping[str, str] | None = None) -> JwtVerifier:
    """Verifies the user pool's ID tokens (RS256, issuer, audience = the web app client, expiry);
    the pool's signing keys are fetched when a token names one not seen yet."""
    env = os.environ if env is None else env
    try:
        region, pool, client_id = env["AWS_REGION"], env["OMNIGEN_USER_POOL_ID"], env["OMNIGEN_USER_POOL_CLIENT_ID"]
    except KeyError as err:
        raise ConfigError(f"{err.args[0]} is not set: Cognito tokens cannot be verified without it") from None
    issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool}"

    def fetch() -> dict[str, Any]:
        with urllib.request.urlopen(f"{issuer}/.well-known/jwks.json", timeout=JWKS_TIMEOUT_S) as resp:
            keys: dict[str, Any] = json.loads(resp.read())
            return keys

    return JwtVerifier(fetch, issuer, client_id, token_use="id")


def aws_services(ctx: StepContext, verifier: JwtVerifier, env: Mapping[str, str] | None = None) -> Services:
    """`ctx` is the Lambda's step context (DynamoDB jobs and usage, S3 assets)."""
    env = os.environ if env is None else env
    if not isinstance(ctx.jobs, DynamoJobStore) or not isinstance(ctx.assets, S3AssetStore):
        raise ConfigError("the AWS API needs OMNIGEN_STORE=aws (DynamoDB jobs, S3 assets)")
    executions = StepFunctionsExecutions(
        env.get("OMNIGEN_STATE_MACHINE_ARN", ""), env.get("OMNIGEN_MEDIA_FUNCTION", "")
    )
    return Services(
        ctx=ctx,
        launcher=StepFunctionsLauncher(ctx, executions),
        auth=JwtAuth(verifier),
        urls=S3AssetUrls(ctx.assets),
        feed=ChangeFeed(),
        kv=ctx.jobs,
    )
