"""Writing 16-bit PCM WAV files: the one format every offline audio provider hands the pipeline."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np


def write_wav(samples: np.ndarray, out: Path, sample_rate: int) -> Path:
    """`samples` as (n,) mono or (n, channels); float in [-1, 1] (clipped) or int16 kept exactly."""
    frames = samples if samples.ndim == 2 else samples[:, None]
    exact = frames.dtype == np.int16
    pcm = (frames if exact else np.clip(frames, -1, 1) * 32767).astype("<i2")
    out.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(out), "wb") as w:
        w.setnchannels(frames.shape[1])
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm.tobytes())
    return out
