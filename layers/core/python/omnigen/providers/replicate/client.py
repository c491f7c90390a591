"""One Replicate prediction, start to finish, the way every adapter needs it.

- **Resume** first: a call's prediction id is kept with the job under its slot (`CallContext.
  ledger`), with a fingerprint of the request; a retried step finds it and waits on the same
  prediction instead of paying for a second one.
- **Create** with the `replicate` client: `models.predictions.create` for `owner/name`,
  `predictions.create(version=...)` for a pinned `owner/name:version` (the former refuses
  versions with a ValueError before any request). The client never retries a POST. A 429, or a
  503 with `Retry-After`, is Replicate refusing before creating anything, so it is retried after
  the reset hint. Any other 5xx, or a timeout after the request was sent, may have created the
  prediction: the runner lists the predictions created since just before it sent the request
  (`created_after`) and adopts the one with the same model and input — the API has no
  idempotency key or client reference, so the request's own input is the marker — and creates
  again only when none is there. `Cancel-After` (the model's timeout) makes Replicate itself stop
  a prediction nobody waits for any more.
- **Wait** for the end: with a webhook (`OMNIGEN_WEBHOOK_URL`) the verified callback wakes the
  waiter at once and a slow poll is only the safety net; without one, poll with a growing
  interval. The job's cancel flag is looked at every second, so a cancelled job cancels its open
  predictions. Never past `CallContext.deadline` (a Lambda's remaining time): there the wait
  stops with a retryable DeadlineReached and leaves the prediction running for the retry.
- **Timeout** per model (the price table's `timeout_s`), counted from the prediction's creation,
  across retries: a prediction past it is cancelled and reported.
- **Statuses** are read with our own parser (`prediction.py`): `aborted` (queued past its
  deadline) is a retryable failure with a clear message, never the client's pydantic error.
- **Download** outputs at once: Replicate deletes them after an hour, the job may live longer.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import math
import mimetypes
import random
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
import replicate
from replicate.exceptions import ReplicateError

from omnigen.job import PredictionRef
from omnigen.providers.ports import CallContext, Cancelled, DeadlineReached, ProviderError
from omnigen.providers.replicate.prediction import (
    TERMINAL,
    PredictionState,
    base_model,
    fingerprint,
    parse_prediction,
    pinned_version,
    same_request,
)

try:  # the client parses replies with pydantic v1 (under pydantic 2, its v1 module)
    from pydantic.v1 import ValidationError as ClientParseError
except ImportError:  # pragma: no cover
    from pydantic import ValidationError as ClientParseError  # type: ignore[assignment]

log = logging.getLogger(__name__)

__all__ = ["EVENTS", "TERMINAL", "Finished", "PredictionEvents", "ReplicateRunner", "output_url", "reset_hint_s"]

FALLBACK_TIMEOUT_S = 600.0
"""Only for a model the price table does not know (the factory refuses those at start)."""
CLOCK_SKEW_S = 60.0
"""How far before our own clock a prediction we created may be stamped by Replicate's."""

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


class _TimedOut(Exception):
    """The model's own time limit passed (the prediction is cancelled)."""


class ReplicateRunner:
    """Creates, resumes, waits for, cancels and downloads predictions for the Replicate adapters."""

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
        lookup_settle_s: float = 2.0,
        events: PredictionEvents = EVENTS,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._hint = threading.local()
        self.client = replicate.Client(
            api_token=api_token,
            base_url=base_url,
            timeout=httpx.Timeout(10.0, read=60.0, write=120.0, connect=10.0, pool=30.0),
            event_hooks={"request": [self._add_cancel_after], "response": [self._remember_retry_after]},
        )
        _ = self.client._client  # build the connection pool now, not racily in the scene threads
        self.base_url = base_url
        self.webhook_url = webhook_url
        self.timeouts_s = dict(timeouts_s or {})
        # REPLICATE_POLL_INTERVAL (the client's own knob, default 0.5 s) is the first poll delay.
        self.poll_interval_s = poll_interval_s if poll_interval_s is not None else self.client.poll_interval
        self.max_poll_interval_s = max_poll_interval_s or max(self.poll_interval_s, 10 * self.poll_interval_s)
        self.webhook_fallback_poll_s = webhook_fallback_poll_s
        self.cancel_check_s = cancel_check_s
        self.max_create_attempts = max_create_attempts
        self.max_retry_wait_s = max_retry_wait_s
        self.lookup_settle_s = lookup_settle_s
        self.events = events
        self._sleep = sleep
        self._clock = clock
        self._claimed: set[str] = set()
        """Predictions this runner created or adopted: a look-up never adopts one twice."""
        self._claim_lock = threading.Lock()
        self._http = httpx.Client(
            follow_redirects=True, timeout=httpx.Timeout(30.0, read=120.0), headers={"User-Agent": "omnigen"}
        )

    # -- hooks ------------------------------------------------------------------------------------

    def _add_cancel_after(self, request: httpx.Request) -> None:
        """httpx request hook: the model's time limit as `Cancel-After` on this thread's create."""
        limit = getattr(self._hint, "cancel_after", None)
        if limit and request.method == "POST" and request.url.path.endswith("/predictions"):
            request.headers["Cancel-After"] = limit

    def _remember_retry_after(self, response: httpx.Response) -> None:
        """httpx response hook: keep the reset hint of a refused request for this thread, since
        the client's ReplicateError keeps only the status and the problem body."""
        if response.status_code == 429 or response.status_code >= 500:
            self._hint.retry_after = response.headers.get("retry-after")

    # -- the lifecycle ----------------------------------------------------------------------------

    def timeout_for(self, model: str) -> float:
        """The model's wall-time limit from creation to the end (queueing included)."""
        base = base_model(model)
        if base in self.timeouts_s:
            return float(self.timeouts_s[base])
        from omnigen.pricing import load_prices

        try:
            return load_prices().price(base).timeout_s
        except KeyError:
            log.warning("replicate %s: no timeout in the price table; using %g s", base, FALLBACK_TIMEOUT_S)
            return FALLBACK_TIMEOUT_S

    def run(self, model: str, inputs: Mapping[str, Any], ctx: CallContext, *, what: str, slot: str = "") -> Finished:
        """Run `model` on `inputs` (a `Path` value is a file, sent as Replicate takes files) and
        return it succeeded. `slot` names this call under `ctx.slot`; with a slot the prediction
        is kept with the job and a retry resumes it.

        Raises Cancelled when the job is cancelled (the prediction is cancelled too),
        DeadlineReached when `ctx.deadline` comes first (the prediction keeps running), and
        ProviderError, naming the model and the prediction, for everything else.
        """
        ctx.check()
        call = ctx.for_slot(slot) if slot else ctx
        key = call.slot
        fp = fingerprint(model, inputs)
        timeout = self.timeout_for(model)
        pred = self._resume(call, key, model, fp, what) if key else None
        if pred is None:
            pred = self._create(model, self.materialize(inputs), what, timeout, call.deadline)
            log.info("replicate %s: prediction %s created for %s", model, pred.id, what)
            if key:
                call.ledger.remember(key, PredictionRef(id=pred.id, model=model, fingerprint=fp, status=pred.status))
        try:
            pred = self._wait(pred, model, call, what, timeout)
        except (Cancelled, _TimedOut) as err:
            self.cancel(pred.id)
            if key:
                call.ledger.forget(key)
            if isinstance(err, Cancelled):
                raise
            raise ProviderError(
                f"{model} took longer than {timeout:g} s while {what} (prediction {pred.id}); it was cancelled. "
                "Replicate may be busy: resume the job later.",
                retryable=True,
            ) from None
        finally:
            self.events.forget(pred.id)
        if pred.status != "succeeded":
            if key:
                call.ledger.forget(key)
            raise self._unsuccessful(pred, model, what)
        if key:
            call.ledger.remember(key, PredictionRef(id=pred.id, model=model, fingerprint=fp, status=pred.status))
        return Finished(id=pred.id, model=model, output=pred.output, metrics=dict(pred.metrics or {}))

    def _resume(self, call: CallContext, key: str, model: str, fp: str, what: str) -> PredictionState | None:
        """The prediction this slot started before, when it is the same request and can still
        end well; None when there is none to resume (a new one is then created)."""
        ref = call.ledger.recall(key)
        if ref is None or ref.fingerprint != fp or ref.model != model:
            return None
        try:
            pred = self.get(ref.id, what=what)
        except ReplicateError as err:
            if err.status == 404:
                call.ledger.forget(key)
                return None
            raise ProviderError(
                f"cannot read {model} prediction {ref.id} (started earlier for {what}) from Replicate "
                f"(HTTP {err.status}: {err.detail or err.title}); resume the job when Replicate answers again.",
                retryable=True,
            ) from None
        if pred.status in ("failed", "canceled", "aborted"):
            call.ledger.forget(key)
            return None
        log.info("replicate %s: resuming prediction %s (%s) for %s", model, pred.id, pred.status, what)
        return pred

    def _unsuccessful(self, pred: PredictionState, model: str, what: str) -> ProviderError:
        if pred.status == "failed":
            return ProviderError(
                f"{model} failed while {what} (prediction {pred.id}): {(pred.error or 'no error message').strip()}. "
                "Try again; if it keeps failing, change the prompt or the input it names.",
                retryable=True,
            )
        if pred.status == "aborted":
            return ProviderError(
                f"{model} prediction {pred.id} for {what} was aborted by Replicate before it started: it waited in "
                "Replicate's queue past its deadline (Replicate is busy). Nothing was generated or billed; run the "
                "job again to retry it.",
                retryable=True,
            )
        if pred.status == "canceled":
            return ProviderError(
                f"{model} prediction {pred.id} for {what} was cancelled on Replicate (not by this job: its time "
                "limit, or someone on the account); run the job again to resume it.",
                retryable=True,
            )
        return ProviderError(f"{model} prediction {pred.id} for {what} ended {pred.status!r}", retryable=True)

    # -- create -----------------------------------------------------------------------------------

    def _send_create(self, model: str, inputs: dict[str, Any], params: dict[str, Any]) -> PredictionState:
        version = pinned_version(model)
        if version:
            pred = self.client.predictions.create(version=version, input=inputs, **params)
        else:
            pred = self.client.models.predictions.create(model=model, input=inputs, **params)
        return parse_prediction(pred.dict(), f"the create of {model}")

    def _pause(self, seconds: float, deadline: float | None, model: str, what: str) -> None:
        """Sleep before another create, unless that would outlast the run (nothing was started,
        so the retried step simply starts it)."""
        if deadline is not None and self._clock() + seconds > deadline:
            raise DeadlineReached(
                f"starting {model} for {what} has to wait {seconds:.0f} s more for Replicate, past this run's time; "
                "nothing was started, and the retried step starts it."
            )
        self._sleep(seconds)

    def _create(
        self, model: str, inputs: dict[str, Any], what: str, timeout: float, deadline: float | None = None
    ) -> PredictionState:
        params: dict[str, Any] = {}
        if self.webhook_url:
            params = {"webhook": self.webhook_url, "webhook_events_filter": ["start", "completed"]}
        since = datetime.now(UTC) - timedelta(seconds=CLOCK_SKEW_S)
        self._hint.cancel_after = f"{max(5, math.ceil(timeout))}s"
        try:
            for attempt in range(1, self.max_create_attempts + 1):
                self._hint.retry_after = None
                try:
                    pred = self._send_create(model, inputs, params)
                    self._claim(pred.id)
                    return pred
                except ReplicateError as err:
                    status = err.status or 0
                    if status == 429 or (status == 503 and self._hint.retry_after is not None):
                        # Throttled, or unavailable with a time to come back: refused before anything started.
                        if attempt == self.max_create_attempts:
                            raise ProviderError(
                                f"Replicate kept refusing to start {model} for {what} (HTTP {status} after "
                                f"{attempt} tries: {err.detail or err.title or 'no detail'}); wait a few minutes "
                                "and resume the job.",
                                retryable=True,
                            ) from None
                        wait = self._retry_wait(attempt, self._hint.retry_after, err.detail)
                        log.warning("replicate %s: create refused (HTTP %s), retrying in %.1f s", model, status, wait)
                        self._pause(wait, deadline, model, what)
                        continue
                    if status < 500:
                        raise self._refused(model, what, err) from None
                    failure = f"HTTP {status}: {err.detail or err.title or 'no detail'}"
                except (httpx.ConnectError, httpx.ConnectTimeout) as err:
                    # The request never reached Replicate, so a retry cannot start a second prediction.
                    if attempt == self.max_create_attempts:
                        raise ProviderError(
                            f"cannot reach Replicate at {self.base_url or 'api.replicate.com'} to start {model} "
                            f"for {what}: {err}. Check the network and resume the job.",
                            retryable=True,
                        ) from None
                    self._pause(self._retry_wait(attempt, None, None), deadline, model, what)
                    continue
                except (httpx.HTTPError, ClientParseError) as err:
                    failure = f"{type(err).__name__}: {err}"
                # The request reached Replicate and may have created the prediction: look first.
                found = self._find_created(model, inputs, since, what)
                if found is not None:
                    log.warning(
                        "replicate %s: create answered %s, but prediction %s had started; using it",
                        model,
                        failure,
                        found.id,
                    )
                    return found
                if attempt == self.max_create_attempts:
                    raise ProviderError(
                        f"starting {model} for {what} failed {attempt} times (last: {failure}) and Replicate lists no "
                        "prediction it started; wait a few minutes and resume the job.",
                        retryable=True,
                    )
                wait = self._retry_wait(attempt, None, None)
                log.warning("replicate %s: create failed (%s), none started; retrying in %.1f s", model, failure, wait)
                self._pause(wait, deadline, model, what)
        finally:
            self._hint.cancel_after = None
        raise AssertionError("unreachable")  # pragma: no cover

    def _claim(self, prediction_id: str) -> bool:
        with self._claim_lock:
            if prediction_id in self._claimed:
                return False
            self._claimed.add(prediction_id)
            return True

    def _find_created(self, model: str, inputs: dict[str, Any], since: datetime, what: str) -> PredictionState | None:
        """The prediction a failed create may have started: same model, same input, created
        since just before the request, not already taken by another call of this runner."""
        self._sleep(self.lookup_settle_s)  # a prediction shows in the list a moment after it is made
        stamp = since.strftime("%Y-%m-%dT%H:%M:%SZ")
        path: str | None = f"/v1/predictions?created_after={stamp}"
        try:
            for _ in range(5):  # 100 a page: 500 predictions in two minutes is past any real load here
                assert path is not None
                page = self.client._request("GET", path).json()
                for item in page.get("results") or []:
                    try:
                        listed = PredictionState.model_validate(item)
                    except ValueError:
                        continue
                    if base_model(listed.model) != base_model(model) or not same_request(inputs, listed.input):
                        continue
                    version = pinned_version(model)
                    if version and listed.version not in (version, None):
                        continue
                    if self._claim(listed.id):
                        return listed
                path = page.get("next")
                if not path:
                    break
        except (ReplicateError, httpx.HTTPError, ValueError) as err:
            raise ProviderError(
                f"starting {model} for {what} failed and Replicate could not be asked whether it had started "
                f"anyway ({type(err).__name__}: {err}); not starting another (it could be billed twice). "
                "Check replicate.com/predictions, then resume the job.",
                retryable=True,
            ) from None
        return None

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
                "update the model name in omnigen/pricing.yaml (or OMNIGEN_MODEL_*) and run `omnigen doctor`."
            )
        if status == 422:
            return ProviderError(f"{model} rejected the input for {what} (HTTP 422): {detail}")
        return ProviderError(f"Replicate refused to start {model} for {what} (HTTP {status}): {detail}")

    # -- wait -------------------------------------------------------------------------------------

    def _wait(self, pred: PredictionState, model: str, ctx: CallContext, what: str, timeout: float) -> PredictionState:
        start = self._clock()
        age0 = pred.age_s()  # a resumed prediction has been running (and counting) for a while
        limit = start + max(0.0, timeout - age0)
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
        while not pred.finished:
            if ctx.is_cancelled():
                raise Cancelled(f"job {ctx.job_id} was cancelled; cancelled {model} prediction {pred.id}")
            now = self._clock()
            if now >= limit:
                raise _TimedOut()
            left = None if ctx.deadline is None else ctx.deadline - now
            if left is not None and left <= 0:
                raise DeadlineReached(
                    f"{model} prediction {pred.id} for {what} is still {pred.status} and this run's time is up; "
                    "it keeps running on Replicate and the retried step resumes waiting on it."
                )
            slice_s = max(
                0.0, min(self.cancel_check_s, next_poll - now, limit - now, left if left is not None else 1e9)
            )
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
                pred = self.get(pred.id, what=what)
                failures = 0
            except (ReplicateError, httpx.HTTPError, ProviderError) as err:
                failures += 1
                if failures >= 5:
                    raise ProviderError(
                        f"cannot read {model} prediction {pred.id} from Replicate ({err}); gave up waiting "
                        "for it — it keeps running, and resuming the job waits on it again.",
                        retryable=True,
                    ) from None
                log.warning("replicate %s: reading prediction %s failed (%s); retrying", model, pred.id, err)
            ctx.progress(min(0.95, (self._clock() - start + age0) / typical), f"{model}: {pred.status}")
            delay = min(cap, delay * 1.5)
            next_poll = self._clock() + delay
        return pred

    def get(self, prediction_id: str, *, what: str = "a prediction") -> PredictionState:
        """The prediction as Replicate reports it now (any status, `aborted` included)."""
        resp = self.client._request("GET", f"/v1/predictions/{prediction_id}")
        return parse_prediction(resp.json(), f"the read of {what}")

    def cancel(self, prediction_id: str) -> None:
        """Cancel a prediction, best effort: it may have finished in the meantime."""
        try:
            self.client._request("POST", f"/v1/predictions/{prediction_id}/cancel")
            log.info("replicate: cancelled prediction %s", prediction_id)
        except Exception as err:  # cancelling is a courtesy: the caller is already failing
            log.warning("replicate: cancelling prediction %s failed: %s", prediction_id, err)

    # -- files ------------------------------------------------------------------------------------

    def materialize(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The inputs as Replicate takes them: each `Path` (alone or in a list) as a file input."""
        out: dict[str, Any] = {}
        for key, value in inputs.items():
            if isinstance(value, Path):
                out[key] = self.file_input(value)
            elif isinstance(value, list) and any(isinstance(v, Path) for v in value):
                out[key] = [self.file_input(v) if isinstance(v, Path) else v for v in value]
            else:
                out[key] = value
        return out

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
        return max(1.0, load_prices().price(base_model(model)).latency(5))
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
