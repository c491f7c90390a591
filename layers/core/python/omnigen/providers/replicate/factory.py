"""The four Replicate adapters, sharing one runner (one HTTP connection pool, one token)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from omnigen.config import ConfigError
from omnigen.providers.replicate.client import ReplicateRunner
from omnigen.providers.replicate.music import MiniMaxMusic
from omnigen.providers.replicate.script import GPT4oScriptWriter
from omnigen.providers.replicate.video import KlingSceneRenderer
from omnigen.providers.replicate.voice import DEFAULT_VOICE, MiniMaxVoice


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
    return ReplicateProviders(
        script=GPT4oScriptWriter(runner),
        video=KlingSceneRenderer(runner),
        music=MiniMaxMusic(runner),
        voice=MiniMaxVoice(runner, voice_id=voice_id),
        runner=runner,
    )
