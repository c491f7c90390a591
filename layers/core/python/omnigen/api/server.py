"""`omnigen serve`: uvicorn on the local app, with restart safety.

At start, every job left unfinished by a previous server (or a killed CLI) is resumed: the steps
reuse what was stored, so nothing a user made is lost and no job stays "generating" forever.
"""

from __future__ import annotations

import gc
import logging
import sys

from omnigen.api.app import create_app, is_loopback, local_services
from omnigen.api.deps import Services
from omnigen.config import ConfigError, Settings

log = logging.getLogger("omnigen.serve")


def recover(services: Services) -> list[str]:
    """Resume every unfinished job (in the background); returns their ids."""
    ids = []
    for job in services.ctx.jobs.unfinished():
        services.launcher.start(job.job_id)
        ids.append(job.job_id)
    return ids


def settle_heap() -> None:
    """Move everything made at start (modules, the app, its services) out of the collector's
    sight: a full collection would otherwise walk all of it again whenever the objects of a few
    hundred connections push the collector into its oldest generation. Under bench/api.py's
    200-stream connection storm such a collection paused every thread for 56-142 ms; after
    `gc.freeze()` none ran during the benchmark."""
    gc.collect()
    gc.freeze()


def serve(host: str, port: int, settings: Settings) -> int:
    import uvicorn

    if not is_loopback(host) and not settings.api_token and not settings.users_file:
        raise ConfigError(
            f"serving on {host} (beyond this machine) needs OMNIGEN_API_TOKEN (a long random secret that "
            "clients send as 'Authorization: Bearer <token>') or OMNIGEN_USERS_FILE, or serve on 127.0.0.1"
        )
    services = local_services(settings, host)
    resumed = recover(services)
    if resumed:
        print(f"resuming {len(resumed)} unfinished job(s): {', '.join(resumed)}", file=sys.stderr)
    app = create_app(services)
    settle_heap()
    print(f"OmniGen on http://{host}:{port}/ (API docs at /api/v1/docs)", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0
