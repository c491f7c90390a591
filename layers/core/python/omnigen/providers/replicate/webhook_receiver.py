"""The server side of Replicate's webhooks: verify a delivery, then wake whoever waits for it.

`POST /api/v1/webhooks/replicate` hands every delivery to `WebhookReceiver.handle`. Nothing in a
body is believed before `verify_webhook` passes; a verified body then only *wakes* the waiting
prediction (`PredictionEvents`), which re-reads the prediction from Replicate's API itself — so
even a verified webhook cannot inject outputs, it can only make the wait shorter.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, MutableSet
from typing import Any

from omnigen.config import Settings
from omnigen.errors import ApiError
from omnigen.providers.replicate.client import EVENTS, PredictionEvents
from omnigen.providers.replicate.webhook import TOLERANCE_S, WebhookRejected, verify_webhook

log = logging.getLogger(__name__)


class SeenIds(MutableSet[str]):
    """Webhook ids handled lately, bounded: an id older than the timestamp window can never pass
    verification again, so only about one window's worth (capped in number) is kept."""

    def __init__(
        self, keep_s: float = 2 * TOLERANCE_S, max_ids: int = 100_000, clock: Callable[[], float] = time.monotonic
    ):
        self._ids: OrderedDict[str, float] = OrderedDict()
        self._keep_s = keep_s
        self._max = max_ids
        self._clock = clock

    def _trim(self) -> None:
        cutoff = self._clock() - self._keep_s
        while self._ids and (len(self._ids) > self._max or next(iter(self._ids.values())) < cutoff):
            self._ids.popitem(last=False)

    def __contains__(self, item: object) -> bool:
        self._trim()
        return item in self._ids

    def __iter__(self) -> Iterator[str]:
        self._trim()
        return iter(list(self._ids))

    def __len__(self) -> int:
        self._trim()
        return len(self._ids)

    def add(self, value: str) -> None:
        self._ids[value] = self._clock()
        self._ids.move_to_end(value)
        self._trim()

    def discard(self, value: str) -> None:
        self._ids.pop(value, None)


class WebhookReceiver:
    """Verifies deliveries with the account's signing secret and wakes waiting predictions."""

    def __init__(
        self,
        secret: str | None = None,
        *,
        fetch_secret: Callable[[], str] | None = None,
        events: PredictionEvents = EVENTS,
        seen_ids: MutableSet[str] | None = None,
        clock: Callable[[], float] = time.time,
    ):
        if secret is None and fetch_secret is None:
            raise ValueError("a webhook secret or a way to fetch it is needed")
        self._secret = secret
        self._fetch_secret = fetch_secret
        self._events = events
        self._seen = seen_ids if seen_ids is not None else SeenIds()
        self._clock = clock
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> WebhookReceiver:
        """OMNIGEN_WEBHOOK_SECRET when set; else the account's default secret, fetched from
        Replicate (`GET /v1/webhooks/default/secret`) on the first delivery and kept."""
        if settings.webhook_secret:
            return cls(settings.webhook_secret)
        token, base_url = settings.replicate_api_token, settings.replicate_base_url

        def fetch() -> str:
            import replicate

            return str(replicate.Client(api_token=token, base_url=base_url).webhooks.default.secret().key)

        return cls(fetch_secret=fetch)

    def secret(self) -> str:
        if self._secret is None:
            assert self._fetch_secret is not None
            try:
                self._secret = self._fetch_secret()
            except Exception as err:
                raise ApiError(
                    503,
                    f"cannot get the webhook signing secret from Replicate ({type(err).__name__}: {err}); "
                    "set OMNIGEN_WEBHOOK_SECRET to the key from replicate.com/account/webhook",
                ) from None
        return self._secret

    def handle(self, headers: dict[str, str], body: bytes) -> None:
        """Verify one delivery; on success wake the prediction it reports. A replayed id is
        acknowledged and ignored; anything unverifiable is a 401."""
        secret = self.secret()
        with self._lock:
            try:
                fresh = verify_webhook(headers, body, secret, self._seen, self._clock())
            except WebhookRejected as err:
                log.warning("replicate webhook rejected: %s", err)
                raise ApiError(401, f"webhook rejected: {err}") from None
        if not fresh:
            log.info("replicate webhook %s already handled; ignored", headers.get("webhook-id"))
            return
        try:
            payload: Any = json.loads(body)
        except ValueError:
            raise ApiError(400, "webhook body is not JSON") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("id"), str):
            raise ApiError(400, "webhook body is not a Replicate prediction (no id)")
        status = str(payload.get("status") or "")
        log.info("replicate webhook: prediction %s is %s", payload["id"], status)
        self._events.notify(payload["id"], status)
