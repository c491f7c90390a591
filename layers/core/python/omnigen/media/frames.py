"""Still frames out of clips: the last frame seeds the next chained scene; a frame in the middle
of the brand close makes the poster."""

from __future__ import annotations

from pathlib import Path

from omnigen.media.ffmpeg import MediaError, run_ffmpeg


def extract_last_frame(video: Path, out: Path) -> Path:
    """The clip's final decoded frame as a high-quality JPEG.

    Seeking to one second before the end and letting `-update 1` overwrite the image keeps only
    the last frame, whatever the container says about duration.
    """
    run_ffmpeg(
        ["-y", "-sseof", "-1", "-i", video, "-an", "-update", "1", "-q:v", "2", out],
        what=f"extracting the last frame of {video.name}",
    )
    if not out.is_file() or out.stat().st_size == 0:
        raise MediaError(f"extracting the last frame of {video.name} (no frame came out)")
    return out


def extract_frame(video: Path, at_s: float, out: Path) -> Path:
    """The frame at `at_s` seconds as a JPEG (the poster)."""
    run_ffmpeg(
        ["-y", "-ss", f"{max(0.0, at_s):.3f}", "-i", video, "-an", "-frames:v", "1", "-q:v", "2", out],
        what=f"extracting a frame of {video.name} at {at_s:.2f} s",
    )
    if not out.is_file() or out.stat().st_size == 0:
        raise MediaError(f"extracting a frame of {video.name} at {at_s:.2f} s (no frame came out)")
    return out
