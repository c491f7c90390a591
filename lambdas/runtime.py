"""What every OmniGen Lambda shares: Powertools logging, tracing and metrics; the providers'
secrets read once per container (omnigen.providers.secrets); the step context (DynamoDB + S3 +
providers, omnigen.pipeline.context) and the AWS clients built once per container; and the
dispatch of a step event, run as a Step Functions task when it carries a token
(omnigen.pipeline.tasks).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from botocore.config import Config

from omnigen.config import load_settings
from omnigen.pipeline.context import StepContext, aws_context, for_task
from omnigen.pipeline.lifecycle import error_name
from omnigen.pipeline.tasks import run_as_task
from omnigen.providers.secrets import load_secrets
from omnigen.store.dynamodb import DynamoJobStore
from omnigen.store.step_functions import StepFunctionsTasks

if TYPE_CHECKING:  # the API and WebSocket Lambdas verify tokens; the step Lambdas never load it
    from omnigen.api.auth import JwtVerifier

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "OmniGen"))

CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard", "max_attempts": 5})
DEADLINE_MARGIN_S = float(os.environ.get("OMNIGEN_DEADLINE_MARGIN_S", "90"))
"""Time kept back from a model wait for what follows it (download, last frame, S3, task reply);
at most a quarter of the invocation's time, so a short function still waits."""


@functools.cache
def client(service: str) -> Any:
    return boto3.client(service, config=CLIENT_CONFIG)


@functools.cache
def job_store() -> DynamoJobStore:
    """The jobs table and its key-value table alone (WebSocket and webhook Lambdas need no providers)."""
    return DynamoJobStore(os.environ["OMNIGEN_JOBS_TABLE"], os.environ.get("OMNIGEN_KV_TABLE"))


@functools.cache
def step_context() -> StepContext:
    load_secrets()
    return aws_context(load_settings())


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
def cognito_verifier() -> JwtVerifier:
    from omnigen.api.aws import cognito_verifier as verifier  # the API's Cognito adapter

    return verifier()


# --- steps -------------------------------------------------------------------------------------


def tasks() -> StepFunctionsTasks:
    return StepFunctionsTasks(client("stepfunctions"))


def run_step(
    event: dict[str, Any],
    table: dict[str, Callable[[StepContext, dict[str, Any]], dict[str, Any]]],
    lambda_context: Any = None,
) -> Any:
    """Run `event["step"]` from `table`, its model waits bounded by the invocation's remaining
    time. With a task token, report through Step Functions (omnigen.pipeline.tasks); without one
    (finalize, fail_job, the API's re-compose), return the result or raise."""
    step = str(event.get("step", ""))
    if step not in table:
        raise ValueError(f"this Lambda runs {sorted(table)}; it was asked for {step!r}")
    logger.append_keys(job_id=str(event["job_id"]), step=step)
    ctx = dataclasses.replace(step_context(), deadline=deadline_of(lambda_context))
    if not event.get("task_token"):
        done = table[step](ctx, event)
        metrics.add_metric(name="StepSucceeded", unit=MetricUnit.Count, value=1)
        return done
    result, error = run_as_task(
        lambda task: table[step](for_task(ctx, task), event),
        event,
        job_store(),
        tasks(),
        float(os.environ.get("OMNIGEN_HEARTBEAT_S", "60")),
    )
    metrics.add_metric(name="StepFailed" if error else "StepSucceeded", unit=MetricUnit.Count, value=1)
    return result or {"error": error_name(error) if error else None}
