"""The compose graphs are pure strings built from the timeline: check what they promise."""

from __future__ import annotations

import re

from omnigen.media.filtergraph import Overlay, audio_mix_graph, duck_expression, speech_spans, video_graph
from omnigen.timeline import MusicBed, OutputSettings, TextItem, Timeline, VideoClip, VoiceLine


def _timeline(**kw) -> Timeline:
    base = dict(
        output=OutputSettings(width=640, height=360),
        clips=[
            VideoClip(scene_index=1, asset="a.mp4", out_s=4.0),
            VideoClip(scene_index=2, asset="b.mp4", in_s=1.0, out_s=5.0, transition="dissolve", transition_s=0.5),
            VideoClip(scene_index=3, asset="c.mp4", out_s=3.0),
        ],
        voice=[
            VoiceLine(scene_index=1, asset="l1.wav", text="one", start_s=0.3, duration_s=2.0),
            VoiceLine(scene_index=1, asset="l2.wav", text="two", start_s=2.45, duration_s=1.0),
            VoiceLine(scene_index=2, asset="l3.wav", text="three", start_s=6.0, duration_s=1.5, major_statement=True),
        ],
        music=MusicBed(asset="m.mp3", gain_db=-12, duck_db=15, duck_attack_s=0.2, duck_release_s=0.5),
        texts=[TextItem(text="hi", start_s=1, end_s=2)],
    )
    base.update(kw)
    return Timeline(**base)


def _eval(expr: str, t: float) -> float:
    """Evaluate the ffmpeg volume expression (min/max/clip only) at time t."""
    py = expr.replace("clip(", "_clip(")
    return eval(py, {"_clip": lambda x, lo, hi: min(max(x, lo), hi), "min": min, "max": max, "t": t})


def test_dissolve_uses_xfade_at_the_clip_start_and_cuts_concat():
    tl = _timeline()
    chains, out = video_graph(tl, [0, 1, 2], [Overlay(3, 10, 20, 1.0, 2.0)])
    graph = ";".join(chains)
    assert out == "[vout]"
    assert "xfade=transition=fade:duration=0.500:offset=3.500" in graph
    assert "[j1][c2]concat=n=2" in graph
    assert "trim=start=1.000:end=5.000" in graph
    assert "enable='between(t,1.000,2.000)'" in graph
    assert f"trim=duration={tl.duration_s:.3f}" in graph


def test_lines_closer_than_the_ramps_merge_into_one_span():
    tl = _timeline()
    assert speech_spans(tl.voice, 0.7) == [(0.3, 3.45), (6.0, 7.5)]


def test_duck_reaches_its_depth_during_speech_and_recovers_between():
    tl = _timeline()
    expr = duck_expression(tl.music, speech_spans(tl.voice, 0.7))
    floor = 10 ** (-15 / 20)
    assert abs(_eval(expr, 1.0) - floor) < 1e-6
    assert abs(_eval(expr, 6.7) - floor) < 1e-6
    assert _eval(expr, 4.8) == 1.0  # between spans, after release, before attack
    assert floor < _eval(expr, 5.9) < 1.0  # attack ramp


def test_voice_lines_are_delayed_to_their_start_and_muting_keeps_the_duck():
    tl = _timeline()
    chains, _ = audio_mix_graph(tl, [0, 1, 2], 3)
    graph = ";".join(chains)
    assert re.search(r"\[2:a\].*adelay=6000:all=1", graph)
    assert "volume=-12.00dB" in graph and "eval=frame" in graph
    music_only, _ = audio_mix_graph(tl, [], 0, voice=False)
    assert "adelay" not in ";".join(music_only) and "eval=frame" in ";".join(music_only)
