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

    python bench/compose.py [--json]
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
from omnigen.media.compose import compose
from omnigen.media.ffmpeg import run_ffmpeg
from omnigen.media.qc import inspect
from omnigen.providers.local.music import LocalMusic
from omnigen.providers.local.voice import LocalVoice
from omnigen.providers.ports import CallContext, MusicRequest, VoiceRequest
from omnigen.qc import qc_policy
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


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="omnigen-bench-compose-") as tmpdir:
        tmp = Path(tmpdir)
        for name, (w, h) in SIZES.items():
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
    ratio = results["1080p"]["wall_s"] / results["720p"]["wall_s"]
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
    print(f"1080p / 720p cost ratio: {ratio:.2f}")
    if args.json:
        print(json.dumps({"results": results, "ratio_1080_720": round(ratio, 2), "machine": describe()}))
    qc_ok = all(r["qc_over_compose"] <= 0.15 and r["qc_passed"] for r in results.values())
    return 0 if results["1080p"]["ratio_to_bare"] <= 1.3 and qc_ok else 1


if __name__ == "__main__":
    sys.exit(main())
