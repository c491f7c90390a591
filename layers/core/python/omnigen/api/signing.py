"""HMAC-signed asset URLs for the local server (the `AssetUrls` port's local backing): the key and
an expiry, signed with a secret kept in OMNIGEN_HOME, so a URL can be handed to a <video> element
and still expire in an hour. Uploads get the same kind of link, to the upload route."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from pathlib import Path
from urllib.parse import quote

URL_TTL_S = 3600


def load_or_create_secret(home: Path, configured: str | None = None) -> bytes:
    if configured:
        return configured.encode()
    path = home / "url-secret"
    if path.is_file():
        return path.read_bytes()
    home.mkdir(parents=True, exist_ok=True)
    value = secrets.token_bytes(32)
    path.write_bytes(value)
    path.chmod(0o600)
    return value


class UrlSigner:
    def __init__(self, secret: bytes, base: str = "/api/v1/assets/", upload_base: str = "/api/v1/uploads/"):
        self._secret = secret
        self.base = base
        self.upload_base = upload_base

    def _sig(self, key: str, exp: int) -> str:
        mac = hmac.new(self._secret, f"{key}\n{exp}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def url(self, key: str, ttl_s: int = URL_TTL_S, now: float | None = None) -> str:
        return self._link(self.base, key, ttl_s, now)

    def upload_url(
        self, key: str, content_type: str, size_bytes: int, ttl_s: int = URL_TTL_S
    ) -> tuple[str, dict[str, str]]:
        """A link to PUT the file to this server; the route checks type and size as it arrives."""
        return self._link(self.upload_base, key, ttl_s), {"Content-Type": content_type}

    def _link(self, base: str, key: str, ttl_s: int, now: float | None = None) -> str:
        exp = int((now or time.time()) + ttl_s)
        return f"{base}{quote(key)}?exp={exp}&sig={self._sig(key, exp)}"

    def valid(self, key: str, exp: str | int | None, sig: str | None, now: float | None = None) -> bool:
        try:
            exp_i = int(exp)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False
        if not sig or not sig.isascii() or exp_i < (now or time.time()):
            return False  # a real signature is URL-safe base64: ASCII (compare_digest needs that)
        return hmac.compare_digest(self._sig(key, exp_i), sig)
