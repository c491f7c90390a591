"""The script writer on `openai/gpt-4o` (Replicate).

GPT-4o on Replicate has no JSON mode: its reply is text that usually holds the JSON, sometimes
fenced, sometimes with a sentence around it. So the reply is searched for the JSON object, lightly
repaired where the intent is unambiguous (scene numbering, a stray field, durations a little off
the ad's length), validated with the `Script` model, and — when still invalid — the model is asked
once more with the exact validation errors before the call fails.
"""

from __future__ import annotations

import json
import logging
import math
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from omnigen.brief import Brief
from omnigen.compliance.policy import default_policy
from omnigen.providers.ports import CallContext, ProviderError
from omnigen.providers.replicate.billing import bill
from omnigen.providers.replicate.client import Finished, ReplicateRunner
from omnigen.script import SCENE_PURPOSES, Scene, Script
from omnigen.validation import located_errors

log = logging.getLogger(__name__)

MODEL = "openai/gpt-4o"
MAX_SCENE_S = 10.0
"""Kling renders 5 or 10 s clips: a longer scene is split into shots that continue each other."""

SYSTEM_PROMPT = """\
You write scripts for US direct-to-consumer TV ads for prescription drugs. They must follow FDA
rules (21 CFR 202.1), including the 2023 final rule on presenting the major statement.

Reply with ONE JSON object and nothing else, of this shape:
{"title": str,
 "music_prompt": str (instrumental music mood and instruments, at most 300 characters),
 "scenes": [{"index": 1, "duration_s": number, "purpose": one of %(purposes)s,
             "shot": str (what the camera sees: a text-to-video prompt; never on-screen text),
             "camera": str, "mood": str, "voiceover": str,
             "supers": [str] (on-screen text shown during the scene, at most 6),
             "continues_previous": bool,
             "shows_product": bool (true only when the shot shows the product or its pack)}]}

Rules:
- Scene durations add up to exactly the ad's duration; each scene lasts 3 to %(max_scene)g seconds.
- Scenes in this order: hook, indication, one or more benefit, major_statement,
  adequate_provision, brand_close.
- Name the brand together with its generic name, and state the approved use as given.
- The major_statement scene speaks every listed major risk and contraindication (and the boxed
  warning when there is one) in plain consumer words, at a calm pace no faster than the benefit
  scenes, with its key terms as supers while they are spoken; one steady shot, no quick cuts.
- adequate_provision gives the toll-free number, the website, the print-ad reference and
  "ask your healthcare provider".
- No absolute or unsubstantiated claims ("cure", "safe", "no side effects", "guaranteed", "#1",
  "proven to stop", "nothing works faster", "no more ..."): say only what the approved use says.
- Never change the label's meaning. Join alternatives with "or", never "and" ("do not take it if
  you have active bleeding or an artificial heart valve": either one is enough). Keep every
  qualifier and consequence as given ("serious infections", "can cause paralysis", "in
  children"), singular and plural as given ("allergic to any of its ingredients").
- Every super stays on screen long enough to read: at least %(text_min_s)g seconds, and
  %(text_s_per_word)g seconds for each word when that is longer; fewer, shorter supers rather
  than more.
- Voiceover about 2.5 words per second, fitting its scene; plain, friendly language.
- continues_previous is true only when the shot must start on the previous scene's last frame
  (scene 1 is always false).
- shows_product is true only for shots where the product itself is seen (a pack shot, the pen in
  a hand); a shot that opens on the product picture is rendered from it, the others from the text.
"""


def system_prompt() -> str:
    """The system prompt, with the reading-time rule the checker applies (the policy's numbers)."""
    policy = default_policy()
    return SYSTEM_PROMPT % {
        "purposes": " | ".join(SCENE_PURPOSES),
        "max_scene": MAX_SCENE_S,
        "text_min_s": policy.text_min_s,
        "text_s_per_word": policy.text_s_per_word,
    }


def extract_json(text: str) -> Any:
    """The first JSON object in a model reply: from a ```json fence when there is one, else the
    first `{` that starts a complete JSON value. Raises ValueError when there is none."""
    for m in re.finditer(r"```(?:json|JSON)?\s*\n?(.*?)```", text, re.DOTALL):
        try:
            value = json.loads(m[1])
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    decoder = json.JSONDecoder()
    for m in re.finditer(r"\{", text):
        try:
            value, _ = decoder.raw_decode(text, m.start())
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    raise ValueError("the reply holds no JSON object")


def _stray(obj: dict[str, Any], allowed: set[str]) -> list[str]:
    """Unknown fields safe to drop: empty or non-text ones (an id, a count). Text under an unknown
    name may be misnamed content — a "narration" meant as the voiceover — so that is re-asked."""
    return [k for k in obj if k not in allowed and not (isinstance(obj[k], str | list | dict) and obj[k])]


def repair(data: Any, duration_s: float) -> tuple[Any, list[str]]:
    """Fix what has one obvious reading; return the data and a note per fix (for the log)."""
    notes: list[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("scenes"), list):
        return data, notes
    for k in _stray(data, set(Script.model_fields)):
        notes.append(f"dropped unknown field {k!r}")
        data.pop(k)
    if isinstance(data.get("music_prompt"), str) and len(data["music_prompt"]) > 300:
        data["music_prompt"] = data["music_prompt"][:300].rsplit(" ", 1)[0]
        notes.append("shortened music_prompt to 300 characters")
    allowed = set(Scene.model_fields)
    scenes = [s for s in data["scenes"] if isinstance(s, dict)]
    for n, scene in enumerate(scenes, start=1):
        for k in _stray(scene, allowed):
            notes.append(f"scene {n}: dropped unknown field {k!r}")
            scene.pop(k)
        if scene.get("index") != n:
            scene["index"] = n
        if isinstance(scene.get("supers"), str):
            scene["supers"] = [scene["supers"]]
    if scenes and scenes[0].get("continues_previous"):
        scenes[0]["continues_previous"] = False
        notes.append("scene 1 cannot continue a previous scene")
    data["scenes"] = scenes
    try:
        durations = [float(s["duration_s"]) for s in scenes]
    except (KeyError, TypeError, ValueError):
        return data, notes
    total = sum(durations)
    # Scale durations that are a little off (a model's rounding); a big miss is re-asked instead.
    if total > 0 and abs(total - duration_s) > 0.05 and abs(total - duration_s) <= 0.2 * duration_s:
        scaled = [round(d * duration_s / total, 2) for d in durations]
        scaled[-1] = round(duration_s - sum(scaled[:-1]), 2)
        for s, d in zip(scenes, scaled, strict=True):
            s["duration_s"] = d
        notes.append(f"scaled scene durations from {total:g} s to the ad's {duration_s:g} s")
    if any(float(sc["duration_s"]) > MAX_SCENE_S + 1e-6 for sc in scenes):
        data["scenes"] = split_long_scenes(scenes)
        notes.append(f"split scenes longer than {MAX_SCENE_S:g} s into continuing shots")
    return data, notes


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def split_long_scenes(scenes: list[dict[str, Any]], max_s: float = MAX_SCENE_S) -> list[dict[str, Any]]:
    """Cut a scene longer than one Kling clip into equal parts that continue each other's shot
    (so the picture flows on), dealing its voiceover out sentence by sentence; renumber."""
    out: list[dict[str, Any]] = []
    for scene in scenes:
        d = float(scene["duration_s"])
        parts = max(1, math.ceil(d / max_s - 1e-9))
        if parts == 1:
            out.append(scene)
            continue
        sentences = [x for x in _SENTENCE_END.split(str(scene.get("voiceover") or "").strip()) if x]
        words = [max(1, len(x.split())) for x in sentences]
        share, groups, acc, k = sum(words) / parts, [[] for _ in range(parts)], 0.0, 0
        for sentence, n in zip(sentences, words, strict=True):
            if acc >= share * (k + 1) and k < parts - 1:
                k += 1
            groups[k].append(sentence)
            acc += n
        piece = round(d / parts, 2)
        for i in range(parts):
            part = dict(scene)
            part["duration_s"] = piece if i < parts - 1 else round(d - piece * (parts - 1), 2)
            part["voiceover"] = " ".join(groups[i])
            part["continues_previous"] = bool(scene.get("continues_previous")) if i == 0 else True
            out.append(part)
    for n, scene in enumerate(out, start=1):
        scene["index"] = n
    return out


def problems(data: Any, brief: Brief) -> list[str]:
    """Why `data` is not a usable script for this brief: schema errors, then plan errors."""
    try:
        script = Script.model_validate(data)
    except ValidationError as err:
        return [f"{field or '(top level)'}: {message}" for field, message in located_errors(err)]
    out = []
    if abs(script.duration_s - brief.duration_s) > 0.05:
        out.append(f"scene durations add up to {script.duration_s:g} s; the ad is exactly {brief.duration_s} s")
    return out


class GPT4oScriptWriter:
    """ScriptWriter port on GPT-4o; two calls at most per `write` (one re-ask)."""

    def __init__(
        self,
        runner: ReplicateRunner,
        *,
        temperature: float = 0.4,
        max_completion_tokens: int = 4096,
        model: str = MODEL,
    ):
        self.runner = runner
        self.model = model
        self.name = f"replicate:{model}"
        self.temperature = temperature
        self.max_completion_tokens = max_completion_tokens

    def prompt_for(self, brief: Brief, feedback: list[str] | None = None) -> str:
        facts = brief.model_dump(mode="json", exclude_none=True)
        facts.get("product", {}).pop("image", None)
        parts = [
            f"Write the script for this {brief.duration_s}-second {brief.aspect_ratio} ad "
            f"({brief.ad_type.replace('_', ' ')}). The brief:",
            f"<brief>\n{json.dumps(facts, indent=2)}\n</brief>",
        ]
        if brief.product.image:
            parts.append("The attached image is the product; show it where the brand appears.")
        if feedback:
            parts.append(
                "A compliance review of your last draft found these problems. Fix every one:\n"
                + "\n".join(f"- {f}" for f in feedback)
            )
        parts.append("Reply with the JSON object only.")
        return "\n\n".join(parts)

    def _image(self, brief: Brief, ctx: CallContext) -> list[Path]:
        """The product image as `image_input`, when the writer can reach it as a local file
        (a step may pass it as ctx.extra['product_image']; a brief may hold a local path)."""
        for candidate in (ctx.extra.get("product_image"), brief.product.image):
            if candidate and "://" not in str(candidate) and Path(str(candidate)).is_file():
                return [Path(str(candidate))]
        return []

    def inputs(self, prompt: str, images: list[Path]) -> dict[str, Any]:
        """The prediction input for one reply (the images as files)."""
        inputs: dict[str, Any] = {
            "prompt": prompt,
            "system_prompt": system_prompt(),
            "max_completion_tokens": self.max_completion_tokens,
            "temperature": self.temperature,
        }
        if images:
            inputs["image_input"] = images
        return inputs

    def _call(self, prompt: str, images: list[Path], ctx: CallContext, what: str, slot: str) -> tuple[str, Finished]:
        inputs = self.inputs(prompt, images)
        done = self.runner.run(self.model, inputs, ctx, what=what, slot=slot)
        out = done.output
        text = "".join(str(x) for x in out) if isinstance(out, list) else str(out or "")
        tokens_in = done.metrics.get("input_token_count")
        tokens_out = done.metrics.get("output_token_count")
        if not isinstance(tokens_in, int | float):
            tokens_in = (len(inputs["prompt"]) + len(inputs["system_prompt"])) / 4  # ~4 characters a token
        if not isinstance(tokens_out, int | float):
            tokens_out = len(text) / 4
        bill(ctx, "script", done, tokens_in, tokens_out)
        return text, done

    def write(self, brief: Brief, ctx: CallContext, feedback: list[str] | None = None) -> Script:
        """A validated script for `brief`; `feedback` lists compliance findings to fix."""
        prompt = self.prompt_for(brief, feedback)
        images = self._image(brief, ctx)
        ctx.progress(0.05, "GPT-4o is writing the script")
        text, _ = self._call(prompt, images, ctx, "writing the script", "draft")
        errors = self._parse(text, brief)
        if isinstance(errors, Script):
            return errors
        log.warning("gpt-4o script invalid, asking again: %s", "; ".join(errors))
        ctx.progress(0.5, "GPT-4o's script was invalid; asking again")
        retry = (
            f"{prompt}\n\nYour previous reply was:\n<reply>\n{text[:12000]}\n</reply>\n\n"
            "It is not a valid script:\n"
            + "\n".join(f"- {e}" for e in errors)
            + "\n\nReply again with the whole corrected JSON object only."
        )
        text, done = self._call(retry, images, ctx, "re-writing the invalid script", "reask")
        result = self._parse(text, brief)
        if isinstance(result, Script):
            return result
        raise ProviderError(
            f"{self.model} did not produce a valid script after being asked twice (last prediction {done.id}): "
            + "; ".join(result[:8])
            + ". Try again, or simplify the brief's prompt.",
            retryable=True,
        )

    @staticmethod
    def _parse(text: str, brief: Brief) -> Script | list[str]:
        try:
            data = extract_json(text)
        except ValueError as err:
            return [f"{err}: reply with a JSON object"]
        data, notes = repair(data, float(brief.duration_s))
        if notes:
            log.info("gpt-4o script repaired: %s", "; ".join(notes))
        errors = problems(data, brief)
        return errors or Script.model_validate(data)
