"""Editing a finished ad through the API, on real parts (SQLite, disk, the worker runner, the
offline providers, ffmpeg): drafts and versions, the draft check, edit operations, re-voicing
only the changed line, regenerating a scene (cost first, takes kept and selectable, re-seeding a
chain), refusals (unknown scene, another user's job or take, a regenerate while composing, an
edit that breaks a rule), and plain status lines."""

# ruff: noqa: F811 (tests take the fixtures imported from api_harness by name)
from __future__ import annotations

import json
import time

import pytest
from api_harness import alice, api, bob, keys, small_brief, wait_done  # noqa: F401 (the fixtures)

from omnigen.job import TrackProgress
from omnigen.keys import JobKeys

API = "/api/v1"


def _made(client, headers, **brief):
    # 20 s: the 12 s harness brief's contact card drops the on-screen referral that QC requires
    r = client.post(f"{API}/generate", json=small_brief(duration_s=20) | brief, headers=headers)
    assert r.status_code == 202, r.text
    job = wait_done(client, r.json()["job_id"], headers)
    assert job["status"] == "completed", job.get("error")
    return job


@pytest.fixture(scope="module")
def job(api, alice):
    """A chained 20 s ad: every scene starts on the previous one's last frame."""
    return _made(api[0], alice, continuity="chain")


def _wait(client, job_id, headers, done, timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"{API}/jobs/{job_id}", headers=headers).json()
        if done(job):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id}: condition not reached; tracks {json.dumps(job['tracks'])[:2000]}")


def _compose(client, job_id, headers):
    """Re-compose and wait for that compose to end (not an earlier one's failed track still
    showing before it starts); returns (202 body, job after)."""
    earlier = client.get(f"{API}/jobs/{job_id}", headers=headers).json()["tracks"]["compose"]["started_at"]
    r = client.post(f"{API}/jobs/{job_id}/compose", headers=headers)
    assert r.status_code == 202, r.text
    version = r.json()["version"]

    def ended(j):
        t = j["tracks"]["compose"]
        if t["started_at"] == earlier:
            return False
        return t["state"] == "failed" or (t["state"] == "done" and j["renders"] >= version)

    return r.json(), _wait(client, job_id, headers, ended)


def _timeline(client, job_id, headers):
    r = client.get(f"{API}/jobs/{job_id}/timeline", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def _ops(client, job_id, headers, *ops):
    return client.post(f"{API}/jobs/{job_id}/timeline/ops", json={"ops": list(ops)}, headers=headers)


def _assets(services, job, under: str) -> list[str]:
    """The job's asset keys that start with `under` (a folder and the start of a name)."""
    prefix = JobKeys(job["user_id"], job["job_id"]).prefix
    folder = prefix + under.rsplit("/", 1)[0] + "/" if "/" in under else prefix
    return sorted(k for k in services.ctx.assets.list(folder) if k.startswith(prefix + under))


# --- drafts and versions ---------------------------------------------------------------------


def test_check_finds_what_an_edit_breaks_without_rendering(api, alice, job):
    client, services = api
    draft = _timeline(client, job["job_id"], alice)
    r = client.post(f"{API}/jobs/{job['job_id']}/timeline/check", json=draft, headers=alice)
    assert r.status_code == 200, r.text
    assert r.json()["passed"] is True and r.json()["errors"] == 0 and r.json()["revoice_lines"] == []
    broken = draft | {"texts": [t for t in draft["texts"] if t["kind"] != "major_statement"]}
    r = client.post(f"{API}/jobs/{job['job_id']}/timeline/check", json=broken, headers=alice)
    body = r.json()
    assert r.status_code == 200 and body["passed"] is False and body["errors"] >= 1
    rules = {f["rule"] for f in body["findings"] if f["severity"] == "error"}
    assert "MS-DUAL-MODALITY" in rules or any("DUAL" in x or x.startswith("MS-") for x in rules), rules
    assert all(f["message"] and f["fix"] for f in body["findings"] if f["severity"] == "error")
    assert _timeline(client, job["job_id"], alice) == draft  # a check saves nothing
    assert not _assets(services, job, "final/v2")  # and renders nothing


def test_check_refuses_another_jobs_asset_and_another_users_job(api, alice, bob, job):
    client, _ = api
    draft = _timeline(client, job["job_id"], alice)
    mine = _made(client, bob)
    assert client.post(f"{API}/jobs/{job['job_id']}/timeline/check", json=draft, headers=bob).status_code == 404
    r = client.post(f"{API}/jobs/{mine['job_id']}/timeline/check", json=draft, headers=bob)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "clips.0.asset"


def test_edit_ops_validate_and_report_findings(api, alice, job):
    client, _ = api
    jid = job["job_id"]
    before = _timeline(client, jid, alice)
    for op, field in (
        ({"op": "set_scene_length", "scene": 9, "duration_s": 2}, "ops.0.scene"),
        ({"op": "set_line_text", "line": 99, "text": "Hello."}, "ops.0.line"),
        ({"op": "delete_text", "index": 99}, "ops.0.index"),
        ({"op": "set_scene_length", "scene": 1, "duration_s": 0.1}, "ops.0.duration_s"),
        ({"op": "select_take", "scene": 1, "take": 7}, "ops.0.take"),
    ):
        r = _ops(client, jid, alice, op)
        assert r.status_code == 422, (op, r.text)
        assert r.json()["errors"][0]["field"] == field, r.json()
    r = _ops(client, jid, alice, {"op": "set_line_text", "line": 0, "text": ""})
    assert r.status_code == 422  # the request itself is invalid
    assert _timeline(client, jid, alice) == before  # nothing half-applied

    # Doubling a clip makes the edit longer than the brief: saved as a draft, with the finding.
    r = _ops(client, jid, alice, {"op": "duplicate_clip", "index": 0})
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["timeline"]["clips"]) == len(before["clips"]) + 1
    assert body["check"]["passed"] is False and "FIT-DURATION" in {f["rule"] for f in body["check"]["findings"]}
    first = before["clips"][0]["out_s"] - before["clips"][0]["in_s"]
    assert body["timeline"]["voice"][-1]["start_s"] == pytest.approx(before["voice"][-1]["start_s"] + first, abs=1e-3)
    r = _ops(client, jid, alice, {"op": "delete_clip", "index": 1})
    assert r.status_code == 200 and r.json()["check"]["passed"] is True, r.json()["check"]
    assert [c["asset"] for c in r.json()["timeline"]["clips"]] == [c["asset"] for c in before["clips"]]

    # Add a text, then delete it again.
    item = {"kind": "super", "text": "Ask your doctor", "start_s": 1.0, "end_s": 3.0}
    r = _ops(client, jid, alice, {"op": "add_text", "item": item})
    assert r.status_code == 200 and len(r.json()["timeline"]["texts"]) == len(before["texts"]) + 1
    r = _ops(client, jid, alice, {"op": "delete_text", "index": len(before["texts"])})
    assert r.status_code == 200 and r.json()["timeline"]["texts"] == before["texts"]

    # Shortening a scene pulls what follows earlier by as much.
    clip = before["clips"][0]
    r = _ops(client, jid, alice, {"op": "set_scene_length", "scene": clip["scene_index"], "duration_s": 1.0})
    assert r.status_code == 200, r.text
    shift = 1.0 - (clip["out_s"] - clip["in_s"])
    assert r.json()["timeline"]["clips"][0]["out_s"] == pytest.approx(clip["in_s"] + 1.0)
    last = before["voice"][-1]["start_s"]
    assert r.json()["timeline"]["voice"][-1]["start_s"] == pytest.approx(last + shift, abs=1e-3)
    assert client.put(f"{API}/jobs/{jid}/timeline", json=before, headers=alice).status_code == 200


def test_a_changed_line_alone_is_revoiced_and_versions_keep_their_edit(api, alice, job):
    client, services = api
    jid = job["job_id"]
    v1 = _timeline(client, jid, alice)
    line = next(i for i, v in enumerate(v1["voice"]) if not v["major_statement"])
    r = _ops(client, jid, alice, {"op": "set_line_text", "line": line, "text": "Back in the garden, at last."})
    assert r.status_code == 200 and r.json()["check"]["revoice_lines"] == [line], r.json()["check"]
    accepted, after = _compose(client, jid, alice)
    assert after["tracks"]["compose"]["state"] == "done", after["tracks"]["compose"]
    k = accepted["version"]
    said = _assets(services, job, "audio/voice/said_")
    assert len(said) == 1  # one line spoken again, no other
    v2 = client.get(f"{API}/jobs/{jid}/versions/{k}/timeline", headers=alice).json()
    assert v2["voice"][line]["asset"] == said[0] and v2["voice"][line]["text"] == "Back in the garden, at last."
    assert [v["asset"] for i, v in enumerate(v2["voice"]) if i != line] == [
        v["asset"] for i, v in enumerate(v1["voice"]) if i != line
    ]
    assert client.get(f"{API}/jobs/{jid}/versions/1/timeline", headers=alice).json() == v1

    # Restore v1 into the draft, then v2 again: the line's voice is reused, not spoken a third time.
    r = client.post(f"{API}/jobs/{jid}/versions/1/restore", headers=alice)
    assert r.status_code == 200 and r.json() == v1 and _timeline(client, jid, alice) == v1
    assert client.post(f"{API}/jobs/{jid}/versions/{k}/restore", headers=alice).json() == v2
    r = _ops(client, jid, alice, {"op": "set_line_text", "line": line, "text": v1["voice"][line]["text"]})
    assert r.json()["check"]["revoice_lines"] == [line]  # its voice says the new text
    r = _ops(client, jid, alice, {"op": "set_line_text", "line": line, "text": "Back in the garden, at last."})
    assert r.json()["check"]["revoice_lines"] == []  # and now it says what it is voiced with
    assert client.post(f"{API}/jobs/{jid}/versions/99/restore", headers=alice).status_code == 404
    client.post(f"{API}/jobs/{jid}/versions/1/restore", headers=alice)


def test_a_refused_compose_keeps_the_last_version_and_leaves_no_report_of_its_own(api, alice, job):
    client, services = api
    jid = job["job_id"]
    before = client.get(f"{API}/jobs/{jid}", headers=alice).json()
    good = _timeline(client, jid, alice)
    broken = good | {"texts": [t for t in good["texts"] if t["kind"] != "major_statement"]}
    assert client.put(f"{API}/jobs/{jid}/timeline", json=broken, headers=alice).status_code == 200
    accepted, after = _compose(client, jid, alice)
    assert after["tracks"]["compose"]["state"] == "failed"
    assert after["renders"] == before["renders"] and after["assets"]["output"] == before["assets"]["output"]
    assert [v["version"] for v in after["versions"]] == [v["version"] for v in before["versions"]]
    made = JobKeys(job["user_id"], jid).version(accepted["version"])
    assert not any(services.ctx.assets.exists(key) for key in made.all().values())
    assert client.get(f"{API}/jobs/{jid}/versions/{accepted['version']}", headers=alice).status_code == 404
    assert _timeline(client, jid, alice) == broken  # the draft is kept for fixing
    # The job's reports are still the last made version's: none describes the version not made.
    report = client.get(f"{API}/jobs/{jid}/compliance", headers=alice).json()
    assert report["made"] is True and report["version"] == before["renders"] and report["errors"] == 0
    qc = client.get(f"{API}/jobs/{jid}/qc", headers=alice).json()
    assert qc["made"] is True and qc["version"] == before["renders"]
    assert after["compliance"] == before["compliance"] and after["qc"] == before["qc"]
    # The refusal is a finding of the draft: its rule, where, and what to do, in plain words.
    refusal = after["refusal"]
    assert refusal["version"] == accepted["version"] and refusal["check"] == "compliance"
    rules = {f["rule"] for f in refusal["findings"]}
    assert rules and all(f["severity"] == "error" and f["fix"] for f in refusal["findings"]), refusal
    assert refusal["message"].startswith("The edit breaks compliance rules")
    assert all(rule in refusal["message"] for rule in rules) and "--" not in refusal["message"]
    assert after["tracks"]["compose"]["message"] == refusal["message"]
    check = client.post(f"{API}/jobs/{jid}/timeline/check", json=broken, headers=alice).json()
    assert check["refused_version"] == accepted["version"] and not check["passed"]
    assert rules <= {f["rule"] for f in check["findings"] if f["severity"] == "error"}
    fixed = client.put(f"{API}/jobs/{jid}/timeline", json=good, headers=alice)
    assert fixed.status_code == 200
    again = client.post(f"{API}/jobs/{jid}/timeline/check", json=good, headers=alice).json()
    assert again["refused_version"] is None and again["refused_message"] == ""
    _, remade = _compose(client, jid, alice)  # a version made clears the refusal
    assert remade["tracks"]["compose"]["state"] == "done", remade["tracks"]["compose"]
    assert remade["refusal"] is None


# --- regenerating a scene --------------------------------------------------------------------


def test_regenerate_a_scene_cost_first_takes_kept_chain_reseeded(api, alice, bob, job):
    client, services = api
    jid = job["job_id"]
    scenes = len(job["tracks"]) - 4  # script, music, voiceover, compose
    assert scenes >= 2
    body = {"shot": "close on the roses, morning light", "mood": "hopeful"}
    est = client.post(f"{API}/jobs/{jid}/scenes/1/regenerate/estimate", json=body, headers=alice)
    assert est.status_code == 200, est.text
    assert est.json()["scenes"] == list(range(1, scenes + 1))  # the chain follows by default
    assert est.json()["usd"] == 0 and est.json()["expected_seconds"] > 0
    alone = client.post(f"{API}/jobs/{jid}/scenes/1/regenerate/estimate", json=body | {"reseed_following": False},
                        headers=alice)  # fmt: skip
    assert alone.json()["scenes"] == [1]

    r = client.post(f"{API}/jobs/{jid}/scenes/1/regenerate", json=body, headers=alice)
    assert r.status_code == 202, r.text
    assert r.json()["take"] == 2 and r.json()["reseeds"] == list(range(2, scenes + 1))
    again = client.post(f"{API}/jobs/{jid}/scenes/1/regenerate", json={}, headers=alice)
    assert again.status_code == 409, again.text  # that scene is still rendering
    blocked = client.post(f"{API}/jobs/{jid}/compose", headers=alice)
    assert blocked.status_code == 409 and "regenerated" in blocked.json()["detail"]

    def reseeded(j):
        return (
            all(j["tracks"][f"scene_{n}"]["state"] == "done" for n in range(1, scenes + 1))
            and len([t for t in j["takes"] if t["state"] == "done"]) == scenes
        )

    after = _wait(client, jid, alice, reseeded)
    takes = client.get(f"{API}/jobs/{jid}/scenes/1/takes", headers=alice).json()
    assert [t["take"] for t in takes] == [1, 2] and [t["in_draft"] for t in takes] == [False, True]
    assert (
        takes[1]["shot"] == body["shot"]
        and takes[1]["mood"] == "hopeful"
        and set(takes[1]["urls"])
        == {
            "clip",
            "last_frame",
        }
    )
    second = client.get(f"{API}/jobs/{jid}/scenes/2/takes", headers=alice).json()
    assert second[1]["start_image"] == takes[1]["last_frame"]  # re-seeded from the new last frame
    draft = _timeline(client, jid, alice)
    assert {c["scene_index"]: c["asset"] for c in draft["clips"]}[1] == takes[1]["clip"]
    assert services.ctx.assets.exists(takes[0]["clip"])  # the first take is kept
    assert "Scene" in after["message"] and "scene_" not in after["message"]

    # Choose the original take again, by an operation.
    r = _ops(client, jid, alice, {"op": "select_take", "scene": 1, "take": 1})
    assert r.status_code == 200 and r.json()["timeline"]["clips"][0]["asset"] == takes[0]["clip"]

    # Bad input: unknown scene, another user's job, another user's take in my timeline.
    assert client.post(f"{API}/jobs/{jid}/scenes/9/regenerate", json={}, headers=alice).status_code == 404
    assert client.post(f"{API}/jobs/{jid}/scenes/0/regenerate", json={}, headers=alice).status_code == 422
    assert client.post(f"{API}/jobs/{jid}/scenes/1/regenerate", json={"shot": ""}, headers=alice).status_code == 422
    assert client.get(f"{API}/jobs/{jid}/scenes/1/takes", headers=bob).status_code == 404
    assert client.post(f"{API}/jobs/{jid}/scenes/1/regenerate", json={}, headers=bob).status_code == 404
    bobs = _made(client, bob)
    theirs = _timeline(client, bobs["job_id"], bob)
    theirs["clips"][0]["asset"] = takes[1]["clip"]
    r = client.put(f"{API}/jobs/{bobs['job_id']}/timeline", json=theirs, headers=bob)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "clips.0.asset"


def test_regenerate_is_refused_while_a_compose_runs(api, alice, job):
    client, services = api
    jid = job["job_id"]

    def composing(j):
        j.tracks["compose"] = TrackProgress(state="running", percent=10, message="rendering version 9")

    saved = services.ctx.jobs.get(jid).tracks["compose"]
    services.ctx.jobs.update(jid, composing)
    try:
        r = client.post(f"{API}/jobs/{jid}/scenes/2/regenerate", json={}, headers=alice)
        assert r.status_code == 409 and "composed" in r.json()["detail"], r.text
    finally:
        services.ctx.jobs.update(jid, lambda j: j.tracks.__setitem__("compose", saved))
    assert not [t for t in services.ctx.jobs.get(jid).takes if t.scene_index == 2 and t.take > 2]


def test_progress_messages_name_no_internal_tracks(api, job):
    _, services = api
    messages = [e.message for e in services.ctx.jobs.events(job["job_id"])]
    assert "Scene 1 rendered" in messages, messages
    assert not [m for m in messages if "scene_" in m or m.startswith(("compose:", "voiceover:", "script:"))]


# --- saves that race: the draft's revision, If-Match and 412 ------------------------------------


def _tagged(client, job_id, headers):
    r = client.get(f"{API}/jobs/{job_id}/timeline", headers=headers)
    assert r.status_code == 200, r.text
    tag = r.headers["etag"]
    assert tag.startswith('"r') and tag.endswith('"'), tag
    return r.json(), tag


def _text(name, at=1.0):
    return {"op": "add_text", "item": {"kind": "super", "text": name, "start_s": at, "end_s": at + 2}}


def test_a_save_over_a_draft_that_moved_is_refused_with_the_current_revision(api, alice, bob, job):
    client, _ = api
    jid = job["job_id"]
    timeline, tag = _tagged(client, jid, alice)
    n = int(tag.strip('"r'))
    r = client.put(f"{API}/jobs/{jid}/timeline", json=timeline, headers=alice | {"If-Match": tag})
    assert r.status_code == 200 and r.headers["etag"] == f'"r{n + 1}"', r.text
    # Another tab still holds the old tag: its save, operations and restore are refused, and told
    # the revision to read; the draft is what the first save made.
    for method, path, body in (
        ("put", "timeline", timeline | {"texts": []}),
        ("post", "timeline/ops", {"ops": [_text("stale")]}),
        ("post", "versions/1/restore", None),
    ):
        r = client.request(method, f"{API}/jobs/{jid}/{path}", json=body, headers=alice | {"If-Match": tag})
        assert r.status_code == 412, (path, r.text)
        problem = r.json()
        assert problem["revision"] == n + 1 and problem["etag"] == f'"r{n + 1}"' == r.headers["etag"]
        assert "read it again" in problem["detail"] and r.headers["content-type"] == "application/problem+json"
    assert _tagged(client, jid, alice) == (timeline, f'"r{n + 1}"')
    # Bad tags: a weak one never matches (If-Match compares strongly); garbage is a 400 naming the form.
    weak = client.put(f"{API}/jobs/{jid}/timeline", json=timeline, headers=alice | {"If-Match": f'W/"r{n + 1}"'})
    assert weak.status_code == 412
    bad = client.put(f"{API}/jobs/{jid}/timeline", json=timeline, headers=alice | {"If-Match": "yesterday"})
    assert bad.status_code == 400 and '"r3"' in bad.json()["detail"]
    # The current tag, a list holding it, or * saves; ops report the new revision in the body too.
    r = _ops(client, jid, alice | {"If-Match": f'"r{n}", "r{n + 1}"'}, _text("fresh"))
    assert r.status_code == 200 and r.json()["revision"] == n + 2 and r.headers["etag"] == f'"r{n + 2}"'
    r = client.put(f"{API}/jobs/{jid}/timeline", json=timeline, headers=alice | {"If-Match": "*"})
    assert r.status_code == 200 and r.headers["etag"] == f'"r{n + 3}"'
    # Another user's job stays a 404 whatever the tag.
    assert client.put(f"{API}/jobs/{jid}/timeline", json=timeline, headers=bob | {"If-Match": tag}).status_code == 404


def test_edits_at_once_and_two_takes_finishing_at_once_are_all_kept(api, alice, job):
    import threading

    client, _ = api
    jid = job["job_id"]
    good, tag = _tagged(client, jid, alice)
    start = int(tag.strip('"r'))
    scenes = sorted({c["scene_index"] for c in good["clips"]})
    assert len(scenes) >= 2
    first, last = scenes[0], scenes[-1]
    # Two takes, rendered at the same time, each putting itself in the draft when it finishes...
    for n in (first, last):
        r = client.post(f"{API}/jobs/{jid}/scenes/{n}/regenerate", json={"reseed_following": False}, headers=alice)
        assert r.status_code == 202, r.text
    # ...while four edits are saved at once, without If-Match (applied to the draft as it is).
    answers: list[int] = []

    def edit(i: int) -> None:
        answers.append(_ops(client, jid, alice, _text(f"edit {i}", at=1.0 + i)).status_code)

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [200] * 4

    def both_done(j):
        mine = [t for t in j["takes"] if t["scene_index"] in (first, last)]
        return mine and all(t["state"] != "rendering" for t in mine)

    after = _wait(client, jid, alice, both_done)
    takes = {
        n: max((t for t in after["takes"] if t["scene_index"] == n), key=lambda t: t["take"]) for n in (first, last)
    }
    assert all(t["state"] == "done" for t in takes.values()), takes
    final, tag = _tagged(client, jid, alice)
    clips = {c["scene_index"]: c["asset"] for c in final["clips"]}
    assert clips[first] == takes[first]["clip"] and clips[last] == takes[last]["clip"]  # both takes are in
    assert sorted(t["text"] for t in final["texts"] if t["text"].startswith("edit ")) == [f"edit {i}" for i in range(4)]
    assert int(tag.strip('"r')) == start + 6  # four edits and two takes: six saves, none lost
    client.put(f"{API}/jobs/{jid}/timeline", json=good, headers=alice)
