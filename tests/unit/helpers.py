"""Small builders for unit tests (plain data, no I/O)."""

import struct
import zlib

from omnigen.script import Scene, Script

PURPOSES = ["hook", "indication", "benefit", "major_statement", "adequate_provision", "brand_close"]


def make_script(links: list[bool], durations: list[float] | None = None) -> Script:
    durations = durations or [5.0] * len(links)
    scenes = [
        Scene(
            index=i + 1,
            duration_s=d,
            purpose=PURPOSES[min(i, 5)],
            shot=f"shot {i + 1}",
            voiceover=f"Line for scene {i + 1}.",
            continues_previous=link,
        )
        for i, (link, d) in enumerate(zip(links, durations, strict=True))
    ]
    return Script(title="t", scenes=scenes)


def bomb_png(w: int, h: int) -> bytes:
    """A real, valid 1-bit PNG of w x h black pixels: a few KB on disk, w*h pixels once decoded
    (the probe's 20 KB 13000x13000 file). Written row by row, never held whole in memory."""
    row = b"\x00" + bytes((w + 7) // 8)  # filter byte, then the packed row
    z = zlib.compressobj(9)
    idat = b"".join(z.compress(row) for _ in range(h)) + z.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
