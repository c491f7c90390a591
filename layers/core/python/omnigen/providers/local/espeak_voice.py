"""The offline voice: eSpeak NG, loaded from the `espeakng-loader` wheel through ctypes (no
system package, no download). One WAV per line, so the pipeline measures each line's length.

eSpeak NG keeps global state, so synthesis is serialised by a process-wide lock; a line of a
30 s ad takes a few milliseconds, so the lock costs nothing that matters.
"""

from __future__ import annotations

import ctypes
import threading
import wave
from functools import cache
from pathlib import Path

from omnigen.providers.ports import CallContext, ProviderCall, ProviderError, VoiceRequest

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


class LocalVoice:
    """eSpeak NG at a broadcast-announcer pace; deterministic (same text → same samples)."""

    name = "local-espeak-ng"

    def __init__(self, words_per_minute: int = WORDS_PER_MINUTE, pitch: int = 45):
        self.wpm = words_per_minute
        self.pitch = pitch

    def speak(self, req: VoiceRequest, out: Path, ctx: CallContext) -> Path:
        ctx.check()
        text = " ".join(req.text.split())
        if not text:
            raise ProviderError("local voice: the line is empty; give the scene a voiceover or remove the line")
        with _lock:
            engine = _engine()
            pcm = engine.synth(text, round(self.wpm * req.rate), self.pitch)
            rate = engine.sample_rate
        if not pcm:
            raise ProviderError(f"local voice: eSpeak NG produced no audio for {text[:40]!r}")
        out = out.with_suffix(".wav")
        out.parent.mkdir(parents=True, exist_ok=True)
        with wave.open(str(out), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(pcm)
        ctx.record(ProviderCall(capability="voice", model=self.name, predict_time_s=None, cost_usd=0.0))
        return out
