"""The web app in Debian's Chromium against a live `omnigen serve` (offline providers, 360p, 15 s):
fill the brief form and submit, watch progress reach completed, play the video, reorder two scenes
and re-compose, see version 2. Screenshots are kept in test-artifacts/ (gitignored)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageDraw

from omnigen.api.devserver import free_port, start_local_server, stop

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "frontend" / "dist" / "index.html"
ARTIFACTS = ROOT / "test-artifacts"
JOB_TIMEOUT_MS = 420_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not WEB.is_file():
        pytest.fail("frontend/dist is missing: run `make setup` (it builds the web app)")
    home = tmp_path_factory.mktemp("omnigen-home")
    port = free_port()
    proc = start_local_server(home, port, {"OMNIGEN_MAX_CONCURRENT_SCENES": "2"})
    base = f"http://127.0.0.1:{port}"
    try:
        yield base
    finally:
        stop(proc)


def _product_png(path: Path) -> Path:
    im = Image.new("RGB", (480, 360), "#f4f1ea")
    draw = ImageDraw.Draw(im)
    draw.rounded_rectangle((140, 60, 340, 300), radius=24, fill="#2456d6")
    draw.rectangle((170, 140, 310, 200), fill="#ffffff")
    im.save(path)
    return path


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"browser-{name}.png"), full_page=True)


def _watched(page, errors: list[str]):
    """`page`, its script errors collected in `errors`, waiting up to 30 s for what it is told to."""
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(30_000)
    return page


@contextmanager
def _screenshot_on_failure(page, name: str) -> Iterator[None]:
    """Keep what the browser showed when a step failed (test-artifacts/browser-failed-*.png)."""
    try:
        yield
    except BaseException:
        _shot(page, f"failed-{name}")
        raise


def _playable(page, selector: str) -> float:
    """Wait for the video's metadata, play it (muted) until its clock moves; return its duration."""
    page.wait_for_function(
        "sel => { const v = document.querySelector(sel); return v && v.readyState >= 1 && v.duration > 0; }",
        arg=selector,
        timeout=60_000,
    )
    page.evaluate("sel => { const v = document.querySelector(sel); v.muted = true; return v.play(); }", selector)
    page.wait_for_function("sel => document.querySelector(sel).currentTime > 0.2", arg=selector, timeout=60_000)
    page.evaluate("sel => document.querySelector(sel).pause()", selector)
    return page.evaluate("sel => document.querySelector(sel).duration", selector)


def _wait_finished(page) -> None:
    """Wait until the progress view shows the finished ad, or fail at once with the job's error."""
    page.locator("[data-testid=output-video], .notice-error, .notice-warning").first.wait_for(timeout=JOB_TIMEOUT_MS)
    if not page.get_by_test_id("output-video").count():
        raise AssertionError(f"the job did not complete: {page.locator('main').inner_text()[:1500]}")


def _fill_brief(page) -> None:
    """The fields every test fills; a small, fast ad (360p, scenes in parallel)."""
    page.get_by_label("Prompt", exact=True).fill(
        "A hopeful short spot: a gardener with psoriasis gets back to her roses"
    )
    page.get_by_label("Style", exact=True).fill("warm, natural light")
    page.get_by_label("Resolution", exact=True).select_option("360p")
    page.get_by_label("Continuity", exact=True).select_option("parallel")
    page.get_by_label("Brand name", exact=True).fill("Veltrexa")
    page.get_by_label("Generic name", exact=True).fill("veltrexamab")
    page.get_by_label("Indication", exact=True).fill("plaque psoriasis in adults")
    page.get_by_label("Side effect 1", exact=True).fill("serious infections")
    page.get_by_label("Toll-free phone", exact=True).fill("1-800-555-0142")
    page.get_by_label("Website", exact=True).fill("veltrexa.example")
    # a short reference: with the contraindication the first test adds, the longer one leaves a
    # 15 s ad's contact card 0.2 s short of its reading time, and the brief is refused (422)
    page.get_by_label("Print ad reference", exact=True).fill("See Health Today")


def test_create_watch_play_reorder_recompose(server, browser, tmp_path):
    errors: list[str] = []
    page = _watched(browser.new_page(viewport={"width": 1280, "height": 900}), errors)

    with _screenshot_on_failure(page, "create-edit"):
        # --- Create: fill the brief, upload the product image, see the estimate, submit -----------
        page.goto(f"{server}/#/create")
        _fill_brief(page)
        page.get_by_role("radio", name="15 s").check()
        page.get_by_role("button", name="Add contraindication").click()
        page.get_by_label("Contraindication 1", exact=True).fill("an allergy to veltrexamab")
        image = _product_png(tmp_path / "pack.png")
        page.get_by_label("Product image (optional)", exact=True).set_input_files(str(image))
        page.get_by_text("Uploaded pack.png (480×360).").wait_for()
        assert page.get_by_alt_text("Preview of the product image").is_visible()
        page.get_by_test_id("estimate-cost").wait_for()
        assert page.get_by_test_id("estimate-cost").inner_text() == "$0.00"
        _shot(page, "1-create")
        page.get_by_role("button", name="Generate ad").click()

        # --- Progress: thumbnails as scenes finish, then completed ----------------------------------
        page.wait_for_url("**/#/jobs/*")
        job_id = page.url.rsplit("/", 1)[-1]
        page.get_by_alt_text("Last frame of scene 1").wait_for(timeout=JOB_TIMEOUT_MS)
        _shot(page, "2-progress")
        _wait_finished(page)
        assert page.locator(".view-top .badge").inner_text() == "Completed"
        duration = _playable(page, "[data-testid=output-video]")
        assert 14.0 <= duration <= 16.0, duration
        _shot(page, "3-completed")

        # --- Workspace: swap the first two scenes by drag and drop, re-compose, see version 2 -------
        page.get_by_role("link", name="Edit in the workspace").click()
        order = page.get_by_test_id("clip-order").locator("li")
        order.first.wait_for()
        before = order.evaluate_all("els => els.map(e => e.dataset.scene)")
        assert len(before) >= 3, before
        page.drag_and_drop("[data-testid=clip-1]", "[data-testid=clip-0]")
        after = order.evaluate_all("els => els.map(e => e.dataset.scene)")
        assert after == [before[1], before[0], *before[2:]], (before, after)
        page.get_by_text("unsaved changes").wait_for()
        _shot(page, "4-editor")
        page.get_by_role("button", name="Save and re-compose").click()
        page.get_by_test_id("editor-status").filter(has_text="Version 2 is ready.").wait_for(timeout=JOB_TIMEOUT_MS)
        # the version list is refetched once the new version is recorded: wait for it to show
        page.locator(".version-list > li[data-version='2']").wait_for(timeout=30_000)
        versions = page.locator(".version-list > li").evaluate_all("els => els.map(e => e.dataset.version)")
        assert versions == ["2", "1"], versions
        assert "/final/v2.mp4" in page.get_by_test_id("preview-video").get_attribute("src")
        assert _playable(page, "[data-testid=preview-video]") > 0
        _shot(page, "5-version-2")

        job = httpx.get(f"{server}/api/v1/jobs/{job_id}", timeout=10).json()
        assert job["renders"] == 2 and job["assets"]["output"].endswith("final/v2.mp4")
        timeline = httpx.get(f"{server}/api/v1/jobs/{job_id}/timeline", timeout=10).json()
        assert [str(c["scene_index"]) for c in timeline["clips"]] == after

        # --- Compliance report and library, the latter in dark mode --------------------------------
        page.goto(f"{server}/#/jobs/{job_id}/compliance")
        page.get_by_test_id("errors-count").wait_for()
        assert page.get_by_test_id("errors-count").inner_text() == "0"
        _shot(page, "6-compliance")
        page.goto(f"{server}/#/library")
        page.get_by_label("Colour theme", exact=True).select_option("dark")
        card = page.locator(f"[data-job-id='{job_id}']")
        card.wait_for()
        assert "Completed" in card.inner_text()
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        _shot(page, "7-library-dark")

    assert not errors, errors
    page.close()


def test_progress_over_websocket(server, browser):
    """AWS mode's transport against the local server's WebSocket (same protocol as API Gateway's):
    a config naming a WebSocket makes the app follow progress there instead of over SSE."""
    ws_url = server.replace("http://", "ws://") + "/api/v1/ws"
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    errors: list[str] = []
    sockets: list[str] = []
    sse: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.on("request", lambda r: sse.append(r.url) if r.url.split("?")[0].endswith("/progress") else None)
    page.route(
        "**/config.json",
        lambda route: route.fulfill(json={"mode": "aws", "apiBase": "/api/v1", "wsUrl": ws_url, "cognito": None}),
    )
    page.set_default_timeout(30_000)
    with _screenshot_on_failure(page, "websocket"):
        page.goto(f"{server}/#/create")
        _fill_brief(page)
        page.get_by_role("radio", name="15 s").check()
        page.get_by_role("button", name="Generate ad").click()
        page.wait_for_url("**/#/jobs/*")
        page.get_by_test_id("connection").filter(has_text="Live").wait_for(timeout=60_000)
        _wait_finished(page)
        assert 14.0 <= _playable(page, "[data-testid=output-video]") <= 16.0
        _shot(page, "8-phone-websocket")
    assert sockets and sockets[0].startswith(ws_url), sockets
    assert not sse, sse
    assert not errors, errors
    page.close()
