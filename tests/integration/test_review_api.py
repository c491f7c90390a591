"""Review through the API with two creators and reviewers (issue 17's Tests): a reviewer sees only
what is shared with them and cannot edit, a creator cannot approve their own version, an approval
binds the version's content hash and is final, edits make a new version that needs its own, a
version with errors needs the recorded override, and the audit trail cannot be rewritten."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import re
import sqlite3
import time
import zipfile
from urllib.parse import quote

import pypdfium2 as pdfium
import pytest
import yaml
from api_harness import small_brief, wait_done
from conftest import SHARED_BRIEFS
from review_world import auth, make_review_client

from omnigen.api import share_links
from omnigen.compliance import RULE_IDS
from omnigen.export.package import PACKAGE_FILES
from omnigen.keys import JobKeys
from omnigen.pipeline import delivery, draft
from omnigen.pipeline.launchers.processes import ProcessRunner
from omnigen.pipeline.launchers.threads import LocalRunner
from omnigen.pipeline.lifecycle import StepFailed
from omnigen.pipeline.steps import compose, load_timeline

API = "/api/v1"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    home = tmp_path_factory.mktemp("review")
    client, services = make_review_client(home)
    # Jobs run on this process's threads with compose's override on, so version 1 is made (and its
    # errors recorded) even where the offline writer's contact card lacks the provider referral
    # QC requires; the edit in the decisions test adds it, and version 2 must pass clean.
    services.launcher.close()
    services.launcher = LocalRunner(dataclasses.replace(services.ctx, allow_noncompliant=True))
    with client:
        brief = yaml.safe_load((SHARED_BRIEFS / "psoriasis_30s.yaml").read_text()) | {"resolution": "360p"}
        r = client.post(f"{API}/generate", json=brief, headers=auth("alice"))
        assert r.status_code == 202, r.text
        job = wait_done(client, r.json()["job_id"], auth("alice"), timeout=900)  # a shared, busy 2-core machine
        assert job["status"] == "completed", job.get("error")
        yield client, services, job["job_id"], home


def _recompose(client, job_id: str) -> int:
    """Re-compose alice's saved timeline through the API and wait for the new version."""
    version = client.post(f"{API}/jobs/{job_id}/compose", headers=auth("alice")).json()["version"]
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        job = client.get(f"{API}/jobs/{job_id}", headers=auth("alice")).json()
        if job["renders"] >= version or job["tracks"]["compose"]["state"] == "failed":
            break
        time.sleep(0.5)
    assert job["renders"] == version, job["tracks"]["compose"]
    return version


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
    first = timeline["texts"][0]
    assert first["kind"] == "super" and first["end_s"] - first["start_s"] >= 4, first
    first["text"] = first["text"] + "\nAsk your healthcare provider"  # the edit the reviewer asked for
    assert client.put(f"{API}/jobs/{job_id}/timeline", json=timeline, headers=auth("alice")).status_code == 200
    assert _recompose(client, job_id) == 2
    v2 = f"{API}/jobs/{job_id}/versions/2"
    review = client.get(f"{v2}/review", headers=auth("rita")).json()
    assert review["status"] == "pending" and review["recorded_hash"] == review["content_hash"]
    assert review["qc_errors"] == 0 and review["compliance_errors"] == 0 and not review["override_recorded"]
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
    # nor can the pipeline render an approved version again, even were its MP4 lost
    services.ctx.assets.delete(keys.output)
    with pytest.raises(StepFailed, match="approved and can never be rendered again"):
        compose(services.ctx, job_id, version=2)
    assert not services.ctx.assets.exists(keys.output)
    services.ctx.assets.put_bytes(keys.output, before["output"])
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
    timeline = load_timeline(ctx, ctx.jobs.get(job_id))
    texts = [t for t in timeline.texts if "Call" not in t.text]  # no contact super: a QC error
    draft.update(ctx, job_id, lambda _: timeline.model_copy(update={"texts": texts}))
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
    # the chain: intact, its head the last entry's hash, and each entry's hash in the export
    report = client.get(f"{API}/jobs/{job_id}/audit/verify", headers=auth("rita")).json()
    assert report["intact"] is True and report["first_broken"] is None, report
    assert report["head_seq"] == items[-1]["seq"] and report["head_hash"] == items[-1]["hash"]
    assert [r["hash"] for r in rows] == [e["hash"] for e in items] and len({e["hash"] for e in items}) == len(items)
    assert exported.headers["x-audit-head"] == items[-1]["hash"] and exported.headers["x-audit-intact"] == "true"
    assert client.get(f"{API}/jobs/{job_id}/audit/verify", headers=auth("bob")).status_code == 404


def test_the_rule_sheet_lists_every_rule_with_its_evidence(world):
    client, _, job_id, _ = world
    r = client.get(f"{API}/jobs/{job_id}/versions/2/rules", headers=auth("rita"))
    assert r.status_code == 200, r.text
    sheet = r.json()
    assert [x["rule"] for x in sheet["rules"]] == list(RULE_IDS)
    assert {x["status"] for x in sheet["rules"]} <= {"pass", "fail", "warning", "not_applicable"}
    assert sheet["spoken_major_statement"] and sheet["shown_major_statement"]
    dual = next(x for x in sheet["rules"] if x["rule"] == "MS-DUAL-MODALITY")
    assert dual["status"] == "pass" and {e["kind"] for e in dual["evidence"]} == {"spoken", "shown"}
    assert all(e["end_s"] > e["start_s"] >= 0 for e in dual["evidence"])
    phone = next(x for x in sheet["rules"] if x["rule"] == "AP-PHONE")
    assert phone["evidence"] and all("555" in e["text"] for e in phone["evidence"])


def test_the_package_holds_every_file_and_its_pdf_renders(world, tmp_path):
    client, services, job_id, _ = world
    r = client.get(f"{API}/jobs/{job_id}/versions/2/package", headers=auth("rita"), follow_redirects=False)
    assert r.status_code == 303, r.text
    z = client.get(r.headers["location"])
    assert z.status_code == 200
    with zipfile.ZipFile(io.BytesIO(z.content)) as archive:
        names = sorted(n.removeprefix("v2/") for n in archive.namelist())
        files = {n.removeprefix("v2/"): archive.read(n) for n in archive.namelist()}
    assert names == sorted(PACKAGE_FILES)
    keys = JobKeys("alice", job_id).version(2)
    assert files["video.mp4"] == services.ctx.assets.get_bytes(keys.output)
    assert files["poster.jpg"][:3] == b"\xff\xd8\xff"
    vtt, srt = files["captions.vtt"].decode(), files["captions.srt"].decode()
    assert vtt.startswith("WEBVTT") and srt.startswith("1\n")
    assert srt.count(" --> ") == vtt.count(" --> ") > 0 and "," in srt.split(" --> ")[0]
    approval = json.loads(files["approval.json"])
    review = client.get(f"{API}/jobs/{job_id}/versions/2/review", headers=auth("rita")).json()
    assert approval["status"] == "approved" and approval["approval"]["content_hash"] == review["content_hash"]
    # the approval record pins the audit trail's head as it stood: that entry is in the trail
    trail = client.get(f"{API}/jobs/{job_id}/audit", headers=auth("rita")).json()["items"]
    head = approval["audit"]
    assert head["intact"] is True and trail[head["head_seq"] - 1]["hash"] == head["head_hash"]
    assert trail[head["head_seq"]]["action"] == "package.exported"
    manifest = json.loads(files["manifest.json"])
    assert manifest["files"]["video.mp4"] == hashlib.sha256(files["video.mp4"]).hexdigest()
    assert json.loads(files["qc.json"])["version"] == 2 and json.loads(files["script.json"])["scenes"]
    # the PDF opens; its first page renders to pixels with text on it; every rule is listed
    pdf = pdfium.PdfDocument(files["compliance.pdf"])
    image = pdf[0].render(scale=1.5).to_pil()
    image.save(tmp_path / "page1.png")
    grey = image.convert("L")
    assert grey.size[0] > 800 and grey.getextrema()[0] < 60 and grey.getextrema()[1] > 240
    assert sum(grey.histogram()[:128]) > 2000  # ink: lines of text, not an empty page
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    for rule in RULE_IDS:
        assert rule in text, rule
    assert "Major statement as spoken" in text and "PASS" in text and review["content_hash"] in text
    assert f"entry {head['head_seq']}, {head['head_hash']} (verified)" in " ".join(text.split())  # the trail's head
    # the same report on its own, printable, and each version's review status in the versions list
    alone = client.get(f"{API}/jobs/{job_id}/versions/2/compliance.pdf", headers=auth("rita"))
    assert alone.headers["content-type"] == "application/pdf" and len(pdfium.PdfDocument(alone.content)) == len(pdf)
    listed = client.get(f"{API}/jobs/{job_id}/versions", headers=auth("rita")).json()
    assert [v["review_status"] for v in listed][:2] == ["changes_requested", "approved"]
    assert listed[0]["open_comments"] == 1
    spoken = client.get(f"{API}/jobs/{job_id}/versions/2/rules", headers=auth("rita")).json()["spoken_major_statement"]
    assert " ".join(spoken[0]["text"].split()[:4]) in " ".join(text.split())


def _built(client, location: str, timeout_s: float = 120) -> dict:
    """Poll a package build's status route until it is no longer building."""
    deadline = time.monotonic() + timeout_s
    while True:
        r = client.get(location, headers=auth("rita"))
        assert r.status_code == 200, r.text
        if r.json()["state"] != "building" or time.monotonic() > deadline:
            return r.json()
        time.sleep(0.2)


def test_the_package_is_built_in_the_background_once_per_review_state(world, monkeypatch):
    client, services, job_id, _ = world
    # version 2's package was built by the plain GET above: asking again is that build, ready
    v2 = f"{API}/jobs/{job_id}/versions/2/package"
    again = client.post(v2, headers=auth("rita"))
    assert again.status_code == 200 and again.json()["state"] == "ready", again.text
    assert again.headers["location"] == again.json()["status_url"] and again.json()["url"]
    # version 3 (pending): 202 and a status route that goes from building to ready, with a link
    v3 = f"{API}/jobs/{job_id}/versions/3/package"
    r = client.post(v3, headers=auth("rita"))
    assert r.status_code in (200, 202), r.text
    location = r.headers["location"]
    assert location == f"{v3}/builds/{r.json()['build_id']}" and r.json()["requested_by"] == "rita"
    if r.status_code == 202:
        assert r.json()["state"] == "building" and r.headers["retry-after"] == "2"
    status = _built(client, location)
    assert status["state"] == "ready" and status["progress"] == 1.0 and status["stage"] == "done", status
    zipped = client.get(status["url"])
    assert zipped.status_code == 200 and zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()
    same = client.post(v3, headers=auth("alice"))
    assert same.status_code == 200 and same.json()["build_id"] == status["build_id"]  # idempotent
    assert client.get(location, headers=auth("bob")).status_code == 404
    assert client.get(f"{v3}/builds/0123456789abcdef", headers=auth("rita")).status_code == 404
    exports = [e for e in client.get(f"{API}/jobs/{job_id}/audit", headers=auth("rita")).json()["items"]
               if e["action"] == "package.exported" and e["version"] == 3]  # fmt: skip
    assert (
        len(exports) == 1 and exports[0]["actor"] == "rita" and exports[0]["detail"]["build_id"] == status["build_id"]
    )

    # a decision since makes it another package (its approval record differs): a new build
    decision = {"decision": "changes_requested", "reason": "tighten the end"}
    decided = client.post(f"{API}/jobs/{job_id}/versions/3/decision", json=decision, headers=auth("rita"))
    assert decided.status_code == 201, decided.text

    # ... which fails here (the disk is full): the status says so, the plain GET answers the error
    def full_disk(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(delivery, "build_package", full_disk)
    r = client.post(v3, headers=auth("rita"))
    assert r.status_code == 202 and r.json()["build_id"] != status["build_id"], r.text
    failed = _built(client, r.headers["location"])
    assert failed["state"] == "failed" and "No space left on device" in failed["error"] and failed["url"] is None
    assert "zipping" in failed["error"]
    plain = client.get(v3, headers=auth("rita"), follow_redirects=False)
    assert plain.status_code == 500 and "No space left" in plain.json()["detail"]
    monkeypatch.undo()
    # asked again, a failed build starts over, and the plain GET waits for it and redirects
    plain = client.get(v3, headers=auth("rita"), follow_redirects=False)
    assert plain.status_code == 303, plain.text
    record = _built(client, r.headers["location"])
    assert record["state"] == "ready" and plain.headers["location"] == record["url"]
    approval = json.loads(zipfile.ZipFile(io.BytesIO(client.get(record["url"]).content)).read("v3/approval.json"))
    assert approval["status"] == "changes_requested" and approval["exported_by"] == "rita"

    # a build whose worker died (no report for longer than STALE_S) reads as failed; asking restarts it
    keys = JobKeys("alice", job_id).version(3)
    stale = json.loads(services.ctx.assets.get_bytes(keys.package_status(record["build_id"])))
    stale |= {"state": "building", "stage": "zipping", "updated_at": "2026-01-01T00:00:00Z"}
    services.ctx.assets.put_bytes(keys.package_status(record["build_id"]), json.dumps(stale).encode())
    dead = client.get(r.headers["location"], headers=auth("rita")).json()
    assert dead["state"] == "failed" and "stopped reporting at zipping" in dead["error"]
    restarted = client.post(v3, headers=auth("rita"))
    assert restarted.status_code == 202 and restarted.json()["state"] == "building"
    assert _built(client, r.headers["location"])["state"] == "ready"

    # the local server's runner (worker processes) builds a package on a thread of its own too
    runner = ProcessRunner(services.ctx, 1, lambda _job: None)
    job = services.ctx.jobs.get(job_id)
    build, start = delivery.request_build(services.ctx, job, next(v for v in job.versions if v.version == 1), "alice")
    assert start and build.state == "building"
    runner.package(job_id, 1, build.build_id)
    done = _built(client, f"{API}/jobs/{job_id}/versions/1/package/builds/{build.build_id}")
    runner.close()
    assert done["state"] == "ready" and done["requested_by"] == "alice", done


def test_share_links_reach_one_version_and_nothing_else(world, monkeypatch):
    client, _, job_id, _ = world
    url = f"{API}/jobs/{job_id}/versions/2/share"
    assert client.post(url, json={"expires_in_s": 3600}, headers=auth("rita")).status_code == 403
    assert client.post(url, json={"expires_in_s": 3600}, headers=auth("bob")).status_code == 404
    made = client.post(url, json={"expires_in_s": 3600}, headers=auth("alice"))
    assert made.status_code == 201, made.text
    link = made.json()
    shared = client.get(link["url"])
    assert shared.status_code == 200, shared.text
    view = shared.json()
    assert view["version"] == 2 and set(view["urls"]) == {"output", "poster", "captions"}
    keys = JobKeys("alice", job_id).version(2)
    for name, signed in view["urls"].items():
        assert quote(getattr(keys, name)) in signed
        assert client.get(signed).status_code == 200
    posted = client.post(f"{link['url']}/comments", json={"name": "Dr. Outside", "at_s": 12.0, "text": "OK by legal"})
    assert posted.status_code == 201 and posted.json()["via_share_link"] is True
    assert posted.json()["author_name"] == "Dr. Outside"
    owner_view = client.get(f"{API}/jobs/{job_id}/versions/2/comments", headers=auth("alice")).json()
    assert any(c["text"] == "OK by legal" for c in owner_view["items"])
    # nothing else through it: not as a bearer token, not bent to another link, version or job
    token = link["token"]
    assert client.get(f"{API}/jobs/{job_id}", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    link_id, exp, sig = token.split(".")
    forged = [
        f"{link_id}.{int(exp) + 999}.{sig}",
        f"{link_id}.{exp}.{sig[:-2]}AA",
        f"{'0' * 16}.{exp}.{sig}",
        "not-a-token",
    ]
    for bad in forged:
        assert client.get(f"{API}/shared/{bad}").status_code == 404, bad
    # a path climbing out of the link lands on the signed-in routes, which want a sign-in
    assert client.get(f"{API}/shared/{token}/../../jobs/{job_id}").status_code == 401
    assert client.get(f"{link['url']}/../versions/1").status_code == 404
    # revoked: 410 for reading and for commenting
    other = client.post(url, json={"expires_in_s": 3600}, headers=auth("alice")).json()
    revoked = client.delete(f"{url}/{link['link_id']}", headers=auth("alice"))
    assert revoked.status_code == 200
    assert {x["link_id"]: x["revoked"] for x in revoked.json()}[link["link_id"]] is True
    assert client.get(link["url"]).status_code == 410
    assert client.post(f"{link['url']}/comments", json={"name": "x", "at_s": 1, "text": "x"}).status_code == 410
    assert client.get(other["url"]).status_code == 200  # the other link is still good
    # expired: 410 too
    real = time.time
    monkeypatch.setattr(share_links.time, "time", lambda: real() + 7200)
    assert client.get(other["url"]).status_code == 410
    monkeypatch.undo()
    actions = [e["action"] for e in client.get(f"{API}/jobs/{job_id}/audit", headers=auth("alice")).json()["items"]]
    assert actions.count("share_link.created") == 2 and "share_link.revoked" in actions


def test_the_api_docs_work_offline(world):
    client, _, _, _ = world
    for page in ("docs", "redoc"):
        html = client.get(f"{API}/{page}").text
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert sources and all(s.startswith(f"{API}/docs-assets/") for s in sources), sources
        assert "http" not in " ".join(sources)
        for s in sources:
            assert client.get(s).status_code == 200, s


def test_open_comments_follow_their_scenes_onto_the_edited_version(world):
    """Comments on the latest version; an edit deletes one scene's clip and shortens the first
    scene; the re-composed version shows the open comments where their scenes now are, the one
    on the deleted scene stays on its version marked outdated, a resolved one is left behind."""
    client, _, job_id, _ = world
    n = client.get(f"{API}/jobs/{job_id}", headers=auth("alice")).json()["renders"]
    old = client.get(f"{API}/jobs/{job_id}/versions/{n}/timeline", headers=auth("alice")).json()
    starts, t = [], 0.0
    for c in old["clips"]:
        starts.append(t - c["transition_s"])
        t += c["out_s"] - c["in_s"] - c["transition_s"]
    assert len(old["clips"]) >= 3, old["clips"]
    gone, later = old["clips"][1]["scene_index"], old["clips"][2]["scene_index"]
    url = f"{API}/jobs/{job_id}/versions/{n}/comments"

    def comment(at_s: float, text: str, **kw) -> dict:
        r = client.post(url, json={"at_s": round(at_s, 3), "text": text, **kw}, headers=auth("rita"))
        assert r.status_code == 201, r.text
        return r.json()

    on_later = comment(starts[2] + 1.0, "cut sooner", end_s=round(starts[2] + 1.5, 3), item="clips.2")
    on_gone = comment(starts[1] + 0.5, "this scene drags")
    done = comment(starts[2] + 0.2, "fixed already")
    reply = client.post(url, json={"at_s": on_later["at_s"], "text": "agreed", "parent_id": on_later["comment_id"]},
                        headers=auth("alice"))  # fmt: skip
    assert reply.status_code == 201
    assert client.post(f"{url}/{done['comment_id']}/resolve", headers=auth("alice")).status_code == 200

    first = old["clips"][0]
    length = first["out_s"] - first["in_s"] - 0.5
    shorter = {"op": "set_scene_length", "scene": first["scene_index"], "duration_s": length}
    ops = [{"op": "delete_clip", "index": 1}, shorter]
    edited = client.post(f"{API}/jobs/{job_id}/timeline/ops", json={"ops": ops}, headers=auth("alice"))
    assert edited.status_code == 200, edited.text
    assert _recompose(client, job_id) == n + 1
    new = client.get(f"{API}/jobs/{job_id}/versions/{n + 1}/timeline", headers=auth("alice")).json()
    index = next(i for i, c in enumerate(new["clips"]) if c["scene_index"] == later)
    new_start = sum(c["out_s"] - c["in_s"] - c["transition_s"] for c in new["clips"][:index]) - new["clips"][index][
        "transition_s"]  # fmt: skip

    carried = client.get(f"{API}/jobs/{job_id}/versions/{n + 1}/comments", headers=auth("rita")).json()
    (thread,) = carried["items"]
    assert thread["comment_id"] == on_later["comment_id"] and thread["carried_from"] == n and thread["version"] == n
    assert thread["at_s"] == pytest.approx(new_start + 1.0, abs=2e-3)
    assert thread["end_s"] == pytest.approx(new_start + 1.5, abs=2e-3)
    assert thread["item"] == f"clips.{index}" and [r["text"] for r in thread["replies"]] == ["agreed"]
    assert carried["open"] == 2
    stayed = {c["comment_id"]: c for c in client.get(url, headers=auth("rita")).json()["items"]}
    assert stayed[on_gone["comment_id"]]["outdated"] is True and stayed[on_gone["comment_id"]]["outdated_in"] == n + 1
    assert f"scene {gone}" in stayed[on_gone["comment_id"]]["outdated_reason"]
    assert stayed[on_later["comment_id"]]["at_s"] == on_later["at_s"]  # unchanged where it was made
    assert not stayed[done["comment_id"]]["outdated"]
    # resolving it on the new version resolves the one thread
    v_next = f"{API}/jobs/{job_id}/versions/{n + 1}"
    r = client.post(f"{v_next}/comments/{on_later['comment_id']}/resolve", headers=auth("alice"))
    assert r.status_code == 200 and r.json()["resolved"] is True and r.json()["at_s"] == thread["at_s"]
    assert client.get(f"{v_next}/review", headers=auth("rita")).json()["open_comments"] == 1  # the reply
    actions = [(e["action"], e["version"]) for e in
               client.get(f"{API}/jobs/{job_id}/audit", headers=auth("alice")).json()["items"]]  # fmt: skip
    assert ("comment.carried", n + 1) in actions and ("comment.outdated", n + 1) in actions


def test_a_trail_rewritten_past_its_triggers_is_caught_by_the_chain(world):
    """Last in this module (it drops the triggers): the file's owner edits and deletes entries
    with sqlite3 itself; verification names the first entry that no longer holds."""
    client, _, job_id, home = world
    verify_url = f"{API}/jobs/{job_id}/audit/verify"
    items = client.get(f"{API}/jobs/{job_id}/audit", headers=auth("alice")).json()["items"]
    decision = next(e for e in items if e["action"] == "decision.recorded")
    db = sqlite3.connect(home / "omnigen.db", isolation_level=None)
    for trigger in ("audit_no_update", "audit_no_delete", "audit_no_overwrite"):
        db.execute(f"DROP TRIGGER {trigger}")
    where = f"stream = 'job:{job_id}' AND seq = {decision['seq']}"
    (original,) = db.execute(f"SELECT data FROM audit WHERE {where}").fetchone()
    db.execute(f"UPDATE audit SET data = json_set(data, '$.detail.decision', 'approved') WHERE {where}")
    report = client.get(verify_url, headers=auth("rita")).json()
    assert report["intact"] is False and report["first_broken"]["seq"] == decision["seq"], report
    exported = client.get(f"{API}/jobs/{job_id}/audit/export", headers=auth("alice"))
    assert exported.headers["x-audit-intact"] == f"false; first broken entry {decision['seq']}"
    # nothing is approved on a trail that does not verify (version 3 could be, otherwise)
    refused = client.post(f"{API}/jobs/{job_id}/versions/3/decision", json={"decision": "approved", "reason": "ok"},
                          headers=auth("rita"))  # fmt: skip
    assert refused.status_code == 409 and f"entry {decision['seq']}" in refused.json()["detail"], refused.text
    db.execute(f"UPDATE audit SET data = ? WHERE {where}", (original,))
    assert client.get(verify_url, headers=auth("rita")).json()["intact"] is True
    db.execute(f"DELETE FROM audit WHERE {where}")
    report = client.get(verify_url, headers=auth("rita")).json()
    assert report["first_broken"]["seq"] == decision["seq"] and "missing" in report["first_broken"]["reason"]
    db.execute("INSERT INTO audit VALUES (?, ?, ?)", (f"job:{job_id}", decision["seq"], original))
    db.close()
    assert client.get(verify_url, headers=auth("rita")).json()["intact"] is True
