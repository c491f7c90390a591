"""The API's services on AWS: the same `omnigen.api` app, given Step Functions to start and stop
jobs, S3 presigned URLs for assets and uploads, and Cognito JWTs for the caller."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta

from botocore.exceptions import ClientError

from lambdas.runtime import client, cognito_verifier, step_context
from omnigen.api.auth import JwtAuth
from omnigen.api.deps import Services
from omnigen.api.feed import ChangeFeed
from omnigen.api.schemas import UploadRequest, UploadTicket
from omnigen.api.signing import URL_TTL_S
from omnigen.pipeline import steps
from omnigen.pipeline.context import StepContext


class StepFunctionsLauncher:
    """Each job is one execution named after the job, so a retried start is a no-op and cancel
    can find it. Re-compose invokes the media Lambda directly (asynchronously)."""

    def __init__(self, ctx: StepContext, state_machine_arn: str, media_function: str):
        self.ctx = ctx
        self.state_machine_arn = state_machine_arn
        self.media_function = media_function

    def execution_arn(self, job_id: str) -> str:
        return self.state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{job_id}"

    def start(self, job_id: str) -> None:
        try:
            client("stepfunctions").start_execution(
                stateMachineArn=self.state_machine_arn, name=job_id, input=json.dumps({"job_id": job_id})
            )
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
                raise

    def cancel(self, job_id: str) -> None:
        """Mark the job cancelled (running steps see it and cancel their predictions), then stop
        the execution so no further step starts."""
        steps.cancel_job(self.ctx, job_id)
        try:
            client("stepfunctions").stop_execution(
                executionArn=self.execution_arn(job_id), error="Omnigen.Cancelled", cause="cancelled by the user"
            )
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") != "ExecutionDoesNotExist":
                raise

    def compose(self, job_id: str, version: int) -> None:
        client("lambda").invoke(
            FunctionName=self.media_function,
            InvocationType="Event",
            Payload=json.dumps({"step": "compose", "job_id": job_id, "version": version, "source": "api"}),
        )


class PresignedUrls:
    def __init__(self, assets):  # type: ignore[no-untyped-def]
        self.assets = assets

    def url(self, key: str, ttl_s: int = URL_TTL_S) -> str:
        return self.assets.presigned_get(key, ttl_s)  # type: ignore[no-any-return]

    def ticket(self, key: str, req: UploadRequest) -> UploadTicket:
        url, headers = self.assets.presigned_put(key, req.content_type, req.size_bytes, URL_TTL_S)
        return UploadTicket(
            key=key, url=url, headers=headers, expires_at=datetime.now(UTC) + timedelta(seconds=URL_TTL_S)
        )


def build_services() -> Services:
    ctx = step_context()
    urls = PresignedUrls(ctx.assets)
    return Services(
        ctx=ctx,
        launcher=StepFunctionsLauncher(
            ctx, os.environ["OMNIGEN_STATE_MACHINE_ARN"], os.environ["OMNIGEN_MEDIA_FUNCTION"]
        ),
        auth=JwtAuth(cognito_verifier()),
        urls=urls,
        feed=ChangeFeed(),
        kv=ctx.jobs,  # type: ignore[arg-type]
        upload_urls=urls,
    )
