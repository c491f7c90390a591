"""The music bed on MiniMax (Replicate): instrumental by default, never a song under the voice.

Two routes, chosen by the configured model, each sending only what its published schema declares
(tests/fixtures/replicate_schemas/):

- `minimax/music-2.6` (the default): `is_instrumental: true` with a style prompt, no lyrics. Its
  schema and readme document the mode: "Generate instrumental music without vocals. When true,
  prompt is required and lyrics are not needed."
- `minimax/music-1.5` (selectable, the seed's model): a song model. Its schema requires `lyrics`
  (10–600 characters) and documents only the section tags [intro][verse][chorus][bridge][outro];
  the lyrics sent are those tags alone — no words to sing — and the prompt asks for an
  instrumental, but nothing in its schema can forbid vocals, so it may still hum or sing.

Whatever length comes back, the composer trims, loops, fades and ducks it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omnigen.config import ConfigError
from omnigen.providers.ports import CallContext, MusicRequest
from omnigen.providers.replicate.billing import bill
from omnigen.providers.replicate.client import ReplicateRunner, output_url
from omnigen.providers.replicate.prediction import base_model

MODEL = "minimax/music-2.6"
SONG_MODEL = "minimax/music-1.5"
INSTRUMENTAL = "instrumental, no vocals, background music for a TV commercial"

# music-1.5's limits, stated in its schema's descriptions ("Valid input: 10-300 / 10-600 characters").
PROMPT_MIN, PROMPT_MAX = 10, 300
LYRICS_MIN, LYRICS_MAX = 10, 600
# music-2.6: "A description of the music style, mood, and scenario ... 0-2000 characters."
PROMPT_MAX_26 = 2000
SAMPLE_RATE, BITRATE = 44100, 256000


def music_prompt(mood: str, limit: int = PROMPT_MAX) -> str:
    """The mood plus an instrumental instruction, within `limit` characters (at least 10)."""
    mood = " ".join(mood.split()).strip(" .,")
    text = f"{mood}, {INSTRUMENTAL}" if mood else INSTRUMENTAL
    if len(text) > limit:
        # Keep the instruction; shorten the mood at a word boundary.
        room = limit - len(INSTRUMENTAL) - 2
        text = f"{mood[:room].rsplit(' ', 1)[0].rstrip(' ,.')}, {INSTRUMENTAL}"
    return text if len(text) >= PROMPT_MIN else f"{text}, calm"


def section_lyrics(duration_s: float) -> str:
    """music-1.5's documented section tags only (no words to sing): an intro, one bridge per
    ~20 s of ad, an outro."""
    middle = max(1, round(duration_s / 20))
    lyrics = "\n".join(["[intro]", *(["[bridge]"] * middle), "[outro]"])
    assert LYRICS_MIN <= len(lyrics) <= LYRICS_MAX
    return lyrics


def instrumental_inputs(req: MusicRequest) -> dict[str, Any]:
    """minimax/music-2.6 in its instrumental mode."""
    return {
        "prompt": music_prompt(req.prompt, PROMPT_MAX_26),
        "is_instrumental": True,
        "sample_rate": SAMPLE_RATE,
        "bitrate": BITRATE,
        "audio_format": "mp3",
    }


def song_model_inputs(req: MusicRequest) -> dict[str, Any]:
    """minimax/music-1.5: tag-only lyrics and an instrumental prompt (it may still sing)."""
    return {
        "prompt": music_prompt(req.prompt),
        "lyrics": section_lyrics(req.duration_s),
        "sample_rate": SAMPLE_RATE,
        "bitrate": BITRATE,
        "audio_format": "mp3",
    }


ROUTES = {MODEL: instrumental_inputs, SONG_MODEL: song_model_inputs}


def _sniff_suffix(path: Path) -> str:
    head = path.read_bytes()[:12]
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return ".wav"
    if head.startswith(b"fLaC"):
        return ".flac"
    return ".mp3"  # ID3 tag or a bare MPEG frame: the models' default format


class MiniMaxMusic:
    """MusicGenerator port on MiniMax Music (2.6 instrumental by default, 1.5 selectable)."""

    def __init__(self, runner: ReplicateRunner, model: str = MODEL):
        route = ROUTES.get(base_model(model))
        if route is None:
            raise ConfigError(
                f"music model {model!r}: the Replicate music adapter speaks {' and '.join(ROUTES)} "
                "(OMNIGEN_MODEL_MUSIC / cdk.json musicModel, optionally pinned as owner/name:version)"
            )
        self.runner = runner
        self.model = model
        self.name = f"replicate:{model}"
        self._route = route

    @property
    def instrumental(self) -> bool:
        """Whether the model's schema can promise no vocals."""
        return self._route is instrumental_inputs

    def inputs(self, req: MusicRequest) -> dict[str, Any]:
        return self._route(req)

    def compose(self, req: MusicRequest, out: Path, ctx: CallContext) -> Path:
        """Write the track next to `out`, with the suffix of what the model returned."""
        ctx.progress(0.02, "MiniMax Music: composing")
        done = self.runner.run(self.model, self.inputs(req), ctx, what="composing the music bed", slot="bed")
        raw = self.runner.download(output_url(done.output, self.model), out.with_suffix(".download"), what="the music")
        bill(ctx, "music", done, 1)
        final = out.with_suffix(_sniff_suffix(raw))
        raw.replace(final)
        return final
