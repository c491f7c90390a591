"""End to end with every capability on Replicate — the fake, latencies scaled down: the real
`omnigen generate --providers replicate` yields a composed MP4 and bills each prediction on the
job; cancelling a job mid-run cancels the predictions it has open."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SHARED_BRIEFS
from fake_replicate import TOKEN, FakeReplicate

from omnigen.brief import load_brief
from omnigen.job import JobStatus
from omnigen.media.ffmpeg import probe

pytest.importorskip("omnigen.providers.local.script_writer", reason="the offline pipeline is not in this tree yet")

BRIEF = SHARED_BRIEFS / "psoriasis_30s.yaml"
KLING = "kwaivgi/kling-v2.5-turbo-pro"


@pytest.fixture
def fake() -> Iterator[FakeReplicate]:
    with FakeReplicate(scale=0.3) as f:
        yield f


def replicate_env(fake: FakeReplicate, home: Path) -> dict[str, str]:
    return {
        "OMNIGEN_HOME": str(home),
        "OMNIGEN_PROVIDERS": "replicate",
        "REPLICATE_API_TOKEN": TOKEN,
        "REPLICATE_BASE_URL": fake.base_url,
        "REPLICATE_POLL_INTERVAL": "0.05",
    }


def omnigen(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "omnigen.cli", *args],
        env=os.environ | env,
        text=True,
        capture_output=True,
        timeout=300,
    )


def test_generate_with_replicate_providers_yields_a_composed_mp4(fake, tmp_path):
    env = replicate_env(fake, tmp_path / "home")
    out = tmp_path / "ad.mp4"
    run = omnigen(env, "generate", str(BRIEF), "-o", str(out), "--resolution", "360p", "--json")
    assert run.returncode == 0, run.stderr[-3000:]
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary["status"] == "completed"

    info = probe(out)
    assert info.video is not None and info.audio is not None
    assert abs(info.duration_s - load_brief(BRIEF).duration_s) <= 0.1

    job = json.loads(omnigen(env, "show", summary["job_id"], "--json").stdout)
    calls = job["provider_calls"]
    predictions = {p.id: p for p in fake.created()}
    assert {c["prediction_id"] for c in calls} == set(predictions)  # every prediction billed, once
    # the brief's `auto` is `keyframes` on the default deployment (Kling v2.5 with its end-frame
    # companion Kling v2.1): a still per take, and the takes that end on a keyframe on v2.1
    assert {c["capability"] for c in calls} == {"script", "keyframes", "video", "music", "voice"}
    video_models = {c["model"] for c in calls if c["capability"] == "video"}
    assert video_models == {"kwaivgi/kling-v2.5-turbo-pro", "kwaivgi/kling-v2.1"}
    assert {(u["capability"], u["model"]) for u in summary["usage"]} >= {("video", m) for m in video_models}
    assert job["cost_usd"] == pytest.approx(sum(c["cost_usd"] for c in calls), abs=1e-3) and job["cost_usd"] > 0
    assert all(p.status == "succeeded" for p in predictions.values())


def test_cancelling_a_job_cancels_its_open_predictions(fake, tmp_path, monkeypatch):
    from omnigen.config import load_settings
    from omnigen.pipeline import lifecycle
    from omnigen.pipeline.context import local_context
    from omnigen.pipeline.launchers.threads import LocalRunner

    fake.latency_s[KLING] = 100.0  # scenes stay open until cancelled
    env = replicate_env(fake, tmp_path / "home")
    monkeypatch.setenv("REPLICATE_POLL_INTERVAL", env["REPLICATE_POLL_INTERVAL"])
    ctx = local_context(load_settings(env=env))
    job = lifecycle.create_job(ctx, "local", load_brief(BRIEF))
    runner = LocalRunner(ctx)
    thread = runner.start(job.job_id)
    deadline = time.monotonic() + 30
    while not [p for p in fake.created(KLING) if p.status == "processing"] and time.monotonic() < deadline:
        time.sleep(0.05)
    opened = [p.id for p in fake.created(KLING)]
    assert opened, "no scene prediction was started"

    runner.cancel(job.job_id)
    thread.join(timeout=20)
    assert not thread.is_alive()
    final = ctx.jobs.get(job.job_id)
    assert final is not None and final.status == JobStatus.CANCELLED
    statuses = {p.id: p.status for p in fake.created(KLING)}
    assert all(statuses[i] == "canceled" for i in opened)
    assert "processing" not in statuses.values() and "starting" not in statuses.values()
