"""The estimate prices and times the real plan: for every example brief, continuity mode and
supported video configuration (the default Kling v2.5 Turbo Pro with its end-frame companion
Kling v2.1, Kling v2.5 alone with the companion off, and Kling v2.1 alone, whose schema takes an
end frame and requires a start frame), the takes the pipeline will render on the clip grid,
within 15 % of the wall that the schedule simulated on the seed's latencies gives, and billed
exactly as those takes bill, each at the price of the model that renders it."""

from __future__ import annotations

import pytest
from ad_cases import example_briefs

from omnigen.brief import load_brief
from omnigen.clip_plan import Takes
from omnigen.config import parse_providers
from omnigen.pricing import estimate, load_prices
from omnigen.providers.local.script_writer import LocalScriptWriter
from omnigen.providers.ports import CallContext
from omnigen.providers.replicate.client import ReplicateRunner
from omnigen.providers.replicate.video import ReplicateSceneRenderer
from omnigen.simulation import seed_latencies, simulate
from omnigen.video_models import VIDEO_MODELS

REMOTE = parse_providers("replicate")
SLOTS = 12
MODES = ("auto", "parallel", "chain", "keyframes")


@pytest.mark.parametrize("model", sorted(VIDEO_MODELS))
def test_the_estimate_plans_on_the_adapters_own_description(model):
    renderer = ReplicateSceneRenderer(ReplicateRunner("r8_x"), model=model)
    spec = VIDEO_MODELS[model]
    assert (renderer.clip_seconds, renderer.end_frame, renderer.start_frame_required) == (
        spec.clip_seconds,
        spec.end_frame,
        spec.start_required,
    )


V25, V21 = "kwaivgi/kling-v2.5-turbo-pro", "kwaivgi/kling-v2.1"
SETUPS = {
    # (video model, end-frame companion): (takes end frames, every take starts on a frame)
    (V25, V21): (True, False),  # the default deployment
    (V25, "none"): (False, False),  # the hybrid: the continuous cuts chain
    (V21, "none"): (True, True),
}


@pytest.mark.parametrize("setup", sorted(SETUPS), ids="+".join)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("path", example_briefs(), ids=lambda p: p.stem)
def test_estimate_within_15_percent_of_the_simulated_wall_and_the_billed_cost(path, mode, setup):
    model, companion = setup
    end_frames, start_required = SETUPS[setup]
    brief = load_brief(path).model_copy(update={"continuity": mode})
    script = LocalScriptWriter().write(brief, CallContext())
    takes = Takes(script, VIDEO_MODELS[model].clip_seconds, mode, end_frames, start_required)
    simulated = simulate(takes, SLOTS, seed_latencies(takes))
    est = estimate(brief, REMOTE, SLOTS, script=script, models={"video": model, "video_end_frame": companion})
    assert abs(est.generation_seconds - simulated.wall_s) <= 0.15 * simulated.wall_s, (est, simulated)
    video = next(ln for ln in est.lines if ln.capability == "video")
    # a take that ends on the next keyframe renders on the companion when the model has no end frame
    on_companion = [g for g in takes.plan.groups if takes.end(g.head) is not None and model == V25]
    assert video.model == (f"{V25} + {V21}" if on_companion else model)
    prices = load_prices()
    billed_usd = sum(
        g.seconds * prices.price(V21 if g in on_companion else model).usd_per_unit for g in takes.plan.groups
    )
    assert video.usd == pytest.approx(billed_usd, rel=1e-6)
    assert video.quantity == takes.plan.billed_s <= 1.1 * brief.duration_s
    keyframes = [ln for ln in est.lines if ln.capability == "keyframes"]
    assert len(keyframes) == (1 if takes.keyframes() else 0)
    if start_required:  # every take starts on a frame, so every mode draws keyframes
        assert keyframes and keyframes[0].quantity == len(takes.keyframes())
    if companion != "none" and mode in ("auto", "keyframes"):  # every take at once: nothing chains
        assert len(takes.chains()) == len(takes.plan.groups) and on_companion


def test_the_end_frame_model_costs_its_own_price():
    brief = load_brief(example_briefs()[0])
    script = LocalScriptWriter().write(brief, CallContext())
    default = estimate(brief.model_copy(update={"continuity": "parallel"}), REMOTE, SLOTS, script=script)
    v21 = estimate(brief, REMOTE, SLOTS, script=script, models={"video": "kwaivgi/kling-v2.1"})
    video = {ln.model: ln for e in (default, v21) for ln in e.lines if ln.capability == "video"}
    v25_line, v21_line = video["kwaivgi/kling-v2.5-turbo-pro"], video["kwaivgi/kling-v2.1"]
    assert v21_line.quantity == v25_line.quantity  # the same 5/10 s grid, the same takes
    assert v21_line.usd == pytest.approx(v25_line.usd * 0.09 / 0.07, rel=1e-3)
