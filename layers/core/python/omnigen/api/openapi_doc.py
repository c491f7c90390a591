"""The OpenAPI document says what the app really answers.

Each route declares the outcomes of its own logic (`responses=`: a 409 when a job is still
running, a 403 for a bad signature). What follows from how the app is built is added here to
every operation it applies to, so no route can forget it:

- 401 on a route that asks who the caller is (`current_user`);
- 404 on a route with a path parameter (a job, version or asset that is not the caller's);
- 400 (a body that cannot be read) and 413 (the 1 MB limit) on a route that takes a body,
  422 on one with any input;
- 421 everywhere (the loopback server answers only its own host names), 503 everywhere
  (the job store or asset store is unavailable, the message names it).

Every error response is `application/problem+json` with the Problem schema.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from omnigen.api.problems import PROBLEM, PROBLEM_SCHEMA

COMMON: dict[int, str] = {
    400: "the body cannot be read (not UTF-8 JSON)",
    401: "not signed in, or the token is not valid",
    404: "no such job, version or asset for this caller",
    413: "the request body is larger than its limit",
    421: "the Host is not one of this server's names (the loopback server answers only loopback names)",
    422: "the input is not valid: `errors` names each field and what is wrong",
    503: "a store the request needs is unavailable; the message names it and what to do",
}


def implied_statuses(op: dict[str, Any]) -> list[int]:
    """The error statuses an operation can answer by how it is built, whatever its own logic,
    read from the operation itself: a caller is asked for by the `authorization` header
    parameter (`current_user`), a path parameter names something that may not be the caller's."""
    params = op.get("parameters", [])
    codes = [421, 503]
    if any(p.get("in") == "header" and p.get("name", "").lower() == "authorization" for p in params):
        codes.append(401)
    if any(p.get("in") == "path" for p in params):
        codes.append(404)
    if "requestBody" in op:
        codes += [400, 413]
    if params or "requestBody" in op:
        codes.append(422)
    return codes


def document(app: FastAPI) -> None:
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        for item in schema.get("paths", {}).values():
            for op in item.values():
                if not isinstance(op, dict):
                    continue
                responses = op.setdefault("responses", {})
                for code in implied_statuses(op):
                    responses.setdefault(str(code), {"description": COMMON[code]})
                op["responses"] = responses = dict(sorted(responses.items()))
                for status, response in responses.items():
                    if status.isdigit() and int(status) >= 400:
                        response["content"] = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
