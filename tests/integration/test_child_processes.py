"""An ffmpeg never outlives its job (issue 14 item 5), shown on real processes: a cancel during
compose kills the render at once and nothing is published onto the cancelled job; a process
killed with SIGKILL takes its ffmpeg with it; a killed process's scratch folder is removed by the
next start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from api_harness import small_brief
from procs import alive, ffmpeg_children, wait_until, zombie

from omnigen.brief import parse_brief
from omnigen.config import load_settings
from omnigen.job import JobStatus
from omnigen.keys import JobKeys
from omnigen.media.ffmpeg import MediaStopped, ffmpeg_exe, run_ffmpeg, stop_when
from omnigen.pipeline.context import clean_stale_scratch, local_context
from omnigen.pipeline.launchers.threads import LocalRunner
from omnigen.pipeline.lifecycle import cancel_job, create_job

ENDLESS = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", "600", "-f", "null", "-"]


def _frozen(proc_pid: int) -> None:
    os.kill(proc_pid, signal.SIGSTOP)  # a stalled ffmpeg: it writes nothing more, ever


@pytest.fixture(autouse=True)
def _binary_found_first() -> None:
    ffmpeg_exe()  # imageio-ffmpeg's own `-version` check runs now, not among the ffmpegs watched


@pytest.mark.parametrize("with_progress", [False, True], ids=["plain", "progress"])
def test_stop_when_kills_even_a_stalled_ffmpeg_within_a_poll(with_progress):
    stop = threading.Event()
    caught: list[BaseException] = []

    def render() -> None:
        try:
            with stop_when(stop.is_set):
                kwargs = {"progress": lambda _f: None, "total_s": 600.0} if with_progress else {}
                run_ffmpeg(ENDLESS, what="an endless render", **kwargs)
        except BaseException as err:
            caught.append(err)

    worker = threading.Thread(target=render)
    worker.start()
    (child,) = wait_until(lambda: ffmpeg_children(os.getpid()), timeout=30)
    _frozen(child.pid)
    asked = time.monotonic()
    stop.set()
    worker.join(30)
    took = time.monotonic() - asked
    assert caught and isinstance(caught[0], MediaStopped), caught
    assert "stopped: the job was cancelled" in str(caught[0])
    assert took < 3.0, f"the stop took {took:.1f} s"
    assert not alive(child.pid)


def test_a_cancel_during_compose_stops_ffmpeg_and_publishes_nothing(tmp_path):
    env = {"OMNIGEN_HOME": str(tmp_path), "OMNIGEN_PROVIDERS": "local", "OMNIGEN_MAX_CONCURRENT_SCENES": "2"}
    ctx = local_context(load_settings(env))
    # 15 s: this brief's risks and closing card cannot be said and read in 10 s (the fit check
    # refuses it at creation, and a script of it at the write step), so it would never compose
    job = create_job(ctx, "local", parse_brief(small_brief(duration_s=15)))
    runner = LocalRunner(ctx, max_jobs=1, background=False)
    handle = runner.start(job.job_id)

    def composing_ffmpeg():  # type: ignore[no-untyped-def]
        current = ctx.jobs.get(job.job_id)
        if current is None or current.status.terminal:
            return "ended"
        compose = current.tracks.get("compose")
        if compose is None or compose.state != "running":
            return None
        return ffmpeg_children(os.getpid()) or None

    found = wait_until(composing_ffmpeg, timeout=300, poll=0.01)
    assert found not in (None, "ended"), "the job never reached a compose ffmpeg"
    for child in found:
        _frozen(child.pid)  # hold the render where it is: the cancel must be what ends it
    cancel_job(ctx, job.job_id)
    handle.join(60)
    assert not handle.is_alive()
    final = ctx.jobs.get(job.job_id)
    assert final.status == JobStatus.CANCELLED
    assert all(not alive(c.pid) for c in found)
    assert ffmpeg_children(os.getpid()) == []
    keys = JobKeys("local", job.job_id)
    assert ctx.assets.list(keys.prefix + "final/") == []
    assert not {"output", "poster", "captions"} & set(final.assets)
    assert not any(p.name.startswith(job.job_id) for p in (tmp_path / "tmp").iterdir())


CHILD = """
import sys, threading
from omnigen.media.ffmpeg import run_ffmpeg
threading.Thread(target=run_ffmpeg, args=({args!r},), kwargs={{"what": "endless"}}).start()
print("started", flush=True)
threading.Event().wait()
"""


def test_a_process_killed_with_sigkill_takes_its_ffmpeg_with_it():
    # Silent: an ffmpeg that writes nothing never meets the broken pipe of its dead parent, so
    # only the kernel's parent-death signal can end it (the probe's mid-compose case).
    silent = ["-v", "quiet", "-nostats", *ENDLESS]
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(args=silent)], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        assert proc.stdout.readline().strip() == "started"
        (child,) = wait_until(lambda: ffmpeg_children(proc.pid), timeout=30)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        assert wait_until(lambda: not alive(child.pid), timeout=5), "ffmpeg outlived its killed parent"
    finally:
        proc.kill()
        proc.wait()


def test_start_up_removes_the_scratch_of_dead_processes_only(tmp_path):
    root = tmp_path / "tmp"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (root / f"job1-{dead.pid}-abcd1234").mkdir(parents=True)
    (root / f"job1-{dead.pid}-abcd1234" / "clip.mp4").write_bytes(b"x" * 1000)
    (root / "job2-oldstyle").mkdir()  # the naming before process ids
    (root / f"job3-{os.getpid()}-efgh5678").mkdir()  # a live process's step: left alone
    # a worker killed with its server whose new parent (PID 1) has not reaped it yet: a zombie,
    # which kill(pid, 0) still finds; it runs no step, so its scratch goes
    unreaped = subprocess.Popen([sys.executable, "-c", "pass"])
    assert wait_until(lambda: zombie(unreaped.pid), timeout=30)
    (root / f"job5-{unreaped.pid}-ijkl9012").mkdir()
    removed = clean_stale_scratch(root)
    unreaped.wait()
    assert sorted(removed) == sorted([f"job1-{dead.pid}-abcd1234", "job2-oldstyle", f"job5-{unreaped.pid}-ijkl9012"])
    assert [p.name for p in root.iterdir()] == [f"job3-{os.getpid()}-efgh5678"]
    # and every process that opens the home tidies it (the server, a worker, the CLI)
    (root / f"job4-{dead.pid}-zz").mkdir()
    local_context(load_settings({"OMNIGEN_HOME": str(tmp_path), "OMNIGEN_PROVIDERS": "local"}))
    assert not (root / f"job4-{dead.pid}-zz").exists()


def test_ffmpeg_is_its_own_process_group(tmp_path):
    holder: list[int] = []

    def render() -> None:
        try:
            with stop_when(lambda: bool(holder) and holder[0] < 0):
                run_ffmpeg(ENDLESS, what="endless")
        except MediaStopped:
            pass

    t = threading.Thread(target=render)
    t.start()
    (child,) = wait_until(lambda: ffmpeg_children(os.getpid()), timeout=30)
    try:
        assert os.getpgid(child.pid) == child.pid != os.getpgid(0)
    finally:
        holder.append(-1)
        t.join(30)
    assert not alive(child.pid)
    assert Path(f"/proc/{child.pid}").exists() is False
