"""A killed job resumes without redoing finished steps; Ctrl-C cancels and keeps what was made;
bad inputs and broken disks end the job `failed` with a message a user can act on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SHARED_BRIEFS, remount_read_only

from omnigen.brief import load_brief, parse_brief
from omnigen.config import load_settings
from omnigen.job import JobStatus
from omnigen.keys import JobKeys
from omnigen.pipeline import lifecycle, steps
from omnigen.pipeline.context import local_context
from omnigen.pipeline.launchers.threads import LocalRunner
from omnigen.samples import small_brief
from omnigen.store.sqlite import SqliteJobStore

PSORIASIS = SHARED_BRIEFS / "psoriasis_30s.yaml"


def _env(home: Path) -> dict[str, str]:
    return os.environ | {
        "OMNIGEN_HOME": str(home),
        "OMNIGEN_PROVIDERS": "local",
        "OMNIGEN_MAX_CONCURRENT_SCENES": "1",
    }


def _as_at_a_terminal() -> None:
    """A command typed at a terminal gets Ctrl-C (SIGINT) at its default. A test run started in
    the background of a non-interactive shell (`nohup make test &`) ignores SIGINT, and an ignored
    disposition is inherited through exec, so the CLI would never see the Ctrl-C this test sends."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(home: Path, brief: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "omnigen.cli", "generate", str(brief), "-o", str(out), "--resolution", "360p"],
        env=_env(home),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_as_at_a_terminal,
    )


def _wait_for(home: Path, predicate, timeout: float = 180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db = home / "omnigen.db"
        if db.exists():
            jobs = SqliteJobStore(db).list_for_user("local", limit=1)
            if jobs and predicate(jobs[0]):
                return jobs[0]
        time.sleep(0.1)
    raise AssertionError("the job never reached the expected point")


def _scenes_done(job) -> list[str]:
    return [k for k, t in job.tracks.items() if k.startswith("scene_") and t.state == "done"]


def test_killed_job_resumes_without_redoing_finished_steps(tmp_path):
    home = tmp_path / "home"
    proc = _start(home, PSORIASIS, tmp_path / "a.mp4")
    job = _wait_for(home, lambda j: len(_scenes_done(j)) >= 2)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    job = SqliteJobStore(home / "omnigen.db").get(job.job_id)
    assert not job.status.terminal
    keys = JobKeys("local", job.job_id)
    assets = home / "assets"
    done = sorted(int(k.split("_")[1]) for k in _scenes_done(job))
    before = {n: (assets / keys.clip(n)).stat().st_mtime_ns for n in done}
    script_mtime = (assets / keys.script).stat().st_mtime_ns

    run = subprocess.run(
        [sys.executable, "-m", "omnigen.cli", "resume", job.job_id, "-o", str(tmp_path / "a.mp4"), "--json"],
        env=_env(home),
        text=True,
        capture_output=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert json.loads(run.stdout.strip().splitlines()[-1])["status"] == "completed"
    assert {n: (assets / keys.clip(n)).stat().st_mtime_ns for n in done} == before
    assert (assets / keys.script).stat().st_mtime_ns == script_mtime
    assert (tmp_path / "a.mp4").stat().st_size > 10_000


def test_ctrl_c_cancels_and_keeps_what_was_made(tmp_path):
    home = tmp_path / "home"
    proc = _start(home, PSORIASIS, tmp_path / "b.mp4")
    done = _scenes_done(_wait_for(home, lambda j: len(_scenes_done(j)) >= 1))
    proc.send_signal(signal.SIGINT)
    assert proc.wait(120) == 130
    (job,) = SqliteJobStore(home / "omnigen.db").list_for_user("local")
    assert job.status == JobStatus.CANCELLED
    keys = JobKeys("local", job.job_id)
    assert (home / "assets" / keys.script).is_file()
    for track in done:  # every scene finished before Ctrl-C is kept
        assert (home / "assets" / keys.clip(int(track.split("_")[1]))).is_file()
    assert not (tmp_path / "b.mp4").exists()


SHORT = small_brief(product={"indication": "plaque psoriasis"})


def _context(home: Path):
    return local_context(load_settings({"OMNIGEN_HOME": str(home), "OMNIGEN_PROVIDERS": "local"}))


def test_unreadable_product_image_is_refused_before_any_job_with_an_actionable_message(tmp_path):
    """A file that is not a picture is refused when the job is created (the one image check the
    API and the CLI share), not found out by a scene step minutes later; no job is recorded."""
    import pytest

    from omnigen.brief import BriefError

    image = tmp_path / "pack.png"
    image.write_bytes(b"this is not a png")
    ctx = _context(tmp_path / "home")
    brief = parse_brief(small_brief(product={"indication": "plaque psoriasis", "image": str(image)}))
    with pytest.raises(BriefError) as refused:
        lifecycle.create_job(ctx, "local", brief, local_files=True)
    message = str(refused.value)
    assert "product.image" in message and "PNG" in message and "JPEG" in message, message
    assert ctx.jobs.list_for_user("local") == []


def test_failed_ffmpeg_run_keeps_its_stderr_tail(tmp_path):
    ctx = _context(tmp_path / "home")
    job = lifecycle.create_job(ctx, "local", parse_brief(SHORT))
    steps.write_script(ctx, job.job_id)
    keys = JobKeys("local", job.job_id)
    ctx.assets.put_bytes(keys.clip(1), b"\x00" * 2048)  # a corrupt clip, as if a model sent junk
    ctx.assets.put_bytes(keys.last_frame(1), b"\xff\xd8")
    job = LocalRunner(ctx).run(job.job_id)
    assert job.status == JobStatus.FAILED
    assert job.error.step == "compose"
    assert "ffmpeg failed" in job.error.message
    assert job.error.detail.strip()  # ffmpeg's own words, for whoever debugs it
    assert (tmp_path / "home" / "assets" / keys.clip(2)).is_file()  # partial work kept


def _assets_on(tmpfs: Path, home: Path) -> None:
    home.mkdir(parents=True)
    (home / "assets").symlink_to(tmpfs, target_is_directory=True)


def test_full_disk_fails_the_job_saying_so(tmp_path, tmpfs):
    home = tmp_path / "home"
    _assets_on(tmpfs, home)
    ctx = _context(home)
    brief = load_brief(PSORIASIS).model_copy(update={"resolution": "360p"})
    job = LocalRunner(ctx).run(lifecycle.create_job(ctx, "local", brief).job_id)
    assert job.status == JobStatus.FAILED
    assert "full" in job.error.message and "Free some space" in job.error.message


def test_read_only_disk_fails_the_job_saying_so(tmp_path, tmpfs):
    home = tmp_path / "home"
    _assets_on(tmpfs, home)
    ctx = _context(home)
    job = lifecycle.create_job(ctx, "local", parse_brief(SHORT))
    remount_read_only(tmpfs)
    job = LocalRunner(ctx).run(job.job_id)
    assert job.status == JobStatus.FAILED
    assert "read-only" in job.error.message and "OMNIGEN_HOME" in job.error.message


@pytest.mark.parametrize("flag", ["--resolution", "--aspect", "--continuity"])
def test_bad_flag_value_exits_2(tmp_path, flag):
    run = subprocess.run(
        [sys.executable, "-m", "omnigen.cli", "generate", str(PSORIASIS), flag, "nope"],
        env=_env(tmp_path),
        text=True,
        capture_output=True,
        timeout=60,
    )
    assert run.returncode == 2 and "invalid choice" in run.stderr
