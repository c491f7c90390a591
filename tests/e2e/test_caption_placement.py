"""Captions as Chromium draws them: the cues `captions_for` writes stay clear of the burned-in
lower-third text in 16:9 and 9:16. The page styles cue boxes magenta, so their pixels can be found
in a screenshot of the player and compared with the text plate the layout put on the frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from omnigen.captions import captions_for
from omnigen.media.ffmpeg import run_ffmpeg
from omnigen.text_layout import layout_item
from omnigen.timeline import OutputSettings, TextItem, Timeline, VideoClip, VoiceLine

PAGE = """<!doctype html><meta charset=utf-8>
<style>body{margin:0;background:#000} video::cue{background:#ff00ff;color:#ff00ff}</style>
<video id=v width={w} height={h} muted preload=auto>
<track kind=captions srclang=en src=c.vtt default></video>
<script>/* a blob is seekable without a server that answers range requests */
fetch("v.mp4").then(r => r.blob()).then(b => { document.getElementById("v").src = URL.createObjectURL(b); });
</script>"""
RISK = "Aerisol may cause nosebleeds, slow wound healing in the nose, and eye problems."


def _magenta(png: Path) -> np.ndarray:
    px = np.asarray(Image.open(png).convert("RGB")).astype(int)
    return (px[:, :, 0] > 180) & (px[:, :, 1] < 90) & (px[:, :, 2] > 180)


@pytest.mark.parametrize(("w", "h"), [(640, 360), (360, 640)])
def test_chromium_draws_the_cues_clear_of_the_lower_third_text(browser, static_site, w: int, h: int) -> None:
    base, root = static_site
    out = OutputSettings(width=w, height=h)
    voice = [
        VoiceLine(scene_index=1, asset="a", text="Aerisol treats nasal allergy symptoms.", start_s=0.2, duration_s=1.5),
        VoiceLine(scene_index=2, asset="b", text=RISK, start_s=2.0, duration_s=2.5),
    ]
    risk = TextItem(kind="major_statement", text=RISK, start_s=2.0, end_s=4.5)
    tl = Timeline(output=out, clips=[VideoClip(scene_index=1, asset="v", out_s=5)], voice=voice, texts=[risk])
    (root / "c.vtt").write_text(captions_for(tl), encoding="utf-8")
    clip = ["-f", "lavfi", "-i", f"color=s={w}x{h}:r=24", "-t", "5", "-pix_fmt", "yuv420p", "-movflags", "+faststart"]
    run_ffmpeg(["-y", *clip, root / "v.mp4"], what="making a test clip")
    (root / "index.html").write_text(PAGE.replace("{w}", str(w)).replace("{h}", str(h)), encoding="utf-8")
    page = browser.new_page(viewport={"width": w, "height": h})
    page.goto(f"{base}/index.html")
    page.wait_for_function("() => { const v = document.getElementById('v'); return v.readyState >= 2; }")
    plate = layout_item(risk, out).plate
    shots = {}
    for at in (1.0, 3.0):
        page.evaluate("t => { document.getElementById('v').currentTime = t; }", at)
        page.wait_for_function(
            "t => { const v = document.getElementById('v'); const c = v.textTracks[0].activeCues;"
            " return Math.abs(v.currentTime - t) < 0.05 && c && c.length === 1; }",
            arg=at,
        )
        page.wait_for_timeout(300)  # let the cue box paint
        png = root / f"shot_{at}.png"
        page.locator("#v").screenshot(path=str(png))
        shots[at] = _magenta(png)
    page.close()
    ys = np.nonzero(shots[1.0])[0]
    assert len(ys) > 50 and ys.min() > h * 0.6  # no text on screen: the player's place, at the bottom
    ys = np.nonzero(shots[3.0])[0]
    assert len(ys) > 50, "the cue is drawn"
    assert ys.max() < plate.y, f"the cue (down to y={ys.max()}) runs into the risk text's plate (from y={plate.y})"
