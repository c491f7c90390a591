"""Share links for an outside reviewer: `<link_id>.<expiry>.<signature>`, the signature an HMAC
of the link, its job, version and expiry under a secret the deployment keeps in its key-value
store (made once, atomically). The job and version are never in the token: they are looked up by
the link id, and the signature must match them, so a token cannot be bent to reach anything else.
Revocation is an audit entry; an expired or revoked link answers 410, anything else 404."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass

from omnigen.api.deps import Services
from omnigen.api.problems import ApiError

NAMESPACE = "share-link"
SECRET_NS, SECRET_KEY = "secret", "share-links"
KEEP_AFTER_EXPIRY_S = 30 * 24 * 3600
"""How long an expired link still answers 410 (then, like any unknown link, 404)."""
TOKEN = re.compile(r"^([0-9a-f]{16})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class LinkTarget:
    link_id: str
    job_id: str
    version: int
    expires_at: int


def _secret(svc: Services) -> bytes:
    return svc.kv.kv_put_if_absent(SECRET_NS, SECRET_KEY, secrets.token_hex(32)).encode()


def _sign(secret: bytes, t: LinkTarget) -> str:
    mac = hmac.new(secret, f"{t.link_id}\n{t.job_id}\n{t.version}\n{t.expires_at}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def issue(svc: Services, job_id: str, version: int, expires_in_s: int) -> tuple[LinkTarget, str]:
    target = LinkTarget(secrets.token_hex(8), job_id, version, int(time.time()) + expires_in_s)
    value = json.dumps({"job_id": job_id, "version": version, "expires_at": target.expires_at})
    svc.kv.kv_put(NAMESPACE, target.link_id, value, ttl_s=expires_in_s + KEEP_AFTER_EXPIRY_S)
    return target, f"{target.link_id}.{target.expires_at}.{_sign(_secret(svc), target)}"


def resolve(svc: Services, token: str) -> LinkTarget:
    """The link's target; 404 for a token that is not one of ours, 410 once it has expired (the
    caller checks revocation against the job's audit trail)."""
    m = TOKEN.match(token)
    stored = svc.kv.kv_get(NAMESPACE, m.group(1)) if m else None
    if m is None or stored is None:
        raise ApiError(404, "no such review link")
    data = json.loads(stored)
    target = LinkTarget(m.group(1), str(data["job_id"]), int(data["version"]), int(data["expires_at"]))
    if int(m.group(2)) != target.expires_at or not hmac.compare_digest(_sign(_secret(svc), target), m.group(3)):
        raise ApiError(404, "no such review link")
    if target.expires_at < time.time():
        raise ApiError(410, "this review link has expired; ask for a new one")
    return target
