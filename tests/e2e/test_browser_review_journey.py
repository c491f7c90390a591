"""Issue 17's review journey end to end in Debian's Chromium, two people on one live `omnigen
serve` (offline providers, 360p, 15 s): Rita (reviewer) comments at 0:12 on version 1 and requests
changes; Alice (creator) edits the draft (a super's words, two scenes' lengths, which moves the
comment) and re-composes version 2; the comment shows on version 2 as carried from version 1 with
the time it had there; Rita approves version 2 (Alice could not: self-approval is off) and downloads
its package, which the test opens: every file the package promises, each as what it claims to be,
their SHA-256s in the manifest, and the approval record bound to version 2's hash and to the audit
trail's head at that moment."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile

import httpx
import pytest
from test_browser import JOB_TIMEOUT_MS, _screenshot_on_failure, _shot, _wait_finished, _watched
from test_browser_producer import (
    ALICE,
    DESKTOP,
    RITA,
    _order,
    _sign_in,
    _total,
    alices_ad,
    set_length,
    team_server,
)

from omnigen.export.package import PACKAGE_FILES
from omnigen.media.ffmpeg import probe


@pytest.fixture(scope="module")
def review_team(tmp_path_factory: pytest.TempPathFactory):
    """The team's server and an ad of Alice's shared with Rita (sharing in the browser is
    test_browser_producer's; here it is the API call the app makes)."""
    with team_server(tmp_path_factory.mktemp("omnigen-review")) as base:
        job_id = alices_ad(base)
        r = httpx.post(
            f"{base}/api/v1/jobs/{job_id}/reviewers",
            json={"user_id": "rita"},
            headers={"Authorization": f"Bearer {ALICE}"},
            timeout=10,
        )
        assert r.status_code == 201, r.text
        yield base, job_id


def _api(base: str, token: str, path: str) -> dict:
    r = httpx.get(f"{base}/api/v1{path}", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 200, (path, r.text)
    return r.json()


@pytest.mark.timeout(900)
def test_comment_request_changes_edit_recompose_approve_download(review_team, browser, tmp_path):
    base, job_id = review_team
    errors: list[str] = []
    comment = "Hold the risk text a beat longer"

    # --- Rita: a comment at 0:12 on version 1, and changes requested -------------------------------
    rita = _watched(browser.new_context(viewport=DESKTOP, accept_downloads=True).new_page(), errors)
    with _screenshot_on_failure(rita, "journey-rita-v1"):
        _sign_in(rita, base, RITA)
        rita.goto(f"{base}/#/jobs/{job_id}")
        _wait_finished(rita)
        rita.goto(f"{base}/#/jobs/{job_id}/review")
        rita.get_by_role("heading", name=re.compile("Review · Veltrexa · version 1")).wait_for()
        video = rita.get_by_test_id("review-video")
        video.evaluate("v => new Promise(r => v.readyState >= 1 ? r() : v.addEventListener('loadedmetadata', r))")
        video.evaluate("v => { v.pause(); v.currentTime = 12; }")
        rita.get_by_role("textbox", name="Comment at 0:12.0").fill(comment)
        rita.get_by_role("button", name="Add comment").click()
        rita.get_by_test_id("comment-threads").get_by_text(comment).wait_for()
        rita.get_by_role("radio", name="Request changes").check()
        rita.get_by_label("Reason", exact=True).fill("The major statement goes by too fast")
        rita.get_by_role("button", name="Record the decision").click()
        rita.get_by_test_id("review-status").filter(has_text="Changes requested").wait_for()
        _shot(rita, "journey-1-rita-requests-changes")
    v1 = _api(base, RITA, f"/jobs/{job_id}/versions/1/comments")["items"]
    assert [(c["at_s"], c["text"], c["carried_from"]) for c in v1] == [(12.0, comment, None)], v1

    # --- Alice: reads the request, edits a super's words and two scenes' lengths, re-composes -----
    alice = _watched(browser.new_context(viewport=DESKTOP).new_page(), errors)
    with _screenshot_on_failure(alice, "journey-alice"):
        _sign_in(alice, base, ALICE)
        alice.goto(f"{base}/#/jobs/{job_id}/review")
        alice.get_by_test_id("review-status").filter(has_text="Changes requested").wait_for()
        alice.get_by_test_id("comment-threads").get_by_text(comment).wait_for()
        alice.get_by_role("link", name="Workspace").click()
        check = alice.get_by_test_id("draft-check")
        check.filter(has_text="no rule broken").wait_for()
        scenes, start_total = _order(alice), _total(alice)
        texts = alice.get_by_role("list", name="Text")
        texts.get_by_role("button", name=re.compile("^Super")).first.click()
        alice.locator("#text-body").fill("Ask your doctor")
        texts.get_by_role("button", name=re.compile("Ask your doctor")).wait_for()

        set_length(alice, scenes[0], -0.5)  # everything after the first cut comes half a second sooner
        set_length(alice, scenes[-1], +0.5)  # and the end card takes the half second back
        assert _total(alice) == start_total
        check.filter(has_text="no rule broken").wait_for()
        alice.get_by_role("button", name="Save and re-compose").click()
        ready = alice.get_by_test_id("editor-status").filter(has_text="Version 2 is ready.")
        ready.or_(alice.locator(".notice-error")).first.wait_for(timeout=JOB_TIMEOUT_MS)  # a refusal fails at once
        assert ready.count() == 1, alice.locator(".notice-error").first.inner_text()
        _shot(alice, "journey-2-alice-version-2")

    # --- the comment, carried onto version 2 where its footage now plays --------------------------
    v2 = _api(base, RITA, f"/jobs/{job_id}/versions/2/comments")["items"]
    assert len(v2) == 1 and v2[0]["text"] == comment and v2[0]["carried_from"] == 1, v2
    moved_to = v2[0]["at_s"]
    assert moved_to == pytest.approx(11.5, abs=0.01), v2  # the first scene is half a second shorter
    v2_timeline = _api(base, ALICE, f"/jobs/{job_id}/versions/2/timeline")
    assert any(t["text"] == "Ask your doctor" for t in v2_timeline["texts"])

    # --- Rita: version 2 shows the carried comment; she approves it and downloads the package -----
    with _screenshot_on_failure(rita, "journey-rita-v2"):
        rita.goto(f"{base}/#/jobs/{job_id}")  # she comes back to the ad, and on to its review
        rita.get_by_role("link", name="Review: comment and decide").click()
        rita.get_by_role("heading", name=re.compile("Review · Veltrexa · version 2")).wait_for()
        thread = rita.get_by_test_id("comment-threads").locator("li.thread").filter(has_text=comment)
        carried = thread.get_by_test_id("comment-carried")
        carried.filter(has_text="Carried from version 1, where it was at 0:12.0").wait_for()
        assert thread.get_by_role("button").first.inner_text() == "0:11.5"
        mark = rita.get_by_role("list", name="Comments on the scrubber").get_by_role("button")
        assert mark.count() == 1 and "Comment at 0:11.5" in (mark.get_attribute("aria-label") or "")
        assert rita.get_by_test_id("outdated-threads").count() == 0
        rita.get_by_role("radio", name="Approve").check()
        rita.get_by_label("Reason", exact=True).fill("The risk text holds long enough now")
        rita.get_by_role("button", name="Record the decision").click()
        rita.get_by_test_id("review-status").filter(has_text="Approved").wait_for()
        _shot(rita, "journey-3-rita-approves-v2")
        with rita.expect_download(timeout=180_000) as dl:
            rita.get_by_role("button", name="Download the package (zip)").click()
        zip_path = tmp_path / "package.zip"
        dl.value.save_as(zip_path)
        rita.get_by_text("Version 2's package was downloaded.").wait_for()
    assert not errors, errors

    # --- the package: every file, each what it says, bound to version 2 and the trail's head -------
    alice_is = _api(base, ALICE, "/me")  # the approval is Rita's: Alice may not approve her own ad
    assert alice_is["allow_self_approval"] is False and "reviewer" not in alice_is["roles"], alice_is
    review = _api(base, RITA, f"/jobs/{job_id}/versions/2/review")
    assert review["status"] == "approved" and review["approval"]["by"] == "rita", review
    with zipfile.ZipFile(zip_path) as z:
        names = z.namelist()
        assert names and all(n.startswith("v2/") for n in names), names
        assert set(PACKAGE_FILES) == {n.removeprefix("v2/") for n in names}, names
        z.extractall(tmp_path / "pkg")
    pkg = tmp_path / "pkg" / "v2"
    mp4 = probe(pkg / "video.mp4")
    assert mp4.video and mp4.video.codec == "h264" and mp4.video.height == 360, mp4
    assert mp4.audio and mp4.duration_s == pytest.approx(15, abs=0.2), mp4
    vtt = (pkg / "captions.vtt").read_text(encoding="utf-8")
    srt = (pkg / "captions.srt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT") and "-->" in vtt, vtt[:200]
    assert re.search(r"^1\r?\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}", srt, re.M), srt[:200]
    assert (pkg / "poster.jpg").read_bytes()[:3] == b"\xff\xd8\xff"
    assert (pkg / "compliance.pdf").read_bytes()[:5] == b"%PDF-"
    script = json.loads((pkg / "script.json").read_text(encoding="utf-8"))
    assert script["scenes"], script
    qc = json.loads((pkg / "qc.json").read_text(encoding="utf-8"))
    assert qc, qc
    assert json.loads((pkg / "timeline.json").read_text(encoding="utf-8")) == v2_timeline
    manifest = json.loads((pkg / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == 2 and manifest["content_hash"] == review["content_hash"], manifest
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((pkg / name).read_bytes()).hexdigest() == digest, name
    record = json.loads((pkg / "approval.json").read_text(encoding="utf-8"))
    assert record["version"] == 2 and record["status"] == "approved", record
    assert record["approval"]["decision"] == "approved" and record["approval"]["by"] == "rita", record
    assert record["approval"]["content_hash"] == review["content_hash"], record
    head = record["audit"]
    assert head["intact"] is True, head
    entries = {e["seq"]: e for e in _api(base, ALICE, f"/jobs/{job_id}/audit")["items"]}
    assert entries[head["head_seq"]]["hash"] == head["head_hash"], head  # the trail still reaches it
    assert _api(base, ALICE, f"/jobs/{job_id}/audit/verify")["intact"] is True
    alice.context.close()
    rita.context.close()
