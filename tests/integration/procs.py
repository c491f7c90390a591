"""What runs on this machine, read from Linux's /proc: the child ffmpegs of a process, and every
process started for one OMNIGEN_HOME (they inherit its environment), so tests and the soak
harness can prove that nothing outlives its job or its server."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    comm: str
    state: str


def _stat(pid: int) -> Proc | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    head, _, rest = raw.rpartition(")")
    fields = rest.split()
    return Proc(pid, int(fields[1]), head.split("(", 1)[1], fields[0])


def processes() -> list[Proc]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            p = _stat(int(entry))
            if p is not None:
                out.append(p)
    return out


def alive(pid: int) -> bool:
    p = _stat(pid)
    return p is not None and p.state != "Z"


def zombie(pid: int) -> bool:
    """Ended but not yet reaped by its parent."""
    p = _stat(pid)
    return p is not None and p.state == "Z"


def cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def ffmpeg_children(parent: int, *, renders: bool = True) -> list[Proc]:
    """ffmpegs `parent` started; with `renders`, not the `-version` probe imageio-ffmpeg runs."""
    found = [p for p in processes() if p.ppid == parent and p.comm.startswith("ffmpeg") and p.state != "Z"]
    return [p for p in found if not renders or "-version" not in cmdline(p.pid)]


def of_home(home: Path) -> list[Proc]:
    """Live processes whose environment names this OMNIGEN_HOME (servers, workers, ffmpeg)."""
    needle = f"OMNIGEN_HOME={home}".encode()
    found = []
    for p in processes():
        if p.state == "Z" or p.pid == os.getpid():
            continue
        try:
            env = Path(f"/proc/{p.pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if needle in env:
            found.append(p)
    return found


def wait_until(predicate, timeout: float, poll: float = 0.05):  # type: ignore[no-untyped-def]
    """The predicate's first truthy value within `timeout` seconds, else its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(poll)
