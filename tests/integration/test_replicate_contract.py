"""The Replicate contract (issue 11, "the tests that catch this class"): each model's published
schema kept as a fixture, the fake validating every request against it and rejecting what the
real API rejects, and the adapters' requests valid against the schema of every model they can be
configured with — through the real `replicate` client."""

from __future__ import annotations

import base64
import json
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fake_replicate import TOKEN, FakeReplicate
from fake_replicate.contracts import FIXTURES, contract, contracts
from fake_replicate.testing import Recorder, png
from replicate.exceptions import ReplicateError
from test_model_config import configured_models

from omnigen.providers.ports import MusicRequest, ProviderError, SceneRequest
from omnigen.providers.replicate import music
from omnigen.providers.replicate.client import ReplicateRunner
from omnigen.providers.replicate.doctor import sample_requests
from omnigen.providers.replicate.factory import build_replicate_providers
from omnigen.script import Scene

KLING = "kwaivgi/kling-v2.5-turbo-pro"
END_FRAME_KLING = "kwaivgi/kling-v2.1"
SONG = "minimax/music-1.5"
OLD_MUSIC_01_INPUTS = ["song_file", "voice_file", "instrumental_file", "voice_id", "instrumental_id"]


@pytest.fixture
def fake() -> Iterator[FakeReplicate]:
    with FakeReplicate(scale=0.1) as f:
        yield f


def runner(fake: FakeReplicate, **kw: object) -> ReplicateRunner:
    kw.setdefault("poll_interval_s", 0.02)
    kw.setdefault("lookup_settle_s", 0.05)
    return ReplicateRunner(TOKEN, fake.base_url, **kw)  # type: ignore[arg-type]


# --- the fixtures ---------------------------------------------------------------------------------


def test_every_model_the_adapters_can_call_has_a_published_schema_fixture():
    models = {m.split(":")[0] for where in configured_models().values() for m in where} | {SONG}
    assert models <= set(contracts()), f"no schema fixture for {sorted(models - set(contracts()))}"


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.stem)
def test_each_fixture_names_its_source_and_date_and_is_an_openapi_model_object(path):
    data = json.loads(path.read_text())
    src = data["_source"]
    assert src["retrieved"] and src["pages"] and src["how"]
    assert all("://" in page or page.startswith("github.com/") for page in src["pages"])
    schemas = data["latest_version"]["openapi_schema"]["components"]["schemas"]
    assert schemas["Input"]["type"] == "object" and schemas["Input"]["properties"]
    assert "type" in schemas["Output"]


@pytest.mark.parametrize(
    "models",
    [{}, {"music": SONG, "voice": "minimax/speech-02-hd"}, {"video": END_FRAME_KLING}],
    ids=["defaults", "cdk-and-song-model", "end-frame-video-model"],
)
def test_every_request_the_adapters_send_is_valid_against_the_published_schema(models):
    p = build_replicate_providers(TOKEN, "http://127.0.0.1:9", models=models)
    chosen = {"script": p.script.model, "video": p.video.model, "music": p.music.model, "voice": p.voice.model}
    chosen["keyframes"] = p.keyframes.model  # FLUX-schnell, checked against its fixture like the rest
    if p.video.setup.end_frame_model:  # the end-frame companion's request, against its own fixture
        chosen["video_end_frame"] = p.video.setup.end_frame_model
    with tempfile.TemporaryDirectory() as tmp:
        for capability, requests in sample_requests(p, Path(tmp)).items():
            for label, inputs in requests:
                _, problems = contract(chosen[capability]).check(inputs)
                assert problems == [], f"{chosen[capability]} {label}: {problems}"
    p.runner.close()


# --- the fake rejects what Replicate rejects -------------------------------------------------------


def test_music_15_inputs_its_schema_does_not_declare_are_rejected(fake):
    """The inputs of the older minimax/music-01 are not music-1.5's (item 20)."""
    r = runner(fake)
    inputs = {"prompt": "calm piano, instrumental", "lyrics": "[intro]\n[outro]"}
    inputs |= {k: "x" for k in OLD_MUSIC_01_INPUTS}
    with pytest.raises(ReplicateError) as err:
        r.client.models.predictions.create(model=SONG, input=inputs)
    assert err.value.status == 422 and err.value.title == "Input validation failed"
    for name in OLD_MUSIC_01_INPUTS:
        assert f"input.{name}: Additional property {name} is not allowed" in (err.value.detail or "")
    assert fake.created() == []


def test_replicate_itself_drops_undeclared_inputs_and_the_fake_can_too():
    with FakeReplicate(scale=0.1, unknown_inputs="ignore") as f:
        r = runner(f)
        pred = r.client.models.predictions.create(
            model=SONG, input={"prompt": "calm piano", "lyrics": "[intro]\n[outro]", "voice_id": "x"}
        )
        assert pred.status == "starting"
        assert "voice_id" not in f.created(SONG)[0].input


@pytest.mark.parametrize(
    ("model", "inputs", "field"),
    [
        (KLING, {"prompt": "a rose", "duration": 7}, "input.duration"),
        (KLING, {"prompt": "a rose", "aspect_ratio": "4:3"}, "input.aspect_ratio"),
        (KLING, {"negative_prompt": "text"}, "input"),
        ("minimax/speech-02-turbo", {"text": "Hi.", "speed": 3}, "input.speed"),
        ("minimax/speech-02-turbo", {"text": "Hi.", "emotion": "excited"}, "input.emotion"),
        ("minimax/music-2.6", {"prompt": "calm", "is_instrumental": "yes"}, "input.is_instrumental"),
    ],
)
def test_values_outside_the_schema_get_replicates_422(fake, model, inputs, field):
    with pytest.raises(ReplicateError) as err:
        runner(fake).client.models.predictions.create(model=model, input=inputs)
    assert err.value.status == 422
    assert f"- {field}" in (err.value.detail or "")


def test_requests_the_api_refuses_are_refused(fake):
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=fake.base_url, headers=headers) as http:
        pinned_path = http.post(f"/v1/models/{KLING}:{'a' * 64}/predictions", json={"input": {"prompt": "x"}})
        unknown = http.post("/v1/models/nobody/no-model/predictions", json={"input": {"prompt": "x"}})
        bad_version = http.post("/v1/predictions", json={"version": "b" * 64, "input": {"prompt": "x"}})
        extra = http.post(f"/v1/models/{KLING}/predictions", json={"input": {"prompt": "x"}, "signal": {}})
        no_token = httpx.post(f"{fake.base_url}/v1/models/{KLING}/predictions", json={"input": {"prompt": "x"}})
    assert pinned_path.status_code == 404 and unknown.status_code == 404
    assert bad_version.status_code == 422 and bad_version.json()["title"] == "Invalid version or not permitted"
    assert extra.status_code == 422 and "Additional property signal is not allowed" in extra.json()["detail"]
    assert no_token.status_code == 401
    assert fake.created() == []


def test_new_predictions_are_queued_in_starting_and_the_models_endpoint_serves_the_schema(fake):
    fake.queue_s = 0.5
    r = runner(fake)
    pred = r.client.models.predictions.create(model=KLING, input={"prompt": "a rose garden"})
    assert pred.status == "starting" and r.get(pred.id).status == "starting"
    served = r.client._request("GET", f"/v1/models/{KLING}").json()
    assert served["latest_version"]["openapi_schema"] == contract(KLING).openapi and "_source" not in served
    version = served["latest_version"]["id"]
    assert r.client._request("GET", f"/v1/models/{KLING}/versions/{version}").json()["id"] == version


# --- item 14: pinned versions ----------------------------------------------------------------------


def test_a_pinned_version_runs_through_predictions_create_with_its_version(fake, tmp_path):
    version = contract(KLING).version_id
    p = build_replicate_providers(TOKEN, fake.base_url, poll_interval_s=0.02, models={"video": f"{KLING}:{version}"})
    scene = Scene(index=1, duration_s=5, purpose="hook", shot="A rose garden at dawn")
    rec = Recorder()
    out = p.video.render(SceneRequest(scene=scene, width=320, height=180), tmp_path / "s.mp4", rec.ctx())
    assert out.stat().st_size > 0
    creates = [r for r in fake.requests if r["method"] == "POST" and r["path"].endswith("/predictions")]
    assert [r["path"] for r in creates] == ["/v1/predictions"] and creates[0]["json"]["version"] == version
    (pred,) = fake.created(KLING)
    assert pred.version == version and rec.calls[0].model == f"{KLING}:{version}" and rec.calls[0].cost_usd == 0.35
    with pytest.raises(ValueError):  # why: the models endpoint of replicate-python 1.0.x refuses versions
        p.runner.client.models.predictions.create(model=f"{KLING}:{version}", input={"prompt": "x"})
    p.runner.close()


def test_a_pinned_version_replicate_does_not_know_is_a_clear_error(fake):
    with pytest.raises(ProviderError, match=r"rejected the input.*HTTP 422.*does not exist"):
        runner(fake).run(f"{KLING}:{'c' * 64}", {"prompt": "x"}, Recorder().ctx(), what="rendering scene 1")


# --- item 15: aborted ------------------------------------------------------------------------------


def test_an_aborted_prediction_is_a_retryable_failure_not_a_parse_error(fake):
    fake.abort_next(KLING)
    with pytest.raises(ProviderError, match="aborted by Replicate before it started") as err:
        runner(fake).run(KLING, {"prompt": "a rose"}, Recorder().ctx(), what="rendering scene 2")
    assert err.value.retryable
    (pred,) = fake.created(KLING)
    assert pred.status == "aborted"


def test_the_replicate_client_itself_cannot_parse_aborted(fake):
    """Why the runner reads predictions with its own parser (replicate 1.0.x)."""
    from replicate.prediction import Prediction

    fake.abort_next(KLING)
    r = runner(fake)
    created = r.client.models.predictions.create(model=KLING, input={"prompt": "x"})
    while r.get(created.id).status != "aborted":
        time.sleep(0.02)
    with pytest.raises(Exception, match="status"):
        Prediction(**r.client._request("GET", f"/v1/predictions/{created.id}").json())


def test_the_models_timeout_goes_as_cancel_after_and_replicate_aborts_a_prediction_queued_past_it():
    with FakeReplicate(scale=0.1, queue_s=3.0) as f:
        r = runner(f, timeouts_s={KLING: 5})
        with pytest.raises(ProviderError, match="aborted"):
            r.run(KLING, {"prompt": "a rose"}, Recorder().ctx(), what="rendering scene 2")
        (create,) = [x for x in f.requests if x["method"] == "POST" and x["path"].endswith("/predictions")]
        assert create["headers"]["Cancel-After"] == "5s"


# --- item 18: create retried only when nothing was created -----------------------------------------


CREATES = r"/v1/models/[^/]+/[^/]+/predictions"


@pytest.mark.parametrize("failure", [502, 504, "drop"])
def test_a_create_that_failed_after_making_the_prediction_is_found_not_repeated(fake, failure):
    fake.fail_after_create_next(1, failure)
    done = runner(fake).run(KLING, {"prompt": "a rose"}, Recorder().ctx(), what="rendering scene 3")
    (pred,) = fake.created(KLING)  # one prediction, billed once
    assert done.id == pred.id and pred.status == "succeeded"
    assert fake.count("POST", CREATES) == 1 and fake.count("GET", "/v1/predictions") >= 1


def test_a_503_with_retry_after_is_retried_without_looking(fake):
    fake.server_error_next(2, status=503, retry_after="1")
    runner(fake, sleep=lambda s: None).run(KLING, {"prompt": "a rose"}, Recorder().ctx(), what="a scene")
    assert fake.count("POST", CREATES) == 3 and fake.count("GET", "/v1/predictions") == 0
    assert len(fake.created(KLING)) == 1


def test_a_5xx_that_created_nothing_is_looked_for_then_created_again(fake):
    fake.server_error_next(1, status=500)
    runner(fake, sleep=lambda s: None).run(KLING, {"prompt": "a rose"}, Recorder().ctx(), what="a scene")
    assert fake.count("GET", "/v1/predictions") == 1 and fake.count("POST", CREATES) == 2
    assert len(fake.created(KLING)) == 1


def test_when_replicate_cannot_be_asked_nothing_is_created_again(fake):
    fake.fail_after_create_next(1, 502)
    fake.list_errors_next = 100
    with pytest.raises(ProviderError, match="not starting another") as err:
        runner(fake).run(KLING, {"prompt": "a rose"}, Recorder().ctx(), what="a scene")
    assert err.value.retryable and fake.count("POST", CREATES) == 1


def test_a_look_up_never_adopts_another_calls_prediction(fake):
    r = runner(fake)
    first = r.run(KLING, {"prompt": "a rose"}, Recorder().ctx(), what="scene 1")
    fake.server_error_next(1, status=500)  # nothing made; the list holds scene 1's identical request
    second = r.run(KLING, {"prompt": "a rose"}, Recorder().ctx(), what="scene 2")
    assert first.id != second.id and len(fake.created(KLING)) == 2


# --- the bed ---------------------------------------------------------------------------------------


def test_the_default_bed_is_asked_of_an_instrumental_route(fake, tmp_path):
    p = build_replicate_providers(TOKEN, fake.base_url, poll_interval_s=0.02)
    p.music.compose(MusicRequest(prompt="warm acoustic guitar", duration_s=30), tmp_path / "m.wav", Recorder().ctx())
    (pred,) = fake.created()
    assert pred.model == music.MODEL and pred.input["is_instrumental"] is True
    assert "is_instrumental" in contract(music.MODEL).input_schema["properties"]
    assert "is_instrumental" not in contract(SONG).input_schema["properties"]  # 1.5 has no such mode
    p.runner.close()


def test_a_scene_from_the_product_image_gets_a_frame_of_the_ads_shape(fake, tmp_path):
    p = build_replicate_providers(TOKEN, fake.base_url, poll_interval_s=0.02)
    pack = png(tmp_path / "pack.png", (500, 500))
    scene = Scene(index=6, duration_s=4, purpose="brand_close", shot="The pen on a table", shows_product=True)
    req = SceneRequest(scene=scene, width=360, height=640, aspect_ratio="9:16", start_image=pack)
    inputs = p.video.inputs(req, tmp_path)
    from PIL import Image

    with Image.open(inputs["start_image"]) as im:
        assert im.size == (360, 640)
        assert im.getpixel((180, 20)) == im.getpixel((180, 620))  # bars above and below, not a crop
    p.runner.close()


# --- the video models: each one's inputs against its own published schema ---------------------------


def _scene_request(tmp_path: Path, *, start: bool = True, end: bool = False) -> SceneRequest:
    scene = Scene(index=3, duration_s=6.2, purpose="benefit", shot="She kneels by the roses")
    first = png(tmp_path / "key3.png", (640, 360)) if start else None
    last = png(tmp_path / "key4.png", (640, 360)) if end else None
    return SceneRequest(scene=scene, width=1280, height=720, aspect_ratio="16:9", start_image=first, end_image=last)


def test_the_end_frame_model_gets_its_end_image_in_pro_mode_and_nothing_its_schema_lacks(tmp_path):
    p = build_replicate_providers(TOKEN, "http://127.0.0.1:9", models={"video": END_FRAME_KLING})
    assert p.video.end_frame and p.video.start_frame_required and p.video.clip_seconds == (5, 10)
    inputs = p.runner.materialize(p.video.inputs(_scene_request(tmp_path, end=True), tmp_path))
    assert inputs["mode"] == "pro" and inputs["duration"] == 10  # a 6.2 s scene on the 5/10 s grid
    assert inputs["start_image"].startswith("data:image/") and inputs["end_image"].startswith("data:image/")
    assert "aspect_ratio" not in inputs  # v2.1 has none: the clip takes the start frame's shape
    _, problems = contract(END_FRAME_KLING).check(inputs)
    assert problems == []
    # the same request on the default deployment goes to its end-frame companion (Kling v2.1),
    # with v2.1's inputs; a request without an end frame stays on Kling v2.5 with v2.5's
    default = build_replicate_providers(TOKEN, "http://127.0.0.1:9")
    assert default.video.model_for(_scene_request(tmp_path, end=True)) == END_FRAME_KLING
    ending = default.runner.materialize(default.video.inputs(_scene_request(tmp_path, end=True), tmp_path))
    assert ending["mode"] == "pro" and "end_image" in ending and contract(END_FRAME_KLING).check(ending)[1] == []
    plain = default.runner.materialize(default.video.inputs(_scene_request(tmp_path), tmp_path))
    assert "mode" not in plain and "end_image" not in plain and plain["aspect_ratio"] == "16:9"
    assert contract(KLING).check(plain)[1] == []
    # with the companion off, v2.5's schema has no end frame, so the adapter refuses the end image
    # rather than send an input Replicate would silently ignore
    alone = build_replicate_providers(TOKEN, "http://127.0.0.1:9", models={"video_end_frame": "none"})
    with pytest.raises(ProviderError, match="takes no end frame"):
        alone.video.inputs(_scene_request(tmp_path, end=True), tmp_path)
    for providers in (p, default, alone):
        providers.runner.close()


def test_the_end_frame_model_refuses_a_scene_without_a_start_frame(tmp_path):
    p = build_replicate_providers(TOKEN, "http://127.0.0.1:9", models={"video": END_FRAME_KLING})
    with pytest.raises(ProviderError, match="needs a start frame"):
        p.video.inputs(_scene_request(tmp_path, start=False), tmp_path)
    p.runner.close()


@pytest.mark.parametrize(
    ("model", "inputs", "field"),
    [
        (END_FRAME_KLING, {"prompt": "a rose"}, "input"),  # start_image is required
        (END_FRAME_KLING, {"prompt": "a rose", "start_image": "data:,x", "mode": "master"}, "input.mode"),
        (END_FRAME_KLING, {"prompt": "a rose", "start_image": "data:,x", "aspect_ratio": "16:9"}, "input.aspect_ratio"),
        (END_FRAME_KLING, {"prompt": "a rose", "start_image": "data:,x", "last_image": "data:,y"}, "input.last_image"),
        (KLING, {"prompt": "a rose", "end_image": "data:,y"}, "input.end_image"),
    ],
    ids=["no-start", "bad-mode", "no-aspect-input", "wrong-end-name", "v25-has-no-end"],
)
def test_wrong_video_inputs_get_replicates_422(fake, model, inputs, field):
    with pytest.raises(ReplicateError) as err:
        runner(fake).client.models.predictions.create(model=model, input=inputs)
    assert err.value.status == 422
    assert f"- {field}" in (err.value.detail or "")
    assert fake.created() == []


def test_an_end_image_outside_pro_mode_fails_as_the_model_says(fake):
    """The schema states it in prose ("Last frame of the video (pro mode only)"); the fake fails
    such a prediction, so an adapter that forgot `mode: pro` fails a test."""
    r = runner(fake)
    frame = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    base = {"prompt": "a rose", "start_image": frame, "end_image": frame}
    standard = r.client.models.predictions.create(model=END_FRAME_KLING, input=base)
    pro = r.client.models.predictions.create(model=END_FRAME_KLING, input=base | {"mode": "pro"})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        standard.reload()
        pro.reload()
        if standard.status in ("succeeded", "failed") and pro.status in ("succeeded", "failed"):
            break
        time.sleep(0.05)
    assert standard.status == "failed" and "pro mode" in (standard.error or "")
    assert pro.status == "succeeded" and str(pro.output).endswith(".mp4")


def png_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return png(Path(tmp) / "f.png", (64, 36)).read_bytes()
