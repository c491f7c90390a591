"""Review through the API with two creators and reviewers (issue 17's Tests): a reviewer sees only
what is shared with them and cannot edit, a creator cannot approve their own version, an approval
binds the version's content hash and is final, edits make a new version that needs its own, a
version with errors needs the recorded override, and the audit trail cannot be rewritten."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import time

import pytest
import yaml
from api_harness import small_brief, wait_done
from conftest import SHARED_BRIEFS
from review_world import auth, make_review_client

from omnigen.keys import JobKeys
from omnigen.pipeline.steps import compose

API = "/api/v1"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    home = tmp_path_factory.mktemp("review")
    client, services = make_review_client(home)
    with client:
        brief = yaml.safe_load((SHARED_BRIEFS / "psoriasis_30s.yaml").read_text()) | {"resolution": "360p"}
        r = client.post(f"{API}/generate", json=brief, headers=auth("alice"))
        assert r.status_code == 202, r.text
        job = wait_done(client, r.json()["job_id"], auth("alice"))
        assert job["status"] == "completed", job.get("error")
        yield client, services, job["job_id"], home


def test_roles_come_from_the_users_file(world):
    client, _, _, _ = world
    assert client.get(f"{API}/me", headers=auth("rita")).json()["roles"] == ["reviewer"]
    assert client.get(f"{API}/me", headers=auth("alice")).json()["roles"] == ["creator", "reviewer"]
    assert client.get(f"{API}/me").status_code == 401
    assert client.get(f"{API}/me", headers={"Authorization": "Bearer nobody"}).status_code == 401


def test_isolation_and_sharing(world):
    client, _, job_id, _ = world
    for user in ("bob", "rita"):
        assert client.get(f"{API}/jobs/{job_id}", headers=auth(user)).status_code == 404
        assert client.get(f"{API}/jobs/{job_id}/versions/1/comments", headers=auth(user)).status_code == 404
        assert client.get(f"{API}/jobs/{job_id}/audit", headers=auth(user)).status_code == 404
    assert client.get(f"{API}/jobs", headers=auth("rita")).json()["items"] == []
    assert client.get(f"{API}/jobs", headers=auth("bob")).json()["items"] == []
    # only the owner shares
    assert (
        client.post(f"{API}/jobs/{job_id}/reviewers", json={"user_id": "rita"}, headers=auth("bob")).status_code == 404
    )
    r = client.post(f"{API}/jobs/{job_id}/reviewers", json={"user_id": "rita"}, headers=auth("alice"))
    assert r.status_code == 201 and r.json()["reviewers"] == ["rita"]
    assert [j["job_id"] for j in client.get(f"{API}/jobs", headers=auth("rita")).json()["items"]] == [job_id]
    assert client.get(f"{API}/jobs/{job_id}", headers=auth("rita")).status_code == 200
    assert client.get(f"{API}/jobs/{job_id}/versions", headers=auth("rita")).status_code == 200
    assert client.get(f"{API}/jobs/{job_id}/timeline", headers=auth("rita")).status_code == 200
    assert client.get(f"{API}/jobs/{job_id}", headers=auth("ravi")).status_code == 404  # not shared with ravi
    assert client.get(f"{API}/jobs/{job_id}", headers=auth("bob")).status_code == 404


def test_a_reviewer_cannot_edit(world):
    client, _, job_id, _ = world
    timeline = client.get(f"{API}/jobs/{job_id}/timeline", headers=auth("rita")).json()
    refused = [
        client.put(f"{API}/jobs/{job_id}/timeline", json=timeline, headers=auth("rita")),
        client.post(f"{API}/jobs/{job_id}/compose", headers=auth("rita")),
        client.post(f"{API}/jobs/{job_id}/cancel", headers=auth("rita")),
        client.post(f"{API}/generate", json=small_brief(), headers=auth("rita")),
        client.post(f"{API}/jobs/{job_id}/reviewers", json={"user_id": "ravi"}, headers=auth("rita")),
    ]
    assert [r.status_code for r in refused] == [403] * 5, [r.text for r in refused]
    assert "reviewers can read" in refused[0].json()["detail"]


def test_comments_pinned_threaded_resolvable(world):
    client, _, job_id, _ = world
    url = f"{API}/jobs/{job_id}/versions/1/comments"
    r = client.post(url, json={"at_s": 2.0, "end_s": 3.5, "item": "texts.0", "text": "Risk text too small"},
                    headers=auth("rita"))  # fmt: skip
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["author"] == "rita" and first["at_s"] == 2.0 and first["item"] == "texts.0"
    reply = client.post(
        url, json={"at_s": 2.0, "text": "Will fix", "parent_id": first["comment_id"]}, headers=auth("alice")
    )
    assert reply.status_code == 201
    bad = [
        client.post(url, json={"at_s": 999, "text": "x"}, headers=auth("rita")),
        client.post(url, json={"at_s": 1, "item": "texts.99", "text": "x"}, headers=auth("rita")),
        client.post(url, json={"at_s": 3, "end_s": 1, "text": "x"}, headers=auth("rita")),
        client.post(url, json={"at_s": 1, "text": "x", "parent_id": "0123456789ab"}, headers=auth("rita")),
    ]
    assert [b.status_code for b in bad] == [422] * 4, [b.text for b in bad]
    assert client.post(url, json={"at_s": 1, "text": "x"}, headers=auth("bob")).status_code == 404
    listed = client.get(url, headers=auth("alice")).json()
    assert listed["open"] == 2 and len(listed["items"]) == 1
    assert listed["items"][0]["replies"][0]["text"] == "Will fix"
    done = client.post(f"{url}/{first['comment_id']}/resolve", headers=auth("alice"))
    assert done.status_code == 200 and done.json()["resolved"] is True and done.json()["resolved_by"] == "alice"
    assert client.get(url, headers=auth("rita")).json()["open"] == 1


def test_decisions_self_approval_and_final_approval(world):
    client, services, job_id, _ = world
    v1 = f"{API}/jobs/{job_id}/versions/1"
    # alice reviews too, but made this version: she cannot approve it (bob is no reviewer at all)
    mine = client.post(f"{v1}/decision", json={"decision": "approved", "reason": "fine"}, headers=auth("alice"))
    assert mine.status_code == 403 and "cannot approve it yourself" in mine.json()["detail"]
    assert (
        client.post(f"{v1}/decision", json={"decision": "approved", "reason": "x"}, headers=auth("bob")).status_code
        == 404
    )
    r = client.post(
        f"{v1}/decision", json={"decision": "changes_requested", "reason": "bigger risk text"}, headers=auth("rita")
    )
    assert r.status_code == 201, r.text
    assert client.get(f"{v1}/review", headers=auth("alice")).json()["status"] == "changes_requested"

    # the edit and re-compose make version 2; version 1 stays as it was
    timeline = client.get(f"{API}/jobs/{job_id}/timeline", headers=auth("alice")).json()
    timeline["texts"][0]["text"] = timeline["texts"][0]["text"] + " "  # an edit the reviewer asked for
    assert client.put(f"{API}/jobs/{job_id}/timeline", json=timeline, headers=auth("alice")).status_code == 200
    assert client.post(f"{API}/jobs/{job_id}/compose", headers=auth("alice")).json()["version"] == 2
    for _ in range(600):
        job = client.get(f"{API}/jobs/{job_id}", headers=auth("alice")).json()
        if job["renders"] >= 2 or job["tracks"]["compose"]["state"] == "failed":
            break
        time.sleep(0.5)
    assert job["renders"] == 2, job["tracks"]["compose"]
    v2 = f"{API}/jobs/{job_id}/versions/2"
    review = client.get(f"{v2}/review", headers=auth("rita")).json()
    assert review["status"] == "pending" and review["recorded_hash"] == review["content_hash"]
    assert review["content_hash"].startswith("sha256:")
    r = client.post(f"{v2}/decision", json={"decision": "approved", "reason": "MLR approved"}, headers=auth("rita"))
    assert r.status_code == 201, r.text
    approval = r.json()
    assert approval["content_hash"] == review["content_hash"] and approval["by"] == "rita"
    # approving is final: no second decision on v2, whoever asks
    again = client.post(
        f"{v2}/decision", json={"decision": "rejected", "reason": "changed my mind"}, headers=auth("rita")
    )
    assert again.status_code == 409 and "cannot change" in again.json()["detail"]
    # a later edit makes version 3, which needs its own approval; v2's files are untouched
    keys = JobKeys("alice", job_id).version(2)
    before = {n: services.ctx.assets.get_bytes(k) for n, k in keys.all().items() if services.ctx.assets.exists(k)}
    compose(services.ctx, job_id, version=3)
    after = {n: services.ctx.assets.get_bytes(k) for n, k in keys.all().items() if services.ctx.assets.exists(k)}
    assert after == before
    assert client.get(f"{v2}/review", headers=auth("rita")).json()["status"] == "approved"
    assert client.get(f"{API}/jobs/{job_id}/versions/3/review", headers=auth("rita")).json()["status"] == "pending"
    # a version's files changed behind the API's back no longer match the hash recorded at render
    v1keys = JobKeys("alice", job_id).version(1)
    services.ctx.assets.put_bytes(v1keys.qc, services.ctx.assets.get_bytes(v1keys.qc) + b" ")
    tampered = client.get(f"{v1}/review", headers=auth("rita")).json()
    assert tampered["content_hash"] != tampered["recorded_hash"]
    refused = client.post(f"{v1}/decision", json={"decision": "approved", "reason": "ok"}, headers=auth("rita"))
    assert refused.status_code == 409 and "no longer match" in refused.json()["detail"]


def test_a_version_with_errors_needs_the_recorded_override(world):
    client, services, job_id, _ = world
    ctx = services.ctx
    keys = JobKeys("alice", job_id)
    timeline = json.loads(ctx.assets.get_bytes(keys.timeline))
    timeline["texts"] = [t for t in timeline["texts"] if "Call" not in t["text"]]  # the contact super: a QC error
    ctx.assets.put_bytes(keys.timeline, json.dumps(timeline).encode())
    n = ctx.jobs.get(job_id).renders + 1
    compose(ctx, job_id, version=n, allow_noncompliant=True)
    url = f"{API}/jobs/{job_id}/versions/{n}"
    review = client.get(f"{url}/review", headers=auth("rita")).json()
    assert review["qc_errors"] >= 1 and review["override_recorded"] is True
    r = client.post(f"{url}/decision", json={"decision": "approved", "reason": "ok"}, headers=auth("rita"))
    assert r.status_code == 409 and "override" in r.json()["detail"]
    r = client.post(
        f"{url}/decision",
        json={"decision": "approved", "reason": "ok", "override": "contact card is in the end slate"},
        headers=auth("rita"),
    )
    assert r.status_code == 201 and r.json()["override"] == "contact card is in the end slate"
    actions = [
        (e["action"], e["version"])
        for e in client.get(f"{API}/jobs/{job_id}/audit", headers=auth("alice")).json()["items"]
    ]
    assert ("override.recorded", n) in actions


def test_the_audit_trail_records_everything_and_cannot_be_rewritten(world):
    client, _, job_id, home = world
    items = client.get(f"{API}/jobs/{job_id}/audit", headers=auth("rita")).json()["items"]
    actions = [e["action"] for e in items]
    for needed in ("job.created", "reviewer.added", "version.rendered", "comment.added", "comment.resolved",
                   "decision.recorded", "timeline.edited", "render.requested"):  # fmt: skip
        assert needed in actions, actions
    assert [e["seq"] for e in items] == list(range(1, len(items) + 1))
    rendered = [e for e in items if e["action"] == "version.rendered"]
    assert all(e["content_hash"].startswith("sha256:") and e["actor"] == "system" for e in rendered)
    decision = next(e for e in items if e["action"] == "decision.recorded")
    assert decision["actor"] == "rita" and decision["content_hash"] and decision["at"]
    exported = client.get(f"{API}/jobs/{job_id}/audit/export", headers=auth("alice"))
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["action"] for r in rows] == actions
    lines = client.get(f"{API}/jobs/{job_id}/audit/export?format=jsonl", headers=auth("alice")).text.splitlines()
    assert [json.loads(x)["seq"] for x in lines] == [e["seq"] for e in items]
    # a direct write to the store is refused by the database itself
    db = sqlite3.connect(home / "omnigen.db")
    for statement in (
        "UPDATE audit SET data = '{}'",
        "DELETE FROM audit",
        f"INSERT OR REPLACE INTO audit VALUES ('job:{job_id}', 1, '{{}}')",
        f"INSERT INTO audit VALUES ('job:{job_id}', 1, '{{}}')",
    ):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute(statement)
    db.close()
    assert client.get(f"{API}/jobs/{job_id}/audit", headers=auth("rita")).json()["items"] == items
