"""A job's life around the steps (omnigen.pipeline.lifecycle): usage counted once per job and once
per ending whichever runner ends it, the brief stored once (a retry's brief and brief.json
agree), and `stage` derived from the status, never stored."""

from __future__ import annotations

import io
import json
import sqlite3

from api_harness import small_brief
from PIL import Image

from omnigen.brief import parse_brief
from omnigen.config import load_settings
from omnigen.job import JobStatus
from omnigen.keys import JobKeys
from omnigen.pipeline import lifecycle
from omnigen.pipeline.context import local_context
from omnigen.usage import Usage, month_of


def _ctx(tmp_path):  # type: ignore[no-untyped-def]
    return local_context(load_settings({"OMNIGEN_HOME": str(tmp_path), "OMNIGEN_PROVIDERS": "local"}))


def test_usage_counts_a_job_when_created_and_once_when_it_ends(tmp_path):
    ctx = _ctx(tmp_path)
    done = lifecycle.create_job(ctx, "ann", parse_brief(small_brief()))
    stopped = lifecycle.create_job(ctx, "ann", parse_brief(small_brief()))
    month = month_of(done.created_at)
    assert ctx.usage.usage("ann", month) == Usage(month=month, jobs=2)

    ctx.jobs.update(done.job_id, lambda j: setattr(j, "cost_usd", 0.75))
    lifecycle.finalize(ctx, done.job_id)
    lifecycle.finalize(ctx, done.job_id)  # a retried finalize (Step Functions) adds nothing
    lifecycle.fail_job(ctx, done.job_id, {"step": "x", "message": "late"})  # nor a late failure
    lifecycle.cancel_job(ctx, stopped.job_id)
    lifecycle.fail_job(ctx, stopped.job_id, {"step": "x", "message": "after the cancel"})

    assert ctx.jobs.get(done.job_id).status == JobStatus.COMPLETED
    assert ctx.jobs.get(stopped.job_id).status == JobStatus.CANCELLED
    assert ctx.usage.usage("ann", month) == Usage(month=month, jobs=2, completed=1, video_seconds=12, cost_usd=0.75)
    assert ctx.usage.usage("bob", month) == Usage(month=month)


def _png(path):  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    Image.new("RGB", (400, 400), "#3366aa").save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return path


def test_a_retry_stores_its_brief_once_with_the_image_it_reuses(tmp_path):
    ctx = _ctx(tmp_path)
    image = _png(tmp_path / "pack.png")
    brief = parse_brief(small_brief(product={"image": str(image)}))
    old = lifecycle.create_job(ctx, "ann", brief, local_files=True)  # a file, as the CLI gives it
    lifecycle.fail_job(ctx, old.job_id, {"step": "scene_1", "message": "the model was down"})

    new = lifecycle.retry_job(ctx, ctx.jobs.get(old.job_id))

    keys = JobKeys("ann", new.job_id)
    stored = ctx.jobs.get(new.job_id)
    assert stored.brief.product.image == keys.product_image("png")
    assert ctx.assets.exists(stored.brief.product.image)
    assert json.loads(ctx.assets.get_bytes(keys.brief)) == stored.brief.model_dump(mode="json")
    assert stored.assets["brief"] == keys.brief
    assert stored.brief.model_copy(update={"product": brief.product.model_copy(update={"image": None})}) == (
        brief.model_copy(update={"product": brief.product.model_copy(update={"image": None})})
    )


def test_stage_is_derived_from_the_status_and_never_stored(tmp_path):
    ctx = _ctx(tmp_path)
    job = lifecycle.create_job(ctx, "ann", parse_brief(small_brief()))
    lifecycle.cancel_job(ctx, job.job_id)
    read = ctx.jobs.get(job.job_id)
    assert read.stage == read.status.value == "cancelled"
    assert json.loads(read.model_dump_json())["stage"] == "cancelled"  # clients still see it
    assert [e.stage for e in ctx.jobs.events(job.job_id)] == ["queued", "cancelled"]
    with sqlite3.connect(tmp_path / "omnigen.db") as db:
        data, events = (
            db.execute("SELECT data FROM jobs WHERE job_id=?", (job.job_id,)).fetchone()[0],
            [r[0] for r in db.execute("SELECT data FROM events WHERE job_id=?", (job.job_id,))],
        )
    assert "stage" not in json.loads(data) and all("stage" not in json.loads(e) for e in events)
