"""Rendering yields the CPU to whatever serves people.

On a small machine the local server's event loop, its request threads and its progress streams
share the cores with the renders: the pipeline's Python threads (frames, music, speech) and
the ffmpeg processes they start. All of that background work runs at nice `BACKGROUND_NICE`, so
the scheduler gives a core to a request first and the renders still take every spare cycle
(`bench/api.py` measures the difference; see bench/RESULTS.md).

Linux schedules each thread on its own, so a thread can be reniced by its native id; threads
and processes it starts inherit its nice value. Where that is not supported the work simply
runs at normal priority.
"""

from __future__ import annotations

import contextlib
import os
import threading

BACKGROUND_NICE = 10


def _renice(who: int) -> None:
    with contextlib.suppress(OSError, AttributeError):  # gone already, or not supported here
        if os.getpriority(os.PRIO_PROCESS, who) < BACKGROUND_NICE:
            os.setpriority(os.PRIO_PROCESS, who, BACKGROUND_NICE)


def lower_this_thread() -> None:
    """Make the calling thread (and what it starts from now on) background work."""
    _renice(threading.get_native_id())


def lower_process(pid: int) -> None:
    """Make a child process background work, after it has started. (Doing it in a
    `preexec_fn` makes Python fork() the whole server while holding the GIL.)"""
    _renice(pid)
