"""Replicate's webhook (`POST /api/v1/webhooks/replicate?task=...`, open route, signature checked).

The signature is checked by the one verifier the local server uses too
(`omnigen.providers.replicate.webhook.verify_webhook`): HMAC-SHA256 of `id.timestamp.body`,
constant-time compare, nothing older than five minutes, and a webhook id seen before is
acknowledged and ignored (ids kept in the key-value table).

A verified callback finds its Step Functions task by the `task` id the step put in the URL:
a failed or cancelled prediction fails the task at once, under the error name the step itself
would give the same failure (retryable, so the state machine retries the step, then fails the job),
without waiting for the step to notice; any other callback is a heartbeat. The step itself
sends task success, once the output it copied from Replicate is in S3 (omnigen.pipeline.tasks).
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from lambdas.runtime import job_store, logger, tasks, tracer
from omnigen.pipeline.tasks import TASK_NAMESPACE, report_prediction
from omnigen.providers.replicate.webhook import StoredSeenIds, WebhookRejected, verify_webhook
from omnigen.providers.secrets import load_secrets


class SeenIds(StoredSeenIds):
    """Webhook ids already handled, in this deployment's key-value table (shared by every
    container, for the replay window)."""

    def __init__(self) -> None:
        super().__init__(job_store())


def _reply(status: int, message: str | None = None) -> dict[str, Any]:
    if message is None:
        return {"statusCode": status, "body": ""}
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/problem+json"},
        "body": json.dumps({"title": message, "status": status}),
    }


def _notify(task: dict[str, Any], prediction: dict[str, Any]) -> None:
    report_prediction(tasks(), task, prediction)


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
    stored = job_store().kv_get(TASK_NAMESPACE, task_id) if task_id else None
    if stored is None:  # a prediction made outside a pipeline task, or its task has ended
        return _reply(204)
    _notify(json.loads(stored), prediction)
    return _reply(204)
