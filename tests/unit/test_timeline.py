import pytest
from helpers import make_script
from pydantic import ValidationError

from omnigen.brief import parse_brief
from omnigen.captions import webvtt
from omnigen.keys import JobKeys
from omnigen.pipeline.timeline_builder import SpokenLine, build_timeline, place_lines
from omnigen.timeline import OutputSettings, Timeline, VideoClip, VoiceLine

OUT = OutputSettings(width=640, height=360)


def clip(i, d, transition="cut", t=0.0):
    return VideoClip(scene_index=i, asset=f"c{i}.mp4", out_s=d, transition=transition, transition_s=t)


def test_clip_starts_and_duration_with_dissolve():
    tl = Timeline(output=OUT, clips=[clip(1, 5), clip(2, 5, "dissolve", 0.5), clip(3, 4)])
    assert tl.clip_starts() == [0, 4.5, 9.5]
    assert tl.duration_s == pytest.approx(13.5)
    assert tl.cut_times() == [4.5, 9.5]


def test_invalid_timelines_are_refused():
    with pytest.raises(ValidationError):
        Timeline(output=OUT, clips=[clip(1, 5, "dissolve", 0.5)])
    with pytest.raises(ValidationError):
        VideoClip(scene_index=1, asset="a", in_s=2, out_s=2.1)
    with pytest.raises(ValidationError):
        Timeline(output=OUT, clips=[])


def test_webvtt_cues():
    lines = [
        VoiceLine(scene_index=1, asset="a", text="Hello  there.", start_s=1.25, duration_s=1.5),
        VoiceLine(scene_index=1, asset="b", text="Ask your doctor.", start_s=3661.0, duration_s=2),
    ]
    vtt = webvtt(lines)
    assert vtt.startswith("WEBVTT\n")
    assert "00:00:01.250 --> 00:00:02.750\nHello there." in vtt
    assert "01:01:01.000 --> 01:01:03.000" in vtt


BRIEF = parse_brief(
    {
        "prompt": "A gardener gets back to her roses",
        "resolution": "360p",
        "product": {"brand_name": "V", "generic_name": "v", "indication": "x", "side_effects": ["y"]},
    }
)


def test_lines_placed_per_scene_and_never_overlap():
    script = make_script([False] * 3, [4, 4, 4])
    lines = [
        SpokenLine(n=1, scene_index=1, text="a", duration_s=2, major_statement=False),
        SpokenLine(n=2, scene_index=1, text="b", duration_s=3, major_statement=False),
        SpokenLine(n=3, scene_index=2, text="c", duration_s=1, major_statement=False),
        SpokenLine(n=4, scene_index=3, text="d", duration_s=1, major_statement=True),
    ]
    placed = place_lines(script, lines)
    assert [p.start_s for p in placed] == [0.3, 2.45, 5.6, 8.3]


def test_built_timeline_shows_major_statement_exactly_while_spoken():
    script = make_script([False] * 6, [5] * 6)
    lines = place_lines(
        script,
        [
            SpokenLine(n=1, scene_index=1, text="Hook.", duration_s=2, major_statement=False),
            SpokenLine(n=2, scene_index=4, text="Risk one.", duration_s=2, major_statement=True),
            SpokenLine(n=3, scene_index=4, text="Risk two.", duration_s=2.2, major_statement=True),
        ],
    )
    tl = build_timeline(BRIEF, script, JobKeys("u", "j"), lines)
    assert (tl.output.width, tl.output.height) == (640, 360)
    assert tl.duration_s == 30
    ms_text = [t for t in tl.texts if t.kind == "major_statement"]
    ms_voice = [v for v in tl.voice if v.major_statement]
    assert ms_text[0].start_s == ms_voice[0].start_s
    assert ms_text[0].end_s == ms_voice[1].start_s  # held through the breath
    assert ms_text[-1].end_s == pytest.approx(ms_voice[-1].end_s)
    assert not [t for t in tl.texts if t.kind == "super" and t.scene_index == 4]
    assert tl.clips[2].asset == "users/u/jobs/j/clips/scene_3.mp4"


def test_a_cut_never_lands_inside_a_major_statement_that_runs_long():
    from omnigen.pipeline.timeline_builder import _hold_last_ms_shot
    from omnigen.timeline import VideoClip

    clips = [VideoClip(scene_index=i, asset=f"c{i}", out_s=d) for i, d in [(1, 3.0), (2, 4.0), (3, 2.5), (4, 3.0)]]
    # scene 2 is the major statement; its speech ends at 8.0 s, 1 s into scene 3
    held = _hold_last_ms_shot(clips, {2}, 8.0)
    starts = [sum(c.duration_s for c in held[:i]) for i in range(len(held))]
    assert [round(c.duration_s, 3) for c in held] == [3.0, 5.2, 1.3, 3.0]  # the cut moved to 8.2 s
    assert all(s <= 3.0 or s >= 8.0 for s in starts)
    folded = _hold_last_ms_shot(clips, {2}, 8.8)  # scene 3 would keep 0.5 s: folded into the hold
    assert [c.scene_index for c in folded] == [1, 2, 4] and abs(sum(c.duration_s for c in folded) - 12.5) < 1e-6
    assert _hold_last_ms_shot(clips, {2}, 6.5) == clips  # speech inside its scene: nothing moves


def _wanted(start: float, end: float, need: float):
    from omnigen.pipeline.timeline_builder import _Wanted

    return _Wanted("x", "super", "lower_third", 0.05, 1, start, end, need)


def test_texts_are_packed_one_after_another_each_for_its_reading_time():
    from omnigen.pipeline.timeline_builder import _pack

    # room to spare: each keeps its scene's window
    assert _pack([_wanted(0.3, 4.8, 2.0), _wanted(5.3, 9.8, 2.0)], 0.0, 10.0) == [(0.3, 4.8), (5.3, 9.8)]
    # the second scene is 0.9 s long: its text runs on past the scene and the first gives way
    assert _pack([_wanted(0.3, 6.8, 2.0), _wanted(7.3, 8.2, 2.4)], 0.0, 10.0) == [(0.3, 6.8), (7.3, 9.7)]
    assert _pack([_wanted(0.3, 6.8, 2.0), _wanted(7.3, 8.2, 2.4)], 0.0, 8.5) == [(0.3, 6.0), (6.1, 8.5)]
    # not enough room for both: they share it (the checker reports the one left short)
    packed = _pack([_wanted(0.3, 2.0, 3.0), _wanted(2.2, 4.0, 3.0)], 0.0, 4.0)
    assert packed[0][0] == 0.0 and packed[-1][1] == 4.0 and packed[0][1] < packed[1][0]  # as early as it can


def test_text_that_would_overlap_the_major_statement_moves_after_it_and_is_never_dropped():
    from omnigen.pipeline.timeline_builder import _schedule

    wanted = [_wanted(1.0, 4.0, 2.0), _wanted(7.0, 11.0, 2.0), _wanted(28.0, 29.8, 2.0)]
    from omnigen.compliance.policy import default_policy
    from omnigen.text_layout import Canvas

    texts = _schedule(wanted, (5.0, 8.0), 30.0, Canvas(640, 360, 0.05), default_policy())  # risks: 5-8 s
    spans = [(t.start_s, t.end_s) for t in texts]
    assert spans[0] == (1.0, 4.0)  # clear of it: unchanged
    assert spans[1] == (8.0, 11.0)  # starts after the major statement
    assert spans[2] == (28.0, 30.0)  # a 1.8 s end card gets its 2 s, up to the ad's end
    assert len(texts) == 3
