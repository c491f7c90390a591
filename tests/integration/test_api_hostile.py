"""Hostile input against the local server (issue 14): DNS rebinding, non-finite numbers, bad
signatures and ranges, asset keys that try to reach the server's files, a broken database.
Every case must get a 4xx (or a 503 naming its cause), never a 5xx crash or a silent accept."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from api_harness import LOCAL_WS, make_client, small_brief
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from omnigen.api.hosts import is_loopback
from omnigen.keys import JobKeys
from omnigen.store.ports import StoreError

API = "/api/v1"
PROBLEM = "application/problem+json"


def _local(home: Path, host: str = "127.0.0.1", **env: str) -> tuple[TestClient, Any]:
    return make_client(home, host=host, queue_only=True, **env)


@pytest.fixture
def local(tmp_path: Path) -> tuple[TestClient, Any]:
    return _local(tmp_path / "home")


# --- item 10: is_loopback ------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "LOCALHOST"])
def test_loopback_names(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host", ["127.evil.example", "127.0.0.1.evil.example", "localhost.evil.example", "0.0.0.0", "10.0.0.1", "", "::"]
)
def test_names_that_only_look_like_loopback(host: str) -> None:
    assert not is_loopback(host)


# --- item 3: DNS rebinding -----------------------------------------------------------------------


@pytest.mark.parametrize("host", ["evil.example", "127.evil.example", "evil.example:8000", "0.0.0.0:8000"])
def test_loopback_server_refuses_other_host_names(local, host: str) -> None:
    client, _ = local
    client.post(f"{API}/generate", json=small_brief())
    r = client.get(f"{API}/jobs", headers={"Host": host})
    assert r.status_code == 421, r.text
    assert r.headers["content-type"] == PROBLEM
    assert "items" not in r.text and host.split(":")[0] in r.json()["detail"]


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "localhost", "[::1]:8000", "127.0.0.1"])
def test_loopback_server_answers_loopback_host_names(local, host: str) -> None:
    client, _ = local
    assert client.get(f"{API}/jobs", headers={"Host": host}).status_code == 200


def test_allowed_hosts_are_configurable(tmp_path: Path) -> None:
    client, _ = _local(tmp_path, OMNIGEN_ALLOWED_HOSTS="omnigen.lan")
    assert client.get(f"{API}/jobs", headers={"Host": "omnigen.lan:8000"}).status_code == 200
    assert client.get(f"{API}/jobs", headers={"Host": "evil.example"}).status_code == 421


def test_websocket_refuses_a_rebound_host(local) -> None:
    client, _ = local
    with pytest.raises(WebSocketDisconnect) as refused:
        _subscribe(client, "any", host="evil.example")
    assert refused.value.code == 1008


# --- item 7: WebSocket Origin, security headers ---------------------------------------------------


def _subscribe(client: TestClient, job_id: str, **headers: str) -> dict[str, Any]:
    with client.websocket_connect(f"{LOCAL_WS}{API}/ws", headers=headers) as ws:
        ws.send_json({"action": "subscribe", "job_id": job_id})
        return ws.receive_json()  # type: ignore[no-any-return]


@pytest.mark.parametrize("origin", ["http://evil.example", "http://127.0.0.1:9999", "null", "https://127.0.0.1:8000"])
def test_websocket_refuses_a_foreign_origin(local, origin: str) -> None:
    client, _ = local
    job_id = client.post(f"{API}/generate", json=small_brief()).json()["job_id"]
    with pytest.raises(WebSocketDisconnect) as refused:
        _subscribe(client, job_id, origin=origin)
    assert refused.value.code == 1008


@pytest.mark.parametrize("origin", ["http://127.0.0.1:8000", None])
def test_websocket_accepts_its_own_origin_and_non_browsers(local, origin: str | None) -> None:
    client, _ = local
    job_id = client.post(f"{API}/generate", json=small_brief()).json()["job_id"]
    event = _subscribe(client, job_id, **({"origin": origin} if origin else {}))
    assert event["job_id"] == job_id and event["status"] == "queued"


def test_websocket_origins_are_configurable(tmp_path: Path) -> None:
    client, _ = _local(tmp_path, OMNIGEN_ALLOWED_ORIGINS="http://localhost:5173")
    job_id = client.post(f"{API}/generate", json=small_brief()).json()["job_id"]
    assert _subscribe(client, job_id, origin="http://localhost:5173")["job_id"] == job_id
    with pytest.raises(WebSocketDisconnect):
        _subscribe(client, job_id, origin="http://localhost:5174")


def _assert_secure(r: Any, csp_part: str) -> None:
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY"
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and csp_part in csp, csp


def test_security_headers_on_api_assets_errors_and_web_app(tmp_path: Path) -> None:
    web = tmp_path / "dist"
    web.mkdir()
    (web / "index.html").write_text("<!doctype html><title>OmniGen</title>")
    client, services = make_client(tmp_path / "home", queue_only=True, web_dir=web)
    _, url = _asset(services)
    for r in (client.get(f"{API}/jobs"), client.get(url), client.get(url, headers={"Range": "bytes=0-9"})):
        assert r.status_code in (200, 206)
        _assert_secure(r, "default-src 'none'")
    for r in (client.get(f"{API}/jobs/nope"), client.get(url + "x"), client.post(f"{API}/generate", json={})):
        assert r.status_code >= 400
        _assert_secure(r, "default-src 'none'")
    page = client.get("/")
    assert page.status_code == 200 and "OmniGen" in page.text
    _assert_secure(page, "script-src 'self'")
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    _assert_secure(client.get(f"{API}/docs"), "script-src")


# --- item 4: non-finite numbers ------------------------------------------------------------------


def _editable_job(client: TestClient, services: Any) -> tuple[str, dict[str, Any]]:
    """A queued job given a clip and a saved timeline, so its timeline can be PUT."""
    job_id = client.post(f"{API}/generate", json=small_brief()).json()["job_id"]
    keys = JobKeys("local", job_id)
    clip = f"{keys.prefix}clips/scene_1.mp4"
    services.ctx.assets.put_bytes(clip, b"not decoded here", "video/mp4")
    timeline = {
        "output": {"width": 640, "height": 360},
        "clips": [{"scene_index": 1, "asset": clip, "out_s": 4.0}],
        "texts": [{"text": "Veltrexa", "start_s": 0.5, "end_s": 3.0}],
    }
    services.ctx.assets.put_bytes(keys.timeline, json.dumps(timeline).encode(), "application/json")
    return job_id, timeline


@pytest.mark.parametrize("literal", ["Infinity", "-Infinity", "NaN", "1e999"])
@pytest.mark.parametrize("field", ["clips.0.out_s", "texts.0.end_s", "texts.0.start_s"])
def test_non_finite_numbers_are_refused(local, literal: str, field: str) -> None:
    client, services = local
    job_id, timeline = _editable_job(client, services)
    part, index, name = field.split(".")
    timeline[part][int(index)][name] = "@@"
    body = json.dumps(timeline).replace('"@@"', literal)
    r = client.put(f"{API}/jobs/{job_id}/timeline", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM and "finite" in r.json()["detail"]
    r = client.get(f"{API}/jobs/{job_id}/timeline")
    assert r.status_code == 200 and r.json()["clips"][0]["out_s"] == 4.0


def test_a_damaged_saved_timeline_is_not_a_500(local) -> None:
    client, services = local
    job_id, timeline = _editable_job(client, services)
    timeline["clips"][0]["out_s"] = None  # what a non-finite number became before it was refused
    services.ctx.assets.put_bytes(JobKeys("local", job_id).timeline, json.dumps(timeline).encode())
    r = client.get(f"{API}/jobs/{job_id}/timeline")
    assert r.status_code == 409, r.text
    assert "PUT" in r.json()["detail"]


# --- item 8: no 5xx from client input ------------------------------------------------------------


def _asset(services: Any) -> tuple[str, str]:
    key = JobKeys("local", "j1").output(1)
    services.ctx.assets.put_bytes(key, b"0123456789" * 100, "video/mp4")
    return key, services.urls.url(key)


@pytest.mark.parametrize("sig", ["é", "\u202e", "%FF", "a" * 43 + "é"])
def test_non_ascii_signature_is_403(local, sig: str) -> None:
    client, services = local
    key, _ = _asset(services)
    r = client.get(f"{API}/assets/{key}", params={"exp": "9999999999", "sig": sig})
    assert r.status_code == 403, r.text
    r = client.put(f"{API}/uploads/users/local/uploads/x.png", params={"exp": "9999999999", "sig": sig}, content=b"x")
    assert r.status_code == 403, r.text


def test_huge_exp_is_403(local) -> None:
    client, services = local
    key, _ = _asset(services)
    r = client.get(f"{API}/assets/{key}", params={"exp": "9" * 5000, "sig": "x"})
    assert r.status_code in (403, 422), r.text


@pytest.mark.parametrize(
    "rng", ["bytes=0-" + "9" * 5000, "bytes=" + "9" * 5000 + "-", "bytes=-" + "9" * 5000, "bytes=5-2"]
)
def test_absurd_ranges_are_416_or_served(local, rng: str) -> None:
    client, services = local
    _, url = _asset(services)
    r = client.get(url, headers={"Range": rng})
    assert r.status_code in (206, 416), r.text
    if r.status_code == 206:
        assert int(r.headers["content-length"]) == len(r.content) <= 1000


def test_range_past_the_end_is_clipped(local) -> None:
    client, services = local
    _, url = _asset(services)
    r = client.get(url, headers={"Range": "bytes=990-" + "9" * 5000})
    assert r.status_code == 206 and r.content == b"0123456789"
    assert r.headers["content-range"] == "bytes 990-999/1000"


@pytest.mark.parametrize(
    "image",
    [
        "users/local/uploads/../../../etc/passwd.png",
        "users/local/uploads/a\x00.png",
        "users/local/uploads/a\\..\\b.png",
        "users/local/uploads/" + "a" * 5000 + ".png",
    ],
)
def test_bad_image_keys_are_422(local, image: str) -> None:
    client, _ = local
    r = client.post(f"{API}/generate", json=small_brief(product={"image": image}))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "product.image"


def test_truncated_database_is_never_a_500(local) -> None:
    client, services = local
    assert client.post(f"{API}/generate", json=small_brief()).status_code == 202
    db = services.ctx.settings.db_path
    with open(db, "r+b") as f:
        f.truncate(1000)
    for name in (db.name + "-wal", db.name + "-shm"):
        (db.parent / name).unlink(missing_ok=True)
    services.kv._local = threading.local()  # every request thread opens the damaged file afresh
    for path in (f"{API}/jobs", f"{API}/usage", f"{API}/jobs/nope"):
        r = client.get(path)
        # SQLite may still answer from what this process has mapped of the old file; what it
        # cannot read is a 503 naming the file, never a 500
        assert r.status_code in (200, 404, 503), (path, r.text)
        if r.status_code == 503:
            assert str(db) in r.json()["detail"]


def test_a_damaged_database_is_503_naming_it(local) -> None:
    client, services = local
    assert client.post(f"{API}/generate", json=small_brief()).status_code == 202
    db = services.ctx.settings.db_path
    db.write_bytes(b"this is not a SQLite database " * 200)
    for name in (db.name + "-wal", db.name + "-shm"):
        (db.parent / name).unlink(missing_ok=True)
    services.kv._local = threading.local()
    r = client.get(f"{API}/jobs")
    assert r.status_code == 503, r.text
    assert str(db) in r.json()["detail"] and "omnigen recover" in r.json()["detail"]


def test_a_server_cannot_start_on_a_damaged_database(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "omnigen.db").write_bytes(b"\x00garbage" * 500)
    with pytest.raises(StoreError, match=str(home / "omnigen.db")):
        _local(home)


def test_deleted_database_is_503_naming_it(local) -> None:
    client, services = local
    assert client.post(f"{API}/generate", json=small_brief()).status_code == 202
    db = services.ctx.settings.db_path
    for name in (db.name, db.name + "-wal", db.name + "-shm"):
        (db.parent / name).unlink(missing_ok=True)
    services.kv._local = threading.local()  # every request thread opens the path afresh
    r = client.get(f"{API}/jobs")
    assert r.status_code in (200, 503), r.text
    if r.status_code == 503:
        assert str(db) in r.json()["detail"]


@pytest.mark.parametrize("tail", ["../../../../etc/passwd", "clips/a\x00.mp4", "clips/..\\x.mp4", "/etc/passwd"])
def test_timeline_asset_keys_that_escape_are_422(local, tail: str) -> None:
    client, services = local
    job_id, timeline = _editable_job(client, services)
    timeline["clips"][0]["asset"] = JobKeys("local", job_id).prefix + tail
    r = client.put(f"{API}/jobs/{job_id}/timeline", json=timeline)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "clips.0.asset"


# --- item 9: API image keys never touch the server's filesystem -----------------------------------


def test_api_image_key_is_never_a_server_path(local, tmp_path: Path, monkeypatch) -> None:
    client, services = local
    monkeypatch.chdir(tmp_path)
    secret = tmp_path / "users" / "local" / "uploads" / "0123456789abcdef.png"  # an upload key's form
    secret.parent.mkdir(parents=True)
    secret.write_bytes(b"server secret, not an image")
    brief = small_brief(product={"image": os.path.relpath(secret)})
    r = client.post(f"{API}/generate", json=brief)
    assert r.status_code == 422, r.text
    assert "no such upload" in r.json()["detail"]
    for key in services.ctx.assets.list("users/local/jobs"):
        assert b"server secret" not in services.ctx.assets.get_bytes(key)
