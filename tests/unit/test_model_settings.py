"""Pinned model versions from the environment (the CDK app sets them from cdk.json) reach the
Replicate adapters; an unset capability keeps its default model."""

from omnigen.config import load_settings
from omnigen.providers.replicate.factory import build_replicate_providers


def test_pinned_models_reach_the_adapters():
    env = {"OMNIGEN_MODEL_VIDEO": "kwaivgi/kling-v2.5-turbo-pro:0123abcd", "REPLICATE_API_TOKEN": "r8_x"}
    settings = load_settings(env)
    assert settings.models == {"video": "kwaivgi/kling-v2.5-turbo-pro:0123abcd"}
    providers = build_replicate_providers("r8_x", models=settings.models)
    assert providers.video.model == "kwaivgi/kling-v2.5-turbo-pro:0123abcd"
    assert providers.script.model == "openai/gpt-4o"
