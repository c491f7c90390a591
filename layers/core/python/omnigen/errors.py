"""An error that carries the HTTP answer a client gets for it.

Raised by the API's routes, and by the few parts below the API whose failures have an HTTP
meaning of their own (a webhook that is not provably Replicate's is a 401 wherever it arrives),
so those parts need not import the API to say so. `omnigen.api.problems` renders it as RFC 9457
`application/problem+json`.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        detail: str,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers
        self.extra = extra
        """Extension members of the problem (RFC 9457 §3.2), e.g. the limit a quota names."""
