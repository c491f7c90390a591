"""A request-size limit as plain ASGI middleware.

Plain ASGI, not `@app.middleware("http")`: Starlette's BaseHTTPMiddleware relays every response
chunk through an anyio memory stream and task group, which on a server holding hundreds of SSE
streams was the event loop's largest single cost (profiled under `bench/api.py`). This one only
looks at the request: the declared `content-length`, and the bytes actually received for a
chunked body, so a client cannot get past the limit by leaving the header out.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omnigen.api.problems import problem


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, exempt: Callable[[Scope], bool], detail: str):
        self.app = app
        self.max_bytes = max_bytes
        self.exempt = exempt
        self.detail = detail

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD") or self.exempt(scope):
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            await problem(413, self.detail)(scope, receive, send)
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # an HTTPException, so FastAPI's body reader passes it on (it turns other
                    # errors into a 400) and the app's problem+json handler answers it
                    raise HTTPException(413, self.detail)
            return message

        await self.app(scope, counted_receive, send)
