"""A local fake of Replicate's HTTP API, on 127.0.0.1, written from Replicate's documentation.

What it does, as Replicate documents it:
- `POST /v1/models/{owner}/{name}/predictions` and `POST /v1/predictions` ({"version": ...})
  create a prediction (status `starting`, then `processing`, then `succeeded`/`failed`); the input
  is checked against the model's input schema (unknown fields and out-of-range values are a 422 —
  stricter than Replicate, which catches adapter mistakes early);
- `GET /v1/predictions/{id}`, `POST /v1/predictions/{id}/cancel`;
- `POST /v1/files` (multipart `content`) and `GET /v1/files/{id}`;
- outputs are URLs to real media files, served here;
- `GET /v1/webhooks/default/secret` gives the `whsec_…` signing secret, and webhooks
  (`webhook`, `webhook_events_filter`: start / completed) are delivered signed
  (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`);
- a 429 carries `retry-after` and the documented body "Request was throttled. Your rate limit
  resets in ~Ns."; missing/invalid tokens get a 401.

Test hooks: per-model latencies (times `scale`), `throttle_next`, `server_error_next`,
`fail_next`, `script_replies`, `speech_format`, `webhook_fault`; `requests` logs every call.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import re
import secrets
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

import httpx

from fake_replicate import media
from fake_replicate.scripts import brief_from_prompt, chat_reply, script_for

TOKEN = "r8_fake_token_for_tests"

DEFAULT_LATENCY_S = {
    "openai/gpt-4o": 0.6,
    "kwaivgi/kling-v2.5-turbo-pro": 1.8,
    "minimax/music-1.5": 0.6,
    "minimax/speech-02-turbo": 0.3,
}


@dataclass
class ModelSchema:
    """The documented input schema, reduced to what the fake checks."""

    required: set[str]
    allowed: set[str]
    check: Callable[[dict[str, Any]], list[str]] = lambda _i: []


def _kling_check(i: dict[str, Any]) -> list[str]:
    errors = []
    if i.get("duration", 5) not in (5, 10):
        errors.append(f"input.duration: {i.get('duration')!r} is not one of [5, 10]")
    if i.get("aspect_ratio", "16:9") not in ("16:9", "9:16", "1:1"):
        errors.append(f"input.aspect_ratio: {i.get('aspect_ratio')!r} is not one of ['16:9', '9:16', '1:1']")
    return errors


def _music_check(i: dict[str, Any]) -> list[str]:
    errors = []
    for name, lo, hi in (("prompt", 10, 300), ("lyrics", 10, 600)):
        n = len(str(i.get(name, "")))
        if not lo <= n <= hi:
            errors.append(f"input.{name}: {n} characters; valid input is {lo}-{hi} characters")
    return errors


def _speech_check(i: dict[str, Any]) -> list[str]:
    errors = []
    if not 0.5 <= float(i.get("speed", 1)) <= 2:
        errors.append("input.speed: must be between 0.5 and 2")
    if len(str(i.get("text", ""))) > 10000:
        errors.append("input.text: at most 10000 characters")
    return errors


SCHEMAS: dict[str, ModelSchema] = {
    "openai/gpt-4o": ModelSchema(
        required=set(),
        allowed={
            "prompt",
            "system_prompt",
            "messages",
            "image_input",
            "temperature",
            "max_completion_tokens",
            "top_p",
            "frequency_penalty",
            "presence_penalty",
        },
    ),
    "kwaivgi/kling-v2.5-turbo-pro": ModelSchema(
        required={"prompt"},
        allowed={"prompt", "negative_prompt", "start_image", "end_image", "aspect_ratio", "duration", "image"},
        check=_kling_check,
    ),
    "minimax/music-1.5": ModelSchema(
        required={"prompt", "lyrics"},
        allowed={
            "prompt",
            "lyrics",
            "song_file",
            "voice_file",
            "instrumental_file",
            "voice_id",
            "instrumental_id",
            "sample_rate",
            "bitrate",
            "audio_format",
        },
        check=_music_check,
    ),
    "minimax/speech-02-turbo": ModelSchema(
        required={"text"},
        allowed={
            "text",
            "voice_id",
            "speed",
            "volume",
            "pitch",
            "emotion",
            "english_normalization",
            "sample_rate",
            "bitrate",
            "audio_format",
            "channel",
            "language_boost",
            "subtitle_enable",
        },
        check=_speech_check,
    ),
}


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

    def to_json(self, base: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "model": self.model,
            "version": "hidden",
            "input": self.input,
            "logs": self.logs,
            "output": self.output,
            "data_removed": False,
            "error": self.error,
            "status": self.status,
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
        secret: str | None = None,
    ):
        self.token = token
        self.scale = scale
        self.latency_s = {**DEFAULT_LATENCY_S, **(latency_s or {})}
        self.secret = secret or "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        self.predictions: dict[str, FakePrediction] = {}
        self.files: dict[str, tuple[str, str, bytes]] = {}  # id → (name, content type, bytes)
        self.outputs: dict[str, tuple[str, bytes]] = {}  # path → (content type, bytes)
        self.requests: list[dict[str, Any]] = []
        self.deliveries: list[dict[str, Any]] = []
        self.lock = threading.RLock()
        # test hooks
        self._throttle: deque[tuple[str | None, int]] = deque()
        self._server_errors: deque[int] = deque()
        self._failures: dict[str, deque[str]] = {}
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

    def server_error_next(self, n: int = 1, status: int = 503) -> None:
        self._server_errors.extend([status] * n)

    def fail_next(self, model: str, error: str = "E6716: the model crashed") -> None:
        """The next prediction of `model` ends `failed` with this error."""
        self._failures.setdefault(model, deque()).append(error)

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

    def create(self, model: str, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        if self._throttle:
            retry_after, resets = self._throttle.popleft()
            headers = {"retry-after": retry_after} if retry_after else {}
            detail = f"Request was throttled. Your rate limit resets in ~{resets}s."
            return 429, {"detail": detail, "status": 429, "title": "Too Many Requests"}, headers
        if self._server_errors:
            status = self._server_errors.popleft()
            return status, {"detail": "Service temporarily unavailable", "status": status}, {}
        schema = SCHEMAS.get(model)
        if schema is None:
            return 404, {"detail": f"Model {model} not found", "status": 404, "title": "Not found"}, {}
        inputs = body.get("input") or {}
        errors = [f"input.{k}: unknown field" for k in inputs if k not in schema.allowed]
        errors += [f"input.{k}: required" for k in schema.required if k not in inputs]
        errors += schema.check(inputs)
        if errors:
            detail = "- " + "\n- ".join(errors)
            return 422, {"detail": detail, "status": 422, "title": "Input validation failed"}, {}
        pred = FakePrediction(
            id=_new_id(),
            model=model,
            input=inputs,
            webhook=body.get("webhook"),
            events_filter=body.get("webhook_events_filter") or ["start", "output", "logs", "completed"],
        )
        queue = self._failures.get(model)
        if queue:
            pred.fail_with = queue.popleft()
        with self.lock:
            self.predictions[pred.id] = pred
        worker = threading.Thread(target=self._run, args=(pred,), name=f"fake-{pred.id}", daemon=True)
        self._workers.append(worker)
        worker.start()
        return 201, pred.to_json(self.base_url), {}

    def cancel(self, pred: FakePrediction) -> None:
        with self.lock:
            if pred.status in ("succeeded", "failed", "canceled"):
                return
            pred.status = "canceled"
            pred.completed_at = _now_iso()
            pred.stop.set()
        self._deliver(pred, "completed")

    def _run(self, pred: FakePrediction) -> None:
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
            except Exception as err:  # a bug in the fake shows up as a failed prediction
                error = f"fake could not produce output: {type(err).__name__}: {err}"
        remaining = self.latency(pred.model) - (time.monotonic() - t0)
        if pred.stop.wait(max(0.0, remaining)):
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
        i = pred.input
        if pred.model == "openai/gpt-4o":
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
        if pred.model == "kwaivgi/kling-v2.5-turbo-pro":
            aspect = i.get("aspect_ratio", "16:9")
            start = i.get("start_image")
            if start:
                # Documented: aspect_ratio is ignored when a start image is given.
                aspect = _aspect_of(self._input_file(start)) or aspect
            data = media.video(aspect, int(i.get("duration", 5)))
            return self._publish(pred, "output.mp4", "video/mp4", data), {}
        if pred.model == "minimax/music-1.5":
            return self._publish(pred, "output.mp3", "audio/mpeg", media.music()), {}
        if pred.model == "minimax/speech-02-turbo":
            fmt = self.speech_format or i.get("audio_format", "mp3")
            data = media.speech(str(i["text"]), fmt, int(i.get("sample_rate", 32000)))
            ext, ctype = ("wav", "audio/wav") if fmt == "wav" else ("mp3", "audio/mpeg")
            return self._publish(pred, f"output.{ext}", ctype, data), {}
        raise ValueError(f"no output for {pred.model}")

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
        path = self.path.split("?")[0]
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
        m = re.fullmatch(r"/v1/predictions/([a-z0-9]+)", path)
        if m:
            with fake.lock:
                pred = fake.predictions.get(m[1])
                body = pred.to_json(fake.base_url) if pred else None
            self._send(200, body) if body else self._send(404, {"detail": "Not found.", "status": 404})
            return
        m = re.fullmatch(r"/v1/files/([a-z0-9]+)", path)
        if m and m[1] in fake.files:
            self._send(200, _file_json(fake, m[1]))
            return
        self._send(404, {"detail": f"no route {path}", "status": 404})

    def do_POST(self) -> None:
        fake = self.server_fake
        path = self.path.split("?")[0]
        body = self._body()
        self._log(body)
        if not self._authorized():
            return
        m = re.fullmatch(r"/v1/models/([\w.-]+)/([\w.-]+)/predictions", path)
        if m or path == "/v1/predictions":
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                self._send(400, {"detail": "body is not JSON", "status": 400})
                return
            model = f"{m[1]}/{m[2]}" if m else str(data.get("version", "")).split(":")[0]
            status, payload, headers = fake.create(model, data)
            self._send(status, payload, headers)
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
