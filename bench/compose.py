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
its poster). One pass and tail are measured interleaved `--runs` times: `tail_over_full` is the
median of each run's tail wall over that run's one-pass wall (goal <= 0.20),
`tail_cpu_over_full_cpu` the same for CPU seconds (steadier on a shared machine),
`tail_split_over_full` the tail with the last body cut over every core (`workers`, for
comparison); then `orders` times the tail with each clip last in turn (`tail_over_full_mean`,
`orders_meeting_goal`); `segments_fresh_over_one_pass` is the wall of encoding every segment,
the mix and the join, over one pass (what `choose_mode` weighs a re-compose by). The joined file
is QC'd and compared with the one-pass render (SSIM, PSNR).

    python bench/compose.py [--json] [--sizes 1080p] [--runs 2] [--tail-only]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from machine import describe, line

from omnigen.compliance import load_policy
from omnigen.media.compose import (
    compose,
    encode_segments,
    mastered_audio,
    picture_segments,
    prepare_segments,
)
from omnigen.media.ffmpeg import run_ffmpeg
from omnigen.media.qc import inspect
from omnigen.media.segment_plan import Segment
from omnigen.media.segments import Digests, FolderSegments, encode_segment
from omnigen.providers.local.music import LocalMusic
from omnigen.providers.local.voice import LocalVoice
from omnigen.providers.ports import CallContext, MusicRequest, VoiceRequest
from omnigen.qc import qc_policy
from omnigen.qc.policy import QcPolicy
from omnigen.timeline import MusicBed, OutputSettings, TextItem, Timeline, VideoClip, VoiceLine

DURATION = 30.0
SIZES = {"720p": (1280, 720), "1080p": (1920, 1080)}


SOURCES = ["testsrc2", "smptehdbars", "mandelbrot", "life=seed=7", "cellauto=seed=7", "rgbtestsrc"]
"""The six clips' lavfi sources. `life` and `cellauto` draw a random picture unless seeded: the
seeds make every run encode, and QC read, the same pictures."""


def _assets(tmp: Path, width: int, height: int) -> tuple[list[VideoClip], list[VoiceLine], MusicBed]:
    clips = []
    for i in range(6):
        out = tmp / f"clip_{width}_{i}.mp4"
        src = SOURCES[i]
        run_ffmpeg(
            [
                "-y",
                "-f",
                "lavfi",
                "-i",
                f"{src}{':' if '=' in src else '='}s={width}x{height}:r=24",
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


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0))


def _load() -> float:
    return round(os.getloadavg()[0], 1)


def _timed(fn: Callable[[], object]) -> tuple[float, float, float]:
    """Wall and CPU seconds (children included) of `fn()`, and the load average when it ended."""
    t0, c0 = time.perf_counter(), _cpu_s()
    fn()
    return time.perf_counter() - t0, _cpu_s() - c0, _load()


def _store_without(ahead: Path, names: set[str], folder: Path) -> FolderSegments:
    """A fresh store holding what `ahead` holds except `names` (hard links: nothing copied)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for f in ahead.iterdir():
        if f.name not in names:
            os.link(f, folder / f.name)
    return FolderSegments(folder)


def _median(xs: list[float]) -> float:
    return round(statistics.median(xs), 3)


def _ssim_psnr(a: Path, b: Path) -> tuple[float, float]:
    """SSIM (All) and PSNR (average) of the picture of `b` against `a`, frame by frame."""
    err = run_ffmpeg(
        ["-i", a, "-i", b, "-filter_complex", "[0:v]split[a0][a1];[1:v]split[b0][b1];[b0][a0]ssim;[b1][a1]psnr",
         "-f", "null", "-"],
        what="comparing the two renders' pictures",
    )  # fmt: skip
    ssim = float(re.findall(r"SSIM .*All:([\d.]+)", err)[-1])
    psnr = re.findall(r"PSNR .*average:([\d.]+|inf)", err)[-1]
    return ssim, float(psnr)


def _hurry_quality(segments: list[Segment], tmp: Path) -> dict[str, float]:
    """The tail's segments encoded the normal way and hurried (`omnigen.media.encoding`), each
    compared by SSIM with a near-lossless encode of the same segment (CRF 1: x264's High profile
    has no lossless mode): CPU, picture and bytes."""
    cpu = {"normal": 0.0, "hurried": 0.0}
    size = {"normal": 0, "hurried": 0}
    ssim = {"normal": 1.0, "hurried": 1.0}
    for seg in segments:
        ref = encode_segment(seg.model_copy(update={"output": seg.output.model_copy(update={"crf": 1})}), Path,
                             tmp, tmp / f"lossless_{seg.index}.mp4")  # fmt: skip
        for kind in cpu:
            c0 = _cpu_s()
            out = encode_segment(seg, Path, tmp, tmp / f"{kind}_{seg.index}.mp4", hurry=kind == "hurried")
            cpu[kind] += _cpu_s() - c0
            size[kind] += out.stat().st_size
            ssim[kind] = min(ssim[kind], _ssim_psnr(ref, out)[0])
    return {
        "normal_cpu_s": round(cpu["normal"], 2),
        "hurried_cpu_s": round(cpu["hurried"], 2),
        "hurried_cpu_over_normal": round(cpu["hurried"] / cpu["normal"], 3),
        "normal_ssim": round(ssim["normal"], 4),
        "hurried_ssim": round(ssim["hurried"], 4),
        "hurried_bytes_over_normal": round(size["hurried"] / size["normal"], 3),
    }


def _incremental(
    timeline: Timeline, tmp: Path, qcp: QcPolicy, runs: int
) -> dict[str, float | int | str | bool | list[float] | list[dict[str, float]]]:
    """Segments encoded as their clips arrive and the mix mastered ahead (once); then, `runs`
    times interleaved, a one-pass compose of the same timeline and the tail with the dearest
    clip last, encoded as the pipeline does (one process) and with its body cut over every core; then the tail
    with each clip last in turn; QC of both renders and their pictures compared."""
    ahead_dir = tmp / "ahead_store"
    store = FolderSegments(ahead_dir)
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
    cost = {c: sum(seg_s[s.index] for s in segments if c in s.clips) for c in range(len(timeline.clips))}
    worst = max(cost, key=lambda c: cost[c])
    hurry = _hurry_quality([s for s in segments if worst in s.clips], tmp / "hurry")
    n_tail = 0
    cards: dict[int, tuple[int, int, int, int]] = {}

    def tail(last: int, workers: int) -> tuple[float, float, float, float, Path]:
        """Clip `last` arrives: its scene step's segments, then compose joining them all."""
        nonlocal n_tail
        n_tail += 1
        names = {digests.segment_name(s) for s in segments if last in s.clips}
        tail_store = _store_without(ahead_dir, names, tmp / "tail_store")
        out = tmp / f"incremental_{n_tail}.mp4"
        t0, c0 = time.perf_counter(), _cpu_s()
        prepare_segments(timeline, Path, work / f"tail{n_tail}", tail_store, qcp, clips={last}, workers=workers)
        encoded = time.perf_counter() - t0
        res = compose(timeline, Path, work / f"final{n_tail}", out, qc_policy=qcp, store=tail_store)
        wall, cpu = time.perf_counter() - t0, _cpu_s() - c0
        assert res.mode == "segments" and res.segments_encoded == 0, res
        cards.update(res.cards)
        return wall, cpu, encoded, _load(), out

    rows: list[dict[str, float]] = []
    one_out = tmp / "one_pass.mp4"
    for r in range(runs):
        load0 = _load()
        full, full_cpu, load1 = _timed(
            lambda r=r: compose(timeline, Path, work / f"one{r}", one_out, qc_policy=qcp)  # type: ignore[misc]
        )
        s_wall, s_cpu, _, load2, _ = tail(worst, cores())  # the body cut over every core, for comparison
        p_wall, p_cpu, p_enc, load3, inc_out = tail(worst, 1)  # as the pipeline does: one process
        rows.append({
            "load_before": load0, "full_s": round(full, 2), "full_cpu_s": round(full_cpu, 2), "load_after_full": load1,
            "tail_split_s": round(s_wall, 2), "tail_split_cpu_s": round(s_cpu, 2),
            "load_after_tail_split": load2,
            "tail_s": round(p_wall, 2), "tail_cpu_s": round(p_cpu, 2), "tail_encode_s": round(p_enc, 2),
            "join_s": round(p_wall - p_enc, 2), "load_after_tail": load3,
            "split_over_full": round(s_wall / full, 3),
            "split_cpu_over_full_cpu": round(s_cpu / full_cpu, 3),
            "tail_over_full": round(p_wall / full, 3), "tail_cpu_over_full_cpu": round(p_cpu / full_cpu, 3),
        })  # fmt: skip
    full_med = statistics.median(x["full_s"] for x in rows)
    full_cpu_med = statistics.median(x["full_cpu_s"] for x in rows)
    orders = []
    for c in range(len(timeline.clips)):
        wall, cpu, _, load, _ = tail(c, 1)
        orders.append({"last_clip": c + 1, "tail_s": round(wall, 2), "tail_cpu_s": round(cpu, 2), "load_after": load,
                       "tail_over_full": round(wall / full_med, 3),
                       "tail_cpu_over_full_cpu": round(cpu / full_cpu_med, 3)})  # fmt: skip
    qc = inspect(inc_out, timeline, None, qcp, tmp / "qc_incremental", cards=cards)
    if not qc.passed:
        print(qc.to_text(), file=sys.stderr)
    ssim, psnr = _ssim_psnr(one_out, inc_out)
    fresh = audio_s + sum(seg_s.values()) + statistics.median(x["join_s"] for x in rows)
    return {
        "segments": len(segments),
        "cores": cores(),
        "hurry": hurry,
        "last_clip": worst + 1,
        "runs": rows,
        "tail_over_full": _median([x["tail_over_full"] for x in rows]),
        "tail_cpu_over_full_cpu": _median([x["tail_cpu_over_full_cpu"] for x in rows]),
        "tail_split_over_full": _median([x["split_over_full"] for x in rows]),
        "tail_split_cpu_over_full_cpu": _median([x["split_cpu_over_full_cpu"] for x in rows]),
        "orders": orders,
        "tail_over_full_mean": round(statistics.mean(o["tail_over_full"] for o in orders), 3),
        "tail_cpu_over_full_cpu_mean": round(statistics.mean(o["tail_cpu_over_full_cpu"] for o in orders), 3),
        "orders_meeting_goal": [o["last_clip"] for o in orders if o["tail_over_full"] <= 0.20],
        "audio_ahead_s": round(audio_s, 2),
        "segment_s": [round(seg_s[s.index], 2) for s in segments],
        "segments_fresh_s": round(fresh, 2),
        "segments_fresh_over_one_pass": round(fresh / full_med, 3),
        "qc_passed": qc.passed,
        "qc_frames": qc.cost.frames_decoded if qc.cost else 0,
        "ssim_vs_one_pass": round(ssim, 4),
        "psnr_vs_one_pass_db": round(psnr, 2),
        "bytes_one_pass": one_out.stat().st_size,
        "bytes_incremental": inc_out.stat().st_size,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--sizes", default=",".join(SIZES), help="comma-separated: 720p,1080p")
    ap.add_argument("--runs", type=int, default=2, help="interleaved one-pass / tail measurements at 1080p")
    ap.add_argument("--tail-only", action="store_true", help="at 1080p only the incremental compose (no bare encode)")
    args = ap.parse_args()
    results: dict[str, dict[str, float]] = {}
    incremental: dict[str, Any] = {}
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
            if name == "1080p":
                incremental = _incremental(timeline, tmp / "inc", qcp, args.runs)
                if args.tail_only:
                    continue
            t0, c0 = time.perf_counter(), _cpu_s()
            res = compose(timeline, Path, tmp / f"work_{name}", tmp / f"out_{name}.mp4", qc_policy=qcp)
            wall, cpu = time.perf_counter() - t0, _cpu_s() - c0
            t0, c0 = time.perf_counter(), _cpu_s()
            qc = inspect(Path(res.output), timeline, None, qcp, tmp / f"qc_{name}", cards=res.cards)
            qc_wall, qc_cpu = time.perf_counter() - t0, _cpu_s() - c0
            if not qc.passed:
                print(qc.to_text(), file=sys.stderr)
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
        for n, x in enumerate(r["runs"], 1):  # type: ignore[arg-type]
            print(
                f"tail 1080p run {n} (load {x['load_before']} -> {x['load_after_tail']}): "
                f"one pass {x['full_s']:.1f} s; clip {r['last_clip']} last: tail {x['tail_s']:.1f} s "
                f"(encode {x['tail_encode_s']:.1f} s + join {x['join_s']:.1f} s) = {x['tail_over_full']:.3f} of it "
                f"(CPU {x['tail_cpu_over_full_cpu']:.3f}); its body over {r['cores']} processes "
                f"{x['tail_split_s']:.1f} s = {x['split_over_full']:.3f} (CPU {x['split_cpu_over_full_cpu']:.3f})"
            )
        for o in r["orders"]:  # type: ignore[union-attr]
            print(
                f"tail 1080p, clip {o['last_clip']} last: {o['tail_s']:.1f} s = {o['tail_over_full']:.3f} "
                f"of the median one pass (CPU {o['tail_cpu_over_full_cpu']:.3f}; load {o['load_after']})"
            )
        print(
            f"incremental 1080p on {r['cores']} cores: tail_over_full {r['tail_over_full']:.3f} "
            f"(median; goal <= 0.20; CPU {r['tail_cpu_over_full_cpu']:.3f}; body over every core "
            f"{r['tail_split_over_full']:.3f}); any clip last, mean {r['tail_over_full_mean']:.3f}; "
            f"goal met with clip(s) {r['orders_meeting_goal']} last; every segment fresh "
            f"{r['segments_fresh_over_one_pass']:.2f} of one pass; QC {'passed' if r['qc_passed'] else 'FAILED'}; "
            f"vs one pass SSIM {r['ssim_vs_one_pass']:.4f}, PSNR {r['psnr_vs_one_pass_db']:.1f} dB"
        )
        h = r["hurry"]
        print(
            f"hurried tail segments (clip {r['last_clip']}): CPU {h['hurried_cpu_over_normal']:.3f} of the normal "
            f"encode's ({h['hurried_cpu_s']:.1f} vs {h['normal_cpu_s']:.1f} s), SSIM vs near-lossless "
            f"{h['hurried_ssim']:.4f} vs {h['normal_ssim']:.4f} (worst segment), "
            f"bytes x{h['hurried_bytes_over_normal']:.2f}"
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
        h = incremental["hurry"]
        ok = ok and float(incremental["tail_over_full"]) <= 0.20 and bool(incremental["qc_passed"])
        ok = ok and h["hurried_ssim"] >= h["normal_ssim"] - 0.001
    return 0 if ok and qc_ok else 1


if __name__ == "__main__":
    sys.exit(main())
