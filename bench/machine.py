"""The machine a benchmark ran on, printed with every figure so results can be compared."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe() -> dict[str, str | int]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gib = 0.0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        mem_gib = round(kb / 1024 / 1024, 1)
    return {
        "cores": os.cpu_count() or 0,
        "cpu": cpu,
        "memory_gib": mem_gib,
        "python": platform.python_version(),
        "system": platform.platform(terse=True),
    }


def line() -> str:
    m = describe()
    return f"{m['cores']} cores, {m['cpu']}, {m['memory_gib']} GiB, Python {m['python']}, {m['system']}"
