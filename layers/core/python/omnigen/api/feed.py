"""Change notifications from job writes to waiting SSE/WebSocket handlers.

Job updates happen on worker threads; subscribers wait on asyncio events in the server's loop.
`NotifyingJobStore` wraps any JobStore and pings the feed after each write, so progress reaches a
client as soon as it is stored instead of on the next poll.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from omnigen.job import ProgressEvent
from omnigen.store.ports import JobStore
from omnigen.store.reporting import ReportingJobStore


class ChangeFeed:
    """Wakes the handlers streaming a job when it changes. A change is handed to each event loop
    once, by one thread-safe call that sets every waiter of that job there, rather than by one
    thread-safe call per subscriber."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[str, dict[asyncio.AbstractEventLoop, set[asyncio.Event]]] = {}

    def notify(self, job_id: str) -> None:
        with self._lock:
            loops = list(self._waiters.get(job_id, ()))
        for loop in loops:
            with contextlib.suppress(RuntimeError):  # a closed loop: its subscribers are gone
                loop.call_soon_threadsafe(self._wake, job_id, loop)

    def _wake(self, job_id: str, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            events = list(self._waiters.get(job_id, {}).get(loop, ()))
        for event in events:
            event.set()

    @contextmanager
    def subscribe(self, job_id: str) -> Iterator[asyncio.Event]:
        loop, event = asyncio.get_running_loop(), asyncio.Event()
        with self._lock:
            self._waiters.setdefault(job_id, {}).setdefault(loop, set()).add(event)
        try:
            yield event
        finally:
            with self._lock:
                by_loop = self._waiters.get(job_id, {})
                group = by_loop.get(loop)
                if group is not None:
                    group.discard(event)
                    if not group:
                        del by_loop[loop]
                if not by_loop:
                    self._waiters.pop(job_id, None)


class NotifyingJobStore(ReportingJobStore):
    """A JobStore that tells the feed about every write and serves progress events from a
    per-job cache: a hundred clients watching one job cost one store read per change, not a
    hundred. The cache is refreshed after a write is reported (`changed`: by this process, or by
    a worker process through the launcher), or when a reader asks (`invalidate`) because another
    process, such as a CLI job on the same database, may have written it."""

    KEEP = 2000  # events kept per job; an older resume point reads the store directly

    def __init__(self, inner: JobStore, feed: ChangeFeed):
        super().__init__(inner, self.changed)
        self.feed = feed
        self._lock = threading.Lock()
        self._events: dict[str, list[ProgressEvent]] = {}
        self._stale: set[str] = set()

    def invalidate(self, job_id: str) -> None:
        with self._lock:
            self._stale.add(job_id)

    def changed(self, job_id: str) -> None:
        """The job was written, here or by a worker process: refresh its events and wake its
        streams."""
        self.invalidate(job_id)
        self.feed.notify(job_id)

    def events(self, job_id: str, after_seq: int = 0) -> list[ProgressEvent]:
        with self._lock:
            cached = self._events.get(job_id)
            if cached is None or job_id in self._stale:
                base = cached[-1].seq if cached else 0
                cached = (cached or []) + self.inner.events(job_id, base)
                self._events[job_id] = cached = cached[-self.KEEP :]
                self._stale.discard(job_id)
                if len(self._events) > 1000:  # forget the job seen longest ago
                    self._events.pop(next(iter(self._events)))
        if cached and after_seq < cached[0].seq - 1:
            return self.inner.events(job_id, after_seq)
        if not cached or cached[-1].seq <= after_seq:
            return []
        start = bisect.bisect_right(cached, after_seq, key=lambda e: e.seq)
        return cached[start:]
