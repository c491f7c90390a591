"""The API refuses, with a 422 naming the field and the character, the brief text an outside probe
got accepted (issue 14 item 1), and refuses a decompression-bomb upload from its header (item 2).
Every case goes through the real app (FastAPI, problem+json, the upload route)."""

# ruff: noqa: F811 (tests take the fixtures imported from api_harness by name)
from __future__ import annotations

import pytest
from api_harness import alice, api, keys, small_brief  # noqa: F401 (the fixtures)
from helpers import bomb_png

PROBLEM = "application/problem+json"


def _with(field: str, value: object) -> dict:
    brief = small_brief()
    if field.startswith("product."):
        name = field.split(".")[1]
        brief["product"][name] = value
    else:
        brief[field] = value
    return brief


CASES = [
    ("product.side_effects", ["\u200b\u200b"], "product.side_effects.0", "U+200B ZERO WIDTH SPACE"),
    ("product.brand_name", "Velt\x00rexa", "product.brand_name", "U+0000 NULL"),
    ("product.brand_name", "\x1b]0;pwned\x07Veltrexa", "product.brand_name", "U+001B ESCAPE"),
    ("product.brand_name", "Velt\x07rexa", "product.brand_name", "U+0007 BELL"),
    ("product.brand_name", "\u202eaxertleV", "product.brand_name", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("product.indication", "\u05e4\u05e1\u05d5\u05e8\u05d9\u05d0\u05d6\u05d9\u05e1", "product.indication", "U+05E4"),
    ("product.indication", "\u0627\u0644\u0635\u062f\u0641\u064a\u0629", "product.indication", "U+0627"),
    ("product.boxed_warning", "Serious infections \U0001f480", "product.boxed_warning", "U+1F480 SKULL"),
    ("prompt", "A gardener\u2066 gets back to her roses", "prompt", "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ("style", "warm\x9b2J", "style", "U+009B CONTROL SEQUENCE INTRODUCER"),
    ("product.website", "veltrexa\u200d.example", "product.website", "U+200D ZERO WIDTH JOINER"),
]


@pytest.mark.parametrize(("field", "value", "located", "named"), CASES, ids=[c[3] for c in CASES])
def test_generate_refuses_text_that_cannot_be_shown_naming_field_and_character(
    api, alice, field, value, located, named
):
    client, services = api
    before = len(services.ctx.jobs.list_for_user("alice", limit=100))
    r = client.post("/api/v1/generate", json=_with(field, value), headers=alice)
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, r.text
    errors = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert located in errors, errors
    assert named in errors[located] and "not allowed" in errors[located]
    assert len(services.ctx.jobs.list_for_user("alice", limit=100)) == before  # no job was made


def test_estimate_applies_the_same_rules(api, alice):
    client, _ = api
    r = client.post("/api/v1/estimate", json=_with("product.brand_name", "Velt\x1brexa"), headers=alice)
    assert r.status_code == 422 and "U+001B ESCAPE" in r.text


def test_a_normalised_brief_is_stored_in_nfc(api, alice):
    client, services = api
    r = client.post("/api/v1/generate", json=_with("product.generic_name", "velte\u0301xamab"), headers=alice)
    assert r.status_code == 202, r.text
    job = services.ctx.jobs.get(r.json()["job_id"])
    assert job.brief.product.generic_name == "velt\u00e9xamab"
    client.post(f"/api/v1/jobs/{job.job_id}/cancel", headers=alice)


def test_a_timeline_text_edit_with_a_bidi_override_is_refused(api, alice):
    client, _ = api
    r = client.post("/api/v1/generate", json=small_brief(), headers=alice)
    jid = r.json()["job_id"]
    client.post(f"/api/v1/jobs/{jid}/cancel", headers=alice)
    timeline = {
        "output": {"width": 640, "height": 360},
        "clips": [{"scene_index": 1, "asset": f"users/alice/jobs/{jid}/clips/scene_1.mp4", "out_s": 5}],
        "texts": [{"text": "\u202eaxertleV", "start_s": 0, "end_s": 2}],
    }
    r = client.put(f"/api/v1/jobs/{jid}/timeline", json=timeline, headers=alice)
    assert r.status_code == 422, r.text
    (error,) = r.json()["errors"]
    assert error["field"] == "texts.0.text" and "U+202E RIGHT-TO-LEFT OVERRIDE" in error["message"]


@pytest.mark.parametrize("side", [13000, 20000])
def test_a_decompression_bomb_upload_is_a_422_not_a_500(api, alice, side):
    client, _ = api
    data = bomb_png(side, side)
    ticket = client.post(
        "/api/v1/uploads",
        json={"filename": "pack.png", "content_type": "image/png", "size_bytes": len(data)},
        headers=alice,
    ).json()
    r = client.put(ticket["url"], content=data, headers={"content-type": "image/png"})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, r.text
    assert "8000 px" in r.text
