"""Track lengths read from an MP4's `moov` box, without decoding anything.

A track plays for its edit list's segments (ffmpeg writes one per track: for AAC it skips the
encoder's priming samples) or, without one, for its media duration. Those are the lengths a
player presents, per track, which the container's single "Duration" (the longest track) hides.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

from pydantic import BaseModel

from omnigen.media.ffmpeg import MediaError

_CONTAINERS = {b"moov", b"trak", b"mdia", b"edts", b"minf"}


class TrackLength(BaseModel):
    kind: str  # "video" | "audio" | another handler type
    seconds: float


def _boxes(f: BinaryIO, end: int):  # type: ignore[no-untyped-def]
    while f.tell() + 8 <= end:
        start = f.tell()
        size, kind = struct.unpack(">I4s", f.read(8))
        header = 8
        if size == 1:
            size = struct.unpack(">Q", f.read(8))[0]
            header = 16
        elif size == 0:
            size = end - start
        if size < header or start + size > end:
            raise MediaError(f"reading the MP4 boxes (a {kind!r} box of {size} bytes does not fit)")
        yield kind, start + header, start + size
        f.seek(start + size)


def _full(f: BinaryIO, at: int) -> int:
    f.seek(at)
    return f.read(4)[0]  # version (flags ignored)


def _track(f: BinaryIO, start: int, end: int, movie_scale: int) -> TrackLength | None:
    handler, media_scale, media_dur, edits = "", 0, 0, None
    stack = [(start, end)]
    while stack:
        s, e = stack.pop()
        f.seek(s)
        for kind, body, box_end in list(_boxes(f, e)):
            if kind in _CONTAINERS:
                stack.append((body, box_end))
            elif kind == b"hdlr":
                f.seek(body + 8)
                handler = {b"vide": "video", b"soun": "audio"}.get(f.read(4), "other")
            elif kind == b"mdhd":
                v = _full(f, body)
                f.seek(body + (20 if v == 1 else 12))
                media_scale, media_dur = struct.unpack(">IQ", f.read(12)) if v == 1 else struct.unpack(">II", f.read(8))
            elif kind == b"elst":
                v = _full(f, body)
                f.seek(body + 4)
                (count,) = struct.unpack(">I", f.read(4))
                total = 0
                for _ in range(count):
                    seg, _media_time = struct.unpack(">Qq", f.read(16)) if v == 1 else struct.unpack(">Ii", f.read(8))
                    f.read(4)  # media rate
                    total += seg
                edits = total
    if not handler or not media_scale:
        return None
    if edits is not None and movie_scale:
        return TrackLength(kind=handler, seconds=edits / movie_scale)
    return TrackLength(kind=handler, seconds=media_dur / media_scale)


def track_lengths(path: Path) -> list[TrackLength]:
    """Each track's presented length, in the file's track order."""
    size = Path(path).stat().st_size
    with open(path, "rb") as f:
        moov = next(((b, e) for k, b, e in _boxes(f, size) if k == b"moov"), None)
        if moov is None:
            raise MediaError(f"reading {Path(path).name} (no moov box: not a finished MP4)")
        f.seek(moov[0])
        inner = list(_boxes(f, moov[1]))
        movie_scale = 0
        for kind, body, _ in inner:
            if kind == b"mvhd":
                v = _full(f, body)
                f.seek(body + (20 if v == 1 else 12))
                (movie_scale,) = struct.unpack(">I", f.read(4))
        tracks = [_track(f, b, e, movie_scale) for k, b, e in inner if k == b"trak"]
    return [t for t in tracks if t is not None]


_TO_SAMPLE_ENTRIES = [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd"]
_VISUAL_ENTRY = 78
"""Bytes of a visual sample entry's own fields, before its child boxes (ISO/IEC 14496-12)."""


def avc_parameter_sets(path: Path) -> bytes:
    """The `avcC` box of the first H.264 video track: its profile, level and every SPS and PPS,
    which a file joined with `-c copy` carries once for all its segments. Two segments whose
    `avcC` differ would be decoded with the wrong parameter sets after the join."""
    size = Path(path).stat().st_size
    with open(path, "rb") as f:
        found = _avc_config(f, 0, size, 0)
    if found is None:
        raise MediaError(f"reading {Path(path).name} (no H.264 sample description: not an H.264 MP4)")
    return found


def _avc_config(f: BinaryIO, start: int, end: int, depth: int) -> bytes | None:
    f.seek(start)
    for kind, body, box_end in list(_boxes(f, end)):
        if depth < len(_TO_SAMPLE_ENTRIES) and kind == _TO_SAMPLE_ENTRIES[depth]:
            if kind != b"stsd":
                found = _avc_config(f, body, box_end, depth + 1)
                if found is not None:
                    return found
                continue
            f.seek(body + 8)  # version, flags, entry count
            for entry, entry_body, entry_end in list(_boxes(f, box_end)):
                if entry not in (b"avc1", b"avc3"):
                    continue
                f.seek(entry_body + _VISUAL_ENTRY)
                for child, child_body, child_end in list(_boxes(f, entry_end)):
                    if child == b"avcC":
                        f.seek(child_body)
                        return f.read(child_end - child_body)
    return None
