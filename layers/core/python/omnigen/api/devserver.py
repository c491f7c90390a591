"""Start `omnigen serve` as a child process on loopback and wait until it answers: what the
benchmarks and the end-to-end tests (server restart, browser) all need, written once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerDidNotStart(RuntimeError):
    pass


def start_local_server(
    home: Path, port: int, env: dict[str, str] | None = None, timeout_s: float = 60.0
) -> subprocess.Popen[bytes]:
    """`omnigen serve --host 127.0.0.1 --port PORT` with offline providers and OMNIGEN_HOME=home,
    output in home/serve.log; returns once GET /api/v1/health answers 200."""
    home.mkdir(parents=True, exist_ok=True)
    log_path = home / "serve.log"
    full_env = os.environ | {"OMNIGEN_HOME": str(home), "OMNIGEN_PROVIDERS": "local"} | (env or {})
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "omnigen.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise ServerDidNotStart(f"omnigen serve did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


def stop(proc: subprocess.Popen[bytes], timeout_s: float = 20.0) -> None:
    proc.terminate()
    try:
        proc.wait(timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
