"""The prediction lifecycle against the fake: create retries (429 with its reset hint, 5xx),
failed and refused predictions as actionable errors, cancel on job cancel, per-model timeouts,
polling with backoff, and the token checked before any job exists."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from fake_replicate import TOKEN, FakeReplicate
from fake_replicate.testing import Recorder

from omnigen.config import ConfigError, load_settings
from omnigen.providers.ports import Cancelled, ProviderError
from omnigen.providers.replicate.client import ReplicateRunner, reset_hint_s
from omnigen.providers.replicate.factory import build_replicate_providers

KLING = "kwaivgi/kling-v2.5-turbo-pro"
TTS = "minimax/speech-02-turbo"
CREATE = r"/v1/models/[^/]+/[^/]+/predictions"


@pytest.fixture
def fake() -> Iterator[FakeReplicate]:
    with FakeReplicate(scale=0.1) as f:
        yield f


class Sleeps:
    """Records the create-retry waits instead of sleeping them (the hint is what is tested)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        time.sleep(min(seconds, 0.01))


def runner(fake: FakeReplicate, **kw: object) -> ReplicateRunner:
    kw.setdefault("poll_interval_s", 0.02)
    return ReplicateRunner(TOKEN, fake.base_url, **kw)  # type: ignore[arg-type]


def speak(r: ReplicateRunner, rec: Recorder | None = None, text: str = "Hello there.") -> str:
    return r.run(TTS, {"text": text}, (rec or Recorder()).ctx(), what="a test line").id


def test_429_is_retried_after_the_retry_after_header(fake):
    fake.throttle_next(2, retry_after="3")
    sleeps = Sleeps()
    r = runner(fake, sleep=sleeps)
    speak(r)
    assert fake.count("POST", CREATE) == 3
    retry_waits = [w for w in sleeps.waits if w >= 1]
    assert len(retry_waits) == 2 and all(3.0 <= w <= 3.5 for w in retry_waits)


def test_429_without_header_follows_the_documented_body_hint(fake):
    fake.throttle_next(1, retry_after=None, resets_in_s=7)
    sleeps = Sleeps()
    speak(runner(fake, sleep=sleeps))
    assert any(7.0 <= w <= 7.8 for w in sleeps.waits)


def test_5xx_on_create_is_retried_with_backoff(fake):
    fake.server_error_next(2, status=503)
    fake.server_error_next(1, status=500)
    sleeps = Sleeps()
    speak(runner(fake, sleep=sleeps))
    assert fake.count("POST", CREATE) == 4
    assert len(fake.created(TTS)) == 1  # refused creates started nothing


def test_create_gives_up_after_bounded_tries(fake):
    fake.throttle_next(3, retry_after="1")
    with pytest.raises(ProviderError, match="kept refusing") as err:
        speak(runner(fake, sleep=Sleeps(), max_create_attempts=3))
    assert err.value.retryable


def test_failed_prediction_is_a_provider_error_naming_model_prediction_and_cause(fake):
    fake.fail_next(KLING, "E005: the input image is flagged as sensitive")
    rec = Recorder()
    with pytest.raises(ProviderError) as err:
        runner(fake).run(KLING, {"prompt": "a rose garden"}, rec.ctx(), what="rendering scene 3")
    (pred,) = fake.created(KLING)
    msg = str(err.value)
    assert KLING in msg and pred.id in msg and "flagged as sensitive" in msg and "scene 3" in msg
    assert rec.calls == []  # nothing billed by the adapter for a failure


def test_bad_token_says_what_to_do(fake):
    r = ReplicateRunner("r8_wrong", fake.base_url, poll_interval_s=0.02)
    with pytest.raises(ProviderError, match="REPLICATE_API_TOKEN") as err:
        speak(r)
    assert "401" in str(err.value) and not err.value.retryable


def test_rejected_input_is_reported_with_replicates_detail(fake):
    with pytest.raises(ProviderError, match="rejected the input") as err:
        runner(fake).run(KLING, {"prompt": "x", "seed": 1}, Recorder().ctx(), what="rendering scene 1")
    assert "seed" in str(err.value)


def test_cancelling_the_job_cancels_the_open_prediction(fake):
    fake.latency_s[KLING] = 100.0
    rec = Recorder()
    r = runner(fake, cancel_check_s=0.05)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            r.run(KLING, {"prompt": "a long take"}, rec.ctx(), what="rendering scene 1")
        except BaseException as err:
            errors.append(err)

    t = threading.Thread(target=work)
    t.start()
    deadline = time.monotonic() + 5
    while not fake.created(KLING) and time.monotonic() < deadline:
        time.sleep(0.01)
    rec.cancelled.set()
    t.join(timeout=5)
    assert not t.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], Cancelled)
    (pred,) = fake.created(KLING)
    assert pred.status == "canceled"
    assert fake.count("POST", rf"/v1/predictions/{pred.id}/cancel") == 1


def test_a_cancelled_job_starts_no_prediction(fake):
    rec = Recorder()
    rec.cancelled.set()
    with pytest.raises(Cancelled):
        speak(runner(fake), rec)
    assert fake.created() == []


def test_a_prediction_past_its_models_timeout_is_cancelled_and_reported(fake):
    fake.latency_s[KLING] = 100.0
    r = runner(fake, timeouts_s={KLING: 0.3})
    with pytest.raises(ProviderError, match=r"took longer than 0.3 s") as err:
        r.run(KLING, {"prompt": "slow"}, Recorder().ctx(), what="rendering scene 2")
    assert err.value.retryable
    (pred,) = fake.created(KLING)
    assert pred.status == "canceled"


def test_polling_backs_off(fake):
    fake.latency_s[TTS] = 10.0  # 1 s at this fake's scale
    speak(runner(fake, poll_interval_s=0.02, max_poll_interval_s=0.2))
    gets = fake.count("GET", r"/v1/predictions/[a-z0-9]+")
    assert 5 <= gets <= 20  # a fixed 20 ms poll would have made ~50


def test_progress_is_reported_while_waiting(fake):
    rec = Recorder()
    fake.latency_s[TTS] = 3.0
    speak(runner(fake), rec)
    assert rec.progress and all(0 <= f <= 0.95 for f, _ in rec.progress)
    assert any("processing" in m or "starting" in m for _, m in rec.progress)


@pytest.mark.parametrize(
    ("header", "detail", "expected"),
    [
        ("12", None, 12.0),
        (None, "Request was throttled. Your rate limit resets in ~30s.", 30.0),
        (None, "rate limit resets in 500ms", 0.5),
        (None, "no hint at all", None),
        ("soon", None, None),
    ],
)
def test_reset_hints_are_read_from_header_or_body(header, detail, expected):
    assert reset_hint_s(header, detail) == expected


def test_retry_after_as_an_http_date():
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    assert 15 <= (reset_hint_s(when, None) or 0) <= 21


def test_a_missing_token_stops_the_program_at_start():
    with pytest.raises(ConfigError, match="REPLICATE_API_TOKEN"):
        load_settings(env={"OMNIGEN_PROVIDERS": "script=replicate,video=local,music=local,voice=local"})
    with pytest.raises(ConfigError, match="REPLICATE_API_TOKEN"):
        build_replicate_providers(None)
