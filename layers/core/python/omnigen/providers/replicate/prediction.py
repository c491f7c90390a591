"""A prediction as Replicate's HTTP API reports it, read with our own model rather than the client's.

replicate-python 1.0.x declares `status: Literal["starting", "processing", "succeeded", "failed",
"canceled"]` (replicate/prediction.py), but the API's own schema (`schemas_prediction_response`)
also has `aborted`: "terminated before it started running (for example, when a deadline is
reached before the prediction starts)". The client's parser raises a pydantic ValidationError on
such a reply — for `predictions.get`, and for a whole `predictions.list` page holding one. So
every read goes through the client's HTTP transport (its retries, auth and errors) and is parsed
here, where an unknown status is kept as text instead of failing the read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from omnigen.providers.ports import ProviderError

TERMINAL = frozenset({"succeeded", "failed", "canceled", "aborted"})
"""Statuses after which a prediction never changes (and stops billing)."""


class PredictionState(BaseModel):
    """The fields of a prediction the runner acts on."""

    model_config = ConfigDict(extra="ignore")

    id: str
    model: str = ""
    version: str | None = None
    status: str
    input: dict[str, Any] | None = None
    output: Any = None
    error: str | None = None
    logs: str | None = None
    metrics: dict[str, Any] | None = None
    created_at: datetime | None = None
    source: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL

    def age_s(self) -> float:
        """Seconds since Replicate created it (0 when it does not say)."""
        if self.created_at is None:
            return 0.0
        created = self.created_at if self.created_at.tzinfo else self.created_at.replace(tzinfo=UTC)
        return max(0.0, (datetime.now(UTC) - created).total_seconds())


def parse_prediction(data: Any, what: str) -> PredictionState:
    """A prediction from an API reply; a reply that is not one is a retryable error naming it."""
    try:
        return PredictionState.model_validate(data)
    except ValidationError as err:
        raise ProviderError(
            f"Replicate answered {what} with something that is not a prediction ({err.error_count()} problem(s): "
            f"{err.errors()[0]['msg']}); try again.",
            retryable=True,
        ) from None


def base_model(model: str) -> str:
    """`owner/name` of `owner/name` or a pinned `owner/name:version`."""
    return model.split(":", 1)[0]


def pinned_version(model: str) -> str | None:
    """The version id of a pinned `owner/name:version`, else None."""
    _, sep, version = model.partition(":")
    return version if sep and version else None


def fingerprint(model: str, inputs: Mapping[str, Any]) -> str:
    """A stable hash of a request: the model and its inputs, a file by its content (so a file
    uploaded again under a new URL is still the same request)."""

    def plain(value: Any) -> Any:
        if isinstance(value, Path):
            return "sha256:" + hashlib.sha256(value.read_bytes()).hexdigest()
        if isinstance(value, Mapping):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    text = json.dumps({"model": model, "input": plain(inputs)}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def same_request(sent: Mapping[str, Any], listed: Mapping[str, Any] | None) -> bool:
    """Whether a listed prediction's input is the request we sent. Files are left out of the
    comparison (Replicate may keep a data URI or an upload under another URL); every other field
    must be equal, and the field names the same."""
    if listed is None or set(sent) != set(listed):
        return False

    def is_file(v: Any) -> bool:
        return isinstance(v, str) and v.startswith(("data:", "http://", "https://"))

    for key, value in sent.items():
        other = listed[key]
        if isinstance(value, list) and all(is_file(v) for v in value):
            if not isinstance(other, list) or len(other) != len(value):
                return False
            continue
        if is_file(value) and is_file(other):
            continue
        if value != other:
            return False
    return True
