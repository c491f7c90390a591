"""No non-finite number in any JSON request body, on every route.

Python's JSON reader (which FastAPI uses) accepts `Infinity`, `-Infinity` and `NaN`, and turns a
number too large for a float (`1e999`) into infinity; a model field bounded only from one side
(`out_s > 0`) then lets it through, and it is stored as `null`, which nothing can read back.
The models refuse non-finite numbers too (`allow_inf_nan=False`), but only where they declare a
float; this guard covers every body, whatever its model, and names the field at fault in the
same problem+json shape as any other invalid input.

It runs inside `BodyLimit`, so the body it reads whole is at most 1 MB. Bodies that are not
JSON, or not valid JSON, pass through untouched for the route to judge.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omnigen.api.problems import problem

METHODS = ("POST", "PUT", "PATCH")


def non_finite(value: Any, path: tuple[str, ...] = ()) -> Iterator[str]:
    """The dotted paths (`clips.0.out_s`) of every non-finite number in a decoded JSON value."""
    if isinstance(value, float) and not math.isfinite(value):
        yield ".".join(path)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from non_finite(v, (*path, str(k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from non_finite(v, (*path, str(i)))


def _is_json(scope: Scope) -> bool:
    ctype = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0].strip().lower()
    return ctype == b"application/json" or ctype.endswith(b"+json")


class FiniteJson:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in METHODS or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        body = bytearray()
        try:
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    break
                body += message.get("body", b"")
                if not message.get("more_body", False):
                    break
        except HTTPException as err:  # BodyLimit: the body is over the limit
            await problem(err.status_code, str(err.detail))(scope, receive, send)
            return
        try:
            fields = list(non_finite(json.loads(body)))
        except (ValueError, RecursionError):
            fields = []  # not JSON the route can read either: it answers that itself
        if fields:
            errors = [
                {"field": f, "message": "must be a finite number (not Infinity, NaN or beyond ±1.8e308)"}
                for f in fields
            ]
            summary = ", ".join(f or "body" for f in fields)
            await problem(422, f"the request is not valid: numbers must be finite ({summary})", errors)(
                scope, receive, send
            )
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
