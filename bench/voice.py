"""The offline voice's cost: every line the local writer gives each example brief, spoken by
eSpeak NG (the fallback, and the voice before Piper) and by Piper at 1 and 2 ONNX Runtime
threads, in one process, so the figures compare within one run.

Prints, per voice and brief: seconds of speech, wall and CPU seconds to speak it, the real-time
factor (wall / speech; CPU / speech is the share of a core it takes), and the measured pace
(words per minute) of the major statement against the benefit lines (else the indication and
hook), which the compliance rule MS-PACE compares. Piper's model load is timed separately (once per process).

    python bench/voice.py [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from machine import describe, line

from omnigen.brief import load_brief
from omnigen.lines import speaking_rate, split_lines
from omnigen.providers.local.espeak_voice import EspeakVoice
from omnigen.providers.local.piper_voice import PiperSpeaker, find_voice
from omnigen.providers.local.script_writer import LocalScriptWriter
from omnigen.providers.ports import CallContext
from omnigen.script import word_count

ROOT = Path(__file__).resolve().parents[1]


def _lines(brief_path: Path) -> list[tuple[str, str, bool]]:
    """(purpose, text, is major statement) for every spoken line of the brief's offline script."""
    script = LocalScriptWriter().write(load_brief(brief_path), CallContext())
    return [
        (s.purpose, text, s.purpose == "major_statement") for s in script.scenes for text in split_lines(s.voiceover)
    ]


def _speak_all(speaker: EspeakVoice | PiperSpeaker, lines: list[tuple[str, str, bool]], tmp: Path) -> dict:
    speech = wall = cpu = 0.0
    # the reference the MS-PACE rule compares with: the benefit lines, else the indication and hook
    ref = {"benefit"} if any(purpose == "benefit" for purpose, _, _ in lines) else {"indication", "hook"}
    words = {"ms": 0, "ref": 0}
    secs = {"ms": 0.0, "ref": 0.0}
    for n, (purpose, text, ms) in enumerate(lines):
        w0, c0 = time.perf_counter(), time.process_time()
        out = speaker.render(text, speaking_rate(ms), tmp / f"l{n}.wav")
        wall += time.perf_counter() - w0
        cpu += time.process_time() - c0
        with wave.open(str(out)) as w:
            d = w.getnframes() / w.getframerate()
        speech += d
        kind = "ms" if ms else "ref" if purpose in ref else None
        if kind:
            words[kind] += word_count(text)
            secs[kind] += d
    wpm = {k: round(words[k] * 60 / secs[k], 1) if secs[k] else None for k in words}
    return {
        "lines": len(lines),
        "speech_s": round(speech, 2),
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "rtf_wall": round(wall / speech, 3),
        "rtf_cpu": round(cpu / speech, 3),
        "ms_wpm": wpm["ms"],
        "reference_wpm": wpm["ref"],
    }


CALIBRATION_SCALES = (0.3, 0.45, 0.6, 0.7, 0.8, 0.88, 0.95, 1.0, 1.05, 1.14, 1.2, 1.3, 1.4, 1.6, 1.8, 2.1, 2.5)


def calibrate(lines: list[str]) -> dict[float, float]:
    """Total length of `lines` at each length_scale, relative to length_scale 1 (no level, no
    rate mapping: the model's own response)."""
    from piper import SynthesisConfig

    engine = PiperSpeaker(find_voice()).engine()
    total = {}
    for scale in CALIBRATION_SCALES:
        config = SynthesisConfig(length_scale=scale, noise_scale=0.0, noise_w_scale=0.0, normalize_audio=False)
        total[scale] = sum(len(c.audio_float_array) for t in lines for c in engine.voice.synthesize(t, config))
    return {scale: round(n / total[1.0], 3) for scale, n in total.items()}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--calibrate", action="store_true")
    args = ap.parse_args()
    briefs = sorted((ROOT / "examples" / "briefs").glob("*.yaml"))
    lines = {b.stem: _lines(b) for b in briefs}
    files = find_voice()
    if args.calibrate:
        every = [text for brief_lines in lines.values() for _, text, _ in brief_lines]
        response = calibrate(every[::3])  # 8 of the 23 lines: the per-line spread is at most 0.03
        print(f"{files.voice_name}: length relative to length_scale 1, every third example line")
        print("scales  ", tuple(response))
        print("lengths ", tuple(response.values()))
        return 0
    voices: dict[str, EspeakVoice | PiperSpeaker] = {"espeak-ng": EspeakVoice()}
    loads = {}
    for threads in (1, 2):
        speaker = PiperSpeaker(files, threads)
        w0 = time.perf_counter()
        engine = speaker.engine()
        loads[threads] = {"wall_s": round(time.perf_counter() - w0, 2), "cpu_s": round(engine.load_cpu_s, 2)}
        voices[f"piper-{threads}t"] = speaker
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="omnigen-voice-") as tmp:
        for name, speaker in voices.items():
            for stem, brief_lines in lines.items():
                results[f"{name} {stem}"] = _speak_all(speaker, brief_lines, Path(tmp))
    print(f"machine: {line()}; load average {os.getloadavg()[0]:.1f}")
    print(f"piper {files.voice_name} model load: " + ", ".join(f"{t} thread(s) {v}" for t, v in loads.items()))
    print(f"{'voice / brief':<34} {'lines':>5} {'speech':>7} {'wall':>6} {'cpu':>6} {'rtf':>6} {'cpu/s':>6} "
          f"{'ms wpm':>7} {'ref wpm':>7}")
    for key, r in results.items():
        print(
            f"{key:<34} {r['lines']:>5} {r['speech_s']:>6.1f}s {r['wall_s']:>5.1f}s {r['cpu_s']:>5.1f}s "
            f"{r['rtf_wall']:>6.3f} {r['rtf_cpu']:>6.3f} {r['ms_wpm'] or 0:>7.0f} {r['reference_wpm'] or 0:>7.0f}"
        )
    if args.json:
        print(json.dumps({"load": loads, "results": results, "machine": describe()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
