"""The four Replicate adapters, driven through the real `replicate` client against the local fake
of Replicate's HTTP API: what each sends (the documented input schema, nothing else), what it
makes of what comes back (real media on disk), and what it bills."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SHARED_BRIEFS
from fake_replicate import TOKEN, FakeReplicate
from fake_replicate.scripts import chat_reply, script_for
from fake_replicate.testing import Recorder, png

from omnigen.brief import Brief, load_brief
from omnigen.media.ffmpeg import probe
from omnigen.pricing import load_prices
from omnigen.providers.ports import MusicRequest, ProviderError, SceneRequest, VoiceRequest
from omnigen.providers.replicate import music, script, video, voice
from omnigen.providers.replicate.factory import ReplicateProviders, build_replicate_providers
from omnigen.script import Scene, Script

KLING = "kwaivgi/kling-v2.5-turbo-pro"


@pytest.fixture
def fake() -> Iterator[FakeReplicate]:
    with FakeReplicate(scale=0.1) as f:
        yield f


@pytest.fixture
def providers(fake: FakeReplicate) -> Iterator[ReplicateProviders]:
    p = build_replicate_providers(TOKEN, fake.base_url, poll_interval_s=0.02)
    yield p
    p.runner.close()


@pytest.fixture
def brief() -> Brief:
    return load_brief(SHARED_BRIEFS / "psoriasis_30s.yaml")


def created_inputs(fake: FakeReplicate, model: str) -> list[dict]:
    return [p.input for p in fake.created(model)]


def test_models_match_the_price_table():
    table = load_prices()
    assert table.model_for("script") == script.MODEL
    assert table.model_for("video") == video.MODEL
    assert table.model_for("music") == music.MODEL
    assert table.model_for("voice") == voice.MODEL


# --- script (GPT-4o) ----------------------------------------------------------------------------


def test_script_reply_in_prose_is_extracted_validated_and_billed(fake, providers, brief):
    rec = Recorder()
    result = providers.script.write(brief, rec.ctx())
    assert isinstance(result, Script)
    assert abs(result.duration_s - brief.duration_s) < 0.05
    assert all(s.duration_s <= script.MAX_SCENE_S for s in result.scenes)
    (sent,) = created_inputs(fake, script.MODEL)
    assert set(sent) == {"prompt", "system_prompt", "max_completion_tokens", "temperature"}
    assert brief.product.brand_name in sent["prompt"] and "<brief>" in sent["prompt"]
    (call,) = rec.calls
    assert call.capability == "script" and call.model == script.MODEL
    assert call.prediction_id == fake.created(script.MODEL)[0].id
    assert call.cost_usd > 0 and call.predict_time_s is not None


def test_the_system_prompt_sent_states_the_checkers_meaning_and_reading_rules(fake, providers, brief):
    """What GPT-4o is told is what the checker holds it to: alternatives joined with "or",
    qualifiers kept, and the policy's own reading-time numbers (not a copy of them)."""
    from omnigen.compliance.policy import default_policy

    providers.script.write(brief, Recorder().ctx())
    (sent,) = created_inputs(fake, script.MODEL)
    text = sent["system_prompt"]
    policy = default_policy()
    assert '"or", never "and"' in text and "qualifier" in text and "%(" not in text
    assert f"at least {policy.text_min_s:g} seconds" in text
    assert f"{policy.text_s_per_word:g} seconds for each word" in text


def test_invalid_script_is_asked_again_once_with_the_errors(fake, providers, brief):
    broken = script_for(brief)
    del broken["scenes"][1]["purpose"]
    fake.script_replies.append(chat_reply(broken))
    result = providers.script.write(brief, Recorder().ctx())
    assert isinstance(result, Script)
    first, second = created_inputs(fake, script.MODEL)
    assert "<reply>" not in first["prompt"]
    assert "<reply>" in second["prompt"] and "scenes.1.purpose" in second["prompt"]


def test_script_still_invalid_after_the_reask_fails_naming_the_model(fake, providers, brief):
    fake.script_replies.extend(["Sorry, I cannot help with that.", "Still no JSON here."])
    rec = Recorder()
    with pytest.raises(ProviderError, match="openai/gpt-4o did not produce a valid script") as err:
        providers.script.write(brief, rec.ctx())
    assert "JSON" in str(err.value)
    assert len(fake.created(script.MODEL)) == 2 and len(rec.calls) == 2  # both calls were billed


def test_compliance_feedback_and_product_image_reach_the_model(fake, providers, brief, tmp_path):
    image = png(tmp_path / "pack.png")
    brief = brief.model_copy(update={"product": brief.product.model_copy(update={"image": str(image)})})
    feedback = ["major_statement: the risk 'serious infections' is not spoken"]
    providers.script.write(brief, Recorder().ctx(), feedback)
    (sent,) = created_inputs(fake, script.MODEL)
    assert feedback[0] in sent["prompt"]
    assert sent["image_input"][0].startswith("data:image/png;base64,")
    assert str(image) not in sent["prompt"]  # a local path means nothing to the model


@pytest.mark.parametrize(
    "reply",
    [
        'Sure!\n```json\n{"title": "T", "scenes": []}\n```\nDone.',
        '```\n{"title": "T", "scenes": []}\n```',
        'Here you go: {"title": "T {braces} in text", "scenes": []} — enjoy.',
        '{"note": "not this"} is wrong; I meant ```json\n{"title": "T", "scenes": []}\n```',
    ],
)
def test_json_is_found_in_fenced_or_bare_replies(reply):
    assert script.extract_json(reply)["title"].startswith("T")


def test_no_json_in_reply_is_an_error():
    with pytest.raises(ValueError, match="no JSON"):
        script.extract_json("I would rather not. {unbalanced")


def test_repair_scales_a_small_duration_miss_and_drops_stray_fields(brief):
    data = script_for(brief)
    data["scenes"][0]["extra_field"] = 1
    data["scenes"][0]["continues_previous"] = True
    data["scenes"][0]["duration_s"] += 1.0  # a model's rounding: 31 s for a 30 s ad
    fixed, notes = script.repair(data, 30.0)
    result = Script.model_validate(fixed)
    assert abs(result.duration_s - 30.0) < 0.05 and not result.scenes[0].continues_previous
    assert len(notes) == 3


def test_text_under_an_unknown_name_is_reasked_not_dropped(brief):
    data = script_for(brief)
    data["scenes"][1]["narration"] = data["scenes"][1].pop("voiceover") or "Some words."
    fixed, _ = script.repair(data, 30.0)
    assert any("scenes.1.narration" in p for p in script.problems(fixed, brief))


def test_scenes_longer_than_a_clip_are_split_into_continuing_shots():
    scenes = [
        {"index": 1, "duration_s": 6, "purpose": "hook", "shot": "a"},
        {
            "index": 2,
            "duration_s": 24,
            "purpose": "major_statement",
            "shot": "b",
            "voiceover": "One. Two two. Three three three. Four.",
        },
    ]
    fixed, _ = script.repair({"title": "t", "scenes": scenes}, 30.0)
    result = Script.model_validate(fixed)
    assert [s.duration_s for s in result.scenes] == [6, 8, 8, 8]
    assert [s.continues_previous for s in result.scenes] == [False, False, True, True]
    assert [s.purpose for s in result.scenes[1:]] == ["major_statement"] * 3
    assert " ".join(s.voiceover for s in result.scenes[1:]) == "One. Two two. Three three three. Four."


def test_a_big_duration_miss_is_reported_not_rescaled(brief):
    data = script_for(brief)
    for s in data["scenes"]:
        s["duration_s"] = 1.0
    fixed, _ = script.repair(data, 30.0)
    assert any("add up to" in p for p in script.problems(fixed, brief))


# --- video (Kling) ------------------------------------------------------------------------------


def scene_req(seconds: float, start_image: Path | None = None, aspect: str = "16:9") -> SceneRequest:
    scene = Scene(
        index=2,
        duration_s=seconds,
        purpose="benefit",
        shot="A gardener smiles at her roses",
        camera="slow dolly in",
        mood="hopeful",
    )
    return SceneRequest(
        scene=scene,
        style="warm, cinematic",
        width=640,
        height=360,
        aspect_ratio=aspect,
        start_image=start_image,
        seed=7,
    )


@pytest.mark.parametrize(("seconds", "clip"), [(3.3, 5), (5.0, 5), (7.5, 10), (12.0, 10)])
def test_kling_gets_the_shortest_clip_covering_the_scene_and_no_seed(fake, providers, tmp_path, seconds, clip):
    rec = Recorder()
    out = providers.video.render(scene_req(seconds), tmp_path / "scene.mp4", rec.ctx())
    (sent,) = created_inputs(fake, KLING)
    assert set(sent) == {"prompt", "negative_prompt", "duration", "aspect_ratio"}
    assert sent["duration"] == clip and sent["aspect_ratio"] == "16:9"
    assert "gardener" in sent["prompt"] and "warm, cinematic" in sent["prompt"] and "dolly" in sent["prompt"]
    info = probe(out)
    assert info.video is not None and abs(info.duration_s - clip) < 0.1
    (call,) = rec.calls
    assert call.cost_usd == pytest.approx(0.07 * clip)


def test_a_start_image_of_the_ads_shape_goes_as_it_is_as_a_data_uri(fake, providers, tmp_path):
    frame = png(tmp_path / "last.png", (320, 180))  # a previous scene's 16:9 last frame
    out = providers.video.render(scene_req(5, frame, aspect="16:9"), tmp_path / "s.mp4", Recorder().ctx())
    (sent,) = created_inputs(fake, KLING)
    assert sent["start_image"].startswith("data:image/png;base64,")  # not re-encoded: already the frame's shape
    v = probe(out).video
    assert v is not None and v.width > v.height


def test_a_start_image_of_another_shape_is_letterboxed_to_the_ads_frame(fake, providers, tmp_path):
    """Kling follows the start image's shape, not aspect_ratio: a square packshot would make a
    square clip, pillarboxed in a 16:9 ad. The adapter fits it to the ad's frame first (whole,
    on its own border colour), so the clip comes back 16:9."""
    pack = png(tmp_path / "pack.png", (400, 400))
    out = providers.video.render(scene_req(5, pack, aspect="16:9"), tmp_path / "s.mp4", Recorder().ctx())
    (sent,) = created_inputs(fake, KLING)
    assert sent["start_image"].startswith("data:image/jpeg;base64,")
    v = probe(out).video
    assert v is not None and v.width > v.height


def test_large_start_image_is_uploaded_through_the_files_api(fake, providers, tmp_path):
    big = png(tmp_path / "product.png", (1280, 720), noise=True)  # the ad's shape, over 1 MB
    assert big.stat().st_size > 1_000_000
    providers.video.render(scene_req(5, big), tmp_path / "s.mp4", Recorder().ctx())
    (sent,) = created_inputs(fake, KLING)
    assert sent["start_image"].startswith(fake.base_url + "/v1/files/")
    assert fake.count("POST", "/v1/files") == 1


def test_output_is_copied_at_once(fake, providers, tmp_path):
    out = providers.video.render(scene_req(5), tmp_path / "s.mp4", Recorder().ctx())
    fake.outputs.clear()  # Replicate deletes outputs after an hour
    assert probe(out).video is not None


def test_a_download_that_is_not_a_video_is_a_clear_error(tmp_path):
    bogus = tmp_path / "out.mp4"
    bogus.write_text("<html>Access denied</html>")
    with pytest.raises(ProviderError, match=r"not a video for scene 4 \(prediction abc\)"):
        video.ReplicateSceneRenderer._check_video(bogus, 4, "abc")


# --- music (MiniMax Music 2.6 instrumental; 1.5 selectable) ------------------------------------


@pytest.mark.parametrize("mood", ["", "calm", "uplifting acoustic " * 140])
def test_the_default_bed_uses_the_instrumental_mode_and_no_lyrics(fake, providers, tmp_path, mood):
    rec = Recorder()
    out = providers.music.compose(MusicRequest(prompt=mood, duration_s=30), tmp_path / "music.wav", rec.ctx())
    assert music.MODEL == "minimax/music-2.6" and providers.music.instrumental
    (sent,) = created_inputs(fake, music.MODEL)
    assert sent["is_instrumental"] is True and "lyrics" not in sent
    assert 10 <= len(sent["prompt"]) <= 2000 and "instrumental" in sent["prompt"]
    assert out.suffix == ".mp3" and probe(out).audio is not None
    assert rec.calls[0].cost_usd == pytest.approx(load_prices().price(music.MODEL).usd_per_unit)


@pytest.mark.parametrize("mood", ["", "calm", "uplifting acoustic " * 40])
def test_music_15_stays_selectable_with_only_its_documented_section_tags(fake, tmp_path, mood):
    p = build_replicate_providers(TOKEN, fake.base_url, poll_interval_s=0.02, models={"music": music.SONG_MODEL})
    rec = Recorder()
    out = p.music.compose(MusicRequest(prompt=mood, duration_s=30), tmp_path / "music.wav", rec.ctx())
    assert not p.music.instrumental
    (sent,) = created_inputs(fake, music.SONG_MODEL)
    assert 10 <= len(sent["prompt"]) <= 300 and "instrumental" in sent["prompt"]
    assert 10 <= len(sent["lyrics"]) <= 600
    tags = set(sent["lyrics"].split("\n"))
    assert tags <= {"[intro]", "[verse]", "[chorus]", "[bridge]", "[outro]"}  # its schema's list, no words
    assert out.suffix == ".mp3" and rec.calls[0].cost_usd == pytest.approx(0.03)
    p.runner.close()


# --- voice (MiniMax Speech-02 Turbo) ------------------------------------------------------------


def test_each_line_is_one_request_and_comes_back_as_wav(fake, providers, tmp_path):
    rec = Recorder()
    lines = ["Veltrexa may cause serious infections.", "Ask your healthcare provider about Veltrexa today, please."]
    outs = [providers.voice.speak(VoiceRequest(text=t), tmp_path / f"l{n}.wav", rec.ctx()) for n, t in enumerate(lines)]
    sent = created_inputs(fake, voice.MODEL)
    assert [s["text"] for s in sent] == lines
    assert all(s["audio_format"] == "wav" and s["voice_id"] for s in sent)
    durations = [probe(o).duration_s for o in outs]
    assert all(o.suffix == ".wav" for o in outs) and durations[1] > durations[0]  # length follows the text
    assert [c.cost_usd for c in rec.calls] == pytest.approx([len(t) / 1000 * 0.03 for t in lines])


def test_non_wav_speech_is_converted_to_wav(fake, providers, tmp_path):
    fake.speech_format = "mp3"  # a model version that ignores audio_format
    out = providers.voice.speak(VoiceRequest(text="Ask your doctor."), tmp_path / "l.wav", Recorder().ctx())
    assert out.read_bytes()[:4] == b"RIFF"
    a = probe(out).audio
    assert a is not None and a.codec == "pcm_s16le"


def test_prompts_are_plain_json_serialisable(providers, brief):
    json.dumps(providers.music.inputs(MusicRequest(prompt="x", duration_s=60)))
    json.dumps(providers.voice.inputs(VoiceRequest(text="x")))
    json.dumps(providers.video.inputs(scene_req(5)))
