"""What makes a product image acceptable, checked by content (never by file name): PNG or JPEG,
at most 10 MB, at least 300 px and at most 8000 px on each side and 36 megapixels in all, and
readable whole. The local server checks an upload when it arrives; on AWS the browser PUTs
straight to S3, so the same check runs when a job is created from the upload; the CLI checks a
brief's image file the same way.

The size is read from the file's header before any pixel is decoded: a 20 KB PNG can declare
13000x13000 pixels, and decoding it takes gigabytes (a decompression bomb). Only an image whose
header passes is decoded, once, to prove it is readable whole.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

MAX_BYTES = 10 * 1024 * 1024
MIN_SIDE = 300
MAX_SIDE = 8000
MAX_PIXELS = 36_000_000  # 6000x6000; a pack shot for a 1080p or 4K frame needs far fewer
MAGIC = {b"\x89PNG\r\n\x1a\n": ("image/png", "png"), b"\xff\xd8\xff": ("image/jpeg", "jpg")}


class ImageRejected(ValueError):
    """`status` is the HTTP status an API answers with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the first bytes, or None for anything but PNG/JPEG."""
    for magic, kind in MAGIC.items():
        if data.startswith(magic):
            return kind
    return None


def check_image(data: bytes) -> tuple[str, str, int, int]:
    """(content type, extension, width, height) of an acceptable image; else ImageRejected."""
    if len(data) > MAX_BYTES:
        raise ImageRejected(413, "the image is larger than 10 MB; export a smaller PNG or JPEG")
    kind = sniff(data[:16])
    if kind is None:
        raise ImageRejected(415, "the file is not a PNG or JPEG image (checked by its content, not its name)")
    from PIL import Image, UnidentifiedImageError

    unreadable = (UnidentifiedImageError, OSError, SyntaxError, ValueError)
    try:
        with warnings.catch_warnings():  # PIL's bomb warning: this check refuses such images itself
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:  # reads the header only
                width, height = im.size
    except Image.DecompressionBombError:
        raise ImageRejected(422, f"the image declares too many pixels; {_limits()}") from None
    except unreadable as err:
        raise ImageRejected(415, f"the image cannot be read ({err}); export it again as PNG or JPEG") from None
    if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
        raise ImageRejected(422, f"the image is {width}x{height} ({width * height / 1e6:.0f} megapixels); {_limits()}")
    if min(width, height) < MIN_SIDE:
        raise ImageRejected(422, f"the image is {width}x{height}; it must be at least {MIN_SIDE} px on each side")
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()  # every pixel decodes: a truncated or corrupt file is refused now, not mid-job
    except unreadable as err:
        raise ImageRejected(415, f"the image cannot be read whole ({err}); export it again as PNG or JPEG") from None
    return kind[0], kind[1], width, height


def _limits() -> str:
    return (
        f"it may be at most {MAX_SIDE} px on a side and {MAX_PIXELS // 1_000_000} megapixels in all: "
        "export a smaller PNG or JPEG"
    )


def fit_to_frame(src: Path, dest: Path, width: int, height: int, tolerance: float = 0.01) -> Path:
    """`src` in a `width`x`height` frame: letterboxed or pillarboxed (the whole image kept, scaled
    to fit), the bars filled with the image's own border colour so the frame reads as one scene.
    Never cropped: a product shot cropped to 16:9 can lose the brand name or the label, which the
    ad must show whole and legible. An image already of the frame's shape (within `tolerance`) is
    returned as it is. Writes a JPEG to `dest`."""
    import numpy as np
    from PIL import Image

    with Image.open(src) as im:
        w, h = im.size
        if abs((w / h) / (width / height) - 1) <= tolerance:
            return src
        rgb = im.convert("RGB")
    scale = min(width / w, height / h)
    fitted = rgb.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.LANCZOS)
    edge = max(1, round(min(w, h) * 0.02))
    px = np.asarray(rgb)
    ring = np.concatenate(
        [px[:edge].reshape(-1, 3), px[-edge:].reshape(-1, 3), px[:, :edge].reshape(-1, 3), px[:, -edge:].reshape(-1, 3)]
    )
    fill = tuple(int(c) for c in np.median(ring, axis=0))
    canvas = Image.new("RGB", (width, height), fill)  # type: ignore[arg-type]
    canvas.paste(fitted, ((width - fitted.width) // 2, (height - fitted.height) // 2))
    dest.parent.mkdir(parents=True, exist_ok=True)
    canvas.save(dest, "JPEG", quality=92)
    return dest
