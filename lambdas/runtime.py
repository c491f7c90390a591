"""What every OmniGen Lambda shares: Powertools logging, tracing and metrics; the providers'
secrets read once per container (omnigen.providers.secrets); the step context (DynamoDB + S3 +
providers, omnigen.pipeline.context) and the AWS clients built once per container; and the
dispatch of a step event, run as a Step Functions task when it carries a token
(omnigen.pipeline.tasks).
"""

from __future__ import annotations

import functools
import os
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


@functools.cache
def cognito_verifier() -> JwtVerifier:
    from omnigen.api.aws import cognito_verifier as verifier  # the API's Cognito adapter

    return verifier()


# --- steps -------------------------------------------------------------------------------------


def tasks() -> StepFunctionsTasks:
    return StepFunctionsTasks(client("stepfunctions"))


def run_step(event: dict[str, Any], table: dict[str, Callable[[StepContext, dict[str, Any]], dict[str, Any]]]) -> Any:
    """Run `event["step"]` from `table`. With a task token, report through Step Functions
    (omnigen.pipeline.tasks); without one (finalize, fail_job, the API's re-compose), return
    the result or raise."""
    step = str(event.get("step", ""))
    if step not in table:
        raise ValueError(f"this Lambda runs {sorted(table)}; it was asked for {step!r}")
    logger.append_keys(job_id=str(event["job_id"]), step=step)
    if not event.get("task_token"):
        done = table[step](step_context(), event)
        metrics.add_metric(name="StepSucceeded", unit=MetricUnit.Count, value=1)
        return done
    result, error = run_as_task(
        lambda task: table[step](for_task(step_context(), task), event),
        event,
        job_store(),
        tasks(),
        float(os.environ.get("OMNIGEN_HEARTBEAT_S", "60")),
    )
    metrics.add_metric(name="StepFailed" if error else "StepSucceeded", unit=MetricUnit.Count, value=1)
    return result or {"error": error_name(error) if error else None}
