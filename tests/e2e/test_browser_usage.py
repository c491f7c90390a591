"""The job page's cost by model in Debian's Chromium at a 360 px phone width, against a live
`omnigen serve`: a job whose takes rendered on Kling v2.5 and on its end-frame companion Kling
v2.1 (billed through the pipeline's own recorder into the server's store) shows one row per
model with its cost, and the page does not scroll sideways (long Replicate model names wrap).
No ad is rendered: the jobs are written to the store the server reads, as the pipeline leaves them."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_harness import small_brief
from test_browser import WEB, _screenshot_on_failure, _shot, _watched

from omnigen.api.auth import LOCAL_USER
from omnigen.api.devserver import free_port, start_local_server, stop
from omnigen.brief import Brief
from omnigen.config import load_settings
from omnigen.job import Job, JobError, JobStatus, TrackProgress
from omnigen.keys import JobKeys
from omnigen.media.ffmpeg import ffmpeg_exe
from omnigen.pipeline.context import local_context
from omnigen.pipeline.progress import Tracker
from omnigen.providers.ports import ProviderCall

PHONE = {"width": 360, "height": 740}
CALLS = [
    ("script", "anthropic/claude-4-sonnet", 0.0213),
    ("keyframes", "black-forest-labs/flux-schnell", 0.003),
    ("video", "kwaivgi/kling-v2.5-turbo-pro", 0.35),
    ("video", "kwaivgi/kling-v2.1", 0.45),
    ("video", "kwaivgi/kling-v2.5-turbo-pro", 0.70),
    ("music", "meta/musicgen", 0.042),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    if not WEB.is_file():
        pytest.fail("frontend/dist is missing: run `make setup` (it builds the web app)")
    home = tmp_path_factory.mktemp("omnigen-home")
    proc = start_local_server(home, port := free_port())
    try:
        yield f"http://127.0.0.1:{port}", home
    finally:
        stop(proc)


def _billed_job(home: Path, status: JobStatus, **fields: object) -> str:
    """A job in the server's store with CALLS billed on it, as the pipeline's recorder bills them."""
    ctx = local_context(load_settings({"OMNIGEN_HOME": str(home)}))
    job = ctx.jobs.create(Job(user_id=LOCAL_USER, brief=Brief.model_validate(small_brief()), status=status, **fields))
    tracker = Tracker(ctx.jobs, job.job_id)
    for n, (capability, model, usd) in enumerate(CALLS):
        tracker.record_call(ProviderCall(capability=capability, model=model, prediction_id=f"p{n}", cost_usd=usd))
    return job.job_id


def _mp4(path: Path) -> Path:
    """A one-second H.264 file, so the finished job's player has a real video to load."""
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "color=c=navy:s=320x180:d=1", "-pix_fmt", "yuv420p", path],
        check=True,
        timeout=60,
    )
    return path


def _rows(page) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return (
        page.get_by_test_id("usage")
        .locator("tbody tr")
        .evaluate_all("rows => rows.map(r => [...r.cells].map(c => c.textContent))")
    )


def _overflow(page) -> int:  # type: ignore[no-untyped-def]
    """How far the page is wider than the viewport (0: no sideways scrolling)."""
    return int(page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def test_cost_by_model_fits_a_phone(served, browser, tmp_path) -> None:  # type: ignore[no-untyped-def]
    base, home = served
    failed = _billed_job(
        home,
        JobStatus.FAILED,
        tracks={"script": TrackProgress(state="done", percent=100), "scene_1": TrackProgress(state="failed")},
        error=JobError(step="render_scene", message="the video model failed twice"),
    )
    done = _billed_job(home, JobStatus.COMPLETED, percent=100.0, renders=1)
    ctx = local_context(load_settings({"OMNIGEN_HOME": str(home)}))
    output = JobKeys(LOCAL_USER, done).output()
    ctx.assets.put_file(output, _mp4(tmp_path / "ad.mp4"), "video/mp4")
    ctx.jobs.update(done, lambda j: j.assets.__setitem__("output", output))

    errors: list[str] = []
    page = _watched(browser.new_page(viewport=PHONE), errors)
    with _screenshot_on_failure(page, "usage"):
        expected = [
            ["Script", "anthropic/claude-4-sonnet", "1", "$0.02"],
            ["Keyframes", "black-forest-labs/flux-schnell", "1", "$0.0030"],
            ["Video", "kwaivgi/kling-v2.5-turbo-pro", "2", "$1.05"],
            ["Video", "kwaivgi/kling-v2.1", "1", "$0.45"],
            ["Music", "meta/musicgen", "1", "$0.04"],
        ]
        page.goto(f"{base}/#/jobs/{done}")
        page.get_by_role("table", name="Cost by model (total $1.57)").wait_for()
        page.get_by_test_id("output-video").wait_for()
        assert _rows(page) == expected
        assert _overflow(page) == 0
        _shot(page, "usage-completed-360")

        page.goto(f"{base}/#/jobs/{failed}")
        page.get_by_role("table", name="Spent before it stopped, by model (total $1.57)").wait_for()
        assert _rows(page) == expected
        assert _overflow(page) == 0
        _shot(page, "usage-failed-360")
    assert not errors, errors


def test_cost_so_far_grows_while_the_job_runs(served, browser) -> None:  # type: ignore[no-untyped-def]
    """A running job's page shows what it has spent so far, and the table grows when a take ends
    and is billed (the pipeline's recorder and tracker writing the store the server streams from)."""
    base, home = served
    ctx = local_context(load_settings({"OMNIGEN_HOME": str(home)}))
    tracks = {
        "script": TrackProgress(state="done", percent=100),
        "scene_1": TrackProgress(state="running", percent=30),
        "scene_2": TrackProgress(state="pending"),
    }
    job = ctx.jobs.create(
        Job(
            user_id=LOCAL_USER,
            brief=Brief.model_validate(small_brief()),
            status=JobStatus.GENERATING_VIDEOS,
            tracks=tracks,
        )
    )
    tracker = Tracker(ctx.jobs, job.job_id)
    tracker.record_call(ProviderCall(capability="script", model="openai/gpt-4o", prediction_id="s", cost_usd=0.02))

    errors: list[str] = []
    page = _watched(browser.new_page(viewport=PHONE), errors)
    with _screenshot_on_failure(page, "usage-live"):
        page.goto(f"{base}/#/jobs/{job.job_id}")
        page.get_by_role("table", name="Spent so far, by model (total $0.02)").wait_for()
        assert _rows(page) == [["Script", "openai/gpt-4o", "1", "$0.02"]]
        page.get_by_test_id("connection").get_by_text("Live").wait_for()

        tracker.record_call(
            ProviderCall(capability="video", model="kwaivgi/kling-v2.5-turbo-pro", prediction_id="v", cost_usd=0.35)
        )
        tracker.done("scene_1", "rendered")
        page.get_by_role("table", name="Spent so far, by model (total $0.37)").wait_for()
        assert _rows(page) == [
            ["Script", "openai/gpt-4o", "1", "$0.02"],
            ["Video", "kwaivgi/kling-v2.5-turbo-pro", "1", "$0.35"],
        ]
        assert _overflow(page) == 0
        _shot(page, "usage-running-360")
    assert not errors, errors
