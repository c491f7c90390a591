"""Load on one local server: 200 SSE subscribers on running jobs while 50 jobs are created.

Prints p50/p99 of event delivery latency (the event's stored `updated_at` → the subscriber has
parsed it, same machine clock) and of `POST /generate`. Targets: delivery p99 ≤ 250 ms,
POST p99 ≤ 50 ms. Traffic stays on 127.0.0.1; the run is bounded in count and time.

    python bench/api.py [--subscribers 200] [--creates 50] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from machine import describe, line

from omnigen.api.devserver import free_port, start_local_server

BRIEF = {
    "prompt": "A calm short spot about a morning walk in the park",
    "duration_s": 10,
    "resolution": "360p",
    "continuity": "parallel",
    "product": {
        "brand_name": "Aerisol",
        "generic_name": "fluticaprone",
        "indication": "seasonal allergies",
        "side_effects": ["nosebleeds"],
        "phone": "1-800-555-0123",
        "website": "aerisol.example",
        "print_ad": "See our ad in Urban Living",
    },
}


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, round(q / 100 * (len(s) - 1)))]


async def subscriber(client: httpx.AsyncClient, job_id: str, delays: list[float], stop: asyncio.Event) -> None:
    async with client.stream("GET", f"/jobs/{job_id}/progress") as r:
        async for raw in r.aiter_lines():
            if raw.startswith("data: "):
                event = json.loads(raw[6:])
                stored = datetime.fromisoformat(event["updated_at"]).timestamp()
                delays.append((time.time() - stored) * 1000)
                if event["status"] in ("completed", "failed", "cancelled"):
                    return
            if stop.is_set():
                return


async def run(base: str, subscribers: int, creates: int, seconds: float) -> dict[str, object]:
    limits = httpx.Limits(max_connections=subscribers + 50, max_keepalive_connections=subscribers + 50)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=httpx.Timeout(60, read=None)) as client:
        running = [(await client.post("/generate", json=BRIEF)).json()["job_id"] for _ in range(2)]
        stop = asyncio.Event()
        delays: list[float] = []
        subs = [
            asyncio.create_task(subscriber(client, running[i % len(running)], delays, stop)) for i in range(subscribers)
        ]
        post_ms: list[float] = []
        created: list[str] = []
        for i in range(creates):
            t0 = time.perf_counter()
            r = await client.post("/generate", json=BRIEF | {"prompt": f"{BRIEF['prompt']} number {i}"})
            post_ms.append((time.perf_counter() - t0) * 1000)
            created.append(r.json()["job_id"])
            await asyncio.sleep(0.05)
        done, pending = await asyncio.wait(subs, timeout=seconds)
        stop.set()
        for t in pending:
            t.cancel()
        for job_id in created + running:
            await client.post(f"/jobs/{job_id}/cancel")
    return {
        "events": len(delays),
        "subscribers_finished": len(done),
        "delivery_p50_ms": round(pct(delays, 50), 1),
        "delivery_p99_ms": round(pct(delays, 99), 1),
        "delivery_mean_ms": round(statistics.fmean(delays), 1) if delays else None,
        "post_p50_ms": round(pct(post_ms, 50), 1),
        "post_p99_ms": round(pct(post_ms, 99), 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subscribers", type=int, default=200)
    ap.add_argument("--creates", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="omnigen-api-bench-") as home:
        server = start_local_server(
            Path(home), port, {"OMNIGEN_MAX_CONCURRENT_JOBS": "2", "OMNIGEN_MAX_CONCURRENT_SCENES": "2"}
        )
        try:
            result = asyncio.run(run(f"http://127.0.0.1:{port}/api/v1", args.subscribers, args.creates, args.seconds))
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
    print(f"machine: {line()}")
    print(f"{args.subscribers} SSE subscribers, {args.creates} job creations: {result['events']} events delivered")
    print(f"event delivery: p50 {result['delivery_p50_ms']} ms, p99 {result['delivery_p99_ms']} ms (target <= 250)")
    print(f"POST /generate: p50 {result['post_p50_ms']} ms, p99 {result['post_p99_ms']} ms (target <= 50)")
    if args.json:
        print(json.dumps(result | {"machine": describe()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
