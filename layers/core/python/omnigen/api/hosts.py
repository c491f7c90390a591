"""Who may address this server, by name: the Host check (against DNS rebinding) and the
WebSocket Origin check (against a page elsewhere reading a job's progress).

The loopback server asks for no login, so a page on any site whose name an attacker points at
127.0.0.1 (DNS rebinding) could otherwise call it as the local user: the browser sends that
site's name as `Host`. On loopback only loopback names (plus `OMNIGEN_ALLOWED_HOSTS`) are
answered. Browsers do not apply the same-origin policy to WebSockets, so the handshake's
`Origin` must be the server's own origin (the one its `Host` names) or one configured in
`OMNIGEN_ALLOWED_ORIGINS`; clients that are not browsers send no Origin and are let through
to the usual authentication.

Plain ASGI middleware, like `BodyLimit`, so it costs nothing per streamed chunk.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Receive, Scope, Send

from omnigen.api.problems import problem

if TYPE_CHECKING:
    from omnigen.api.deps import Services


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an address, IPv6 with or without brackets) is this machine's
    loopback: `localhost`, 127.0.0.0/8 or ::1. A name that merely starts with "127." is not."""
    name = host.strip().lower().removeprefix("[").removesuffix("]").removesuffix(".")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str:
    """The name in a Host header, without its port: `[::1]:8000` → `::1`, `a.b:80` → `a.b`."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    name, colon, port = header.rpartition(":")
    return name if colon and port.isdigit() and ":" not in name else header


def origin_listed(origin: str, allowed: Iterable[str]) -> bool:
    """Whether a browser's `Origin` is one of `allowed` (scheme://host[:port], case-blind)."""
    return origin.strip().lower().rstrip("/") in {a.strip().lower().rstrip("/") for a in allowed if a.strip()}


def handshake_origin_allowed(headers: Mapping[str, str], allowed: Iterable[str]) -> bool:
    """A WebSocket handshake is a browser page's when it has an Origin: that must be listed.
    (The AWS $connect authorizer's check; the local server's is `HostGuard`.)"""
    origin = next((v for k, v in headers.items() if k.lower() == "origin"), None)
    return origin is None or origin_listed(origin, allowed)


class HostGuard:
    """Refuses requests whose Host is not one of ours (when the services are `loopback_only`)
    and WebSocket handshakes whose Origin is neither the server's own origin nor a configured
    one. Its settings are read from the app's services on each request, so the app can be
    built before (or, for its OpenAPI alone, without) them."""

    def __init__(self, app: ASGIApp, exempt: tuple[str, ...] = ()):
        self.app = app
        self.exempt = exempt
        """Path prefixes that prove themselves (Replicate's signed webhooks, which arrive through
        a tunnel under its public name): the Host check does not apply to them."""

    @staticmethod
    def host_allowed(services: Services, host: str) -> bool:
        name = host_name(host)
        return not services.loopback_only or is_loopback(name) or name in services.ctx.settings.allowed_hosts

    @staticmethod
    def origin_allowed(services: Services, origin: str, host: str, secure: bool) -> bool:
        """The page's origin is this server's own (same scheme, same Host) or a configured one."""
        own = f"{'https' if secure else 'http'}://{host.strip().lower()}"
        return origin_listed(origin, [own, *services.ctx.settings.allowed_origins])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        services: Services = scope["app"].state.services
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        if not self.host_allowed(services, host) and not scope["path"].startswith(self.exempt):
            detail = (
                f"this server answers only to its loopback names (127.0.0.1, localhost), not {host_name(host)!r}; "
                "add a name you trust to OMNIGEN_ALLOWED_HOSTS"
            )
            await self._refuse(scope, receive, send, 421, detail)
            return
        origin = headers.get("origin")
        if (
            scope["type"] == "websocket"
            and origin is not None
            and not self.origin_allowed(services, origin, host, scope.get("scheme") in ("wss", "https"))
        ):
            await self._refuse(scope, receive, send, 403, f"WebSocket connections from {origin} are not allowed")
            return
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, detail: str) -> None:
        if scope["type"] == "websocket":
            # closing before accepting makes the server answer the handshake with HTTP 403
            await receive()  # the websocket.connect message
            await send({"type": "websocket.close", "code": 1008, "reason": detail[:120]})
            return
        await problem(status, detail)(scope, receive, send)
