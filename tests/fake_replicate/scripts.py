"""What the fake GPT-4o answers: a script for the brief in the prompt, wrapped in prose and a
```json fence the way chat models reply, so the adapter's extraction is exercised every time.

The script comes from the offline writer (`LocalScriptWriter`) when it is available, so the
fake's scripts pass the same compliance checks; until then a small builder here makes one.
"""

from __future__ import annotations

import json
import re

from omnigen.brief import Brief, parse_brief

_BRIEF = re.compile(r"<brief>\s*(.*?)\s*</brief>", re.DOTALL)


def brief_from_prompt(prompt: str) -> Brief | None:
    m = _BRIEF.search(prompt)
    if not m:
        return None
    try:
        return parse_brief(json.loads(m[1]))
    except Exception:  # the fake answers like a model would: without a brief, no script
        return None


def _split(total: float, weights: list[float]) -> list[float]:
    raw = [round(total * w / sum(weights), 1) for w in weights]
    raw[-1] = round(total - sum(raw[:-1]), 1)
    return raw


def minimal_script(brief: Brief) -> dict:
    """A plausible, compliant-minded script: the six purposes in order, risks spoken and shown."""
    p = brief.product
    name = f"{p.brand_name} ({p.generic_name})"
    risks = ", ".join(p.side_effects) or "side effects"
    contra = f" Do not use it if you have {', '.join(p.contraindications)}." if p.contraindications else ""
    boxed = f" {p.boxed_warning}" if p.boxed_warning else ""
    contact = ", ".join(x for x in (p.phone, p.website) if x)
    print_ad = f" {p.print_ad}." if p.print_ad else ""
    plan = [
        ("hook", 0.14, "A person outdoors in morning light, smiling as they start the day", "", []),
        ("indication", 0.16, "The person at home, calm, looking at a garden", f"{name} treats {p.indication}.", [name]),
        ("benefit", 0.16, "The person gardening with friends, relaxed", "Ask about what it could do for you.", []),
        (
            "major_statement",
            0.30,
            "A steady wide shot of the person reading on a porch",
            f"{p.brand_name} can cause serious side effects, including {risks}.{contra}{boxed}",
            ["Serious side effects: " + risks[:150]],
        ),
        (
            "adequate_provision",
            0.14,
            "The person walking along a quiet street",
            f"Ask your healthcare provider about {p.brand_name}. Learn more at {contact}.{print_ad}",
            [contact[:190]] if contact else [],
        ),
        ("brand_close", 0.10, "A product shot on a clean table", f"{p.brand_name}. Ask your doctor.", [p.brand_name]),
    ]
    durations = _split(float(brief.duration_s), [w for _, w, *_ in plan])
    scenes = [
        {
            "index": i + 1,
            "duration_s": d,
            "purpose": purpose,
            "shot": shot,
            "camera": "slow push-in" if i % 2 == 0 else "static",
            "mood": "hopeful",
            "voiceover": vo,
            "supers": supers,
            "continues_previous": purpose == "adequate_provision",
        }
        for i, ((purpose, _, shot, vo, supers), d) in enumerate(zip(plan, durations, strict=True))
    ]
    return {"title": f"{p.brand_name}: back to what matters", "music_prompt": "warm acoustic guitar", "scenes": scenes}


def script_for(brief: Brief) -> dict:
    try:
        from omnigen.providers.local.script_writer import LocalScriptWriter
        from omnigen.providers.ports import CallContext
    except ImportError:
        return minimal_script(brief)
    return LocalScriptWriter().write(brief, CallContext()).model_dump(mode="json")


def chat_reply(script: dict) -> str:
    """A chat-model reply holding the JSON in prose and a fence."""
    return (
        "Here is a script that follows the brief and the FDA presentation rules.\n\n"
        f"```json\n{json.dumps(script, indent=2)}\n```\n\n"
        "Let me know if you would like a different tone."
    )
