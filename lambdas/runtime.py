"""What every OmniGen Lambda shares: Powertools logging, tracing and metrics; the providers'
secrets read once per container (omnigen.providers.secrets); the step context (DynamoDB + S3 +
providers, omnigen.pipeline.context) built once per container; and the Step Functions
task-token protocol the pipeline's model steps use.

Task-token protocol (`.waitForTaskToken` tasks in stacks/pipeline.py): the event carries
`task_token`. The handler records it under the job and track (so the webhook Lambda can fail the
task as soon as Replicate reports a failed prediction), tells Replicate to call back with that
record's id, sends a heartbeat every `OMNIGEN_HEARTBEAT_S` while the step runs (a Lambda that
dies stops them, and the task's HeartbeatSeconds retries it), and ends the task itself: success
with the step's result once its outputs are in S3, or failure with an error name the state
machine's Retry and Catch rules match.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
from collections.abc import Callable
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from botocore.config import Config
from botocore.exceptions import ClientError

from omnigen.api.auth import JwtVerifier
from omnigen.config import load_settings
from omnigen.pipeline.context import StepContext, aws_context, for_task
from omnigen.pipeline.lifecycle import error_name, error_of
from omnigen.providers.secrets import load_secrets
from omnigen.store.dynamodb import DynamoJobStore

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "OmniGen"))

CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard", "max_attempts": 5})
TASK_NAMESPACE = "task"
TASK_TTL_S = 24 * 3600


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
    from omnigen.api.aws import cognito_verifier as verifier

    return verifier()


# --- steps -------------------------------------------------------------------------------------


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
            cause = json.dumps(error_of(step, err))
            sfn.send_task_failure(taskToken=token, error=error_name(err), cause=cause[:32000])
    except ClientError as client_err:
        # The execution was stopped (cancel) or the task timed out: nobody is waiting any more.
        code = client_err.response.get("Error", {}).get("Code", "")
        if code not in ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist"):
            raise
        logger.info("task already closed", code=code)


def run_step(event: dict[str, Any], table: dict[str, Callable[[StepContext, dict[str, Any]], dict[str, Any]]]) -> Any:
    """Run `event["step"]` from `table`. With a task token, report through Step Functions;
    without one (finalize, fail_job, the API's re-compose), return the result or raise."""
    step = str(event.get("step", ""))
    if step not in table:
        raise ValueError(f"this Lambda runs {sorted(table)}; it was asked for {step!r}")
    job_id = str(event["job_id"])
    logger.append_keys(job_id=job_id, step=step)
    token = event.get("task_token")
    if not token:
        result = table[step](step_context(), event)
        metrics.add_metric(name="StepSucceeded", unit=MetricUnit.Count, value=1)
        return result
    # One record per attempt: a retried task gets a new token, and the attempt it replaces (still
    # running after the webhook failed it) must not delete the new attempt's record when it ends.
    task_id = f"{job_id}:{track_of(event)}:{hashlib.sha256(str(token).encode()).hexdigest()[:12]}"
    store = job_store()
    store.kv_put(TASK_NAMESPACE, task_id, json.dumps({"token": token, "step": step}), TASK_TTL_S)
    result, error = None, None
    with Heartbeat(token, float(os.environ.get("OMNIGEN_HEARTBEAT_S", "60"))):
        try:
            result = table[step](for_task(step_context(), task_id), event)
        except Exception as err:
            logger.exception("step failed")
            error = err
    finish_task(token, result, error, step)
    metrics.add_metric(name="StepFailed" if error else "StepSucceeded", unit=MetricUnit.Count, value=1)
    store.kv_delete(TASK_NAMESPACE, task_id)
    return result or {"error": error_name(error) if error else None}
