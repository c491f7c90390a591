"""Progress to WebSocket clients on AWS, where the connections live in API Gateway: each saved
change of a job (a jobs-table stream record) becomes the job's progress event, sent to every
connection subscribed to it; a connection that has gone is forgotten. The local server streams
the same events itself (routes_progress)."""

from __future__ import annotations

import logging

from omnigen.job import Job
from omnigen.store.ports import Connections, WebSocketPush

log = logging.getLogger("omnigen.fanout")


def deliver_progress(job: Job, connections: Connections, push: WebSocketPush) -> None:
    """Raises (StoreError) when a connection could not be reached for another reason than its
    being gone, so the caller can report the change as undelivered and have it sent again."""
    data = job.event().model_dump_json().encode()
    for connection_id in connections.subscribers(job.job_id):
        if not push.send(connection_id, data):
            log.info("connection %s gone", connection_id)
            connections.remove(connection_id)
