"""Loudness as a broadcaster measures it: EBU R128 / ITU-R BS.1770 (LUFS = LKFS), from ffmpeg's
`ebur128` filter, over the whole file or a window of it (the compliance tests measure the music
under the major statement this way)."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from omnigen.media.ffmpeg import MediaError, run_ffmpeg

_SUMMARY = re.compile(r"Summary:(.*)", re.S)
_I = re.compile(r"I:\s+(-?[\d.]+|-inf) LUFS")
_LRA = re.compile(r"LRA:\s+(-?[\d.]+) LU")
_PEAK = re.compile(r"Peak:\s+(-?[\d.]+|-inf) dBFS")


class Loudness(BaseModel):
    integrated_lufs: float
    loudness_range_lu: float
    true_peak_dbfs: float


def _num(m: re.Match[str] | None) -> float:
    if m is None:
        return float("-inf")
    return float("-inf") if m[1] == "-inf" else float(m[1])


def measure_loudness(
    path: Path, start_s: float | None = None, end_s: float | None = None, stream: str = "a:0"
) -> Loudness:
    """Integrated loudness, loudness range and true peak of an audio stream (optionally a window).

    A silent window reports -inf integrated loudness (ebur128 gates out everything below -70).
    """
    window: list[str | Path] = []
    if start_s is not None:
        window += ["-ss", f"{start_s:.3f}"]
    if end_s is not None:
        window += ["-t", f"{end_s - (start_s or 0.0):.3f}"]
    err = run_ffmpeg(
        [*window, "-i", path, "-map", stream, "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-"],
        what=f"measuring the loudness of {Path(path).name}",
    )
    return parse_summary(err, f"measuring the loudness of {Path(path).name}")


def parse_summary(stderr: str, what: str) -> Loudness:
    """The figures of ffmpeg's `ebur128` summary (printed when the filter closes)."""
    summary = _SUMMARY.search(stderr)
    if not summary:
        raise MediaError(f"{what} (no loudness summary)", stderr[-2000:])
    text = summary[1]
    return Loudness(
        integrated_lufs=_num(_I.search(text)),
        loudness_range_lu=_num(_LRA.search(text)) if _LRA.search(text) else 0.0,
        true_peak_dbfs=_num(_PEAK.search(text)),
    )
