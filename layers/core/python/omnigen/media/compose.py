"""Timeline → the finished ad: H.264 High yuv420p + AAC 48 kHz stereo, `+faststart`, at the
timeline's loudness target, plus a poster JPEG and WebVTT captions.

Audio first, then picture. The premix (voice lines on the clock, ducked bed) is measured with
`ebur128` (integrated loudness and true peak) while it is written; mastering takes it with one
constant gain to the target and, only if that gain would bring peaks near the ceiling, a limiter
run at 4x the sample rate (so it catches the peaks between samples), encodes it to AAC, and
measures the encoded audio: AAC's own overshoot is only known after encoding, so when the
encoded true peak is over the ceiling (or the limiter cost loudness) it is mastered again with
the measured difference, a bounded number of times. The render then copies that audio beside
the whole picture graph. Measuring first is what makes the loudness land on target (±1 LU)
without single-pass `loudnorm`'s dynamic mode pumping the music, and what makes the true peak
stay under the ceiling by measurement rather than by hope.

The encoder is told to make a keyframe of every frame the post-render QC will read
(`omnigen.qc.plan`), so QC decodes those frames and nothing between them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from omnigen.captions import captions_for
from omnigen.media.ffmpeg import MediaError, run_ffmpeg
from omnigen.media.filtergraph import Overlay, audio_mix_graph, video_graph
from omnigen.media.frames import extract_frame
from omnigen.media.loudness import Loudness, measure_loudness, parse_summary
from omnigen.media.text_cards import Card, render_animatic_mark, render_card
from omnigen.qc.plan import keyframe_times
from omnigen.qc.policy import QcPolicy
from omnigen.text_layout import Box, layout_item
from omnigen.timeline import OutputSettings, Timeline, poster_time

LIMITER_MARGIN_DB = 1.0
"""The limiter's threshold below the true-peak ceiling at the first try: room for the AAC
encoder's overshoot, which mastering then measures."""
OVERSAMPLE_HZ = 192_000
LOUDNESS_SLACK_LU = 0.5
"""Mastering tries again when the encoded loudness is further than this from the target."""
MASTER_TRIES = 3
AUDIO_CODEC = ["-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2"]


class ComposeResult(BaseModel):
    output: str
    poster: str
    captions: str
    duration_s: float
    loudness: dict[str, float]
    cards: dict[int, tuple[int, int, int, int]] = {}
    """Where each text item's card went (x, y, width, height), by its index in the timeline."""


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


def loudness_chain(
    measured: Loudness,
    target_lufs: float,
    ceiling_db: float,
    margin_db: float = LIMITER_MARGIN_DB,
    extra_gain_db: float = 0.0,
) -> str:
    """Constant gain to the target (plus `extra_gain_db` of make-up); a limiter at `margin_db`
    under the ceiling, oversampled 4x, only when that gain would lift peaks past that line."""
    if measured.integrated_lufs == float("-inf"):
        return "anull"  # silence stays silence
    gain = target_lufs - measured.integrated_lufs + extra_gain_db
    chain = f"volume={gain:.2f}dB"
    limit_db = ceiling_db - margin_db
    if measured.true_peak_dbfs + gain > limit_db:
        chain += (
            f",aresample={OVERSAMPLE_HZ},alimiter=limit={10 ** (limit_db / 20):.4f}:attack=5:release=50:level=0,"
            "aresample=48000"
        )
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


def master(mix: Path, measured: Loudness, o: OutputSettings, out: Path) -> Loudness:
    """The mix at the loudness target under the true-peak ceiling, as AAC in `out` (.m4a);
    returns the loudness of the encoded audio.

    Encoded audio over the ceiling is mastered again with the overshoot added to the limiter's
    margin; audio the limiter left short of the target gets the shortfall as make-up gain once
    (the limiter then holds the peaks), with a try left to put the peak right. Loudness gives
    way to the ceiling: audio that cannot be both is delivered under the ceiling and short of
    the target, which QC then reports."""
    ceiling, target = o.peak_ceiling_db, o.loudness_lufs
    margin, makeup = LIMITER_MARGIN_DB, 0.0
    for attempt in range(1, MASTER_TRIES + 1):
        chain = loudness_chain(measured, target, ceiling, margin, makeup)
        run_ffmpeg(["-y", "-i", mix, "-af", chain, *AUDIO_CODEC, out], what=f"mastering the audio (try {attempt})")
        got = measure_loudness(out)
        if got.integrated_lufs == float("-inf"):
            return got
        over, short = got.true_peak_dbfs - ceiling, target - got.integrated_lufs
        if over > 0:
            margin += over + 0.2
        elif short > LOUDNESS_SLACK_LU and attempt <= MASTER_TRIES - 2:
            makeup += short
        else:
            return got
    raise MediaError(
        f"mastering the audio (its true peak is still {got.true_peak_dbfs:+.1f} dBTP, over the "
        f"{ceiling:+.1f} dBTP ceiling, after {MASTER_TRIES} tries)"
    )


def compose(
    timeline: Timeline,
    resolve: Callable[[str], Path],
    workdir: Path,
    out: Path,
    progress: Callable[[float], None] = _ignore,
    brand_name: str | None = None,
    qc_policy: QcPolicy | None = None,
) -> ComposeResult:
    """Render `timeline`; `resolve` turns an asset key into a local file path. The poster is taken
    while a text naming `brand_name` is on screen (see `poster_time`). `qc_policy` is the policy
    the post-render QC will use (its sampling decides the forced keyframes)."""
    o = timeline.output
    duration = timeline.duration_s
    workdir.mkdir(parents=True, exist_ok=True)
    mix = workdir / "mix.wav"
    stats = premix(timeline, resolve, mix)
    progress(0.03)
    mastered = workdir / "audio.m4a"
    loud = master(mix, stats, o, mastered)
    progress(0.06)

    args: list[str | Path] = ["-y"]
    clip_inputs = []
    for n, clip in enumerate(timeline.clips):
        args += ["-i", resolve(clip.asset)]
        clip_inputs.append(n)
    overlays = []
    cards = {}
    for k, item in enumerate(timeline.texts):
        if item.start_s >= duration:
            continue
        card = render_card(item, o, workdir / f"text_{k}.png")
        cards[k] = (card.x, card.y, card.width, card.height)
        overlays.append(Overlay(len(clip_inputs) + len(overlays), card.x, card.y, item.start_s, item.end_s))
        args += ["-i", card.path]
    if o.animatic:
        mark = render_animatic_mark(o, workdir / "animatic.png")
        mark_until = _animatic_window(timeline, mark)
        if mark_until > 0:
            overlays.append(Overlay(len(clip_inputs) + len(overlays), mark.x, mark.y, 0.0, mark_until))
            args += ["-i", mark.path]
    audio_input = len(clip_inputs) + len(overlays)
    args += ["-i", mastered]
    chains, vout = video_graph(timeline, clip_inputs, overlays)
    keyframes = ",".join(f"{t:.4f}" for t in keyframe_times(timeline, qc_policy or QcPolicy()))
    graph = workdir / "graph.txt"
    graph.write_text(";\n".join(chains), encoding="utf-8")
    args += [
        "-/filter_complex",
        graph,
        "-map",
        vout,
        "-map",
        f"{audio_input}:a",
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
        *(["-force_key_frames", keyframes] if keyframes else []),
        "-c:a",
        "copy",
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
        progress=lambda f: progress(0.06 + 0.89 * f),
        total_s=duration,
    )
    poster = extract_frame(out, poster_time(timeline, brand_name), workdir / "poster.jpg")
    progress(1.0)
    return ComposeResult(
        output=str(out),
        poster=str(poster),
        captions=captions_for(timeline),
        duration_s=duration,
        loudness={
            "measured_input_lufs": stats.integrated_lufs,
            "target_lufs": o.loudness_lufs,
            "integrated_lufs": loud.integrated_lufs,
            "true_peak_dbtp": loud.true_peak_dbfs,
        },
        cards=cards,
    )
