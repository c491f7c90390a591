"""Compose benchmark: one 30 s timeline (6 clips with a dissolve, 10 voice lines, a ducked bed,
supers and a major statement) rendered at 720p and 1080p on this machine.

Prints, for each size, the wall time and the real-time factor (wall / ad length), and the
1080p : 720p cost ratio measured in the same run. The clips are lavfi test patterns and the
voice and music come from the offline providers, so only compose is timed.

    python bench/compose.py [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from machine import describe, line

from omnigen.media.compose import compose
from omnigen.media.ffmpeg import run_ffmpeg
from omnigen.providers.local.music import LocalMusic
from omnigen.providers.local.voice import LocalVoice
from omnigen.providers.ports import CallContext, MusicRequest, VoiceRequest
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
        import wave

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
            t0 = time.perf_counter()
            compose(timeline, Path, tmp / f"work_{name}", tmp / f"out_{name}.mp4")
            wall = time.perf_counter() - t0
            results[name] = {"wall_s": round(wall, 2), "realtime_factor": round(wall / timeline.duration_s, 3)}
    ratio = results["1080p"]["wall_s"] / results["720p"]["wall_s"]
    print(f"machine: {line()}")
    for name, r in results.items():
        print(f"compose {name}: {r['wall_s']:.1f} s for a {DURATION:.0f} s ad (x{r['realtime_factor']:.2f} real time)")
    print(f"1080p / 720p cost ratio: {ratio:.2f}")
    if args.json:
        print(json.dumps({"results": results, "ratio_1080_720": round(ratio, 2), "machine": describe()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
