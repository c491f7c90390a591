"""Small helpers the Replicate tests share: a recording call context and test images."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from omnigen.providers.ports import CallContext, ProviderCall


@dataclass
class Recorder:
    """A CallContext whose calls, progress and cancel flag a test can see and flip."""

    job_id: str = "job-test"
    calls: list[ProviderCall] = field(default_factory=list)
    progress: list[tuple[float, str]] = field(default_factory=list)
    cancelled: threading.Event = field(default_factory=threading.Event)

    def ctx(self) -> CallContext:
        return CallContext(
            job_id=self.job_id,
            is_cancelled=self.cancelled.is_set,
            progress=lambda f, m="": self.progress.append((f, m)),
            record=self.calls.append,
        )


def png(path: Path, size: tuple[int, int] = (64, 36), noise: bool = False) -> Path:
    """A PNG of `size`; with `noise` its bytes do not compress (for a file over 1 MB)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if noise:
        Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(path)
    else:
        Image.new("RGB", size, (40, 120, 90)).save(path)
    return path
