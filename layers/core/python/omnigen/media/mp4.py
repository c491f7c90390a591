"""What the pipeline reads from an MP4's `moov` box without decoding anything (track lengths,
the H.264 decoder configuration), and the one thing it writes there: a joined file's `avcC`.

A track plays for its edit list's segments (ffmpeg writes one per track: for AAC it skips the
encoder's priming samples) or, without one, for its media duration. Those are the lengths a
player presents, per track, which the container's single "Duration" (the longest track) hides.
"""

from __future__ import annotations

import os
import shutil
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


_TO_AVC_CONFIG = [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd", b"avc1", b"avcC"]
_CHUNK_OFFSETS = {b"stco": ">I", b"co64": ">Q"}
_OFFSET_PARENTS = {b"moov", b"trak", b"mdia", b"minf", b"stbl"}


def _box_list(buf: bytes, start: int, end: int) -> list[tuple[bytes, int, int, int]]:
    """(kind, box start, body start, box end) of the boxes in buf[start:end]."""
    out, pos = [], start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", buf, pos)
        header = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", buf, pos + 8)
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise MediaError(f"reading the MP4 boxes (a {kind!r} box of {size} bytes does not fit)")
        out.append((kind, pos, pos + header, pos + size))
        pos += size
    return out


def _grow(buf: bytearray, at: int, by: int) -> None:
    """Add `by` to the size of the box starting at `at` (32- or 64-bit size field)."""
    (size,) = struct.unpack_from(">I", buf, at)
    if size == 1:
        struct.pack_into(">Q", buf, at + 8, struct.unpack_from(">Q", buf, at + 8)[0] + by)
    else:
        struct.pack_into(">I", buf, at, size + by)


def _shift_chunks(buf: bytearray, start: int, end: int, after: int, by: int) -> None:
    """Add `by` to every chunk offset at or past file position `after` (the data that moved)."""
    for kind, _, body, box_end in _box_list(bytes(buf[start:end]), 0, end - start):
        body, box_end = body + start, box_end + start
        if kind in _OFFSET_PARENTS:
            _shift_chunks(buf, body, box_end, after, by)
        elif kind in _CHUNK_OFFSETS:
            fmt = _CHUNK_OFFSETS[kind]
            width = struct.calcsize(fmt)
            (count,) = struct.unpack_from(">I", buf, body + 4)
            for k in range(count):
                at = body + 8 + k * width
                (offset,) = struct.unpack_from(fmt, buf, at)
                if offset >= after:
                    if fmt == ">I" and offset + by >= 2**32:
                        raise MediaError("rewriting the MP4 index (a chunk offset past 4 GiB in a 32-bit table)")
                    struct.pack_into(fmt, buf, at, offset + by)


def replace_avc_config(path: Path, record: bytes) -> None:
    """Give the file's first H.264 track `record` as its `avcC`, in place: the boxes that hold it
    grow or shrink with it, and where the index sits before the media (`+faststart`) every chunk
    offset moves by as much. The media data itself is copied untouched."""
    path = Path(path)
    size = path.stat().st_size
    with open(path, "rb") as f:
        moov_start = moov_end = -1
        pos = 0
        while pos + 8 <= size:
            f.seek(pos)
            box_size, kind = struct.unpack(">I4s", f.read(8))
            if box_size == 1:
                box_size = struct.unpack(">Q", f.read(8))[0]
            elif box_size == 0:
                box_size = size - pos
            if box_size < 8:
                raise MediaError(f"rewriting {path.name} (a {kind!r} box of {box_size} bytes)")
            if kind == b"moov":
                moov_start, moov_end = pos, pos + box_size
                break
            pos += box_size
        if moov_start < 0:
            raise MediaError(f"rewriting {path.name} (no moov box: not a finished MP4)")
        f.seek(moov_start)
        buf = bytearray(f.read(moov_end - moov_start))
    ancestors, start, end = [], 0, len(buf)
    for want in _TO_AVC_CONFIG:
        found = next((b for b in _box_list(bytes(buf), start, end) if b[0] == want), None)
        if found is None:
            raise MediaError(f"rewriting {path.name} (no {want.decode()} box: not an H.264 MP4)")
        ancestors.append(found[1])
        start, end = found[2], found[3]
        if want == b"stsd":
            start += 8  # version, flags, entry count
        elif want == b"avc1":
            start += _VISUAL_ENTRY
    by = len(record) - (end - start)
    buf[start:end] = record
    for at in ancestors:
        _grow(buf, at, by)
    if by:
        _shift_chunks(buf, 8 if struct.unpack_from(">I", buf, 0)[0] != 1 else 16, len(buf), moov_end, by)
    tmp = path.with_suffix(path.suffix + ".avcc")
    with open(path, "rb") as src, open(tmp, "wb") as out:
        out.write(src.read(moov_start))
        out.write(buf)
        src.seek(moov_end)
        shutil.copyfileobj(src, out, 1 << 20)
    os.replace(tmp, path)
