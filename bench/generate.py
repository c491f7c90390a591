"""Offline `omnigen generate` of a 30 s 720p ad on this machine, timed end to end (wall clock),
with the time of each step from the job record. Target: ≤ 60 s on 2 cores.

    python bench/generate.py [--brief PATH] [--resolution 720p] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from machine import describe, line

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--brief", default=str(ROOT / "examples" / "briefs" / "psoriasis_30s.yaml"))
    ap.add_argument("--resolution", default="720p")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="omnigen-bench-") as tmp:
        env = os.environ | {"OMNIGEN_HOME": tmp, "OMNIGEN_PROVIDERS": "local"}
        out = Path(tmp) / "ad.mp4"
        t0 = time.perf_counter()
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "omnigen.cli",
                "generate",
                args.brief,
                "-o",
                str(out),
                "--resolution",
                args.resolution,
                "--json",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - t0
    if run.returncode != 0:
        print(run.stderr[-3000:], file=sys.stderr)
        return 1
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    print(f"machine: {line()}")
    print(f"brief: {Path(args.brief).name} at {args.resolution}")
    print(f"wall time: {wall:.1f} s (target <= 60 s)")
    for step, secs in summary["step_seconds"].items():
        print(f"  {step:<12} {secs:6.1f} s")
    result = {
        "wall_s": round(wall, 2),
        "resolution": args.resolution,
        "steps": summary["step_seconds"],
        "machine": describe(),
    }
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
