"""What makes a product image acceptable, checked by content (never by file name): PNG or JPEG,
at most 10 MB, readable, at least 300 px on each side. The local server checks an upload when
it arrives; on AWS the browser PUTs straight to S3, so the same check runs when a job is
created from the upload."""

from __future__ import annotations

import io

MAX_BYTES = 10 * 1024 * 1024
MIN_SIDE = 300
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

    try:
        with Image.open(io.BytesIO(data)) as im:
            im.verify()
            width, height = im.size
    except (UnidentifiedImageError, OSError, SyntaxError) as err:
        raise ImageRejected(415, f"the image cannot be read ({err}); export it again as PNG or JPEG") from None
    if min(width, height) < MIN_SIDE:
        raise ImageRejected(422, f"the image is {width}x{height}; it must be at least {MIN_SIDE} px on each side")
    return kind[0], kind[1], width, height
