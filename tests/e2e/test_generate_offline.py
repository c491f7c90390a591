"""A whole ad, offline, through the real `omnigen` command: the three shared briefs at 360p."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SHARED_BRIEFS
from media_checks import measured_paces, moov_before_mdat

from omnigen.brief import load_brief
from omnigen.media.ffmpeg import probe
from omnigen.media.loudness import measure_loudness

BRIEFS = sorted(SHARED_BRIEFS.glob("*.yaml"))


def omnigen(home: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"OMNIGEN_HOME": str(home), "OMNIGEN_PROVIDERS": "local"}
    return subprocess.run(
        [sys.executable, "-m", "omnigen.cli", *args], env=env, text=True, capture_output=True, timeout=timeout
    )


@pytest.mark.parametrize("brief_path", BRIEFS, ids=[p.stem for p in BRIEFS])
def test_shared_brief_becomes_a_broadcast_ready_mp4(tmp_path, brief_path):
    out = tmp_path / "ad.mp4"
    run = omnigen(tmp_path / "home", "generate", str(brief_path), "-o", str(out), "--resolution", "360p", "--json")
    assert run.returncode == 0, run.stderr[-3000:]
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary["status"] == "completed" and summary["output"] == str(out)
    assert summary["compliance"]["errors"] == 0

    brief = load_brief(brief_path)
    info = probe(out, decode=True)
    assert abs(info.duration_s - brief.duration_s) <= 0.1
    v, a = info.video, info.audio
    assert v is not None and a is not None
    assert (v.codec, v.profile, v.pix_fmt) == ("h264", "High", "yuv420p")
    assert (v.width, v.height) == brief.model_copy(update={"resolution": "360p"}).output_size()
    assert (a.codec, a.sample_rate, a.channels) == ("aac", 48000, 2)
    assert abs(measure_loudness(out).integrated_lufs - (-24.0)) <= 1.0
    assert moov_before_mdat(out)

    shown = omnigen(tmp_path / "home", "show", summary["job_id"], "--json")
    job = json.loads(shown.stdout)
    assert {"poster", "captions", "timeline", "compliance", "output"} <= set(job["assets"])
    assets = tmp_path / "home" / "assets"
    vtt = (assets / job["assets"]["captions"]).read_text()
    assert vtt.startswith("WEBVTT") and "-->" in vtt
    assert {c["model"] for c in job["provider_calls"] if c["capability"] == "voice"} == {"local-piper-en_US-joe-medium"}
    ms_wpm, ref_wpm = measured_paces(assets / job["assets"]["timeline"], assets / job["assets"]["script"])
    assert ms_wpm <= ref_wpm, f"major statement {ms_wpm:.0f} wpm, faster than the benefit lines' {ref_wpm:.0f}"
    listed = omnigen(tmp_path / "home", "jobs", "--json")
    assert [j["job_id"] for j in json.loads(listed.stdout)] == [summary["job_id"]]


def test_invalid_brief_exits_2_naming_the_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("prompt: A long enough prompt here\naspect_ratio: '4:3'\nproduct:\n  brand_name: X\n")
    run = omnigen(tmp_path / "home", "generate", str(bad), "-o", str(tmp_path / "x.mp4"))
    assert run.returncode == 2
    assert "aspect_ratio" in run.stderr and "16:9" in run.stderr
    assert "product.generic_name: required" in run.stderr


def test_missing_replicate_token_stops_before_a_job_exists(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "REPLICATE_API_TOKEN"}
    env |= {"OMNIGEN_HOME": str(tmp_path / "home"), "OMNIGEN_PROVIDERS": "replicate"}
    run = subprocess.run(
        [sys.executable, "-m", "omnigen.cli", "generate", str(BRIEFS[0])],
        env=env,
        text=True,
        capture_output=True,
        timeout=60,
    )
    assert run.returncode == 2 and "REPLICATE_API_TOKEN" in run.stderr
    assert not (tmp_path / "home" / "omnigen.db").exists()
