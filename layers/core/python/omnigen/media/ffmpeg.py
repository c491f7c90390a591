"""The one way OmniGen runs ffmpeg: the binary from the `imageio-ffmpeg` wheel, a timeout, and an
error that keeps the tail of ffmpeg's stderr (what a user needs to see when a render fails).

`OMNIGEN_FFMPEG` overrides the binary (the media Lambda image sets it to the same build).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

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


@cache
def ffmpeg_exe() -> str:
    override = os.environ.get("OMNIGEN_FFMPEG")
    if override:
        return override
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _spawn(cmd: list[str], **popen: Any) -> subprocess.Popen[bytes]:
    """Start ffmpeg as background work (see `omnigen.priority`), so a busy 2-core server stays
    responsive while ffmpeg takes every spare cycle."""
    proc = subprocess.Popen(cmd, **popen)
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
            _, err_bytes = proc.communicate(input_bytes, timeout=timeout)
        except subprocess.TimeoutExpired as err:
            proc.kill()
            proc.communicate()
            raise MediaError(f"{what} (timed out after {timeout:.0f} s)") from err
    stderr = err_bytes.decode("utf-8", "replace")
    _raise_on_failure(proc.returncode, stderr, what)
    return stderr


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
        last = -1.0
        for raw in proc.stdout:
            line = raw.decode("ascii", "replace").strip()
            if line.startswith("out_time_us=") and line[12:].lstrip("-").isdigit():
                frac = min(1.0, max(0.0, int(line[12:]) / 1e6 / total_s))
                if frac - last >= 0.02:
                    last = frac
                    progress(frac)
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                raise MediaError(f"{what} (timed out after {timeout:.0f} s)")
        rc = proc.wait()
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
    proc = subprocess.run(cmd, capture_output=True, timeout=600, check=False)
    err = proc.stderr.decode("utf-8", "replace")
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
