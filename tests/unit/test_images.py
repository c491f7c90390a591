"""Product images are judged by content, the same way for a local upload and for one that went
straight to S3 (checked when the job is created)."""

from __future__ import annotations

import io
import struct
import tracemalloc

import pytest
from helpers import bomb_png
from PIL import Image

from omnigen.brief import BriefError, parse_brief
from omnigen.config import load_settings
from omnigen.images import ImageRejected, check_image
from omnigen.pipeline.context import local_context
from omnigen.pipeline.lifecycle import create_job


def _png(w: int, h: int, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), "#3366aa").save(buf, fmt)
    return buf.getvalue()


def test_accepts_png_and_jpeg_by_content():
    assert check_image(_png(400, 300))[:2] == ("image/png", "png")
    assert check_image(_png(300, 500, "JPEG"))[:2] == ("image/jpeg", "jpg")


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"GIF89a....", 415),
        (b"\x89PNG\r\n\x1a\nbroken", 415),
        (_png(299, 400), 422),
        (b"\xff\xd8\xff" * 4_000_000, 413),
    ],
)
def test_refuses_what_is_not_a_usable_image(data, status):
    with pytest.raises(ImageRejected) as err:
        check_image(data)
    assert err.value.status == status


def test_a_job_from_an_upload_that_is_too_small_is_refused_at_the_field(tmp_path):
    ctx = local_context(load_settings({"OMNIGEN_HOME": str(tmp_path)}))
    key = "users/u1/uploads/abc.png"
    ctx.assets.put_bytes(key, _png(120, 120), "image/png")
    brief = parse_brief(
        {
            "prompt": "A gardener gets back to her roses",
            "product": {
                "brand_name": "V",
                "generic_name": "v",
                "indication": "x",
                "side_effects": ["y"],
                "image": key,
            },
        }
    )
    with pytest.raises(BriefError) as err:
        create_job(ctx, "u1", brief)
    assert err.value.problems[0][0] == "product.image" and "300 px" in err.value.problems[0][1]


@pytest.mark.parametrize("side", [13000, 20000])
def test_a_decompression_bomb_is_refused_from_its_header_before_any_pixel_is_decoded(side):
    data = bomb_png(side, side)
    assert len(data) < 100_000
    assert struct.unpack(">II", data[16:24]) == (side, side)  # its header says so
    tracemalloc.start()
    try:
        with pytest.raises(ImageRejected) as err:
            check_image(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert err.value.status == 422
    assert f"{side}x{side}" in str(err.value) or "too many pixels" in str(err.value)
    assert "8000 px" in str(err.value)
    assert peak < 20_000_000, f"the check allocated {peak / 1e6:.0f} MB: it decoded the image"


@pytest.mark.parametrize(("w", "h"), [(8001, 400), (400, 8001), (6100, 6000)])
def test_the_side_and_pixel_limits_hold_on_each_axis(w, h):
    with pytest.raises(ImageRejected, match="at most 8000 px on a side and 36 megapixels"):
        check_image(bomb_png(w, h))


def test_a_large_but_sane_image_is_accepted_and_a_truncated_one_refused():
    assert check_image(bomb_png(6000, 6000))[2:] == (6000, 6000)
    whole = _png(800, 600)
    with pytest.raises(ImageRejected, match="cannot be read whole") as err:
        check_image(whole[: len(whole) // 2])
    assert err.value.status == 415


def test_a_bomb_upload_is_refused_when_the_job_is_made(tmp_path):
    ctx = local_context(load_settings({"OMNIGEN_HOME": str(tmp_path)}))
    key = "users/u1/uploads/bomb.png"
    ctx.assets.put_bytes(key, bomb_png(13000, 13000), "image/png")
    brief = parse_brief(
        {
            "prompt": "A gardener gets back to her roses",
            "product": {"brand_name": "V", "generic_name": "v", "indication": "x", "side_effects": ["y"], "image": key},
        }
    )
    with pytest.raises(BriefError) as err:
        create_job(ctx, "u1", brief)
    assert err.value.problems[0][0] == "product.image" and "13000x13000" in err.value.problems[0][1]
