"""Turn low-level storage faults into messages a user can act on."""

from __future__ import annotations

import errno


def describe_os_error(err: OSError, what: str, where: str) -> str:
    """A sentence naming the operation, the place, and what to do about the fault."""
    if err.errno == errno.ENOSPC:
        return (
            f"{what} failed: the disk holding {where} is full. Free some space, then retry the job (omnigen retry JOB)."
        )
    if err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return (
            f"{what} failed: {where} is read-only or not writable by this user. "
            "Point OMNIGEN_HOME at a writable folder, then retry the job (omnigen retry JOB)."
        )
    return f"{what} failed at {where}: {err.strerror or err}"
