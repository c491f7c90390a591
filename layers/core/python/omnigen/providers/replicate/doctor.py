"""`omnigen doctor`: is this configuration ready to run on Replicate?

Checked without a token: every configured model (defaults, OMNIGEN_MODEL_*, the video model's
end-frame companion OMNIGEN_MODEL_VIDEO_END_FRAME) has a price and a timeout in the price table,
and the adapters can build their requests; a companion the video model does not need (it takes
an end frame itself) is said to be ignored. With REPLICATE_API_TOKEN:
the token is accepted (`GET /v1/account`); each model's current schema is read from Replicate
(`GET /v1/models/{owner}/{name}` → `latest_version.openapi_schema`, or the pinned version's) and
every request the adapters would send is checked against it — an input the schema does not
declare is a failure, since Replicate ignores it silently — as is an output shape the adapter
cannot read; and, when webhooks are on, the signing secret (`OMNIGEN_WEBHOOK_SECRET`, or the
account's default, `GET /v1/webhooks/default/secret`). What could not be checked is said plainly.

Exit codes: 0 every check ran and passed; 1 a check failed; 2 the settings could not be read
(a wrong OMNIGEN_* value, from the CLI); 3 nothing failed, but checks that need a token were not
run.
"""

from __future__ import annotations

import base64
import binascii
import json
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from omnigen.config import CAPABILITIES, ConfigError, Settings
from omnigen.providers.ports import KeyframeRequest, MusicRequest, SceneRequest, VoiceRequest
from omnigen.providers.replicate.prediction import base_model, pinned_version
from omnigen.providers.replicate.schema import input_problems, output_kind
from omnigen.video_models import END_FRAME_KEY, video_setup

Status = Literal["ok", "fail", "skip"]
OK, FAILED, INCOMPLETE = 0, 1, 3
EXPECTED_OUTPUT = {
    "script": "text",
    "video": "file",
    END_FRAME_KEY: "file",
    "music": "file",
    "voice": "file",
    "keyframes": "file",
}
CHECKED = (*CAPABILITIES, END_FRAME_KEY, "keyframes")
"""What the doctor checks: each capability's model, the video model's end-frame companion (when
it has one) and the keyframe model that feeds them."""


@dataclass
class Finding:
    status: Status
    check: str
    message: str


def sample_requests(providers: Any, work: Path) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """What each adapter would send, as sent (files as Replicate takes them): a few requests
    per capability covering the inputs it can send (an image, the two speaking rates)."""
    from PIL import Image

    from omnigen.brief import parse_brief
    from omnigen.lines import speaking_rate
    from omnigen.script import Scene

    image = work / "product.png"
    Image.new("RGB", (400, 400), (230, 230, 230)).save(image)
    brief = parse_brief(
        {
            "prompt": "A gardener with psoriasis gets back to her roses",
            "product": {
                "brand_name": "Veltrexa",
                "generic_name": "veltrexamab-abcd",
                "indication": "moderate to severe plaque psoriasis in adults",
                "side_effects": ["serious infections"],
                "phone": "1-800-555-0199",
                "website": "veltrexa.example",
                "print_ad": "See our ad in Health Today magazine",
            },
        }
    )
    runner = providers.runner
    writer = providers.script
    scene = Scene(index=2, duration_s=7.5, purpose="brand_close", shot="The Veltrexa pen on a kitchen table")

    def scene_request(start: Path | None, end: Path | None = None) -> SceneRequest:
        return SceneRequest(
            scene=scene, style="warm", width=1280, height=720, aspect_ratio="16:9", start_image=start, end_image=end
        )

    video = providers.video
    scenes = [("a scene from the product image", scene_request(image))]
    if not video.start_frame_required:  # Kling v2.1's schema requires start_image
        scenes.insert(0, ("a scene from its text", scene_request(None)))
    ending = [("a scene from a keyframe to the next", scene_request(image, image))] if video.end_frame else []
    # continuity keyframes: from its keyframe to the next one, on the model that renders it
    by_model = {"video": scenes, END_FRAME_KEY: []}
    by_model[END_FRAME_KEY if video.setup.end_frame_model else "video"] += ending

    line = "Veltrexa can cause serious infections."
    return {
        "script": [
            ("a first draft", runner.materialize(writer.inputs(writer.prompt_for(brief), []))),
            ("a draft with the product image", runner.materialize(writer.inputs(writer.prompt_for(brief), [image]))),
        ],
        **{
            key: [(label, runner.materialize(video.inputs(req, work))) for label, req in reqs]
            for key, reqs in by_model.items()
            if reqs
        },
        "music": [("a 30 s bed", providers.music.inputs(MusicRequest(prompt="uplifting acoustic", duration_s=30)))],
        "keyframes": [
            (
                f"a {aspect} keyframe",
                providers.keyframes.inputs(
                    KeyframeRequest(scene=scene, style="warm", width=1280, height=720, aspect_ratio=aspect, seed=7)
                ),
            )
            for aspect in ("16:9", "9:16", "1:1")
        ],
        "voice": [
            ("a benefit line", providers.voice.inputs(VoiceRequest(text=line, rate=speaking_rate(False)))),
            ("a major-statement line", providers.voice.inputs(VoiceRequest(text=line, rate=speaking_rate(True)))),
        ],
    }


def _schema_of(request: Callable[[str], Any], model: str) -> tuple[dict[str, Any], str]:
    """(the version's OpenAPI schema, which version) as Replicate serves it now."""
    owner_name = base_model(model)
    version = pinned_version(model)
    if version:
        data = request(f"/v1/models/{owner_name}/versions/{version}")
        return data.get("openapi_schema") or {}, f"pinned version {version[:12]}"
    data = request(f"/v1/models/{owner_name}")
    latest = data.get("latest_version") or {}
    return latest.get("openapi_schema") or {}, f"latest version {str(latest.get('id') or '?')[:12]}"


def _check_secret(settings: Settings, request: Callable[[str], Any] | None) -> Finding:
    if not settings.webhook_url:
        return Finding("skip", "webhook", "OMNIGEN_WEBHOOK_URL is not set: predictions are polled, no secret needed")
    secret = settings.webhook_secret
    if secret:
        prefix, _, key = secret.strip().partition("_")
        try:
            valid = prefix == "whsec" and bool(base64.b64decode(key, validate=True))
        except (binascii.Error, ValueError):
            valid = False
        if not valid:
            return Finding("fail", "webhook", "OMNIGEN_WEBHOOK_SECRET is not a 'whsec_<base64>' key; copy it again")
    if request is None:
        return Finding("skip", "webhook", "the signing secret was not compared with the account's (no token)")
    try:
        account_key = str(request("/v1/webhooks/default/secret").get("key") or "")
    except Exception as err:
        return Finding("fail", "webhook", f"cannot read the account's webhook signing secret: {err}")
    if secret and secret.strip() != account_key:
        return Finding(
            "fail",
            "webhook",
            "OMNIGEN_WEBHOOK_SECRET is not the account's signing secret: every webhook would be refused "
            "(replicate.com/account/webhook)",
        )
    how = "set and matches the account's" if secret else "not set; the receiver fetches the account's on first use"
    return Finding("ok", "webhook", f"signing secret {how}")


def _companion(settings: Settings) -> Finding:
    """What the end-frame companion does in this configuration (used, off, or ignored)."""
    setup = video_setup(settings.models)
    check = "end-frame companion"
    if setup.end_frame_model:
        return Finding(
            "ok",
            check,
            f"{setup.end_frame_model} renders the takes that end on the next keyframe ({setup.model} has "
            "no end-frame input): continuity keyframes and auto render every take at once",
        )
    if setup.ignored_end_frame_model:
        return Finding(
            "ok",
            check,
            f"{setup.ignored_end_frame_model} is ignored: {setup.model} takes an end frame itself",
        )
    if setup.spec.end_frame:
        return Finding("ok", check, f"none needed: {setup.model} takes an end frame itself")
    return Finding(
        "ok",
        check,
        f"off (OMNIGEN_MODEL_VIDEO_END_FRAME=none): {setup.model} has no end-frame input, so continuity "
        "keyframes chains the continuous cuts",
    )


def diagnose(settings: Settings) -> list[Finding]:
    """Every check, in order; nothing raised for what a check finds."""
    from omnigen.providers.replicate.factory import build_replicate_providers, check_price_table, chosen_models
    from omnigen.providers.replicate.keyframes import MODEL as KEYFRAME_MODEL

    findings: list[Finding] = []
    models = {**chosen_models(settings.models), "keyframes": KEYFRAME_MODEL}
    findings.append(_companion(settings))
    try:
        check_price_table(models)
        findings.append(Finding("ok", "price table", "a price and a timeout for " + ", ".join(models.values())))
    except ConfigError as err:
        findings.append(Finding("fail", "price table", str(err)))

    token = settings.replicate_api_token
    providers = (
        build_replicate_providers(
            token or "r8_not_used_no_token", settings.replicate_base_url, settings.webhook_url, models=settings.models
        )
        if not any(f.status == "fail" for f in findings)
        else None
    )
    if providers is None:
        findings.append(Finding("skip", "requests", "not built: fix the price table first"))
        return findings
    try:
        with tempfile.TemporaryDirectory(prefix="omnigen-doctor-") as tmp:
            samples = sample_requests(providers, Path(tmp))
        request = None
        if token:

            def request(path: str) -> Any:
                return providers.runner.client._request("GET", path).json()

            try:
                account = request("/v1/account")
                findings.append(Finding("ok", "token", f"accepted (account {account.get('username', '?')})"))
            except Exception as err:
                findings.append(Finding("fail", "token", f"REPLICATE_API_TOKEN was refused: {err}"))
                request = None
        else:
            findings.append(
                Finding(
                    "skip",
                    "token",
                    "REPLICATE_API_TOKEN is not set: the token, the models' current schemas "
                    "and the webhook secret were not checked",
                )
            )
        for capability in (c for c in CHECKED if c in models):
            model = models[capability]
            check = f"{capability} {model}"
            if request is None:
                findings.append(
                    Finding(
                        "skip",
                        check,
                        f"{len(samples[capability])} request(s) built, not checked "
                        "against Replicate's current schema (no accepted token)",
                    )
                )
                continue
            try:
                openapi, which = _schema_of(request, model)
            except Exception as err:
                findings.append(Finding("fail", check, f"cannot read its schema from Replicate: {err}"))
                continue
            problems = [
                f"{label}: {p.field}: {p.description}"
                for label, inputs in samples[capability]
                for p in input_problems(openapi, inputs)
            ]
            kind = output_kind(openapi)
            if kind != EXPECTED_OUTPUT[capability]:
                problems.append(f"its output is {kind}; the adapter reads {EXPECTED_OUTPUT[capability]}")
            if problems:
                findings.append(Finding("fail", check, f"against its {which}: " + "; ".join(problems)))
            else:
                findings.append(
                    Finding("ok", check, f"{len(samples[capability])} request(s) valid against its {which}")
                )
        findings.append(_check_secret(settings, request))
    finally:
        providers.runner.close()
    return findings


def exit_code(findings: list[Finding]) -> int:
    if any(f.status == "fail" for f in findings):
        return FAILED
    return INCOMPLETE if any(f.status == "skip" and f.check != "webhook" for f in findings) else OK


def report(findings: list[Finding], as_json: bool = False) -> str:
    code = exit_code(findings)
    if as_json:
        return json.dumps({"findings": [asdict(f) for f in findings], "exit_code": code})
    lines = ["omnigen doctor: the Replicate models and settings"]
    lines += [f"  {f.status.upper() if f.status == 'fail' else f.status:<5} {f.check}: {f.message}" for f in findings]
    verdict = {
        OK: "ready: every check passed",
        FAILED: "not ready: fix what FAIL names, then run omnigen doctor again",
        INCOMPLETE: "no problem found, but not everything was checked: set REPLICATE_API_TOKEN and run it again",
    }[code]
    lines.append(f"result: {verdict} (exit {code})")
    return "\n".join(lines)
