"""Replicate's webhook (`POST /api/v1/webhooks/replicate?task=...`, open route, signature checked).

Replicate signs each callback the Standard Webhooks way: `webhook-signature` holds
`v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">` keyed with the secret
(`whsec_<base64>`). A callback that fails the check, or is older than five minutes, is refused.

A verified callback finds its Step Functions task by the `task` id the step put in the URL:
a failed or cancelled prediction fails the task at once (the state machine retries or fails the
job without waiting for the step to notice); any other callback is a heartbeat. The step itself
sends task success, once the output it copied from Replicate is in S3.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from typing import Any

from botocore.exceptions import ClientError

from lambdas.runtime import TASK_NAMESPACE, client, job_store, load_secrets, logger, tracer

TOLERANCE_S = 300
FAILED_STATES = {"failed": "Replicate.PredictionFailed", "canceled": "Replicate.PredictionCanceled"}


class BadSignature(Exception):
    pass


def verify(headers: dict[str, str], body: bytes, secret: str, now: float | None = None) -> None:
    h = {k.lower(): v for k, v in headers.items()}
    msg_id, stamp, signatures = h.get("webhook-id"), h.get("webhook-timestamp"), h.get("webhook-signature")
    if not (msg_id and stamp and signatures and secret):
        raise BadSignature("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        age = abs((now or time.time()) - int(stamp))
    except ValueError:
        raise BadSignature("webhook-timestamp is not a number") from None
    if age > TOLERANCE_S:
        raise BadSignature("the callback is too old (or from the future)")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()).decode()
    for part in signatures.split():
        version, _, sig = part.partition(",")
        if version == "v1" and hmac.compare_digest(sig, expected):
            return
    raise BadSignature("no signature matches")


def _reply(status: int, message: str | None = None) -> dict[str, Any]:
    if message is None:
        return {"statusCode": status, "body": ""}
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/problem+json"},
        "body": json.dumps({"title": message, "status": status}),
    }


def _notify(task: dict[str, Any], prediction: dict[str, Any]) -> None:
    sfn = client("stepfunctions")
    state = str(prediction.get("status", ""))
    try:
        if state in FAILED_STATES:
            cause = {
                "step": task.get("step", "replicate"),
                "message": f"Replicate prediction {prediction.get('id')} {state}: {prediction.get('error') or ''}",
                "detail": str(prediction.get("logs") or "")[-4000:],
            }
            sfn.send_task_failure(taskToken=task["token"], error=FAILED_STATES[state], cause=json.dumps(cause))
        else:
            sfn.send_task_heartbeat(taskToken=task["token"])
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
        verify(event.get("headers") or {}, raw, os.environ.get("OMNIGEN_WEBHOOK_SECRET", ""))
    except BadSignature as err:
        logger.warning("webhook refused", reason=str(err))
        return _reply(401, f"bad webhook signature: {err}")
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
