"""Product images are judged by content, the same way for a local upload and for one that went
straight to S3 (checked when the job is created)."""

from __future__ import annotations

import io

import pytest
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
