"""A tiny HTTP endpoint on 127.0.0.1 that hands deliveries to a `WebhookReceiver`, the way
`POST /api/v1/webhooks/replicate` does, so the fake's signed webhooks travel over real HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from omnigen.api.problems import ApiError


@contextmanager
def serve_receiver(receiver: Any) -> Iterator[tuple[str, list[int]]]:
    """Yield (webhook URL, list of the status codes answered)."""
    answered: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, payload = 204, b""
            try:
                receiver.handle(headers, body)
            except ApiError as err:
                status, payload = err.status, json.dumps({"detail": err.detail, "status": err.status}).encode()
            answered.append(status)
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v1/webhooks/replicate", answered
    finally:
        server.shutdown()
        server.server_close()
