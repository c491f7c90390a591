"""The cost and time estimate: the price table, Kling's 5/10 s billing, the schedule-aware time,
and the `omnigen estimate --json` contract (one JSON object on the last line)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import SHARED_BRIEFS
from helpers import make_script

from omnigen.brief import load_brief
from omnigen.config import parse_providers
from omnigen.pricing import (
    Estimate,
    call_cost,
    estimate,
    format_estimate,
    kling_clip_seconds,
    load_prices,
    planned_script,
)

LOCAL = parse_providers("local")
REMOTE = parse_providers("replicate")
BRIEF = load_brief(SHARED_BRIEFS / "psoriasis_30s.yaml")


def lines(est: Estimate) -> dict[str, object]:
    return {ln.capability: ln for ln in est.lines}


def test_every_replicate_model_has_a_price():
    table = load_prices()
    for capability, model in table.replicate.models.items():
        assert table.price(model).latency() > 0, capability


def test_all_local_costs_nothing_but_takes_time():
    est = estimate(BRIEF, LOCAL, 3)
    assert est.total_usd == 0 and all(ln.usd == 0 for ln in est.lines)
    assert est.expected_seconds > 0


@pytest.mark.parametrize(("scene_s", "clip"), [(1.0, 5), (5.0, 5), (5.01, 10), (10.0, 10), (14.0, 10)])
def test_kling_bills_the_shortest_clip_that_covers_the_scene(scene_s, clip):
    assert kling_clip_seconds(scene_s) == clip


def test_replicate_cost_adds_up_by_capability():
    est = estimate(BRIEF, REMOTE, 3)
    by = lines(est)
    # the default deployment has the end-frame companion, so `auto` runs `keyframes`: a still per take
    assert set(by) == {"script", "keyframes", "video", "music", "voice", "compose"}
    # 5 s clips for ~5 s scenes; the planned script has every second scene continue the one
    # before, so every other take ends on the next keyframe, on Kling v2.1 ($0.09/s) not v2.5 ($0.07/s)
    ending = est.scenes // 2
    assert by["video"].usd == pytest.approx(5 * (0.09 * ending + 0.07 * (est.scenes - ending)))
    assert by["video"].unit == "video seconds" and by["video"].quantity == 5 * est.scenes
    assert by["keyframes"].quantity == est.scenes
    hybrid = lines(estimate(BRIEF, REMOTE, 3, models={"video_end_frame": "none"}))
    assert "keyframes" not in hybrid and hybrid["video"].usd == pytest.approx(0.07 * 5 * est.scenes)
    table = load_prices()
    assert by["music"].usd == pytest.approx(table.price(table.model_for("music")).usd_per_unit)
    assert by["compose"].usd == 0
    assert est.total_usd == pytest.approx(sum(ln.usd for ln in est.lines), abs=1e-4)


def test_a_known_script_replaces_the_plan():
    script = make_script([False, True, False, False], [7.5, 7.5, 7.5, 7.5])
    est = estimate(BRIEF, REMOTE, 3, script=script)
    assert est.scenes == 4 and not est.assumptions
    # Billed on the real plan (issue 15): four 7.5 s scenes one 10 s clip each would bill 40 s for
    # a 30 s ad; on the clip grid two of them take 5 s clips holding their last 2.5 s: 30 s billed.
    # Scene 1's take ends on scene 2's keyframe (the cut is continuous): its 5 s are Kling v2.1's
    assert lines(est)["video"].usd == pytest.approx(25 * 0.07 + 5 * 0.09)
    assert lines(est)["video"].quantity == 30
    assert lines(est)["voice"].detail == "4 lines"


def test_gpt4o_is_billed_per_token_in_and_out():
    assert call_cost("openai/gpt-4o", 1_000_000, 0) == pytest.approx(2.50)
    assert call_cost("openai/gpt-4o", 0, 1_000_000) == pytest.approx(10.00)
    assert call_cost("minimax/speech-02-turbo", 2.0) == pytest.approx(0.06)  # 2,000 characters


def test_chained_scenes_take_longer_than_parallel_ones():
    remote_video = parse_providers("script=local,video=replicate,music=local,voice=local")
    chain = estimate(BRIEF.model_copy(update={"continuity": "chain"}), remote_video, 6)
    parallel = estimate(BRIEF.model_copy(update={"continuity": "parallel"}), remote_video, 6)
    auto = estimate(BRIEF.model_copy(update={"continuity": "auto"}), remote_video, 6)
    assert chain.expected_seconds > auto.expected_seconds > parallel.expected_seconds
    assert chain.total_usd == parallel.total_usd  # the schedule changes time, not cost


def test_more_concurrency_never_takes_longer():
    remote = parse_providers("replicate")
    times = [
        estimate(BRIEF.model_copy(update={"continuity": "parallel"}), remote, n).expected_seconds for n in (1, 2, 6)
    ]
    assert times[0] > times[1] > times[2]


def test_one_slot_runs_every_scene_in_turn():
    remote_video = parse_providers("script=local,video=replicate,music=local,voice=local")
    est = estimate(BRIEF.model_copy(update={"continuity": "parallel"}), remote_video, 1)
    per_scene = load_prices().price("kwaivgi/kling-v2.5-turbo-pro").latency(5)
    assert lines(est)["video"].seconds >= est.scenes * per_scene


def test_the_plan_follows_the_ads_length():
    assert len(planned_script(BRIEF).scenes) == 6
    long = load_brief(SHARED_BRIEFS / "anticoagulant_60s.yaml")
    plan = planned_script(long)
    assert len(plan.scenes) == 12 and abs(plan.duration_s - 60) < 0.01


def test_the_table_is_readable():
    text = format_estimate(estimate(BRIEF, REMOTE, 3))
    for word in ("script", "video", "music", "voice", "kwaivgi/kling-v2.5-turbo-pro", "total $", "expected about"):
        assert word in text


def test_cli_estimate_json_ends_with_one_json_object(tmp_path):
    env = os.environ | {"OMNIGEN_HOME": str(tmp_path), "OMNIGEN_PROVIDERS": "local"}
    run = subprocess.run(
        [sys.executable, "-m", "omnigen.cli", "estimate", str(SHARED_BRIEFS / "psoriasis_30s.yaml"), "--json"],
        env=env,
        text=True,
        capture_output=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    last = json.loads(run.stdout.strip().splitlines()[-1])
    assert last["total_usd"] == 0 and last["expected_seconds"] > 0
