"""One Replicate prediction, start to finish, the way every adapter needs it.

- **Create** with the `replicate` client. The client retries GETs itself but never a POST, so a
  429 or 5xx on create is retried here, waiting as long as Replicate's reset hint says
  (`Retry-After`, or the "resets in ~30s" of the throttling message), else with backoff + jitter.
- **Wait** for the end: with a webhook (`OMNIGEN_WEBHOOK_URL`) the verified callback wakes the
  waiter at once and a slow poll is only the safety net for a lost delivery; without one, poll
  with a growing interval. Either way the job's cancel flag is looked at every second, so
  a cancelled job cancels its open predictions (Replicate bills until a prediction stops).
- **Timeout** per model: a prediction past it is cancelled and reported.
- **Download** outputs at once: Replicate deletes them after an hour, the job may live longer.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import mimetypes
import random
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
import replicate
from replicate.exceptions import ReplicateError
from replicate.prediction import Prediction

from omnigen.providers.ports import CallContext, Cancelled, ProviderError

log = logging.getLogger(__name__)

TERMINAL = frozenset({"succeeded", "failed", "canceled"})

DEFAULT_TIMEOUTS_S: dict[str, float] = {
    "openai/gpt-4o": 300.0,
    "kwaivgi/kling-v2.5-turbo-pro": 1200.0,
    "minimax/music-1.5": 600.0,
    "minimax/speech-02-turbo": 120.0,
}
"""Wall-time limit per model, from create to the end (queueing included)."""

DATA_URI_MAX_BYTES = 1_000_000
"""Replicate accepts inputs as data URIs and recommends them only below 1 MB; larger files go
through its files API and are passed by URL."""

TOKEN_HELP = (
    "check REPLICATE_API_TOKEN (create one at replicate.com/account/api-tokens), "
    "or use OMNIGEN_PROVIDERS=local to run offline"
)


class PredictionEvents:
    """Process-wide wake-ups from verified Replicate webhooks.

    The webhook receiver (in the API server) and the waiting adapters (in the job's threads)
    meet here. A status is kept a while even when nobody waits yet, because a fast prediction's
    webhook can arrive before its creator starts waiting.
    """

    def __init__(self, keep: int = 4096):
        self._cond = threading.Condition()
        self._status: OrderedDict[str, str] = OrderedDict()
        self._keep = keep

    def notify(self, prediction_id: str, status: str) -> None:
        with self._cond:
            if self._status.get(prediction_id) in TERMINAL:
                return  # a late `start` must not hide a `completed` that came first
            self._status[prediction_id] = status
            self._status.move_to_end(prediction_id)
            while len(self._status) > self._keep:
                self._status.popitem(last=False)
            self._cond.notify_all()

    def wait_change(self, prediction_id: str, known: str | None, timeout: float) -> str | None:
        """Block up to `timeout` s until the webhook-reported status differs from `known`;
        return the reported status (or None when no webhook said anything yet)."""
        with self._cond:
            self._cond.wait_for(lambda: self._status.get(prediction_id) not in (None, known), max(0.0, timeout))
            return self._status.get(prediction_id)

    def forget(self, prediction_id: str) -> None:
        with self._cond:
            self._status.pop(prediction_id, None)


EVENTS = PredictionEvents()


@dataclass
class Finished:
    """A succeeded prediction: what an adapter needs to store outputs and bill the call."""

    id: str
    model: str
    output: Any
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def predict_time_s(self) -> float | None:
        value = self.metrics.get("predict_time")
        return float(value) if isinstance(value, int | float) else None


_RESET_HINT = re.compile(r"resets?\s+in\s+~?\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|seconds?)?\b", re.IGNORECASE)


def _retry_after_s(header: str | None) -> float | None:
    """Seconds from a `Retry-After` header: a number of seconds or an HTTP date."""
    if not header:
        return None
    header = header.strip()
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    with contextlib.suppress(TypeError, ValueError, IndexError):
        return max(0.0, parsedate_to_datetime(header).timestamp() - time.time())
    return None


def reset_hint_s(retry_after: str | None, detail: str | None) -> float | None:
    """How long Replicate asked us to wait: its `Retry-After` header, else the number in
    "Request was throttled. Your rate limit resets in ~30s." (its documented 429 body)."""
    seconds = _retry_after_s(retry_after)
    if seconds is not None:
        return seconds
    m = _RESET_HINT.search(detail or "")
    if m:
        value = float(m[1])
        return value / 1000 if (m[2] or "").lower() == "ms" else value
    return None


class ReplicateRunner:
    """Creates, waits for, cancels and downloads predictions for the Replicate adapters."""

    def __init__(
        self,
        api_token: str | None,
        base_url: str | None = None,
        webhook_url: str | None = None,
        *,
        timeouts_s: Mapping[str, float] | None = None,
        poll_interval_s: float | None = None,
        max_poll_interval_s: float | None = None,
        webhook_fallback_poll_s: float = 10.0,
        cancel_check_s: float = 1.0,
        max_create_attempts: int = 6,
        max_retry_wait_s: float = 60.0,
        events: PredictionEvents = EVENTS,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._hint = threading.local()
        self.client = replicate.Client(
            api_token=api_token,
            base_url=base_url,
            timeout=httpx.Timeout(10.0, read=60.0, write=120.0, connect=10.0, pool=30.0),
            event_hooks={"response": [self._remember_retry_after]},
        )
        _ = self.client._client  # build the connection pool now, not racily in the scene threads
        self.base_url = base_url
        self.webhook_url = webhook_url
        self.timeouts_s = {**DEFAULT_TIMEOUTS_S, **(timeouts_s or {})}
        # REPLICATE_POLL_INTERVAL (the client's own knob, default 0.5 s) is the first poll delay.
        self.poll_interval_s = poll_interval_s if poll_interval_s is not None else self.client.poll_interval
        self.max_poll_interval_s = max_poll_interval_s or max(self.poll_interval_s, 10 * self.poll_interval_s)
        self.webhook_fallback_poll_s = webhook_fallback_poll_s
        self.cancel_check_s = cancel_check_s
        self.max_create_attempts = max_create_attempts
        self.max_retry_wait_s = max_retry_wait_s
        self.events = events
        self._sleep = sleep
        self._clock = clock
        self._http = httpx.Client(
            follow_redirects=True, timeout=httpx.Timeout(30.0, read=120.0), headers={"User-Agent": "omnigen"}
        )

    # -- hooks ------------------------------------------------------------------------------------

    def _remember_retry_after(self, response: httpx.Response) -> None:
        """httpx response hook: keep the reset hint of a refused request for this thread, since
        the client's ReplicateError keeps only the status and the problem body."""
        if response.status_code == 429 or response.status_code >= 500:
            self._hint.retry_after = response.headers.get("retry-after")

    # -- the lifecycle ----------------------------------------------------------------------------

    def run(self, model: str, inputs: dict[str, Any], ctx: CallContext, *, what: str) -> Finished:
        """Create a prediction of `model`, wait for it, and return it succeeded.

        Raises Cancelled when the job is cancelled (the prediction is cancelled too) and
        ProviderError, naming the model and the prediction, for everything else.
        """
        ctx.check()
        pred = self._create(model, inputs, what)
        log.info("replicate %s: prediction %s created for %s", model, pred.id, what)
        try:
            pred = self._wait(pred, model, ctx, what)
        except BaseException:
            self.cancel(pred.id)
            raise
        finally:
            self.events.forget(pred.id)
        if pred.status == "failed":
            raise ProviderError(
                f"{model} failed while {what} (prediction {pred.id}): {(pred.error or 'no error message').strip()}. "
                "Try again; if it keeps failing, change the prompt or the input it names.",
                retryable=True,
            )
        if pred.status == "canceled":
            raise ProviderError(
                f"{model} prediction {pred.id} for {what} was cancelled on Replicate (not by this job); "
                "run the job again to resume it.",
                retryable=True,
            )
        return Finished(id=pred.id, model=model, output=pred.output, metrics=dict(pred.metrics or {}))

    def _create(self, model: str, inputs: dict[str, Any], what: str) -> Prediction:
        params: dict[str, Any] = {}
        if self.webhook_url:
            params = {"webhook": self.webhook_url, "webhook_events_filter": ["start", "completed"]}
        for attempt in range(1, self.max_create_attempts + 1):
            self._hint.retry_after = None
            try:
                return self.client.models.predictions.create(model=model, input=inputs, **params)
            except ReplicateError as err:
                status = err.status or 0
                if status != 429 and status < 500:
                    raise self._refused(model, what, err) from None
                if attempt == self.max_create_attempts:
                    raise ProviderError(
                        f"Replicate kept refusing to start {model} for {what} (HTTP {status} after "
                        f"{attempt} tries: {err.detail or err.title or 'no detail'}); wait a few minutes "
                        "and resume the job.",
                        retryable=True,
                    ) from None
                wait = self._retry_wait(attempt, self._hint.retry_after, err.detail)
                log.warning("replicate %s: create refused (HTTP %s), retrying in %.1f s", model, status, wait)
            except (httpx.ConnectError, httpx.ConnectTimeout) as err:
                # The request never reached Replicate, so a retry cannot start a second prediction.
                if attempt == self.max_create_attempts:
                    raise ProviderError(
                        f"cannot reach Replicate at {self.base_url or 'api.replicate.com'} to start {model} "
                        f"for {what}: {err}. Check the network and resume the job.",
                        retryable=True,
                    ) from None
                wait = self._retry_wait(attempt, None, None)
            except httpx.HTTPError as err:
                # A timeout after sending may have created the prediction: do not create another.
                raise ProviderError(
                    f"the request that starts {model} for {what} failed ({type(err).__name__}: {err}); "
                    "it may have started on Replicate — check replicate.com/predictions, then resume the job.",
                    retryable=True,
                ) from None
            self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _retry_wait(self, attempt: int, retry_after: str | None, detail: str | None) -> float:
        hint = reset_hint_s(retry_after, detail)
        if hint is not None:
            wait = hint + random.uniform(0, 0.1 * hint + 0.05)  # spread a burst of waiters a little
        else:
            base = 0.5 * 2 ** (attempt - 1)
            wait = base + random.uniform(0, base / 2)
        return min(wait, self.max_retry_wait_s)

    @staticmethod
    def _refused(model: str, what: str, err: ReplicateError) -> ProviderError:
        detail = err.detail or err.title or "no detail"
        status = err.status
        if status in (401, 403):
            return ProviderError(f"Replicate refused the API token (HTTP {status}) when starting {model}: {TOKEN_HELP}")
        if status == 402:
            return ProviderError(
                f"Replicate asks for payment to run {model} (HTTP 402: {detail}); add credit at "
                "replicate.com/account/billing and resume the job."
            )
        if status == 404:
            return ProviderError(
                f"Replicate has no model {model} (HTTP 404: {detail}); the model may have moved — "
                "update the model name in omnigen/pricing.yaml and the adapter."
            )
        if status == 422:
            return ProviderError(f"{model} rejected the input for {what} (HTTP 422): {detail}")
        return ProviderError(f"Replicate refused to start {model} for {what} (HTTP {status}): {detail}")

    def _wait(self, pred: Prediction, model: str, ctx: CallContext, what: str) -> Prediction:
        timeout = self.timeouts_s.get(model, 600.0)
        start = self._clock()
        deadline = start + timeout
        webhook = self.webhook_url is not None
        # With a webhook the poll is only a safety net (a lost delivery, or a callback that reaches
        # another process, as on AWS), so it backs off further; it still starts quick, for the
        # predictions that end in a second.
        delay = self.poll_interval_s
        cap = max(self.webhook_fallback_poll_s, self.max_poll_interval_s) if webhook else self.max_poll_interval_s
        next_poll = start + delay
        typical = _typical_latency_s(model, timeout)
        failures = 0
        seen = pred.status
        while pred.status not in TERMINAL:
            if ctx.is_cancelled():
                raise Cancelled(f"job {ctx.job_id} was cancelled; cancelled {model} prediction {pred.id}")
            now = self._clock()
            if now >= deadline:
                raise ProviderError(
                    f"{model} took longer than {timeout:g} s while {what} (prediction {pred.id}, last status "
                    f"{pred.status}); it was cancelled. Replicate may be busy: resume the job later.",
                    retryable=True,
                )
            slice_s = max(0.0, min(self.cancel_check_s, next_poll - now, deadline - now))
            woke = False
            if webhook:
                reported = self.events.wait_change(pred.id, seen, slice_s)
                woke = reported is not None and reported != seen
                if woke:
                    seen = reported
            else:
                self._sleep(slice_s)
            if not woke and self._clock() < next_poll:
                continue
            try:
                pred = self.client.predictions.get(pred.id)
                failures = 0
            except (ReplicateError, httpx.HTTPError) as err:
                failures += 1
                if failures >= 5:
                    raise ProviderError(
                        f"cannot read {model} prediction {pred.id} from Replicate ({err}); gave up waiting "
                        "for it — resume the job when Replicate answers again.",
                        retryable=True,
                    ) from None
                log.warning("replicate %s: reading prediction %s failed (%s); retrying", model, pred.id, err)
            ctx.progress(min(0.95, (self._clock() - start) / typical), f"{model}: {pred.status}")
            delay = min(cap, delay * 1.5)
            next_poll = self._clock() + delay
        return pred

    def cancel(self, prediction_id: str) -> None:
        """Cancel a prediction, best effort: it may have finished in the meantime."""
        try:
            self.client.predictions.cancel(prediction_id)
            log.info("replicate: cancelled prediction %s", prediction_id)
        except Exception as err:  # cancelling is a courtesy: the caller is already failing
            log.warning("replicate: cancelling prediction %s failed: %s", prediction_id, err)

    # -- files ------------------------------------------------------------------------------------

    def file_input(self, path: Path) -> str:
        """A file as a model input: a data URI below 1 MB, else uploaded through the files API."""
        size = path.stat().st_size
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if size < DATA_URI_MAX_BYTES:
            return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"
        try:
            return str(self.client.files.create(path, content_type=mime).urls["get"])
        except (ReplicateError, httpx.HTTPError, KeyError) as err:
            raise ProviderError(
                f"uploading {path.name} ({size:,} bytes) to Replicate failed: {err}", retryable=True
            ) from None

    def download(self, url: str, dest: Path, *, what: str) -> Path:
        """Copy an output to `dest` now (Replicate deletes outputs after an hour)."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        if url.startswith("data:"):
            dest.write_bytes(base64.b64decode(url.split(",", 1)[1]))
            return dest
        part = dest.with_name(dest.name + ".part")
        last: Exception | str = ""
        for attempt in range(1, 4):
            try:
                with self._http.stream("GET", url) as resp:
                    if resp.status_code == 200:
                        with part.open("wb") as f:
                            for chunk in resp.iter_bytes(1 << 16):
                                f.write(chunk)
                        part.replace(dest)
                        return dest
                    last = f"HTTP {resp.status_code}"
                    if resp.status_code < 500 and resp.status_code != 429:
                        break
            except httpx.HTTPError as err:
                last = err
            self._sleep(0.5 * attempt)
        part.unlink(missing_ok=True)
        raise ProviderError(
            f"downloading the output of {what} from {url} failed ({last}); Replicate keeps outputs for an hour — "
            "resume the job soon.",
            retryable=True,
        )

    def close(self) -> None:
        self._http.close()


def _typical_latency_s(model: str, timeout: float) -> float:
    """How long the model usually takes (the price table's latency), for progress fractions."""
    from omnigen.pricing import load_prices

    try:
        return max(1.0, load_prices().price(model).latency(5))
    except KeyError:
        return max(1.0, timeout / 10)


def output_url(output: Any, model: str) -> str:
    """The one file URL an output holds (a string, or the first of a list)."""
    if isinstance(output, list) and output:
        output = output[0]
    if isinstance(output, Mapping):
        output = next((v for v in output.values() if isinstance(v, str)), None)
    if not isinstance(output, str) or not output:
        raise ProviderError(f"{model} returned no file (output was {output!r:.200}); try again.", retryable=True)
    return output
