"""Compliance in the pipeline: the writer gets the findings back a bounded number of times and a
script that still breaks a rule fails the job with its report; compose refuses an edit with
errors unless told to allow it, and the stored report says so."""

from __future__ import annotations

import json

import pytest
from conftest import SHARED_BRIEFS

from omnigen.brief import load_brief
from omnigen.compliance import load_policy
from omnigen.config import load_settings
from omnigen.job import JobStatus
from omnigen.keys import JobKeys
from omnigen.pipeline import draft
from omnigen.pipeline.context import local_context
from omnigen.pipeline.launchers.threads import LocalRunner
from omnigen.pipeline.lifecycle import ComplianceFailed, create_job
from omnigen.pipeline.steps import compose, load_timeline


@pytest.fixture
def ctx(tmp_path):
    return local_context(load_settings({"OMNIGEN_HOME": str(tmp_path)}))


def test_a_script_that_cannot_comply_fails_the_job_with_the_report(ctx):
    brief = load_brief(SHARED_BRIEFS / "anticoagulant_60s.yaml").model_copy(
        update={"duration_s": 10, "resolution": "360p"}
    )
    job = LocalRunner(ctx).run(create_job(ctx, "local", brief).job_id)
    assert job.status == JobStatus.FAILED and job.error.step == "write_script"
    assert "compliance rule" in job.error.message and "FIT-DURATION" in job.error.detail
    tries = [c for c in job.provider_calls if c["capability"] == "script"]
    assert len(tries) == load_policy(None).max_writer_retries + 1  # findings went back, bounded
    report = json.loads(ctx.assets.get_bytes(JobKeys("local", job.job_id).compliance))
    assert report["errors"] >= 1 and any(f["rule"] == "FIT-DURATION" for f in report["findings"])


def test_compose_refuses_a_noncompliant_edit_unless_allowed_and_records_it(ctx):
    brief = load_brief(SHARED_BRIEFS / "psoriasis_30s.yaml").model_copy(update={"resolution": "360p"})
    job = LocalRunner(ctx).run(create_job(ctx, "local", brief).job_id)
    assert job.status == JobStatus.COMPLETED, job.error
    keys = JobKeys("local", job.job_id)
    timeline = load_timeline(ctx, job)
    small = [t.model_copy(update={"cap_height": 0.02}) if t.kind == "major_statement" else t for t in timeline.texts]
    edited = timeline.model_copy(update={"texts": small})
    draft.update(ctx, job.job_id, lambda _: edited)
    with pytest.raises(ComplianceFailed, match="allow-noncompliant"):
        compose(ctx, job.job_id, version=2)
    assert not ctx.assets.exists(keys.output(2))
    # The refused check is kept apart from the job's report (still version 1's) and recorded as
    # the draft's refusal.
    assert json.loads(ctx.assets.get_bytes(keys.compliance))["version"] == 1
    refused = json.loads(ctx.assets.get_bytes(keys.refused))["compliance"]
    assert any(f["rule"] == "MS-LEGIBILITY" for f in refused["findings"]) and refused["allow_noncompliant"] is False
    assert refused["made"] is False and "MS-LEGIBILITY" in ctx.jobs.get(job.job_id).refusal.message
    compose(ctx, job.job_id, version=2, allow_noncompliant=True)
    assert ctx.assets.exists(keys.output(2))
    report = json.loads(ctx.assets.get_bytes(keys.compliance))
    assert report["allow_noncompliant"] is True and report["version"] == 2
    assert load_timeline(ctx, ctx.jobs.get(job.job_id)).texts == small
