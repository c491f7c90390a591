"""Picture segments on disk: each encoded on its own with the one set of encoder settings every
render uses (`omnigen.media.encoding`), kept by content digest, and joined with the concat
demuxer and `-c copy` beside the mastered audio. `omnigen.media.segment_plan` says what each
segment holds.

Joining without re-encoding works because every segment is H.264 from the same encoder with the
same settings and the same colour tags (so one SPS/PPS serves all), starts on an IDR frame, and has exactly its planned
number of frames on the output's time base; the concat list gives each file that exact duration
so no timestamp drifts at a join.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from omnigen.media.encoding import keyframe_args, video_encoder_args
from omnigen.media.ffmpeg import MediaError, run_ffmpeg
from omnigen.media.h264 import AvcConfig, ParameterSetError, shared_config
from omnigen.media.mp4 import avc_parameter_sets, replace_avc_config
from omnigen.media.segment_plan import Segment
from omnigen.media.text_cards import render_animatic_mark, render_card


class MixedParameterSets(MediaError):
    """Segments that cannot share one stream's parameter sets (encoded by another x264 or with
    other settings): joined, they would decode wrongly, so the render is made in one pass instead."""


class SegmentStore(Protocol):
    """Where encoded segments (and mastered audio) are kept between renders."""

    def find(self, name: str) -> str | None:
        """The key (for compose's `resolve`) of the stored file `name`, or None."""
        ...

    def keep(self, name: str, path: Path) -> None:
        """Store the finished file at `path` as `name`."""
        ...


class FolderSegments:
    """A `SegmentStore` in a local folder (keys are paths): the bench's and the tests'."""

    def __init__(self, folder: Path):
        self.folder = folder

    def find(self, name: str) -> str | None:
        path = self.folder / name
        return str(path) if path.is_file() else None

    def keep(self, name: str, path: Path) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        part = self.folder / f".{name}.part"
        shutil.copyfile(path, part)
        part.replace(self.folder / name)


class Digests:
    """Content digests of asset files, each read once per render."""

    def __init__(self, resolve: Callable[[str], Path]):
        self.resolve = resolve
        self._known: dict[str, str] = {}

    def of(self, key: str) -> str:
        if key not in self._known:
            h = hashlib.sha256()
            with open(self.resolve(key), "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            self._known[key] = h.hexdigest()
        return self._known[key]

    def segment_name(self, segment: Segment) -> str:
        return f"seg_{segment.digest({s.asset: self.of(s.asset) for s in segment.sources})}.mp4"


def segment_graph(segment: Segment, cards: list[tuple[int, int, int]]) -> str:
    """The filter graph of one segment: its source(s) on the output's grid, a dissolve when it
    has two, its cards on their frames; `cards[k]` is (input, x, y) of `segment.overlays[k]`."""
    o = segment.output
    w, h, fps, n = o.width, o.height, o.fps, segment.frames
    chains = []
    for i, src in enumerate(segment.sources):
        # Half a frame of lead so float rounding never drops the frame the segment starts on.
        start = max(0.0, src.start_s - 0.5 / fps)
        chains.append(
            f"[{i}:v]tpad=stop_mode=clone:stop_duration={src.hold_s:.3f},trim=start={start:.6f},"
            f"setpts=PTS-STARTPTS,fps={fps},settb=1/{fps},trim=end_frame={src.frames},"
            f"scale={w}:{h}:force_original_aspect_ratio=decrease,"
            f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,format=yuv420p[s{i}]"
        )
    cur = "[s0]"
    if segment.dissolve:
        chains.append(f"[s0][s1]xfade=transition=fade:duration={n / fps:.6f}:offset=0,settb=1/{fps}[x]")
        cur = "[x]"
    for k, (ov, (idx, x, y)) in enumerate(zip(segment.overlays, cards, strict=True)):
        chains.append(
            f"{cur}[{idx}:v]overlay=x={x}:y={y}:eof_action=repeat:enable='between(n,{ov.first},{ov.last})'[o{k}]"
        )
        cur = f"[o{k}]"
    # One set of colour tags for every segment, whatever its clip's file claims: a tag that
    # changed at a join would change the SPS there, and a decoder (or QC's ffmpeg graph, which
    # would restart its loudness meter) sees a new stream mid-file.
    chains.append(
        f"{cur}trim=end_frame={n},setpts=PTS-STARTPTS,format=yuv420p,"
        f"setparams=range=tv:color_primaries=unknown:color_trc=unknown:colorspace=unknown[vout]"
    )
    return ";\n".join(chains)


def encode_segment(
    segment: Segment,
    resolve: Callable[[str], Path],
    workdir: Path,
    out: Path,
    threads: int | None = None,
    hurry: bool = False,
) -> Path:
    """Encode one segment to `out` (video only, H.264, exactly `segment.frames` frames). Its
    working files are named after `out`, so segments encoded at once never share one.
    `threads` caps x264's threads (None: x264's own choice, 1.5 per core); `hurry`: the final
    MP4 is waiting for it (`media.encoding`)."""
    o = segment.output
    workdir.mkdir(parents=True, exist_ok=True)
    args: list[str | Path] = ["-y"]
    for src in segment.sources:
        args += ["-i", resolve(src.asset)]
    cards: list[tuple[int, int, int]] = []
    for k, ov in enumerate(segment.overlays):
        if ov.item is None:
            card = render_animatic_mark(o, workdir / f"{out.stem}_mark.png")
        else:
            card = render_card(ov.item, o, workdir / f"{out.stem}_text_{k}.png")
        cards.append((len(segment.sources) + k, card.x, card.y))
        args += ["-i", card.path]
    graph_file = workdir / f"{out.stem}_graph.txt"
    graph_file.write_text(segment_graph(segment, cards), encoding="utf-8")
    times = [max(0.0, (f - 0.5) / o.fps) for f in segment.keyframes if f > 0]
    args += [
        "-/filter_complex",
        graph_file,
        "-map",
        "[vout]",
        *video_encoder_args(o, hurry),
        *(["-threads", str(threads)] if threads else []),
        *keyframe_args(times),
        "-frames:v",
        str(segment.frames),
        "-an",
        out,
    ]
    seconds = segment.frames / o.fps
    part = f", part {segment.part[0] + 1} of {segment.part[1]}" if segment.part else ""
    run_ffmpeg(
        args,
        what=f"encoding picture segment {segment.index + 1}{part} ({seconds:.2f} s from frame {segment.first_frame})",
    )
    return out


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "'\\''") + "'"


def join_segments(
    parts: list[tuple[Path, int]], fps: int, audio: Path, duration_s: float, out: Path, metadata: list[str]
) -> Path:
    """The segments (path, frames) in order, copied into one MP4 with the mastered `audio`
    copied beside them, `+faststart`; nothing is re-encoded. The file's `avcC` lists every
    parameter set the segments use (a hurried segment's PPS beside the others', `media.h264`):
    the concat demuxer would keep only the first segment's, so it is written after the copy."""
    paths = [p for p, _ in parts]
    try:
        shared = shared_config([AvcConfig.parse(avc_parameter_sets(p)) for p in paths], [p.name for p in paths])
    except ParameterSetError as err:
        raise MixedParameterSets(f"joining {len(parts)} picture segments: {err}; they cannot share one stream") from err
    listing = out.with_suffix(".concat.txt")
    lines = ["ffconcat version 1.0"]
    for path, frames in parts:
        lines += [f"file {_quoted(path.resolve())}", f"duration {frames / fps:.6f}"]
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run_ffmpeg(
        [
            "-y",
            "-f",
            "concat",
            "-safe",
            "0",
            "-auto_convert",
            "0",  # no parameter sets copied in-band: the avcC below carries them all
            "-i",
            listing,
            "-i",
            audio,
            "-map",
            "0:v:0",
            "-map",
            "1:a:0",
            "-c",
            "copy",
            "-t",
            f"{duration_s:.3f}",
            *metadata,
            "-movflags",
            "+faststart",
            out,
        ],
        what=f"joining {len(parts)} picture segments with the audio",
    )
    if not out.is_file():
        raise MediaError(f"joining {len(parts)} picture segments (ffmpeg wrote no file)")
    if avc_parameter_sets(out) != shared.record():
        replace_avc_config(out, shared.record())
    return out
