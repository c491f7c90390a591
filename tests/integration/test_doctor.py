"""`omnigen doctor` against the fake, which serves the fixture schemas on the models endpoint:
with a token it reads each configured model's current schema and checks the requests the
adapters would send, the price table and the webhook secret; without one it says what it could
not check. Exit codes: 0 ready, 1 a check failed, 2 bad settings, 3 not everything checked."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from fake_replicate import TOKEN, FakeReplicate

from omnigen.config import load_settings
from omnigen.providers.replicate.doctor import diagnose, exit_code


@pytest.fixture
def fake() -> Iterator[FakeReplicate]:
    with FakeReplicate(scale=0.1) as f:
        yield f


def env(fake: FakeReplicate | None, **extra: str) -> dict[str, str]:
    base = {"OMNIGEN_PROVIDERS": "replicate"} | extra
    if fake is not None:
        base |= {"REPLICATE_API_TOKEN": TOKEN, "REPLICATE_BASE_URL": fake.base_url}
    return base


def doctor(variables: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OMNIGEN_", "REPLICATE_"))}
    return subprocess.run(
        [sys.executable, "-m", "omnigen.cli", "doctor", *args],
        env=clean | variables,
        text=True,
        capture_output=True,
        timeout=120,
    )


def by_check(findings):
    return {f.check: f for f in findings}


def test_with_a_token_every_configured_model_is_checked_against_its_current_schema(fake):
    run = doctor(env(fake))
    assert run.returncode == 0, run.stdout + run.stderr
    for model in ("openai/gpt-4o", "kwaivgi/kling-v2.5-turbo-pro", "minimax/music-2.6", "minimax/speech-02-turbo"):
        assert f"{model}: " in run.stdout
    assert "valid against its latest version" in run.stdout and "ready: every check passed (exit 0)" in run.stdout
    assert fake.count("GET", r"/v1/models/minimax/music-2\.6") == 1 and fake.count("GET", "/v1/account") == 1
    assert fake.created() == []  # checking starts no prediction


def test_without_a_token_it_says_what_it_could_not_check(fake):
    run = doctor(env(None))
    assert run.returncode == 3
    assert (
        "REPLICATE_API_TOKEN is not set" in run.stdout
        and "not checked against Replicate's current schema" in run.stdout
    )
    assert "ok    price table" in run.stdout
    assert fake.requests == []


def test_a_drifted_schema_fails_naming_the_input_replicate_would_ignore(fake):
    drifted = copy.deepcopy(fake.contracts["minimax/music-2.6"])
    del drifted.document["latest_version"]["openapi_schema"]["components"]["schemas"]["Input"]["properties"][
        "is_instrumental"
    ]
    fake.contracts = {**fake.contracts, "minimax/music-2.6": drifted}
    findings = diagnose(load_settings(env(fake)))
    music = by_check(findings)["music minimax/music-2.6"]
    assert (
        music.status == "fail"
        and "input.is_instrumental: Additional property is_instrumental is not allowed" in music.message
    )
    assert exit_code(findings) == 1


def test_a_pinned_version_is_checked_against_that_version(fake):
    version = fake.contracts["kwaivgi/kling-v2.5-turbo-pro"].version_id
    findings = diagnose(load_settings(env(fake, OMNIGEN_MODEL_VIDEO=f"kwaivgi/kling-v2.5-turbo-pro:{version}")))
    video = by_check(findings)[f"video kwaivgi/kling-v2.5-turbo-pro:{version}"]
    assert video.status == "ok" and "pinned version" in video.message
    gone = diagnose(load_settings(env(fake, OMNIGEN_MODEL_VIDEO=f"kwaivgi/kling-v2.5-turbo-pro:{'d' * 64}")))
    assert by_check(gone)[f"video kwaivgi/kling-v2.5-turbo-pro:{'d' * 64}"].status == "fail"


def test_the_end_frame_video_model_is_checked_with_its_end_frame_and_without_a_text_only_scene(fake):
    """Kling v2.1's schema requires start_image and takes end_image: the doctor checks the keyframe
    to keyframe request it will send, and no scene from its text alone (it cannot be sent one)."""
    findings = diagnose(load_settings(env(fake, OMNIGEN_MODEL_VIDEO="kwaivgi/kling-v2.1")))
    video = by_check(findings)["video kwaivgi/kling-v2.1"]
    assert video.status == "ok", video.message
    drifted = copy.deepcopy(fake.contracts["kwaivgi/kling-v2.1"])
    del drifted.document["latest_version"]["openapi_schema"]["components"]["schemas"]["Input"]["properties"][
        "end_image"
    ]
    fake.contracts = {**fake.contracts, "kwaivgi/kling-v2.1": drifted}
    gone = by_check(diagnose(load_settings(env(fake, OMNIGEN_MODEL_VIDEO="kwaivgi/kling-v2.1"))))
    assert gone["video kwaivgi/kling-v2.1"].status == "fail"
    assert "input.end_image: Additional property end_image is not allowed" in gone["video kwaivgi/kling-v2.1"].message


def test_a_model_without_a_price_fails_the_price_table(fake):
    findings = diagnose(load_settings(env(fake, OMNIGEN_MODEL_VOICE="minimax/speech-99")))
    assert by_check(findings)["price table"].status == "fail" and exit_code(findings) == 1


def test_a_refused_token_fails(fake):
    findings = diagnose(load_settings(env(fake) | {"REPLICATE_API_TOKEN": "r8_wrong"}))
    assert by_check(findings)["token"].status == "fail" and exit_code(findings) == 1


@pytest.mark.parametrize(
    ("secret", "status"),
    [(None, "ok"), ("same", "ok"), ("whsec_" + "QUJDREVG", "fail"), ("not-a-secret", "fail")],
)
def test_the_webhook_secret_is_checked_against_the_accounts(fake, secret, status):
    extra = {"OMNIGEN_WEBHOOK_URL": "https://omnigen.example/api/v1/webhooks/replicate"}
    if secret:
        extra["OMNIGEN_WEBHOOK_SECRET"] = fake.secret if secret == "same" else secret
    finding = by_check(diagnose(load_settings(env(fake, **extra))))["webhook"]
    assert finding.status == status, finding.message


def test_json_output_and_bad_settings(fake):
    run = doctor(env(fake), "--json")
    data = json.loads(run.stdout)
    assert run.returncode == data["exit_code"] == 0 and {f["status"] for f in data["findings"]} <= {"ok", "skip"}
    bad = doctor(env(fake, OMNIGEN_PROVIDERS="video=maybe"))
    assert bad.returncode == 2 and "OMNIGEN_PROVIDERS" in bad.stderr


def test_the_default_end_frame_companion_is_checked_against_its_own_schema(fake):
    """The default deployment renders its keyframe-to-keyframe takes on Kling v2.1: the doctor
    checks that request (start_image, end_image, mode pro) against v2.1's schema and the other
    scene requests against v2.5's; a v2.1 that lost end_image fails the companion's check only."""
    findings = by_check(diagnose(load_settings(env(fake))))
    assert findings["video kwaivgi/kling-v2.5-turbo-pro"].status == "ok"
    companion = findings["video_end_frame kwaivgi/kling-v2.1"]
    assert companion.status == "ok" and "1 request(s) valid" in companion.message, companion.message
    assert "renders the takes that end on the next keyframe" in findings["end-frame companion"].message
    drifted = copy.deepcopy(fake.contracts["kwaivgi/kling-v2.1"])
    del drifted.document["latest_version"]["openapi_schema"]["components"]["schemas"]["Input"]["properties"][
        "end_image"
    ]
    fake.contracts = {**fake.contracts, "kwaivgi/kling-v2.1": drifted}
    gone = diagnose(load_settings(env(fake)))
    assert by_check(gone)["video kwaivgi/kling-v2.5-turbo-pro"].status == "ok"
    assert "end_image is not allowed" in by_check(gone)["video_end_frame kwaivgi/kling-v2.1"].message
    assert exit_code(gone) == 1


def test_the_companion_is_said_to_be_ignored_or_off(fake):
    ignored = by_check(diagnose(load_settings(env(fake, OMNIGEN_MODEL_VIDEO="kwaivgi/kling-v2.1"))))
    assert "ignored" in ignored["end-frame companion"].message
    assert not any(check.startswith("video_end_frame") for check in ignored)
    off = by_check(diagnose(load_settings(env(fake, OMNIGEN_MODEL_VIDEO_END_FRAME="none"))))
    said = off["end-frame companion"].message
    assert "off" in said and "chains the continuous cuts" in said
    assert not any(check.startswith("video_end_frame") for check in off)
