"""Incremental compose on real ffmpeg: picture segments encoded one at a time and joined with
`-c copy` make a file that is frame-accurate (every frame the one the timeline puts there: no
frame dropped or repeated at a join, the dissolve where it belongs), carries a text across a
segment boundary on exactly its frames, keeps QC's frames as keyframes, and passes the same
stream and loudness checks as the one-pass render; unchanged segments are reused and a changed
scene re-encodes only the segments that show it.

The clips are drawn so that each frame says which clip and which of its frames it is: the luma
is 3 x the source frame number, the blue-difference chroma names the clip."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from omnigen.media.compose import compose, prepare_segments
from omnigen.media.ffmpeg import probe, run_ffmpeg
from omnigen.media.loudness import measure_loudness, parse_summary
from omnigen.media.mp4 import track_lengths
from omnigen.media.segments import FolderSegments
from omnigen.media.text_cards import render_card
from omnigen.qc import keyframe_times
from omnigen.qc.plan import plan_qc
from omnigen.qc.policy import QcPolicy
from omnigen.text_layout import layout_item
from omnigen.timeline import MusicBed, OutputSettings, TextItem, Timeline, VideoClip, VoiceLine

FPS = 24
W, H = 320, 180
CB = {"a": 64, "b": 128, "c": 192, "d": 96}


def _ramp(tmp: Path, name: str, seconds: float) -> str:
    """A clip whose frame k has luma 3k and the chroma of `name`; clip c's file carries colour
    tags (BT.601, limited range) where the others carry none, as clips from different models do."""
    out = tmp / f"{name}_{seconds}.mp4"
    tags = ["-colorspace", "bt470bg", "-color_range", "tv"] if name == "c" else []
    run_ffmpeg(
        [
            "-y", "-f", "lavfi", "-i", f"color=c=black:s={W}x{H}:r={FPS}:d={seconds}",
            "-vf", f"format=yuv420p,geq=lum='3*N':cb={CB[name[0]]}:cr=128",
            "-c:v", "libx264", "-crf", "4", "-preset", "ultrafast", *tags, out,
        ],
        what="making a numbered test clip",
    )  # fmt: skip
    return str(out)


def _tone(tmp: Path, name: str, freq: int, seconds: float) -> str:
    out = tmp / f"{name}.wav"
    run_ffmpeg(["-y", "-f", "lavfi", "-i", f"sine=f={freq}:d={seconds}", out], what="making a test tone")
    return str(out)


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("segments")


def _timeline(tmp: Path, b_clip: str | None = None, first_super: str = "Across the cut") -> Timeline:
    """10 s: a (3 s) cut to b (a 2.5 s clip in a 3 s slot: its last frame held), b dissolves
    0.5 s into c (from 0.5 s in), cut to d. One super spans the a|b cut, one the b→c dissolve."""
    return Timeline(
        output=OutputSettings(width=W, height=H, fps=FPS, loudness_lufs=-24),
        clips=[
            VideoClip(scene_index=1, asset=_ramp(tmp, "a", 3), out_s=3),
            VideoClip(scene_index=2, asset=b_clip or _ramp(tmp, "b", 2.5), out_s=3),
            VideoClip(
                scene_index=3, asset=_ramp(tmp, "c", 4), in_s=0.5, out_s=3.5, transition="dissolve", transition_s=0.5
            ),
            VideoClip(scene_index=4, asset=_ramp(tmp, "d", 2), out_s=1.5),
        ],
        voice=[
            VoiceLine(
                scene_index=2,
                asset=_tone(tmp, "v", 400, 2),
                text="Serious risks.",
                start_s=3.2,
                duration_s=2.0,
                major_statement=True,
            )
        ],
        music=MusicBed(asset=_tone(tmp, "m", 220, 12)),
        texts=[
            TextItem(text=first_super, start_s=2.5, end_s=3.5, position="top"),
            TextItem(kind="major_statement", text="Serious risks.", start_s=5.25, end_s=6.25, position="top"),
        ],
    )


def _frames(path: Path) -> np.ndarray:
    """Every decoded frame as (n, H*3/2*W) yuv420p bytes."""
    raw = run_ffmpeg_bytes(path)
    return np.frombuffer(raw, np.uint8).reshape(-1, W * H * 3 // 2)


def run_ffmpeg_bytes(path: Path) -> bytes:
    import subprocess

    from omnigen.media.ffmpeg import ffmpeg_exe

    proc = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"],
        capture_output=True,
        check=True,
        timeout=120,
    )
    assert proc.stderr == b"", proc.stderr.decode()  # decodes cleanly across every join
    return proc.stdout


def _centre(frame: np.ndarray) -> tuple[float, float]:
    """Mean luma and Cb of the frame's centre (away from the texts at the top)."""
    y = frame[: W * H].reshape(H, W)[H // 2 - 20 : H // 2 + 20, W // 2 - 40 : W // 2 + 40]
    u = frame[W * H : W * H * 5 // 4].reshape(H // 2, W // 2)[H // 4 - 10 : H // 4 + 10, W // 4 - 20 : W // 4 + 20]
    return float(y.mean()), float(u.mean())


def _expected(timeline: Timeline) -> list[tuple[str, int] | None]:
    """Per output frame: (clip letter, source frame), None inside the dissolve."""
    letters = "abcd"
    src_frames = {"a": 72, "b": 60, "c": 96, "d": 48}
    out: list[tuple[str, int] | None] = []
    starts = [round(s * FPS) for s in timeline.clip_starts()] + [round(timeline.duration_s * FPS)]
    for c, clip in enumerate(timeline.clips):
        first = starts[c] + round(clip.transition_s * FPS)
        out += [None] * (first - len(out))
        for n in range(first, starts[c + 1]):
            k = round(clip.in_s * FPS) + n - starts[c]
            out.append((letters[c], min(k, src_frames[letters[c]] - 1)))
    return out


def _keyframes(path: Path) -> list[int]:
    err = run_ffmpeg(
        ["-skip_frame", "nokey", "-i", path, "-vf", "showinfo", "-f", "null", "-"], what="listing keyframes"
    )
    return [round(float(t) * FPS) for t in re.findall(r"pts_time:([\d.]+)", err)]


def _card_luma(item: TextItem, out: OutputSettings, tmp: Path) -> tuple[np.ndarray, np.ndarray]:
    """The card's luma (limited range, as the overlay blends it) and its opacity."""
    card = np.asarray(Image.open(render_card(item, out, tmp / "card.png").path).convert("RGBA"), np.float64)
    luma = 16 + 219 * (card[..., :3] @ [0.299, 0.587, 0.114]) / 255
    return luma, card[..., 3] / 255


def _shows(frame: np.ndarray, item: TextItem, out: OutputSettings, tmp: Path) -> bool:
    """The card is on this frame: its box is the card blended over the frame's flat background
    (and not the bare background). The overlay puts a card on even coordinates in yuv420p, so
    the box is looked for a pixel either way."""
    p = layout_item(item, out).plate
    plane = frame[: W * H].reshape(H, W).astype(np.float64)
    bg = _centre(frame)[0]
    luma, alpha = _card_luma(item, out, tmp)
    want = alpha * luma + (1 - alpha) * bg
    with_card = min(
        np.abs(plane[p.y + dy : p.y + dy + p.h, p.x + dx : p.x + dx + p.w] - want).mean()
        for dx in (-1, 0, 1)
        for dy in (-1, 0, 1)
    )
    bare = np.abs(plane[p.y : p.y + p.h, p.x : p.x + p.w] - bg).mean()
    return bool(with_card < 10 and with_card < bare / 3)


@pytest.fixture(scope="module")
def joined(media):
    timeline = _timeline(media)
    store = FolderSegments(media / "store")
    qcp = QcPolicy()
    ahead = prepare_segments(timeline, Path, media / "ahead", store, qcp)
    res = compose(timeline, Path, media / "work", media / "joined.mp4", qc_policy=qcp, store=store)
    return timeline, res, ahead, store


def test_segments_join_into_the_timeline_frame_for_frame(joined):
    timeline, res, ahead, _ = joined
    assert res.mode == "segments" and res.segments_encoded == 0 and res.segments_reused == ahead == 5
    frames = _frames(Path(res.output))
    expected = _expected(timeline)
    assert len(frames) == len(expected) == round(timeline.duration_s * FPS) == 240
    for n, (frame, want) in enumerate(zip(frames, expected, strict=True)):
        y, u = _centre(frame)
        if want is None:  # the dissolve: b's chroma giving way to c's, frame by frame
            assert CB["b"] - 3 <= u <= CB["c"] + 3, n
            continue
        letter, k = want
        assert abs(u - CB[letter]) <= 3, (n, letter, u)
        assert abs(y - min(3 * k, 255)) <= 3, (n, letter, k, y)
    dissolve = [_centre(frames[n])[1] for n, w in enumerate(expected) if w is None]
    assert len(dissolve) == 12 and dissolve == sorted(dissolve) and dissolve[-1] - dissolve[0] > 40


def test_a_text_across_a_join_is_on_exactly_its_frames(joined, media):
    timeline, res, _, _ = joined
    frames = _frames(Path(res.output))
    for item in timeline.texts:  # one spans the a|b cut (frame 72), one the dissolve (frames 132-143) and its end
        first, last = round(item.start_s * FPS), round(item.end_s * FPS)
        on = [n for n in range(len(frames)) if _shows(frames[n], item, timeline.output, media)]
        assert on == list(range(first, last + 1)), item.text


def test_every_segment_has_the_same_stream_description(joined):
    """One SPS for the whole file: the segments' video streams are described alike (the tagged
    clip's colour tags did not leak into its segments), and the joined file decodes as one
    stream: a meter in the same ffmpeg graph as the picture reads the loudness once, whole."""
    _, res, _, store = joined
    described = {_video_line(p) for p in store.folder.glob("seg_*.mp4")}
    assert len(described) == 1, described
    err = run_ffmpeg(
        ["-skip_frame", "nokey", "-i", res.output, "-filter_complex",
         "[0:v]null[v];[0:a]ebur128=peak=true:framelog=quiet[a]", "-map", "[v]", "-f", "null", "-",
         "-map", "[a]", "-f", "null", "-"],
        what="metering beside the picture",
    )  # fmt: skip
    assert err.count("Summary:") == 1
    assert abs(parse_summary(err, "metering").integrated_lufs + 24) <= 1.0


def _video_line(path: Path) -> str:
    err = run_ffmpeg(["-i", path, "-f", "null", "-frames:v", "1", "-"], what="describing a segment")
    line = next(x for x in err.splitlines() if "Video: h264" in x)
    return re.sub(r"\d+ kb/s, ", "", line.strip())


def test_qc_frames_are_keyframes_and_streams_match_the_one_pass_render(joined, media):
    timeline, res, _, _ = joined
    keys = set(_keyframes(Path(res.output)))
    wanted = set(plan_qc(timeline, QcPolicy()).frames())
    assert wanted and wanted <= keys
    assert {0, 72, 132, 144, 204} <= keys  # every segment starts on a keyframe
    assert keyframe_times(timeline, QcPolicy())  # the plan is not empty
    one = compose(timeline, Path, media / "work1", media / "one.mp4", qc_policy=QcPolicy())
    assert one.mode == "one_pass"
    for out in (Path(res.output), Path(one.output)):
        info = probe(out, decode=True)
        assert abs(info.duration_s - timeline.duration_s) <= 1 / FPS + 0.02
        assert (info.video.width, info.video.height, info.video.profile, info.video.pix_fmt) == (
            W,
            H,
            "High",
            "yuv420p",
        )
        assert info.video.fps == FPS
        assert info.audio.sample_rate == 48000 and info.audio.channels == 2
        assert abs(measure_loudness(out).integrated_lufs + 24) <= 1.0
        lengths = {t.kind: t.seconds for t in track_lengths(out)}
        assert abs(lengths["video"] - timeline.duration_s) < 1e-3 and abs(lengths["audio"] - timeline.duration_s) < 0.03
    assert res.loudness == one.loudness and res.cards == one.cards and res.captions == one.captions


def test_unchanged_segments_are_reused_and_a_changed_scene_reencodes_only_its_own(joined, media):
    timeline, _, _, store = joined
    again = compose(timeline, Path, media / "w2", media / "again.mp4", qc_policy=QcPolicy(), store=store)
    assert (again.mode, again.segments_encoded, again.segments_reused) == ("segments", 0, 5)
    # A new take of scene 2 (same length, other pixels): its body and the dissolve out of it.
    retake = _timeline(media, b_clip=_ramp(media, "db", 2.5))
    res = compose(retake, Path, media / "w3", media / "retake.mp4", qc_policy=QcPolicy(), store=store)
    assert (res.mode, res.segments_encoded, res.segments_reused) == ("segments", 2, 3)
    # A reworded super over the a|b cut: the two segments it is on, nothing else.
    reworded = _timeline(media, first_super="Another line")
    res = compose(reworded, Path, media / "w4", media / "reworded.mp4", qc_policy=QcPolicy(), store=store)
    assert (res.mode, res.segments_encoded, res.segments_reused) == ("segments", 2, 3)
    assert _shows(_frames(Path(res.output))[72], reworded.texts[0], reworded.output, media)


def test_an_edit_that_touches_most_of_the_picture_renders_in_one_pass(media):
    timeline = _timeline(media).model_copy(
        update={"texts": [TextItem(text="Everywhere", start_s=0.0, end_s=10.0, position="top")]}
    )
    store = FolderSegments(media / "fresh")
    res = compose(timeline, Path, media / "w5", media / "wide.mp4", qc_policy=QcPolicy(), store=store)
    assert res.mode == "one_pass" and not list((media / "fresh").glob("seg_*"))


def _first_pts(path: Path, stream: str) -> float:
    """When the file's first video frame or audio packet is presented, in seconds."""
    show = ["-vf", "showinfo", "-an"] if stream == "v" else ["-af", "ashowinfo", "-vn"]
    err = run_ffmpeg(["-i", path, *show, "-f", "null", "-"], what="listing presentation times")
    return float(re.findall(r"pts_time:([\d.]+)", err)[0])


def test_a_body_cut_into_parts_by_several_processes_joins_with_no_frame_lost_or_repeated(media):
    """The last clip's body split over three ffmpeg processes (as on a 3-core machine, whatever
    this one has): the parts are stored instead of the whole, compose finds and joins them, and
    the file is the timeline frame for frame, its video exactly the ad's length, the audio
    beside it from the same instant."""
    timeline = _timeline(media)
    store = FolderSegments(media / "parts")
    qcp = QcPolicy()
    assert prepare_segments(timeline, Path, media / "parts_ahead", store, qcp, workers=3) == 5
    stored = sorted(p.name for p in (media / "parts").glob("seg_*.mp4"))
    # a (72 frames) in 3 parts, b and c's body (60 each) in 2 (parts of at least a second), the
    # dissolve and d's 36 frames whole.
    assert len(stored) == 3 + 2 + 1 + 2 + 1
    res = compose(timeline, Path, media / "parts_work", media / "parts.mp4", qc_policy=qcp, store=store)
    assert (res.mode, res.segments_encoded, res.segments_reused) == ("segments", 0, 5)
    frames = _frames(Path(res.output))
    expected = _expected(timeline)
    assert len(frames) == len(expected) == 240
    for n, (frame, want) in enumerate(zip(frames, expected, strict=True)):
        if want is not None:
            y, u = _centre(frame)
            assert abs(u - CB[want[0]]) <= 3 and abs(y - min(3 * want[1], 255)) <= 3, (n, want, y, u)
    assert {0, 24, 48, 72, 102, 132, 144, 174, 204} <= set(_keyframes(Path(res.output)))  # every part on an IDR
    lengths = {t.kind: t.seconds for t in track_lengths(Path(res.output))}
    assert abs(lengths["video"] - 10.0) < 1e-3 and abs(lengths["audio"] - 10.0) < 0.03
    assert _first_pts(Path(res.output), "v") == 0.0 and _first_pts(Path(res.output), "a") == 0.0
    on = [n for n in range(len(frames)) if _shows(frames[n], timeline.texts[0], timeline.output, media)]
    assert on == list(range(60, 85))  # the super across the a|b cut, drawn across a's last part too


def test_segments_made_while_clips_are_missing_use_one_x264_thread_and_the_last_clip_its_own(media):
    """A scene worker whose clip arrives while others are still rendering encodes on one x264
    thread (the least CPU per frame); the one whose clip completes the timeline lets x264 take
    its own thread count, here also cutting its body in parts, and compose joins both kinds."""
    timeline = _timeline(media)
    store = FolderSegments(media / "arrivals")
    qcp = QcPolicy()
    b, d = timeline.clips[1].asset, timeline.clips[3].asset
    waiting_for_d = lambda key: key != d  # noqa: E731
    assert prepare_segments(timeline, Path, media / "arr1", store, qcp, clips={0}, ready=waiting_for_d) == 1
    early = list((media / "arrivals").glob("seg_*.mp4"))
    assert len(early) == 1  # a's body, whole, by one x264 thread (its options are in the stream's SEI)
    assert b" threads=1 " in early[0].read_bytes()
    waiting_for_b = lambda key: key != b  # noqa: E731
    assert prepare_segments(timeline, Path, media / "arr2", store, qcp, clips={2, 3}, ready=waiting_for_b) == 2
    assert prepare_segments(timeline, Path, media / "arr3", store, qcp, clips={1}, workers=2) == 2  # b last
    last = set((media / "arrivals").glob("seg_*.mp4")) - set(early)
    assert len(last) == 2 + 2 + 1  # c's and d's bodies, then b's in 2 parts and the dissolve
    if (os.cpu_count() or 1) > 1:  # the last clip's x264s take their own thread count, not one
        assert sum(b" threads=1 " in f.read_bytes() for f in last) == 2
    res = compose(timeline, Path, media / "arr_work", media / "arrivals.mp4", qc_policy=qcp, store=store)
    assert (res.mode, res.segments_encoded, res.segments_reused) == ("segments", 0, 5)
    assert len(_frames(Path(res.output))) == 240
