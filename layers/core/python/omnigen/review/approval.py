"""Deciding on a version: who may, and when an approval is allowed. An approval binds to the
version's content hash (its MP4, timeline, compliance and QC reports), so it proves later exactly
what was approved; approving is final, and any edit renders a new version needing its own."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from omnigen.job import VersionRecord
from omnigen.review.people import Caller
from omnigen.review.state import Decision, DecisionRecord, ReviewState

HASHED = ("output", "timeline", "compliance", "qc")
"""The artefacts of a version an approval covers, by their names in `VersionKeys.all()`."""


def content_hash(digests: Mapping[str, str | None]) -> str:
    """One SHA-256 over the SHA-256 of each covered artefact (None: the version has no such file)."""
    canonical = json.dumps({name: digests.get(name) for name in HASHED}, sort_keys=True)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


class DecisionRefused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class VersionChecks:
    """What a version's own reports say: errors found, and whether the compose recorded an
    override (`allow_noncompliant`) that let it be made despite them."""

    compliance_errors: int
    qc_errors: int
    override_recorded: bool

    @property
    def errors(self) -> int:
        return self.compliance_errors + self.qc_errors


def checks_of(rec: VersionRecord) -> VersionChecks:
    return VersionChecks(
        compliance_errors=int(rec.compliance.get("errors", 0)),
        qc_errors=int(rec.qc.get("errors", 0)),
        override_recorded=bool(rec.compliance.get("allow_noncompliant") or rec.qc.get("allow_noncompliant")),
    )


ReviewStatus = Literal["pending", "approved", "changes_requested", "rejected"]


class VersionReview(BaseModel):
    """A version's review state: its content hash, every decision, and whether it can be approved."""

    job_id: str
    version: int
    status: ReviewStatus
    content_hash: str
    """Computed now from the version's files."""
    recorded_hash: str | None
    """Recorded when it was rendered; the two differ only if its files were changed."""
    approval: DecisionRecord | None
    decisions: list[DecisionRecord]
    compliance_errors: int
    qc_errors: int
    override_recorded: bool
    open_comments: int


def check_decision(
    *,
    caller: Caller,
    owner: str,
    version: int,
    decision: Decision,
    override: str | None,
    state: ReviewState,
    recorded_hash: str | None,
    current_hash: str,
    checks: VersionChecks,
    allow_self_approval: bool,
) -> None:
    """Raise `DecisionRefused` (403 or 409) naming why this decision cannot be recorded."""
    if not caller.reviewer:
        raise DecisionRefused(403, "only reviewers decide on a version; ask a reviewer to approve it")
    if decision == "approved" and caller.user_id == owner and not allow_self_approval:
        raise DecisionRefused(
            403, "you made this version, so you cannot approve it yourself; share it with another reviewer"
        )
    if state.approval(version) is not None:
        raise DecisionRefused(
            409,
            f"version {version} is approved and cannot change; edit the timeline and re-compose to make a new version",
        )
    if recorded_hash is not None and recorded_hash != current_hash:
        raise DecisionRefused(
            409, f"version {version}'s files no longer match the content hash recorded when it was rendered"
        )
    if decision != "approved":
        return
    if checks.errors and not checks.override_recorded:
        raise DecisionRefused(409, f"version {version} has {checks.errors} error(s) and no recorded override")
    if checks.errors and not (override or "").strip():
        raise DecisionRefused(
            409,
            f"version {version} was made despite {checks.compliance_errors} compliance and {checks.qc_errors} QC "
            "error(s) (override recorded); approving it needs `override`: your reason for accepting them",
        )
