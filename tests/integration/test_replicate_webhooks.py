"""Webhook verification (tampered body, tampered signature, stale timestamp, replayed id) and
signed delivery from the fake over real HTTP waking the waiting prediction."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator

import pytest
from fake_replicate import TOKEN, FakeReplicate, serve_receiver, sign
from fake_replicate.testing import Recorder

from omnigen.api.problems import ApiError
from omnigen.config import Settings, parse_providers
from omnigen.providers.replicate.client import PredictionEvents, ReplicateRunner
from omnigen.providers.replicate.webhook import WebhookRejected, verify_webhook
from omnigen.providers.replicate.webhook_receiver import SeenIds, WebhookReceiver

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
BODY = json.dumps({"id": "p1", "status": "succeeded", "output": "https://example.invalid/x.mp4"}).encode()
NOW = 1_750_000_000.0
KLING = "kwaivgi/kling-v2.5-turbo-pro"


def headers(body: bytes = BODY, msg_id: str = "msg_1", stamp: float = NOW, secret: str = SECRET) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(stamp)),
        "webhook-signature": sign(secret, msg_id, int(stamp), body),
    }


# --- verify_webhook -------------------------------------------------------------------------------


def test_an_authentic_delivery_passes_once():
    seen: set[str] = set()
    assert verify_webhook(headers(), BODY, SECRET, seen, NOW) is True
    assert seen == {"msg_1"}


def test_a_replayed_id_is_ignored():
    seen: set[str] = set()
    verify_webhook(headers(), BODY, SECRET, seen, NOW)
    assert verify_webhook(headers(), BODY, SECRET, seen, NOW + 10) is False


def test_a_tampered_body_is_rejected():
    tampered = BODY.replace(b"succeeded", b"failed")
    with pytest.raises(WebhookRejected, match="does not match"):
        verify_webhook(headers(), tampered, SECRET, set(), NOW)


def test_a_tampered_signature_is_rejected():
    h = headers()
    sig = bytearray(base64.b64decode(h["webhook-signature"].split(",", 1)[1]))
    sig[0] ^= 1
    h["webhook-signature"] = "v1," + base64.b64encode(bytes(sig)).decode()
    with pytest.raises(WebhookRejected, match="does not match"):
        verify_webhook(h, BODY, SECRET, set(), NOW)


def test_a_signature_made_with_another_secret_is_rejected():
    other = "whsec_" + base64.b64encode(b"another secret of 32 bytes long!").decode()
    with pytest.raises(WebhookRejected):
        verify_webhook(headers(secret=other), BODY, SECRET, set(), NOW)


@pytest.mark.parametrize("age_s", [301, -301, 3600])
def test_a_timestamp_more_than_five_minutes_off_is_rejected(age_s):
    seen: set[str] = set()
    with pytest.raises(WebhookRejected, match="clock"):
        verify_webhook(headers(stamp=NOW - age_s), BODY, SECRET, seen, NOW)
    assert seen == set()  # a rejected delivery does not burn its id


def test_a_timestamp_inside_the_window_passes():
    assert verify_webhook(headers(stamp=NOW - 299), BODY, SECRET, set(), NOW)


def test_one_valid_signature_among_several_is_enough():
    h = headers()
    h["webhook-signature"] = "v1,AAAA v1,bm90IGl0 " + h["webhook-signature"]
    assert verify_webhook(h, BODY, SECRET, set(), NOW)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_headers_are_rejected(missing):
    h = headers()
    del h[missing]
    with pytest.raises(WebhookRejected, match=missing):
        verify_webhook(h, BODY, SECRET, set(), NOW)


def test_header_names_are_case_insensitive():
    h = {k.title(): v for k, v in headers().items()}
    assert verify_webhook(h, BODY, SECRET, set(), NOW)


@pytest.mark.parametrize("secret", ["not-a-secret", "whsec_***"])
def test_a_malformed_secret_is_named(secret):
    with pytest.raises(WebhookRejected, match="OMNIGEN_WEBHOOK_SECRET"):
        verify_webhook(headers(), BODY, secret, set(), NOW)


def test_seen_ids_forget_what_the_window_already_refuses():
    clock = [0.0]
    seen = SeenIds(keep_s=600, max_ids=3, clock=lambda: clock[0])
    for n in range(5):
        seen.add(f"m{n}")
    assert "m0" not in seen and "m4" in seen and len(seen) == 3
    clock[0] = 700
    assert "m4" not in seen


# --- the receiver ---------------------------------------------------------------------------------


def test_receiver_wakes_the_prediction_and_answers_401_on_bad_signature():
    events = PredictionEvents()
    receiver = WebhookReceiver(SECRET, events=events, clock=lambda: NOW)
    receiver.handle(headers(), BODY)
    assert events.wait_change("p1", None, 0) == "succeeded"
    with pytest.raises(ApiError) as err:
        receiver.handle(headers(), BODY.replace(b"p1", b"p2"))
    assert err.value.status == 401 and "webhook rejected" in err.value.detail


def test_receiver_ignores_a_replay():
    events = PredictionEvents()
    receiver = WebhookReceiver(SECRET, events=events, clock=lambda: NOW)
    receiver.handle(headers(), BODY)
    events.forget("p1")
    receiver.handle(headers(), BODY)  # same webhook-id: acknowledged, not acted on
    assert events.wait_change("p1", None, 0) is None


def test_receiver_fetches_the_default_secret_from_replicate():
    with FakeReplicate() as fake:
        settings = Settings(
            providers=parse_providers("replicate"),
            replicate_api_token=TOKEN,
            replicate_base_url=fake.base_url,
            webhook_url="https://example.invalid/hook",
        )
        receiver = WebhookReceiver.from_settings(settings)
        assert receiver.secret() == fake.secret
        assert fake.count("GET", "/v1/webhooks/default/secret") == 1
        receiver.secret()
        assert fake.count("GET", "/v1/webhooks/default/secret") == 1  # fetched once, kept


def test_receiver_says_how_to_fix_an_unreachable_secret():
    settings = Settings(replicate_api_token="x", replicate_base_url="http://127.0.0.1:9")
    with pytest.raises(ApiError) as err:
        WebhookReceiver.from_settings(settings).secret()
    assert err.value.status == 503 and "OMNIGEN_WEBHOOK_SECRET" in err.value.detail


# --- delivery over HTTP -----------------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeReplicate]:
    with FakeReplicate(scale=0.1) as f:
        yield f


def test_signed_webhooks_wake_the_waiter_without_polling(fake):
    events = PredictionEvents()
    receiver = WebhookReceiver(fake.secret, events=events)
    with serve_receiver(receiver) as (url, answered):
        r = ReplicateRunner(TOKEN, fake.base_url, url, events=events, poll_interval_s=60, webhook_fallback_poll_s=60)
        t0 = time.monotonic()
        done = r.run(KLING, {"prompt": "roses"}, Recorder().ctx(), what="scene 1")
        elapsed = time.monotonic() - t0
        # The waiter wakes while the receiver is still answering the last delivery: let that
        # answer go out before the receiver shuts down.
        deliveries = fake.delivered(2)
    assert elapsed < 5  # the 60 s fallback poll never had to run
    (pred,) = fake.created(KLING)
    assert done.id == pred.id and done.output.endswith(".mp4")
    sent = next(r for r in fake.requests if r["method"] == "POST" and "predictions" in r["path"])
    assert sent["json"]["webhook"] == url and sent["json"]["webhook_events_filter"] == ["start", "completed"]
    assert [d["event"] for d in deliveries] == ["start", "completed"] and answered == [204, 204]
    assert fake.count("GET", rf"/v1/predictions/{pred.id}") <= 2  # one read per wake-up


def test_a_forged_webhook_is_refused_and_the_poll_fallback_finishes_the_job(fake):
    fake.webhook_fault = "bad_signature"
    events = PredictionEvents()
    with serve_receiver(WebhookReceiver(fake.secret, events=events)) as (url, answered):
        r = ReplicateRunner(TOKEN, fake.base_url, url, events=events, poll_interval_s=0.05, webhook_fallback_poll_s=0.2)
        done = r.run(KLING, {"prompt": "roses"}, Recorder().ctx(), what="scene 1")
    assert done.output and answered and set(answered) == {401}


def test_a_duplicated_delivery_is_acknowledged_but_acted_on_once(fake):
    fake.webhook_fault = "duplicate"
    events, seen = PredictionEvents(), SeenIds()
    with serve_receiver(WebhookReceiver(fake.secret, events=events, seen_ids=seen)) as (url, answered):
        r = ReplicateRunner(TOKEN, fake.base_url, url, events=events, poll_interval_s=60, webhook_fallback_poll_s=60)
        r.run("minimax/speech-02-turbo", {"text": "Hi there."}, Recorder().ctx(), what="a line")
        deadline = time.monotonic() + 3
        while len(answered) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert answered == [204, 204, 204, 204]  # Replicate stops resending once it gets a 2xx
    assert len(seen) == 2  # start + completed, each handled once


# --- through the HTTP API ---------------------------------------------------------------------------


def test_the_api_route_verifies_before_it_trusts(tmp_path):
    from api_harness import make_client

    client, _ = make_client(
        tmp_path,
        OMNIGEN_PROVIDERS="replicate",
        REPLICATE_API_TOKEN=TOKEN,
        REPLICATE_BASE_URL="http://127.0.0.1:9",
        OMNIGEN_WEBHOOK_URL="https://omnigen.example/api/v1/webhooks/replicate",
        OMNIGEN_WEBHOOK_SECRET=SECRET,
    )
    url = "/api/v1/webhooks/replicate"
    now = time.time()
    good = headers(msg_id="msg_api", stamp=now) | {"content-type": "application/json"}
    assert client.post(url, content=BODY, headers=good).status_code == 204
    assert client.post(url, content=BODY, headers=good).status_code == 204  # replay: acknowledged, ignored
    forged = client.post(url, content=BODY.replace(b"succeeded", b"failed"), headers=good)
    assert forged.status_code == 401 and forged.headers["content-type"] == "application/problem+json"
    assert "does not match" in forged.json()["detail"]
    stale = headers(msg_id="msg_old", stamp=now - 600)
    assert client.post(url, content=BODY, headers=stale).status_code == 401
