"""A bounded loopback soak of the local server: jobs at once, hostile requests, and faults.

For `--minutes` the harness keeps `--concurrent` jobs running on one `omnigen serve` (offline
providers, 127.0.0.1 only) while, every few seconds, it injects one fault at random: SIGKILL of a
worker process, SIGKILL of an ffmpeg, SIGKILL of the server itself (then a restart on the same
home), or a cancel. Between faults it sends the hostile requests of issue 14 (text the ad cannot
show, decompression-bomb uploads, broken bodies) and counts how many were answered with a 4xx.
Then it stops injecting, lets every job end, stops the server and checks:

- lost: a job the server accepted (202) that is not in its job list;
- stuck: a job not completed / failed / cancelled when the run's deadline passes;
- unexplained: a failed job without an error message, a completed one without its MP4;
- orphans: any process left whose environment names the soak's OMNIGEN_HOME;
- scratch: step folders left under OMNIGEN_HOME/tmp after the last restart and stop.

Every POST /generate carries an Idempotency-Key, and one the server did not answer (it was
being killed) is sent again with the same key, so a fault never makes a second job.

    python bench/soak.py [--minutes 3] [--concurrent 3] [--seed 1] [--json]

Exit 0 when lost, stuck, unexplained, orphans and scratch are all zero and every hostile request
got a 4xx; 1 otherwise. `make soak` runs it for 3 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "integration"))  # the /proc reader
sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "unit"))  # the PNG bomb the tests use
from helpers import bomb_png
from machine import describe, line
from procs import Proc, of_home, processes, wait_until

from omnigen.api.devserver import ServerDidNotStart, free_port, start_local_server, stop
from omnigen.samples import small_brief

TERMINAL = {"completed", "failed", "cancelled"}
BRIEF: dict[str, Any] = small_brief(
    prompt="A calm short spot about a morning walk in the park",
    duration_s=15,  # the length the recorded soak figures were measured at (bench/RESULTS.md)
)


def _brief(**product: Any) -> dict[str, Any]:
    return small_brief(product, prompt=BRIEF["prompt"], duration_s=BRIEF["duration_s"])


HOSTILE_BRIEFS: list[tuple[str, dict[str, Any]]] = [
    ("zero-width side effect", _brief(side_effects=["\u200b\u200b\u200b"])),
    ("NUL in brand", _brief(brand_name="Velt\x00rexa")),
    ("ESC title sequence in brand", _brief(brand_name="\x1b]0;pwned\x07Veltrexa")),
    ("BEL in brand", _brief(brand_name="Velt\x07rexa")),
    ("right-to-left override", _brief(brand_name="\u202eaxertleV")),
    ("Hebrew indication", _brief(indication="\u05e4\u05e1\u05d5\u05e8\u05d9\u05d0\u05d6\u05d9\u05e1")),
    ("Arabic indication", _brief(indication="\u0627\u0644\u0635\u062f\u0641\u064a\u0629")),
    ("emoji side effect", _brief(side_effects=["nausea \U0001f922"])),
    ("C1 CSI in style", BRIEF | {"style": "warm\x9b2J"}),
    ("isolate in prompt", BRIEF | {"prompt": "A calm\u2066 spot about a morning walk"}),
]


@dataclass
class Tally:
    hostile_tried: int = 0
    hostile_handled: int = 0
    hostile_failures: list[str] = field(default_factory=list)
    faults: dict[str, int] = field(default_factory=dict)
    restarts: int = 0
    submitted: list[str] = field(default_factory=list)
    post_retries: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def fault(self, kind: str) -> None:
        self.faults[kind] = self.faults.get(kind, 0) + 1


class Soak:
    def __init__(self, home: Path, rng: random.Random, concurrent: int):
        self.home = home
        self.rng = rng
        self.concurrent = concurrent
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/api/v1"
        self.env = {"OMNIGEN_MAX_CONCURRENT_JOBS": str(concurrent), "OMNIGEN_MAX_CONCURRENT_SCENES": "2"}
        self.server: subprocess.Popen[bytes] | None = None
        self.tally = Tally()
        self.status: dict[str, str] = {}
        self.bombs = {side: bomb_png(side, side) for side in (13000, 20000)}

    # -- the server -----------------------------------------------------------------------

    def start(self) -> None:
        for attempt in range(3):
            try:
                self.server = start_local_server(self.home, self.port, self.env, timeout_s=90)
                return
            except ServerDidNotStart:
                if attempt == 2:
                    raise
                time.sleep(1)

    def up(self) -> bool:
        return self.server is not None and self.server.poll() is None

    def workers(self) -> list[Proc]:
        if not self.up():
            return []
        assert self.server is not None
        out = []
        for p in processes():
            if p.ppid != self.server.pid or p.state == "Z":
                continue
            try:
                cmd = Path(f"/proc/{p.pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"multiprocessing.spawn" in cmd:
                out.append(p)
        return out

    def ffmpegs(self) -> list[Proc]:
        return [p for p in of_home(self.home) if p.comm.startswith("ffmpeg")]

    # -- requests ------------------------------------------------------------------------

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response | None:
        try:
            return httpx.request(method, self.base + path, timeout=30, **kw)
        except httpx.HTTPError:
            return None  # the server is being killed or restarted

    def submit(self) -> None:
        key = uuid.uuid4().hex
        brief = BRIEF | {"continuity": self.rng.choice(["parallel", "chain"]), "seed": self.rng.randrange(1000)}
        for _ in range(20):
            r = self.request("POST", "/generate", json=brief, headers={"Idempotency-Key": key})
            if r is not None and r.status_code == 202:
                job_id = r.json()["job_id"]
                if job_id not in self.tally.submitted:
                    self.tally.submitted.append(job_id)
                    self.status[job_id] = "queued"
                return
            self.tally.post_retries += 1
            self.ensure_up()
            time.sleep(0.5)
        raise RuntimeError("POST /generate never succeeded")

    def hostile_round(self) -> None:
        for name, body in HOSTILE_BRIEFS:
            self._expect_4xx(name, "POST", "/generate", json=body)
        as_json = {"content-type": "application/json"}
        deep = b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        self._expect_4xx("deep JSON body", "POST", "/generate", content=deep, headers=as_json)
        self._expect_4xx("non-UTF-8 body", "POST", "/generate", content=b'{"prompt": "caf\xe9"}', headers=as_json)
        for side, data in self.bombs.items():
            r = self.request(
                "POST", "/uploads", json={"filename": "p.png", "content_type": "image/png", "size_bytes": len(data)}
            )
            if r is None or r.status_code != 200:
                continue  # the server went down between rounds: not a probe of the upload
            url = r.json()["url"]
            url = url if url.startswith("http") else f"http://127.0.0.1:{self.port}{url}"
            self._count(f"{side}x{side} PNG bomb upload", self._send("PUT", url, content=data))

    def _send(self, method: str, url: str, **kw: Any) -> httpx.Response | None:
        try:
            return httpx.request(method, url, timeout=30, **kw)
        except httpx.HTTPError:
            return None

    def _expect_4xx(self, name: str, method: str, path: str, **kw: Any) -> None:
        if not self.up():
            return
        self._count(name, self.request(method, path, **kw))

    def _count(self, name: str, r: httpx.Response | None) -> None:
        self.tally.hostile_tried += 1
        if r is not None and 400 <= r.status_code < 500:
            self.tally.hostile_handled += 1
        else:
            self.tally.hostile_failures.append(f"{name}: {r.status_code if r is not None else 'no answer'}")

    def refresh(self) -> None:
        r = self.request("GET", "/jobs", params={"limit": 100})
        if r is None or r.status_code != 200:
            return
        for item in r.json()["items"]:
            if item["job_id"] in self.status:
                self.status[item["job_id"]] = item["status"]

    def running(self) -> list[str]:
        return [j for j, s in self.status.items() if s not in TERMINAL]

    # -- faults --------------------------------------------------------------------------

    def ensure_up(self) -> None:
        if not self.up():
            self.start()
            self.tally.restarts += 1

    def inject(self) -> str:
        """One fault; a fault with no target at that moment (no worker, no ffmpeg, nothing to
        cancel) is counted in `tally.skipped`, not as injected."""
        kind = self.rng.choice(["kill_worker", "kill_worker", "kill_server", "kill_ffmpeg", "cancel"])
        done = self._inject(kind)
        if done == "none":
            self.tally.skipped[kind] = self.tally.skipped.get(kind, 0) + 1
        return done

    def _inject(self, kind: str) -> str:
        if kind == "kill_worker":
            targets = self.workers()
            if not targets:
                return "none"
            os.kill(self.rng.choice(targets).pid, signal.SIGKILL)
        elif kind == "kill_ffmpeg":
            targets = wait_until(self.ffmpegs, timeout=15, poll=0.02)  # they come and go in seconds
            if not targets:
                return "none"
            os.kill(self.rng.choice(targets).pid, signal.SIGKILL)
        elif kind == "kill_server":
            if not self.up():
                return "none"
            assert self.server is not None
            self.server.send_signal(signal.SIGKILL)
            self.server.wait(30)
            time.sleep(self.rng.uniform(0.2, 2.0))
            self.ensure_up()
        else:
            running = self.running()
            if not running:
                return "none"
            r = self.request("POST", f"/jobs/{self.rng.choice(running)}/cancel")
            if r is None or r.status_code >= 500:
                return "none"
        self.tally.fault(kind)
        return kind


def _job_problem(soak: Soak, job_id: str, reasons: dict[str, int]) -> str | None:
    """Why a job's ending is not accounted for, or None when it is; a failed job's reason is
    counted in `reasons`."""
    r = soak.request("GET", f"/jobs/{job_id}")
    if r is None or r.status_code != 200:
        return f"{job_id}: GET answered {r.status_code if r is not None else 'nothing'}"
    job = r.json()
    if job["status"] == "failed":
        message = (job.get("error") or {}).get("message")
        if not message:
            return f"{job_id}: failed without a reason"
        reason = f"{job['error'].get('step')}: {message.splitlines()[0][:90]}"
        reasons[reason] = reasons.get(reason, 0) + 1
    if job["status"] == "completed":
        output = job["assets"].get("output")
        if not output or not (soak.home / "assets" / output).is_file():
            return f"{job_id}: completed without its MP4"
    return None


def run(minutes: float, concurrent: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    home = Path(tempfile.mkdtemp(prefix="omnigen-soak-"))
    soak = Soak(home, rng, concurrent)
    soak.start()
    started = time.monotonic()
    end_faults = started + minutes * 60
    soak.hostile_round()
    while time.monotonic() < end_faults:
        soak.ensure_up()
        soak.refresh()
        while len(soak.running()) < concurrent:
            soak.submit()
        time.sleep(rng.uniform(2.0, 6.0))
        soak.inject()
        if rng.random() < 0.3:
            soak.ensure_up()
            soak.hostile_round()
    # No more faults: every job must now end by itself.
    soak.ensure_up()
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        soak.ensure_up()
        soak.refresh()
        if not soak.running():
            break
        time.sleep(1)
    r = soak.request("GET", "/jobs", params={"limit": 100})
    listed = {j["job_id"] for j in r.json()["items"]} if r is not None and r.status_code == 200 else set()
    lost = [j for j in soak.tally.submitted if j not in listed]
    stuck = soak.running()
    reasons: dict[str, int] = {}
    unexplained = [p for j in soak.tally.submitted if j in listed for p in [_job_problem(soak, j, reasons)] if p]
    ends: dict[str, int] = {}
    for j in soak.tally.submitted:
        ends[soak.status[j]] = ends.get(soak.status[j], 0) + 1
    assert soak.server is not None
    stop(soak.server)
    wait_until(lambda: not of_home(home), timeout=15)  # a worker ends within its parent-watch poll
    orphans = [f"{p.pid} {p.comm}" for p in of_home(home)]
    scratch = sorted(p.name for p in (home / "tmp").iterdir()) if (home / "tmp").is_dir() else []
    faults = sum(soak.tally.faults.values())
    result = {
        "machine": describe(),
        "seed": seed,
        "minutes": minutes,
        "wall_s": round(time.monotonic() - started, 1),
        "jobs": len(soak.tally.submitted),
        "ends": ends,
        "failure_reasons": reasons,
        "hostile_tried": soak.tally.hostile_tried,
        "hostile_handled": soak.tally.hostile_handled,
        "hostile_failures": soak.tally.hostile_failures,
        "faults_injected": faults,
        "faults_by_kind": soak.tally.faults,
        "faults_without_target": soak.tally.skipped,
        "faults_survived": faults if not (lost or stuck or unexplained) else 0,
        "server_restarts": soak.tally.restarts,
        "post_retries": soak.tally.post_retries,
        "lost": lost,
        "stuck": stuck,
        "unexplained": unexplained,
        "orphans": orphans,
        "scratch_left": scratch,
        "home": str(home),
    }
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=3.0)
    ap.add_argument("--concurrent", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = run(args.minutes, args.concurrent, args.seed)
    ok = (
        not (result["lost"] or result["stuck"] or result["unexplained"] or result["orphans"] or result["scratch_left"])
        and result["hostile_handled"] == result["hostile_tried"]
    )
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(line())
        print(
            f"soak {result['minutes']} min (wall {result['wall_s']} s), seed {result['seed']}: "
            f"{result['jobs']} jobs {result['ends']}"
        )
        for reason, n in sorted(result["failure_reasons"].items(), key=lambda kv: -kv[1]):
            print(f"  failed x{n}: {reason}")
        print(f"hostile requests: {result['hostile_handled']}/{result['hostile_tried']} answered 4xx")
        for failure in result["hostile_failures"]:
            print(f"  not handled: {failure}")
        print(
            f"faults: {result['faults_injected']} injected {result['faults_by_kind']}, "
            f"{result['faults_survived']} survived; {result['server_restarts']} server restarts, "
            f"{result['post_retries']} POSTs re-sent with their Idempotency-Key"
        )
        for name in ("lost", "stuck", "unexplained", "orphans", "scratch_left"):
            print(f"{name}: {len(result[name])} {result[name] if result[name] else ''}".rstrip())
    if ok:
        subprocess.run(["rm", "-rf", result["home"]], check=False)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
