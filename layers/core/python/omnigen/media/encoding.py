"""The one set of H.264 settings every picture OmniGen encodes is made with: the one-pass render
and each picture segment alike, so segments join with `-c copy` into the same stream the
one-pass render would write (High profile, yuv420p, the timeline's fps as time base, a GOP of two
seconds, the timeline's preset and CRF).

Every encode is x264's `stitchable`: its parameter sets (SPS/PPS) then do not depend on the
picture or the CRF (x264 writes a neutral initial QP instead of one fitted to the rate factor),
which is what lets one segment be encoded at another rate factor and still join the others
under the one SPS the file carries. The join checks every segment's `avcC` (`media.h264`).

A *hurried* segment is the tail's: the segments of the clip that completes the timeline, which
the final MP4 waits for while every other segment is already made. They are encoded with x264's
fastest analysis (the `ultrafast` preset) with each option that shows in the sequence parameter
set put back to the timeline preset's value (three B-frames as a pyramid, one reference; plus
the 8x8 transform, weighted prediction, deblocking and adaptive quantisation), at a rate factor
`HURRY_CRF_OFFSET` lower, and entropy-coded with CAVLC instead of CABAC: on a dear picture
CABAC's arithmetic coder is most of what is left of x264's work once the analysis is
`ultrafast`'s. The entropy coder is a field of the picture parameter set, so a hurried segment
numbers its parameter sets 1 (`sps-id`); its SPS is the normal one's in every other bit, and the
join lists both PPS under the one SPS (`media.h264.shared_config`). bench/compose.py measures
the CPU, bytes and SSIM of both encodes on every run. Only presets whose SPS the hurried options
reproduce are hurried (`HURRIED_PRESETS`, checked against x264 by
tests/integration/test_encoding_parameter_sets.py); a timeline at another preset encodes its tail
as usual.
"""

from __future__ import annotations

from omnigen.timeline import OutputSettings

STITCHABLE = "stitchable=1"

HURRIED_PRESETS = frozenset({"superfast", "veryfast"})
"""Timeline presets whose SPS a hurried encode reproduces exactly (one reference frame, three
B-frames as a pyramid); the PPS they differ in is the hurried one's own (`HURRIED_PPS_ID`)."""

HURRIED_PPS_ID = 1
"""The number of a hurried segment's SPS and PPS (x264's `sps-id`; normal encodes use 0)."""

HURRIED_OPTIONS = ":".join(
    [
        "cabac=0",
        "8x8dct=1",
        "bframes=3",
        "b-pyramid=2",
        "weightp=1",
        "weightb=1",
        "ref=1",
        "deblock=0,0",
        "aq-mode=1",
        f"sps-id={HURRIED_PPS_ID}",
        STITCHABLE,
    ]
)
"""Over `ultrafast`: what shows in the SPS put back, the PPS fields the normal encodes set (8x8,
weighted prediction) and what natural pictures need (the deblocking filter, adaptive
quantisation); CAVLC, under parameter sets numbered `HURRIED_PPS_ID`."""

HURRY_CRF_OFFSET = 2
"""How much lower the hurried rate factor is: measured at 1080p on the bench's clips, a hurried
encode at CRF 18 is no worse by SSIM than the normal one at 20 (bench/RESULTS.md)."""


def hurries(o: OutputSettings) -> bool:
    """Whether a tail segment of this output can be hurried and still join the others."""
    return o.preset in HURRIED_PRESETS


def video_encoder_args(o: OutputSettings, hurry: bool = False) -> list[str]:
    """x264's arguments for a picture of `o`; `hurry` (honoured where `hurries(o)`) for a
    segment the final MP4 is waiting for."""
    hurried = hurry and hurries(o)
    return [
        "-c:v",
        "libx264",
        "-profile:v",
        "high",
        "-pix_fmt",
        "yuv420p",
        "-preset",
        "ultrafast" if hurried else o.preset,
        "-crf",
        str(max(0, o.crf - HURRY_CRF_OFFSET) if hurried else o.crf),
        "-x264-params",
        HURRIED_OPTIONS if hurried else STITCHABLE,
        "-r",
        str(o.fps),
        "-g",
        str(o.fps * 2),
    ]


def keyframe_args(times: list[float]) -> list[str]:
    """`-force_key_frames` at `times` (seconds on the encoded stream's clock), or nothing."""
    return ["-force_key_frames", ",".join(f"{t:.4f}" for t in times)] if times else []
