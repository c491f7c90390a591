"""Errors as RFC 9457 `application/problem+json`, each with a message a person can act on and,
for validation errors, the fields at fault (the web app shows them at the form fields)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path
from starlette.types import Scope

from omnigen.api.auth import AuthError
from omnigen.brief import BriefError
from omnigen.config import ConfigError
from omnigen.errors import ApiError
from omnigen.store.ports import NotFound, StoreError
from omnigen.validation import located_errors

PROBLEM = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request too large",
    415: "Unsupported media type",
    416: "Range not satisfiable",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    503: "Unavailable",
}


def problem(
    status: int,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        **(extra or {}),
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


REQUEST_PARTS = ("body", "query", "path", "header")


def allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """Every method some route serves at this path. Starlette's own Allow names only the first
    route matching the path, but one path often has several (GET and PUT of a timeline); a
    path only the web app's static files serve allows GET and HEAD."""
    methods: set[str] = set()
    for route in iter_route_contexts(app.routes):  # FastAPI's own walk (what its OpenAPI uses)
        if route.methods and route.path and compile_path(route.path)[0].match(scope["path"]):
            methods |= route.methods
    return sorted(methods or {"GET", "HEAD"})


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, err: ApiError) -> JSONResponse:
        return problem(err.status, err.detail, err.errors, err.headers, err.extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, err: RequestValidationError) -> JSONResponse:
        # A model-level check names its field in its message: it goes in `field` too, where the
        # web app looks to show the error beside the input.
        located = located_errors(err.errors(), skip=REQUEST_PARTS)
        errors = [{"field": field, "message": message} for field, message in located]
        summary = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors)
        return problem(422, f"the request is not valid: {summary}", errors)

    @app.exception_handler(BriefError)
    async def _brief(_: Request, err: BriefError) -> JSONResponse:
        errors = [{"field": f, "message": m} for f, m in err.problems]
        return problem(422, f"the brief is not valid: {err}", errors)

    @app.exception_handler(AuthError)
    async def _auth(_: Request, err: AuthError) -> JSONResponse:
        return problem(401, str(err), headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(NotFound)
    async def _missing(_: Request, err: NotFound) -> JSONResponse:
        return problem(404, str(err))

    @app.exception_handler(StoreError)
    async def _store(_: Request, err: StoreError) -> JSONResponse:
        return problem(503, f"storage is unavailable: {err}")

    @app.exception_handler(ConfigError)
    async def _config(_: Request, err: ConfigError) -> JSONResponse:
        return problem(503, str(err))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException) -> JSONResponse:
        headers = dict(getattr(err, "headers", None) or {})
        if err.status_code == 405:
            allow = allowed_methods(request.app, request.scope)
            headers["Allow"] = ", ".join(allow)
            return problem(405, f"{request.method} is not allowed here; use {' or '.join(allow)}", headers=headers)
        return problem(err.status_code, str(err.detail), headers=headers or None)

    @app.exception_handler(Exception)
    async def _crash(_: Request, err: Exception) -> JSONResponse:
        return problem(500, f"the server failed: {type(err).__name__}. The error was logged; try again.")


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
