"""The segment plan (pure): segments cover every frame of the ad once, on the frame grid; a
dissolve is a segment of its own made of the two clips it joins; a text crossing a boundary is
drawn in each segment on exactly the frames of the ad it covers; QC's frames are keyframes of
the segment holding them; a segment's identity follows what it is made of, not where it sits;
and the compose path is chosen by how much of the picture must be encoded."""

from __future__ import annotations

import itertools

import pytest

from omnigen.media.compose import SEGMENTS_OVER_ONE_PASS, choose_mode
from omnigen.media.segment_plan import PlanError, plan_segments, split_segment
from omnigen.qc.plan import frames_on_screen
from omnigen.timeline import OutputSettings, TextItem, Timeline, VideoClip

OUT = OutputSettings(width=640, height=360, fps=24)


def _timeline(texts: list[TextItem] | None = None, lengths: tuple[float, ...] = (1.4, 5.6, 2.3)) -> Timeline:
    clips = [VideoClip(scene_index=1, asset="a.mp4", out_s=lengths[0])]
    clips.append(VideoClip(scene_index=2, asset="b.mp4", in_s=0.2, out_s=0.2 + lengths[1]))
    clips.append(VideoClip(scene_index=3, asset="c.mp4", out_s=lengths[2], transition="dissolve", transition_s=0.5))
    return Timeline(output=OUT, clips=clips, texts=texts or [])


def test_segments_cover_every_frame_once_on_the_grid():
    tl = _timeline()
    segs = plan_segments(tl, [])
    assert [s.first_frame for s in segs] == [0, 34, 156, 168]  # 1.4 s -> frame 33.6 rounds to 34
    assert sum(s.frames for s in segs) == round(tl.duration_s * 24) == 211
    for a, b in itertools.pairwise(segs):
        assert a.first_frame + a.frames == b.first_frame
    assert [sorted(s.clips) for s in segs] == [[0], [1], [1, 2], [2]]


def test_a_dissolve_takes_the_outgoing_tail_and_the_incoming_head():
    tl = _timeline()
    fade = plan_segments(tl, [])[2]
    assert fade.dissolve and fade.frames == 12
    tail, head = fade.sources
    # b plays from 0.2 s in and starts at 1.4 s on the ad's clock: frame 156 (6.5 s) shows it 5.1 s on
    assert (tail.asset, head.asset) == ("b.mp4", "c.mp4")
    assert tail.start_s == pytest.approx(0.2 + 156 / 24 - 1.4, abs=1e-6) and head.start_s == pytest.approx(
        0.0, abs=1e-3
    )
    assert plan_segments(tl, [])[3].sources[0].start_s == pytest.approx(168 / 24 - 6.5, abs=1e-6)


def test_a_text_across_a_boundary_is_in_both_segments_on_its_own_frames():
    item = TextItem(text="Across", start_s=1.0, end_s=2.0)
    tl = _timeline([item])
    segs = plan_segments(tl, [])
    first, last = frames_on_screen(1.0, 2.0, 24, 211)
    spans = [(s.first_frame + o.first, s.first_frame + o.last) for s in segs for o in s.overlays]
    assert spans == [(first, 33), (34, last)]
    assert all(o.item == item for s in segs for o in s.overlays)


def test_qc_frames_are_keyframes_of_the_segment_that_holds_them():
    segs = plan_segments(_timeline(), [10, 34, 160, 200])
    assert [s.keyframes for s in segs] == [[10], [0], [4], [32]]


def test_a_segment_is_named_by_what_it_is_made_of_not_where_it_sits():
    digests = {"a.mp4": "A", "b.mp4": "B", "c.mp4": "C", "a2.mp4": "A2"}
    on_grid = plan_segments(_timeline(lengths=(1.5, 5.6, 2.3)), [])
    longer_first = plan_segments(_timeline(lengths=(2.0, 5.6, 2.3)), [])
    assert on_grid[1].digest(digests) == longer_first[1].digest(digests)  # scene 2 only moved
    assert on_grid[0].digest(digests) != longer_first[0].digest(digests)
    base = plan_segments(_timeline(), [])
    retake = {**digests, "b.mp4": "B2"}  # a new take under the same key
    assert [s.digest(digests) == s.digest(retake) for s in base] == [True, False, False, True]
    worded = plan_segments(_timeline([TextItem(text="New", start_s=0.2, end_s=1.0)]), [])
    assert [s.digest(digests) == w.digest(digests) for s, w in zip(base, worded, strict=True)] == [
        False, True, True, True,
    ]  # fmt: skip


def test_a_shot_without_a_frame_of_its_own_cannot_be_cut():
    clips = [
        VideoClip(scene_index=1, asset="a", out_s=2),
        VideoClip(scene_index=2, asset="b", out_s=1.0, transition="dissolve", transition_s=0.6),
        VideoClip(scene_index=3, asset="c", out_s=2, transition="dissolve", transition_s=0.5),
    ]
    with pytest.raises(PlanError):
        plan_segments(Timeline(output=OUT, clips=clips), [])


def test_segments_are_joined_while_encoding_the_missing_ones_costs_less_than_one_pass():
    assert choose_mode(0, 720) == "segments"
    assert choose_mode(120, 720) == "segments"  # one scene of six changed
    assert choose_mode(720, 720) == "one_pass"  # nothing to reuse: one pass is cheaper
    edge = int(720 / SEGMENTS_OVER_ONE_PASS)
    assert choose_mode(edge - 1, 720) == "segments" and choose_mode(edge + 1, 720) == "one_pass"


def test_a_body_splits_into_parts_on_the_grid_and_a_dissolve_stays_whole():
    item = TextItem(text="Across", start_s=1.0, end_s=4.0)
    tl = _timeline([item])
    body, fade = plan_segments(tl, [40, 100, 150])[1:3]  # b's body: frames 34..155
    parts = split_segment(body, 3)
    assert [(p.first_frame, p.frames, p.part) for p in parts] == [(34, 40, (0, 3)), (74, 41, (1, 3)), (115, 41, (2, 3))]
    # Part k shows the source from where the whole body would be at its first frame.
    starts = [pytest.approx(body.sources[0].start_s + a / 24) for a in (0, 40, 81)]
    assert [p.sources[0].start_s for p in parts] == starts
    assert [p.keyframes for p in parts] == [[6], [26], [35]]
    last = frames_on_screen(1.0, 4.0, 24, 211)[1]
    spans = [(p.first_frame + o.first, p.first_frame + o.last) for p in parts for o in p.overlays]
    assert spans == [(34, 73), (74, last)]  # the text's frames in b, split where the parts split
    digests = {"a.mp4": "A", "b.mp4": "B", "c.mp4": "C"}
    assert len({p.digest(digests) for p in parts} | {body.digest(digests)}) == 4
    assert split_segment(fade, 3) == [fade]
    assert len(split_segment(body, 9)) == 5  # no part shorter than a second (24 frames)
    assert split_segment(body, 1) == [body]
