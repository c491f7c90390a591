"""Change notifications from job writes to waiting SSE/WebSocket handlers.

Job updates happen on worker threads; subscribers wait on asyncio events in the server's loop.
`NotifyingJobStore` wraps any JobStore and pings the feed after each write, so progress reaches a
client as soon as it is stored instead of on the next poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from omnigen.job import Job, ProgressEvent
from omnigen.store.ports import JobStore


class ChangeFeed:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}

    def notify(self, job_id: str) -> None:
        with self._lock:
            waiters = list(self._waiters.get(job_id, ()))
        for loop, event in waiters:
            with contextlib.suppress(RuntimeError):  # a closed loop: its subscriber is gone
                loop.call_soon_threadsafe(event.set)

    @contextmanager
    def subscribe(self, job_id: str) -> Iterator[asyncio.Event]:
        item = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.setdefault(job_id, set()).add(item)
        try:
            yield item[1]
        finally:
            with self._lock:
                group = self._waiters.get(job_id)
                if group is not None:
                    group.discard(item)
                    if not group:
                        del self._waiters[job_id]


class NotifyingJobStore:
    """A JobStore that tells the feed about every write (and otherwise delegates)."""

    def __init__(self, inner: JobStore, feed: ChangeFeed):
        self.inner = inner
        self.feed = feed

    def create(self, job: Job) -> Job:
        saved = self.inner.create(job)
        self.feed.notify(saved.job_id)
        return saved

    def update(self, job_id: str, change: Callable[[Job], None]) -> Job:
        saved = self.inner.update(job_id, change)
        self.feed.notify(job_id)
        return saved

    def get(self, job_id: str) -> Job | None:
        return self.inner.get(job_id)

    def list_for_user(self, user_id: str, limit: int = 20, before: str | None = None) -> list[Job]:
        return self.inner.list_for_user(user_id, limit, before)

    def events(self, job_id: str, after_seq: int = 0) -> list[ProgressEvent]:
        return self.inner.events(job_id, after_seq)

    def unfinished(self) -> list[Job]:
        return self.inner.unfinished()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
