"""Saves of the draft timeline racing each other lose nothing, on both backings: SQLite and disk
with real threads, DynamoDB and S3 on moto with real threads. Server-side changes (a take
finishing, edit operations) that collide are applied again to the winner's draft; a save that
names the revision it read (the API's `If-Match`) is refused when the draft moved."""

from __future__ import annotations

import threading

import pytest
from aws_fixtures import moto_stores
from store_contract import new_job

from omnigen.keys import JobKeys
from omnigen.pipeline import draft
from omnigen.pipeline.context import StepContext
from omnigen.store.dynamodb import DynamoJobStore
from omnigen.store.filesystem import FileAssetStore
from omnigen.store.s3 import S3AssetStore
from omnigen.store.sqlite import SqliteJobStore
from omnigen.timeline import OutputSettings, TextItem, Timeline, VideoClip
from stacks.config import TableNames

THREADS, EACH = 4, 5
NAMES = TableNames()
BUCKET = "omnigen-drafts-test"


def _ctx(jobs, assets) -> StepContext:
    return StepContext(jobs=jobs, assets=assets, providers=None, settings=None)  # type: ignore[arg-type]


def _first(job) -> Timeline:
    clip = VideoClip(scene_index=1, asset=JobKeys(job.user_id, job.job_id).clip(1), out_s=30.0)
    return Timeline(output=OutputSettings(width=640, height=360), clips=[clip])


def _add(name: str):
    def change(t: Timeline) -> Timeline:
        item = TextItem(text=name, start_s=float(len(t.texts) % 25), end_s=float(len(t.texts) % 25) + 2)
        return t.model_copy(update={"texts": [*t.texts, item]})

    return change


def _race(workers) -> list[BaseException]:
    errors: list[BaseException] = []

    def run(work) -> None:
        try:
            work()
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def draft_race_contract(ctx: StepContext) -> None:
    job = ctx.jobs.create(new_job("alice"))
    draft.save_first(ctx, job, _first(job))
    keys = JobKeys(job.user_id, job.job_id)

    # N writers at once, each saving several changes: every change is in the final draft.
    def writer(n: int):
        return lambda: [draft.update(ctx, job.job_id, _add(f"writer {n} save {i}")) for i in range(EACH)]

    assert _race([writer(n) for n in range(THREADS)]) == []
    saved = ctx.jobs.get(job.job_id)
    current = draft.read(ctx, saved)
    assert current is not None and current.revision == THREADS * EACH == saved.draft.revision
    names = sorted(t.text for t in current.timeline.texts)
    assert names == sorted(f"writer {n} save {i}" for n in range(THREADS) for i in range(EACH))
    # Only the current revision's object is left: each save deleted the one it replaced, each
    # loser its own; the first draft (DESIGN's timeline.json) is kept.
    assert ctx.assets.list(keys.prefix + "drafts/") == [saved.draft.key]
    assert ctx.assets.exists(keys.timeline) and saved.assets["timeline"] == saved.draft.key
    seqs = [e.seq for e in ctx.jobs.events(job.job_id)]
    assert seqs == sorted(set(seqs))

    # Writers that all read revision r and say so (If-Match): exactly one saves, the others are
    # told the draft moved, with the revision it is now; nothing of theirs is left behind.
    r = current.revision
    stale: list[int] = []

    def conditional(n: int):
        def work() -> None:
            try:
                draft.update(ctx, job.job_id, _add(f"conditional {n}"), expected={r})
            except draft.DraftStale as err:
                stale.append(err.current)

        return work

    assert _race([conditional(n) for n in range(THREADS)]) == []
    after = draft.read(ctx, ctx.jobs.get(job.job_id))
    assert after.revision == r + 1 and len(stale) == THREADS - 1 and set(stale) == {r + 1}
    assert len([t for t in after.timeline.texts if t.text.startswith("conditional")]) == 1
    assert len(ctx.assets.list(keys.prefix + "drafts/")) == 1

    # A change that refuses (raises) saves nothing.
    def refuse(_: Timeline) -> Timeline:
        raise ValueError("no")

    with pytest.raises(ValueError):
        draft.update(ctx, job.job_id, refuse)
    assert draft.read(ctx, ctx.jobs.get(job.job_id)).revision == r + 1
    with pytest.raises(draft.DraftStale) as err:
        draft.update(ctx, job.job_id, _add("late"), expected={0})
    assert err.value.current == r + 1


def test_sqlite_and_disk_drafts_lose_no_save(tmp_path):
    draft_race_contract(_ctx(SqliteJobStore(tmp_path / "jobs.db"), FileAssetStore(tmp_path / "assets")))


def test_a_reader_holding_a_replaced_revision_reads_the_new_one(tmp_path):
    ctx = _ctx(SqliteJobStore(tmp_path / "jobs.db"), FileAssetStore(tmp_path / "assets"))
    job = ctx.jobs.create(new_job())
    draft.save_first(ctx, job, _first(job))
    draft.update(ctx, job.job_id, _add("one"))
    held = ctx.jobs.get(job.job_id)  # revision 1, whose object the next save deletes
    draft.update(ctx, job.job_id, _add("two"))
    got = draft.read(ctx, held)
    assert got.revision == 2 and [t.text for t in got.timeline.texts] == ["one", "two"]


@pytest.fixture
def aws(monkeypatch):
    with moto_stores(monkeypatch, NAMES, BUCKET):
        yield


def test_dynamodb_and_s3_drafts_lose_no_save(aws):
    draft_race_contract(_ctx(DynamoJobStore(NAMES.jobs, NAMES.kv), S3AssetStore(BUCKET)))
