"""The voice on MiniMax Speech-02 (Replicate: `speech-02-turbo` by default, `speech-02-hd` as
cdk.json configures), one request per line.

One request per line (the voiceover step calls `speak` per line) is what makes each line's
length known, so supers and the major-statement text can be timed to the speech. The requested
speaking rate becomes the model's `speed` (its schema: a multiplier, 0.5–2.0), so the major
statement is read more slowly than the benefits, as the local voice does. WAV is asked for;
anything else that comes back (an older version without `audio_format` answers MP3) is converted,
because the step measures and concatenates WAV.
"""

from __future__ import annotations

from pathlib import Path

from omnigen.media.ffmpeg import MediaError, run_ffmpeg
from omnigen.providers.ports import CallContext, ProviderError, VoiceRequest
from omnigen.providers.replicate.billing import bill
from omnigen.providers.replicate.client import ReplicateRunner, output_url

MODEL = "minimax/speech-02-turbo"
DEFAULT_VOICE = "Wise_Woman"
SAMPLE_RATE = 32000
SPEED_MIN, SPEED_MAX = 0.5, 2.0
"""The `speed` bounds of the speech-02 schemas (minimum 0.5, maximum 2)."""


def is_wav(path: Path) -> bool:
    head = path.read_bytes()[:12]
    return head.startswith(b"RIFF") and head[8:12] == b"WAVE"


def speed_for(rate: float) -> float:
    """The model's `speed` for a relative speaking rate, inside the schema's bounds."""
    return round(min(SPEED_MAX, max(SPEED_MIN, rate)), 3)


class MiniMaxVoice:
    """VoiceSynth port on MiniMax Speech-02 (Turbo or HD: the same inputs)."""

    def __init__(self, runner: ReplicateRunner, voice_id: str = DEFAULT_VOICE, model: str = MODEL):
        self.runner = runner
        self.model = model
        self.voice_id = voice_id
        self.name = f"replicate:{model}"

    def inputs(self, req: VoiceRequest) -> dict[str, object]:
        return {
            "text": req.text,
            "voice_id": self.voice_id,
            "speed": speed_for(req.rate),
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
        bill(ctx, "voice", done, len(req.text) / 1000)
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
