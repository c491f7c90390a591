"""Replicate's webhook (`POST /api/v1/webhooks/replicate?task=...`, open route, signature checked).

The signature is checked by the one verifier the local server uses too
(`omnigen.providers.replicate.webhook.verify_webhook`): HMAC-SHA256 of `id.timestamp.body`,
constant-time compare, nothing older than five minutes, and a webhook id seen before is
acknowledged and ignored (ids kept in the key-value table).

A verified callback finds its Step Functions task by the `task` id the step put in the URL:
a failed or cancelled prediction fails the task at once, under the error name the step itself
would give the same failure (retryable, so the state machine retries the step, then fails the job),
without waiting for the step to notice; any other callback is a heartbeat. The step itself
sends task success, once the output it copied from Replicate is in S3.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator, MutableSet
from typing import Any

from botocore.exceptions import ClientError

from lambdas.runtime import TASK_NAMESPACE, client, finish_task, job_store, load_secrets, logger, tracer
from omnigen.providers.ports import ProviderError
from omnigen.providers.replicate.webhook import WebhookRejected, verify_webhook

TOLERANCE_S = 300
FAILED_STATES = ("failed", "canceled", "aborted")  # aborted: queued past its deadline, never started


class SeenIds(MutableSet[str]):
    """Webhook ids already handled, kept in the store's key-value table for the replay window
    (Replicate resends a delivery it thinks failed; a forged replay is refused the same way)."""

    NAMESPACE = "webhook-id"

    def __contains__(self, msg_id: object) -> bool:
        return job_store().kv_get(self.NAMESPACE, str(msg_id)) is not None  # type: ignore[attr-defined]

    def add(self, msg_id: str) -> None:
        job_store().kv_put(self.NAMESPACE, msg_id, "1", ttl_s=2 * TOLERANCE_S)  # type: ignore[attr-defined]

    def discard(self, msg_id: str) -> None:
        job_store().kv_delete(self.NAMESPACE, msg_id)  # type: ignore[attr-defined]

    def __iter__(self) -> Iterator[str]:
        return iter(())  # the table is not listed: only membership matters

    def __len__(self) -> int:
        return 0


def _reply(status: int, message: str | None = None) -> dict[str, Any]:
    if message is None:
        return {"statusCode": status, "body": ""}
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/problem+json"},
        "body": json.dumps({"title": message, "status": status}),
    }


def _notify(task: dict[str, Any], prediction: dict[str, Any]) -> None:
    state = str(prediction.get("status", ""))
    if state in FAILED_STATES:
        # The same failure the step's runner raises when it sees this status (retryable).
        logger.info("prediction ended", prediction=prediction.get("id"), logs=str(prediction.get("logs") or "")[-4000:])
        reason = str(prediction.get("error") or "no error message").strip()
        err = ProviderError(f"Replicate prediction {prediction.get('id')} {state}: {reason}", retryable=True)
        finish_task(task["token"], None, err, str(task.get("step", "replicate")))
        return
    try:
        client("stepfunctions").send_task_heartbeat(taskToken=task["token"])
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") not in ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist"):
            raise
        logger.info("task already closed", prediction=prediction.get("id"))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    load_secrets()
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
    if len(raw) > 1024 * 1024:
        return _reply(413, "webhook body too large")
    try:
        fresh = verify_webhook(event.get("headers") or {}, raw, os.environ.get("OMNIGEN_WEBHOOK_SECRET", ""), SeenIds())
    except WebhookRejected as err:
        logger.warning("webhook refused", reason=str(err))
        return _reply(401, f"bad webhook signature: {err}")
    if not fresh:  # a delivery already handled
        return _reply(204)
    try:
        prediction = json.loads(raw)
    except ValueError:
        return _reply(400, "the body is not JSON")
    task_id = (event.get("queryStringParameters") or {}).get("task")
    stored = job_store().kv_get(TASK_NAMESPACE, task_id) if task_id else None  # type: ignore[attr-defined]
    if stored is None:  # a prediction made outside a pipeline task, or its task has ended
        return _reply(204)
    _notify(json.loads(stored), prediction)
    return _reply(204)
