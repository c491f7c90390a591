"""The fallback offline voice: eSpeak NG, loaded from the `espeakng-loader` wheel through ctypes
(no system package, no download), used when Piper or its voice is not installed (see voice.py).
One WAV per line, so the pipeline measures each line's length.

eSpeak NG keeps global state, so synthesis is serialised by a process-wide lock; a line of a
30 s ad takes a few milliseconds, so the lock costs nothing that matters.
"""

from __future__ import annotations

import ctypes
import threading
from functools import cache
from pathlib import Path

import numpy as np

from omnigen.providers.local.wav import write_wav
from omnigen.providers.ports import ProviderError

AUDIO_OUTPUT_SYNCHRONOUS = 2
ESPEAK_CHARS_UTF8 = 1
ESPEAK_RATE = 1
ESPEAK_PITCH = 3
WORDS_PER_MINUTE = 180  # eSpeak's nominal rate; about 2.6 real words/s on risk copy (long words)
VOICE = "en-us"

_SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
_lock = threading.Lock()


class _Engine:
    """The loaded library and its sample rate; collects samples through the synth callback."""

    def __init__(self) -> None:
        import espeakng_loader

        try:
            self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        except OSError as err:
            raise ProviderError(f"local voice: cannot load eSpeak NG ({err}); reinstall espeakng-loader") from err
        data_dir = Path(espeakng_loader.get_data_path())
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        rate = self.lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, str(data_dir.parent).encode(), 0)
        if rate <= 0:
            raise ProviderError(f"local voice: eSpeak NG did not start (data at {data_dir})")
        self.sample_rate = rate
        self.samples: list[bytes] = []
        self._cb = _SYNTH_CALLBACK(self._collect)
        self.lib.espeak_SetSynthCallback(self._cb)
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        if self.lib.espeak_SetVoiceByName(VOICE.encode()) != 0:
            raise ProviderError(f"local voice: eSpeak NG has no voice {VOICE!r}")
        self.lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]

    def _collect(self, wav: ctypes._Pointer, count: int, _events: int) -> int:  # type: ignore[type-arg]
        if wav and count > 0:
            self.samples.append(ctypes.string_at(wav, count * 2))
        return 0

    def synth(self, text: str, wpm: int, pitch: int) -> bytes:
        self.samples = []
        self.lib.espeak_SetParameter(ESPEAK_RATE, wpm, 0)
        self.lib.espeak_SetParameter(ESPEAK_PITCH, pitch, 0)
        data = text.encode("utf-8") + b"\0"
        err = self.lib.espeak_Synth(data, len(data), 0, 0, 0, ESPEAK_CHARS_UTF8, None, None)
        if err != 0:
            raise ProviderError(f"local voice: eSpeak NG failed on {text[:40]!r} (error {err})")
        self.lib.espeak_Synchronize()
        return b"".join(self.samples)


@cache
def _engine() -> _Engine:
    return _Engine()


class EspeakVoice:
    """eSpeak NG at a broadcast-announcer pace. Nearly deterministic: eSpeak keeps synthesis
    state from one utterance to the next, so a line's samples vary with what was spoken before
    it in the process, though its length stays within a millisecond."""

    name = "local-espeak-ng"

    def __init__(self, words_per_minute: int = WORDS_PER_MINUTE, pitch: int = 45):
        self.wpm = words_per_minute
        self.pitch = pitch

    def render(self, text: str, rate: float, out: Path) -> Path:
        """`text` (one line, whitespace already collapsed) at `rate` × the nominal pace → WAV."""
        with _lock:
            engine = _engine()
            pcm = engine.synth(text, round(self.wpm * rate), self.pitch)
            sample_rate = engine.sample_rate
        if not pcm:
            raise ProviderError(f"local voice: eSpeak NG produced no audio for {text[:40]!r}")
        return write_wav(np.frombuffer(pcm, dtype="<i2"), out, sample_rate)
