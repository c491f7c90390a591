"""Exactly one job per Idempotency-Key, however many requests race with it (issue 14 item 6).

Before the fix each request looked the key up, created a job, and only then recorded the key:
the losers of the race cancelled their own job, which stayed listed and counted by /usage. The
store here is slowed at job creation, which is what widens that window under real load."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from api_harness import make_client, small_brief
from fastapi.testclient import TestClient

API = "/api/v1"


@pytest.fixture
def slow_store(tmp_path: Path) -> tuple[TestClient, Any]:
    client, services = make_client(tmp_path, queue_only=True)
    jobs = services.ctx.jobs
    create = jobs.create

    def slow_create(job):  # type: ignore[no-untyped-def]
        time.sleep(0.3)
        return create(job)

    jobs.create = slow_create
    return client, services


def test_twenty_concurrent_posts_with_one_key_make_one_job(slow_store) -> None:
    client, _ = slow_store
    headers = {"Idempotency-Key": "burst-1"}
    with ThreadPoolExecutor(20) as pool:
        answers = list(
            pool.map(lambda _: client.post(f"{API}/generate", json=small_brief(), headers=headers), range(20))
        )
    assert {r.status_code for r in answers} == {202}, [r.text for r in answers if r.status_code != 202]
    assert len({r.json()["job_id"] for r in answers}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in answers) == 19
    items = client.get(f"{API}/jobs", params={"limit": 100}).json()["items"]
    assert [i["status"] for i in items] == ["queued"]
    assert client.get(f"{API}/usage").json()["jobs"] == 1


def test_a_refused_request_leaves_its_key_free(slow_store) -> None:
    client, _ = slow_store
    headers = {"Idempotency-Key": "retry-after-fix"}
    bad = small_brief(product={"image": "users/local/uploads/0123456789abcdef.png"})
    r = client.post(f"{API}/generate", json=bad, headers=headers)
    assert r.status_code == 422  # no such upload: nothing was created under the key
    r = client.post(f"{API}/generate", json=small_brief(), headers=headers)
    assert r.status_code == 202 and "Idempotent-Replayed" not in r.headers
    assert (
        client.post(f"{API}/generate", json=small_brief(prompt="another brief here"), headers=headers).status_code
        == 409
    )
