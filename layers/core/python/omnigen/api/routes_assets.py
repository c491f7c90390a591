"""Assets behind signed URLs (with HTTP Range, so a video player can seek) and product-image
uploads (type by magic bytes, PNG/JPEG only, ≤ 10 MB, at least 300 px a side)."""

from __future__ import annotations

import mimetypes
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from omnigen.api.deps import ServicesDep, UserDep
from omnigen.api.problems import ApiError
from omnigen.api.schemas import UploadDone, UploadRequest, UploadTicket
from omnigen.api.signing import URL_TTL_S
from omnigen.images import MAX_BYTES, ImageRejected, check_image
from omnigen.keys import upload_key

router = APIRouter(tags=["assets"])
MAX_UPLOAD = MAX_BYTES
_RANGE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$", re.ASCII)
_BEYOND = 10**18
"""Where a Range number longer than any file's size stops being read as a number (5000 digits
would otherwise cost an int conversion Python refuses): it means "past the end"."""


def _offset(digits: str) -> int:
    return int(digits) if len(digits) <= 18 else _BEYOND


@router.get(
    "/assets/{key:path}",
    responses={
        200: {"content": {"application/octet-stream": {}}},
        206: {"description": "the requested byte range", "content": {"application/octet-stream": {}}},
        403: {"description": "the link's signature is invalid or it has expired"},
        416: {"description": "the Range header is malformed or outside the asset"},
    },
)
def get_asset(
    svc: ServicesDep,
    request: Request,
    key: str,
    exp: Annotated[int | None, Query()] = None,
    sig: Annotated[str | None, Query(max_length=100)] = None,
) -> StreamingResponse:
    """Serve an asset if its URL's signature is valid and unexpired (403 otherwise)."""
    if not svc.urls.valid(key, exp, sig):
        raise ApiError(403, "this asset link is invalid or has expired; reload the job to get a fresh one")
    assets = svc.ctx.assets
    if not assets.exists(key):
        raise ApiError(404, "this asset no longer exists")
    size = assets.size(key)
    ctype = mimetypes.guess_type(key)[0] or "application/octet-stream"
    if key.endswith(".vtt"):
        ctype = "text/vtt"
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, max-age=3600"}
    start, end, status = 0, size - 1, 200
    rng = request.headers.get("range")
    if rng:
        m = _RANGE.match(rng.strip())
        if not m or (m[1] == "" and m[2] == ""):
            raise ApiError(
                416,
                "the Range header must be 'bytes=START-END'",
                headers={"Content-Range": f"bytes */{size}"},
            )
        if m[1] == "":
            start, end = max(0, size - _offset(m[2])), size - 1
        else:
            start, end = _offset(m[1]), min(_offset(m[2]) if m[2] else size - 1, size - 1)
        if start > end or start >= size:
            raise ApiError(
                416,
                f"the range is outside the asset (0-{size - 1})",
                headers={"Content-Range": f"bytes */{size}"},
            )
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1)

    def body():  # type: ignore[no-untyped-def]
        with assets.open_read(key, start, end) as chunks:
            yield from chunks

    return StreamingResponse(body(), status_code=status, media_type=ctype, headers=headers)


@router.post("/uploads", status_code=201, response_model=UploadTicket)
def create_upload(svc: ServicesDep, user: UserDep, req: UploadRequest) -> UploadTicket:
    """A signed URL to PUT one product image to; its `key` then goes in `product.image`."""
    ext = "png" if req.content_type == "image/png" else "jpg"
    key = upload_key(user, ext)
    expires_at = datetime.now(UTC) + timedelta(seconds=URL_TTL_S)
    url, headers = svc.urls.upload_url(key, req.content_type, req.size_bytes, URL_TTL_S)  # S3 on AWS, here locally
    return UploadTicket(key=key, url=url, headers=headers, expires_at=expires_at)


@router.put(
    "/uploads/{key:path}",
    response_model=UploadDone,
    openapi_extra={"requestBody": {"content": {"image/png": {}, "image/jpeg": {}}}},
    responses={
        403: {"description": "the upload link is invalid or has expired"},
        415: {"description": "not a PNG or JPEG (by content), or not the type the link was made for"},
    },
)
async def put_upload(
    svc: ServicesDep,
    request: Request,
    key: str,
    exp: Annotated[int | None, Query()] = None,
    sig: Annotated[str | None, Query(max_length=100)] = None,
) -> UploadDone:
    if not svc.urls.valid(key, exp, sig) or "/uploads/" not in key:
        raise ApiError(403, "this upload link is invalid or has expired; ask for a new one (POST /uploads)")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_UPLOAD:
            raise ApiError(413, "the image is larger than 10 MB; export a smaller PNG or JPEG")
    try:
        content_type, ext, width, height = check_image(bytes(data))
    except ImageRejected as err:
        raise ApiError(err.status, str(err)) from None
    if not key.endswith(ext):
        raise ApiError(415, f"the file is a {content_type} but the upload was requested for another type")
    svc.ctx.assets.put_bytes(key, bytes(data), content_type)
    return UploadDone(key=key, width=width, height=height, content_type=content_type)
