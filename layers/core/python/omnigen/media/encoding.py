"""The one set of H.264 settings every picture OmniGen encodes is made with: the one-pass render
and each picture segment alike, so segments join with `-c copy` into the same stream the
one-pass render would write (High profile, yuv420p, the timeline's fps as time base, a GOP of two
seconds, the timeline's preset and CRF)."""

from __future__ import annotations

from omnigen.timeline import OutputSettings


def video_encoder_args(o: OutputSettings) -> list[str]:
    return [
        "-c:v",
        "libx264",
        "-profile:v",
        "high",
        "-pix_fmt",
        "yuv420p",
        "-preset",
        o.preset,
        "-crf",
        str(o.crf),
        "-r",
        str(o.fps),
        "-g",
        str(o.fps * 2),
    ]


def keyframe_args(times: list[float]) -> list[str]:
    """`-force_key_frames` at `times` (seconds on the encoded stream's clock), or nothing."""
    return ["-force_key_frames", ",".join(f"{t:.4f}" for t in times)] if times else []
