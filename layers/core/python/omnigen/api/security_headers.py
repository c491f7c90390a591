"""Security headers on every HTTP response: the web app, the API (JSON, problem+json, SSE) and
the assets, here and, through the same app behind Mangum, on API Gateway.

- `X-Content-Type-Options: nosniff`: a browser never runs an asset or a JSON body as something
  other than its declared type.
- `Content-Security-Policy`: the web app loads only its own scripts, styles, images, media and
  connections (the Vite build has no inline script or style); API bodies and assets may load
  nothing at all. `frame-ancestors 'none'` everywhere (and `X-Frame-Options: DENY` for older
  browsers): no page elsewhere can frame the app to trick a click.
- `Referrer-Policy: no-referrer`: signed asset links and job ids never leave in a Referer.

The interactive API docs are the one page with an inline script (FastAPI's Swagger/ReDoc
loaders), so they get their own allowance — still this server only (their bundles are served
offline by api/docs.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def web_csp(elsewhere: str = "", connect_elsewhere: str = "") -> str:
    """The web app's policy. Served by the local server everything is its own (`'self'`); from
    CloudFront (stacks/web.py) its media and uploads are on S3 (`elsewhere`) and it talks to
    API Gateway, its WebSocket and Cognito (`connect_elsewhere`)."""
    more, connect = f" {elsewhere}" if elsewhere else "", f" {connect_elsewhere}" if connect_elsewhere else ""
    return (
        f"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:{more}; "
        f"media-src 'self' blob:{more}; font-src 'self'; connect-src 'self'{more}{connect}; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


WEB_CSP = web_csp()
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
"""The docs pages load their bundles from this server only (api/docs.py serves them offline)."""
COMMON = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


def csp_for(path: str, api_prefix: str, docs_paths: Iterable[str]) -> str:
    """The policy for a response to `path`: the docs pages', the API's (assets included) or the web app's."""
    if any(path == d or path.startswith(d + "/") for d in docs_paths):
        return DOCS_CSP
    return API_CSP if path.startswith(api_prefix) else WEB_CSP


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, api_prefix: str, docs_paths: Iterable[str] = ()):
        self.app = app
        self.api_prefix = api_prefix
        self.docs_paths = tuple(docs_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = csp_for(scope["path"], self.api_prefix, self.docs_paths).encode()

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = [*COMMON, (b"content-security-policy", policy)]
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
