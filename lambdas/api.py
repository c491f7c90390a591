"""The REST API Lambda: the `omnigen.api` FastAPI app behind Mangum, on AWS services."""

from __future__ import annotations

import os

from fastapi.middleware.cors import CORSMiddleware
from mangum import Mangum

from lambdas.runtime import cognito_verifier, logger, step_context, tracer
from omnigen.api.app import create_app
from omnigen.api.aws import aws_services

app = create_app(aws_services(step_context(), cognito_verifier()), web_dir=None)
app.add_middleware(
    CORSMiddleware,
    allow_origins=[o for o in os.environ.get("OMNIGEN_CORS_ORIGINS", "").split(",") if o],
    allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID", "If-Match"],
    expose_headers=["Idempotent-Replayed", "ETag"],  # the draft's revision, sent back as If-Match
    max_age=3600,
)
_mangum = Mangum(app, lifespan="off")


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler
def handler(event, context):  # type: ignore[no-untyped-def]
    return _mangum(event, context)
