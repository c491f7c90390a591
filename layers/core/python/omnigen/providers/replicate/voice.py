"""The voice on `minimax/speech-02-turbo` (Replicate), one request per line.

One request per line (the voiceover step calls `speak` per line) is what makes each line's
length known, so supers and the major-statement text can be timed to the speech. WAV is asked
for; anything else that comes back is converted, because the step measures and concatenates WAV.
"""

from __future__ import annotations

from pathlib import Path

from omnigen.media.ffmpeg import MediaError, run_ffmpeg
from omnigen.pricing import call_cost
from omnigen.providers.ports import CallContext, ProviderCall, ProviderError, VoiceRequest
from omnigen.providers.replicate.client import ReplicateRunner, output_url

MODEL = "minimax/speech-02-turbo"
DEFAULT_VOICE = "Wise_Woman"
SAMPLE_RATE = 32000


def is_wav(path: Path) -> bool:
    head = path.read_bytes()[:12]
    return head.startswith(b"RIFF") and head[8:12] == b"WAVE"


class MiniMaxVoice:
    """VoiceSynth port on MiniMax Speech-02 Turbo."""

    name = "replicate:minimax/speech-02-turbo"

    def __init__(self, runner: ReplicateRunner, voice_id: str = DEFAULT_VOICE, model: str = MODEL):
        self.runner = runner
        self.model = model
        self.voice_id = voice_id

    def inputs(self, req: VoiceRequest) -> dict[str, object]:
        return {
            "text": req.text,
            "voice_id": self.voice_id,
            "speed": 1.0,
            "emotion": "neutral",  # the major statement must be read neutrally, and so reads the rest
            "english_normalization": True,  # phone numbers and doses read as a person would
            "audio_format": "wav",
            "sample_rate": SAMPLE_RATE,
            "channel": "mono",
        }

    def speak(self, req: VoiceRequest, out: Path, ctx: CallContext) -> Path:
        """Speak one line into the WAV file `out`."""
        if not req.text.strip():
            raise ProviderError("a voiceover line is empty; the script has a scene with blank speech")
        done = self.runner.run(self.model, self.inputs(req), ctx, what=f"speaking {req.text[:40]!r}")
        raw = self.runner.download(
            output_url(done.output, self.model), out.with_suffix(".download"), what="a voice line"
        )
        ctx.record(
            ProviderCall(
                capability="voice",
                model=self.model,
                prediction_id=done.id,
                predict_time_s=done.predict_time_s,
                cost_usd=call_cost(self.model.split(":")[0], len(req.text) / 1000),
            )
        )
        out = out.with_suffix(".wav")
        if is_wav(raw):
            raw.replace(out)
            return out
        try:
            run_ffmpeg(
                ["-y", "-i", raw, "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE), "-c:a", "pcm_s16le", out],
                what=f"converting {self.model}'s audio to WAV",
                timeout=120,
            )
        except MediaError as err:
            raise ProviderError(
                f"{self.model} returned audio ffmpeg cannot read (prediction {done.id}): {err.what}; try again.",
                retryable=True,
            ) from None
        finally:
            raw.unlink(missing_ok=True)
        return out
