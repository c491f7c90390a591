"""The post-render QC on real renders: a good 16:9 and 1:1 ad passes; text run off the frame,
a missing contact line, a low-contrast plate, a major statement taken off screen mid-line, a
too-hot mix and a short file each fail, naming the rule and where. Every render here is real
ffmpeg and every reading real Tesseract."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest
from compose_paths import PATHS, render

from omnigen.brief import Brief
from omnigen.compliance import load_policy
from omnigen.media.ffmpeg import run_ffmpeg
from omnigen.media.loudness import measure_loudness
from omnigen.media.qc import inspect
from omnigen.providers.local.voice import LocalVoice
from omnigen.providers.ports import CallContext, VoiceRequest
from omnigen.qc import keyframe_times, qc_policy
from omnigen.qc.report import QcReport
from omnigen.timeline import MusicBed, OutputSettings, TextItem, Timeline, VideoClip, VoiceLine

POLICY = load_policy(None)
QCP = qc_policy(POLICY)
BRIEF = Brief.model_validate(
    {
        "prompt": "A gardener with psoriasis gets back to her roses",
        "duration_s": 15,
        "product": {
            "brand_name": "Veltrexa",
            "generic_name": "veltrexamab-abcd",
            "indication": "moderate to severe plaque psoriasis in adults",
            "side_effects": ["serious infections", "allergic reactions"],
            "phone": "1-800-555-0142",
            "website": "veltrexa.example",
            "print_ad": "See our ad in Health Today magazine",
        },
    }
)
MS_LINE = "Veltrexa may cause serious infections and allergic reactions."
CONTACT = "Call 1-800-555-0142\nveltrexa.example\nSee our ad in Health Today magazine\nAsk your healthcare provider"


def _clip(tmp: Path, name: str, src: str, size: tuple[int, int]) -> str:
    out = tmp / f"{name}_{size[0]}x{size[1]}.mp4"
    if not out.exists():
        run_ffmpeg(
            ["-y", "-f", "lavfi", "-i", f"{src}=s={size[0]}x{size[1]}:r=24", "-t", "5", "-pix_fmt", "yuv420p", out],
            what="making a test clip",
        )
    return str(out)


def _voice(tmp: Path) -> tuple[str, float]:
    wav = tmp / "ms.wav"
    if not wav.exists():
        LocalVoice().speak(VoiceRequest(text=MS_LINE), wav, CallContext())
    with wave.open(str(wav)) as w:
        return str(wav), round(w.getnframes() / w.getframerate(), 3)


def _timeline(tmp: Path, size: tuple[int, int], **texts: TextItem | None) -> Timeline:
    """A 15 s ad: names super, the spoken major statement with its text, the contact super and
    the end card; `texts` replaces (or with None removes) one of them by name."""
    voice, d = _voice(tmp)
    start = 4.0
    items = {
        "names": TextItem(text="Veltrexa (veltrexamab-abcd)", start_s=0.5, end_s=3.5, cap_height=0.05),
        "ms": TextItem(kind="major_statement", text=MS_LINE, start_s=start, end_s=start + d, plate_opacity=0.8),
        "contact": TextItem(text=CONTACT, start_s=start + d + 0.3, end_s=12.5, cap_height=0.05),
        "end": TextItem(
            kind="end_card", text="Veltrexa\n(veltrexamab-abcd)\nveltrexa.example", start_s=13.0, end_s=15.0,
            position="center", cap_height=0.06,
        ),
    }  # fmt: skip
    items.update(texts)
    return Timeline(
        output=OutputSettings(width=size[0], height=size[1], fps=24, loudness_lufs=-24),
        clips=[
            VideoClip(scene_index=1, asset=_clip(tmp, "a", "testsrc2", size), out_s=5),
            VideoClip(scene_index=2, asset=_clip(tmp, "b", "smptehdbars", size), out_s=5),
            VideoClip(scene_index=3, asset=_clip(tmp, "c", "rgbtestsrc", size), out_s=5),
        ],
        voice=[VoiceLine(scene_index=2, asset=voice, text=MS_LINE, start_s=start, duration_s=d, major_statement=True)],
        music=MusicBed(asset=_tone(tmp)),
        texts=[t for t in items.values() if t is not None],
    )


def _tone(tmp: Path) -> str:
    out = tmp / "bed.wav"
    if not out.exists():
        run_ffmpeg(["-y", "-f", "lavfi", "-i", "sine=f=220:d=16", out], what="making a music bed")
    return str(out)


def _qc(tmp: Path, timeline: Timeline, name: str, brief: Brief | None = BRIEF) -> tuple[QcReport, Path]:
    res = render(_path_of(tmp), timeline, tmp / f"work_{name}", tmp / f"{name}.mp4", qc_policy=QCP)
    report = inspect(
        Path(res.output),
        timeline,
        brief,
        QCP,
        tmp / f"qc_{name}",
        cards=res.cards,
    )
    return report, Path(res.output)


@pytest.fixture(scope="module", params=PATHS)
def media(request, tmp_path_factory) -> Path:
    """The media folder of one compose path: every test here runs on both."""
    return tmp_path_factory.mktemp(f"qc-media-{request.param}-")


def _path_of(media: Path) -> str:
    return next(p for p in PATHS if media.name.startswith(f"qc-media-{p}-"))


@pytest.fixture(scope="module")
def good(media) -> tuple[QcReport, Path, Timeline]:
    timeline = _timeline(media, (640, 360))
    report, out = _qc(media, timeline, "good")
    return report, out, timeline


def _rules(report: QcReport) -> set[str]:
    return {f.rule for f in report.findings if f.severity == "error"}


@pytest.mark.parametrize("size", [(640, 360), (480, 480)], ids=["16x9", "1x1"])
def test_a_good_render_passes_qc_reading_every_item(media, good, size):
    report = good[0] if size == (640, 360) else _qc(media, _timeline(media, size), "square")[0]
    assert report.passed, report.to_text()
    assert [t.words_read for t in report.texts] == [1.0, 1.0, 1.0, 1.0], report.to_text()
    assert all(t.contrast is not None and t.contrast >= 4.5 for t in report.texts)
    assert report.lines and all(not ln.missing_at and len(ln.shown_at) >= 2 for ln in report.lines)
    assert report.audio.true_peak_dbtp <= -2.0 and abs(report.audio.integrated_lufs + 24) <= 1.0
    assert report.tracks.video_s == pytest.approx(15.0, abs=0.05) and report.tracks.audio_s == pytest.approx(
        15.0, abs=0.05
    )
    # compose made a keyframe of every frame QC reads, so QC decoded nothing between them
    assert report.cost.frames_from_keyframes == report.cost.frames_decoded > 0


def test_text_run_off_the_frame_fails_naming_the_item(media, monkeypatch):
    """The text layout cannot put a card off the frame any more, so the fault is injected where
    compose draws: the card of the URL is placed a third of its width past the left edge (what a
    layout bug would do). QC reads the rendered pixels and names it."""
    import dataclasses

    from omnigen.media import text_cards

    url = "www.veltrexa-full-prescribing-information.example"
    real = text_cards.layout_item

    def off_the_left(item, output):  # type: ignore[no-untyped-def]
        laid = real(item, output)
        if item.text != url:
            return laid
        plate = dataclasses.replace(laid.plate, x=-laid.plate.w // 3)
        return dataclasses.replace(laid, plate=plate)

    monkeypatch.setattr(text_cards, "layout_item", off_the_left)
    timeline = _timeline(media, (640, 360), names=TextItem(text=url, start_s=0.5, end_s=3.5, cap_height=0.07))
    report, _ = _qc(media, timeline, "offframe")
    off = [f for f in report.findings if f.rule == "QC-OFF-SAFE"]
    assert off and off[0].start_s == 0.5 and "www.veltrexa" in off[0].message, report.to_text()
    missing = [f for f in report.findings if f.rule == "QC-TEXT-MISSING" and f.start_s == 0.5]
    assert missing and "cut off" in missing[0].message, report.to_text()
    assert not [f for f in report.findings if f.start_s == 13.0], "the end card is fine"


def test_a_missing_contact_line_fails_naming_what_is_missing(media):
    report, _ = _qc(media, _timeline(media, (640, 360), contact=None), "nocontact")
    messages = " ".join(f.message for f in report.findings if f.rule == "QC-TEXT-MISSING")
    for what in ("toll-free number", "print-ad reference", "healthcare-provider referral"):
        assert what in messages, report.to_text()
    # still on screen elsewhere: the names on their super, the website on the end card
    assert "brand name" not in messages and "generic name" not in messages and "website" not in messages
    short = _timeline(media, (640, 360), contact=TextItem(text="veltrexa.example", start_s=10, end_s=12.5))
    report, _ = _qc(media, short, "shortcontact")
    messages = " ".join(f.message for f in report.findings if f.rule == "QC-TEXT-MISSING")
    assert "1-800-555-0142" in messages and "website" not in messages


def test_a_low_contrast_plate_fails_on_the_pixels(media):
    faint = TextItem(
        text="Veltrexa (veltrexamab-abcd)", start_s=0.5, end_s=3.5, plate_color="#BDBDBD", plate_opacity=1.0
    )
    report, _ = _qc(media, _timeline(media, (640, 360), names=faint), "faint")
    found = [f for f in report.findings if f.rule == "QC-CONTRAST"]
    assert found and found[0].start_s == 0.5, report.to_text()
    measured = report.texts[0].contrast
    assert measured is not None and measured < 2.5  # white on #BDBDBD is 1.9:1 by WCAG
    assert "QC-CONTRAST" not in {f.rule for f in report.findings if f.start_s != 0.5}


def test_major_statement_taken_off_screen_mid_line_fails(media, good):
    _, _, timeline = good
    line = timeline.voice[0]
    early = TextItem(
        kind="major_statement", text=MS_LINE, start_s=line.start_s, end_s=line.start_s + 1.0, plate_opacity=0.8
    )
    report, _ = _qc(media, _timeline(media, (640, 360), ms=early), "msearly")
    found = [f for f in report.findings if f.rule == "QC-MS-NOT-SHOWN"]
    assert found and found[0].start_s == pytest.approx(line.start_s), report.to_text()
    sampled = report.lines[0]
    assert sampled.shown_at and sampled.missing_at and max(sampled.shown_at) < min(sampled.missing_at)


@pytest.fixture(scope="module")
def hot(media, good) -> Path:
    """The good render with its audio turned up 20 dB: far over the ceiling and the target."""
    out = media / "hot.mp4"
    run_ffmpeg(
        ["-y", "-i", good[1], "-map", "0", "-c:v", "copy", "-af", "volume=20dB", "-c:a", "aac", out], what="a hot copy"
    )
    return out


def test_a_too_hot_mix_fails_true_peak_and_loudness(media, good, hot):
    _, _, timeline = good
    assert measure_loudness(hot).true_peak_dbfs > -2.0
    report = inspect(hot, timeline, BRIEF, QCP, media / "qc_hot")
    assert {"QC-TRUE-PEAK", "QC-LOUDNESS"} <= _rules(report), report.to_text()
    assert report.audio.true_peak_dbtp > -2.0


def test_a_file_shorter_than_its_timeline_fails_duration(media, good):
    _, out, timeline = good
    short = media / "short.mp4"
    run_ffmpeg(["-y", "-i", out, "-map", "0", "-c", "copy", "-t", "12", short], what="a short copy")
    report = inspect(short, timeline, BRIEF, QCP, media / "qc_short")
    found = [f for f in report.findings if f.rule == "QC-DURATION"]
    assert found and "12." in found[0].message, report.to_text()
    assert "QC-TEXT-MISSING" in _rules(report)  # the end card (13-15 s) is not in the file


def test_the_plan_forces_a_keyframe_on_every_frame_it_reads(good):
    _, _, timeline = good
    times = keyframe_times(timeline, QCP)
    assert times == sorted(times) and len(times) == len(set(times))
    assert all(abs(t * 24 + 0.5 - round(t * 24 + 0.5)) < 1e-6 or t == 0 for t in times)  # half a frame early


def test_omnigen_qc_command_exits_by_the_verdict(media, good, hot):
    import json
    import subprocess
    import sys

    _, out, timeline = good
    tl = media / "timeline.json"
    tl.write_text(timeline.model_dump_json())
    brief = media / "brief.json"
    brief.write_text(BRIEF.model_dump_json())

    def qc(video: Path, *extra: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "omnigen.cli", "qc", str(video), "--timeline", str(tl), *extra]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=600)

    ok = qc(out, "--brief", str(brief), "--format", "json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["passed"] is True
    loud = qc(hot, "--format", "json")
    assert loud.returncode == 1 and "QC-TRUE-PEAK" in {f["rule"] for f in json.loads(loud.stdout)["findings"]}
    bad = qc(media / "nope.mp4")
    assert bad.returncode == 2 and "no such file" in bad.stderr
