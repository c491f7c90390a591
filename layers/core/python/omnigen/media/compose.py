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

Two ways to make the picture, one result. With a `SegmentStore`, the picture is cut into
segments (`omnigen.media.segment_plan`), each encoded once and kept by what it is made of (the
pipeline encodes each as soon as its clip arrives), and the final render only encodes the ones
not stored, then joins them with `-c copy` beside the mastered audio (also kept, by what it is
mixed from). Segments made while other scenes still render use one x264 thread (the least CPU
per frame); the clip that completes the timeline, which the final MP4 waits for, x264's own
count. A body can also be cut into parts encoded at once (`encode_segments`' `workers`).
Without a store, or when re-encoding most of the picture anyway (`choose_mode`), one ffmpeg run
renders the whole picture.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from omnigen.captions import captions_for
from omnigen.media.encoding import keyframe_args, video_encoder_args
from omnigen.media.ffmpeg import MediaError, run_ffmpeg
from omnigen.media.filtergraph import Overlay, audio_mix_graph, video_graph
from omnigen.media.frames import extract_frame
from omnigen.media.loudness import Loudness, measure_loudness, parse_summary
from omnigen.media.segment_plan import PlanError, Segment, plan_segments, split_segment
from omnigen.media.segments import Digests, MixedParameterSets, SegmentStore, encode_segment, join_segments
from omnigen.media.text_cards import Card, card_box, render_animatic_mark, render_card
from omnigen.qc.plan import keyframe_times, plan_qc
from omnigen.qc.policy import QcPolicy
from omnigen.text_layout import Box, layout_item
from omnigen.timeline import OutputSettings, Timeline, poster_time

log = logging.getLogger("omnigen.compose")

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
    mode: Literal["one_pass", "segments"] = "one_pass"
    segments_reused: int = 0
    segments_encoded: int = 0


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


AUDIO_MIX = "mix-1"
"""Bumped when the premix or mastering changes, so no audio mastered the old way is reused."""

SEGMENTS_OVER_ONE_PASS = 1.15
"""Measured (bench/compose.py, `segments_fresh_over_one_pass`): encoding every segment of an ad
and joining them costs this much of one one-pass render (each segment is its own ffmpeg run,
starts on an IDR frame and decodes its clips from their start). `choose_mode` uses it."""


class MasteredAudio(BaseModel):
    path: str
    measured: Loudness
    """The premix's loudness, before mastering."""
    encoded: Loudness
    """The mastered AAC's."""


def audio_name(timeline: Timeline, digests: Digests) -> str:
    """What the mastered audio is made of, hashed: the voice and music files by content, their
    places and gains, the ad's length and the loudness targets."""
    spec = {
        "mix": AUDIO_MIX,
        "duration": round(timeline.duration_s, 6),
        "voice": [v.model_dump(mode="json") | {"asset": digests.of(v.asset)} for v in timeline.voice],
        "music": None
        if timeline.music is None
        else timeline.music.model_dump(mode="json") | {"asset": digests.of(timeline.music.asset)},
        "target": [timeline.output.loudness_lufs, timeline.output.peak_ceiling_db],
    }
    return "audio_" + hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:32]


def mastered_audio(
    timeline: Timeline,
    resolve: Callable[[str], Path],
    workdir: Path,
    store: SegmentStore | None = None,
    digests: Digests | None = None,
) -> MasteredAudio:
    """The premixed, measured and mastered audio of `timeline`: the stored one when `store` has
    audio made of the same inputs, else made now (and kept in `store`)."""
    workdir.mkdir(parents=True, exist_ok=True)
    name = audio_name(timeline, digests or Digests(resolve)) if store is not None else ""
    if store is not None:
        audio, facts = store.find(f"{name}.m4a"), store.find(f"{name}.json")
        if audio is not None and facts is not None:
            done = MasteredAudio.model_validate_json(resolve(facts).read_text(encoding="utf-8"))
            return done.model_copy(update={"path": str(resolve(audio))})
    mix = workdir / "mix.wav"
    stats = premix(timeline, resolve, mix)
    out = workdir / "audio.m4a"
    loud = master(mix, stats, timeline.output, out)
    done = MasteredAudio(path=str(out), measured=stats, encoded=loud)
    if store is not None:
        store.keep(f"{name}.m4a", out)
        facts_file = workdir / "audio.json"
        facts_file.write_text(done.model_dump_json(), encoding="utf-8")
        store.keep(f"{name}.json", facts_file)
    return done


def _mark(timeline: Timeline, workdir: Path) -> tuple[Card | None, float]:
    """The animatic mark and until when it shows (0: not at all)."""
    if not timeline.output.animatic:
        return None, 0.0
    mark = render_animatic_mark(timeline.output, workdir / "animatic.png")
    return mark, _animatic_window(timeline, mark)


def picture_segments(timeline: Timeline, qc_policy: QcPolicy, workdir: Path) -> list[Segment]:
    """The segments of the timeline's picture (raises PlanError when it cannot be cut)."""
    _, until = _mark(timeline, workdir)
    return plan_segments(timeline, plan_qc(timeline, qc_policy).frames(), until)


def choose_mode(missing_frames: int, total_frames: int) -> Literal["one_pass", "segments"]:
    """Segments when encoding the missing ones costs less than one pass over the whole picture:
    re-encoding a share f of the frames as segments costs about f x SEGMENTS_OVER_ONE_PASS of a
    one-pass render (the join is a copy, a fraction of a second). An ad whose segments were all
    made as its clips arrived, or an edit that leaves most scenes alone, joins; an edit that
    touches nearly every segment (new output size, a text across the whole ad) renders once."""
    share = missing_frames / max(1, total_frames)
    return "segments" if share * SEGMENTS_OVER_ONE_PASS < 1.0 else "one_pass"


MAX_PARTS = 8
"""The most parts a stored body is looked for in (the store may have been written by a machine
with more cores than this one)."""


Stored = list[tuple[str, int]]
"""A segment's stored files (keys for `resolve`) in order, each with its frame count."""


def stored_segment(segment: Segment, store: SegmentStore, digests: Digests) -> Stored | None:
    """Where `store` has `segment`: whole, or as every part of one of its splits
    (`split_segment`); None when it has neither."""
    key = store.find(digests.segment_name(segment))
    if key is not None:
        return [(key, segment.frames)]
    for n in range(2, MAX_PARTS + 1):
        parts = split_segment(segment, n)
        if len(parts) < n:
            return None  # too short to have been cut in more parts
        keys = []
        for part in parts:
            key = store.find(digests.segment_name(part))
            if key is None:
                break
            keys.append((key, part.frames))
        if len(keys) == n:
            return keys
    return None


def encode_segments(
    segments: list[Segment],
    resolve: Callable[[str], Path],
    workdir: Path,
    store: SegmentStore,
    digests: Digests,
    progress: Callable[[float], None] = _ignore,
    workers: int = 1,
    found: list[Stored | None] | None = None,
    threads: int | None = None,
    hurry: bool = False,
) -> tuple[list[tuple[Path, int]], int]:
    """Each segment's files (stored, or encoded now and kept) with their frame counts, in
    order, and how many segments were encoded. `found` is `stored_segment` of each, when the
    caller has looked already.

    With `workers` > 1 the missing ones are encoded by that many ffmpeg processes at once, each
    body cut into that many parts (`split_segment`), the longest first, so one clip's frames
    are spread over more processes than one x264 fills. On 2 cores that measured no faster and
    about 10 % more CPU than one process (bench/RESULTS.md: one x264 already keeps both cores
    busy, and each part decodes its clip from the start), so every caller here uses one; it is
    kept for machines with more cores and measured by bench/compose.py each run.
    `threads` caps each x264's threads and `hurry` says the final MP4 waits for them
    (`encode_segment`)."""
    if found is None:
        found = [stored_segment(s, store, digests) for s in segments]
    pieces = [(n, p) for n, s in enumerate(segments) if found[n] is None for p in split_segment(s, workers)]
    names = [digests.segment_name(p) for _, p in pieces]  # hashed here: Digests is not shared across threads

    def encode(piece: Segment, name: str) -> Path:
        path = encode_segment(piece, resolve, workdir, workdir / name, threads, hurry)
        store.keep(name, path)
        return path

    made: dict[int, Path] = {}
    order = sorted(range(len(pieces)), key=lambda i: -pieces[i][1].frames)
    with ThreadPoolExecutor(max(1, min(workers, len(pieces))), thread_name_prefix="segment") as pool:
        # Each run gets a copy of this thread's context, so a `stop_when` cancel check reaches it.
        futures = {pool.submit(contextvars.copy_context().run, encode, pieces[i][1], names[i]): i for i in order}
        try:
            for future in as_completed(futures):
                made[futures[future]] = future.result()
                progress(len(made) / len(pieces))
        except BaseException:
            for f in futures:
                f.cancel()
            raise
    parts: list[tuple[Path, int]] = []
    at = 0
    for n, stored in enumerate(found):
        if stored is not None:
            parts += [(resolve(key), frames) for key, frames in stored]
            continue
        while at < len(pieces) and pieces[at][0] == n:
            parts.append((made[at], pieces[at][1].frames))
            at += 1
    progress(1.0)
    return parts, len({n for n, _ in pieces})


def prepare_segments(
    timeline: Timeline,
    resolve: Callable[[str], Path],
    workdir: Path,
    store: SegmentStore,
    qc_policy: QcPolicy | None = None,
    clips: set[int] | None = None,
    ready: Callable[[str], bool] = lambda _key: True,
    workers: int = 1,
) -> int:
    """Encode ahead of the final render the segments not stored yet whose clips are all `ready`
    (by asset key) and, with `clips`, that show one of those clips (positions in
    `timeline.clips`): what a scene worker does when its clip arrives. Returns how many it
    encoded; a timeline that cannot be cut encodes none (its final render is one pass).

    `workers` ffmpeg processes encode at once (`encode_segments`). Until every clip of the
    timeline is ready each x264 runs on one thread: other scenes are still rendering beside it,
    nothing waits for this segment yet, and one thread spends the least CPU per frame
    (bench/RESULTS.md). The clip that completes the timeline gets x264's own thread count (1.5
    per core) and is hurried (`media.encoding`): the final render waits for its segments, and
    nothing else is left to encode beside them."""
    try:
        segments = picture_segments(timeline, qc_policy or QcPolicy(), workdir)
    except PlanError:
        return 0
    wanted = [s for s in segments if (clips is None or s.clips & clips) and all(ready(src.asset) for src in s.sources)]
    last = all(ready(c.asset) for c in timeline.clips)
    return encode_segments(
        wanted, resolve, workdir, store, Digests(resolve), workers=workers, threads=None if last else 1, hurry=last
    )[1]


def _cards(timeline: Timeline) -> dict[int, tuple[int, int, int, int]]:
    o, end = timeline.output, timeline.duration_s
    return {k: card_box(item, o) for k, item in enumerate(timeline.texts) if item.start_s < end}


def compose(
    timeline: Timeline,
    resolve: Callable[[str], Path],
    workdir: Path,
    out: Path,
    progress: Callable[[float], None] = _ignore,
    brand_name: str | None = None,
    qc_policy: QcPolicy | None = None,
    store: SegmentStore | None = None,
) -> ComposeResult:
    """Render `timeline`; `resolve` turns an asset key into a local file path. The poster is taken
    while a text naming `brand_name` is on screen (see `poster_time`). `qc_policy` is the policy
    the post-render QC will use (its sampling decides the forced keyframes). With `store`, the
    picture is joined from its stored segments (the missing ones encoded and kept) when
    `choose_mode` says that is faster, and the mastered audio is reused from there too."""
    o = timeline.output
    qcp = qc_policy or QcPolicy()
    workdir.mkdir(parents=True, exist_ok=True)
    digests = Digests(resolve)
    audio = mastered_audio(timeline, resolve, workdir, store, digests)
    progress(0.06)
    result = ComposeResult(
        output=str(out),
        poster="",
        captions=captions_for(timeline),
        duration_s=timeline.duration_s,
        loudness={
            "measured_input_lufs": audio.measured.integrated_lufs,
            "target_lufs": o.loudness_lufs,
            "integrated_lufs": audio.encoded.integrated_lufs,
            "true_peak_dbtp": audio.encoded.true_peak_dbfs,
        },
    )
    segments: list[Segment] | None = None
    if store is not None:
        try:
            segments = picture_segments(timeline, qcp, workdir)
        except PlanError:
            segments = None
    if segments is not None and store is not None:
        found = [stored_segment(s, store, digests) for s in segments]
        missing = sum(s.frames for s, f in zip(segments, found, strict=True) if f is None)
        if choose_mode(missing, sum(s.frames for s in segments)) == "segments":
            parts, encoded = encode_segments(
                segments,
                resolve,
                workdir,
                store,
                digests,
                lambda f: progress(0.06 + 0.85 * f),
                found=found,
            )
            try:
                join_segments(parts, o.fps, Path(audio.path), timeline.duration_s, out, _metadata(o))
            except MixedParameterSets as err:
                log.warning("%s: rendering in one pass", err)
            else:
                result.mode, result.cards = "segments", _cards(timeline)
                result.segments_encoded, result.segments_reused = encoded, len(segments) - encoded
    if result.mode == "one_pass":
        result.cards = _one_pass(timeline, resolve, workdir, out, Path(audio.path), qcp, progress)
    result.poster = str(extract_frame(out, poster_time(timeline, brand_name), workdir / "poster.jpg"))
    progress(1.0)
    return result


def _metadata(o: OutputSettings) -> list[str]:
    return ["-metadata", f"comment={ANIMATIC_NOTE}"] if o.animatic else []


def _one_pass(
    timeline: Timeline,
    resolve: Callable[[str], Path],
    workdir: Path,
    out: Path,
    mastered: Path,
    qc_policy: QcPolicy,
    progress: Callable[[float], None],
) -> dict[int, tuple[int, int, int, int]]:
    """The whole picture in one ffmpeg run beside the mastered audio; returns the cards' places."""
    o = timeline.output
    duration = timeline.duration_s
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
    mark, mark_until = _mark(timeline, workdir)
    if mark is not None and mark_until > 0:
        overlays.append(Overlay(len(clip_inputs) + len(overlays), mark.x, mark.y, 0.0, mark_until))
        args += ["-i", mark.path]
    audio_input = len(clip_inputs) + len(overlays)
    args += ["-i", mastered]
    chains, vout = video_graph(timeline, clip_inputs, overlays)
    graph = workdir / "graph.txt"
    graph.write_text(";\n".join(chains), encoding="utf-8")
    args += [
        "-/filter_complex",
        graph,
        "-map",
        vout,
        "-map",
        f"{audio_input}:a",
        *video_encoder_args(o),
        *keyframe_args(keyframe_times(timeline, qc_policy)),
        "-c:a",
        "copy",
        "-t",
        f"{duration:.3f}",
        *_metadata(o),
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
    return cards
