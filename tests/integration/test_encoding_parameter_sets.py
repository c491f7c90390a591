"""The H.264 parameter sets our encodes carry, read from the files x264 wrote (their `avcC`).

Segments are joined with `-c copy` into one stream with one SPS, so every segment must carry the
same SPS: normal and hurried encodes alike, at their different rate factors. The hurried one is
CAVLC, so it brings a PPS of its own under another number, and the joined file's `avcC` must list
it: these tests decode the joined file (with ffmpeg here, with Chromium in
tests/e2e/test_joined_playback.py) and compare every frame with the segments decoded alone. They
run the real x264 of the bundled ffmpeg, so an encoder whose headers move with the settings (as
x264's do without `stitchable`: the initial QP follows the CRF) is caught here, and the join
refuses segments that differ rather than writing a file that decodes wrongly."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnigen.media.compose import compose, prepare_segments
from omnigen.media.encoding import HURRIED_PPS_ID, HURRIED_PRESETS, hurries, video_encoder_args
from omnigen.media.ffmpeg import run_ffmpeg
from omnigen.media.h264 import AvcConfig, pps_ids, pps_pointed_at, sps_id, sps_numbered
from omnigen.media.mp4 import avc_parameter_sets, replace_avc_config, track_lengths
from omnigen.media.segments import FolderSegments, MixedParameterSets, join_segments
from omnigen.qc.policy import QcPolicy
from omnigen.timeline import MusicBed, OutputSettings, Timeline, VideoClip

W, H, FPS = 320, 180, 24


def _encode(tmp: Path, name: str, args: list[str], source: str = "mandelbrot") -> Path:
    out = tmp / f"{name}.mp4"
    run_ffmpeg(
        ["-y", "-f", "lavfi", "-i", f"{source}=s={W}x{H}:r={FPS}", "-t", "1", *args, "-an", out],
        what=f"encoding {name}",
    )
    return out


def _ssim(a: Path, b: Path) -> float:
    err = run_ffmpeg(["-i", a, "-i", b, "-lavfi", "[0][1]ssim", "-f", "null", "-"], what="measuring SSIM")
    return float(err.rsplit("All:", 1)[1].split()[0])


def _config(path: Path) -> AvcConfig:
    return AvcConfig.parse(avc_parameter_sets(path))


def _entropy_cabac(pps: bytes) -> bool:
    """entropy_coding_mode_flag: the bit after the PPS's two Exp-Golomb numbers (both 0 or 1 here)."""
    bits = "".join(f"{b:08b}" for b in pps[1:])
    width = sum(3 if n else 1 for n in pps_ids(pps))
    return bits[width] == "1"


@pytest.mark.parametrize("preset", sorted(HURRIED_PRESETS))
def test_a_hurried_encode_carries_the_normal_sps_and_a_cavlc_pps_of_its_own(tmp_path, preset):
    o = OutputSettings(width=W, height=H, fps=FPS, preset=preset, crf=20)
    normal = _config(_encode(tmp_path, "normal", video_encoder_args(o)))
    hurried_file = _encode(tmp_path, "hurried", video_encoder_args(o, hurry=True))
    assert b"subme=0" in hurried_file.read_bytes()  # x264's options SEI
    hurried = _config(hurried_file)
    assert sps_numbered(hurried.sps[0], 0) == normal.sps[0]
    assert [pps_ids(p) for p in normal.pps] == [(0, 0)] and [pps_ids(p) for p in hurried.pps] == [(1, 1)]
    assert _entropy_cabac(normal.pps[0]) and not _entropy_cabac(hurried.pps[0])


def _frame_hashes(path: Path) -> list[str]:
    listing = path.with_suffix(".framemd5")
    run_ffmpeg(["-y", "-v", "error", "-i", path, "-map", "0:v", "-f", "framemd5", listing], what="hashing frames")
    lines = listing.read_text().splitlines()
    return [line.rsplit(",", 1)[1].strip() for line in lines if line and not line.startswith("#")]


def _pcm_audio(tmp: Path, seconds: float) -> Path:
    out = tmp / "audio.m4a"
    run_ffmpeg(["-y", "-f", "lavfi", "-i", f"sine=f=440:d={seconds}", "-c:a", "aac", out], what="making audio")
    return out


@pytest.mark.parametrize("hurried_at", [0, 1, 2])
def test_a_join_with_a_hurried_segment_decodes_to_the_frames_of_its_segments(tmp_path, hurried_at):
    """Normal and hurried segments in every order (the hurried one first too, when the first clip
    arrives last): one SPS, both PPS in the `avcC`, the index still before the media, and every
    frame of the joined file what its segment decodes to alone."""
    o = OutputSettings(width=W, height=H, fps=FPS, crf=20)
    sources = ["testsrc2", "mandelbrot", "life=seed=3"]
    parts = []
    for k, src in enumerate(sources):
        sep = ":" if "=" in src else "="
        args = video_encoder_args(o, hurry=k == hurried_at)
        out = tmp_path / f"part{k}.mp4"
        run_ffmpeg(["-y", "-f", "lavfi", "-i", f"{src}{sep}s={W}x{H}:r={FPS}", "-t", "1", *args, "-an", out],
                   what="encoding a part")  # fmt: skip
        parts.append((out, FPS))
    joined = join_segments(parts, FPS, _pcm_audio(tmp_path, 3), 3.0, tmp_path / "joined.mp4", [])
    config = _config(joined)
    assert len(config.sps) == 1 and sps_id(config.sps[0]) == 0
    assert [pps_ids(p) for p in config.pps] == [(0, 0), (1, 0)]
    assert _frame_hashes(joined) == [h for p, _ in parts for h in _frame_hashes(p)]
    data = joined.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # +faststart survives the rewrite
    assert {t.kind for t in track_lengths(joined)} == {"video", "audio"}
    err = run_ffmpeg(["-v", "error", "-i", joined, "-f", "null", "-"], what="decoding the joined file")
    assert "PPS" not in err and "error" not in err.lower()


def test_without_stitchable_another_rate_factor_changes_the_parameter_sets(tmp_path):
    """The reason every encode is stitchable: otherwise x264 fits the PPS's initial QP to the CRF,
    and the check below is what would catch a segment made so."""
    o = OutputSettings(width=W, height=H, fps=FPS, crf=20)
    plain = [a for a in video_encoder_args(o) if a not in ("-x264-params", "stitchable=1")]
    lower = [("18" if a == "20" else a) for a in plain]
    at_20, at_18 = _encode(tmp_path, "crf20", plain), _encode(tmp_path, "crf18", lower)
    assert avc_parameter_sets(at_20) != avc_parameter_sets(at_18)


def test_a_preset_the_hurried_options_cannot_match_is_never_hurried():
    o = OutputSettings(width=W, height=H, fps=FPS, preset="medium")
    assert not hurries(o) and video_encoder_args(o, hurry=True) == video_encoder_args(o)


def test_a_hurried_encode_is_no_worse_by_ssim_than_the_normal_one(tmp_path):
    """Measured against a lossless encode of the same frames: the lower rate factor pays for the
    faster analysis (bench/compose.py measures the same at 1080p on every run)."""
    o = OutputSettings(width=W, height=H, fps=FPS, crf=20)
    ref = _encode(tmp_path, "lossless", ["-c:v", "libx264", "-qp", "0", "-preset", "ultrafast"])
    normal = _encode(tmp_path, "normal", video_encoder_args(o))
    hurried = _encode(tmp_path, "hurried", video_encoder_args(o, hurry=True))
    assert _ssim(hurried, ref) >= _ssim(normal, ref) - 0.001


def _clip(tmp: Path, name: str, source: str) -> str:
    out = tmp / f"{name}.mp4"
    run_ffmpeg(
        ["-y", "-f", "lavfi", "-i", f"{source}=s={W}x{H}:r={FPS}", "-t", "2", "-pix_fmt", "yuv420p",
         "-c:v", "libx264", "-preset", "ultrafast", out],
        what="making a test clip",
    )  # fmt: skip
    return str(out)


def _timeline(tmp: Path) -> Timeline:
    tone = tmp / "bed.wav"
    run_ffmpeg(["-y", "-f", "lavfi", "-i", "sine=f=220:d=5", tone], what="making a test tone")
    return Timeline(
        output=OutputSettings(width=W, height=H, fps=FPS),
        clips=[
            VideoClip(scene_index=1, asset=_clip(tmp, "a", "testsrc2"), out_s=2),
            VideoClip(scene_index=2, asset=_clip(tmp, "b", "mandelbrot"), out_s=2),
        ],
        music=MusicBed(asset=str(tone)),
    )


ODD = {
    "another PPS under the hurried one's number": ["-crf", "30", "-x264-params", f"sps-id={HURRIED_PPS_ID}"],
    "another SPS (no B-frames)": ["-bf", "0"],
}


@pytest.mark.parametrize("why", sorted(ODD))
def test_the_join_refuses_segments_with_other_parameter_sets_and_compose_renders_in_one_pass(tmp_path, why):
    """A stored segment made by another encoder setting would decode with the wrong parameter
    sets after a `-c copy` join: the join says which one, and compose makes the ad in one pass
    instead of failing. (A segment that only brings another PPS under a free number joins: its
    slices name their own.)"""
    timeline = _timeline(tmp_path)
    store = FolderSegments(tmp_path / "store")
    assert prepare_segments(timeline, Path, tmp_path / "ahead", store, QcPolicy()) == 2
    stored = sorted((tmp_path / "store").glob("seg_*.mp4"))
    odd = _encode(tmp_path, "odd", ["-c:v", "libx264", "-profile:v", "high", "-pix_fmt", "yuv420p", *ODD[why]])
    audio = tmp_path / "bed.wav"
    with pytest.raises(MixedParameterSets, match=r"odd\.mp4"):
        join_segments([(stored[0], 48), (odd, 24)], FPS, audio, 3.0, tmp_path / "bad.mp4", [])
    stored[-1].write_bytes(odd.read_bytes())  # a segment of the store made another way, under its name
    res = compose(timeline, Path, tmp_path / "work", tmp_path / "ad.mp4", qc_policy=QcPolicy(), store=store)
    assert res.mode == "one_pass" and Path(res.output).is_file()


@pytest.mark.parametrize("faststart", [True, False])
def test_a_rewritten_avcc_moves_the_chunk_offsets_only_where_the_media_moved(tmp_path, faststart):
    """`replace_avc_config` on a file whose index is before its media (every offset moves by what
    the avcC grew) and after it (none moves): the file decodes to the same frames and audio."""
    o = OutputSettings(width=W, height=H, fps=FPS, crf=20)
    src = _encode(tmp_path, "src", video_encoder_args(o))
    path = tmp_path / "ad.mp4"
    run_ffmpeg(["-y", "-i", src, "-f", "lavfi", "-i", "sine=f=440:d=1", "-c:v", "copy", "-c:a", "aac", "-shortest",
                *(["-movflags", "+faststart"] if faststart else []), path], what="muxing")  # fmt: skip
    before, audio_before = _frame_hashes(path), _audio_hash(path)
    config, hurried = _config(path), _config(_encode(tmp_path, "hurried", video_encoder_args(o, hurry=True)))
    grown = config.model_copy(update={"pps": [*config.pps, pps_pointed_at(hurried.pps[0], 0)]})
    replace_avc_config(path, grown.record())
    assert _config(path) == grown
    assert _frame_hashes(path) == before and _audio_hash(path) == audio_before
    data = path.read_bytes()
    assert (data.index(b"moov") < data.index(b"mdat")) == faststart


def _audio_hash(path: Path) -> str:
    out = path.with_suffix(".audio.md5")
    run_ffmpeg(["-y", "-v", "error", "-i", path, "-map", "0:a", "-f", "md5", out], what="hashing audio")
    return out.read_text().strip()
