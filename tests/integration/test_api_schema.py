"""Schemathesis against the app's own OpenAPI schema: no 5xx for any generated request, and
every documented response matches its schema. Jobs are created but not run (queued only), so
the fuzzing measures the HTTP contract, not the renderer."""

from __future__ import annotations

import schemathesis
from api_harness import QueueOnly
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from omnigen.api.app import create_app, local_services
from omnigen.config import load_settings


def _app(tmp_root):
    s = load_settings({"OMNIGEN_HOME": str(tmp_root), "OMNIGEN_PROVIDERS": "local"})
    services = local_services(s)
    services.launcher = QueueOnly(services.ctx)
    services.loopback_only = False  # schemathesis calls as `testserver`; the Host check has its own tests
    return create_app(services, web_dir=None)


import tempfile  # noqa: E402

APP = _app(tempfile.mkdtemp(prefix="omnigen-schema-"))
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_schema(case):
    case.call_and_validate(
        checks=[
            not_a_server_error,
            response_schema_conformance,
            content_type_conformance,
            status_code_conformance,
            negative_data_rejection,
        ]
    )
