"""The scene plan on the video model's clip grid: for every example brief the billed video seconds
stay within 1.1x the ad's length, the takes hold little, and the first edit cut from the takes
keeps every cut, line and super where the writer put them (the compliance checker still passes)."""

from __future__ import annotations

import pytest
from ad_cases import example_briefs, spoken_lines
from helpers import make_script

from omnigen.brief import load_brief
from omnigen.clip_plan import BUDGET, MAX_HOLD_SHARE, Takes, one_per_scene, plan_clips, unit_script
from omnigen.compliance import check_script, check_timeline, load_policy
from omnigen.keys import JobKeys
from omnigen.pipeline.timeline_builder import build_timeline
from omnigen.providers.local.script_writer import LocalScriptWriter
from omnigen.providers.ports import CallContext
from omnigen.script import Script
from omnigen.video_models import KLING_V25_TURBO_PRO

KLING = KLING_V25_TURBO_PRO.clip_seconds
BRIEFS = example_briefs()


def _script(path) -> Script:  # type: ignore[no-untyped-def]
    return LocalScriptWriter().write(load_brief(path), CallContext())


@pytest.mark.parametrize("path", BRIEFS, ids=lambda p: p.stem)
def test_billed_seconds_within_budget_for_every_example_brief(path):
    script = _script(path)
    plan = plan_clips(script, KLING)
    brief = load_brief(path)
    assert plan.billed_s <= BUDGET * brief.duration_s, (plan.billed_s, brief.duration_s)
    assert one_per_scene(script, KLING).billed_s > BUDGET * brief.duration_s  # what the grid plan saves
    assert [i for g in plan.groups for i in g.scenes] == [s.index for s in script.scenes]
    for g in plan.groups:
        assert g.seconds in KLING
        last = script.scene(g.scenes[-1])
        assert g.held_s <= MAX_HOLD_SHARE * last.duration_s + 1e-6
        assert g.offsets[g.scenes[-1]] < g.seconds  # every shot starts inside its take


@pytest.mark.parametrize("path", BRIEFS, ids=lambda p: p.stem)
def test_first_edit_from_takes_keeps_the_compliance_timing(path):
    brief = load_brief(path)
    script = _script(path)
    policy = load_policy(None)
    assert check_script(script, brief, policy).errors == 0
    keys = JobKeys("u", "j")
    lines = spoken_lines(script)
    plan = plan_clips(script, KLING)
    cut = build_timeline(brief, script, keys, lines, policy=policy, plan=plan)
    alone = build_timeline(brief, script, keys, lines, policy=policy)
    report = check_timeline(cut, script, brief, policy)
    assert report.errors == 0, report.to_text()
    # the same cuts, lines and texts; only which clip and where in it differ
    assert [c.duration_s for c in cut.clips] == pytest.approx([c.duration_s for c in alone.clips])
    assert cut.voice == alone.voice and cut.texts == alone.texts
    for clip in cut.clips:
        take = plan.group_of(clip.scene_index)
        assert clip.asset == keys.clip(take.head)
        assert clip.in_s == pytest.approx(take.offsets[clip.scene_index])


def test_no_grid_is_one_clip_per_scene_from_its_start():
    script = make_script([False, True, False], [1.4, 5.6, 7.6])
    plan = plan_clips(script, None)
    assert [g.scenes for g in plan.groups] == [[1], [2], [3]]
    assert all(g.offsets == {g.head: 0.0} for g in plan.groups)


def test_short_shots_share_a_take_and_the_take_script_schedules_them():
    # the plan for psoriasis_30s: 1.4, 5.6, 1.4, 7.6, 9.9, 2.8, 1.3 s billed 50 s one by one
    script = make_script([False, True, False, False, True, False, True], [1.4, 5.6, 1.4, 7.6, 9.9, 2.8, 1.3])
    assert one_per_scene(script, KLING).billed_s == 50
    plan = plan_clips(script, KLING)
    assert plan.billed_s <= 33
    units = unit_script(script, plan)
    assert len(units.scenes) == len(plan.groups)
    for unit, g in zip(units.scenes, plan.groups, strict=True):
        assert unit.duration_s == pytest.approx(min(g.content_s, g.seconds))
        assert unit.continues_previous == (script.scene(g.head).continues_previous and g.head > 1)


def test_takes_name_everything_by_the_head_scene():
    script = make_script([False, True, False, True, True, False], [2.0, 3.0, 4.0, 4.0, 1.0, 5.0])
    takes = Takes(script, KLING, "keyframes", end_frames=False)
    heads = takes.plan.heads()
    flat = [h for c in takes.chains() for h in c]
    assert sorted(flat) == heads  # every take once, named by its first scene
    for h in heads:
        assert takes.unit(h).index == h
        prev = takes.previous(h)
        assert prev is None or (prev in heads and prev < h)
        assert takes.end(h) is None  # Kling takes no end frame
    assert set(takes.keyframes()) <= set(heads)
    with_end = Takes(script, KLING, "keyframes", end_frames=True)
    assert all(len(c) == 1 for c in with_end.chains())
    assert with_end.keyframes() == with_end.plan.heads()
