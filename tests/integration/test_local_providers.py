"""Each offline provider writes real media: decode what it wrote and check streams, size and
duration (within a frame), determinism, continuity and the errors a user sees."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from omnigen.brief import load_brief
from omnigen.media.ffmpeg import probe
from omnigen.media.frames import extract_frame, extract_last_frame
from omnigen.providers.local.music import LocalMusic
from omnigen.providers.local.scene_renderer import LocalSceneRenderer
from omnigen.providers.local.voice import LocalVoice
from omnigen.providers.ports import CallContext, Cancelled, MusicRequest, ProviderError, SceneRequest, VoiceRequest
from omnigen.script import Scene

SCENE = Scene(index=2, duration_s=3.5, purpose="benefit", shot="A woman tends her roses in warm light", mood="warm")


def _req(**kw) -> SceneRequest:
    base = dict(scene=SCENE, style="warm golden light", width=320, height=180, fps=24, seed=7, scene_count=6)
    return SceneRequest(**(base | kw))


def _pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=float)


def test_scene_is_the_exact_size_fps_and_length(tmp_path):
    out = LocalSceneRenderer().render(_req(), tmp_path / "s.mp4", CallContext())
    info = probe(out, decode=True)
    assert (info.video.width, info.video.height, info.video.fps, info.video.pix_fmt) == (320, 180, 24.0, "yuv420p")
    assert abs(info.duration_s - 3.5) <= 1 / 24


def test_scene_moves_and_scenes_differ(tmp_path):
    r = LocalSceneRenderer()
    a = r.render(_req(), tmp_path / "a.mp4", CallContext())
    first = _pixels(extract_frame(a, 0.1, tmp_path / "a0.jpg"))
    late = _pixels(extract_frame(a, 3.0, tmp_path / "a3.jpg"))
    assert np.abs(first - late).mean() > 2  # motion
    other = r.render(
        _req(scene=SCENE.model_copy(update={"index": 3, "purpose": "hook"})), tmp_path / "b.mp4", CallContext()
    )
    assert (
        np.abs(
            _pixels(extract_frame(other, 1.0, tmp_path / "b1.jpg"))
            - _pixels(extract_frame(a, 1.0, tmp_path / "a1.jpg"))
        ).mean()
        > 5
    )


def test_chained_scene_opens_on_the_previous_last_frame(tmp_path):
    r = LocalSceneRenderer()
    prev = r.render(_req(), tmp_path / "prev.mp4", CallContext())
    last = extract_last_frame(prev, tmp_path / "last.jpg")
    nxt = r.render(
        _req(scene=SCENE.model_copy(update={"index": 3, "continues_previous": True}), start_image=last),
        tmp_path / "next.mp4",
        CallContext(),
    )
    opening = _pixels(extract_frame(nxt, 0.0, tmp_path / "open.jpg"))
    assert np.abs(opening - _pixels(last)).mean() < 8


def test_product_image_appears_and_unreadable_images_are_refused(tmp_path):
    img = tmp_path / "product.png"
    Image.new("RGB", (200, 200), "#FF00FF").save(img)
    out = LocalSceneRenderer().render(_req(product_image=img, start_image=img), tmp_path / "p.mp4", CallContext())
    frame = _pixels(extract_frame(out, 1.0, tmp_path / "p1.jpg"))
    magenta = (frame[:, :, 0] > 180) & (frame[:, :, 1] < 90) & (frame[:, :, 2] > 180)
    assert magenta.mean() > 0.03
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(ProviderError, match="PNG or JPEG"):
        LocalSceneRenderer().render(_req(product_image=bad), tmp_path / "x.mp4", CallContext())


def test_cancelled_render_does_not_start(tmp_path):
    with pytest.raises(Cancelled):
        LocalSceneRenderer().render(_req(), tmp_path / "c.mp4", CallContext(is_cancelled=lambda: True))


def test_music_is_stereo_48k_exact_length_and_deterministic(tmp_path):
    m = LocalMusic()
    a = m.compose(
        MusicRequest(prompt="gentle uplifting acoustic", duration_s=7.5, seed=3), tmp_path / "a", CallContext()
    )
    b = m.compose(
        MusicRequest(prompt="gentle uplifting acoustic", duration_s=7.5, seed=3), tmp_path / "b", CallContext()
    )
    info = probe(a, decode=True)
    assert (info.audio.sample_rate, info.audio.channels) == (48000, 2)
    assert abs(info.duration_s - 7.5) <= 1 / 24
    assert a.read_bytes() == b.read_bytes()
    c = m.compose(
        MusicRequest(prompt="energetic upbeat driving", duration_s=7.5, seed=3), tmp_path / "c", CallContext()
    )
    assert c.read_bytes() != a.read_bytes()


def test_voice_speaks_each_line_with_a_measured_length(tmp_path):
    v = LocalVoice()
    short = v.speak(VoiceRequest(text="Ask your doctor."), tmp_path / "s.wav", CallContext())
    long = v.speak(
        VoiceRequest(text="Ask your doctor if Veltrexa is right for you, today and every day."),
        tmp_path / "l.wav",
        CallContext(),
    )
    slow = v.speak(VoiceRequest(text="Ask your doctor.", rate=0.8), tmp_path / "slow.wav", CallContext())
    d_short, d_long, d_slow = (probe(p, decode=True).duration_s for p in (short, long, slow))
    assert probe(short).audio.channels == 1
    assert 0.5 < d_short < d_long and d_slow > d_short * 1.1
    with pytest.raises(ProviderError, match="empty"):
        v.speak(VoiceRequest(text="   "), tmp_path / "e.wav", CallContext())


def test_shared_brief_product_fields_feed_the_writer():
    from conftest import SHARED_BRIEFS

    from omnigen.providers.local.script_writer import LocalScriptWriter

    brief = load_brief(SHARED_BRIEFS / "anticoagulant_60s.yaml")
    script = LocalScriptWriter().write(brief, CallContext())
    assert any(brief.product.generic_name in " ".join(s.supers) for s in script.scenes)


def test_a_scene_carries_no_text_the_shot_prompt_is_never_drawn(tmp_path, monkeypatch):
    """A finished ad carries only the timeline's text: the renderer neither draws text with
    Pillow nor asks ffmpeg to (drawtext, subtitles), so no prompt ends up in a frame or poster."""
    from PIL import ImageDraw

    import omnigen.providers.local.scene_renderer as renderer

    drawn: list[str] = []
    graphs: list[str] = []
    real_run = renderer.run_ffmpeg
    monkeypatch.setattr(ImageDraw.ImageDraw, "text", lambda self, xy, text, *a, **k: drawn.append(str(text)))

    def run(args, **kw):
        graphs.extend(str(a) for a in args)
        return real_run(args, **kw)

    monkeypatch.setattr(renderer, "run_ffmpeg", run)
    for purpose in ("hook", "major_statement", "brand_close"):
        scene = SCENE.model_copy(update={"purpose": purpose})
        LocalSceneRenderer().render(_req(scene=scene), tmp_path / f"{purpose}.mp4", CallContext())
    assert drawn == []
    assert not [a for a in graphs if "drawtext" in a or "subtitles" in a]
