"""Compose on real ffmpeg: joins (cut and dissolve in one edit), exact length, streams, supers
sized by cap height in the carried font, and a poster and captions beside the MP4."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from compose_paths import PATHS, render
from PIL import Image

from omnigen.media.ffmpeg import probe, run_ffmpeg
from omnigen.media.loudness import measure_loudness
from omnigen.media.text_cards import render_card
from omnigen.timeline import MusicBed, OutputSettings, TextItem, Timeline, VideoClip, VoiceLine


def _clip(tmp: Path, name: str, src: str, seconds: float, size: str = "320x240") -> str:
    out = tmp / f"{name}.mp4"
    run_ffmpeg(
        ["-y", "-f", "lavfi", "-i", f"{src}=s={size}:r=30", "-t", str(seconds), "-pix_fmt", "yuv420p", out],
        what="making a test clip",
    )
    return str(out)


def _tone(tmp: Path, name: str, freq: int, seconds: float) -> str:
    out = tmp / f"{name}.wav"
    run_ffmpeg(["-y", "-f", "lavfi", "-i", f"sine=f={freq}:d={seconds}", out], what="making a test tone")
    return str(out)


@pytest.mark.parametrize("path", PATHS)
def test_cut_and_dissolve_in_one_edit_render_to_the_exact_length(tmp_path, path):
    a = _clip(tmp_path, "a", "testsrc", 3)
    b = _clip(tmp_path, "b", "smptebars", 2)  # shorter than its slot: the last frame is held
    c = _clip(tmp_path, "c", "rgbtestsrc", 4, "640x360")
    timeline = Timeline(
        output=OutputSettings(width=320, height=180, fps=24, loudness_lufs=-24),
        clips=[
            VideoClip(scene_index=1, asset=a, out_s=3),
            VideoClip(scene_index=2, asset=b, out_s=3),
            VideoClip(scene_index=3, asset=c, in_s=0.5, out_s=3.5, transition="dissolve", transition_s=0.5),
        ],
        voice=[
            VoiceLine(
                scene_index=1, asset=_tone(tmp_path, "v", 400, 2), text="Hello there.", start_s=0.5, duration_s=2.0
            )
        ],
        music=MusicBed(asset=_tone(tmp_path, "m", 220, 12)),
        texts=[TextItem(text="A super", start_s=1, end_s=2)],
    )
    seen: list[float] = []
    res = render(path, timeline, tmp_path / "work", tmp_path / "out.mp4", progress=seen.append)
    info = probe(res.output, decode=True)
    assert abs(info.duration_s - timeline.duration_s) <= 1 / 24 + 0.02  # 8.5 s
    assert (info.video.width, info.video.height, info.video.profile) == (320, 180, "High")
    assert info.audio.sample_rate == 48000 and info.audio.channels == 2
    assert abs(measure_loudness(Path(res.output)).integrated_lufs + 24) <= 1.0
    assert seen[-1] == 1.0 and seen == sorted(seen)
    assert Image.open(res.poster).size == (320, 180)
    assert "00:00:00.500 --> 00:00:02.500" in res.captions


def test_text_card_cap_height_matches_the_timeline_and_stays_title_safe(tmp_path):
    item = TextItem(text="HHHH HHHH", start_s=0, end_s=1, cap_height=0.05, color="#FFFFFF", plate_opacity=0.0)
    card = render_card(item, OutputSettings(width=1920, height=1080), tmp_path / "card.png")
    alpha = np.asarray(Image.open(card.path))[:, :, 3]
    rows = np.where(alpha.max(axis=1) > 128)[0]
    cap_px = rows.max() - rows.min() + 1
    assert abs(cap_px - 0.05 * 1080) <= 2, cap_px
    assert card.x >= 1920 * 0.05 and card.x + card.width <= 1920 * 0.95
    assert card.y + card.height <= 1080 * 0.95


def test_long_text_wraps_inside_the_safe_area(tmp_path):
    item = TextItem(kind="major_statement", text="word " * 60, start_s=0, end_s=1)
    card = render_card(item, OutputSettings(width=640, height=360), tmp_path / "long.png")
    assert card.width <= 640 * 0.9 and card.x >= 640 * 0.05
    assert card.y >= 360 * 0.05 and card.y + card.height <= 360 * 0.95  # never off the top either
    assert not card.layout.fits  # too long for the lower part at its size: drawn smaller, reported


def test_cap_height_is_a_share_of_the_short_side_in_every_aspect(tmp_path):
    """The same super has capitals of the same height in 16:9, 9:16 and 1:1 at one resolution:
    sized against the frame's short side, a 9:16 card is not 1.8 times too big for its width."""
    heights = []
    for w, h in [(1920, 1080), (1080, 1920), (1080, 1080)]:
        item = TextItem(text="HHHH", start_s=0, end_s=1, cap_height=0.05, plate_opacity=0.0)
        card = render_card(item, OutputSettings(width=w, height=h), tmp_path / f"c{w}x{h}.png")
        alpha = np.asarray(Image.open(card.path))[:, :, 3]
        rows = np.where(alpha.max(axis=1) > 128)[0]
        heights.append(rows.max() - rows.min() + 1)
    assert max(heights) - min(heights) <= 1 and abs(heights[0] - 54) <= 2, heights


def _bright(frame: np.ndarray, box: tuple[int, int, int, int]) -> int:
    x0, y0, x1, y1 = box
    return int((frame[y0:y1, x0:x1].min(axis=2) > 170).sum())


def _comment(path: str) -> str:
    import subprocess

    from omnigen.media.ffmpeg import ffmpeg_exe

    err = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", path], capture_output=True, text=True).stderr
    return "\n".join(line for line in err.splitlines() if "comment" in line)


@pytest.mark.parametrize("path", PATHS)
def test_an_animatic_says_so_once_at_its_start_and_the_poster_shows_the_brand(tmp_path, path):
    from omnigen.media.frames import extract_frame

    flat = _clip(tmp_path, "g", "color", 5, "640x360")  # black: only text is bright
    texts = [TextItem(kind="end_card", position="center", text="AERISOL", start_s=3.0, end_s=5.0)]
    timeline = Timeline(
        output=OutputSettings(width=640, height=360, fps=24, preset="ultrafast", animatic=True),
        clips=[VideoClip(scene_index=1, asset=flat, out_s=2.5), VideoClip(scene_index=2, asset=flat, out_s=2.5)],
        texts=texts,
    )
    res = render(path, timeline, tmp_path / "work", tmp_path / "a.mp4", brand_name="Aerisol")
    corner = (32, 18, 200, 60)  # the top-left of title-safe (5% of 640 x 360)
    early = np.asarray(Image.open(extract_frame(Path(res.output), 0.5, tmp_path / "e.png")).convert("RGB"))
    late = np.asarray(Image.open(extract_frame(Path(res.output), 2.8, tmp_path / "l.png")).convert("RGB"))
    assert _bright(early, corner) > 20 and _bright(late, corner) == 0  # said once, at the start
    assert "Animatic" in _comment(res.output)
    poster = np.asarray(Image.open(res.poster).convert("RGB"))
    assert _bright(poster, (160, 120, 480, 240)) > 100 and _bright(poster, corner) == 0  # the brand card, no mark
    final = timeline.model_copy(update={"output": timeline.output.model_copy(update={"animatic": False})})
    res2 = render(path, final, tmp_path / "work2", tmp_path / "f.mp4", brand_name="Aerisol")
    first = np.asarray(Image.open(extract_frame(Path(res2.output), 0.5, tmp_path / "f0.png")).convert("RGB"))
    assert _bright(first, corner) == 0 and "Animatic" not in _comment(res2.output)


def test_the_animatic_mark_never_covers_text(tmp_path):
    from omnigen.media.compose import _animatic_window
    from omnigen.media.text_cards import render_animatic_mark

    out = OutputSettings(width=640, height=360, animatic=True)
    mark = render_animatic_mark(out, tmp_path / "mark.png")
    clips = [VideoClip(scene_index=1, asset="a", out_s=10)]
    low = TextItem(text="Veltrexa (veltrexamab)", start_s=0.3, end_s=2.5)
    assert _animatic_window(Timeline(output=out, clips=clips, texts=[low]), mark) == 2.5
    top = low.model_copy(update={"position": "top", "text": "A long super across the whole top of the frame"})
    assert _animatic_window(Timeline(output=out, clips=clips, texts=[top]), mark) == 0.0
    later = top.model_copy(update={"start_s": 3.0, "end_s": 5.0})
    assert _animatic_window(Timeline(output=out, clips=clips, texts=[later]), mark) == 2.5
