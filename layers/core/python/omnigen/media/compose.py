"""Timeline → the finished ad: H.264 High yuv420p + AAC 48 kHz stereo, `+faststart`, at the
timeline's loudness target, plus a poster JPEG and WebVTT captions.

Two ffmpeg runs: the audio premix (voice lines on the clock, ducked bed) is measured by
`loudnorm`'s first pass while it is written; the render then takes that mix with the measured
values (`linear=true`, one constant gain — speech keeps its dynamics) beside the whole picture
graph. Measuring first is what makes the loudness land on target (±1 LU) instead of
`loudnorm`'s single-pass dynamic mode pumping the music.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from omnigen.media.ffmpeg import MediaError, run_ffmpeg
from omnigen.media.filtergraph import Overlay, audio_mix_graph, video_graph
from omnigen.media.frames import extract_frame
from omnigen.media.text_cards import render_card
from omnigen.timeline import Timeline, webvtt

LRA_TARGET = 11.0
_LOUDNORM_JSON = re.compile(r"\{[^{}]*\"input_i\"[^{}]*\}", re.S)


class ComposeResult(BaseModel):
    output: str
    poster: str
    captions: str
    duration_s: float
    loudness: dict[str, float]


def _ignore(_fraction: float) -> None:
    return None


def premix(
    timeline: Timeline, resolve: Callable[[str], Path], out: Path, *, voice: bool = True, music: bool = True
) -> dict[str, float]:
    """Write the stereo mix (or a stem of it: `voice`/`music` False leaves that part out) and
    return loudnorm's first-pass measurements of it."""
    args: list[str | Path] = ["-y"]
    voice_inputs = []
    if voice:  # muted, the lines still shape the music's duck (from their times, not their audio)
        for n, line in enumerate(timeline.voice):
            args += ["-i", resolve(line.asset)]
            voice_inputs.append(n)
    music_input = None
    if timeline.music is not None and music:
        args += ["-i", resolve(timeline.music.asset)]
        music_input = len(voice_inputs)
    chains, mix = audio_mix_graph(timeline, voice_inputs, music_input, voice=voice)
    o = timeline.output
    chains[-1] = chains[-1].replace(mix, "[mixall]")
    chains.append(
        f"[mixall]asplit=2[mix][meas];[meas]loudnorm=I={o.loudness_lufs}:TP={o.true_peak_db}:"
        f"LRA={LRA_TARGET}:print_format=json[measured]"
    )
    args += [
        "-filter_complex",
        ";".join(chains),
        "-map",
        "[mix]",
        "-c:a",
        "pcm_f32le",
        "-ar",
        "48000",
        out,
        "-map",
        "[measured]",
        "-f",
        "null",
        "-",
    ]
    err = run_ffmpeg(args, what="mixing and measuring the audio")
    found = _LOUDNORM_JSON.findall(err)
    if not found:
        raise MediaError("measuring the mix's loudness (loudnorm printed no measurements)", err[-2000:])
    stats = json.loads(found[-1])
    return {k: float(v) if v not in ("-inf", "inf") else -99.0 for k, v in stats.items() if k != "normalization_type"}


def compose(
    timeline: Timeline,
    resolve: Callable[[str], Path],
    workdir: Path,
    out: Path,
    progress: Callable[[float], None] = _ignore,
) -> ComposeResult:
    """Render `timeline`; `resolve` turns an asset key into a local file path."""
    o = timeline.output
    duration = timeline.duration_s
    workdir.mkdir(parents=True, exist_ok=True)
    mix = workdir / "mix.wav"
    stats = premix(timeline, resolve, mix)
    progress(0.05)

    args: list[str | Path] = ["-y"]
    clip_inputs = []
    for n, clip in enumerate(timeline.clips):
        args += ["-i", resolve(clip.asset)]
        clip_inputs.append(n)
    overlays = []
    for k, item in enumerate(timeline.texts):
        if item.start_s >= duration:
            continue
        card = render_card(item, o.width, o.height, o.safe_margin, workdir / f"text_{k}.png")
        overlays.append(Overlay(len(clip_inputs) + len(overlays), card.x, card.y, item.start_s, item.end_s))
        args += ["-i", card.path]
    mix_input = len(clip_inputs) + len(overlays)
    args += ["-i", mix]
    chains, vout = video_graph(timeline, clip_inputs, overlays)
    chains.append(
        f"[{mix_input}:a]loudnorm=I={o.loudness_lufs}:TP={o.true_peak_db}:LRA={LRA_TARGET}:"
        f"measured_I={stats['input_i']}:measured_TP={stats['input_tp']}:"
        f"measured_LRA={stats['input_lra']}:measured_thresh={stats['input_thresh']}:"
        f"offset={stats['target_offset']}:linear=true,aresample=48000[aout]"
    )
    graph = workdir / "graph.txt"
    graph.write_text(";\n".join(chains), encoding="utf-8")
    args += [
        "-/filter_complex",
        graph,
        "-map",
        vout,
        "-map",
        "[aout]",
        "-c:v",
        "libx264",
        "-profile:v",
        "high",
        "-pix_fmt",
        "yuv420p",
        "-preset",
        o.preset,
        "-crf",
        str(o.crf),
        "-r",
        str(o.fps),
        "-g",
        str(o.fps * 2),
        "-c:a",
        "aac",
        "-b:a",
        "192k",
        "-ar",
        "48000",
        "-ac",
        "2",
        "-t",
        f"{duration:.3f}",
        "-movflags",
        "+faststart",
        out,
    ]
    run_ffmpeg(
        args,
        what=f"composing the {duration:.1f} s ad ({o.width}x{o.height})",
        progress=lambda f: progress(0.05 + 0.9 * f),
        total_s=duration,
    )
    last = timeline.clip_starts()[-1]
    poster = extract_frame(out, min(duration - 0.1, last + timeline.clips[-1].duration_s / 2), workdir / "poster.jpg")
    progress(1.0)
    return ComposeResult(
        output=str(out),
        poster=str(poster),
        captions=webvtt(timeline.voice),
        duration_s=duration,
        loudness={"measured_input_lufs": stats["input_i"], "target_lufs": o.loudness_lufs},
    )
