"""Timeline → the finished ad: H.264 High yuv420p + AAC 48 kHz stereo, `+faststart`, at the
timeline's loudness target, plus a poster JPEG and WebVTT captions.

Two ffmpeg runs: the audio premix (voice lines on the clock, ducked bed) is measured with
`ebur128` (integrated loudness and true peak) while it is written; the render then takes that
mix with one constant gain to the target and, only if the gain would push peaks past the
ceiling, a peak limiter — beside the whole picture graph. Measuring first is what makes the
loudness land on target (±1 LU) without single-pass `loudnorm`'s dynamic mode pumping the
music, and a plain gain costs nothing next to `loudnorm`'s 192 kHz processing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from omnigen.captions import captions_for
from omnigen.media.ffmpeg import run_ffmpeg
from omnigen.media.filtergraph import Overlay, audio_mix_graph, video_graph
from omnigen.media.frames import extract_frame
from omnigen.media.loudness import Loudness, parse_summary
from omnigen.media.text_cards import Card, render_animatic_mark, render_card
from omnigen.text_layout import Box, layout_item
from omnigen.timeline import Timeline, poster_time


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
) -> Loudness:
    """Write the stereo mix (or a stem of it: `voice`/`music` False leaves that part out) and
    return its measured loudness."""
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
    chains.append(f"{mix}asplit=2[written][meas];[meas]ebur128=peak=true:framelog=quiet[measured]")
    args += [
        "-filter_complex",
        ";".join(chains),
        "-map",
        "[written]",
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
    return parse_summary(err, "measuring the mix's loudness")


def loudness_chain(measured: Loudness, target_lufs: float, ceiling_db: float) -> str:
    """Constant gain to the target; a limiter only when that gain would lift peaks past the ceiling."""
    if measured.integrated_lufs == float("-inf"):
        return "anull"  # silence stays silence
    gain = target_lufs - measured.integrated_lufs
    chain = f"volume={gain:.2f}dB"
    if measured.true_peak_dbfs + gain > ceiling_db:
        chain += f",alimiter=limit={10 ** (ceiling_db / 20):.4f}:attack=5:release=50:level=0"
    return chain


ANIMATIC_MARK_S = 2.5  # how long an animatic says so, at its start
ANIMATIC_NOTE = "Animatic: offline motion graphics standing in for footage; not for broadcast"


def _animatic_window(timeline: Timeline, mark: Card) -> float:
    """Until when an animatic's mark shows (0: not at all). It says so once, in the top-left
    corner of the first seconds, like a slate — never on the poster (taken at the brand's end
    card) and never over text: not when a text's plate would meet it in that time."""
    until = min(ANIMATIC_MARK_S, timeline.duration_s)
    box = Box(mark.x, mark.y, mark.width, mark.height)
    for t in timeline.texts:
        if t.start_s < until and layout_item(t, timeline.output).plate.intersects(box):
            return 0.0
    return until


def compose(
    timeline: Timeline,
    resolve: Callable[[str], Path],
    workdir: Path,
    out: Path,
    progress: Callable[[float], None] = _ignore,
    brand_name: str | None = None,
) -> ComposeResult:
    """Render `timeline`; `resolve` turns an asset key into a local file path. The poster is taken
    while a text naming `brand_name` is on screen (see `poster_time`)."""
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
        card = render_card(item, o, workdir / f"text_{k}.png")
        overlays.append(Overlay(len(clip_inputs) + len(overlays), card.x, card.y, item.start_s, item.end_s))
        args += ["-i", card.path]
    if o.animatic:
        mark = render_animatic_mark(o, workdir / "animatic.png")
        mark_until = _animatic_window(timeline, mark)
        if mark_until > 0:
            overlays.append(Overlay(len(clip_inputs) + len(overlays), mark.x, mark.y, 0.0, mark_until))
            args += ["-i", mark.path]
    mix_input = len(clip_inputs) + len(overlays)
    args += ["-i", mix]
    chains, vout = video_graph(timeline, clip_inputs, overlays)
    chains.append(f"[{mix_input}:a]{loudness_chain(stats, o.loudness_lufs, o.true_peak_db)}[aout]")
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
        *(["-metadata", f"comment={ANIMATIC_NOTE}"] if o.animatic else []),
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
    poster = extract_frame(out, poster_time(timeline, brand_name), workdir / "poster.jpg")
    progress(1.0)
    return ComposeResult(
        output=str(out),
        poster=str(poster),
        captions=captions_for(timeline),
        duration_s=duration,
        loudness={"measured_input_lufs": stats.integrated_lufs, "target_lufs": o.loudness_lufs},
    )
