import pytest

from omnigen.brief import parse_brief
from omnigen.job import Job, JobStatus, StatusError, TrackProgress, derived_status, overall_percent

BRIEF = parse_brief(
    {
        "prompt": "A gardener gets back to her roses",
        "product": {"brand_name": "V", "generic_name": "v", "indication": "x", "side_effects": ["y"]},
    }
)


def job(**kw) -> Job:
    return Job(user_id="u", brief=BRIEF, **kw)


def test_eight_states():
    assert len(JobStatus) == 8
    terminal = {s for s in JobStatus if s.terminal}
    assert terminal == {JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED}


def test_status_moves_forward_only_and_terminal_is_final():
    j = job()
    j.set_status(JobStatus.GENERATING_VIDEOS)
    with pytest.raises(StatusError):
        j.set_status(JobStatus.GENERATING_SCRIPT)
    j.set_status(JobStatus.FAILED)
    assert j.finished_at is not None
    for s in JobStatus:
        if s != JobStatus.FAILED:
            with pytest.raises(StatusError):
                j.set_status(s)


def test_status_is_the_earliest_stage_still_running():
    j = job(status=JobStatus.GENERATING_SCRIPT)
    j.tracks = {
        "script": TrackProgress(state="done"),
        "scene_1": TrackProgress(state="done"),
        "scene_2": TrackProgress(state="running"),
        "music": TrackProgress(state="running"),
        "voiceover": TrackProgress(state="done"),
        "compose": TrackProgress(),
    }
    assert derived_status(j) == JobStatus.GENERATING_VIDEOS
    j.tracks["scene_2"].state = "done"
    assert derived_status(j) == JobStatus.GENERATING_MUSIC
    j.tracks["music"].state = "done"
    assert derived_status(j) == JobStatus.COMPOSING


def test_overall_percent_weights_tracks():
    j = job()
    assert overall_percent(j) == 0
    j.tracks = {
        "script": TrackProgress(state="done"),
        "scene_1": TrackProgress(state="running", percent=50),
        "music": TrackProgress(),
        "voiceover": TrackProgress(),
        "compose": TrackProgress(),
    }
    assert overall_percent(j) == pytest.approx(10 + 55 * 0.5)
    for t in j.tracks.values():
        t.state = "done"
    assert overall_percent(j) == 100


def test_event_mirrors_job():
    j = job()
    e = j.event()
    assert (e.job_id, e.seq, e.status) == (j.job_id, j.seq, JobStatus.QUEUED)
