"""The music bed on `minimax/music-1.5` (Replicate).

The model requires both a `prompt` (10–300 characters) and `lyrics` (10–600 characters). An ad
bed wants no singing, so the lyrics are section tags only — the arrangement without words — and
the prompt asks for an instrumental. Whatever length comes back, the composer trims, loops,
fades and ducks it.
"""

from __future__ import annotations

from pathlib import Path

from omnigen.pricing import call_cost
from omnigen.providers.ports import CallContext, MusicRequest, ProviderCall
from omnigen.providers.replicate.client import ReplicateRunner, output_url

MODEL = "minimax/music-1.5"
PROMPT_MIN, PROMPT_MAX = 10, 300
LYRICS_MIN, LYRICS_MAX = 10, 600
INSTRUMENTAL = "instrumental, no vocals, background music for a TV commercial"


def music_prompt(mood: str) -> str:
    """The mood plus an instrumental instruction, within the model's 10–300 characters."""
    mood = " ".join(mood.split()).strip(" .,")
    text = f"{mood}, {INSTRUMENTAL}" if mood else INSTRUMENTAL
    if len(text) > PROMPT_MAX:
        # Keep the instruction; shorten the mood at a word boundary.
        room = PROMPT_MAX - len(INSTRUMENTAL) - 2
        text = f"{mood[:room].rsplit(' ', 1)[0].rstrip(' ,.')}, {INSTRUMENTAL}"
    return text if len(text) >= PROMPT_MIN else f"{text}, calm"


def section_lyrics(duration_s: float) -> str:
    """Section tags only (no words to sing), one instrumental section per ~20 s of ad."""
    middle = max(1, round(duration_s / 20))
    lyrics = "\n".join(["[intro]", *(["[inst]"] * middle), "[outro]"])
    assert LYRICS_MIN <= len(lyrics) <= LYRICS_MAX
    return lyrics


def _sniff_suffix(path: Path) -> str:
    head = path.read_bytes()[:12]
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return ".wav"
    if head.startswith(b"fLaC"):
        return ".flac"
    return ".mp3"  # ID3 tag or a bare MPEG frame: the model's default format


class MiniMaxMusic:
    """MusicGenerator port on MiniMax Music 1.5."""

    name = "replicate:minimax/music-1.5"

    def __init__(self, runner: ReplicateRunner, model: str = MODEL):
        self.runner = runner
        self.model = model

    def inputs(self, req: MusicRequest) -> dict[str, object]:
        return {
            "prompt": music_prompt(req.prompt),
            "lyrics": section_lyrics(req.duration_s),
            "sample_rate": 44100,
            "bitrate": 256000,
            "audio_format": "mp3",
        }

    def compose(self, req: MusicRequest, out: Path, ctx: CallContext) -> Path:
        """Write the track next to `out`, with the suffix of what the model returned."""
        ctx.progress(0.02, "MiniMax Music: composing")
        done = self.runner.run(self.model, self.inputs(req), ctx, what="composing the music bed")
        raw = self.runner.download(output_url(done.output, self.model), out.with_suffix(".download"), what="the music")
        ctx.record(
            ProviderCall(
                capability="music",
                model=self.model,
                prediction_id=done.id,
                predict_time_s=done.predict_time_s,
                cost_usd=call_cost(self.model.split(":")[0], 1),
            )
        )
        final = out.with_suffix(_sniff_suffix(raw))
        raw.replace(final)
        return final
