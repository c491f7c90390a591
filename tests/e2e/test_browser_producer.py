"""A producer's journey through the web app in Debian's Chromium, at desktop and phone sizes,
against a live `omnigen serve` (offline providers, 360p, 15 s): progress cards that say what each
scene renders and show its frame, a workspace that loses nothing (leaving asks first, keyboard
moves keep focus, nothing to render means no render button), a re-compose followed to version 2,
then review: a comment pinned on the scrubber, a decision, a share link opened by an outsider,
the delivery package downloaded; the library's grid with a 9:16 ad; Generate always on screen."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from api_harness import small_brief
from playwright.sync_api import expect
from test_browser import JOB_TIMEOUT_MS, _fill_brief, _screenshot_on_failure, _shot, _wait_finished, _watched
from test_browser import server as server

from omnigen.api.devserver import free_port, start_local_server, stop
from omnigen.review.people import UserEntry, UsersFile, token_hash

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _brief(aspect: str) -> dict:
    return small_brief(duration_s=15, aspect_ratio=aspect)


@pytest.fixture(scope="module")
def portrait_job(server):
    """A 9:16 ad made through the API while the browser makes the 16:9 one (the library's grid)."""
    r = httpx.post(f"{server}/api/v1/generate", json=_brief("9:16"), timeout=30)
    assert r.status_code == 202, r.text
    return r.json()["job_id"]


def _focused(page) -> str | None:
    return page.evaluate("() => document.activeElement && document.activeElement.dataset.focusId || null")


def _order(page) -> list[str]:
    return page.get_by_test_id("clip-order").locator("li").evaluate_all("els => els.map(e => e.dataset.scene)")


@pytest.mark.timeout(1500)
def test_producer_journey_desktop_then_phone(server, portrait_job, browser):
    errors: list[str] = []
    page = _watched(browser.new_page(viewport=DESKTOP, accept_downloads=True), errors)
    with _screenshot_on_failure(page, "producer"):
        # --- Create on a phone: the Generate button is on screen at the top of the form ----------
        page.set_viewport_size(PHONE)
        page.goto(f"{server}/#/create")
        generate = page.get_by_role("button", name="Generate ad")
        generate.wait_for()
        box = generate.bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box
        _fill_brief(page)
        page.get_by_role("radio", name="15 s").check()
        page.get_by_label("Website", exact=True).scroll_into_view_if_needed()
        box = generate.bounding_box()  # still on screen half-way down the form
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box
        _shot(page, "producer-1-create-phone")
        page.set_viewport_size(DESKTOP)
        generate.click()

        # --- Progress: each card says its shot and line; every done scene shows its frame --------
        page.wait_for_url("**/#/jobs/*")
        job_id = page.url.rsplit("/", 1)[-1]
        page.locator(".scene-shot").first.wait_for(timeout=JOB_TIMEOUT_MS)
        assert page.locator(".scene-line").count() >= 1
        _wait_finished(page)
        cards = page.locator(".scene-grid > li")
        n = cards.count()
        assert n >= 3
        for i in range(n):
            card = cards.nth(i)
            assert card.get_attribute("data-state") == "done"
            card.locator("img").wait_for()  # its frame, chained successor or not
            assert card.locator(".scene-shot").inner_text().strip()
        message = page.get_by_test_id("job-message").inner_text()
        assert not re.search(r"\b[a-z]+_\d+\b|\bcompose:", page.locator("main").inner_text()), message
        assert page.get_by_role("heading", name="Veltrexa · 15 s ad").count() == 1
        _shot(page, "producer-2-progress")

        # --- Workspace: nothing to render yet; a keyboard move keeps focus; leaving asks first ---
        page.get_by_role("link", name="Edit in the workspace").click()
        page.get_by_test_id("clip-order").locator("li").first.wait_for()
        compose = page.get_by_role("button", name="Save and re-compose")
        assert compose.is_disabled()
        assert page.get_by_role("checkbox", name=re.compile("voice and supers")).is_checked()
        before = _order(page)
        rows = page.get_by_test_id("clip-order").locator("li")
        rows.first.get_by_role("button", name=re.compile("later$")).focus()
        page.keyboard.press("Enter")
        assert _order(page) == [before[1], before[0], *before[2:]]
        assert _focused(page) == "order-later-1"
        page.keyboard.press("Enter")  # the same control, at the clip's new place: moves it on
        assert _order(page) == [before[1], before[2], before[0], *before[3:]]
        assert _focused(page) == "order-later-2"
        assert compose.is_enabled()

        asked: list[str] = []

        def stay(dialog):
            asked.append(dialog.message)
            dialog.dismiss()

        page.once("dialog", stay)
        page.get_by_role("link", name="Library").click()
        page.wait_for_timeout(300)
        assert asked and "unsaved" in asked[0], asked
        assert page.url.endswith(f"/jobs/{job_id}/edit"), page.url
        assert page.get_by_text("unsaved changes").count() == 1
        _shot(page, "producer-3-workspace")

        compose.click()
        page.get_by_test_id("editor-status").filter(has_text="Version 2 is ready.").wait_for(timeout=JOB_TIMEOUT_MS)
        expect(compose).to_be_disabled()  # rendered: nothing new to render (the button re-renders after the status)
        versions = page.locator(".version-list > li").evaluate_all("els => els.map(e => e.dataset.version)")
        assert versions == ["2", "1"], versions

        # --- Review: comment at the playhead, pinned on the scrubber; a decision; a share link ----
        page.goto(f"{server}/#/jobs/{job_id}/review")
        page.get_by_role("heading", name=re.compile("Review · Veltrexa · version 2")).wait_for()
        page.get_by_test_id("review-video").evaluate("v => { v.currentTime = 12; }")
        page.wait_for_function("() => document.querySelector('[data-testid=review-video]').currentTime >= 11.9")
        page.get_by_role("textbox", name=re.compile(r"^Comment at 0:1[12]")).fill("Hold the risk text a beat longer")
        page.get_by_role("button", name="Add comment").click()
        page.get_by_test_id("comment-threads").get_by_text("Hold the risk text a beat longer").wait_for()
        mark = page.get_by_role("list", name="Comments on the scrubber").get_by_role("button")
        assert mark.count() == 1 and re.search(r"Comment at 0:1[12]", mark.get_attribute("aria-label"))
        page.get_by_role("radio", name="Request changes").check()
        page.get_by_label("Reason", exact=True).fill("The risk text needs longer on screen")
        page.get_by_role("button", name="Record the decision").click()
        page.get_by_test_id("review-status").filter(has_text="Changes requested").wait_for()
        assert page.get_by_test_id("rules-table").locator("tbody tr").count() >= 5
        page.get_by_role("button", name="Make a share link").click()
        link = page.get_by_test_id("share-url").input_value()
        assert "#/shared/" in link
        with page.expect_download() as dl:
            page.get_by_role("button", name="Download the package (zip)").click()
        with zipfile.ZipFile(dl.value.path()) as z:
            names = z.namelist()
        assert any(x.endswith(".mp4") for x in names) and any(x.endswith(".pdf") for x in names), names
        page.get_by_test_id("audit-table").filter(has_text="recorded a decision").wait_for()
        _shot(page, "producer-4-review")

        # --- The share link, opened by an outside reviewer on a phone: read-only, comments by name
        outsider = browser.new_page(viewport=PHONE)
        outsider.goto(link)
        outsider.get_by_test_id("shared-video").wait_for()
        outsider.get_by_text("Hold the risk text a beat longer").wait_for()
        outsider.get_by_label("Your name").fill("Dr. Outside")
        outsider.get_by_role("textbox", name=re.compile("^Comment at")).fill("Looks fine to me")
        outsider.get_by_role("button", name="Add comment").click()
        outsider.get_by_text("Looks fine to me").wait_for()
        assert outsider.get_by_role("link", name="Library").count() in (0, 1)  # the app shell, no job data
        _shot(outsider, "producer-5-shared-phone")
        outsider.close()

        # --- Phone: progress, workspace focus, review and the library with the 9:16 ad ------------
        page.set_viewport_size(PHONE)
        page.goto(f"{server}/#/jobs/{job_id}/edit")
        page.get_by_test_id("clip-order").locator("li").first.wait_for()
        row = page.get_by_test_id("clip-order").locator("li").nth(1)
        row.get_by_role("button", name=re.compile("earlier$")).focus()
        page.keyboard.press("Enter")
        assert _focused(page) == "order-later-0"  # first now: its "earlier" is disabled
        page.get_by_role("button", name="Undo").click()
        _shot(page, "producer-6-workspace-phone")
        page.goto(f"{server}/#/jobs/{portrait_job}")
        _wait_finished(page)
        page.goto(f"{server}/#/library")
        card = page.locator(f"[data-job-id='{portrait_job}']")
        card.locator("img").wait_for()
        poster = card.locator(".poster").bounding_box()
        width = card.bounding_box()["width"]
        assert poster and poster["height"] <= width + 1, (poster, width)  # a square box, not a tower
        duplicate = card.get_by_role("link", name=re.compile("Duplicate brief"))
        assert duplicate.get_attribute("href") == f"#/create?from={portrait_job}"
        _shot(page, "producer-7-library-phone")
    assert not errors, errors
    page.close()


@pytest.fixture(scope="module")
def edit_job(server):
    """A 16:9 ad made through the API for the editing journey (rendered while the first test runs)."""
    r = httpx.post(f"{server}/api/v1/generate", json=_brief("16:9"), timeout=30)
    assert r.status_code == 202, r.text
    return r.json()["job_id"]


def _versions(page) -> list[str]:
    """The listed versions, once the newest the page announced is among them (it is refetched)."""
    page.locator(".version-list > li").first.wait_for(timeout=30_000)
    return page.locator(".version-list > li").evaluate_all("els => els.map(e => e.dataset.version)")


@pytest.mark.timeout(1500)
def test_editing_journey_regenerate_revoice_restore_compare_refuse(server, edit_job, browser):
    """Issue 16's journey: regenerate scene 2 (cost first) → re-voice a line → re-compose →
    restore v1 → compare v1 and v2 → an edit that breaks a rule is refused and v2 stays."""
    errors: list[str] = []
    page = _watched(browser.new_page(viewport=DESKTOP), errors)
    with _screenshot_on_failure(page, "editing"):
        page.goto(f"{server}/#/jobs/{edit_job}")
        _wait_finished(page)
        page.goto(f"{server}/#/jobs/{edit_job}/edit")
        page.get_by_test_id("draft-check").wait_for()

        # --- regenerate scene 2: the price first, then the take on the stream, then use it ------
        page.get_by_role("button", name="Trim scene 2").click()
        panel = page.get_by_test_id("scene-panel")
        panel.get_by_label("Mood").fill("golden hour, hopeful")
        panel.get_by_role("button", name="What will it cost?").click()
        panel.get_by_test_id("take-estimate").wait_for()
        assert "$0.00" in panel.get_by_test_id("take-estimate").inner_text()  # offline providers
        panel.get_by_role("button", name=re.compile(r"^Regenerate for \$")).click()
        ready = panel.get_by_test_id("take-status").filter(has_text=re.compile("Take 2 is ready"))
        ready.wait_for(timeout=JOB_TIMEOUT_MS)
        panel.get_by_role("button", name="Use take 2").click()
        panel.get_by_test_id("take-status").filter(has_text="now uses take 2").wait_for()

        # --- re-voice line 1: only its words change; the draft check names it ----------------------
        page.get_by_role("list", name="Voice").get_by_role("button").first.click()
        words = page.get_by_label("Words spoken")
        words.fill(words.input_value().rstrip(".") + ", again.")
        page.get_by_test_id("draft-check").filter(has_text="Line 1 will be re-voiced").wait_for()
        page.get_by_role("button", name="Save and re-compose").click()
        page.get_by_test_id("editor-status").filter(has_text="Version 2 is ready.").wait_for(timeout=JOB_TIMEOUT_MS)
        assert _versions(page) == ["2", "1"]
        tl = httpx.get(f"{server}/api/v1/jobs/{edit_job}/timeline", timeout=10).json()
        # the take chosen is the regenerated one (kept beside the first take under the take's scene)
        assert ".take2." in next(c["asset"] for c in tl["clips"] if c["scene_index"] == 2)
        _shot(page, "editing-1-version-2")

        # --- restore v1 into the draft, then compare v1 and v2 side by side -------------------------
        page.get_by_role("button", name="Restore into the draft (version 1)").click()
        page.get_by_test_id("editor-status").filter(has_text="Version 1's edit is now the draft").wait_for()
        tl = httpx.get(f"{server}/api/v1/jobs/{edit_job}/timeline", timeout=10).json()
        assert "takes/" not in next(c["asset"] for c in tl["clips"] if c["scene_index"] == 2)
        page.get_by_role("button", name="Compare with version 2 (version 1)").click()
        cmp = page.get_by_test_id("compare")
        cmp.wait_for()
        for sel in ("[data-testid=compare-a]", "[data-testid=compare-b]"):
            page.wait_for_function("s => document.querySelector(s).readyState >= 1", arg=sel, timeout=60_000)
        page.evaluate("() => { const a = document.querySelector('[data-testid=compare-a]'); a.currentTime = 6; }")
        page.wait_for_function(
            "() => Math.abs(document.querySelector('[data-testid=compare-b]').currentTime - 6) < 0.3", timeout=10_000
        )
        _shot(page, "editing-2-compare")

        # --- an edit that breaks a rule: said while editing, refused at compose, v2 untouched -------
        texts = page.get_by_role("list", name="Text")
        texts.get_by_role("button", name=re.compile("^Major statement")).first.click()
        page.locator("#text-body").fill("Feel better today.")
        page.get_by_test_id("draft-check").filter(has_text="compose would refuse it").wait_for()
        page.get_by_role("button", name="Save and re-compose").click()
        status = page.get_by_test_id("editor-status").filter(has_text="Version 3 was not made")
        status.wait_for(timeout=JOB_TIMEOUT_MS)
        text = status.inner_text()
        assert "Version 2 is unchanged." in text and "--" not in text, text
        assert re.search(r"\(MS-[A-Z-]+\)", text), text  # names the rule it breaks
        assert _versions(page) == ["2", "1"]
        job = httpx.get(f"{server}/api/v1/jobs/{edit_job}", timeout=10).json()
        assert job["renders"] == 2 and [v["version"] for v in job["versions"]] == [1, 2]
        _shot(page, "editing-3-refused")
    assert not errors, errors
    page.close()


@pytest.fixture(scope="module")
def ops_job(server):
    """A 16:9 ad for the editing operations journey (rendered while the journeys above run)."""
    r = httpx.post(f"{server}/api/v1/generate", json=_brief("16:9"), timeout=30)
    assert r.status_code == 202, r.text
    return r.json()["job_id"]


def _total(page) -> str:
    """The edit's length as the workspace shows it ("15 s" of "Timeline 15 s (brief 15 s) · …")."""
    line = page.locator(".view-top p.muted").first.inner_text()
    m = re.match(r"Timeline ([\d.]+ s)", line)
    assert m, line
    return m[1]


def set_length(page, scene: str, delta: float) -> float:
    """Change a scene's length in the workspace's inspector by `delta` seconds; the new length."""
    page.get_by_role("button", name=f"Trim scene {scene}").click()
    field = page.get_by_label("Scene length (s)")
    new = round(float(field.input_value()) + delta, 3)
    field.fill(str(new))
    field.press("Enter")
    return new


@pytest.mark.timeout(1500)
def test_editing_operations_super_clips_length_findings_recompose(server, ops_job, browser):
    """Issue 16's edits of what is said and shown, in the draft: a finding appears when the major
    statement's text is deleted and goes with Undo; a super added and written; a clip duplicated
    and the copy deleted from the keyboard (focus kept); two scenes' lengths changed, what follows
    moving with them; re-composed into version 2, whose timeline holds every change. Then at phone
    size the same clip controls by keyboard alone."""
    errors: list[str] = []
    page = _watched(browser.new_page(viewport=DESKTOP), errors)
    with _screenshot_on_failure(page, "operations"):
        page.goto(f"{server}/#/jobs/{ops_job}")
        _wait_finished(page)
        page.goto(f"{server}/#/jobs/{ops_job}/edit")
        check = page.get_by_test_id("draft-check")
        check.filter(has_text="no rule broken").wait_for()
        before = _order(page)
        start_total = _total(page)
        texts = page.get_by_role("list", name="Text")

        # --- a finding appears while editing (the major statement's text deleted), and goes ------
        texts.get_by_role("button", name=re.compile("^Major statement")).first.click()
        page.get_by_role("button", name="Delete this text").click()
        found = page.get_by_test_id("draft-findings").filter(has_text="(MS-DUAL-MODALITY)")
        found.wait_for()
        said = found.inner_text()
        assert "Must fix" in said and "--" not in said and "String should" not in said, said
        check.filter(has_text="compose would refuse it").wait_for()
        _shot(page, "ops-1-finding")
        page.get_by_role("button", name="Undo").click()
        check.filter(has_text="no rule broken").wait_for()
        assert page.get_by_test_id("draft-findings").filter(has_text="(MS-DUAL-MODALITY)").count() == 0

        # --- add a super: it is selected and its words take the keyboard -------------------------
        supers = texts.get_by_role("button").count()
        page.get_by_role("button", name="Add a super").click()
        assert page.evaluate("() => document.activeElement.id") == "text-body"
        page.keyboard.press("Control+A")
        page.keyboard.type("Ask your doctor about Veltrexa")
        page.locator("#text-pos").select_option("top")
        texts.get_by_role("button", name=re.compile("Ask your doctor about Veltrexa")).wait_for()
        assert texts.get_by_role("button").count() == supers + 1

        # --- duplicate a clip, then delete the copy from the keyboard -----------------------------
        page.get_by_role("button", name=f"Trim scene {before[0]}").click()
        page.get_by_role("button", name="Duplicate clip").click()
        assert _order(page) == [before[0], before[0], *before[1:]]
        assert _focused(page) == "lane-1"  # the copy, selected
        page.get_by_role("button", name="Delete clip").focus()
        page.keyboard.press("Enter")
        assert _order(page) == before
        assert _focused(page) == "inspector-delete-clip"  # on the next clip's delete control
        assert _total(page) == start_total

        # --- change two scenes' lengths: what follows moves with each end --------------------------
        voice = page.get_by_role("list", name="Voice").get_by_role("button")

        def lines() -> list[str]:
            return voice.evaluate_all("els => els.map(e => e.textContent)")

        said = lines()
        shorter = set_length(page, before[1], -0.5)
        assert _total(page) != start_total, _total(page)  # half a second shorter
        assert lines() != said  # the lines after it moved up with its end
        longer = set_length(page, before[2], +0.5)
        assert _total(page) == start_total  # the ad's length is back to the brief's
        assert lines() == said  # and the lines after both are where they were
        check.filter(has_text="no rule broken").wait_for()
        _shot(page, "ops-2-edited")

        # --- re-compose: version 2 is made from the edited draft -----------------------------------
        page.get_by_role("button", name="Save and re-compose").click()
        page.get_by_test_id("editor-status").filter(has_text="Version 2 is ready.").wait_for(timeout=JOB_TIMEOUT_MS)
        assert _versions(page) == ["2", "1"]
        v2 = httpx.get(f"{server}/api/v1/jobs/{ops_job}/versions/2/timeline", timeout=10).json()
        added = [t for t in v2["texts"] if t["text"] == "Ask your doctor about Veltrexa"]
        assert len(added) == 1 and added[0]["kind"] == "super" and added[0]["position"] == "top", added
        lengths = {str(c["scene_index"]): round(c["out_s"] - c["in_s"], 3) for c in v2["clips"]}
        assert [str(c["scene_index"]) for c in v2["clips"]] == before
        assert lengths[before[1]] == shorter and lengths[before[2]] == longer, lengths
        _shot(page, "ops-3-version-2")

        # --- phone: select, duplicate and delete a clip by keyboard alone; undo the lot -----------
        page.set_viewport_size(PHONE)
        page.goto(f"{server}/#/jobs/{ops_job}/edit")
        page.get_by_test_id("clip-order").locator("li").first.wait_for()
        page.get_by_role("button", name=f"Trim scene {before[2]}").focus()
        page.keyboard.press("Enter")
        page.get_by_role("button", name="Duplicate clip").focus()
        page.keyboard.press("Enter")
        assert _order(page) == [*before[:3], before[2], *before[3:]]
        page.get_by_role("button", name="Delete clip").focus()
        page.keyboard.press("Enter")
        assert _order(page) == before
        box = page.get_by_role("button", name="Add a super").bounding_box()
        assert box and box["width"] > 0 and box["x"] + box["width"] <= PHONE["width"] + 1, box
        _shot(page, "ops-4-phone")
        page.get_by_role("button", name="Undo").click()
        page.get_by_role("button", name="Undo").click()
        assert page.get_by_text("unsaved changes").count() == 0
    assert not errors, errors
    page.close()


ALICE, RITA = "alice-creator-token-0123456789", "rita-reviewer-token-0123456789"


@contextmanager
def team_server(home: Path) -> Iterator[str]:
    """A local server with named users (OMNIGEN_USERS_FILE): Alice creates, Rita reviews; self-
    approval stays off (the default), so only Rita can approve Alice's ads."""
    users = UsersFile(
        users=[
            UserEntry(user_id="alice", name="Alice Creator", token_sha256=token_hash(ALICE), roles=["creator"]),
            UserEntry(user_id="rita", name="Rita Reviewer", token_sha256=token_hash(RITA), roles=["reviewer"]),
        ]
    )
    path = home / "users.json"
    path.write_text(json.dumps(users.model_dump()), encoding="utf-8")
    port = free_port()
    proc = start_local_server(home, port, {"OMNIGEN_USERS_FILE": str(path), "OMNIGEN_MAX_CONCURRENT_SCENES": "2"})
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


def alices_ad(base: str) -> str:
    """An ad of Alice's, started through the API with her token (it renders while a test runs)."""
    r = httpx.post(
        f"{base}/api/v1/generate", json=_brief("16:9"), headers={"Authorization": f"Bearer {ALICE}"}, timeout=30
    )
    assert r.status_code == 202, r.text
    return r.json()["job_id"]


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory):
    """The team's server and an ad of Alice's, made while the journeys above run."""
    with team_server(tmp_path_factory.mktemp("omnigen-team")) as base:
        yield base, alices_ad(base)


def _sign_in(page, base: str, token: str) -> None:
    """Open the app and sign in with a named user's token, as the sign-in page asks."""
    page.goto(f"{base}/#/library")
    page.get_by_role("heading", name="Sign in to OmniGen").wait_for()
    page.get_by_label("Access token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("who-am-i").wait_for()


@pytest.mark.timeout(1500)
def test_reviewer_is_shared_a_job_and_sees_no_edit_controls(team, browser):
    """Issue 17's people and roles in the browser: a wrong token is refused at sign-in; Alice
    (creator) shares her ad with Rita by name and sees who has it; Rita (reviewer) signs in, finds
    it among the ads shared with her, comments on it, and is shown no control that changes it, at
    desktop and phone sizes; Alice stops sharing and it is gone from Rita's library."""
    base, job_id = team
    errors: list[str] = []
    alice = _watched(browser.new_context(viewport=DESKTOP).new_page(), errors)
    with _screenshot_on_failure(alice, "team-alice"):
        alice.goto(f"{base}/#/library")
        alice.get_by_label("Access token").fill("not-a-token-of-this-server")
        alice.get_by_role("button", name="Sign in").click()
        alice.get_by_role("alert").filter(has_text="belongs to no user of this server").wait_for()
        _sign_in(alice, base, ALICE)
        assert alice.get_by_test_id("who-am-i").inner_text() == "Signed in as Alice Creator (creator)"
        alice.goto(f"{base}/#/jobs/{job_id}")
        _wait_finished(alice)
        alice.get_by_role("link", name="Edit in the workspace").wait_for()
        alice.goto(f"{base}/#/jobs/{job_id}/review")
        panel = alice.locator("section.reviewers")
        panel.get_by_test_id("reviewers-empty").wait_for()
        panel.get_by_label("Reviewer's user id").fill("rita")
        panel.get_by_role("button", name="Share with reviewer").click()
        panel.get_by_test_id("reviewer-list").filter(has_text="rita").wait_for()
        _shot(alice, "team-1-alice-shares")

    rita = _watched(browser.new_context(viewport=DESKTOP).new_page(), errors)
    with _screenshot_on_failure(rita, "team-rita"):
        _sign_in(rita, base, RITA)
        assert rita.get_by_test_id("who-am-i").inner_text() == "Signed in as Rita Reviewer (reviewer)"
        assert rita.get_by_role("link", name="Create").count() == 0
        rita.get_by_role("heading", name="Shared with you").wait_for()
        card = rita.locator(f"[data-job-id='{job_id}']")
        card.wait_for()
        for name in ("Rename", "Delete", "Duplicate brief"):
            assert card.get_by_role("button", name=re.compile(name)).count() == 0, name
            assert card.get_by_role("link", name=re.compile(name)).count() == 0, name
        card.get_by_role("link", name=re.compile("Veltrexa")).first.click()
        rita.get_by_role("heading", name=re.compile("Review · Veltrexa · version 1")).wait_for()
        assert "You are reviewing as Rita Reviewer" in rita.get_by_test_id("reviewing-as").inner_text()
        for heading in ("Reviewers", "Share for review"):
            assert rita.get_by_role("heading", name=heading).count() == 0, heading
        rita.get_by_role("textbox", name=re.compile("^Comment at")).fill("The risk text needs longer on screen")
        rita.get_by_role("button", name="Add comment").click()
        rita.get_by_test_id("comment-threads").get_by_text("The risk text needs longer on screen").wait_for()
        rita.get_by_role("radio", name="Request changes").check()
        rita.get_by_label("Reason", exact=True).fill("Hold the major statement a beat longer")
        rita.get_by_role("button", name="Record the decision").click()
        rita.get_by_test_id("review-status").filter(has_text="Changes requested").wait_for()
        _shot(rita, "team-2-rita-reviews")

        for size, label in ((DESKTOP, "desktop"), (PHONE, "phone")):
            rita.set_viewport_size(size)
            rita.goto(f"{base}/#/jobs/{job_id}/edit")
            rita.get_by_text("You review this ad; only the person who made it can edit it").wait_for()
            for name in ("Save and re-compose", "Add a super", "Undo", "Delete clip", "Duplicate clip"):
                assert rita.get_by_role("button", name=name).count() == 0, (label, name)
            assert rita.get_by_test_id("clip-order").count() == 0, label
            rita.goto(f"{base}/#/jobs/{job_id}")
            rita.get_by_test_id("output-video").wait_for()
            assert rita.get_by_role("link", name="Edit in the workspace").count() == 0, label
            assert rita.get_by_role("button", name="Cancel job").count() == 0, label
            rita.get_by_role("link", name="Review: comment and decide").wait_for()
            _shot(rita, f"team-3-rita-no-edit-{label}")
        # the server agrees: she may read the draft, and her token cannot save it back
        as_rita = {"Authorization": f"Bearer {RITA}"}
        draft = httpx.get(f"{base}/api/v1/jobs/{job_id}/timeline", headers=as_rita, timeout=10)
        assert draft.status_code == 200, draft.text
        r = httpx.put(f"{base}/api/v1/jobs/{job_id}/timeline", json=draft.json(), headers=as_rita, timeout=10)
        assert r.status_code == 403, r.text

    with _screenshot_on_failure(alice, "team-alice-unshare"):
        alice.reload()
        # Rita's decision is there for Alice, who (a creator, no reviewer) is offered none to record
        alice.get_by_test_id("review-status").filter(has_text="Changes requested").wait_for()
        assert "Only reviewers decide" in alice.get_by_test_id("decision-who").inner_text()
        panel = alice.locator("section.reviewers")
        panel.get_by_role("button", name="Stop sharing with rita").click()
        panel.get_by_test_id("reviewers-empty").wait_for()
    rita.goto(f"{base}/#/library")
    rita.get_by_text("No ad has been shared with you yet.").wait_for()
    assert not errors, errors
    alice.context.close()
    rita.context.close()
