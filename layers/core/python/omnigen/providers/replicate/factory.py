"""The four Replicate adapters, sharing one runner (one HTTP connection pool, one token)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from omnigen.config import ConfigError
from omnigen.providers.replicate.client import ReplicateRunner
from omnigen.providers.replicate.music import MODEL as MUSIC_MODEL
from omnigen.providers.replicate.music import MiniMaxMusic
from omnigen.providers.replicate.script import MODEL as SCRIPT_MODEL
from omnigen.providers.replicate.script import GPT4oScriptWriter
from omnigen.providers.replicate.video import MODEL as VIDEO_MODEL
from omnigen.providers.replicate.video import KlingSceneRenderer
from omnigen.providers.replicate.voice import DEFAULT_VOICE, MiniMaxVoice
from omnigen.providers.replicate.voice import MODEL as VOICE_MODEL


@dataclass
class ReplicateProviders:
    script: GPT4oScriptWriter
    video: KlingSceneRenderer
    music: MiniMaxMusic
    voice: MiniMaxVoice
    runner: ReplicateRunner


def build_replicate_providers(
    api_token: str | None,
    base_url: str | None = None,
    webhook_url: str | None = None,
    *,
    timeouts_s: Mapping[str, float] | None = None,
    poll_interval_s: float | None = None,
    voice_id: str = DEFAULT_VOICE,
    models: Mapping[str, str] | None = None,
) -> ReplicateProviders:
    """Adapters for every capability. `base_url` points the client elsewhere than
    api.replicate.com (REPLICATE_BASE_URL: a proxy, or the tests' fake); with `webhook_url`
    predictions report back by webhook and polling is only a fallback."""
    if not api_token:
        raise ConfigError(
            "REPLICATE_API_TOKEN is not set, but a Replicate provider was chosen. Set it to your token "
            "from replicate.com/account/api-tokens, or use OMNIGEN_PROVIDERS=local to run offline."
        )
    runner = ReplicateRunner(api_token, base_url, webhook_url, timeouts_s=timeouts_s, poll_interval_s=poll_interval_s)
    m = dict(models or {})  # pinned versions of the same models (their inputs are what we send)
    return ReplicateProviders(
        script=GPT4oScriptWriter(runner, model=m.get("script", SCRIPT_MODEL)),
        video=KlingSceneRenderer(runner, model=m.get("video", VIDEO_MODEL)),
        music=MiniMaxMusic(runner, model=m.get("music", MUSIC_MODEL)),
        voice=MiniMaxVoice(runner, voice_id=voice_id, model=m.get("voice", VOICE_MODEL)),
        runner=runner,
    )
