"""Decoding only the frames QC looks at, and measuring the audio on the way.

One ffmpeg run decodes the file's keyframes alone (`-skip_frame nokey`: no frame between them is
decoded), keeps those QC asked for (a `select` on their times, with `showinfo` naming each), and
measures the audio's loudness and true peak (`ebur128=peak=true`) in the same pass. Compose forces
a keyframe on every frame QC plans to read, so for our own renders that one run is all. A frame
that is not a keyframe (a file made elsewhere) is then decoded on its own with an exact seek,
several at a time.

Frames arrive one at a time and go straight to `on_frame`, so at most one frame per worker is in
memory, whatever the resolution.
"""

from __future__ import annotations

import queue
import re
import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from omnigen.media.ffmpeg import MediaError, open_ffmpeg, raise_on_failure, run_ffmpeg
from omnigen.media.loudness import Loudness, parse_summary

_PTS = re.compile(r"\] n:\s*\d+ pts:\s*-?\d+ pts_time:(-?[\d.]+)")
FrameSink = Callable[[int, np.ndarray], None]


class Decoded(BaseModel):
    from_keyframes: list[int]
    by_seek: list[int]
    loudness: Loudness | None


def _select(frames: list[int], fps: int) -> str:
    """The wanted frames by time, and the first keyframe always (an output that receives no
    frame at all makes ffmpeg fail; the extra frame is dropped when it is not wanted)."""
    half = 0.25 / fps
    return "+".join(["eq(n\\,0)", *(f"lt(abs(t-{f / fps:.6f})\\,{half:.6f})" for f in frames)])


def _read_exact(stream, n: int) -> bytes | None:  # type: ignore[no-untyped-def]
    buf = bytearray()
    while len(buf) < n:
        chunk = stream.read(n - len(buf))
        if not chunk:
            return None if not buf else bytes(buf)
        buf += chunk
    return bytes(buf)


def _keyframe_pass(
    video: Path, frames: list[int], fps: int, size: tuple[int, int], audio: bool, on_frame: FrameSink, timeout_s: float
) -> tuple[list[int], Loudness | None]:
    w, h = size
    graph = f"[0:v]select={_select(frames, fps)},showinfo[v]"
    outputs: list[str | Path] = [
        "-map",
        "[v]",
        "-fps_mode",
        "passthrough",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "pipe:1",
    ]
    if audio:
        graph += ";[0:a]ebur128=peak=true:framelog=quiet[a]"
        outputs += ["-map", "[a]", "-f", "null", "-"]
    args: list[str | Path] = ["-skip_frame", "nokey", "-i", video, "-filter_complex", graph, *outputs]
    what = f"decoding the keyframes of {video.name} for QC"
    proc = open_ffmpeg(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    times: queue.Queue[float | None] = queue.Queue()
    err_lines: list[str] = []

    def read_stderr() -> None:  # showinfo names each frame before it is written to stdout
        assert proc.stderr is not None
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace")
            err_lines.append(line)
            m = _PTS.search(line)
            if m:
                times.put(float(m[1]))
        times.put(None)

    reader = threading.Thread(target=read_stderr, name="qc-ffmpeg-stderr", daemon=True)
    reader.start()
    got: list[int] = []
    wanted = set(frames)
    assert proc.stdout is not None
    try:
        while True:
            data = _read_exact(proc.stdout, w * h * 3)
            if data is None or len(data) < w * h * 3:
                break
            t = times.get(timeout=timeout_s)
            if t is None:
                break
            n = round(t * fps)
            if n in wanted and n not in got:
                got.append(n)
                on_frame(n, np.frombuffer(data, np.uint8).reshape(h, w, 3))
        proc.wait(timeout=timeout_s)
    except (queue.Empty, subprocess.TimeoutExpired) as err:
        proc.kill()
        proc.wait()
        raise MediaError(f"{what} (timed out after {timeout_s:.0f} s)") from err
    finally:
        reader.join(timeout=5)
    stderr = "".join(err_lines)
    raise_on_failure(proc.returncode, stderr, what)
    loud = parse_summary(stderr, f"measuring the loudness of {video.name}") if audio else None
    return got, loud


def _seek_frame(video: Path, frame: int, fps: int, size: tuple[int, int]) -> np.ndarray:
    w, h = size
    what = f"decoding frame {frame} of {video.name} for QC"
    args: list[str | Path] = [
        "-ss", f"{max(0.0, (frame - 0.25) / fps):.6f}", "-i", video, "-map", "0:v", "-frames:v", "1",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
    ]  # fmt: skip
    proc = open_ffmpeg(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    out, err = proc.communicate(timeout=120)
    raise_on_failure(proc.returncode, err.decode("utf-8", "replace"), what)
    if len(out) < w * h * 3:
        raise MediaError(f"{what} (the file ends before it)")
    return np.frombuffer(out[: w * h * 3], np.uint8).reshape(h, w, 3)


def decode_frames(
    video: Path,
    frames: list[int],
    fps: int,
    size: tuple[int, int],
    on_frame: FrameSink,
    *,
    audio: bool = True,
    workers: int = 2,
    timeout_s: float = 300.0,
) -> Decoded:
    """Hand each of `frames` (indexes at `fps`) to `on_frame` as an RGB array of `size`, and
    measure the audio when `audio`. A frame past the end of the file is not handed over."""
    frames = sorted(set(frames))
    if frames:
        got, loud = _keyframe_pass(video, frames, fps, size, audio, on_frame, timeout_s)
    else:
        got, loud = [], None
        if audio:
            err = run_ffmpeg(
                ["-i", video, "-map", "0:a", "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-"],
                what=f"measuring the loudness of {video.name}",
            )
            loud = parse_summary(err, f"measuring the loudness of {video.name}")
    rest = [f for f in frames if f not in set(got)]
    seeked: list[int] = []
    if rest:
        with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="qc-seek") as pool:
            for f, fut in [(f, pool.submit(_seek_frame, video, f, fps, size)) for f in rest]:
                try:
                    rgb = fut.result()
                except MediaError as err:
                    if "ends before it" in err.what:
                        continue
                    raise
                on_frame(f, rgb)
                seeked.append(f)
    return Decoded(from_keyframes=sorted(got), by_seek=seeked, loudness=loud)
