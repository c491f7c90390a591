"""Still frames out of clips: the last frame seeds the next chained scene; a frame in the middle
of the brand close makes the poster."""

from __future__ import annotations

from pathlib import Path

from omnigen.media.ffmpeg import MediaError, run_ffmpeg


def _grab(seek: list[str], video: Path, pick: list[str], out: Path, what: str) -> Path:
    run_ffmpeg(["-y", *seek, "-i", video, "-an", *pick, "-q:v", "2", out], what=what)
    if not out.is_file() or out.stat().st_size == 0:
        raise MediaError(f"{what} (no frame came out)")
    return out


def extract_last_frame(video: Path, out: Path) -> Path:
    """The clip's final decoded frame as a high-quality JPEG.

    Seeking to one second before the end and letting `-update 1` overwrite the image keeps only
    the last frame, whatever the container says about duration.
    """
    return _grab(["-sseof", "-1"], video, ["-update", "1"], out, f"extracting the last frame of {video.name}")


def extract_frame(video: Path, at_s: float, out: Path) -> Path:
    """The frame at `at_s` seconds as a JPEG (the poster)."""
    return _grab(
        ["-ss", f"{max(0.0, at_s):.3f}"], video, ["-frames:v", "1"], out,
        f"extracting a frame of {video.name} at {at_s:.2f} s",
    )  # fmt: skip
