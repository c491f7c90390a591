"""Choose an adapter per capability from the settings (`OMNIGEN_PROVIDERS`)."""

from __future__ import annotations

from omnigen.config import Settings
from omnigen.providers.ports import Providers


def build_providers(settings: Settings) -> Providers:
    spec = settings.providers
    remote = None
    if spec.uses("replicate"):
        from omnigen.providers.replicate.factory import build_replicate_providers

        remote = build_replicate_providers(
            api_token=settings.replicate_api_token,
            base_url=settings.replicate_base_url,
            webhook_url=settings.webhook_url,
            models=settings.models,
        )

    def pick(capability: str, local_factory):  # type: ignore[no-untyped-def]
        if getattr(spec, capability) == "replicate":
            return getattr(remote, capability)
        return local_factory()

    from omnigen.providers.local.music import LocalMusic
    from omnigen.providers.local.scene_renderer import LocalSceneRenderer
    from omnigen.providers.local.script_writer import LocalScriptWriter
    from omnigen.providers.local.voice import LocalVoice

    providers = Providers(
        script=pick("script", LocalScriptWriter),
        video=pick("video", LocalSceneRenderer),
        music=pick("music", LocalMusic),
        voice=pick("voice", LocalVoice),
    )
    if remote is not None:
        providers.cancel_prediction = remote.runner.cancel
    # keyframes feed the video model: they come from the same place
    if spec.video == "replicate" and remote is not None:
        providers.keyframes = remote.keyframes
    else:
        from omnigen.providers.local.keyframes import LocalKeyframes

        providers.keyframes = LocalKeyframes()
    return providers
