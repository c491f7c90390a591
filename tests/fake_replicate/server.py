"""A local fake of Replicate's HTTP API, on 127.0.0.1, held to Replicate's published contracts.

The contracts: Replicate's HTTP API (its OpenAPI document, `api.replicate.com/openapi.json`, as
vendored by github.com/tryAGI/Replicate, src/libs/Replicate/openapi.json, April 2026) and each
model's own schema (tests/fixtures/replicate_schemas/, see `contracts.py`). What it does:
- `POST /v1/models/{owner}/{name}/predictions` (a model by name; `owner/name:version` there is a
  404, as the endpoint takes no version) and `POST /v1/predictions` with `version` as
  `owner/name`, `owner/name:<id>` or a bare `<id>` (anything else: 422 "Invalid version or not
  permitted"). A body field the API does not define is a 422 ("Additional property … is not
  allowed"). The input is validated against the model's schema (`contracts.py`; an undeclared
  input is rejected unless `unknown_inputs="ignore"`); problems come back as Replicate's 422
  "Input validation failed" with `detail` and `invalid_fields`.
- A new prediction is `starting` and waits `queue_s` before a worker takes it (`processing`),
  then ends `succeeded`/`failed`; `Cancel-After` is honoured: `aborted` when the deadline passes
  while queued, `canceled` while running. `abort_next` makes the next one end `aborted`.
- `GET /v1/predictions/{id}`, `POST /v1/predictions/{id}/cancel`, `GET /v1/predictions` (newest
  first, 100 a page, `created_after`), `GET /v1/models/{owner}/{name}` (the model object with
  `latest_version.openapi_schema`) and `…/versions/{id}`, `GET /v1/account`.
- `POST /v1/files` (multipart `content`) and `GET /v1/files/{id}`; outputs are URLs to real media
  files in each model's documented output shape (a file URI; an iterator of strings for GPT-4o).
- `GET /v1/webhooks/default/secret` gives the `whsec_…` signing secret, and webhooks
  (`webhook`, `webhook_events_filter`: start / completed) are delivered signed
  (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`).
- A 429 carries `retry-after` and the documented body "Request was throttled. Your rate limit
  resets in ~Ns."; missing/invalid tokens get a 401.

Test hooks: per-model latencies (times `scale`), `throttle_next`, `server_error_next`,
`fail_after_create_next` (the prediction is made, the reply is a 5xx or a dropped connection),
`fail_next`, `abort_next`, `script_replies`, `speech_format`, `webhook_fault`; `requests` logs
every call.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import io
import json
import re
import secrets
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import default as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import httpx

from fake_replicate import media
from fake_replicate.contracts import ModelContract, UnknownInputs, contracts, detail
from fake_replicate.scripts import brief_from_prompt, chat_reply, script_for

TOKEN = "r8_fake_token_for_tests"

DEFAULT_LATENCY_S = {
    "openai/gpt-4o": 0.6,
    "kwaivgi/kling-v2.5-turbo-pro": 1.8,
    "kwaivgi/kling-v2.1": 1.8,
    "minimax/music-2.6": 0.6,
    "minimax/music-1.5": 0.6,
    "minimax/speech-02-turbo": 0.3,
    "minimax/speech-02-hd": 0.3,
}
CREATE_FIELDS = {"input", "stream", "webhook", "webhook_events_filter"}
"""What `POST /v1/models/{owner}/{name}/predictions` takes (Replicate's OpenAPI:
`schemas_prediction_request`, additionalProperties false); `POST /v1/predictions` takes
`version` too (`schemas_version_prediction_request`)."""
NOT_PERMITTED = {
    "title": "Invalid version or not permitted",
    "detail": "The specified version does not exist (or perhaps you don't have permission to use it?)",
    "status": 422,
}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|m|s)?")


def cancel_after_s(header: str | None) -> float | None:
    """Seconds of a `Cancel-After` header (`30`, `90s`, `5m`, `1h30m45s`; at least 5 s)."""
    if not header:
        return None
    total = 0.0
    for number, unit in _DURATION.findall(header.strip()):
        total += float(number) * {"h": 3600, "m": 60}.get(unit, 1)
    return max(5.0, total) if total else None


class ModelError(Exception):
    """What the model itself refuses once running (a rule its schema states only in prose):
    the prediction fails with this message, as Replicate reports a model's error."""


PRO_ONLY_END_IMAGE = "kwaivgi/kling-v2.1"
"""Its published schema: end_image is the "Last frame of the video (pro mode only)"."""


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _new_id() -> str:
    return base64.b32encode(secrets.token_bytes(16)).decode().lower().rstrip("=")[:26]


def sign(secret: str, msg_id: str, timestamp: int | str, body: bytes) -> str:
    """The `webhook-signature` value Replicate would send for this delivery."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


@dataclass
class FakePrediction:
    id: str
    model: str
    input: dict[str, Any]
    version: str = "hidden"
    webhook: str | None = None
    events_filter: list[str] = field(default_factory=lambda: ["start", "output", "logs", "completed"])
    status: str = "starting"
    output: Any = None
    error: str | None = None
    logs: str = ""
    created_at: str = field(default_factory=_now_iso)
    started_at: str | None = None
    completed_at: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)
    fail_with: str | None = None
    abort: bool = False
    deadline: float | None = None
    """time.monotonic() of its `Cancel-After` deadline."""
    created_mono: float = field(default_factory=time.monotonic)

    def to_json(self, base: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "model": self.model,
            "version": self.version,
            "input": self.input,
            "logs": self.logs,
            "output": self.output,
            "data_removed": False,
            "error": self.error,
            "status": self.status,
            "source": "api",
            "created_at": self.created_at,
            "started_at": self.started_at,
            "completed_at": self.completed_at,
            "metrics": self.metrics,
            "urls": {
                "get": f"{base}/v1/predictions/{self.id}",
                "cancel": f"{base}/v1/predictions/{self.id}/cancel",
                "web": f"{base}/p/{self.id}",
            },
        }


class FakeReplicate:
    """The fake API in a background thread. Use as a context manager or start()/stop()."""

    def __init__(
        self,
        *,
        token: str = TOKEN,
        scale: float = 1.0,
        latency_s: dict[str, float] | None = None,
        queue_s: float = 0.05,
        secret: str | None = None,
        unknown_inputs: UnknownInputs = "reject",
    ):
        self.token = token
        self.scale = scale
        self.latency_s = {**DEFAULT_LATENCY_S, **(latency_s or {})}
        self.queue_s = queue_s
        """How long a new prediction stays `starting` before a worker takes it (not scaled)."""
        self.unknown_inputs = unknown_inputs
        self.secret = secret or "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        self.contracts = contracts()
        self.predictions: dict[str, FakePrediction] = {}
        self.files: dict[str, tuple[str, str, bytes]] = {}  # id → (name, content type, bytes)
        self.outputs: dict[str, tuple[str, bytes]] = {}  # path → (content type, bytes)
        self.requests: list[dict[str, Any]] = []
        self.deliveries: list[dict[str, Any]] = []
        self.lock = threading.RLock()
        # test hooks
        self._throttle: deque[tuple[str | None, int]] = deque()
        self._server_errors: deque[tuple[int, str | None]] = deque()
        self._after_create: deque[int | str] = deque()
        self._failures: dict[str, deque[str]] = {}
        self._aborts: dict[str, int] = {}
        self.list_errors_next = 0
        """How many coming `GET /v1/predictions` answer 500."""
        self.script_replies: deque[str | Callable[[Any, str], str]] = deque()
        self.speech_format: str | None = None  # force "mp3" to ignore the requested audio_format
        self.webhook_fault: str | None = None  # "bad_signature" | "drop" | "duplicate"
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._workers: list[threading.Thread] = []

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> FakeReplicate:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-replicate", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        with self.lock:
            for p in self.predictions.values():
                p.stop.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        for w in self._workers:
            w.join(timeout=5)

    def __enter__(self) -> FakeReplicate:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- test hooks -------------------------------------------------------------------------------

    def throttle_next(self, n: int = 1, retry_after: str | None = "1", resets_in_s: int = 1) -> None:
        """The next `n` creates get a 429 (with `retry-after`, when given, and the body hint)."""
        self._throttle.extend([(retry_after, resets_in_s)] * n)

    def server_error_next(self, n: int = 1, status: int = 503, retry_after: str | None = None) -> None:
        """The next `n` creates are refused with `status` (and `retry-after`, when given) before
        anything is created."""
        self._server_errors.extend([(status, retry_after)] * n)

    def fail_after_create_next(self, n: int = 1, status: int | str = 502) -> None:
        """The next `n` creates make the prediction and then answer `status` instead of it (a
        gateway error after the work was done), or, with "drop", close the connection unanswered."""
        self._after_create.extend([status] * n)

    def fail_next(self, model: str, error: str = "E6716: the model crashed") -> None:
        """The next prediction of `model` ends `failed` with this error."""
        self._failures.setdefault(model, deque()).append(error)

    def abort_next(self, model: str, n: int = 1) -> None:
        """The next `n` predictions of `model` end `aborted`: never started, as Replicate does
        when a prediction's deadline passes while it is queued."""
        self._aborts[model] = self._aborts.get(model, 0) + n

    def created(self, model: str | None = None) -> list[FakePrediction]:
        with self.lock:
            return [p for p in self.predictions.values() if model is None or p.model == model]

    def delivered(self, n: int, timeout_s: float = 5.0) -> list[dict[str, Any]]:
        """The webhook deliveries once `n` have been made (or all there are after the timeout).
        A delivery is recorded after the receiver has answered it, so the waiter it woke can
        finish first."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self.lock:
                if len(self.deliveries) >= n or time.monotonic() > deadline:
                    return list(self.deliveries)
            time.sleep(0.02)

    def count(self, method: str, path_pattern: str) -> int:
        return sum(1 for r in self.requests if r["method"] == method and re.fullmatch(path_pattern, r["path"]))

    # -- behaviour --------------------------------------------------------------------------------

    def latency(self, model: str) -> float:
        return self.latency_s.get(model, 0.5) * self.scale

    def resolve_version(self, ref: str) -> ModelContract | None:
        """The model a `version` field names: `owner/name`, `owner/name:id` or a bare id."""
        name, sep, version = ref.partition(":")
        if sep:
            found = self.contracts.get(name)
            return found if found and found.version_id == version else None
        if "/" in ref:
            return self.contracts.get(ref)
        return next((c for c in self.contracts.values() if c.version_id == ref), None)

    def create(
        self, contract: ModelContract, body: dict[str, Any], headers: dict[str, str], pinned: bool
    ) -> tuple[int | str, dict[str, Any], dict[str, str]]:
        if self._throttle:
            retry_after, resets = self._throttle.popleft()
            extra = {"retry-after": retry_after} if retry_after else {}
            hint = f"Request was throttled. Your rate limit resets in ~{resets}s."
            return 429, {"detail": hint, "status": 429, "title": "Too Many Requests"}, extra
        if self._server_errors:
            status, retry_after = self._server_errors.popleft()
            extra = {"retry-after": retry_after} if retry_after else {}
            return status, {"detail": "Service temporarily unavailable", "status": status}, extra
        inputs, problems = contract.check(body.get("input") or {}, self.unknown_inputs)
        if problems:
            return (
                422,
                {
                    "detail": detail(problems),
                    "status": 422,
                    "title": "Input validation failed",
                    "invalid_fields": [
                        {"type": p.type, "field": p.field, "description": p.description} for p in problems
                    ],
                },
                {},
            )
        pred = FakePrediction(
            id=_new_id(),
            model=contract.model,
            input=inputs,
            version=contract.version_id if pinned else "hidden",
            webhook=body.get("webhook"),
            events_filter=body.get("webhook_events_filter") or ["start", "output", "logs", "completed"],
        )
        limit = cancel_after_s(headers.get("cancel-after"))
        if limit is not None:
            pred.deadline = pred.created_mono + limit * self.scale
        queue = self._failures.get(contract.model)
        if queue:
            pred.fail_with = queue.popleft()
        if self._aborts.get(contract.model):
            self._aborts[contract.model] -= 1
            pred.abort = True
        with self.lock:
            self.predictions[pred.id] = pred
        worker = threading.Thread(target=self._run, args=(pred,), name=f"fake-{pred.id}", daemon=True)
        self._workers.append(worker)
        worker.start()
        if self._after_create:
            status = self._after_create.popleft()
            return status, {"detail": "Bad gateway", "status": status}, {}
        return 201, pred.to_json(self.base_url), {}

    def cancel(self, pred: FakePrediction) -> None:
        with self.lock:
            if pred.status in ("succeeded", "failed", "canceled", "aborted"):
                return
            pred.status = "canceled"
            pred.completed_at = _now_iso()
            pred.stop.set()
        self._deliver(pred, "completed")

    def _end(self, pred: FakePrediction, status: str, error: str | None = None) -> bool:
        with self.lock:
            if pred.status in ("succeeded", "failed", "canceled", "aborted"):
                return False
            pred.status, pred.error, pred.completed_at = status, error, _now_iso()
        self._deliver(pred, "completed")
        return True

    def _run(self, pred: FakePrediction) -> None:
        queued_until = pred.created_mono + self.queue_s
        if pred.deadline is not None and pred.deadline < queued_until:
            if not pred.stop.wait(max(0.0, pred.deadline - time.monotonic())):
                self._end(pred, "aborted", "Prediction deadline exceeded before it could start")
            return
        if pred.stop.wait(max(0.0, queued_until - time.monotonic())):
            return
        if pred.abort:
            self._end(pred, "aborted", "Prediction deadline exceeded before it could start")
            return
        t0 = time.monotonic()
        with self.lock:
            if pred.status != "starting":
                return
            pred.status = "processing"
            pred.started_at = _now_iso()
        self._deliver(pred, "start")
        output, error, extra = None, pred.fail_with, {}
        if error is None:
            try:
                output, extra = self._produce(pred)
            except ModelError as err:
                error = str(err)
            except Exception as err:  # a bug in the fake shows up as a failed prediction
                error = f"fake could not produce output: {type(err).__name__}: {err}"
        finish_at = t0 + self.latency(pred.model)
        if pred.deadline is not None and pred.deadline < finish_at:
            if not pred.stop.wait(max(0.0, pred.deadline - time.monotonic())):
                self._end(pred, "canceled")  # Cancel-After reached while running
            return
        if pred.stop.wait(max(0.0, finish_at - time.monotonic())):
            return  # cancelled (or the fake stopped)
        with self.lock:
            if pred.status != "processing":
                return
            pred.completed_at = _now_iso()
            pred.metrics = {"predict_time": round(time.monotonic() - t0, 3), **extra}
            if error:
                pred.status, pred.error, pred.logs = "failed", error, f"Error: {error}\n"
            else:
                pred.status, pred.output = "succeeded", output
        self._deliver(pred, "completed")

    def _publish(self, pred: FakePrediction, name: str, content_type: str, data: bytes) -> str:
        path = f"/delivery/{pred.id}/{name}"
        self.outputs[path] = (content_type, data)
        return self.base_url + path

    def _input_file(self, ref: str) -> bytes | None:
        if ref.startswith("data:"):
            return base64.b64decode(ref.split(",", 1)[1])
        m = re.search(r"/v1/files/([a-z0-9]+)", ref)
        if m and m[1] in self.files:
            return self.files[m[1]][2]
        return None

    def _produce(self, pred: FakePrediction) -> tuple[Any, dict[str, Any]]:
        """Output in the shape each model's published output schema declares."""
        i = pred.input
        if pred.model == "openai/gpt-4o":  # an iterator of strings, shown concatenated
            prompt = str(i.get("prompt", ""))
            brief = brief_from_prompt(prompt)
            if self.script_replies:
                reply = self.script_replies.popleft()
                text = reply(brief, prompt) if callable(reply) else reply
            elif brief is None:
                text = "I need the brief between <brief> tags to write a script."
            else:
                text = chat_reply(script_for(brief))
            tokens_in = (len(prompt) + len(str(i.get("system_prompt", "")))) // 4 + 765 * len(
                i.get("image_input") or []
            )
            chunks = [text[k : k + 40] for k in range(0, len(text), 40)]
            return chunks, {"input_token_count": tokens_in, "output_token_count": len(text) // 4}
        if pred.model in ("kwaivgi/kling-v2.5-turbo-pro", PRO_ONLY_END_IMAGE):  # a file URI
            if pred.model == PRO_ONLY_END_IMAGE and i.get("end_image") and i.get("mode", "standard") != "pro":
                raise ModelError("end_image is only supported in pro mode")
            aspect = i.get("aspect_ratio", "16:9")
            start = i.get("start_image")
            if start:
                # Documented: aspect_ratio is ignored when a start image is given.
                aspect = _aspect_of(self._input_file(start)) or aspect
            data = media.video(aspect, int(i.get("duration", 5)))
            return self._publish(pred, "output.mp4", "video/mp4", data), {}
        if pred.model == "black-forest-labs/flux-schnell":  # an array of file URIs, one per output
            fmt = str(i.get("output_format", "webp"))
            data = media.image(str(i.get("aspect_ratio", "1:1")), fmt)
            ctype = {"jpg": "image/jpeg", "png": "image/png"}.get(fmt, "image/webp")
            urls = [self._publish(pred, f"out-{k}.{fmt}", ctype, data) for k in range(int(i.get("num_outputs", 1)))]
            return urls, {}
        if pred.model in ("minimax/music-2.6", "minimax/music-1.5"):  # a file URI
            return self._publish(pred, "output.mp3", "audio/mpeg", media.music()), {}
        if pred.model in ("minimax/speech-02-turbo", "minimax/speech-02-hd"):  # a file URI
            fmt = self.speech_format or i.get("audio_format", "mp3")
            data = media.speech(str(i["text"]), fmt, int(i.get("sample_rate", 32000)), float(i.get("speed", 1)))
            ext, ctype = ("wav", "audio/wav") if fmt == "wav" else ("mp3", "audio/mpeg")
            return self._publish(pred, f"output.{ext}", ctype, data), {}
        raise ValueError(f"no output for {pred.model}")

    def page(self, created_after: str | None, cursor: int) -> dict[str, Any]:
        """`GET /v1/predictions`: newest first, 100 a page, `created_after` honoured."""
        with self.lock:
            preds = sorted(self.predictions.values(), key=lambda p: p.created_at, reverse=True)
            if created_after:
                bound = datetime.fromisoformat(created_after.replace("Z", "+00:00"))
                preds = [p for p in preds if datetime.fromisoformat(p.created_at.replace("Z", "+00:00")) >= bound]
            chunk = [p.to_json(self.base_url) for p in preds[cursor : cursor + 100]]
        more = len(preds) > cursor + 100
        query = f"cursor={cursor + 100}" + (f"&created_after={created_after}" if created_after else "")
        return {"next": f"{self.base_url}/v1/predictions?{query}" if more else None, "previous": None, "results": chunk}

    def _deliver(self, pred: FakePrediction, event: str) -> None:
        """POST the prediction to its webhook, signed, when the event passes its filter."""
        if not pred.webhook or event not in pred.events_filter or self.webhook_fault == "drop":
            return
        with self.lock:
            body = json.dumps(pred.to_json(self.base_url)).encode()
        msg_id = "msg_" + _new_id()
        stamp = str(int(time.time()))
        signature = sign(self.secret, msg_id, stamp, body)
        if self.webhook_fault == "bad_signature":
            signature = sign("whsec_" + base64.b64encode(b"not-the-secret").decode(), msg_id, stamp, body)
        headers = {
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": stamp,
            "webhook-signature": signature,
        }
        times = 2 if self.webhook_fault == "duplicate" else 1
        for _ in range(times):
            try:
                r = httpx.post(pred.webhook, content=body, headers=headers, timeout=5)
                status = r.status_code
            except httpx.HTTPError as err:
                status = f"error: {err}"
            with self.lock:
                self.deliveries.append({"prediction": pred.id, "event": event, "id": msg_id, "status": status})


def _aspect_of(data: bytes | None) -> str | None:
    if not data:
        return None
    from PIL import Image

    try:
        w, h = Image.open(io.BytesIO(data)).size
    except Exception:
        return None
    ratio = w / h
    return min(("16:9", 16 / 9), ("9:16", 9 / 16), ("1:1", 1.0), key=lambda a: abs(a[1] - ratio))[0]


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeReplicate
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return None

    # -- plumbing ---------------------------------------------------------------------------------

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None, ctype: str | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype or ("application/json" if status < 400 else "application/problem+json"))
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _log(self, body: bytes) -> None:
        entry: dict[str, Any] = {"method": self.command, "path": self.path.split("?")[0], "headers": dict(self.headers)}
        if self.headers.get("Content-Type", "").startswith("application/json") and body:
            entry["json"] = json.loads(body)
        with self.server_fake.lock:
            self.server_fake.requests.append(entry)

    def _authorized(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {self.server_fake.token}":
            return True
        self._send(
            401,
            {"title": "Unauthenticated", "detail": "You did not pass a valid authentication token", "status": 401},
        )
        return False

    # -- routes -----------------------------------------------------------------------------------

    def do_GET(self) -> None:
        fake = self.server_fake
        path, _, query = self.path.partition("?")
        self._log(b"")
        if path.startswith("/delivery/"):
            found = fake.outputs.get(path)
            if found is None:
                self._send(404, {"detail": "not found"})
            else:
                self._send(200, found[1], ctype=found[0])
            return
        if not self._authorized():
            return
        if path == "/v1/webhooks/default/secret":
            self._send(200, {"key": fake.secret})
            return
        if path == "/v1/account":
            self._send(200, {"type": "user", "username": "fake", "name": "Fake Replicate", "github_url": None})
            return
        if path == "/v1/predictions":
            if fake.list_errors_next:
                fake.list_errors_next -= 1
                self._send(500, {"detail": "Internal server error", "status": 500})
                return
            q = parse_qs(query)
            self._send(200, fake.page((q.get("created_after") or [None])[0], int((q.get("cursor") or ["0"])[0])))
            return
        m = re.fullmatch(r"/v1/predictions/([a-z0-9]+)", path)
        if m:
            with fake.lock:
                pred = fake.predictions.get(m[1])
                body = pred.to_json(fake.base_url) if pred else None
            self._send(200, body) if body else self._send(404, {"detail": "Not found.", "status": 404})
            return
        m = re.fullmatch(r"/v1/models/([\w.-]+)/([\w.-]+)(?:/versions/([0-9a-f]+))?", path)
        if m:
            found = fake.contracts.get(f"{m[1]}/{m[2]}")
            if found is None or (m[3] and m[3] != found.version_id):
                self._send(404, {"detail": "Not found.", "status": 404})
                return
            document = copy.deepcopy(found.document)
            self._send(200, document["latest_version"] if m[3] else document)
            return
        m = re.fullmatch(r"/v1/files/([a-z0-9]+)", path)
        if m and m[1] in fake.files:
            self._send(200, _file_json(fake, m[1]))
            return
        self._send(404, {"detail": f"no route {path}", "status": 404})

    def _create(self, body: bytes, model_path: re.Match[str] | None) -> None:
        fake = self.server_fake
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            self._send(400, {"detail": "body is not JSON", "status": 400})
            return
        allowed = CREATE_FIELDS if model_path else CREATE_FIELDS | {"version"}
        extra = sorted(set(data) - allowed)
        if extra:  # Replicate: "- Additional property signal is not allowed"
            self._send(
                422,
                {
                    "detail": "".join(f"- Additional property {k} is not allowed\n" for k in extra),
                    "status": 422,
                    "title": "Input validation failed",
                },
            )
            return
        if model_path:
            found = fake.contracts.get(f"{model_path[1]}/{model_path[2]}")
            if found is None:
                self._send(
                    404, {"detail": "The requested resource could not be found.", "status": 404, "title": "Not found"}
                )
                return
            pinned = False
        else:
            if "version" not in data or "input" not in data:
                self._send(
                    422,
                    {
                        "detail": "- version: required\n- input: required\n",
                        "status": 422,
                        "title": "Input validation failed",
                    },
                )
                return
            found = fake.resolve_version(str(data["version"]))
            if found is None:
                self._send(422, NOT_PERMITTED)
                return
            pinned = ":" in str(data["version"]) or "/" not in str(data["version"])
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, payload, extra_headers = fake.create(found, data, headers, pinned)
        if status == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(int(status), payload, extra_headers)

    def do_POST(self) -> None:
        fake = self.server_fake
        path = self.path.split("?")[0]
        body = self._body()
        self._log(body)
        if not self._authorized():
            return
        m = re.fullmatch(r"/v1/models/([^/]+)/([^/]+)/predictions", path)
        if m and not re.fullmatch(r"[\w.-]+", m[2]):
            # `owner/name:version` is not a model: the models endpoint runs official models only.
            self._send(
                404, {"detail": "The requested resource could not be found.", "status": 404, "title": "Not found"}
            )
            return
        if m or path == "/v1/predictions":
            self._create(body, m)
            return
        m = re.fullmatch(r"/v1/predictions/([a-z0-9]+)/cancel", path)
        if m:
            with fake.lock:
                pred = fake.predictions.get(m[1])
            if pred is None:
                self._send(404, {"detail": "Not found.", "status": 404})
                return
            fake.cancel(pred)
            with fake.lock:
                self._send(200, pred.to_json(fake.base_url))
            return
        if path == "/v1/files":
            name, ctype, data = _multipart_file(self.headers.get("Content-Type", ""), body)
            file_id = _new_id()
            fake.files[file_id] = (name, ctype, data)
            self._send(201, _file_json(fake, file_id))
            return
        self._send(404, {"detail": f"no route {path}", "status": 404})


def _multipart_file(content_type: str, body: bytes) -> tuple[str, str, bytes]:
    msg = BytesParser(policy=email_policy).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    for part in msg.iter_parts():
        if part.get_param("name", header="content-disposition") == "content":
            payload = part.get_payload(decode=True) or b""
            return part.get_filename() or "file", part.get_content_type(), payload
    return "file", "application/octet-stream", b""


def _file_json(fake: FakeReplicate, file_id: str) -> dict[str, Any]:
    name, ctype, data = fake.files[file_id]
    return {
        "id": file_id,
        "name": name,
        "content_type": ctype,
        "size": len(data),
        "etag": hashlib.md5(data, usedforsecurity=False).hexdigest(),
        "checksums": {"sha256": hashlib.sha256(data).hexdigest()},
        "metadata": {},
        "created_at": _now_iso(),
        "expires_at": None,
        "urls": {"get": f"{fake.base_url}/v1/files/{file_id}"},
    }
