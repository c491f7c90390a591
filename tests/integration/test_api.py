"""Every route of the API on real parts: a job made end to end, read back, streamed, edited and
re-composed; errors as problem+json; users kept apart; idempotency; uploads; signed URLs."""

from __future__ import annotations

import io
import json
import time

import pytest
from api_harness import LOCAL_WS, Keys, make_client, small_brief, wait_done
from PIL import Image

from omnigen.api.auth import AuthError, JwtVerifier
from omnigen.pipeline.progress import Tracker
from omnigen.providers.ports import ProviderCall

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def keys():
    return Keys()


@pytest.fixture(scope="module")
def api(tmp_path_factory, keys):
    client, services = make_client(tmp_path_factory.mktemp("api"), keys)
    with client:
        yield client, services
    services.launcher.join(30)


@pytest.fixture(scope="module")
def alice(keys):
    return {"Authorization": f"Bearer {keys.token('alice')}"}


@pytest.fixture(scope="module")
def bob(keys):
    return {"Authorization": f"Bearer {keys.token('bob')}"}


@pytest.fixture(scope="module")
def done_job(api, alice):
    client, _ = api
    r = client.post("/api/v1/generate", json=small_brief(), headers=alice)
    assert r.status_code == 202, r.text
    job = wait_done(client, r.json()["job_id"], alice)
    assert job["status"] == "completed", job.get("error")
    return job


def test_health_and_openapi(api):
    client, _ = api
    assert client.get("/api/v1/health").json()["status"] == "ok"
    spec = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/generate",
        "/api/v1/jobs",
        "/api/v1/jobs/{job_id}",
        "/api/v1/jobs/{job_id}/progress",
        "/api/v1/jobs/{job_id}/cancel",
        "/api/v1/jobs/{job_id}/timeline",
        "/api/v1/jobs/{job_id}/compose",
        "/api/v1/jobs/{job_id}/compliance",
        "/api/v1/uploads",
        "/api/v1/estimate",
        "/api/v1/usage",
        "/api/v1/webhooks/replicate",
    ):
        assert path in spec["paths"], path
    assert client.get("/api/v1/docs").status_code == 200


def test_auth_required_and_problem_json(api):
    client, _ = api
    r = client.get("/api/v1/jobs")
    assert r.status_code == 401 and r.headers["content-type"] == PROBLEM
    assert "Bearer" in r.json()["detail"]
    r = client.get("/api/v1/jobs", headers={"Authorization": "Bearer not.a.jwt"})
    assert r.status_code == 401


def test_expired_and_foreign_tokens_are_refused(keys):
    verifier = JwtVerifier(
        lambda: keys.jwks, "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test", "omnigen-web"
    )
    with pytest.raises(AuthError, match="expired"):
        verifier.claims(keys.token("a", exp=int(time.time()) - 3600))
    with pytest.raises(AuthError):
        verifier.claims(keys.token("a", iss="https://evil.example"))
    with pytest.raises(AuthError):
        verifier.claims(keys.token("a", aud="another-app"))
    with pytest.raises(AuthError, match="unknown key"):
        verifier.claims(Keys().token("a", kid="k9"))
    with pytest.raises(AuthError, match="not valid"):  # a foreign key reusing our key id
        verifier.claims(Keys().token("a"))
    assert verifier.claims(keys.token("a"))["sub"] == "a"


def test_invalid_brief_names_fields(api, alice):
    client, _ = api
    r = client.post("/api/v1/generate", json=small_brief(aspect_ratio="4:3", duration_s=5), headers=alice)
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"aspect_ratio", "duration_s"} <= fields
    no_risk = small_brief()
    no_risk["product"]["side_effects"] = []
    r = client.post("/api/v1/generate", json=no_risk, headers=alice)
    assert r.status_code == 422
    assert "product.side_effects" in {e["field"] for e in r.json()["errors"]}  # a cross-field check, located


def test_request_size_limit(api, alice):
    client, _ = api
    r = client.post(
        "/api/v1/generate",
        content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
        headers=alice | {"content-type": "application/json"},
    )
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"


def test_request_size_limit_counts_a_chunked_body(api, alice):
    """Without a content-length header the limit applies to the bytes that arrive."""
    client, _ = api

    def chunks():
        yield b"{"
        for _ in range(40):
            yield b" " * 64 * 1024
        yield b"}"

    r = client.post("/api/v1/generate", content=chunks(), headers=alice | {"content-type": "application/json"})
    assert "content-length" not in r.request.headers
    assert r.status_code == 413
    assert "larger than 1 MB" in r.json()["detail"]


def test_completed_job_read_back_with_signed_urls(api, alice, done_job):
    client, _ = api
    job = client.get(f"/api/v1/jobs/{done_job['job_id']}", headers=alice).json()
    assert {"output", "poster", "captions", "timeline", "compliance"} <= set(job["urls"])
    assert any(k.startswith("track:scene_") for k in job["urls"])
    # every billed call is in the per-model usage once; the local providers bill nothing
    assert sum(u["calls"] for u in job["usage"]) == len(job["provider_calls"]) > 0
    assert {(u["capability"], u["model"]) for u in job["usage"]} == {
        (c["capability"], c["model"]) for c in job["provider_calls"]
    }
    assert {u["capability"] for u in job["usage"]} >= {"script", "video", "music", "voice"}
    assert all(u["cost_usd"] == 0 for u in job["usage"])
    video = client.get(job["urls"]["output"])
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    size = int(video.headers["content-length"])
    part = client.get(job["urls"]["output"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and len(part.content) == 100
    assert part.headers["content-range"] == f"bytes 100-199/{size}"
    assert part.content == video.content[100:200]
    tail = client.get(job["urls"]["output"], headers={"Range": "bytes=-10"})
    assert tail.content == video.content[-10:]
    assert client.get(job["urls"]["output"], headers={"Range": f"bytes={size + 5}-"}).status_code == 416


def test_tampered_or_expired_asset_url_is_403(api, alice, done_job):
    client, services = api
    url = done_job["urls"]["output"]
    assert client.get(url.replace("sig=", "sig=x")).status_code == 403
    key = done_job["assets"]["output"]
    expired = services.urls.url(key, ttl_s=-10)
    assert client.get(expired).status_code == 403
    other_key = key.replace("output.mp4", "poster.jpg")
    assert client.get(url.replace(key, other_key)).status_code == 403


def test_users_are_kept_apart(api, alice, bob, done_job):
    client, _ = api
    jid = done_job["job_id"]
    for path in ("", "/timeline", "/compliance", "/progress", "/qc", "/versions", "/versions/1/qc"):
        r = client.get(f"/api/v1/jobs/{jid}{path}", headers=bob)
        assert r.status_code == 404, path
    assert client.post(f"/api/v1/jobs/{jid}/cancel", headers=bob).status_code == 404
    assert client.post(f"/api/v1/jobs/{jid}/compose", headers=bob).status_code == 404
    assert jid not in [j["job_id"] for j in client.get("/api/v1/jobs", headers=bob).json()["items"]]
    assert jid in [j["job_id"] for j in client.get("/api/v1/jobs", headers=alice).json()["items"]]


def test_sse_replays_ordered_events_and_resumes(api, alice, done_job):
    client, _ = api
    jid = done_job["job_id"]
    with client.stream("GET", f"/api/v1/jobs/{jid}/progress", headers=alice) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        text = "".join(r.iter_text())
    events = [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
    assert events[-1]["status"] == "completed" and events[0]["status"] == "queued"
    assert "event: progress" in text and f"id: {seqs[-1]}" in text
    mid = seqs[len(seqs) // 2]
    with client.stream(
        "GET", f"/api/v1/jobs/{jid}/progress", headers=alice | {"Last-Event-ID": str(mid)}
    ) as r:
        resumed = [json.loads(x[6:]) for x in "".join(r.iter_text()).splitlines() if x.startswith("data: ")]
    assert [e["seq"] for e in resumed] == [s for s in seqs if s > mid]


def test_websocket_sends_the_same_events(api, keys, alice, done_job):
    client, _ = api
    jid = done_job["job_id"]
    with client.websocket_connect(f"{LOCAL_WS}/api/v1/ws?token={keys.token('alice')}") as ws:
        ws.send_json({"action": "subscribe", "job_id": jid})
        got = []
        while True:
            msg = ws.receive_json()
            got.append(msg)
            if msg["status"] == "completed":
                break
    assert [m["seq"] for m in got] == sorted(m["seq"] for m in got)
    with client.websocket_connect(f"{LOCAL_WS}/api/v1/ws?token={keys.token('bob')}") as ws:
        ws.send_json({"action": "subscribe", "job_id": jid})
        assert "error" in ws.receive_json()


def test_timeline_edit_and_recompose_makes_version_2(api, alice, done_job):
    client, _ = api
    jid = done_job["job_id"]
    tl = client.get(f"/api/v1/jobs/{jid}/timeline", headers=alice).json()
    tl["clips"][0], tl["clips"][1] = tl["clips"][1], tl["clips"][0]
    r = client.put(f"/api/v1/jobs/{jid}/timeline", json=tl, headers=alice)
    assert r.status_code == 200, r.text
    bad = json.loads(json.dumps(tl))
    bad["clips"][0]["asset"] = "users/bob/jobs/x/clips/scene_1.mp4"
    r = client.put(f"/api/v1/jobs/{jid}/timeline", json=bad, headers=alice)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "clips.0.asset"
    r = client.post(f"/api/v1/jobs/{jid}/compose", headers=alice)
    assert r.status_code == 202 and r.json()["version"] == 2
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/jobs/{jid}", headers=alice).json()
        if job["renders"] >= 2:
            break
        time.sleep(0.3)
    assert job["renders"] == 2 and job["status"] == "completed"
    assert job["assets"]["output"].endswith("final/v2.mp4")
    assert {"output:v1", "output:v2"} <= set(job["urls"])  # the earlier render stays playable
    report = client.get(f"/api/v1/jobs/{jid}/compliance", headers=alice).json()
    assert report["version"] == 2 and "findings" in report
    versions = client.get(f"/api/v1/jobs/{jid}/versions", headers=alice).json()
    assert [v["version"] for v in versions] == [1, 2]
    assert {"output", "poster", "captions", "compliance", "qc", "qc_text"} <= set(versions[0]["urls"])
    assert versions[0]["urls"]["poster"] != versions[1]["urls"]["poster"]  # each version keeps its own
    assert {"poster:v1", "poster:v2", "qc:v1", "captions:v2"} <= set(job["urls"])
    assert client.get(versions[0]["urls"]["captions"]).text.startswith("WEBVTT")
    qc1 = client.get(f"/api/v1/jobs/{jid}/versions/1/qc", headers=alice).json()
    assert qc1["version"] == 1 and qc1["passed"] is True and "findings" in qc1 and qc1["audio"]["true_peak_dbtp"] <= -2
    assert client.get(f"/api/v1/jobs/{jid}/qc", headers=alice).json()["version"] == 2
    assert client.get(f"/api/v1/jobs/{jid}/versions/2/compliance", headers=alice).json()["version"] == 2
    missing = client.get(f"/api/v1/jobs/{jid}/versions/9/qc", headers=alice)
    assert missing.status_code == 404 and "versions made: 1, 2" in missing.json()["detail"]


def test_idempotency_key(api, alice):
    client, _ = api
    h = alice | {"Idempotency-Key": "abc-123"}
    body = small_brief(prompt="An idempotent request for a calm garden spot")
    first = client.post("/api/v1/generate", json=body, headers=h)
    again = client.post("/api/v1/generate", json=body, headers=h)
    assert first.status_code == again.status_code == 202
    assert first.json()["job_id"] == again.json()["job_id"]
    other = client.post("/api/v1/generate", json=body | {"duration_s": 15}, headers=h)
    assert other.status_code == 409 and other.headers["content-type"] == PROBLEM
    client.post(f"/api/v1/jobs/{first.json()['job_id']}/cancel", headers=alice)


def test_cancel_during_a_job(api, alice):
    client, _ = api
    jid = client.post(
        "/api/v1/generate", json=small_brief(prompt="A job that we will cancel soon after"), headers=alice
    ).json()["job_id"]
    deadline = time.monotonic() + 60
    while client.get(f"/api/v1/jobs/{jid}", headers=alice).json()["status"] == "queued":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    r = client.post(f"/api/v1/jobs/{jid}/cancel", headers=alice)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    job = wait_done(client, jid, alice)
    assert job["status"] == "cancelled"
    assert client.post(f"/api/v1/jobs/{jid}/cancel", headers=alice).status_code == 409


def test_job_usage_sums_each_model_apart(tmp_path, keys, alice):
    """A job whose takes rendered on Kling v2.5 and on its end-frame companion Kling v2.1 reads
    back with one usage line per model, each with its calls and their summed cost, in the order
    first called; the calls are billed the way the pipeline bills them (a resumed prediction once)."""
    client, services = make_client(tmp_path / "home", keys, queue_only=True)
    with client:
        jid = client.post("/api/v1/generate", json=small_brief(), headers=alice).json()["job_id"]
        tracker = Tracker(services.ctx.jobs, jid)
        for capability, model, pid, usd in [
            ("script", "anthropic/claude-4-sonnet", "p0", 0.0213),
            ("video", "kwaivgi/kling-v2.5-turbo-pro", "p1", 0.35),  # 5 s at $0.07/s
            ("video", "kwaivgi/kling-v2.1", "p2", 0.45),  # 5 s at $0.09/s, ends on a keyframe
            ("video", "kwaivgi/kling-v2.5-turbo-pro", "p3", 0.70),  # 10 s
            ("video", "kwaivgi/kling-v2.5-turbo-pro", "p3", 0.70),  # p3 resumed: billed once
            ("video", "kwaivgi/kling-v2.1", "p4", 0.90),  # 10 s
        ]:
            tracker.record_call(ProviderCall(capability=capability, model=model, prediction_id=pid, cost_usd=usd))
        job = client.get(f"/api/v1/jobs/{jid}", headers=alice).json()
    assert job["usage"] == [
        {"capability": "script", "model": "anthropic/claude-4-sonnet", "calls": 1, "cost_usd": 0.0213},
        {"capability": "video", "model": "kwaivgi/kling-v2.5-turbo-pro", "calls": 2, "cost_usd": 1.05},
        {"capability": "video", "model": "kwaivgi/kling-v2.1", "calls": 2, "cost_usd": 1.35},
    ]
    assert job["cost_usd"] == pytest.approx(sum(u["cost_usd"] for u in job["usage"]))


def _png(w: int, h: int, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (200, 30, 90)).save(buf, fmt)
    return buf.getvalue()


def test_uploads(api, alice):
    client, _ = api
    ticket = client.post(
        "/api/v1/uploads",
        json={"filename": "pack.png", "content_type": "image/png", "size_bytes": 5000},
        headers=alice,
    ).json()
    assert ticket["key"].startswith("users/alice/uploads/")
    r = client.put(ticket["url"], content=_png(400, 320), headers={"content-type": "image/png"})
    assert r.status_code == 200 and r.json()["width"] == 400
    # Type is judged by content, not name; small images and huge files are refused.
    t2 = client.post(
        "/api/v1/uploads",
        json={"filename": "a.png", "content_type": "image/png", "size_bytes": 10},
        headers=alice,
    ).json()
    assert client.put(t2["url"], content=b"GIF89a....").status_code == 415
    assert client.put(t2["url"], content=_png(200, 200)).status_code == 422
    assert client.put(t2["url"], content=b"\x89PNG\r\n\x1a\n" + b"0" * (11 * 1024 * 1024)).status_code == 413
    assert client.put(t2["url"].replace("sig=", "sig=bad"), content=_png(400, 400)).status_code == 403
    r = client.post(
        "/api/v1/uploads",
        json={"filename": "a.gif", "content_type": "image/gif", "size_bytes": 10},
        headers=alice,
    )
    assert r.status_code == 422
    # A brief may only use the caller's own uploads.
    r = client.post(
        "/api/v1/generate",
        json=small_brief(product={"image": "users/bob/uploads/x.png"}),
        headers=alice,
    )
    assert r.status_code == 422


def test_estimate_and_usage(api, alice, done_job):
    client, _ = api
    est = client.post("/api/v1/estimate", json=small_brief(), headers=alice)
    assert est.status_code == 200 and est.json()["total_usd"] == 0
    usage = client.get("/api/v1/usage", headers=alice).json()
    assert usage["completed"] >= 1 and usage["video_seconds"] >= 12


def test_pagination(api, alice):
    client, _ = api
    page = client.get("/api/v1/jobs?limit=1", headers=alice).json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    nxt = client.get(f"/api/v1/jobs?limit=1&cursor={page['next_cursor']}", headers=alice).json()
    assert nxt["items"][0]["job_id"] != page["items"][0]["job_id"]
