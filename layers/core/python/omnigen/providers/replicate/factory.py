"""The four Replicate adapters, sharing one runner (one HTTP connection pool, one token)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from omnigen.config import CAPABILITIES, ConfigError, check_video_setup
from omnigen.providers.replicate.client import ReplicateRunner
from omnigen.providers.replicate.keyframes import MODEL as KEYFRAME_MODEL
from omnigen.providers.replicate.keyframes import FluxKeyframes
from omnigen.providers.replicate.music import MODEL as MUSIC_MODEL
from omnigen.providers.replicate.music import MiniMaxMusic
from omnigen.providers.replicate.script import MODEL as SCRIPT_MODEL
from omnigen.providers.replicate.script import GPT4oScriptWriter
from omnigen.providers.replicate.video import MODEL as VIDEO_MODEL
from omnigen.providers.replicate.video import ReplicateSceneRenderer
from omnigen.providers.replicate.voice import DEFAULT_VOICE, MiniMaxVoice
from omnigen.providers.replicate.voice import MODEL as VOICE_MODEL
from omnigen.video_models import END_FRAME_KEY

DEFAULT_MODELS = {"script": SCRIPT_MODEL, "video": VIDEO_MODEL, "music": MUSIC_MODEL, "voice": VOICE_MODEL}


@dataclass
class ReplicateProviders:
    script: GPT4oScriptWriter
    video: ReplicateSceneRenderer
    music: MiniMaxMusic
    voice: MiniMaxVoice
    runner: ReplicateRunner
    keyframes: FluxKeyframes


def chosen_models(models: Mapping[str, str] | None = None) -> dict[str, str]:
    """The model per capability: the default, or the configured one (OMNIGEN_MODEL_*, set by the
    CDK app from cdk.json; possibly a pinned `owner/name:version`); and, under `video_end_frame`,
    the end-frame companion when the video model uses one (`omnigen.video_models.video_setup`)."""
    given = {k: v for k, v in (models or {}).items() if v}
    chosen = {**DEFAULT_MODELS, **{k: v for k, v in given.items() if k != END_FRAME_KEY}}
    unknown = set(chosen) - set(CAPABILITIES)
    if unknown:
        raise ConfigError(f"OMNIGEN_MODEL_*: no capability {sorted(unknown)}; use {', '.join(CAPABILITIES)}")
    companion = check_video_setup(given).end_frame_model
    if companion:
        chosen[END_FRAME_KEY] = companion
    return chosen


def check_price_table(models: Mapping[str, str]) -> None:
    """Every model has a price and a timeout, so no call is made that could not be billed or
    bounded. Raises ConfigError naming each that has not."""
    from omnigen.pricing import PRICING_FILE, load_prices

    table = load_prices()
    missing = []
    for capability, model in models.items():
        try:
            table.price(model)
        except KeyError:
            missing.append(f"{capability}: {model}")
    if missing:
        raise ConfigError(
            f"no price and timeout for {', '.join(missing)}; add each under replicate.prices in {PRICING_FILE} "
            "(its Replicate price, a typical latency and a timeout_s) or configure a model that has one"
        )


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
    m = chosen_models(models)
    check_price_table({**m, "keyframes": KEYFRAME_MODEL})
    runner = ReplicateRunner(api_token, base_url, webhook_url, timeouts_s=timeouts_s, poll_interval_s=poll_interval_s)
    return ReplicateProviders(
        script=GPT4oScriptWriter(runner, model=m["script"]),
        video=ReplicateSceneRenderer(runner, model=m["video"], end_frame_model=m.get(END_FRAME_KEY)),
        music=MiniMaxMusic(runner, model=m["music"]),
        voice=MiniMaxVoice(runner, voice_id=voice_id, model=m["voice"]),
        runner=runner,
        keyframes=FluxKeyframes(runner),
    )
