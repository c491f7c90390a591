"""The estimate prices and times the real plan: for every example brief and continuity mode, the
takes the pipeline will render on Kling's clip grid, within 15 % of the wall that the schedule
simulated on the seed's latencies gives, and billed exactly as those takes bill."""

from __future__ import annotations

import pytest
from ad_cases import example_briefs

from omnigen.brief import load_brief
from omnigen.clip_plan import Takes
from omnigen.config import parse_providers
from omnigen.pricing import estimate, load_prices
from omnigen.pricing.estimate import VIDEO_GRID
from omnigen.providers.local.script_writer import LocalScriptWriter
from omnigen.providers.ports import CallContext
from omnigen.providers.replicate.video import KlingSceneRenderer
from omnigen.simulation import seed_latencies, simulate

REMOTE = parse_providers("replicate")
SLOTS = 12
MODES = ("auto", "parallel", "chain", "keyframes")


def test_the_estimate_uses_klings_own_grid():
    assert KlingSceneRenderer.clip_seconds == VIDEO_GRID


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("path", example_briefs(), ids=lambda p: p.stem)
def test_estimate_within_15_percent_of_the_simulated_wall_and_the_billed_cost(path, mode):
    brief = load_brief(path).model_copy(update={"continuity": mode})
    script = LocalScriptWriter().write(brief, CallContext())
    takes = Takes(script, KlingSceneRenderer.clip_seconds, mode, KlingSceneRenderer.end_frame)
    simulated = simulate(takes, SLOTS, seed_latencies(takes))
    est = estimate(brief, REMOTE, SLOTS, script=script)
    assert abs(est.generation_seconds - simulated.wall_s) <= 0.15 * simulated.wall_s, (est, simulated)
    video = next(ln for ln in est.lines if ln.capability == "video")
    billed_usd = takes.plan.billed_s * load_prices().price("kwaivgi/kling-v2.5-turbo-pro").usd_per_unit
    assert video.usd == pytest.approx(billed_usd, rel=1e-6)
    assert video.quantity == takes.plan.billed_s <= 1.1 * brief.duration_s
    keyframes = [ln for ln in est.lines if ln.capability == "keyframes"]
    assert len(keyframes) == (1 if takes.keyframes() else 0)
