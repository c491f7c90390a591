"""Live progress: SSE per job and one WebSocket for many jobs, sending the same JSON.

SSE events are `event: progress`, `id: <seq>`; a client that reconnects with `Last-Event-ID`
(or `?last_event_id=`, for EventSource) gets every event after it. A comment line is sent as a
heartbeat every 15 s and the stream ends after a terminal status.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse

from omnigen.api.access import readable_job
from omnigen.api.auth import AuthError
from omnigen.api.deps import CallerDep, Services, ServicesDep
from omnigen.api.problems import ApiError
from omnigen.job import ProgressEvent

router = APIRouter(tags=["progress"])
HEARTBEAT_S = 15.0
POLL_S = 1.0  # fallback for writers in other processes (e.g. a CLI job on the same database)


def sse_frame(event: ProgressEvent) -> str:
    return f"event: progress\nid: {event.seq}\ndata: {event.as_json()}\n\n"


async def event_batches(
    svc: Services, job_id: str, after: int, past_terminal: bool = False
) -> AsyncIterator[list[ProgressEvent] | None]:
    """Events after `after` in the batches they are found in (a client gets everything new in
    one write); None when a heartbeat is due. Ends after the terminal event, unless
    `past_terminal`: a finished job still changes when it is re-composed (every event of that
    carries the terminal status), and a WebSocket subscription, like API Gateway's on AWS,
    lasts until the client unsubscribes or goes."""
    last = after
    idle = 0.0
    with svc.feed.subscribe(job_id) as changed:
        while True:
            changed.clear()
            batch = svc.ctx.jobs.events(job_id, last)
            ended = None if past_terminal else next((i for i, e in enumerate(batch) if e.status.terminal), None)
            if ended is not None:
                yield batch[: ended + 1]
                return
            if batch:
                last = batch[-1].seq
                idle = 0.0
                yield batch
            try:
                # a timeout scope, not wait_for: wait_for wraps the wait in a new Task, and with
                # hundreds of streams that is a Task per stream per event
                async with asyncio.timeout(POLL_S):
                    await changed.wait()
            except TimeoutError:
                # nothing from this process: look in the store itself (another process may write)
                getattr(svc.ctx.jobs, "invalidate", lambda _job_id: None)(job_id)
                idle += POLL_S
                if idle >= HEARTBEAT_S:
                    idle = 0.0
                    yield None


async def job_events(
    svc: Services, job_id: str, after: int, past_terminal: bool = False
) -> AsyncIterator[ProgressEvent | None]:
    """The same stream one event at a time (None: a heartbeat is due)."""
    async for batch in event_batches(svc, job_id, after, past_terminal):
        if batch is None:
            yield None
            continue
        for event in batch:
            yield event


@router.get(
    "/jobs/{job_id}/progress",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "an SSE stream"},
        400: {"description": "Last-Event-ID is not a number"},
    },
)
def progress(
    svc: ServicesDep,
    caller: CallerDep,
    job_id: str,
    last_event_id: Annotated[str | None, Header()] = None,
    last_event_id_q: Annotated[int | None, Query(alias="last_event_id", ge=0)] = None,
) -> StreamingResponse:
    readable_job(svc, caller, job_id)  # the owner, or a reviewer it is shared with
    after = last_event_id_q or 0
    if last_event_id:
        try:
            after = max(after, int(last_event_id))
        except ValueError:
            raise ApiError(400, "Last-Event-ID must be the number of the last event received") from None

    async def stream() -> AsyncIterator[str]:
        yield "retry: 1000\n\n"
        async for batch in event_batches(svc, job_id, after):
            yield ": heartbeat\n\n" if batch is None else "".join(sse_frame(e) for e in batch)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.websocket("/ws")
async def websocket(ws: WebSocket, token: str | None = None) -> None:
    """Send `{"action": "subscribe", "job_id": ..., "last_seq": 0}`; receive progress JSON, also
    a finished job's re-compose, until `{"action": "unsubscribe", "job_id": ...}` or the socket
    closes."""
    svc: Services = ws.app.state.services
    try:
        caller = svc.auth.caller(f"Bearer {token}" if token else ws.headers.get("authorization"))
    except AuthError:
        await ws.close(code=4401)
        return
    await ws.accept()
    tasks: dict[str, asyncio.Task[None]] = {}

    async def pump(job_id: str, after: int) -> None:
        async for event in job_events(svc, job_id, after, past_terminal=True):
            if event is not None:
                await ws.send_text(event.as_json())

    try:
        while True:
            raw = await ws.receive_text()
            try:
                msg = json.loads(raw)
                action, job_id = msg.get("action"), str(msg.get("job_id", ""))
                after = int(msg.get("last_seq", 0))
            except (ValueError, AttributeError, TypeError):
                await ws.send_json({"error": 'send JSON like {"action": "subscribe", "job_id": "..."}'})
                continue
            if action == "subscribe":
                try:
                    readable_job(svc, caller, job_id)
                except ApiError:
                    await ws.send_json({"error": f"no job {job_id}", "job_id": job_id})
                    continue
                if job_id not in tasks or tasks[job_id].done():
                    tasks[job_id] = asyncio.create_task(pump(job_id, after))
            elif action == "unsubscribe" and job_id in tasks:
                tasks.pop(job_id).cancel()
            else:
                await ws.send_json({"error": f"unknown action {action!r}; use subscribe or unsubscribe"})
    except WebSocketDisconnect:
        pass
    finally:
        for task in tasks.values():
            task.cancel()
        for task in tasks.values():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
