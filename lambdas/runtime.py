"""What every OmniGen Lambda shares: Powertools logging, tracing and metrics; secrets read once
per container; the step context (DynamoDB + S3 + providers) built once per container; and the
Step Functions task-token protocol the pipeline's model steps use.

Task-token protocol (`.waitForTaskToken` tasks in stacks/pipeline.py): the event carries
`task_token`. The handler records it under the job and track (so the webhook Lambda can fail the
task as soon as Replicate reports a failed prediction), tells Replicate to call back with that
record's id, sends a heartbeat every `OMNIGEN_HEARTBEAT_S` while the step runs (a Lambda that
dies stops them, and the task's HeartbeatSeconds retries it), and ends the task itself: success
with the step's result once its outputs are in S3, or failure with an error name the state
machine's Retry and Catch rules match.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from botocore.config import Config
from botocore.exceptions import ClientError

from omnigen.config import load_settings
from omnigen.pipeline import steps
from omnigen.pipeline.context import StepContext, aws_context
from omnigen.providers.ports import Cancelled, ProviderError
from omnigen.store.ports import StoreError

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "OmniGen"))

CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard", "max_attempts": 5})
TASK_NAMESPACE = "task"
TASK_TTL_S = 24 * 3600
SECRETS = {
    "REPLICATE_API_TOKEN": "OMNIGEN_REPLICATE_SECRET_ARN",
    "OMNIGEN_WEBHOOK_SECRET": "OMNIGEN_WEBHOOK_SECRET_ARN",
}

DEADLINE_MARGIN_S = float(os.environ.get("OMNIGEN_DEADLINE_MARGIN_S", "90"))
"""Time kept back from a model wait for what follows it (download, last frame, S3, task reply);
at most a quarter of the invocation's time, so a short function still waits."""

# Error names the state machine matches (Retry on RETRYABLE; the Catch sends the rest to fail_job).
RETRYABLE = "Omnigen.Retryable"
CANCELLED = "Omnigen.Cancelled"
FAILED = "Omnigen.StepFailed"


@functools.cache
def client(service: str) -> Any:
    return boto3.client(service, config=CLIENT_CONFIG)


def load_secrets() -> None:
    """Copy the Replicate token and webhook secret from Secrets Manager into the environment
    (once per container), where `omnigen.config.load_settings` reads them."""
    for env_name, arn_name in SECRETS.items():
        arn = os.environ.get(arn_name)
        if arn and not os.environ.get(env_name):
            value = client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
            os.environ[env_name] = value.strip()


@functools.cache
def job_store() -> Any:
    """The jobs table alone (WebSocket and webhook Lambdas need no providers)."""
    from omnigen.store.dynamodb import DynamoJobStore

    return DynamoJobStore(os.environ["OMNIGEN_JOBS_TABLE"], os.environ.get("OMNIGEN_KV_TABLE"))


@functools.cache
def step_context() -> StepContext:
    load_secrets()
    return aws_context(load_settings())


def context_for_task(task_id: str | None, deadline: float | None = None) -> StepContext:
    """The container's context, waiting on models no later than `deadline`; when Replicate
    webhooks are on, its providers call back with this task's id, so the webhook Lambda can find
    the task token."""
    ctx = dataclasses.replace(step_context(), deadline=deadline)
    base = ctx.settings.webhook_url
    if not task_id or not base or not ctx.settings.providers.uses("replicate"):
        return ctx
    from omnigen.providers.factory import build_providers

    sep = "&" if "?" in base else "?"
    settings = ctx.settings.model_copy(update={"webhook_url": f"{base}{sep}task={task_id}"})
    return dataclasses.replace(ctx, providers=build_providers(settings), settings=settings)


def deadline_of(lambda_context: Any) -> float | None:
    """`time.monotonic()` by which model waits must give up: the invocation's remaining time
    less DEADLINE_MARGIN_S. A wait that reaches it fails the step as retryable and leaves the
    prediction running; the retry resumes it (its id is kept with the job)."""
    remaining = getattr(lambda_context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    remaining_s = remaining() / 1000
    return time.monotonic() + max(0.0, remaining_s - min(DEADLINE_MARGIN_S, remaining_s / 4))


@functools.cache
def cognito_verifier() -> Any:
    """Verifies Cognito ID tokens (RS256, issuer, audience = the web app client, expiry)."""
    from omnigen.api.auth import JwtVerifier

    region = os.environ["AWS_REGION"]
    pool = os.environ["OMNIGEN_USER_POOL_ID"]
    issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool}"

    def fetch() -> dict[str, Any]:
        with urllib.request.urlopen(f"{issuer}/.well-known/jwks.json", timeout=5) as resp:
            return json.loads(resp.read())  # type: ignore[no-any-return]

    return JwtVerifier(fetch, issuer, os.environ["OMNIGEN_USER_POOL_CLIENT_ID"], token_use="id")


# --- steps -------------------------------------------------------------------------------------


def error_name(err: BaseException) -> str:
    if isinstance(err, Cancelled):
        return CANCELLED
    if isinstance(err, ProviderError) and err.retryable:
        return RETRYABLE
    if isinstance(err, StoreError) and not isinstance(err, steps.StepFailed):
        return RETRYABLE
    return FAILED


def track_of(event: dict[str, Any]) -> str:
    step = str(event["step"])
    if step == "render_scene":
        return f"scene_{int(event['scene'])}"
    return {"write_script": "script", "make_music": "music", "make_voiceover": "voiceover"}.get(step, step)


class Heartbeat:
    """Sends SendTaskHeartbeat every `every_s` seconds until stopped (or the token is gone)."""

    def __init__(self, token: str, every_s: float):
        self.token = token
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                client("stepfunctions").send_task_heartbeat(taskToken=self.token)
            except ClientError as err:
                logger.warning("heartbeat refused; stopping heartbeats", error=str(err))
                return

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()


def finish_task(token: str, result: dict[str, Any] | None, err: BaseException | None, step: str) -> None:
    """End a `.waitForTaskToken` task: success with `result`, or failure named by `error_name`
    (the step and the webhook Lambda report the same failure under the same name)."""
    sfn = client("stepfunctions")
    try:
        if err is None:
            sfn.send_task_success(taskToken=token, output=json.dumps(result or {}))
        else:
            cause = json.dumps(steps.error_of(step, err))
            sfn.send_task_failure(taskToken=token, error=error_name(err), cause=cause[:32000])
    except ClientError as client_err:
        # The execution was stopped (cancel) or the task timed out: nobody is waiting any more.
        code = client_err.response.get("Error", {}).get("Code", "")
        if code not in ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist"):
            raise
        logger.info("task already closed", code=code)


def run_step(
    event: dict[str, Any],
    table: dict[str, Callable[[StepContext, dict[str, Any]], dict[str, Any]]],
    lambda_context: Any = None,
) -> Any:
    """Run `event["step"]` from `table`. With a task token, report through Step Functions;
    without one (finalize, fail_job, the API's re-compose), return the result or raise."""
    step = str(event.get("step", ""))
    if step not in table:
        raise ValueError(f"this Lambda runs {sorted(table)}; it was asked for {step!r}")
    job_id = str(event["job_id"])
    logger.append_keys(job_id=job_id, step=step)
    token = event.get("task_token")
    if not token:
        result = table[step](dataclasses.replace(step_context(), deadline=deadline_of(lambda_context)), event)
        metrics.add_metric(name="StepSucceeded", unit=MetricUnit.Count, value=1)
        return result
    # One record per attempt: a retried task gets a new token, and the attempt it replaces (still
    # running after the webhook failed it) must not delete the new attempt's record when it ends.
    task_id = f"{job_id}:{track_of(event)}:{hashlib.sha256(str(token).encode()).hexdigest()[:12]}"
    store = step_context().jobs
    store.kv_put(TASK_NAMESPACE, task_id, json.dumps({"token": token, "step": step}), TASK_TTL_S)  # type: ignore[attr-defined]
    result, error = None, None
    with Heartbeat(token, float(os.environ.get("OMNIGEN_HEARTBEAT_S", "60"))):
        try:
            result = table[step](context_for_task(task_id, deadline_of(lambda_context)), event)
        except Exception as err:
            logger.exception("step failed")
            error = err
    finish_task(token, result, error, step)
    metrics.add_metric(name="StepFailed" if error else "StepSucceeded", unit=MetricUnit.Count, value=1)
    store.kv_delete(TASK_NAMESPACE, task_id)  # type: ignore[attr-defined]
    return result or {"error": error_name(error) if error else None}
