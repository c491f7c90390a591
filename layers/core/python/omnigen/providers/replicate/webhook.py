"""Verifying Replicate's webhook deliveries before anything in them is trusted.

A webhook is an unauthenticated POST, so Replicate signs each one (the Standard Webhooks scheme
its docs describe): HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the
base64 part of the account's `whsec_…` secret, sent as one or more `v1,<base64>` entries in
`webhook-signature`. A captured delivery can be replayed with its valid signature, hence the
timestamp window and the memory of ids already handled.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Iterator, Mapping, MutableSet

from omnigen.store.ports import KeyValue

TOLERANCE_S = 300.0
"""Deliveries older (or further in the future) than five minutes are refused."""


class StoredSeenIds(MutableSet[str]):
    """Webhook ids already handled, kept in a `KeyValue` store for the replay window, so every
    process answering webhooks (each Lambda container) shares one memory: Replicate resends a
    delivery it thinks failed, and a forged replay is refused the same way. Only membership is
    asked of it; the store is never listed."""

    NAMESPACE = "webhook-id"

    def __init__(self, kv: KeyValue, keep_s: float = 2 * TOLERANCE_S):
        self.kv = kv
        self.keep_s = keep_s

    def __contains__(self, msg_id: object) -> bool:
        return self.kv.kv_get(self.NAMESPACE, str(msg_id)) is not None

    def add(self, msg_id: str) -> None:
        self.kv.kv_put(self.NAMESPACE, msg_id, "1", ttl_s=self.keep_s)

    def discard(self, msg_id: str) -> None:
        self.kv.kv_delete(self.NAMESPACE, msg_id)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


class WebhookRejected(ValueError):
    """The delivery is not provably from Replicate; the message says which check failed."""


def verify_webhook(
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    seen_ids: MutableSet[str],
    now: float | None = None,
) -> bool:
    """Check one delivery. True: authentic and new (act on it; its id is now in `seen_ids`).
    False: authentic but a webhook id already handled (Replicate resends on failure; acknowledge
    and ignore it). Raises WebhookRejected for a missing header, a stale or future timestamp, a
    malformed secret or a signature that does not match — the sender is then not Replicate.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    msg_id = lower.get("webhook-id", "").strip()
    stamp = lower.get("webhook-timestamp", "").strip()
    signatures = lower.get("webhook-signature", "").strip()
    missing = [
        n for n, v in (("webhook-id", msg_id), ("webhook-timestamp", stamp), ("webhook-signature", signatures)) if not v
    ]
    if missing:
        raise WebhookRejected(f"missing header(s) {', '.join(missing)}: not a signed Replicate webhook")
    try:
        sent_at = int(stamp)
    except ValueError:
        raise WebhookRejected(f"webhook-timestamp {stamp[:40]!r} is not a Unix time in seconds") from None
    now = time.time() if now is None else now
    if abs(now - sent_at) > TOLERANCE_S:
        raise WebhookRejected(
            f"webhook-timestamp is {now - sent_at:+.0f} s from this server's clock (limit ±{TOLERANCE_S:.0f} s): "
            "a replayed delivery, or this server's clock is wrong"
        )
    prefix, sep, encoded = secret.strip().partition("_")
    if not sep or prefix != "whsec" or not encoded:
        raise WebhookRejected("the webhook secret is not a 'whsec_…' key (OMNIGEN_WEBHOOK_SECRET)")
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise WebhookRejected("the webhook secret's key part is not base64 (OMNIGEN_WEBHOOK_SECRET)") from None
    signed = msg_id.encode() + b"." + stamp.encode() + b"." + body
    expected = hmac.new(key, signed, hashlib.sha256).digest()
    valid = False
    for entry in signatures.split():
        version, _, value = entry.partition(",")
        if version != "v1" or not value:
            continue
        try:
            candidate = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            continue
        # Compare every entry, in constant time each, so timing tells nothing about the key.
        valid |= hmac.compare_digest(candidate, expected)
    if not valid:
        raise WebhookRejected("webhook-signature does not match the body: tampered, or signed with another secret")
    if msg_id in seen_ids:
        return False
    seen_ids.add(msg_id)
    return True
