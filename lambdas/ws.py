"""The WebSocket API's routes: the $connect authorizer (a Cognito ID token in `?token=`, since
browsers cannot set headers on a WebSocket), $connect, $disconnect and `subscribe`
(`{"action": "subscribe", "job_id": ..., "last_seq": 0}` — the same message as the local
server's WebSocket; events after `last_seq` are replayed, later ones arrive from the fan-out)."""

from __future__ import annotations

import json
import os
from typing import Any

from lambdas.fanout import connections, push
from lambdas.runtime import cognito_verifier, job_store, logger, tracer

OK = {"statusCode": 200}


@logger.inject_lambda_context
def authorizer(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from omnigen.api.auth import AuthError
    from omnigen.api.hosts import handshake_origin_allowed

    # a page elsewhere must not connect with a token it got hold of (browsers send its Origin)
    if not handshake_origin_allowed(event.get("headers") or {}, os.environ.get("OMNIGEN_CORS_ORIGINS", "").split(",")):
        logger.info("connection refused", reason="the page's Origin is not the web app's")
        raise Exception("Unauthorized")  # API Gateway answers 401
    token = (event.get("queryStringParameters") or {}).get("token", "")
    try:
        claims = cognito_verifier().claims(token)
    except AuthError as err:
        logger.info("connection refused", reason=str(err))
        raise Exception("Unauthorized") from None  # API Gateway answers 401
    return {
        "principalId": claims["sub"],
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}],
        },
        "context": {"user_id": claims["sub"]},
    }


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def connect(event: dict[str, Any], context: Any) -> dict[str, Any]:
    ctx = event["requestContext"]
    connections().add(ctx["connectionId"], ctx["authorizer"]["user_id"])
    return OK


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def disconnect(event: dict[str, Any], context: Any) -> dict[str, Any]:
    connections().remove(event["requestContext"]["connectionId"])
    return OK


def _send(connection_id: str, message: dict[str, Any] | str) -> None:
    data = message if isinstance(message, str) else json.dumps(message)
    push().send(connection_id, data.encode())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def subscribe(event: dict[str, Any], context: Any) -> dict[str, Any]:
    connection_id = event["requestContext"]["connectionId"]
    try:
        msg = json.loads(event.get("body") or "{}")
        job_id, after = str(msg.get("job_id", "")), int(msg.get("last_seq", 0))
    except (ValueError, AttributeError, TypeError):
        _send(connection_id, {"error": 'send JSON like {"action": "subscribe", "job_id": "..."}'})
        return OK
    user = connections().user(connection_id)
    jobs = job_store()
    job = jobs.get(job_id) if job_id and len(job_id) <= 64 else None
    if user is None or job is None or job.user_id != user:
        _send(connection_id, {"error": f"no job {job_id}", "job_id": job_id})
        return OK
    connections().subscribe(connection_id, user, job_id)
    for progress in jobs.events(job_id, after):
        _send(connection_id, progress.model_dump_json())
    return OK
