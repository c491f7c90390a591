"""Compose benchmark: one 30 s timeline (6 clips with a dissolve, 10 voice lines, a ducked bed,
supers and a major statement) rendered at 720p and 1080p on this machine.

Prints, for each size, the wall time, the real-time factor (wall / ad length) and the ratio of
compose to a bare ffmpeg encode of the same 30 s (the six clips decoded and joined, a tone for
audio, the same H.264/AAC settings, no overlays, ducking or loudness passes), run in the same
process right after. Target at 1080p: ratio ≤ 1.3. The clips are lavfi test patterns and the
voice and music come from the offline providers, so only compose is timed.

Then the post-render QC of each render (OCR of every text item, the major statement sampled
across its lines, loudness, true peak, track lengths), timed in the same run: `qc_over_compose`
is QC's wall time over compose's (target ≤ 0.15), `qc_cpu_over_compose_cpu` the same for the CPU
seconds of the process and its ffmpeg and tesseract children (steadier on a shared machine).

Then, at 1080p, the incremental compose of the same timeline: every picture segment encoded as
its clip "arrives" (as the scene steps do), the mix mastered ahead (as the voice and music steps
do), and the tail measured end to end: the scene whose segments take longest to encode arrives
last, so the tail is its scene step's segment encoding plus the final join (to the final MP4 and
its poster). `tail_over_full` is that wall time over the one-pass compose's, both in this run
(goal <= 0.20), `tail_cpu_over_full_cpu` the same for CPU seconds (steadier on a shared
machine), `tail_over_full_mean` the tail when any clip is equally likely to be last (derived from
the per-segment encode times and the join of this run); `segments_fresh_over_one_pass` is the
wall of encoding every segment, the mix and the join, over one pass (what `choose_mode` weighs a re-compose by).

    python bench/compose.py [--json] [--sizes 1080p]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from machine import describe, line

from omnigen.compliance import load_policy
from omnigen.media.compose import compose, encode_segments, mastered_audio, picture_segments, prepare_segments
from omnigen.media.ffmpeg import run_ffmpeg
from omnigen.media.qc import inspect
from omnigen.media.segments import Digests, FolderSegments
from omnigen.providers.local.music import LocalMusic
from omnigen.providers.local.voice import LocalVoice
from omnigen.providers.ports import CallContext, MusicRequest, VoiceRequest
from omnigen.qc import qc_policy
from omnigen.qc.policy import QcPolicy
from omnigen.timeline import MusicBed, OutputSettings, TextItem, Timeline, VideoClip, VoiceLine

DURATION = 30.0
SIZES = {"720p": (1280, 720), "1080p": (1920, 1080)}


def _assets(tmp: Path, width: int, height: int) -> tuple[list[VideoClip], list[VoiceLine], MusicBed]:
    clips = []
    for i in range(6):
        out = tmp / f"clip_{width}_{i}.mp4"
        src = ["testsrc2", "smptehdbars", "mandelbrot", "life", "cellauto", "rgbtestsrc"][i]
        run_ffmpeg(
            [
                "-y",
                "-f",
                "lavfi",
                "-i",
                f"{src}=s={width}x{height}:r=24",
                "-t",
                "6",
                "-pix_fmt",
                "yuv420p",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                out,
            ],
            what="making a bench clip",
        )
        clips.append(
            VideoClip(
                scene_index=i + 1,
                asset=str(out),
                out_s=5.0 + (0.5 if i == 3 else 0.0),
                transition="dissolve" if i == 3 else "cut",
                transition_s=0.5 if i == 3 else 0.0,
            )
        )
    voice = []
    t = 0.3
    for n in range(10):
        wav = LocalVoice().speak(
            VoiceRequest(text=f"This is spoken line number {n + 1} of the benchmark."),
            tmp / f"l{n}.wav",
            CallContext(),
        )
        with wave.open(str(wav)) as w:
            d = w.getnframes() / w.getframerate()
        voice.append(
            VoiceLine(
                scene_index=1 + n // 2,
                asset=str(wav),
                text=f"line {n + 1}",
                start_s=round(t, 3),
                duration_s=round(d, 3),
                major_statement=6 <= n <= 8,
            )
        )
        t += d + 0.2
    bed = LocalMusic().compose(MusicRequest(prompt="calm", duration_s=DURATION), tmp / "bed.wav", CallContext())
    return clips, voice, MusicBed(asset=str(bed))


def _bare_encode(timeline: Timeline, out: Path) -> float:
    """The same pixels and encoder settings with nothing else: the floor compose is measured against."""
    o = timeline.output
    args: list[str | Path] = ["-y"]
    for c in timeline.clips:
        args += ["-i", c.asset]
    joined = "".join(f"[{i}:v]" for i in range(len(timeline.clips)))
    args += [
        "-f", "lavfi", "-i", f"sine=f=440:d={timeline.duration_s}",
        "-filter_complex", f"{joined}concat=n={len(timeline.clips)}:v=1:a=0[v]",
        "-map", "[v]", "-map", f"{len(timeline.clips)}:a",
        "-c:v", "libx264", "-profile:v", "high", "-pix_fmt", "yuv420p", "-preset", o.preset, "-crf", str(o.crf),
        "-r", str(o.fps), "-g", str(o.fps * 2), "-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2",
        "-t", f"{timeline.duration_s:.3f}", "-movflags", "+faststart", out,
    ]  # fmt: skip
    t0 = time.perf_counter()
    run_ffmpeg(args, what="the bare encode baseline")
    return time.perf_counter() - t0


def _cpu_s() -> float:
    """CPU seconds used so far by this process and the ffmpeg / tesseract processes it waited for."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _incremental(
    timeline: Timeline, tmp: Path, qcp: QcPolicy, one_pass_s: float, one_pass_cpu: float
) -> dict[str, float | int | str | list[float]]:
    """Segments encoded as their clips arrive, the mix ahead, then the worst-case tail for real."""
    store = FolderSegments(tmp / "segments")
    work = tmp / "incremental"
    digests = Digests(Path)
    t0 = time.perf_counter()
    mastered_audio(timeline, Path, work / "audio", store, digests)
    audio_s = time.perf_counter() - t0
    segments = picture_segments(timeline, qcp, work)
    seg_s: dict[int, float] = {}
    for c in range(len(timeline.clips)):  # clip c arrives: its scene step encodes what it completes
        for seg in segments:
            if max(seg.clips) == c:
                t0 = time.perf_counter()
                encode_segments([seg], Path, work / "ahead", store, digests)
                seg_s[seg.index] = time.perf_counter() - t0
    # The clip whose segments (its body and the dissolves it takes part in) cost most arrives last.
    cost = {c: sum(seg_s[s.index] for s in segments if c in s.clips) for c in range(len(timeline.clips))}
    last = max(cost, key=lambda c: cost[c])
    for seg in segments:  # not made yet: they wait for that clip
        if last in seg.clips:
            (tmp / "segments" / digests.segment_name(seg)).unlink()
    t0, c0 = time.perf_counter(), _cpu_s()
    redone = prepare_segments(timeline, Path, work / "tail", store, qcp, clips={last})
    t1 = time.perf_counter()
    res = compose(timeline, Path, work / "final", tmp / "incremental.mp4", qc_policy=qcp, store=store)
    tail, tail_cpu = time.perf_counter() - t0, _cpu_s() - c0
    assert res.mode == "segments" and res.segments_encoded == 0, res
    qc = inspect(Path(res.output), timeline, None, qcp, tmp / "qc_incremental", cards=res.cards)
    if not qc.passed:
        print(qc.to_text(), file=sys.stderr)
    join = tail - (t1 - t0)
    fresh = audio_s + sum(seg_s.values()) + join
    return {
        "segments": len(segments),
        "last_clip": last + 1,
        "last_clip_segments": redone,
        "tail_encode_s": round(t1 - t0, 2),
        "join_s": round(join, 2),
        "tail_s": round(tail, 2),
        "one_pass_s": round(one_pass_s, 2),
        "tail_over_full": round(tail / one_pass_s, 3),
        "tail_cpu_over_full_cpu": round(tail_cpu / one_pass_cpu, 3),
        # Derived, not timed end to end: any clip equally likely last, each tail its segments'
        # encode times measured above plus the join measured here.
        "tail_over_full_mean": round((sum(cost.values()) / len(cost) + join) / one_pass_s, 3),
        "audio_ahead_s": round(audio_s, 2),
        "segment_s": [round(seg_s[s.index], 2) for s in segments],
        "segments_fresh_s": round(fresh, 2),
        "segments_fresh_over_one_pass": round(fresh / one_pass_s, 3),
        "qc_passed": qc.passed,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--sizes", default=",".join(SIZES), help="comma-separated: 720p,1080p")
    args = ap.parse_args()
    results: dict[str, dict[str, float]] = {}
    incremental: dict[str, float | int | str | list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="omnigen-bench-compose-") as tmpdir:
        tmp = Path(tmpdir)
        for name, (w, h) in SIZES.items():
            if name not in args.sizes.split(","):
                continue
            clips, voice, bed = _assets(tmp, w, h)
            timeline = Timeline(
                output=OutputSettings(width=w, height=h),
                clips=clips,
                voice=voice,
                music=bed,
                texts=[TextItem(text=f"Super {k}", start_s=k * 3 + 0.5, end_s=k * 3 + 2.5) for k in range(5)]
                + [
                    TextItem(kind="major_statement", text=v.text, start_s=v.start_s, end_s=v.end_s)
                    for v in voice
                    if v.major_statement
                ],
            )
            qcp = qc_policy(load_policy(None))
            t0, c0 = time.perf_counter(), _cpu_s()
            res = compose(timeline, Path, tmp / f"work_{name}", tmp / f"out_{name}.mp4", qc_policy=qcp)
            wall, cpu = time.perf_counter() - t0, _cpu_s() - c0
            t0, c0 = time.perf_counter(), _cpu_s()
            qc = inspect(Path(res.output), timeline, None, qcp, tmp / f"qc_{name}", cards=res.cards)
            qc_wall, qc_cpu = time.perf_counter() - t0, _cpu_s() - c0
            if not qc.passed:
                print(qc.to_text(), file=sys.stderr)
            if name == "1080p":
                incremental = _incremental(timeline, tmp / "inc", qcp, wall, cpu)
            bare = _bare_encode(timeline, tmp / f"bare_{name}.mp4")
            results[name] = {
                "wall_s": round(wall, 2),
                "bare_encode_s": round(bare, 2),
                "ratio_to_bare": round(wall / bare, 3),
                "realtime_factor": round(wall / timeline.duration_s, 3),
                "qc_s": round(qc_wall, 2),
                "qc_over_compose": round(qc_wall / wall, 3),
                "qc_cpu_over_compose_cpu": round(qc_cpu / cpu, 3),
                "qc_passed": qc.passed,
                "qc_frames": qc.cost.frames_decoded if qc.cost else 0,
                "qc_ocr_reads": qc.cost.ocr_reads if qc.cost else 0,
            }
    ratio = results["1080p"]["wall_s"] / results["720p"]["wall_s"] if len(results) == 2 else 0.0
    print(f"machine: {line()}")
    for name, r in results.items():
        print(
            f"compose {name}: {r['wall_s']:.1f} s for a {DURATION:.0f} s ad (x{r['realtime_factor']:.2f} real time); "
            f"bare encode {r['bare_encode_s']:.1f} s; ratio {r['ratio_to_bare']:.2f} (target <= 1.3 at 1080p)"
        )
    for name, r in results.items():
        print(
            f"qc {name}: {r['qc_s']:.1f} s ({r['qc_frames']} frames, {r['qc_ocr_reads']} OCR reads, "
            f"{'passed' if r['qc_passed'] else 'FAILED'}); qc_over_compose {r['qc_over_compose']:.3f} (target <= 0.15; "
            f"CPU {r['qc_cpu_over_compose_cpu']:.3f})"
        )
    if ratio:
        print(f"1080p / 720p cost ratio: {ratio:.2f}")
    if incremental:
        r = incremental
        print(
            f"incremental 1080p: {r['segments']} segments; clip {r['last_clip']} last: its {r['last_clip_segments']} "
            f"segment(s) {r['tail_encode_s']:.1f} s + join {r['join_s']:.1f} s = tail {r['tail_s']:.1f} s vs one pass "
            f"{r['one_pass_s']:.1f} s: tail_over_full {r['tail_over_full']:.3f} (goal <= 0.20; CPU "
            f"{r['tail_cpu_over_full_cpu']:.3f}; any clip last, on average: {r['tail_over_full_mean']:.3f}); "
            "every segment fresh "
            f"{r['segments_fresh_s']:.1f} s = {r['segments_fresh_over_one_pass']:.2f} of one pass; "
            f"QC {'passed' if r['qc_passed'] else 'FAILED'}"
        )
    if args.json:
        print(
            json.dumps(
                {
                    "results": results,
                    "ratio_1080_720": round(ratio, 2),
                    "incremental": incremental,
                    "tail_over_full": incremental.get("tail_over_full"),
                    "machine": describe(),
                }
            )
        )
    qc_ok = all(r["qc_over_compose"] <= 0.15 and r["qc_passed"] for r in results.values())
    ok = "1080p" not in results or results["1080p"]["ratio_to_bare"] <= 1.3
    if incremental:
        ok = ok and float(incremental["tail_over_full"]) <= 0.20 and bool(incremental["qc_passed"])
    return 0 if ok and qc_ok else 1


if __name__ == "__main__":
    sys.exit(main())
