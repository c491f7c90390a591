"""Every shared brief, in each aspect, renders offline and passes the post-render QC (compose
fails the job when it does not, so a completed job is a passing QC report). Each brief in its own
aspect is `test_generate_offline`'s case (the same pipeline, through the command line); here are
the other two aspects of each."""

from __future__ import annotations

import json

import pytest
from conftest import SHARED_BRIEFS

from omnigen.brief import load_brief
from omnigen.config import load_settings
from omnigen.job import JobStatus
from omnigen.keys import JobKeys
from omnigen.pipeline.context import local_context
from omnigen.pipeline.launchers.threads import LocalRunner
from omnigen.pipeline.lifecycle import create_job

ASPECTS = ("16:9", "1:1", "9:16")
CASES = [
    pytest.param(path, aspect, id=f"{path.stem}-{aspect}")
    for path in sorted(SHARED_BRIEFS.glob("*.yaml"))
    for aspect in ASPECTS
    if aspect != load_brief(path).aspect_ratio
]


@pytest.mark.slow
@pytest.mark.parametrize(("brief_path", "aspect"), CASES)
def test_every_brief_in_every_aspect_passes_qc(tmp_path, brief_path, aspect):
    ctx = local_context(load_settings({"OMNIGEN_HOME": str(tmp_path)}))
    brief = load_brief(brief_path).model_copy(update={"aspect_ratio": aspect, "resolution": "360p"})
    job = LocalRunner(ctx).run(create_job(ctx, "local", brief).job_id)
    assert job.status == JobStatus.COMPLETED, f"{job.error.message}\n{job.error.detail}" if job.error else job
    qc = json.loads(ctx.assets.get_bytes(JobKeys(job.user_id, job.job_id).version(1).qc))
    assert qc["passed"] and all(t["words_read"] == 1.0 for t in qc["texts"]), json.dumps(qc["findings"], indent=1)
