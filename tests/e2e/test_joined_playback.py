"""A joined ad as Chromium decodes it: the hurried segment (CAVLC, its own PPS, `media.encoding`)
between two normal ones (CABAC) plays, and every sampled frame is the picture ffmpeg decodes from
the segment alone. The same file with the `avcC` the concat demuxer wrote (the first segment's
parameter sets only) is the control: Chromium then cannot show the hurried pictures, which is
what this test would see if the join stopped listing every PPS."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
from PIL import Image

from omnigen.media.encoding import video_encoder_args
from omnigen.media.ffmpeg import run_ffmpeg
from omnigen.media.mp4 import avc_parameter_sets, replace_avc_config
from omnigen.media.segments import join_segments
from omnigen.timeline import OutputSettings

W, H, FPS = 640, 360, 24
SOURCES = ["testsrc2", "mandelbrot", "cellauto"]
PAGE = """<!doctype html><meta charset=utf-8><body style="margin:0">
<video id=v muted preload=auto></video><canvas id=c width=640 height=360></canvas>
<script>
window.failed = null;
const v = document.getElementById("v");
v.onerror = () => { window.failed = v.error ? v.error.code + " " + v.error.message : "error"; };
fetch(location.hash.slice(1)).then(r => r.blob()).then(b => { v.src = URL.createObjectURL(b); });
window.frameAt = t => new Promise(done => {
  const late = setTimeout(() => done("timeout: no seeked event at " + t + " s"), 10000);
  v.onseeked = () => {
    clearTimeout(late);
    const c = document.getElementById("c");
    c.getContext("2d").drawImage(v, 0, 0, 640, 360);
    done(c.toDataURL("image/png"));
  };
  v.currentTime = t;
});
</script>"""


def _luma(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("L")).astype(float)


def _ffmpeg_frame(path: Path, frame: int, out: Path) -> np.ndarray:
    run_ffmpeg(["-y", "-v", "error", "-i", path, "-vf", f"select=eq(n\\,{frame})", "-frames:v", "1", out],
               what="decoding one frame")  # fmt: skip
    return _luma(out.read_bytes())


def _chromium_frames(browser, base: str, name: str, frames: list[int]) -> list[np.ndarray] | str:
    page = browser.new_page(viewport={"width": W, "height": H * 2})
    try:
        page.goto(f"{base}/index.html#{name}")
        page.wait_for_function("() => window.failed || document.getElementById('v').readyState >= 2")
        shots = []
        for n in frames:
            url = page.evaluate("t => window.frameAt(t)", (n + 0.5) / FPS)
            failed = page.evaluate("() => window.failed")
            if failed or not url.startswith("data:"):
                return failed or url
            shots.append(_luma(base64.b64decode(url.split(",", 1)[1])))
        return shots
    finally:
        page.close()


def test_chromium_plays_a_join_with_a_hurried_segment_as_its_segments_decode(browser, static_site, tmp_path: Path):
    base, root = static_site
    o = OutputSettings(width=W, height=H, fps=FPS, crf=20)
    parts = []
    for k, src in enumerate(SOURCES):
        out = root / f"part{k}.mp4"
        run_ffmpeg(["-y", "-f", "lavfi", "-i", f"{src}=s={W}x{H}:r={FPS}", "-t", "1",
                    *video_encoder_args(o, hurry=k == 1), "-an", out], what="encoding a part")  # fmt: skip
        parts.append((out, FPS))
    audio = root / "tone.m4a"
    run_ffmpeg(["-y", "-f", "lavfi", "-i", "sine=f=440:d=3", "-c:a", "aac", audio], what="making audio")
    joined = join_segments(parts, FPS, audio, 3.0, root / "joined.mp4", [])
    control = root / "control.mp4"
    control.write_bytes(joined.read_bytes())
    replace_avc_config(control, avc_parameter_sets(parts[0][0]))
    (root / "index.html").write_text(PAGE, encoding="utf-8")

    frames = [5, 30, 40, 60]  # a frame of each segment, two of the hurried one
    expected = [_ffmpeg_frame(parts[n // FPS][0], n % FPS, tmp_path / f"want{n}.png") for n in frames]
    seen = _chromium_frames(browser, base, "joined.mp4", frames)
    assert not isinstance(seen, str), f"Chromium refused the joined file: {seen}"
    for n, want, got in zip(frames, expected, seen, strict=True):
        diff = float(np.abs(want - got).mean())
        assert diff < 6, f"frame {n}: Chromium's picture differs from the segment's by {diff:.1f} levels on average"

    control_seen = _chromium_frames(browser, base, "control.mp4", frames)
    if not isinstance(control_seen, str):  # it played: the hurried frames must be wrong
        hurried = zip(expected[1:3], control_seen[1:3], strict=True)
        worst = max(float(np.abs(want - got).mean()) for want, got in hurried)
        assert worst >= 6, "the control (one PPS in the avcC) should not decode the hurried segment"
