"""The one way OmniGen runs ffmpeg: the binary from the `imageio-ffmpeg` wheel, a timeout, and an
error that keeps the tail of ffmpeg's stderr (what a user needs to see when a render fails).

An ffmpeg never outlives the work it was started for:
- each runs in its own process group, killed whole when its caller stops waiting for any reason
  (an error, a timeout, an interrupt);
- on Linux it gets SIGKILL from the kernel when the thread that started it ends
  (`PR_SET_PDEATHSIG`), so a `kill -9` of the server or of a worker process leaves no ffmpeg
  behind writing into a job;
- inside `stop_when(check)` (the compose step passes "is this job cancelled?") a run polls
  `check` twice a second and, when it says so, kills ffmpeg and raises `MediaStopped`.

`OMNIGEN_FFMPEG` overrides the binary (the media Lambda image sets it to the same build).
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel

from omnigen.priority import lower_process


class MediaError(RuntimeError):
    """An ffmpeg run failed. `stderr_tail` holds ffmpeg's last lines."""

    def __init__(self, what: str, stderr_tail: str = "", *, disk_full: bool = False):
        self.what = what
        self.stderr_tail = stderr_tail
        self.disk_full = disk_full
        msg = f"ffmpeg failed while {what}"
        if disk_full:
            msg += ": the disk is full — free space in OMNIGEN_HOME, then retry the job (omnigen retry JOB)"
        if stderr_tail:
            msg += f"\n--- ffmpeg stderr (tail) ---\n{stderr_tail}"
        super().__init__(msg)


class MediaStopped(MediaError):
    """ffmpeg was killed because the `stop_when` check said its work is no longer wanted."""

    def __init__(self, what: str):
        super().__init__(f"{what} (stopped: the job was cancelled)")


POLL_S = 0.5
_stop_check: ContextVar[Callable[[], bool] | None] = ContextVar("omnigen_ffmpeg_stop_check", default=None)


@contextlib.contextmanager
def stop_when(check: Callable[[], bool]) -> Iterator[None]:
    """Every ffmpeg this thread runs inside the block is killed as soon as `check()` is true."""
    token = _stop_check.set(check)
    try:
        yield
    finally:
        _stop_check.reset(token)


def _stop_requested() -> bool:
    check = _stop_check.get()
    return check is not None and check()


@cache
def _die_with_parent() -> Callable[[], None] | None:
    """The child-side setup that asks Linux to SIGKILL the child when its parent thread ends
    (None elsewhere: there the process group kill on every exit path is what remains)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig, sigkill = 1, int(signal.SIGKILL)
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]

    def preexec() -> None:  # runs in the child between fork and exec: nothing but the one call
        prctl(pr_set_pdeathsig, sigkill, 0, 0, 0)

    return preexec


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill ffmpeg and anything it started (its own process group) and reap it."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


@cache
def ffmpeg_exe() -> str:
    override = os.environ.get("OMNIGEN_FFMPEG")
    if override:
        return override
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _spawn(cmd: list[str], **popen: Any) -> subprocess.Popen[bytes]:
    """Start ffmpeg as background work (see `omnigen.priority`), so a busy 2-core server stays
    responsive while ffmpeg takes every spare cycle; in its own process group, dying with the
    thread that started it (see the module's docstring). The `preexec_fn` makes Python fork
    rather than vfork; the renders run in worker processes, not in the server (bench/api.py)."""
    proc = subprocess.Popen(cmd, process_group=0, preexec_fn=_die_with_parent(), **popen)
    lower_process(proc.pid)
    return proc


def open_ffmpeg(args: Sequence[str | Path], **popen: Any) -> subprocess.Popen[bytes]:
    """Start ffmpeg with `args` as background work, for a caller that streams its output (it
    owns the process: reads the pipes, waits, and checks the exit code)."""
    return _spawn([ffmpeg_exe(), "-hide_banner", "-nostdin", *map(str, args)], **popen)


def raise_on_failure(returncode: int, stderr: str, what: str) -> None:
    """The MediaError of a failed ffmpeg run, disk-full recognised (callers of open_ffmpeg)."""
    _raise_on_failure(returncode, stderr, what)


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def run_ffmpeg(
    args: Sequence[str | Path],
    *,
    what: str,
    timeout: float = 900.0,
    input_bytes: bytes | None = None,
    progress: Callable[[float], None] | None = None,
    total_s: float = 0.0,
) -> str:
    """Run ffmpeg with `args` (no leading binary); return stderr; raise MediaError on failure.

    With `progress` and `total_s`, ffmpeg reports its output clock (`-progress pipe:1`) and
    `progress` receives the fraction done as the render goes, for the job's compose track.
    """
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", *map(str, args)]
    if input_bytes is not None:
        cmd.remove("-nostdin")
    if progress is not None and total_s > 0:
        return _run_with_progress(cmd, what, timeout, progress, total_s)
    stdin = subprocess.PIPE if input_bytes is not None else subprocess.DEVNULL
    try:
        proc = _spawn(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as err:
        raise MediaError(f"{what} (could not start ffmpeg: {err})") from err
    with proc:
        try:
            err_bytes = _communicate(proc, input_bytes, timeout, what)
        except BaseException:
            kill_group(proc)
            raise
    stderr = err_bytes.decode("utf-8", "replace")
    _raise_on_failure(proc.returncode, stderr, what)
    return stderr


def _communicate(proc: subprocess.Popen[bytes], input_bytes: bytes | None, timeout: float, what: str) -> bytes:
    """ffmpeg's stderr once it exits; MediaError when it runs past `timeout`, MediaStopped when
    the `stop_when` check asks (polled every POLL_S while it runs)."""
    deadline = time.monotonic() + timeout
    pending = input_bytes
    while True:
        wait_s = max(0.0, deadline - time.monotonic())
        if _stop_check.get() is not None:
            wait_s = min(wait_s, POLL_S)
        try:
            _, err_bytes = proc.communicate(pending, timeout=wait_s)
            return err_bytes
        except subprocess.TimeoutExpired:
            pending = None  # the input is being written already; a retry must not send it again
            if _stop_requested():
                raise MediaStopped(what) from None
            if time.monotonic() >= deadline:
                raise MediaError(f"{what} (timed out after {timeout:.0f} s)") from None


def _pump(stream: IO[bytes], into: queue.SimpleQueue[bytes | None]) -> None:
    """Every line of `stream` into `into`, then None at its end."""
    try:
        for raw in stream:
            into.put(raw)
    finally:
        into.put(None)


def _raise_on_failure(returncode: int, stderr: str, what: str) -> None:
    if returncode != 0:
        full = "No space left on device" in stderr or "ENOSPC" in stderr
        raise MediaError(what, _tail(stderr), disk_full=full)


def _run_with_progress(
    cmd: list[str], what: str, timeout: float, progress: Callable[[float], None], total_s: float
) -> str:
    cmd = [cmd[0], "-progress", "pipe:1", "-nostats", *cmd[1:]]
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryFile() as errf:
        try:
            proc = _spawn(cmd, stdout=subprocess.PIPE, stderr=errf, stdin=subprocess.DEVNULL)
        except OSError as err:
            raise MediaError(f"{what} (could not start ffmpeg: {err})") from err
        assert proc.stdout is not None
        lines: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        reader = threading.Thread(target=_pump, args=(proc.stdout, lines), name="ffmpeg-progress", daemon=True)
        reader.start()
        last = -1.0
        try:
            # The reader hands over ffmpeg's progress lines; this loop wakes at least every POLL_S
            # whether or not ffmpeg writes (a stalled ffmpeg still meets its deadline and a cancel).
            while True:
                try:
                    raw = lines.get(timeout=POLL_S)
                except queue.Empty:
                    raw = b""
                if raw is None:
                    break
                line = raw.decode("ascii", "replace").strip()
                if line.startswith("out_time_us=") and line[12:].lstrip("-").isdigit():
                    frac = min(1.0, max(0.0, int(line[12:]) / 1e6 / total_s))
                    if frac - last >= 0.02:
                        last = frac
                        progress(frac)
                if _stop_requested():
                    raise MediaStopped(what)
                if time.monotonic() > deadline:
                    raise MediaError(f"{what} (timed out after {timeout:.0f} s)")
            rc = proc.wait()
        except BaseException:
            kill_group(proc)
            raise
        finally:
            reader.join(timeout=5)
        errf.seek(0)
        stderr = errf.read().decode("utf-8", "replace")
    _raise_on_failure(rc, stderr, what)
    return stderr


class StreamInfo(BaseModel):
    kind: str  # video | audio | subtitle | data
    codec: str
    profile: str | None = None
    pix_fmt: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    sample_rate: int | None = None
    channels: int | None = None


class MediaInfo(BaseModel):
    path: str
    format: str
    duration_s: float
    streams: list[StreamInfo]

    @property
    def video(self) -> StreamInfo | None:
        return next((s for s in self.streams if s.kind == "video"), None)

    @property
    def audio(self) -> StreamInfo | None:
        return next((s for s in self.streams if s.kind == "audio"), None)


_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_INPUT = re.compile(r"Input #0, ([^,]+(?:,[^,]+)*?), from")
_STREAM = re.compile(r"Stream #0:\d+(?:\[[^\]]*\])?(?:\([^)]*\))?: (Video|Audio|Subtitle|Data): (.*)")
_TIME = re.compile(r"time=(\d+):(\d+):(\d+(?:\.\d+)?)")
_CHANNELS = {"mono": 1, "stereo": 2, "5.1": 6, "5.1(side)": 6, "7.1": 8, "quad": 4}


def _hms(m: re.Match[str]) -> float:
    return int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3])


def _split_top(spec: str) -> list[str]:
    """Split an ffmpeg stream description on commas that are not inside parentheses."""
    parts, depth, cur = [], 0, ""
    for ch in spec:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


def _parse_stream(kind: str, spec: str) -> StreamInfo:
    parts = _split_top(spec)
    head = parts[0]
    codec = head.split()[0]
    prof = re.search(r"\(([^)]+)\)", head)
    info = StreamInfo(kind=kind.lower(), codec=codec, profile=prof[1] if prof else None)
    if info.kind == "video":
        for p in parts[1:]:
            size = re.match(r"(\d+)x(\d+)", p)
            if size and info.width is None:
                info.width, info.height = int(size[1]), int(size[2])
            elif info.pix_fmt is None and re.match(r"^[a-z0-9_]+(\(|$)", p) and "x" not in p[:1]:
                info.pix_fmt = p.split("(")[0]
            fps = re.search(r"([\d.]+) fps", p)
            if fps:
                info.fps = float(fps[1])
    elif info.kind == "audio":
        for p in parts[1:]:
            hz = re.match(r"(\d+) Hz", p)
            if hz:
                info.sample_rate = int(hz[1])
            elif p in _CHANNELS:
                info.channels = _CHANNELS[p]
            elif re.match(r"\d+ channels", p):
                info.channels = int(p.split()[0])
    return info


def probe(path: str | Path, *, decode: bool = False) -> MediaInfo:
    """Streams and duration of a media file, read from ffmpeg's own description.

    With `decode=True` the file is decoded to the end and the duration is the decoded one
    (what a player will actually play), not the container's claim.
    """
    p = Path(path)
    if not p.is_file():
        raise MediaError(f"probing {p} (no such file)")
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(p)]
    if decode:
        cmd += ["-f", "null", "-"]
    proc = _spawn(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    with proc:
        try:
            err = _communicate(proc, None, 600.0, f"probing {p}").decode("utf-8", "replace")
        except BaseException:
            kill_group(proc)
            raise
    if "Invalid data found" in err or "could not find codec parameters" in err.lower():
        raise MediaError(f"probing {p} (not a readable media file)", _tail(err))
    if decode and proc.returncode != 0:
        raise MediaError(f"decoding {p}", _tail(err))
    fmt = _INPUT.search(err)
    streams = [_parse_stream(k, s) for k, s in _STREAM.findall(err.split("Output #0")[0])]
    if not streams:
        raise MediaError(f"probing {p} (no audio or video streams)", _tail(err))
    dur = _DURATION.search(err)
    duration = _hms(dur) if dur else 0.0
    if decode:
        times = list(_TIME.finditer(err))
        if times:
            duration = _hms(times[-1])
    return MediaInfo(path=str(p), format=fmt[1] if fmt else "", duration_s=duration, streams=streams)
