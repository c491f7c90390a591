"""The offline music bed: a chord progression for the mood, synthesised with NumPy.

Pads (detuned partials under a slow swell), a bass on the root, a plucked arpeggio and, for
upbeat moods, a soft pulse — stereo 48 kHz, exactly the requested length, faded in and out.
The mood's words pick the mode, tempo and progression; the seed varies voicing and rhythm, so
the same brief always gets the same bed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from omnigen.providers.local.wav import write_wav
from omnigen.providers.ports import CallContext, MusicRequest, ProviderCall

SAMPLE_RATE = 48_000

# Progressions as scale degrees (0-based) of a major or minor scale.
MAJOR = [0, 2, 4, 5, 7, 9, 11]
MINOR = [0, 2, 3, 5, 7, 8, 10]


@dataclass(frozen=True)
class Feel:
    scale: list[int]
    progression: list[int]
    bpm: float
    root_midi: int
    pulse: bool
    brightness: float


def feel_for(prompt: str, seed: int) -> Feel:
    """Map mood words to musical choices (deterministic)."""
    p = prompt.lower()
    rng = np.random.default_rng(seed)
    calm = any(w in p for w in ("calm", "gentle", "soft", "serene", "ambient", "reassur", "tender", "quiet"))
    sad = any(w in p for w in ("melanch", "somber", "sombre", "reflective", "minor", "moody"))
    upbeat = any(w in p for w in ("upbeat", "energetic", "driving", "bright", "optimistic", "uplifting", "hopeful"))
    scale = MINOR if sad else MAJOR
    progressions = [[0, 5, 3, 4], [0, 3, 4, 3], [0, 4, 5, 3]] if not sad else [[0, 5, 2, 6], [0, 3, 6, 4]]
    progression = progressions[int(rng.integers(len(progressions)))]
    bpm = 72.0 if calm else 104.0 if upbeat else 88.0
    bpm += float(rng.integers(-4, 5))
    root = 48 + int(rng.integers(0, 7))  # C3..F#3
    return Feel(scale, progression, bpm, root, upbeat and not calm, 0.6 if calm else 1.0)


def _hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


def _chord(feel: Feel, degree: int) -> list[int]:
    """A triad plus the octave on `degree`, as MIDI notes."""
    notes = []
    for step in (0, 2, 4, 7):
        d = degree + step
        octave, idx = divmod(d, 7)
        notes.append(feel.root_midi + 12 * octave + feel.scale[idx])
    return notes


def _tone(freq: float, t: np.ndarray, partials: int, bright: float) -> np.ndarray:
    out = np.zeros_like(t)
    for k in range(1, partials + 1):
        out += np.sin(2 * np.pi * freq * k * t) * (bright ** (k - 1)) / k
    return out


def synthesize(prompt: str, duration_s: float, seed: int) -> np.ndarray:
    """Stereo float32 samples in [-1, 1], shape (n, 2)."""
    feel = feel_for(prompt, seed)
    n = round(duration_s * SAMPLE_RATE)
    t_all = np.arange(n) / SAMPLE_RATE
    left = np.zeros(n)
    right = np.zeros(n)
    beat = 60.0 / feel.bpm
    bar = 4 * beat
    rng = np.random.default_rng(seed + 1)
    bars = int(np.ceil(duration_s / bar))
    for b in range(bars):
        start = round(b * bar * SAMPLE_RATE)
        end = min(n, round((b + 1) * bar * SAMPLE_RATE) + SAMPLE_RATE // 4)
        if start >= n:
            break
        t = t_all[start:end] - t_all[start]
        chord = _chord(feel, feel.progression[b % len(feel.progression)])
        swell = np.minimum(1.0, t / (0.4 * bar)) * np.exp(-np.maximum(0, t - bar) * 6)
        for i, note in enumerate(chord):
            f = _hz(note)
            pad = _tone(f * 1.002, t, 3, 0.35 * feel.brightness) + _tone(f * 0.998, t, 3, 0.35 * feel.brightness)
            pan = 0.3 + 0.4 * (i / (len(chord) - 1))
            left[start:end] += 0.06 * pad * swell * (1 - pan)
            right[start:end] += 0.06 * pad * swell * pan
        bass_f = _hz(chord[0] - 12)
        bass = _tone(bass_f, t, 2, 0.3) * np.exp(-t / (1.5 * bar)) * np.minimum(1.0, t / 0.02)
        left[start:end] += 0.14 * bass
        right[start:end] += 0.14 * bass
        steps = 8
        for s in range(steps):
            if rng.random() < 0.2:
                continue
            at = round(s * bar / steps * SAMPLE_RATE)
            length = min(end - start - at, round(0.6 * SAMPLE_RATE))
            if length <= 0:
                continue
            tt = t[at : at + length] - t[at]
            note = chord[[0, 1, 2, 3, 2, 1, 3, 2][s]] + 12
            pluck = _tone(_hz(note), tt, 4, 0.5 * feel.brightness) * np.exp(-tt * 7) * np.minimum(1.0, tt / 0.004)
            pan = 0.5 + 0.35 * np.sin(s)
            left[start + at : start + at + length] += 0.05 * pluck * (1 - pan)
            right[start + at : start + at + length] += 0.05 * pluck * pan
        if feel.pulse:
            for q in range(4):
                at = round(q * beat * SAMPLE_RATE)
                length = min(end - start - at, round(0.25 * SAMPLE_RATE))
                if length <= 0:
                    continue
                tt = t[at : at + length] - t[at]
                kick = np.sin(2 * np.pi * (55 + 90 * np.exp(-tt * 30)) * tt) * np.exp(-tt * 14)
                left[start + at : start + at + length] += 0.12 * kick
                right[start + at : start + at + length] += 0.12 * kick
    stereo = np.stack([left, right], axis=1)
    fade_in, fade_out = min(1.0, duration_s / 4), min(2.0, duration_s / 4)
    env = np.ones(n)
    fi, fo = round(fade_in * SAMPLE_RATE), round(fade_out * SAMPLE_RATE)
    env[:fi] = np.linspace(0, 1, fi)
    env[n - fo :] = np.linspace(1, 0, fo)
    stereo *= env[:, None]
    peak = float(np.max(np.abs(stereo))) or 1.0
    return (stereo / peak * 0.7).astype(np.float32)


class LocalMusic:
    name = "local-chord-synth"

    def compose(self, req: MusicRequest, out: Path, ctx: CallContext) -> Path:
        ctx.check()
        ctx.progress(0.1, "synthesising the chord progression")
        samples = synthesize(req.prompt, req.duration_s, req.seed)
        ctx.check()
        path = write_wav(samples, out.with_suffix(".wav"), SAMPLE_RATE)
        ctx.record(ProviderCall(capability="music", model=self.name, cost_usd=0.0))
        return path
