"""Every model a deployment can be configured with has a price and a timeout (issue 11 item 13):
the defaults in the code and the price table, the CDK app's settings and cdk.json's context —
read the way the CDK app reads them — so no call is made that cannot be billed or bounded; and
billing a call never raises after Replicate has charged for it."""

from __future__ import annotations

import json
import logging

import pytest
from conftest import ROOT

from omnigen.config import ConfigError, load_settings
from omnigen.pricing import load_prices
from omnigen.providers.ports import CallContext
from omnigen.providers.replicate.billing import bill
from omnigen.providers.replicate.client import Finished
from omnigen.providers.replicate.factory import DEFAULT_MODELS, build_replicate_providers, check_price_table
from omnigen.video_models import VIDEO_MODELS
from stacks import config as stack_config

CDK_MODEL_KEYS = {"script": "scriptModel", "video": "videoModel", "music": "musicModel", "voice": "voiceModel"}


def cdk_context() -> dict:
    return json.loads((ROOT / "cdk.json").read_text())["context"]


def configured_models() -> dict[str, set[str]]:
    """Every model that can reach the adapters, by where it is configured."""
    context = cdk_context()
    settings = stack_config.Settings.from_context(context.get)
    defaults = stack_config.Settings()
    return {
        "cdk.json": {context[k] for k in (*CDK_MODEL_KEYS.values(), "videoModelEndFrame") if k in context},
        "CDK settings from cdk.json": {getattr(settings, f"{c}_model") for c in CDK_MODEL_KEYS}
        | {settings.video_model_end_frame},
        "CDK settings defaults": {getattr(defaults, f"{c}_model") for c in CDK_MODEL_KEYS}
        | {defaults.video_model_end_frame},
        "adapter defaults": set(DEFAULT_MODELS.values()),
        "price table defaults": set(load_prices().replicate.models.values()),
        "video model descriptions": set(VIDEO_MODELS),
    }


def test_cdk_json_names_a_model_for_every_capability():
    assert set(CDK_MODEL_KEYS.values()) <= set(cdk_context())


@pytest.mark.parametrize("where", sorted(configured_models()))
def test_every_configured_model_has_a_price_and_a_timeout(where):
    table = load_prices()
    for model in sorted(configured_models()[where]):
        price = table.price(model)
        assert price.timeout_s > 0 and price.latency() > 0, f"{where}: {model}"
        assert price.usd_per_unit > 0 or price.input_usd_per_million > 0, f"{where}: {model} costs nothing?"


def test_the_lambdas_get_the_cdk_models_and_the_factory_accepts_them():
    """The CDK app puts each *Model into OMNIGEN_MODEL_* (stacks/functions.py); the Lambdas'
    settings read them back, and the Replicate factory starts with them."""
    settings = stack_config.Settings.from_context(cdk_context().get)
    env = {f"OMNIGEN_MODEL_{c.upper()}": getattr(settings, f"{c}_model") for c in CDK_MODEL_KEYS}
    env["OMNIGEN_MODEL_VIDEO_END_FRAME"] = settings.video_model_end_frame
    loaded = load_settings(env | {"REPLICATE_API_TOKEN": "r8_x"})
    providers = build_replicate_providers("r8_x", models=loaded.models)
    assert providers.voice.model == "minimax/speech-02-hd" and providers.music.model == settings.music_model
    assert providers.video.setup.end_frame_model == settings.video_model_end_frame == "kwaivgi/kling-v2.1"
    assert providers.runner.timeout_for(settings.video_model_end_frame) > 0
    for capability in CDK_MODEL_KEYS:
        assert (
            providers.runner.timeout_for(loaded.models[capability])
            == load_prices().price(loaded.models[capability]).timeout_s
        )
    providers.runner.close()


def test_a_model_without_a_price_stops_the_program_at_start():
    with pytest.raises(ConfigError, match=r"voice: minimax/speech-99.*replicate\.prices"):
        check_price_table({"voice": "minimax/speech-99"})
    with pytest.raises(ConfigError, match="speech-99"):
        build_replicate_providers("r8_x", models={"voice": "minimax/speech-99"})


def test_a_pinned_version_is_priced_and_bounded_as_its_model():
    pinned = "minimax/speech-02-hd:" + "a" * 64
    assert load_prices().price(pinned) == load_prices().price("minimax/speech-02-hd")
    check_price_table({"voice": pinned})


def test_billing_after_a_paid_call_never_raises(caplog):
    """The price table edited under a running process: the call Replicate already charged is
    still recorded (at 0 USD) and the log says what to fix, instead of failing the step."""
    calls = []
    ctx = CallContext(record=calls.append)
    with caplog.at_level(logging.ERROR):
        call = bill(ctx, "voice", Finished(id="p1", model="minimax/speech-99", output=None), 0.5)
    assert calls == [call] and call.cost_usd == 0.0 and call.prediction_id == "p1"
    assert "no price" in caplog.text and "replicate.prices" in caplog.text
    priced = bill(ctx, "voice", Finished(id="p2", model="minimax/speech-02-hd:" + "b" * 64, output=None), 2.0)
    assert priced.cost_usd == pytest.approx(0.2)


@pytest.mark.parametrize("model", ["kwaivgi/kling-v2.1", "kwaivgi/kling-v2.1:" + "c" * 64])
def test_the_end_frame_video_model_is_selectable_by_configuration(model):
    loaded = load_settings({"OMNIGEN_MODEL_VIDEO": model, "REPLICATE_API_TOKEN": "r8_x"})
    providers = build_replicate_providers("r8_x", models=loaded.models)
    assert providers.video.model == model and providers.video.end_frame and providers.video.start_frame_required
    assert stack_config.Settings(video_model=model).video_model == model  # and for the Lambdas
    providers.runner.close()


def test_an_undescribed_video_model_is_refused_at_start_with_the_supported_ones():
    """Its inputs would be guesses (which field takes the end frame? is a start frame required?),
    so the program stops before any job: in the settings, the factory and the CDK app."""
    with pytest.raises(ConfigError, match=r"OMNIGEN_MODEL_VIDEO.*google/veo-3.*kwaivgi/kling-v2\.5-turbo-pro"):
        load_settings({"OMNIGEN_MODEL_VIDEO": "google/veo-3", "REPLICATE_API_TOKEN": "r8_x"})
    with pytest.raises(ConfigError, match=r"kwaivgi/kling-v2\.1"):
        build_replicate_providers("r8_x", models={"video": "google/veo-3"})
    with pytest.raises(ValueError, match=r"cdk\.json context videoModel"):
        stack_config.Settings.from_context({"videoModel": "google/veo-3"}.get)
