"""Real media for the fake's outputs, made once per shape with the project's ffmpeg and cached.

The adapters probe, convert and frame-grab what they download, so the fake must return files a
decoder accepts: an H.264 MP4 for Kling, an MP3 for MiniMax Music, WAV/MP3 speech whose length
follows the text for the TTS model.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from omnigen.media.ffmpeg import run_ffmpeg

VIDEO_SIZES = {"16:9": (320, 180), "9:16": (180, 320), "1:1": (240, 240)}
WORDS_PER_SECOND = 2.5

_cache: dict[tuple[object, ...], bytes] = {}
_locks: dict[tuple[object, ...], threading.Lock] = {}
_guard = threading.Lock()


def _cached(key: tuple[object, ...], make: Callable[[Path], None], suffix: str) -> bytes:
    """Make a file once per key (concurrent callers of the same key wait for the first)."""
    with _guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        if key not in _cache:
            with tempfile.TemporaryDirectory(prefix="fake-replicate-") as tmp:
                out = Path(tmp) / f"out{suffix}"
                make(out)
                _cache[key] = out.read_bytes()
        return _cache[key]


def video(aspect_ratio: str, seconds: int) -> bytes:
    """A test-pattern MP4 (24 fps, no audio, like Kling's) of exactly `seconds`."""
    w, h = VIDEO_SIZES.get(aspect_ratio, VIDEO_SIZES["16:9"])

    def make(out: Path) -> None:
        run_ffmpeg(
            [
                "-y",
                "-f",
                "lavfi",
                "-i",
                f"testsrc2=size={w}x{h}:rate=24:duration={seconds}",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-pix_fmt",
                "yuv420p",
                "-movflags",
                "+faststart",
                out,
            ],
            what="making the fake Kling clip",
        )

    return _cached(("video", w, h, seconds), make, ".mp4")


IMAGE_SIZES = {  # FLUX-schnell at megapixels "1": about a megapixel in the asked shape
    "1:1": (1024, 1024),
    "16:9": (1344, 768),
    "9:16": (768, 1344),
}


def image(aspect_ratio: str, fmt: str = "webp") -> bytes:
    """A still in the shape and format asked (FLUX-schnell's webp/jpg/png), drawn with Pillow."""
    w, h = IMAGE_SIZES.get(aspect_ratio, IMAGE_SIZES["1:1"])

    def make(out: Path) -> None:
        from PIL import Image, ImageDraw

        img = Image.new("RGB", (w, h), (40, 90, 140))
        ImageDraw.Draw(img).ellipse([w // 4, h // 4, 3 * w // 4, 3 * h // 4], fill=(230, 180, 90))
        img.save(out, format={"jpg": "JPEG", "png": "PNG"}.get(fmt, "WEBP"))

    return _cached(("image", w, h, fmt), make, f".{fmt}")


def music(seconds: float = 20.0) -> bytes:
    """A soft A-minor chord MP3, stereo 44.1 kHz — shorter than an ad, so the bed gets looped."""

    def make(out: Path) -> None:
        chord = "0.20*sin(2*PI*220*t)+0.15*sin(2*PI*261.6*t)+0.12*sin(2*PI*329.6*t)"
        source = ["-f", "lavfi", "-i", f"aevalsrc={chord}:s=44100:d={seconds}"]
        run_ffmpeg(
            ["-y", *source, "-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k", out],
            what="making the fake music",
        )

    return _cached(("music", seconds), make, ".mp3")


def speech_seconds(text: str, speed: float = 1.0) -> float:
    """A read of `text` at `speed` (the speech models' multiplier: 0.5 is twice as long)."""
    return round(max(0.6, len(text.split()) / WORDS_PER_SECOND) / speed, 2)


def speech(text: str, audio_format: str = "mp3", sample_rate: int = 32000, speed: float = 1.0) -> bytes:
    """A voice-like modulated tone, as long as a read of `text` at `speed`, in WAV or MP3."""
    seconds = speech_seconds(text, speed)
    fmt = "wav" if audio_format == "wav" else "mp3"

    def make(out: Path) -> None:
        tone = "0.3*sin(2*PI*170*t)*(0.6+0.4*sin(2*PI*3*t))"
        codec = ["-c:a", "pcm_s16le"] if fmt == "wav" else ["-c:a", "libmp3lame", "-b:a", "64k"]
        run_ffmpeg(
            ["-y", "-f", "lavfi", "-i", f"aevalsrc={tone}:s={sample_rate}:d={seconds}", "-ac", "1", *codec, out],
            what="making the fake speech",
        )

    return _cached(("speech", seconds, fmt, sample_rate), make, f".{fmt}")
